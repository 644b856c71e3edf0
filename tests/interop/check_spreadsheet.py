"""Spreadsheet migration (issue 6 §4, "done when"): a legacy export of 100,000 assets imports with a
mapping file; one bad row among 100,000 stops the import with a precise report (exit code, the
report file's row and column) and stores nothing; XLSX written by `htm export` is read back.

    python check_spreadsheet.py HTM_BIN DB_URL WORKDIR
"""
from __future__ import annotations

import csv
import os
import sqlite3
import subprocess
import time
import zipfile

from htmcheck import Harness

ROWS = 100_000
h = Harness.from_argv()
h.seed_demo()


def sql_scalar(query: str) -> int:
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


# Real models and departments of the demo hospital, from its own export.
demo_csv = os.path.join(h.work, "demo-assets.csv")
p = h.run("export", "assets", "--format", "csv", "--out", demo_csv)
h.check("the demo inventory exports as CSV", p.returncode == 0, p.stderr[-300:])
with open(demo_csv, newline="") as f:
    demo = list(csv.DictReader(f))
models = sorted({(r["manufacturer"], r["model_number"]) for r in demo})
centres = sorted({r["department_cost_center"] for r in demo})
h.check("the demo has models and departments", len(models) > 50 and len(centres) > 5, f"{len(models)} {len(centres)}")

# The legacy system's own column names, status words, department codes and US dates.
MAPPING = os.path.join(h.work, "legacy-mapping.toml")
with open(MAPPING, "w") as f:
    f.write('kind = "assets"\ndate_format = "%m/%d/%Y"\nskip = ["Internal ID", "Last Audit"]\n\n[columns]\n')
    for legacy, ours in [("Equip No", "asset_tag"), ("Serial #", "serial_number"), ("Mfr", "manufacturer"),
                         ("Model", "model_number"), ("Dept Code", "department_cost_center"), ("Status", "status"),
                         ("Purchased", "acquisition_date"), ("Cost", "acquisition_cost"), ("Remarks", "notes")]:
        f.write(f'"{legacy}" = "{ours}"\n')
    f.write('\n[constants]\ncurrency = "USD"\n\n[values.status]\nACTIVE = "in_service"\nDOWN = "out_of_service"\n'
            'SCRAPPED = "retired"\n\n[values.department_cost_center]\n')
    for i, cc in enumerate(centres):
        f.write(f'"D{i:03d}" = "{cc}"\n')

STATUSES = ["ACTIVE"] * 8 + ["DOWN", "SCRAPPED"]


def write_legacy(path: str, prefix: str, bad_row: int | None = None) -> None:
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["Internal ID", "Equip No", "Serial #", "Mfr", "Model", "Dept Code", "Status", "Purchased", "Cost",
                    "Remarks", "Last Audit"])
        for n in range(ROWS):
            mfr, model = models[n % len(models)]
            date = f"{n % 12 + 1:02d}/{n % 28 + 1:02d}/{2010 + n % 15}"
            if bad_row is not None and n + 2 == bad_row:
                date = "13/45/2020"
            w.writerow([n, f"{prefix}-{n:06d}", f"S{n:07d}", mfr, model, f"D{n % len(centres):03d}",
                        STATUSES[n % len(STATUSES)], date, f"{1000 + n % 5000}.00", "", "01/01/2025"])


def count(prefix: str) -> int:
    return sql_scalar(f"SELECT count(*) FROM assets WHERE asset_tag LIKE '{prefix}-%'")


# 1. 100,000 assets with the mapping.
legacy = os.path.join(h.work, "legacy.csv")
write_legacy(legacy, "LEG")
t0 = time.monotonic()
p = h.run("import", "assets", legacy, "--mapping", MAPPING)
secs = time.monotonic() - t0
h.check(f"{ROWS} legacy assets import with the mapping ({secs:.1f} s, {h.backend})", p.returncode == 0,
        (p.stdout + p.stderr)[-500:])
