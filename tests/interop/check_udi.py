"""UDI parsing (issue 6 §1): `htm udi parse` and `POST /api/v1/udi/parse` against independent references.

* GS1: biip (an independent GS1 parser) on the real examples of `udi_examples.json` (a copy of
  the shared data file, see its PROVENANCE) and on a few hundred generated element strings
  (random GTINs with correct check digits, lots, serials, dates including day 00; raw with GS
  separators, with a `]d2`/`]C1` symbology identifier, and in the `(AI)` form). Every field
  (issuer, di, lot, serial, expiry, manufactured, and every AI/value pair) must agree.
* Every check-digit and date error must be rejected by htm (exit status 1, a message that says
  where), and biip must flag the same strings (the two agree on what is wrong).
* HIBCC: biip 5.2 has no HIBC parser, so the HIBC strings are generated here with their known
  fields and this file's own mod-43 check character (REFERENCE §5.3), and htm must return those
  fields; a wrong check character and impossible dates must be rejected.
* ISBT 128: the real examples.
* The API returns the same JSON as the command line, 422 with the error envelope when invalid,
  and scanning a demo asset's printed UDI finds it.

    python check_udi.py HTM_BIN DB_URL WORKDIR
"""
from __future__ import annotations

import calendar
import datetime as dt
import json
import os
import random

from biip import ParseError
from biip.gs1_messages import GS1Message
from htmcheck import Harness

GS = "\x1d"
HERE = os.path.dirname(os.path.abspath(__file__))
EXAMPLES = json.load(open(os.path.join(HERE, "udi_examples.json")))
CSET82 = "!\"%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz"
MOD43 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ-. $/+%"
rng = random.Random(20261121)

h = Harness.from_argv()


# ---------------------------------------------------------------- htm
def htm_one(s: str):
    """(exit status, parsed JSON or None, stderr)."""
    p = h.run("udi", "parse", s)
    try:
        body = json.loads(p.stdout) if p.returncode == 0 else None
    except ValueError:
        body = None
    return p.returncode, body, p.stderr.strip()


def htm_many(strings: list[str]) -> list[dict]:
    """One `htm udi parse -` over many strings: a JSON object per line (`{"error": …}` if invalid)."""
    p = h.run("udi", "parse", "-", input="".join(s + "\n" for s in strings))
    out = [json.loads(line) for line in p.stdout.splitlines() if line.strip()]
    if not h.check(f"htm udi parse - answers every one of {len(strings)} lines", len(out) == len(strings),
                   f"{len(out)} lines, stderr {p.stderr[-500:]}"):
        h.finish()
    return out


def contract(j: dict) -> dict:
    return {k: j.get(k) for k in ("issuer", "di", "lot", "serial", "expiry", "manufactured")}


# ---------------------------------------------------------------- biip (the reference for GS1)
def biip_fields(s: str) -> dict:
    """The contract fields and AI/value pairs biip reads; raises ParseError / ValueError if invalid."""
    if s.startswith("]"):
        s = s[3:]
    msg = GS1Message.parse_hri(s) if s.startswith("(") else GS1Message.parse(s)
    out = {"issuer": "GS1", "di": None, "lot": None, "serial": None, "expiry": None, "manufactured": None}
    pairs = []
    for e in msg.element_strings:
        ai = e.ai.ai
        pairs.append((ai, e.value))
        if ai == "01":
            if e.gtin_error:
                raise ValueError(e.gtin_error)
            out["di"] = e.value
        elif ai == "10":
            out["lot"] = e.value
        elif ai == "21":
            out["serial"] = e.value
        elif ai == "17":
            out["expiry"] = e.date.isoformat()
        elif ai == "11":
            out["manufactured"] = e.date.isoformat()
    out["elements"] = pairs
    return out


def htm_pairs(j: dict) -> list[tuple[str, str]]:
    return [(e["ai"], e["value"]) for e in j.get("gs1", {}).get("elements", [])]


