#!/usr/bin/env node
// OpenHTM browser smoke test: starts `htm demo` on a free loopback port with a fresh SQLite
// database, then drives Debian's Chromium through Playwright (playwright-core, no bundled
// browser) along the main path of the UI: login → dashboard → asset search → asset page →
// new work order → in progress → completed (signed with the password) → survey pack page and
// its PDF.
//
//   node e2e/smoke.mjs                     (after `npm ci --prefix e2e`)
//
// Environment:
//   HTM_BIN             htm binary (default: <repo>/target/release/htm)
//   HTM_E2E_BASE_URL    test an already running server instead of starting `htm demo`
//                       (it must have the admin password below, or set HTM_E2E_PASSWORD)
//   HTM_E2E_PASSWORD    admin password (default E2e-Chief-Pass-2026!)
//   HTM_E2E_OUT         where the screenshot goes (default: <repo>/target/e2e)
//   HTM_E2E_HEALTH_TIMEOUT  seconds to wait for /healthz (default 180: the demo seeds ~6,000 assets)
//   CHROMIUM_PATH       browser executable (default /usr/bin/chromium)
//   HTM_E2E_HEADED=1    show the browser (needs a display)
//
// The UI contract it checks is the one in the selectors below; change both together.
// Exit status: 0 when every step held, 1 otherwise. The server's process group is killed in all cases.

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '..');

let chromium;
try {
  ({ chromium } = await import('playwright-core'));
} catch (e) {
  console.error(`e2e: cannot load playwright-core (${e.message}); run: npm ci --prefix e2e`);
  process.exit(1);
}

const HTM_BIN = process.env.HTM_BIN ? path.resolve(process.env.HTM_BIN) : path.join(repo, 'target/release/htm');
const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const PASSWORD = process.env.HTM_E2E_PASSWORD || 'E2e-Chief-Pass-2026!';
const OUT_DIR = path.resolve(process.env.HTM_E2E_OUT || path.join(repo, 'target/e2e'));
const HEALTH_TIMEOUT_S = Number(process.env.HTM_E2E_HEALTH_TIMEOUT || 180);
const ACTION_TIMEOUT_MS = 15_000;
const NAV_TIMEOUT_MS = 30_000;
const SEARCH_TERM = 'infusion';

const t0 = Date.now();
const stamp = () => `[${((Date.now() - t0) / 1000).toFixed(1).padStart(6)}s]`;
const log = (...a) => console.log(stamp(), ...a);

// ---------------------------------------------------------------- helpers

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function tail(file, max = 4000) {
  try {
    const s = fs.readFileSync(file, 'utf8');
    return s.length > max ? '…' + s.slice(-max) : s;
  } catch {
    return '(no log)';
  }
}

let server = null; // { child, exited, exitInfo, logFile }
let tmpDir = null; // removed on exit

function startServer(port, tmp) {
  if (!fs.existsSync(HTM_BIN)) {
    throw new Error(`htm binary not found at ${HTM_BIN} (build it: cargo build --release -p htm-cli, or set HTM_BIN)`);
  }
  const logFile = path.join(tmp, 'server.log');
  const fd = fs.openSync(logFile, 'w');
  const args = ['demo', '--db', `sqlite://${path.join(tmp, 'htm.db')}`, '--addr', `127.0.0.1:${port}`];
  log(`starting: HTM_ADMIN_PASSWORD=… ${HTM_BIN} ${args.join(' ')}`);
  const child = spawn(HTM_BIN, args, {
    cwd: tmp,
    env: { ...process.env, HTM_ADMIN_PASSWORD: PASSWORD },
    stdio: ['ignore', fd, fd],
    detached: true, // own process group, so we can kill it and anything it starts
  });
  fs.closeSync(fd);
  const s = { child, exited: false, exitInfo: '', logFile };
  child.on('exit', (code, sig) => {
    s.exited = true;
    s.exitInfo = sig ? `killed by ${sig}` : `exit code ${code}`;
  });
  child.on('error', (e) => {
    s.exited = true;
    s.exitInfo = `spawn error: ${e.message}`;
  });
  return s;
}

function killGroup(sig) {
  if (!server || !server.child.pid) return;
  try {
    process.kill(-server.child.pid, sig);
  } catch {
    /* already gone */
  }
}

async function stopServer() {
  if (!server || server.stopped) return;
  server.stopped = true;
  killGroup('SIGTERM');
  for (let i = 0; i < 100 && !server.exited; i++) await sleep(100);
  killGroup('SIGKILL'); // the group may hold children even after the leader exited
}

// Synchronous last resort for signals / unexpected exits.
process.on('exit', () => {
  if (server && !server.stopped) killGroup('SIGKILL');
});
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(sig, () => {
    console.error(`e2e: got ${sig}, stopping`);
    killGroup('SIGKILL');
    if (tmpDir) fs.rmSync(tmpDir, { recursive: true, force: true });
    process.exit(130);
  });
}

