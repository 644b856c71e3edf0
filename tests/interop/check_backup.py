#!/usr/bin/env python3
"""Backup, restore and moving between databases (issue 7 §5), from outside, with the release binary:

  * seed the demo hospital into DB_URL and serve it; while an API client keeps writing
    (manufacturers, one POST after another), `htm backup online.htm.gz` — the backup is online;
  * the archive is checked independently here (gzip + NDJSON, per-table SHA-256, trailer) and is a
    consistent snapshot: its audit_head row names exactly its last audit event;
  * `htm restore` into a new SQLite file, `htm audit verify` exit 0, backup again: the same
    logical export;
  * `htm copy-db` SQLite → PostgreSQL (a database created with psql on HTM_TEST_PG_URL and dropped
    afterwards) → a new SQLite file, `htm audit verify` exit 0 at every stop, and the same logical
    export at every stop; a restore over a non-empty database and a corrupted archive are refused
    with nothing written.

The logical export (as in crates/service/src/backup.rs): the decompressed lines minus the header,
the `end` lines and the trailer, the `audit_head` row and the `restore`/`database` audit events.

usage: check_backup.py HTM_BIN DB_URL WORKDIR   (run by scripts/test.sh step 8 on both back ends)
"""
from __future__ import annotations

import gzip
import hashlib
import json
import os
import subprocess
import sys
import threading
import time
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from htmcheck import Harness  # noqa: E402

h = Harness.from_argv()


def htm(db: str, *args: str, timeout: int = 1800) -> subprocess.CompletedProcess:
    return subprocess.run([h.htm, "--db", db, *args], cwd=h.work, env=h.env, capture_output=True, text=True,
                          timeout=timeout)


def timed(db: str, *args: str) -> tuple[subprocess.CompletedProcess, float]:
    t = time.monotonic()
    p = htm(db, *args)
    return p, time.monotonic() - t


def check_archive(path: str) -> tuple[bool, str, dict]:
    """Independent check of the format: returns (ok, why, {table: [rows as JSON text]}) for small tables."""
    content = hashlib.sha256()
    tables: dict[str, list[str]] = {}
    with gzip.open(path, "rt", encoding="utf-8", newline="\n") as f:
        header = f.readline()
        hd = json.loads(header)
        if hd.get("format") != "openhtm-archive" or hd.get("version") != 1:
            return False, f"header {header[:200]}", {}
        content.update(header.encode())
        cur, th, n, total = None, None, 0, 0
        for line in f:
            if cur is not None and line.startswith("["):
                th.update(line.encode())
                content.update(line.encode())
                n += 1
                if cur in ("audit_head", "audit_events_tail"):
                    tables[cur].append(line)
                continue
            v = json.loads(line)
            if "end" in v:
                if v["end"] != cur or v["rows"] != n or v["sha256"] != th.hexdigest():
                    return False, f"table {cur}: end line does not match", {}
                content.update(line.encode())
                total += n
                cur = None
            elif "table" in v:
                cur, th, n = v["table"], hashlib.sha256(line.encode()), 0
                tables.setdefault(cur, [])
                tables.setdefault(cur + "#columns", []).append(json.dumps([c["name"] for c in v["columns"]]))
                content.update(line.encode())
            elif v.get("trailer") is True:
                ok = v["sha256"] == content.hexdigest() and v["rows"] == total
                return ok, "" if ok else "trailer does not match", tables
            else:
                return False, f"unexpected line {line[:200]}", {}
    return False, "no trailer", {}


def logical(path: str):
    """Yields the logical export's lines."""
    with gzip.open(path, "rt", encoding="utf-8", newline="\n") as f:
        f.readline()
        table, skip, cols = None, False, None
        for line in f:
            if table is not None and line.startswith("["):
                if skip:
                    continue
                if cols is not None:
                    row = json.loads(line)
                    if row[cols[0]] == "restore" and row[cols[1]] == "database":
                        continue
                yield line
                continue
            v = json.loads(line)
            if "end" in v:
                table, skip, cols = None, False, None
            elif "table" in v:
                table = v["table"]
                skip = table == "audit_head"
                names = [c["name"] for c in v["columns"]]
                cols = (names.index("action"), names.index("entity_type")) if table == "audit_events" else None
                yield line


def same_logical(a: str, b: str) -> tuple[bool, str]:
    n = 0
    la, lb = logical(a), logical(b)
    while True:
        n += 1
        x, y = next(la, None), next(lb, None)
        if x != y:
            return False, f"logical line {n}: {(x or '(end)')[:200]!r} vs {(y or '(end)')[:200]!r}"
        if x is None:
            return True, ""


def head_matches_last_event(path: str) -> tuple[bool, str]:
    """The archive is one snapshot: audit_head names the last audit event of the archive."""
    last = None
    head = None
    with gzip.open(path, "rt", encoding="utf-8", newline="\n") as f:
        f.readline()
        table, names = None, None
        for line in f:
            if table is not None and line.startswith("["):
                row = json.loads(line)
                if table == "audit_events":
                    last = dict(zip(names, row))
                elif table == "audit_head":
                    head = dict(zip(names, row))
                continue
            v = json.loads(line)
            if "table" in v:
                table, names = v["table"], [c["name"] for c in v["columns"]]
            elif "end" in v:
                table = None
    ok = head is not None and last is not None and head["seq"] == last["seq"] and head["hash"] == last["hash"]
    return ok, f"head {head} last {last and (last['seq'], last['hash'])}"


