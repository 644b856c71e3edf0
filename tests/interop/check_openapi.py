"""The OpenAPI contract checked against a live server with Schemathesis (issue 6 §3).

Seeds the demo hospital, serves it, and runs Schemathesis (pinned in
scripts/requirements-interop.txt) against `/api/v1/openapi.json` once per role, with a bearer
token of a user in that role: admin, manager, engineer, technician, requester, auditor and vendor
(every value of the document's `Role` schema; a role without a demo user gets one). Each run uses
the checks

    not_a_server_error          no 5xx, ever: bad input must get a 4xx error
    response_schema_conformance every response body fits the documented schema
    status_code_conformance     every status is documented for the operation
    content_type_conformance    every Content-Type is documented for the operation

over all phases (examples, coverage, fuzzing, stateful), positive and negative data, with a
bounded number of examples per operation and a time budget per role (about 3 minutes in all;
HTM_OPENAPI_SECONDS scales it). Any failure fails the check; the Schemathesis reports (JSON,
NDJSON) and output stay in WORKDIR/schemathesis-<role>/.

Excluded operation, with the reason:
- POST /auth/logout: it revokes the very token the run authenticates with, so every later request
  would be 401 and test nothing. It is exercised directly at the end instead (logout, then the
  token is refused with the error envelope).

    python check_openapi.py HTM_BIN DB_URL WORKDIR
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time

from htmcheck import Harness

CHECKS = "not_a_server_error,response_schema_conformance,status_code_conformance,content_type_conformance"
EXCLUDED = ["/auth/logout"]
# Seconds per role. The admin passes every permission check, so it reaches the most code.
SCALE = float(os.environ.get("HTM_OPENAPI_SECONDS", "1"))
BUDGET = {"admin": 90, "manager": 20, "engineer": 15, "technician": 15, "requester": 10, "auditor": 10, "vendor": 10}
MAX_EXAMPLES = 15
SEED = int(os.environ.get("HTM_OPENAPI_SEED", "20261121"))  # reproducible runs; set another to explore


def schemathesis_bin() -> str:
    return os.path.join(os.path.dirname(sys.executable), "schemathesis")


def role_users(h: Harness, admin: str, roles: list[str]) -> dict[str, tuple[str, str]]:
    """A (username, password) per role: a demo user, or a new one when the demo has none."""
    st, users = h.req("GET", "/api/v1/users?limit=1000", token=admin)
    h.check("users listed", st == 200, f"{st} {users}")
    out: dict[str, tuple[str, str]] = {"admin": ("admin", h.ADMIN_PASSWORD)}
    for u in users.get("items", []) if isinstance(users, dict) else []:
        if u.get("active", True) and u["role"] not in out:
            out[u["role"]] = (u["username"], h.DEMO_PASSWORD)
    for role in roles:
        if role in out:
            continue
        body = {"username": f"openapi.{role}", "display_name": f"OpenAPI {role}", "role": role,
                "password": "OpenAPI-Check-2026!"}
        if role == "vendor":
            st, vendors = h.req("GET", "/api/v1/vendors?limit=1", token=admin)
            body["vendor_id"] = vendors["items"][0]["id"] if st == 200 and vendors.get("items") else None
        st, b = h.req("POST", "/api/v1/users", body, token=admin)
        if h.check(f"user for role {role} created", st == 201, f"{st} {b}"):
            out[role] = (body["username"], body["password"])
    return out


def error_detail(out_dir: str, out: str) -> str:
    """What schemathesis said of its errors (timeouts, connection failures): the ERRORS section of
    its output and every error event of its ndjson log."""
    parts = []
    start = out.find("== ERRORS ==")
    if start >= 0:
        end = out.find("== ", start + 12)
        end = out.find("\n", end) if end > 0 else -1
        parts.append(out[start:end if end > 0 else None][:2500])
    try:
        with open(os.path.join(out_dir, "events.ndjson")) as f:
            for line in f:
                if "Error" in line.split(":", 1)[0] or '"error"' in line[:200].lower():
                    parts.append(line[:1500])
    except OSError:
        pass
    return "\n".join(parts)[:5000]


def run_schemathesis(h: Harness, role: str, token: str) -> None:
    out_dir = os.path.join(h.work, f"schemathesis-{role}")
    os.makedirs(out_dir, exist_ok=True)
    seconds = max(5, int(BUDGET.get(role, 15) * SCALE))
    cmd = [schemathesis_bin(), "run", f"{h.base}/api/v1/openapi.json",
           "--header", f"Authorization: Bearer {token}",
           "--checks", CHECKS,
           "--max-examples", str(MAX_EXAMPLES), "--max-time", str(seconds), "--seed", str(SEED),
           # One worker: Hypothesis parses source with Python's `ast` module, which is not safe
           # across threads in CPython 3.11 ("AST constructor recursion depth mismatch",
           # python/cpython#106905) — with two workers that failed a run as a Runtime Error.
           "--workers", "1", "--request-timeout", "30",
           "--report", "json,ndjson", "--report-dir", out_dir,
           "--report-json-path", os.path.join(out_dir, "report.json"),
           "--report-ndjson-path", os.path.join(out_dir, "events.ndjson"),
           "--no-color", "--output-truncate", "true"]
    for path in EXCLUDED:
        cmd += ["--exclude-path", path]
    started = time.monotonic()
    p = subprocess.run(cmd, cwd=out_dir, capture_output=True, text=True, timeout=seconds * 4 + 120)
    took = time.monotonic() - started
    with open(os.path.join(out_dir, "output.txt"), "w") as f:
        f.write(p.stdout + p.stderr)
    try:
        with open(os.path.join(out_dir, "report.json")) as f:
            report = json.load(f)
    except (OSError, ValueError) as e:
        h.check(f"[{role}] schemathesis wrote its report", False, f"{e}; exit {p.returncode}: {p.stdout[-1500:]}{p.stderr[-1500:]}")
        return
    ops, cases = report.get("operations", {}), report.get("test_cases", {})
    print(f"     [{role}] {ops.get('tested')} operations, {cases.get('generated')} test cases in {took:.0f} s "
          f"(stop: {report.get('stop_reason')})", flush=True)
    # The admin's run (the largest budget) must reach every operation; a shorter run may run out of
    # time first (on PostgreSQL GET /reports/survey-pack alone takes ~10 s a call with the demo).
    if role == "admin":
        h.check(f"[{role}] every selected operation tested",
                ops.get("tested") == ops.get("selected") and ops.get("tested", 0) > 100, json.dumps(ops))
    by_code = {f["code"]: f for f in report.get("failures", [])}
    # The FAILURES section of the output (with a curl line per failure) is the useful detail.
    out = p.stdout
    start = out.find("== FAILURES ==")
    end = out.find("== WARNINGS ==", start) if start >= 0 else -1
    detail = out[start:end if end > 0 else None][:1800] if start >= 0 else out[-1800:]
    for code, what in [("ST101", "no server errors (5xx)"), ("ST108", "every response fits its schema"),
                       ("ST103", "every status code is documented"), ("ST104", "every content type is documented")]:
        f = by_code.pop(code, None)
        h.check(f"[{role}] {what}", f is None, f and f"{f['count']}× in {', '.join(f['operations'][:20])}\n{detail}")
    for code, f in by_code.items():
        h.check(f"[{role}] no {code} {f.get('title')}", False, f"{f['count']}× in {', '.join(f['operations'][:20])}")
    errors = report.get("errors") or []
    h.check(f"[{role}] no errors while testing", not errors, json.dumps(errors)[:300] + "\n" + error_detail(out_dir, out))
    h.check(f"[{role}] schemathesis exit status 0", p.returncode == 0, detail)


def main() -> None:
    h = Harness.from_argv()
    h.seed_demo()
    with h.serve():
        st, doc = h.req("GET", "/api/v1/openapi.json")
        h.check("the OpenAPI document is served without a token", st == 200 and isinstance(doc, dict), f"{st}")
        h.check("it is OpenAPI 3.1", str(doc.get("openapi", "")).startswith("3.1"), str(doc.get("openapi")))
        roles = doc.get("components", {}).get("schemas", {}).get("Role", {}).get("enum", [])
        h.check("the document lists the roles", len(roles) >= 7, f"{roles}")
        admin = h.login("admin")
        users = role_users(h, admin, roles)
        # Tokens first: the admin's run may deactivate other users, so it goes last.
        # (All logins happen before the runs: the runs' failed logins may get this address throttled.)
        tokens = {role: h.login(*users[role]) for role in roles if role in users}
        # The operation left out of the fuzzing, directly (before any run can deactivate the user).
        tok = h.login(*users["manager"])
        st, _ = h.req("POST", "/api/v1/auth/logout", token=tok)
        h.check("logout answers 204", st == 204, f"{st}")
        st, b = h.req("GET", "/api/v1/me", token=tok)
        h.check("the logged-out token gets 401 with the error envelope",
                st == 401 and isinstance(b, dict) and b.get("error", {}).get("code") == "unauthenticated", f"{st} {b}")
        for role in sorted(tokens, key=lambda r: r == "admin"):
            run_schemathesis(h, role, tokens[role])
    h.finish()


if __name__ == "__main__":
    main()