async function waitHealthy(base) {
  const deadline = Date.now() + HEALTH_TIMEOUT_S * 1000;
  let last = '';
  while (Date.now() < deadline) {
    if (server && server.exited) {
      throw new Error(`server exited before answering /healthz (${server.exitInfo})`);
    }
    try {
      const r = await fetch(`${base}/healthz`, { signal: AbortSignal.timeout(2000) });
      if (r.status === 200) return;
      last = `HTTP ${r.status}`;
    } catch (e) {
      last = e.cause?.code || e.message;
    }
    await sleep(500);
  }
  throw new Error(`/healthz did not answer 200 within ${HEALTH_TIMEOUT_S}s (last: ${last})`);
}

let page = null;
let currentStep = '(setup)';

async function step(name, fn) {
  currentStep = name;
  const s = Date.now();
  await fn();
  log(`ok   ${name} (${Date.now() - s} ms)`);
}

// Wait until `selector` is visible and its text matches `re` (survives page navigations).
async function waitText(selector, re, timeout = NAV_TIMEOUT_MS) {
  const loc = page.locator(selector).filter({ hasText: re }).first();
  try {
    await loc.waitFor({ state: 'visible', timeout });
  } catch (e) {
    const now = await page
      .locator(selector)
      .first()
      .textContent({ timeout: 1000 })
      .catch(() => '(element not found)');
    throw new Error(`${selector} never matched ${re} within ${timeout} ms; it shows: ${JSON.stringify(now?.trim())}`);
  }
  return (await loc.textContent()).trim();
}

async function waitPath(re, what) {
  try {
    await page.waitForURL((u) => re.test(u.pathname), { timeout: NAV_TIMEOUT_MS });
  } catch {
    throw new Error(`expected to reach ${what} (${re}), but the page is at ${page.url()}`);
  }
}

async function screenshot(name) {
  if (!page) return null;
  fs.mkdirSync(OUT_DIR, { recursive: true });
  const file = path.join(OUT_DIR, name);
  try {
    await page.screenshot({ path: file, fullPage: true, timeout: 10_000 });
    return file;
  } catch (e) {
    console.error(`e2e: screenshot failed: ${e.message}`);
    return null;
  }
}

// ---------------------------------------------------------------- the test

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'htm-e2e-'));
tmpDir = tmp;
let context = null;
let failed = null;
const consoleErrors = [];
const badResponses = [];