def agree(name: str, s: str, j: dict | None) -> bool:
    try:
        ref = biip_fields(s)
    except (ParseError, ValueError) as e:
        return h.check(name, False, f"biip refused {s!r}: {e}")
    if j is None or "error" in j:
        return h.check(name, False, f"htm refused {s!r}: {j}")
    mine = dict(contract(j), elements=htm_pairs(j))
    return h.check(name, mine == ref, f"{s!r}\n htm  {mine}\n biip {ref}")


# ---------------------------------------------------------------- generators
def check_digit(data: str) -> str:
    total = sum(int(c) * (3 if i % 2 == 0 else 1) for i, c in enumerate(reversed(data)))
    return str((10 - total % 10) % 10)


def gtin() -> str:
    data = str(rng.randint(0, 9)) + "".join(rng.choice("0123456789") for _ in range(12))
    return data + check_digit(data)


def yymmdd(zero_day: bool = True) -> str:
    y, m = rng.randint(0, 49), rng.randint(1, 12)
    last = calendar.monthrange(2000 + y, m)[1]
    d = 0 if zero_day and rng.random() < 0.2 else rng.randint(1, last)
    return f"{y:02d}{m:02d}{d:02d}"


def x(n_max: int, hri: bool) -> str:
    chars = CSET82.replace("(", "").replace(")", "") if hri else CSET82
    return "".join(rng.choice(chars) for _ in range(rng.randint(1, n_max)))


FIXED = {"01", "11", "17"}


def gs1_string() -> str:
    hri = rng.random() < 0.3
    els = [("01", gtin())]
    optional = []
    if rng.random() < 0.6:
        optional.append(("11", yymmdd()))
    if rng.random() < 0.8:
        optional.append(("17", yymmdd()))
    if rng.random() < 0.8:
        optional.append(("10", x(20, hri)))
    if rng.random() < 0.7:
        optional.append(("21", x(20, hri)))
    if rng.random() < 0.15:
        optional.append(("240", x(30, hri)))
    if rng.random() < 0.1:
        optional.append(("30", str(rng.randint(1, 99999999))))
    rng.shuffle(optional)
    els += optional
    if hri:
        return "".join(f"({ai}){v}" for ai, v in els)
    out = ""
    for i, (ai, v) in enumerate(els):
        out += ai + v
        if i + 1 < len(els) and (ai not in FIXED or rng.random() < 0.1):  # a superfluous GS is tolerated
            out += GS
    return rng.choice(["", "", "]d2", "]C1"]) + out


def mod43(s: str) -> str:
    return MOD43[sum(MOD43.index(c) for c in s) % 43]


