#!/usr/bin/env python3
"""Crash safety (issue 7 §4): kill `htm` with SIGKILL at random points during an import, a PM
generation and a write-heavy API load, many times, and check after every kill that

  * the database passes its integrity check (SQLite `PRAGMA integrity_check` and
    `foreign_key_check`; on PostgreSQL the constraints are enforced by the server, so the check
    is that every work order and asset still refers to rows that exist),
  * the audit hash chain verifies (`htm audit verify`, which also checks every e-signature),
  * no operation is half-applied: an import of N assets left 0 or N of them; a PM generation
    left 0 or all of the month's PMs (a re-run completes it and must then create either
    everything or nothing); every write the server acknowledged (200/201) before it died is
    present afterwards, and each record is either as acknowledged or as the one write that was
    in flight.

usage: check_crash.py HTM_BIN DB_URL WORKDIR   (run by scripts/test.sh step 8 on both back ends)
Environment: HTM_CRASH_KILLS (default 50, as the issue asks) kills in total, split 40 % import, 30 % PM
generation, 30 % API load; HTM_CRASH_SEED (default: random, printed) makes the kill times repeatable.
"""
from __future__ import annotations

import csv
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.error

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from htmcheck import Harness  # noqa: E402

h = Harness.from_argv()
KILLS = int(os.environ.get("HTM_CRASH_KILLS", "50"))
SEED = int(os.environ.get("HTM_CRASH_SEED", str(random.randrange(1 << 30))))
rng = random.Random(SEED)
print(f"seed {SEED} (HTM_CRASH_SEED), {KILLS} kills on {h.backend}", flush=True)
n_import = max(1, KILLS * 4 // 10)
n_pm = max(1, KILLS * 3 // 10)
n_load = max(1, KILLS - n_import - n_pm)


# ---------------------------------------------------------------------------- database access
def sql_scalar(query: str) -> int:
    """One integer from the database, read directly (the product's own reads could hide damage)."""
    if h.backend == "sqlite":
        path = h.db.removeprefix("sqlite://").split("?")[0]
        con = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)
        try:
            return int(con.execute(query).fetchone()[0])
        finally:
            con.close()
    out = subprocess.run(["psql", "-X", "-Atq", h.db, "-c", query], capture_output=True, text=True, timeout=120)
    if out.returncode != 0:
        raise RuntimeError(out.stderr)
    return int(out.stdout.strip().splitlines()[-1])


def integrity_problems() -> list[str]:
    problems = []
    if h.backend == "sqlite":
        path = h.db.removeprefix("sqlite://").split("?")[0]
        con = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)
        try:
            res = [r[0] for r in con.execute("PRAGMA integrity_check").fetchall()]
            if res != ["ok"]:
                problems.append(f"integrity_check: {res[:5]}")
            fk = con.execute("PRAGMA foreign_key_check").fetchall()
            if fk:
                problems.append(f"foreign_key_check: {fk[:5]}")
        finally:
            con.close()
    orphans = sql_scalar(
        "SELECT count(*) FROM work_orders w WHERE w.asset_id IS NOT NULL "
        "AND NOT EXISTS (SELECT 1 FROM assets a WHERE a.id = w.asset_id)")
    if orphans:
        problems.append(f"{orphans} work orders refer to missing assets")
    return problems


verify_runs = 0


def after_kill(what: str) -> None:
    """The checks every kill must pass."""
    global verify_runs
    probs = integrity_problems()
    h.check(f"{what}: database integrity", not probs, "; ".join(probs))
    p = h.run("audit", "verify")
    verify_runs += 1
    h.check(f"{what}: audit chain verifies", p.returncode == 0, (p.stdout + p.stderr)[-400:])


def popen(*args: str, **kw) -> subprocess.Popen:
    return subprocess.Popen([h.htm, "--db", h.db, *args], cwd=h.work, env=h.env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True, **kw)


def kill(proc: subprocess.Popen) -> bool:
    """SIGKILL; True if the process was still running (a real mid-operation kill)."""
    alive = proc.poll() is None
    if alive:
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=60)
    return alive


# ---------------------------------------------------------------------------- 0. baseline
h.seed_demo()
after_kill("baseline (no kill yet)")
export = os.path.join(h.work, "assets.csv")
p = h.run("export", "assets", "--format", "csv", "--out", export)
h.check("export assets for a template row", p.returncode == 0, p.stderr[-300:])
with open(export, newline="") as f:
    template = next(csv.DictReader(f))
IMPORT_COLUMNS = ["asset_tag", "serial_number", "manufacturer", "model_number", "department_cost_center", "status",
                  "notes"]
ROWS = 4000


def write_import(prefix: str) -> str:
    path = os.path.join(h.work, f"{prefix}.csv")
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(IMPORT_COLUMNS)
        for n in range(ROWS):
            w.writerow([f"{prefix}-{n:05d}", f"SN-{prefix}-{n}", template["manufacturer"], template["model_number"],
                        template["department_cost_center"], "in_service", "crash test"])
    return path


def count_prefix(prefix: str) -> int:
    return sql_scalar(f"SELECT count(*) FROM assets WHERE asset_tag LIKE '{prefix}-%'")


# one full import first: how long an import takes, so kills land across its whole life
t0 = time.monotonic()
p = h.run("import", "assets", write_import("CAL"))
import_s = time.monotonic() - t0
h.check(f"a full import of {ROWS} assets succeeds ({import_s:.2f} s)", p.returncode == 0 and count_prefix("CAL") == ROWS,
        (p.stderr or "")[-300:])

