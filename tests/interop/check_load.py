#!/usr/bin/env python3
"""Load (issue 7 §6), the short version run by the test command: 200 concurrent keep-alive
clients of mixed reads and writes against `htm serve` on loopback for HTM_LOAD_SECONDS (default
15) with scripts/load.py; zero errors other than the intended 409s, and every acknowledged write
reconciles. The five-minute run's figures are in BENCHMARKS.md (same script, `--seconds 300`).

usage: check_load.py HTM_BIN DB_URL WORKDIR   (run by scripts/test.sh step 8 on both back ends)
"""
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from htmcheck import Harness  # noqa: E402

h = Harness.from_argv()
seconds = os.environ.get("HTM_LOAD_SECONDS", "15")
script = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts", "load.py")
h.seed_demo()
with h.serve():
    p = subprocess.run([sys.executable, script, "--url", h.base, "--clients", "200", "--seconds", seconds, "--json"],
                       capture_output=True, text=True, timeout=int(float(seconds)) + 300)
    try:
        r = json.loads(p.stdout)
    except ValueError:
        r = {}
    print(json.dumps({k: r.get(k) for k in ("clients", "seconds", "requests", "throughput_per_s", "latency_ms",
                                            "intended_409", "errors", "work_orders_created")}))
    h.check("200 clients ran and reported", bool(r) and r.get("clients") == 200, (p.stdout + p.stderr)[-800:])
    h.check("zero errors other than the intended 409s", r.get("errors") == 0, str(r.get("error_samples")))
    h.check("acknowledged writes reconcile (work orders, labour, asset notes)", r.get("reconciled") is True,
            str(r.get("lost")))
    h.check("some writes were made", (r.get("work_orders_created") or 0) > 0 and (r.get("asset_writes_acknowledged") or 0) > 0)
    pv = h.run("audit", "verify")
    h.check("audit chain verifies after the load", pv.returncode == 0, pv.stdout + pv.stderr)
h.finish()