def alnum(lo: int, hi: int) -> str:
    return "".join(rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") for _ in range(rng.randint(lo, hi)))


def full_year(yy: int) -> int:
    """GS1's sliding century (REFERENCE §5.2), which htm applies to every two-digit year."""
    now = dt.date.today().year
    century, cur = now - now % 100, now % 100
    if 51 <= yy - cur <= 99:
        return century - 100 + yy
    if -99 <= yy - cur <= -50:
        return century + 100 + yy
    return century + yy


def primary_di() -> str:
    return rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ") + alnum(3, 3) + alnum(1, 18) + str(rng.randint(0, 9))


def hibcc_case() -> tuple[str, dict]:
    """A valid HIBCC string and the fields it holds."""
    want = {"issuer": "HIBCC", "di": None, "lot": None, "serial": None, "expiry": None, "manufactured": None}
    y = rng.randint(0, 40)
    m = rng.randint(1, 12)
    d = rng.randint(1, calendar.monthrange(2000 + y, m)[1])
    date = dt.date(full_year(y), m, d)
    form = rng.choice(["MMYY", "2", "3", "4", "5", "6", "7"])
    if form == "MMYY":
        text = f"{m:02d}{y:02d}"
        want["expiry"] = dt.date(date.year, m, calendar.monthrange(date.year, m)[1]).isoformat()
    elif form == "2":
        text = f"2{m:02d}{d:02d}{y:02d}"
    elif form == "3":
        text = f"3{y:02d}{m:02d}{d:02d}"
    elif form == "4":
        text = f"4{y:02d}{m:02d}{d:02d}{rng.randint(0, 23):02d}"
    elif form in "56":
        j = date.timetuple().tm_yday
        text = f"{form}{y:02d}{j:03d}" + (f"{rng.randint(0, 23):02d}" if form == "6" else "")
    else:
        text = "7"
    if form not in ("MMYY", "7"):
        want["expiry"] = date.isoformat()
    qty = rng.choice(["", "", f"8{rng.randint(1, 99):02d}", f"9{rng.randint(1, 99999):05d}"])
    value = alnum(1, 18)
    serial = rng.random() < 0.3
    want["serial" if serial else "lot"] = value
    secondary = "$$" + ("+" if serial else "") + qty + text + value
    kind = rng.choice(["primary", "concatenated", "secondary", "supplemental"])
    if kind == "primary":
        di = primary_di()
        want = dict(want, di=di, lot=None, serial=None, expiry=None)
        body = "+" + di
    elif kind == "secondary":
        body = "+" + secondary + rng.choice(MOD43)  # the link character
    else:
        di = primary_di()
        want["di"] = di
        body = "+" + di + "/" + secondary
        if kind == "supplemental":
            made = dt.date(2000 + rng.randint(0, 30), rng.randint(1, 12), rng.randint(1, 28))
            body += f"/16D{made:%Y%m%d}"
            want["manufactured"] = made.isoformat()
            if not serial:
                sn = alnum(1, 18)
                body += "/S" + sn
                want["serial"] = sn
    return body + mod43(body), want


# ================================================================ 1. real examples (command line)
for g in EXAMPLES["gs1"]:
    raw = g["data_after_fnc1"].replace("<GS>", GS)
    for s in (g["hri"], raw, "]d2" + raw):
        code, j, err = htm_one(s)
        if g["gtin_check_digit_valid"] is False:
            h.check(f"real GS1 example with a wrong GTIN check digit is refused: {s!r}",
                    code != 0 and "expected 2, found 6" in err and "AI (01)" in err, f"{code} {err}")
            try:
                biip_fields(s)
                h.check(f"biip also flags {s!r}", False)
            except (ParseError, ValueError):
                h.check(f"biip also flags {s!r}", True)
            continue
        agree(f"real GS1 example agrees with biip: {s!r}", s, j)
        want = [(e["ai"], e["value"]) for e in g["elements"]]
        h.check(f"real GS1 example elements as published: {s!r}", j is not None and htm_pairs(j) == want, f"{j}")

g4 = htm_one("(01)00643169007222(17)251200(21)SN000123")[1] or {}
h.check("GS1 day 00 is the month's last day (G4 → 2025-12-31)", g4.get("expiry") == "2025-12-31", f"{g4}")

hibcc_real = {
    "+A123BJC5D6E71G": {"di": "A123BJC5D6E71"},
    "+$$52001510X3GD": {"expiry": "2020-01-15", "lot": "10X3"},
    "+A99912345/$$52001510X33": {"di": "A99912345", "expiry": "2020-01-15", "lot": "10X3"},
    "+A99912345/$$52001510X3/16D20111212/S77DE1G45-": {"di": "A99912345", "expiry": "2020-01-15", "lot": "10X3",
                                                       "manufactured": "2011-12-12", "serial": "77DE1G45"},
    "+A999ABC1230V": {"di": "A999ABC1230"},
    "+A999ABC1231W": {"di": "A999ABC1231"},
    "+$$09053C001W9": {"expiry": "2005-09-30", "lot": "3C001"},
    "+$$+3250131SN12345WF": {"expiry": "2025-01-31", "serial": "SN12345"},
    "+$$82432501313C001WO": {"expiry": "2025-01-31", "lot": "3C001"},
    "+$$7LOT42WN": {"lot": "LOT42"},
    "+A999XYZ7890/$$3250131LOT42U": {"di": "A999XYZ7890", "expiry": "2025-01-31", "lot": "LOT42"},
}
EMPTY = {"di": None, "lot": None, "serial": None, "expiry": None, "manufactured": None}
for e in EXAMPLES["hibcc"]:
    s = e["data"]
    code, j, err = htm_one(s)
    want = dict(EMPTY, issuer="HIBCC", **hibcc_real.get(s, {}))
    h.check(f"real HIBCC example {s!r}", j is not None and contract(j) == want, f"{code} {err} {j} want {want}")
h.check("the public parser fixture with a wrong mod-43 check is refused (+H124009993020351/)",
        htm_one("+H124009993020351/")[0] != 0)

isbt_want = {
    "=/A9997AB3456T0123": {"di": "A9997AB3456T0123"},
    "=+06000=/A9999XYZ100T0476=,000025=A99972312345600=>025032=}023032&,1000000000000XYZ123": {
        "di": "A9999XYZ100T0476", "serial": "000025", "expiry": "2025-02-01", "manufactured": "2023-02-01",
        "lot": "000000000000XYZ123"},
}
for e in EXAMPLES["iccbba"]:
    s = e["data"]
    j = htm_one(s)[1]
    want = dict(EMPTY, issuer="ICCBBA", **isbt_want.get(s, {}))
    h.check(f"real ISBT 128 example {s[:30]!r}", j is not None and contract(j) == want, f"{j}")

# ================================================================ 2. generated GS1 strings vs biip
generated = [gs1_string() for _ in range(400)]
results = htm_many(generated)
bad = [(s, j) for s, j in zip(generated, results) if "error" in j]
h.check("every generated GS1 string parses", not bad, f"{bad[:3]}")
mismatch = []
for s, j in zip(generated, results):
    try:
        ref = biip_fields(s)
    except (ParseError, ValueError) as e:
        mismatch.append((s, f"biip: {e}"))
        continue
    mine = dict(contract(j), elements=htm_pairs(j)) if "error" not in j else j
    if mine != ref:
        mismatch.append((s, mine, ref))
h.check(f"{len(generated)} generated GS1 strings agree with biip field by field", not mismatch,
        f"{len(mismatch)} differ, e.g. {mismatch[:2]}")
h.check("the generated strings include the (AI) form, symbology identifiers and day 00",
        any(s.startswith("(") for s in generated) and any(s.startswith("]d2") for s in generated)
        and any(j.get("gs1") and any(e["ai"] in ("11", "17") and e["value"].endswith("00") for e in j["gs1"]["elements"])
                for j in results))

# ================================================================ 3. every check-digit and date error
errors = []
for _ in range(60):
    g = gtin()
    i = rng.randrange(14)
    wrong = g[:i] + str((int(g[i]) + rng.randint(1, 9)) % 10) + g[i + 1:]
    errors.append(("GTIN check digit", "01" + wrong + "17" + yymmdd()))
for ai in ("11", "17"):
    for bad_date in ("251301", "250001", "250132", "250230", "250229", "250431", "2502AA", "25023"):
        errors.append((f"AI ({ai}) date {bad_date}", "01" + gtin() + ai + bad_date))
for bad_dt in ("2500010000", "2512312400", "2512312360", "2502300000"):
    errors.append((f"AI (7003) {bad_dt}", "01" + gtin() + "7003" + bad_dt))
errors.append(("SSCC check digit", "00106141412345678907"))
refused_by_htm = htm_many([s for _, s in errors])
missed = [(what, s, j) for (what, s), j in zip(errors, refused_by_htm) if "error" not in j]
h.check(f"htm refuses all {len(errors)} GS1 check-digit and date errors", not missed, f"{missed[:3]}")
biip_missed = []
for what, s in errors:
    try:
        biip_fields(s)
        if not (what.startswith("AI (7003)") or what.startswith("SSCC")):
            biip_missed.append((what, s))  # biip's judgement of 7003 and SSCC is not compared
    except (ParseError, ValueError):
        pass
h.check("biip flags the same GTIN and date errors (the references agree on what is wrong)", not biip_missed,
        f"{biip_missed[:3]}")
err = htm_one("011088452106285617151307")[2]
h.check("an error names where (character offset, AI) and why", "at character 18" in err and "AI (17)" in err
        and "month 13" in err, err)

# ================================================================ 4. generated HIBCC strings
cases = [hibcc_case() for _ in range(300)]
got = htm_many([s for s, _ in cases])
wrong = [(s, contract(j) if "error" not in j else j, want) for (s, want), j in zip(cases, got)
         if "error" in j or contract(j) != want]
h.check(f"{len(cases)} generated HIBCC strings give their fields", not wrong, f"{len(wrong)} differ, e.g. {wrong[:2]}")
hib_errors = []
for s, _ in cases[:80]:
    hib_errors.append(s[:-1] + MOD43[(MOD43.index(s[-1]) + rng.randint(1, 42)) % 43])
for body in ("+$$3251331LOT", "+$$3250230LOT", "+$$2023025LOT", "+$$5253661LOT", "+$$1325LOT", "+$$0025LOT",
             "+$$425010124LOT", "+A999XYZ7890/16D20251301", "+A999XYZ7890/14D20250230"):
    body = body + ("W" if body.startswith("+$") else "")
    hib_errors.append(body + mod43(body))
got = htm_many(hib_errors)
missed = [s for s, j in zip(hib_errors, got) if "error" not in j]
h.check(f"htm refuses all {len(hib_errors)} HIBCC check-character and date errors", not missed, f"{missed[:3]}")

# ================================================================ 5. the API gives the same JSON
h.seed_demo()
with h.serve():
    tok = h.login("kbrown")
    sample = generated[:40] + [s for s, _ in cases[:40]] + [e["data"] for e in EXAMPLES["iccbba"]]
    cli = htm_many(sample)
    diff = []
    for s, j in zip(sample, cli):
        st, body = h.req("POST", "/api/v1/udi/parse", {"udi": s}, token=tok)
        if st != 200 or body != j:
            diff.append((s, st, body, j))
    h.check(f"POST /api/v1/udi/parse returns what htm udi parse prints ({len(sample)} strings)", not diff, f"{diff[:2]}")
    st, body = h.req("POST", "/api/v1/udi/parse", {"udi": "(01)99863313444316(17)220101(10)M320(21)AC222"}, token=tok)
    h.check("invalid UDI: 422 with the error envelope", st == 422 and isinstance(body, dict)
            and "expected 2, found 6" in body.get("error", {}).get("message", "")
            and body["error"].get("code"), f"{st} {body}")
    st, body = h.req("POST", "/api/v1/udi/lookup", {"udi": "(01)10884521062856(21)NOPE-1"}, token=tok)
    h.check("POST /api/v1/udi/lookup answers next=create_asset for an unknown unit",
            st == 200 and body.get("next") == "create_asset" and body["prefill"]["serial"] == "NOPE-1", f"{st} {body}")

    # The demo's newer units carry a UDI (raw string as printed, DI, serial): scanning finds them.
    withudi, cursor = [], ""
    for _ in range(10):
        q = "/api/v1/assets?limit=1000" + (f"&cursor={h.quote(cursor)}" if cursor else "")
        st, page = h.req("GET", q, token=tok)
        if st != 200 or not isinstance(page, dict):
            break
        withudi += [a for a in page.get("items", []) if (a.get("udi") or {}).get("raw") and a["udi"].get("serial")]
        cursor = page.get("next_cursor") or ""
        if len(withudi) >= 25 or not cursor:
            break
    if h.check("the demo has assets with a printed UDI to scan", len(withudi) >= 5, f"{len(withudi)}"):
        for a in withudi[:25]:
            st, body = h.req("POST", "/api/v1/udi/lookup", {"udi": a["udi"]["raw"]}, token=tok)
            ok = st == 200 and (body.get("next") == "open_asset" and body["asset"]["id"] == a["id"]
                                or body.get("next") == "choose_asset"
                                and a["id"] in [c["id"] for c in body["candidates"]])
            h.check(f"scanning demo asset {a['asset_tag']}'s UDI {a['udi']['raw']} finds it", ok,
                    f"{st} {str(body)[:400]}")
            j = htm_one(a["udi"]["raw"])[1] or {}
            h.check(f"{a['asset_tag']}: the parse gives the stored DI and serial",
                    j.get("di") == a["udi"]["di"] and j.get("serial") == a["udi"]["serial"], f"{j} {a['udi']}")

h.finish()