# ---------------------------------------------------------------------------- 1. imports
mid = 0
for i in range(n_import):
    prefix = f"CR{i:03d}"
    path = write_import(prefix)
    proc = popen("import", "assets", path)
    time.sleep(rng.uniform(0.05, import_s * 1.1))
    mid += kill(proc)
    c = count_prefix(prefix)
    h.check(f"import kill {i + 1}: {c} of {ROWS} assets, all or nothing", c in (0, ROWS), f"{c} rows")
    after_kill(f"import kill {i + 1}")
print(f"imports: {mid} of {n_import} kills landed while the import was running", flush=True)

# ---------------------------------------------------------------------------- 2. PM generation
def pm_count(month: str) -> int:
    return sql_scalar(f"SELECT count(*) FROM work_orders WHERE pm_period = '{month}'")


def months():
    y, m = 2027, 1
    while True:
        yield f"{y:04d}-{m:02d}"
        m += 1
        if m == 13:
            y, m = y + 1, 1


month_iter = months()
cal_month = next(month_iter)
t0 = time.monotonic()
p = h.run("pm", "generate", "--month", cal_month)
pm_s = time.monotonic() - t0
h.check(f"a full PM generation succeeds ({pm_s:.2f} s, {pm_count(cal_month)} PMs)", p.returncode == 0, p.stderr[-300:])
mid = 0
for i in range(n_pm):
    month = next(month_iter)
    proc = popen("pm", "generate", "--month", month)
    time.sleep(rng.uniform(0.0, max(pm_s, 0.05) * 1.2))
    mid += kill(proc)
    killed = pm_count(month)
    p = h.run("pm", "generate", "--month", month)
    ok = p.returncode == 0
    created = json.loads(p.stdout).get("created", -1) if ok else -1
    total = pm_count(month)
    h.check(f"PM generation kill {i + 1} ({month}): {killed} left, re-run created {created} of {total}",
            ok and (killed == 0 or killed == total) and created in (0, total), (p.stderr or "")[-300:])
    after_kill(f"PM generation kill {i + 1}")
print(f"PM generation: {mid} of {n_pm} kills landed while it was running", flush=True)

# ---------------------------------------------------------------------------- 3. API write load
p = h.run("export", "assets", "--format", "csv", "--out", export)
with open(export, newline="") as f:
    asset_ids = [int(r["id"]) for r in csv.DictReader(f) if r["asset_tag"].startswith("CAL-")]
THREADS = 8


def load_round(i: int) -> None:
    acked: dict[int, str] = {}      # asset id -> notes of the last acknowledged PATCH
    inflight: dict[int, str] = {}   # asset id -> notes of a PATCH sent but not answered
    created: list[str] = []         # numbers of acknowledged new work orders
    stop = threading.Event()
    errors: list[str] = []
    with h.serve():
        token = h.login("mgarcia")
        mine = rng.sample(asset_ids, THREADS * 5)

        def worker(t: int) -> None:
            ids = mine[t * 5:(t + 1) * 5]
            n = 0
            while not stop.is_set():
                aid = ids[n % len(ids)]
                n += 1
                try:
                    st, a = h.req("GET", f"/api/v1/assets/{aid}", token=token, timeout=10)
                    if st != 200:
                        continue
                    notes = f"crash {i} thread {t} write {n}"
                    inflight[aid] = notes
                    st, b = h.req("PATCH", f"/api/v1/assets/{aid}", {"version": a["version"], "notes": notes},
                                  token=token, timeout=10)
                    if st == 200:
                        acked[aid] = notes
                        inflight.pop(aid, None)
                    elif st not in (409,):
                        errors.append(f"PATCH {st}")
                    if n % 3 == 0:
                        st, w = h.req("POST", "/api/v1/work-orders",
                                      {"wo_type": "repair", "asset_id": aid, "problem": f"crash {i}/{t}/{n}"},
                                      token=token, timeout=10)
                        if st in (200, 201):
                            created.append(w["number"])
                        else:
                            errors.append(f"POST work order {st}")
                except (OSError, urllib.error.URLError, ValueError):
                    return  # the server died

        threads = [threading.Thread(target=worker, args=(t,), daemon=True) for t in range(THREADS)]
        for t in threads:
            t.start()
        time.sleep(rng.uniform(0.3, 2.0))
        # SIGKILL the server mid-load (serve() would SIGTERM it; it is gone by then)
        os.killpg(h.server.pid, signal.SIGKILL)
        stop.set()
        for t in threads:
            t.join(timeout=20)
    h.check(f"load kill {i + 1}: no unexpected API errors before the kill", not errors, ", ".join(errors[:5]))
    # acknowledged writes survive; a record is as acknowledged or as its in-flight write
    lost = []
    for aid, notes in acked.items():
        got = sql_text(f"SELECT notes FROM assets WHERE id = {aid}")
        if got != notes and got != inflight.get(aid):
            lost.append(f"asset {aid}: {got!r} != {notes!r}")
    for number in created:
        if sql_scalar(f"SELECT count(*) FROM work_orders WHERE number = '{number}'") != 1:
            lost.append(f"work order {number} missing")
    h.check(f"load kill {i + 1}: {len(acked)} acknowledged asset writes and {len(created)} work orders all present",
            not lost, "; ".join(lost[:5]))
    after_kill(f"load kill {i + 1}")


def sql_text(query: str) -> str | None:
    if h.backend == "sqlite":
        path = h.db.removeprefix("sqlite://").split("?")[0]
        con = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)
        try:
            row = con.execute(query).fetchone()
            return None if row is None else row[0]
        finally:
            con.close()
    out = subprocess.run(["psql", "-X", "-Atq", h.db, "-c", query], capture_output=True, text=True, timeout=120)
    return out.stdout.rstrip("\n") or None


for i in range(n_load):
    load_round(i)

print(f"{KILLS} kills: {n_import} imports, {n_pm} PM generations, {n_load} API loads; "
      f"audit chain verified {verify_runs} times", flush=True)
h.finish()
