#!/usr/bin/env python3
"""Concurrency (issue 7 §3): 50 concurrent clients edit the same work order over HTTP.

Round 1, one shot each: every client reads the work order and PATCHes it with the version it
read. Every request must either apply (200) or be refused with 409 `stale_version`; nothing else.
Afterwards the version went up by exactly the number of 200s, the audit trail holds exactly that
many `update` events for the work order, and the work order holds the write of the last
successful client (no lost update, no phantom one).

Round 2, with retries: every client adds one labour line (`add_labour`), re-reading and retrying
on 409 until it applies. Afterwards there are exactly 50 new labour lines, each client's exactly
once, and the version went up by 50.

usage: check_concurrency.py HTM_BIN DB_URL WORKDIR   (run by scripts/test.sh step 8 on both back ends)
"""
from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from htmcheck import Harness  # noqa: E402

CLIENTS = 50
h = Harness.from_argv()


def sql_rows(query: str) -> list[tuple]:
    if h.backend == "sqlite":
        path = h.db.removeprefix("sqlite://").split("?")[0]
        con = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)
        try:
            return con.execute(query).fetchall()
        finally:
            con.close()
    out = subprocess.run(["psql", "-X", "-Atq", "-F", "\t", h.db, "-c", query], capture_output=True, text=True,
                         timeout=120, check=True)
    return [tuple(line.split("\t")) for line in out.stdout.splitlines() if line]


h.seed_demo()
with h.serve():
    token = h.login("mgarcia")
    st, body = h.req("GET", "/api/v1/work-orders?status=open_all&wo_type=repair&limit=1", token=token)
    h.check("an open repair work order to edit", st == 200 and body.get("items"), f"{st} {str(body)[:200]}")
    wo = body["items"][0]
    wid = wo["id"]
    st, wo = h.req("GET", f"/api/v1/work-orders/{wid}", token=token)
    v0 = wo["version"]
    updates_before = int(sql_rows(f"SELECT count(*) FROM audit_events WHERE entity_type = 'work_order' "
                                  f"AND entity_id = '{wid}' AND action = 'update'")[0][0])

    # ---------------------------------------------------------------- round 1: one shot each
    barrier = threading.Barrier(CLIENTS)
    results: list[tuple[int, int, object]] = [None] * CLIENTS  # type: ignore[list-item]

    def one_shot(c: int) -> None:
        st, w = h.req("GET", f"/api/v1/work-orders/{wid}", token=token)
        barrier.wait()
        st, b = h.req("PATCH", f"/api/v1/work-orders/{wid}", {"version": w["version"], "problem": f"client {c} wrote this"},
                      token=token)
        results[c] = (c, st, b)

    threads = [threading.Thread(target=one_shot, args=(c,)) for c in range(CLIENTS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    ok = [r for r in results if r[1] == 200]
    stale = [r for r in results if r[1] == 409 and isinstance(r[2], dict)
             and r[2].get("error", {}).get("code") == "stale_version"]
    other = [r for r in results if r not in ok and r not in stale]
    h.check(f"round 1: every write applied ({len(ok)}) or got 409 stale_version ({len(stale)})", not other,
            str(other[:3]))
    h.check("round 1: at least one write applied", len(ok) >= 1)
    st, w1 = h.req("GET", f"/api/v1/work-orders/{wid}", token=token)
    h.check(f"round 1: version went up by the {len(ok)} applied writes", w1["version"] == v0 + len(ok),
            f"{v0} -> {w1['version']}")
    last = max(ok, key=lambda r: r[2]["version"])
    h.check("round 1: the work order holds the last applied write", w1["problem"] == f"client {last[0]} wrote this",
            f"{w1['problem']!r}")
    updates = int(sql_rows(f"SELECT count(*) FROM audit_events WHERE entity_type = 'work_order' "
                           f"AND entity_id = '{wid}' AND action = 'update'")[0][0]) - updates_before
    h.check(f"round 1: {len(ok)} audit update events, one per applied write", updates == len(ok), f"{updates}")

    # ---------------------------------------------------------------- round 2: retry until applied
    labour_before = int(sql_rows(f"SELECT count(*) FROM wo_labour WHERE work_order_id = {wid}")[0][0])
    attempts = [0] * CLIENTS
    failures: list[str] = []
    barrier = threading.Barrier(CLIENTS)

    def with_retry(c: int) -> None:
        barrier.wait()
        while attempts[c] < 500:
            attempts[c] += 1
            st, w = h.req("GET", f"/api/v1/work-orders/{wid}", token=token)
            st, b = h.req("PATCH", f"/api/v1/work-orders/{wid}",
                          {"version": w["version"], "add_labour": [{"minutes": 5, "note": f"client {c}"}]}, token=token)
            if st == 200:
                return
            if st != 409:
                failures.append(f"client {c}: {st} {str(b)[:100]}")
                return
        failures.append(f"client {c}: gave up after {attempts[c]} attempts")

    threads = [threading.Thread(target=with_retry, args=(c,)) for c in range(CLIENTS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    h.check("round 2: every client's labour line applied (only 409s retried)", not failures, "; ".join(failures[:3]))
    notes = [r[0] for r in sql_rows(f"SELECT note FROM wo_labour WHERE work_order_id = {wid}")]
    added = len(notes) - labour_before
    per_client = {c: notes.count(f"client {c}") for c in range(CLIENTS)}
    h.check(f"round 2: exactly {CLIENTS} labour lines added, each client's once", added == CLIENTS
            and all(n == 1 for n in per_client.values()), f"added {added}, {per_client}")
    st, w2 = h.req("GET", f"/api/v1/work-orders/{wid}", token=token)
    h.check(f"round 2: version went up by {CLIENTS}", w2["version"] == w1["version"] + CLIENTS,
            f"{w1['version']} -> {w2['version']}")
    print(f"round 2: {sum(attempts)} attempts for {CLIENTS} writes (the rest were 409 and retried)")
    p = h.run("audit", "verify")
    h.check("audit chain verifies after the concurrent edits", p.returncode == 0, p.stdout + p.stderr)
h.finish()