try {
  let base = process.env.HTM_E2E_BASE_URL?.replace(/\/+$/, '');
  if (!base) {
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    server = startServer(port, tmp);
  }
  await step(`server answers ${base}/healthz`, () => waitHealthy(base));

  if (!fs.existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} not found (apt-get install chromium)`);
  await step('chromium starts', async () => {
    context = await chromium.launchPersistentContext(path.join(tmp, 'chromium-profile'), {
      executablePath: CHROMIUM,
      headless: process.env.HTM_E2E_HEADED !== '1',
      args: [
        ...(process.env.HTM_E2E_HEADED === '1' ? [] : ['--headless']),
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
      viewport: { width: 1280, height: 900 },
      baseURL: base,
      timeout: 60_000,
    });
    context.setDefaultTimeout(ACTION_TIMEOUT_MS);
    context.setDefaultNavigationTimeout(NAV_TIMEOUT_MS);
    page = context.pages()[0] || (await context.newPage());
    page.on('console', (m) => m.type() === 'error' && consoleErrors.push(m.text()));
    page.on('pageerror', (e) => consoleErrors.push(`pageerror: ${e.message}`));
    page.on('response', (r) => r.status() >= 500 && badResponses.push(`${r.status()} ${r.request().method()} ${r.url()}`));
  });

  await step('login as admin → dashboard', async () => {
    await page.goto('/login');
    await page.fill('#username', 'admin');
    await page.fill('#password', PASSWORD);
    await page.click('#login-submit');
    await waitPath(/^\/$/, 'the dashboard /');
    await page.locator('#dashboard').waitFor({ state: 'visible' });
  });

  await step(`asset search "${SEARCH_TERM}" has results`, async () => {
    await page.goto('/assets');
    await page.fill('#asset-search', SEARCH_TERM);
    await page.click('#asset-search-submit');
    await page.waitForURL((u) => u.pathname === '/assets' && u.searchParams.get('q') === SEARCH_TERM, {
      timeout: NAV_TIMEOUT_MS,
    });
    await page.locator('table#asset-table').waitFor({ state: 'attached' });
    const rows = page.locator('table#asset-table tbody tr');
    await rows.first().waitFor({ state: 'visible', timeout: 5_000 }).catch(() => {});
    const n = await rows.count();
    if (n < 1) throw new Error(`table#asset-table has no rows for "${SEARCH_TERM}" (expected ≥ 1)`);
    log(`     ${n} row(s) on the first page`);
  });

  let assetId;
  await step('open the first asset', async () => {
    const link = page.locator('table#asset-table tbody tr a.asset-link').first();
    const href = await link.getAttribute('href');
    await link.click();
    await waitPath(/^\/assets\/\d+$/, `the asset page (${href})`);
    assetId = page.url().match(/\/assets\/(\d+)/)[1];
    const tag = (await page.locator('#asset-tag').textContent()).trim();
    if (!tag) throw new Error('#asset-tag is empty');
    log(`     asset ${assetId}, tag ${tag}`);
  });

  await step('new work order form', async () => {
    const link = page.locator('#new-work-order');
    const href = await link.getAttribute('href');
    const u = new URL(href, base);
    if (u.pathname !== '/work-orders/new' || u.searchParams.get('asset_id') !== assetId) {
      throw new Error(`#new-work-order points to ${href}, expected /work-orders/new?asset_id=${assetId}`);
    }
    await link.click();
    await waitPath(/^\/work-orders\/new$/, '/work-orders/new');
    await page.selectOption('#wo_type', 'repair');
    await page.selectOption('#priority', 'high');
    await page.fill('#problem', 'E2E: alarm sounds continuously');
    await page.click('#wo-create-submit');
    await waitPath(/^\/work-orders\/\d+$/, 'the new work order page');
    const number = await waitText('#wo-number', /WO-\d{4}-\d{6}/);
    if (!/^WO-\d{4}-\d{6}$/.test(number)) throw new Error(`#wo-number is ${JSON.stringify(number)}, expected WO-YYYY-NNNNNN`);
    await waitText('#wo-status', /open/i);
    log(`     created ${number} at ${new URL(page.url()).pathname}`);
  });

  await step('work order → in progress', async () => {
    await page.click('button[name="to"][value="in_progress"]');
    await waitText('#wo-status', /in progress/i);
  });

  await step('work order → completed', async () => {
    const form = page.locator('#complete-form');
    await form.waitFor({ state: 'visible' });
    await page.selectOption('#cause_code', 'EF');
    await page.fill('#work_performed', 'E2E: replaced alarm board, verified alarm limits');
    await page.selectOption('#result', 'pass');
    // Completing is an electronic signature: the password is re-entered.
    await page.fill('#complete-password', PASSWORD);
    await page.click('#complete-submit');
    await waitText('#wo-status', /completed/i);
    await waitText('#wo-signatures', /responsibility \(completed\)/);
  });

  await step('survey pack page and its PDF', async () => {
    await page.goto('/reports/survey-pack');
    await waitText('h1', /Survey readiness evidence pack/);
    await waitText('#survey-summary', /High-risk PM completion/);
    const href = await page.getAttribute('#survey-pdf-link', 'href');
    const res = await page.request.get(href);
    const type = res.headers()['content-type'] || '';
    const body = await res.body();
    if (!res.ok() || !type.includes('application/pdf') || body.subarray(0, 5).toString() !== '%PDF-') {
      throw new Error(`${href}: ${res.status()} ${type}, ${body.length} bytes`);
    }
    log(`     ${href}: ${body.length} bytes of PDF`);
  });

  const shot = await screenshot('smoke.png');
  if (shot) log(`screenshot: ${path.relative(process.cwd(), shot)}`);
} catch (e) {
  failed = e;
} finally {
  if (failed) {
    console.error(`\nFAIL ${currentStep}: ${failed.message}`);
    if (page) {
      console.error(`page URL: ${page.url()}`);
      const html = await page.content().catch(() => '(no content)');
      console.error(`page HTML (first 3000 chars):\n${html.slice(0, 3000)}\n`);
      const shot = await screenshot('smoke.png');
      if (shot) console.error(`screenshot: ${shot}`);
    }
    if (consoleErrors.length) console.error(`browser console errors:\n  ${consoleErrors.slice(-20).join('\n  ')}`);
    if (badResponses.length) console.error(`5xx responses:\n  ${badResponses.slice(-20).join('\n  ')}`);
    if (server) console.error(`server log (${server.logFile}), tail:\n${tail(server.logFile)}`);
  }
  if (context) await context.close().catch(() => {});
  await stopServer();
  if (!failed || process.env.HTM_E2E_KEEP_TMP !== '1') fs.rmSync(tmp, { recursive: true, force: true });
}

const secs = ((Date.now() - t0) / 1000).toFixed(1);
console.log(`e2e smoke test ${failed ? 'FAILED' : 'passed'} in ${secs}s`);
console.log(failed ? 'e2e: 0 passed, 1 failed' : 'e2e: 1 passed, 0 failed');
process.exit(failed ? 1 : 0);