def verify(db: str, where: str) -> None:
    p = htm(db, "audit", "verify")
    h.check(f"htm audit verify exits 0 ({where})", p.returncode == 0, p.stdout + p.stderr)


times: dict[str, float] = {}

# ---------------------------------------------------------------------------- online backup
h.seed_demo()
online = os.path.join(h.work, "online.htm.gz")
with h.serve():
    tok = h.login("mgarcia")
    stop = threading.Event()
    writes = {"ok": 0, "bad": 0}

    def writer():
        i = 0
        while not stop.is_set():
            i += 1
            st, _ = h.req("POST", "/api/v1/manufacturers", {"name": f"Backup Check Maker {uuid.uuid4().hex[:12]}"},
                          token=tok)
            writes["ok" if st == 201 else "bad"] += 1

    t = threading.Thread(target=writer, daemon=True)
    t.start()
    time.sleep(1.0)
    before = writes["ok"]
    p, times["backup (online, demo)"] = timed(h.db, "backup", online)
    during = writes["ok"] - before
    stop.set()
    t.join(timeout=60)
h.check("htm backup exits 0 while the API is writing", p.returncode == 0, p.stderr[-1000:])
h.check("the API kept writing during the backup", during > 0 and writes["bad"] == 0, json.dumps(writes))
ok, why, _ = check_archive(online)
h.check("the archive checks out independently (per-table SHA-256, trailer)", ok, why)
ok, why = head_matches_last_event(online)
h.check("the online archive is one snapshot (audit_head = its last event)", ok, why)
verify(h.db, "source")

# ---------------------------------------------------------------------------- restore into SQLite
r1 = "sqlite://" + os.path.join(h.work, "restored.db")
p, times["restore → SQLite"] = timed(r1, "restore", online)
h.check("htm restore into a new SQLite file exits 0", p.returncode == 0, p.stderr[-1000:])
verify(r1, "restored SQLite")
r1_arc = os.path.join(h.work, "restored.htm.gz")
p = htm(r1, "backup", r1_arc)
ok, why = same_logical(online, r1_arc) if p.returncode == 0 else (False, p.stderr)
h.check("backup of the restored database: the same logical export", ok, why)

# refusals: non-empty target; corrupted archive (nothing written)
p = htm(r1, "restore", online)
h.check("restore over a non-empty database is refused", p.returncode != 0 and "not empty" in p.stderr, p.stderr[-500:])
raw = bytearray(open(online, "rb").read())
raw[len(raw) // 2] ^= 0x01
bad = os.path.join(h.work, "corrupt.htm.gz")
open(bad, "wb").write(bytes(raw))
r_bad = "sqlite://" + os.path.join(h.work, "corrupt-target.db")
p = htm(r_bad, "restore", bad)
h.check("a corrupted archive is refused with a clear message", p.returncode != 0 and "not an intact" in p.stderr,
        p.stderr[-500:])
p = htm(r_bad, "audit", "verify")
h.check("…and nothing was written", p.returncode == 0 and " 0 events" in p.stdout, p.stdout + p.stderr)

# ---------------------------------------------------------------------------- copy-db SQLite → PG → SQLite
pg_base = os.environ.get("HTM_TEST_PG_URL", "")
if not pg_base:
    print("skipped the PostgreSQL leg: HTM_TEST_PG_URL is not set", flush=True)
else:
    name = f"chk_backup_{uuid.uuid4().hex[:10]}"
    psql = subprocess.run(["psql", "-X", "-q", pg_base, "-c", f"CREATE DATABASE {name}"], capture_output=True,
                          text=True)
    h.check("created a throwaway PostgreSQL database", psql.returncode == 0, psql.stderr)
    pg = pg_base.rsplit("/", 1)[0] + "/" + name
    try:
        p, times["copy-db SQLite → PostgreSQL"] = timed(r1, "copy-db", "--from", r1, "--to", pg)
        h.check("htm copy-db SQLite → PostgreSQL exits 0", p.returncode == 0, p.stderr[-1000:])
        verify(pg, "PostgreSQL copy")
        pg_arc = os.path.join(h.work, "pg.htm.gz")
        p, times["backup PostgreSQL copy"] = timed(pg, "backup", pg_arc)
        ok, why = same_logical(online, pg_arc) if p.returncode == 0 else (False, p.stderr)
        h.check("PostgreSQL copy: the same logical export", ok, why)
        r2 = "sqlite://" + os.path.join(h.work, "back.db")
        p, times["copy-db PostgreSQL → SQLite"] = timed(pg, "copy-db", "--from", pg, "--to", r2)
        h.check("htm copy-db PostgreSQL → SQLite exits 0", p.returncode == 0, p.stderr[-1000:])
        verify(r2, "SQLite after the round trip")
        r2_arc = os.path.join(h.work, "back.htm.gz")
        p = htm(r2, "backup", r2_arc)
        ok, why = same_logical(online, r2_arc) if p.returncode == 0 else (False, p.stderr)
        h.check("SQLite → PostgreSQL → SQLite: the same logical export", ok, why)
    finally:
        subprocess.run(["psql", "-X", "-q", pg_base, "-c", f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"],
                       capture_output=True, text=True)

for k, v in times.items():
    print(f"time: {k}: {v:.1f} s", flush=True)
h.finish()