print(f"import of {ROWS} assets on {h.backend}: {secs:.1f} s", flush=True)
h.check("every row is in the inventory", count("LEG") == ROWS, str(count("LEG")))
h.check("value maps applied (DOWN → out_of_service)",
        sql_scalar("SELECT count(*) FROM assets WHERE asset_tag LIKE 'LEG-%' AND status = 'out_of_service'") == ROWS // 10)
h.check("date format applied (row 2: 01/01/2010)",
        sql_scalar("SELECT count(*) FROM assets WHERE asset_tag = 'LEG-000000' AND acquisition_date = '2010-01-01'") == 1)
h.check("one create event per imported asset",
        sql_scalar("SELECT count(*) FROM audit_events WHERE entity_type = 'asset' AND action = 'create' "
                   "AND reason = 'spreadsheet import of legacy.csv'") == ROWS)

# 2. One bad row among 100,000: exit code, the precise report, nothing stored.
bad = os.path.join(h.work, "legacy-bad.csv")
BAD_ROW = 54_322
write_legacy(bad, "BAD", bad_row=BAD_ROW)
report = os.path.join(h.work, "errors.csv")
t0 = time.monotonic()
p = h.run("import", "assets", bad, "--mapping", MAPPING, "--errors", report)
secs = time.monotonic() - t0
h.check(f"a file with one bad row fails ({secs:.1f} s)", p.returncode == 1, f"exit {p.returncode}: {p.stderr[-300:]}")
h.check("the terminal names the row and the legacy column",
        f"row {BAD_ROW}, column Purchased: '13/45/2020' does not match the date format %m/%d/%Y" in p.stderr,
        p.stderr[-500:])
with open(report, newline="") as f:
    rep = list(csv.DictReader(f))
h.check("the report has exactly that row and column",
        len(rep) == 1 and rep[0]["row"] == str(BAD_ROW) and rep[0]["column"] == "Purchased", str(rep[:3]))
h.check("nothing of the bad file was stored", count("BAD") == 0, str(count("BAD")))

# 3. --dry-run checks everything and stores nothing.
dry = os.path.join(h.work, "legacy-dry.csv")
write_legacy(dry, "DRY")
p = h.run("import", "assets", dry, "--mapping", MAPPING, "--dry-run")
h.check("a dry run of a clean file succeeds", p.returncode == 0 and "nothing was stored" in p.stdout, p.stderr[-300:])
h.check("a dry run stores nothing", count("DRY") == 0)

# 4. XLSX written by the binary is read back by it.
for kind in ["vendors", "models", "locations", "pm-schedules", "work-orders"]:
    x = os.path.join(h.work, f"{kind}.xlsx")
    p = h.run("export", kind, "--format", "xlsx", "--out", x)
    ok = p.returncode == 0 and zipfile.is_zipfile(x) and "xl/workbook.xml" in zipfile.ZipFile(x).namelist()
    h.check(f"export {kind} --format xlsx writes a workbook", ok, p.stderr[-300:])
x = os.path.join(h.work, "vendors.xlsx")
vendors = sql_scalar("SELECT count(*) FROM vendors")
p = h.run("import", "vendors", x, "--dry-run")
dupes = [line for line in p.stderr.splitlines() if "already exists" in line]
h.check("re-reading the vendors XLSX finds every vendor already there", p.returncode == 1 and len(dupes) == vendors,
        f"{len(dupes)} of {vendors}: {p.stderr[-300:]}")
x = os.path.join(h.work, "assets.xlsx")
t0 = time.monotonic()
p = h.run("export", "assets", "--format", "xlsx", "--out", x)
h.check(f"export assets --format xlsx ({time.monotonic() - t0:.1f} s)", p.returncode == 0 and zipfile.is_zipfile(x),
        p.stderr[-300:])

p = h.run("audit", "verify")
h.check("the audit chain is intact after the imports", p.returncode == 0, p.stdout + p.stderr)
h.finish()
