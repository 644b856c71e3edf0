#!/usr/bin/env python3
"""Load test for a running OpenHTM server (issue 7 §6), standard library only.

    python3 scripts/load.py --url http://127.0.0.1:8080 --clients 200 --seconds 300 \
        [--users mgarcia,dchen,apatel,rlopez,kbrown,jwilliams] [--inventory-writers 3]
        [--password Biomed-Demo-2026] [--json]

Runs CLIENTS concurrent keep-alive HTTP/1.1 clients (asyncio, one connection each) for SECONDS
against the demo hospital's API, each looping over a mixed workload:

  * 60 % reads   list assets (a search), read one asset, list open work orders, the dashboard
  * 25 % writes  PATCH an asset's notes with the version just read; one in five goes to ten
                 assets every client shares, so a 409 `stale_version` when another client got
                 there first is the intended answer (counted apart, never retried)
  * 15 % writes  open a work order (a repair request), then PATCH it to add 5 minutes of labour

Afterwards it reconciles, through the API: every work order the server acknowledged exists
exactly once with exactly the labour lines acknowledged, and every asset holds the notes of its
last acknowledged PATCH (or of a later one, never an older one). It prints requests, throughput,
p50/p95/p99/max latency per kind, every error other than the intended 409s, and exits 1 if there
was any such error or anything failed to reconcile.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import sys
import time
import urllib.parse
from collections import defaultdict


class Conn:
    """One keep-alive HTTP/1.1 connection (Content-Length and chunked bodies)."""

    def __init__(self, host: str, port: int):
        self.host, self.port = host, port
        self.r: asyncio.StreamReader | None = None
        self.w: asyncio.StreamWriter | None = None

    async def request(self, method: str, path: str, body=None, token: str | None = None):
        if self.w is None:
            self.r, self.w = await asyncio.open_connection(self.host, self.port)
        data = json.dumps(body).encode() if body is not None else b""
        head = [f"{method} {path} HTTP/1.1", f"Host: {self.host}:{self.port}", "Connection: keep-alive",
                f"Content-Length: {len(data)}"]
        if body is not None:
            head.append("Content-Type: application/json")
        if token:
            head.append(f"Authorization: Bearer {token}")
        self.w.write(("\r\n".join(head) + "\r\n\r\n").encode() + data)
        await self.w.drain()
        status_line = await self.r.readline()
        if not status_line:
            raise ConnectionError("connection closed")
        status = int(status_line.split()[1])
        headers = {}
        while True:
            line = await self.r.readline()
            if line in (b"\r\n", b"\n", b""):
                break
            k, _, v = line.decode("latin-1").partition(":")
            headers[k.strip().lower()] = v.strip()
        if headers.get("transfer-encoding", "").lower() == "chunked":
            chunks = []
            while True:
                size = int((await self.r.readline()).strip() or b"0", 16)
                if size == 0:
                    await self.r.readline()
                    break
                chunks.append(await self.r.readexactly(size))
                await self.r.readline()
            raw = b"".join(chunks)
        else:
            raw = await self.r.readexactly(int(headers.get("content-length", "0")))
        if headers.get("connection", "").lower() == "close":
            self.close()
        try:
            return status, json.loads(raw) if raw else None
        except ValueError:
            return status, raw.decode("utf-8", "replace")

    def close(self):
        if self.w is not None:
            self.w.close()
        self.r = self.w = None


class Stats:
    def __init__(self):
        self.lat: dict[str, list[float]] = defaultdict(list)
        self.errors: list[str] = []
        self.stale = 0
        self.requests = 0


async def run(args) -> int:
    u = urllib.parse.urlparse(args.url)
    host, port = u.hostname or "127.0.0.1", u.port or 80
    run_id = f"load-{int(time.time())}-{random.randrange(1 << 20):05x}"
    stats = Stats()
    setup = Conn(host, port)
    tokens = []
    for name in args.users.split(","):
        st, b = await setup.request("POST", "/api/v1/auth/login", {"username": name, "password": args.password})
        if st != 200:
            print(f"login as {name} failed: {st} {b}", file=sys.stderr)
            return 2
        tokens.append(b["token"])
    # assets to read and write: a pool per client so that writes mostly do not collide
    assets = []
    cursor = None
    while len(assets) < args.clients * 10:
        q = "/api/v1/assets?limit=1000&status=in_service" + (f"&cursor={urllib.parse.quote(cursor)}" if cursor else "")
        st, b = await setup.request("GET", q, token=tokens[0])
        assets += [a["id"] for a in b["items"]]
        cursor = b.get("next_cursor")
        if not cursor:
            break
    setup.close()
    if len(assets) < args.clients:
        print(f"only {len(assets)} assets; need at least {args.clients}", file=sys.stderr)
        return 2
    hot = assets[:10]
    acked_notes: dict[int, tuple[float, str]] = {}   # asset -> (ack time, notes)
    acked_wos: dict[int, int] = {}                   # work order id -> labour lines acknowledged
    words = ["pump", "monitor", "defib", "ventilator", "bed", "scale", "ECG", "infusion", "suction", "oximeter"]
    deadline = time.monotonic() + args.seconds

    async def timed(conn: Conn, kind: str, method: str, path: str, body=None, token=None):
        t0 = time.perf_counter()
        st, b = await conn.request(method, path, body, token)
        stats.lat[kind].append((time.perf_counter() - t0) * 1000)
        stats.requests += 1
        return st, b

    async def client(c: int):
        rng = random.Random(c)
        conn = Conn(host, port)
        token = tokens[c % len(tokens)]
        # the inventory is changed by the first --inventory-writers users (manager, engineers)
        writer = tokens[c % min(args.inventory_writers, len(tokens))]
        mine = assets[c::args.clients] or assets
        n = 0
        while time.monotonic() < deadline:
            n += 1
            roll = rng.random()
            try:
                if roll < 0.15:
                    st, b = await timed(conn, "list_assets", "GET",
                                        f"/api/v1/assets?limit=50&q={rng.choice(words)}", token=token)
                elif roll < 0.30:
                    st, b = await timed(conn, "get_asset", "GET", f"/api/v1/assets/{rng.choice(assets)}", token=token)
                elif roll < 0.45:
                    st, b = await timed(conn, "list_work_orders", "GET", "/api/v1/work-orders?status=open_all&limit=50",
                                        token=token)
                elif roll < 0.60:
                    st, b = await timed(conn, "dashboard", "GET", "/api/v1/dashboard", token=token)
                elif roll < 0.85:
                    # one write in five goes to a small set every client shares: real contention
                    aid = rng.choice(hot) if rng.random() < 0.2 else rng.choice(mine)
                    st, a = await timed(conn, "get_asset", "GET", f"/api/v1/assets/{aid}", token=writer)
                    if st != 200:
                        stats.errors.append(f"GET asset {aid}: {st} {str(a)[:120]}")
                        continue
                    notes = f"{run_id} client {c} write {n}"
                    st, b = await timed(conn, "patch_asset", "PATCH", f"/api/v1/assets/{aid}",
                                        {"version": a["version"], "notes": notes}, token=writer)
                    if st == 200:
                        acked_notes[aid] = (time.monotonic(), notes)
                    elif st == 409 and isinstance(b, dict) and b.get("error", {}).get("code") == "stale_version":
                        stats.stale += 1
                        continue
                else:
                    st, w = await timed(conn, "create_work_order", "POST", "/api/v1/work-orders",
                                        {"wo_type": "repair", "asset_id": rng.choice(mine),
                                         "problem": f"{run_id} client {c} request {n}: alarm on start-up"}, token=token)
                    if st not in (200, 201):
                        stats.errors.append(f"POST work order: {st} {str(w)[:160]}")
                        continue
                    acked_wos[w["id"]] = 0
                    st, b = await timed(conn, "patch_work_order", "PATCH", f"/api/v1/work-orders/{w['id']}",
                                        {"version": w["version"], "add_labour": [{"minutes": 5, "note": run_id}]},
                                        token=token)
                    if st == 200:
                        acked_wos[w["id"]] = 1
                if st >= 400 and st != 409:
                    stats.errors.append(f"{st} {str(b)[:160]}")
                elif st == 409:
                    stats.errors.append(f"unexpected 409 {str(b)[:160]}")
            except (OSError, ConnectionError, asyncio.IncompleteReadError) as e:
                stats.errors.append(f"client {c}: {type(e).__name__} {e}")
                conn.close()
                await asyncio.sleep(0.1)
        conn.close()

    t0 = time.monotonic()
    await asyncio.gather(*(client(c) for c in range(args.clients)))
    wall = time.monotonic() - t0

    # ---------------------------------------------------------------- reconcile through the API
    check = Conn(host, port)
    lost = []
    for aid, (_, notes) in acked_notes.items():
        st, a = await check.request("GET", f"/api/v1/assets/{aid}", token=tokens[0])
        got = (a or {}).get("notes") or ""
        # the last acknowledged write, or a later one of this run (acks can race the reads above)
        if got != notes and not got.startswith(run_id):
            lost.append(f"asset {aid}: notes {got!r}, acknowledged {notes!r}")
    for wid, labour in acked_wos.items():
        st, w = await check.request("GET", f"/api/v1/work-orders/{wid}", token=tokens[0])
        if st != 200:
            lost.append(f"work order {wid}: {st}")
            continue
        lines = [x for x in (w.get("labour") or []) if x.get("note") == run_id]
        if len(lines) != labour:
            lost.append(f"work order {wid}: {len(lines)} labour lines, {labour} acknowledged")
    check.close()

    def pct(xs, p):
        xs = sorted(xs)
        return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))] if xs else 0.0

    everything = [x for v in stats.lat.values() for x in v]
    report = {
        "clients": args.clients, "seconds": round(wall, 1), "requests": stats.requests,
        "throughput_per_s": round(stats.requests / wall, 1),
        "latency_ms": {"p50": round(pct(everything, 50), 1), "p95": round(pct(everything, 95), 1),
                       "p99": round(pct(everything, 99), 1), "max": round(max(everything, default=0), 1)},
        "by_kind": {k: {"n": len(v), "p50": round(statistics.median(v), 1), "p99": round(pct(v, 99), 1)}
                    for k, v in sorted(stats.lat.items())},
        "intended_409": stats.stale, "errors": len(stats.errors), "error_samples": stats.errors[:10],
        "work_orders_created": len(acked_wos), "asset_writes_acknowledged": len(acked_notes),
        "reconciled": not lost, "lost": lost[:10],
    }
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        for k, v in report.items():
            print(f"{k}: {v}")
    return 0 if not stats.errors and not lost else 1


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--url", default="http://127.0.0.1:8080")
    ap.add_argument("--clients", type=int, default=200)
    ap.add_argument("--seconds", type=float, default=300)
    ap.add_argument("--users", default="mgarcia,dchen,apatel,rlopez,kbrown,jwilliams")
    ap.add_argument("--password", default="Biomed-Demo-2026")
    ap.add_argument("--inventory-writers", type=int, default=3,
                    help="how many of --users (the first ones) may change the inventory")
    ap.add_argument("--json", action="store_true")
    return asyncio.run(run(ap.parse_args()))


if __name__ == "__main__":
    sys.exit(main())
