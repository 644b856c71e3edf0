"""Shared plumbing for the interoperability checks in this folder (not a check itself).

Every `check_*.py` here is run by scripts/test.sh (step 8) as

    python check_x.py HTM_BIN DB_URL WORKDIR

with the Python of scripts/py-env.sh, once on SQLite and once on a fresh PostgreSQL database. A
check drives the release binary from outside, as other programs do, and validates what it returns
with an independent reference implementation (fhir.resources, icalendar, aiosmtpd, biip,
schemathesis). It prints one line per assertion and exits 1 if any failed.

    from htmcheck import Harness
    h = Harness.from_argv()          # parses argv, creates WORKDIR
    h.seed_demo()                    # `htm demo --no-serve` into DB_URL (about 5 s)
    with h.serve():                  # `htm serve` on a free loopback port, stopped afterwards
        tok = h.login("mgarcia")     # demo users share h.DEMO_PASSWORD; "admin" uses ADMIN_PASSWORD
        st, body = h.req("GET", "/api/v1/assets?limit=5", token=tok)
        h.check("assets listed", st == 200, f"{st} {body}")
    h.finish()                       # prints the summary, exits 0 or 1
"""
from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

ADMIN_PASSWORD = "Interop-Check-Pass-2026!"
DEMO_PASSWORD = "Biomed-Demo-2026"


def free_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Harness:
    DEMO_PASSWORD = DEMO_PASSWORD
    ADMIN_PASSWORD = ADMIN_PASSWORD

    def __init__(self, htm: str, db: str, work: str):
        self.htm, self.db, self.work = os.path.abspath(htm), db, os.path.abspath(work)
        os.makedirs(self.work, exist_ok=True)
        self.env = dict(os.environ, HTM_ADMIN_PASSWORD=ADMIN_PASSWORD, HTM_DATABASE_URL=db)
        self.passes: list[str] = []
        self.fails: list[str] = []
        self.port = 0
        self.base = ""
        self.backend = "postgres" if db.startswith("postgres") else "sqlite"

    @classmethod
    def from_argv(cls) -> "Harness":
        if len(sys.argv) != 4:
            print(f"usage: {sys.argv[0]} HTM_BIN DB_URL WORKDIR", file=sys.stderr)
            raise SystemExit(2)
        return cls(*sys.argv[1:4])

    # ------------------------------------------------------------------ assertions
    def check(self, name: str, ok: bool, detail: str = "") -> bool:
        (self.passes if ok else self.fails).append(name)
        print(("ok   " if ok else "FAIL ") + name + (f" — {detail}"[:2000] if detail and not ok else ""), flush=True)
        return ok

    def finish(self) -> None:
        print(f"\n{len(self.passes)} passed, {len(self.fails)} failed ({self.backend})")
        for f in self.fails:
            print("  failed:", f)
        raise SystemExit(1 if self.fails else 0)

    # ------------------------------------------------------------------ the binary
    def run(self, *args: str, input: str | bytes | None = None, timeout: int = 900) -> subprocess.CompletedProcess:
        """Runs `htm ARGS` against DB_URL; text mode unless `input` is bytes."""
        text = not isinstance(input, bytes)
        return subprocess.run([self.htm, "--db", self.db, *args], cwd=self.work, env=self.env, input=input,
                              capture_output=True, text=text, timeout=timeout)

    def seed_demo(self) -> None:
        p = self.run("demo", "--no-serve")
        if not self.check("htm demo --no-serve seeds the demo hospital", p.returncode == 0, (p.stderr or p.stdout)[-500:]):
            self.finish()

    @contextlib.contextmanager
    def serve(self, extra_env: dict[str, str] | None = None, args: tuple[str, ...] = ()):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        env = dict(self.env, **(extra_env or {}))
        log = open(os.path.join(self.work, f"serve-{self.port}.log"), "w")
        server = subprocess.Popen([self.htm, "--db", self.db, "serve", "--addr", f"127.0.0.1:{self.port}", *args],
                                  cwd=self.work, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        self.server = server
        try:
            for _ in range(240):
                if server.poll() is not None:
                    break
                try:
                    if self.req("GET", "/healthz", raw=True)[0] == 200:
                        break
                except OSError:
                    pass
                time.sleep(0.25)
            if not self.check("server answers /healthz", server.poll() is None):
                log.flush()
                print(open(log.name).read()[-2000:])
                self.finish()
            yield self
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(server.pid, signal.SIGTERM)
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
            log.close()

    # ------------------------------------------------------------------ HTTP
    def req(self, method: str, path: str, body=None, token: str | None = None, raw: bool = False,
            headers: dict[str, str] | None = None, data: bytes | None = None, timeout: int = 120):
        """Returns (status, parsed JSON | text | bytes). `body` is sent as JSON; `data` as is."""
        if body is not None:
            data = json.dumps(body).encode()
        r = urllib.request.Request(self.base + path, data=data, method=method)
        if body is not None:
            r.add_header("Content-Type", "application/json")
        if token:
            r.add_header("Authorization", f"Bearer {token}")
        for k, v in (headers or {}).items():
            r.add_header(k, v)
        try:
            with urllib.request.urlopen(r, timeout=timeout) as resp:
                return resp.status, self._decode(resp.read(), resp.headers.get("Content-Type", ""), raw)
        except urllib.error.HTTPError as e:
            return e.code, self._decode(e.read(), e.headers.get("Content-Type", ""), raw)

    @staticmethod
    def _decode(b: bytes, ctype: str, raw: bool):
        if raw:
            return b.decode("utf-8", "replace")
        if "json" in ctype:
            try:
                return json.loads(b.decode())
            except ValueError:
                pass
        try:
            return b.decode()
        except UnicodeDecodeError:
            return b

    def login(self, username: str, password: str | None = None) -> str:
        pw = password or (ADMIN_PASSWORD if username == "admin" else DEMO_PASSWORD)
        st, body = self.req("POST", "/api/v1/auth/login", {"username": username, "password": pw})
        if not self.check(f"login as {username}", st == 200 and isinstance(body, dict) and body.get("token"),
                          f"{st} {body}"):
            self.finish()
        return body["token"]

    @staticmethod
    def quote(s: str) -> str:
        return urllib.parse.quote(s, safe="")
