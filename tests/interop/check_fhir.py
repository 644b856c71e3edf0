"""FHIR R4 check (issue 6 §2): the demo hospital's inventory exported as bulk NDJSON and read
through /fhir/r4 validates with an independent FHIR implementation, the `fhir.resources` package.

Which FHIR version: fhir.resources 8.x models R5 at its top level and R4B under
`fhir.resources.R4B` (STU3 under `.STU3`); it has no R4 package. R4B (4.3.0) left Device,
DeviceDefinition, Bundle, OperationOutcome and the data types they use as in R4 (4.0.1) — R4B
changed only the medication-definition and evidence resources — so R4B's models are the R4
models for everything this server emits. R5 is NOT used: its Device is a different structure
(no `statusReason`, `deviceName` → `name`, `manufacturer` …).

Validates: every NDJSON line (Device and DeviceDefinition exports); Device and DeviceDefinition
reads; the searchset Bundle; the CapabilityStatement; OperationOutcome errors (401/404/400);
and that identifiers round-trip (searching by each exported device's asset tag, by system|value,
and by the serial system returns that device). A negative control proves the validator is strict.

    python check_fhir.py HTM_BIN DB_URL WORKDIR
"""
from __future__ import annotations

import json
import os
import random
import time

from htmcheck import Harness

from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.capabilitystatement import CapabilityStatement
from fhir.resources.R4B.device import Device
from fhir.resources.R4B.devicedefinition import DeviceDefinition
from fhir.resources.R4B.operationoutcome import OperationOutcome

MODELS = {"Device": Device, "DeviceDefinition": DeviceDefinition, "Bundle": Bundle,
          "CapabilityStatement": CapabilityStatement, "OperationOutcome": OperationOutcome}


def validate(obj: dict) -> str | None:
    """None when `obj` is a valid resource of its resourceType, else the validator's message."""
    try:
        cls = MODELS[obj.get("resourceType", "")]
    except KeyError:
        return f"unexpected resourceType {obj.get('resourceType')!r}"
    try:
        cls.model_validate(obj)
        return None
    except Exception as e:  # pydantic.ValidationError and friends
        return str(e)[:600]


def main() -> None:
    h = Harness.from_argv()
    h.seed_demo()

    # The validator is strict: a misspelt element and a bad code are refused.
    bad = {"resourceType": "Device", "id": "1", "statusX": "active"}
    h.check("negative control: an unknown element is refused", validate(bad) is not None)
    bad = {"resourceType": "Device", "id": "1", "manufactureDate": "31/12/2014"}
    h.check("negative control: a malformed dateTime is refused", validate(bad) is not None)

    # Bulk NDJSON export: every line validates.
    out = os.path.join(h.work, "devices.ndjson")
    t0 = time.monotonic()
    p = h.run("export", "fhir", "--out", out)
    secs = time.monotonic() - t0
    h.check("htm export fhir --out FILE exits 0", p.returncode == 0, p.stderr[-800:])
    devices: list[dict] = []
    errors: list[str] = []
    with open(out, encoding="utf-8") as f:
        for i, line in enumerate(f, 1):
            try:
                obj = json.loads(line)
            except ValueError as e:
                errors.append(f"line {i}: not JSON: {e}")
                continue
            if obj.get("resourceType") != "Device":
                errors.append(f"line {i}: resourceType {obj.get('resourceType')}")
            msg = validate(obj)
            if msg:
                errors.append(f"line {i}: {msg}")
            devices.append(obj)
    print(f"     exported {len(devices)} Device resources in {secs:.1f} s")
    h.check("the export holds the demo's devices (> 1000 lines)", len(devices) > 1000, str(len(devices)))
    h.check(f"every one of {len(devices)} NDJSON Device lines validates as FHIR R4 (R4B models)",
            not errors, "; ".join(errors[:5]))
    ids = [d.get("id") for d in devices]
    h.check("device ids are unique", len(ids) == len(set(ids)))
    statuses = {d.get("status") for d in devices}
    h.check("statuses are FHIR codes", statuses <= {"active", "inactive", "entered-in-error", "unknown"}, str(statuses))
    with_udi = [d for d in devices if d.get("udiCarrier")]
    h.check("devices with a UDI carry udiCarrier with a deviceIdentifier",
            bool(with_udi) and all(d["udiCarrier"][0].get("deviceIdentifier") for d in with_udi), str(len(with_udi)))

    out_dd = os.path.join(h.work, "definitions.ndjson")
    p = h.run("export", "fhir", "--type", "DeviceDefinition", "--out", out_dd)
    h.check("htm export fhir --type DeviceDefinition exits 0", p.returncode == 0, p.stderr[-800:])
    dd_errors, n_dd = [], 0
    with open(out_dd, encoding="utf-8") as f:
        for i, line in enumerate(f, 1):
            n_dd += 1
            msg = validate(json.loads(line))
            if msg:
                dd_errors.append(f"line {i}: {msg}")
    h.check(f"every one of {n_dd} DeviceDefinition lines validates", n_dd > 0 and not dd_errors, "; ".join(dd_errors[:5]))

    with h.serve():
        # metadata is public.
        st, cap = h.req("GET", "/fhir/r4/metadata")
        h.check("GET /fhir/r4/metadata is 200 without a token", st == 200, f"{st}")
        h.check("the CapabilityStatement validates", isinstance(cap, dict) and validate(cap) is None,
                str(validate(cap) if isinstance(cap, dict) else cap))
        h.check("it declares FHIR 4.0.1", isinstance(cap, dict) and cap.get("fhirVersion") == "4.0.1")

        # Errors are OperationOutcomes.
        st, oo = h.req("GET", f"/fhir/r4/Device/{devices[0]['id']}")
        h.check("a read without a token is 401 with an OperationOutcome",
                st == 401 and isinstance(oo, dict) and oo.get("resourceType") == "OperationOutcome"
                and validate(oo) is None, f"{st} {oo}")
        tok = h.login("mgarcia")
        st, oo = h.req("GET", "/fhir/r4/Device/987654321", token=tok)
        h.check("an unknown id is 404 with an OperationOutcome", st == 404 and isinstance(oo, dict)
                and validate(oo) is None and oo["issue"][0]["code"] == "not-found", f"{st} {oo}")
        st, oo = h.req("GET", "/fhir/r4/Device?colour=blue", token=tok)
        h.check("a bad search is 400 with an OperationOutcome", st == 400 and isinstance(oo, dict)
                and validate(oo) is None, f"{st} {oo}")

        # Reads: the API's Device equals the exported line and validates; Content-Type.
        rng = random.Random(6)
        sample = rng.sample(devices, 25)
        import urllib.request
        r = urllib.request.Request(h.base + f"/fhir/r4/Device/{sample[0]['id']}",
                                   headers={"Authorization": f"Bearer {tok}"})
        with urllib.request.urlopen(r, timeout=60) as resp:
            ctype = resp.headers.get("Content-Type", "")
        h.check("responses are application/fhir+json", ctype.startswith("application/fhir+json"), ctype)
        read_errors, mismatch = [], []
        for d in sample:
            st, dev = h.req("GET", f"/fhir/r4/Device/{d['id']}", token=tok)
            if st != 200 or not isinstance(dev, dict):
                read_errors.append(f"{d['id']}: {st}")
                continue
            msg = validate(dev)
            if msg:
                read_errors.append(f"{d['id']}: {msg}")
            if dev != d:
                mismatch.append(d["id"])
        h.check("25 Device reads validate", not read_errors, "; ".join(read_errors[:5]))
        h.check("a Device read equals its NDJSON line", not mismatch, str(mismatch[:5]))

        model_ids = sorted({d["definition"]["reference"].split("/")[1] for d in sample})
        dd_bad = []
        for mid in model_ids:
            st, dd = h.req("GET", f"/fhir/r4/DeviceDefinition/{mid}", token=tok)
            if st != 200 or not isinstance(dd, dict) or validate(dd) is not None:
                dd_bad.append(f"{mid}: {st} {validate(dd) if isinstance(dd, dict) else dd}")
        h.check(f"the {len(model_ids)} DeviceDefinitions the sample refers to read and validate", not dd_bad,
                "; ".join(dd_bad[:3]))

        # Identifier round trip: each sampled device is found by its asset tag (bare and
        # system|value) and by its serial system; every Bundle validates.
        rt_bad = []
        for d in sample:
            tag = next(i for i in d["identifier"] if i.get("type", {}).get("text") == "Asset tag")
            queries = [tag["value"], f"{tag['system']}|{tag['value']}"]
            serial = [i for i in d["identifier"] if i.get("type", {}).get("coding", [{}])[0].get("code") == "SNO"]
            if serial:
                queries.append(f"{serial[0]['system']}|{serial[0]['value']}")
            for q in queries:
                st, b = h.req("GET", "/fhir/r4/Device?identifier=" + h.quote(q), token=tok)
                if st != 200 or not isinstance(b, dict):
                    rt_bad.append(f"{q}: {st} {b}")
                    continue
                msg = validate(b)
                found = [e["resource"]["id"] for e in b.get("entry", [])]
                if msg or b.get("type") != "searchset" or b.get("total") != len(found) or d["id"] not in found:
                    rt_bad.append(f"{q}: {msg or ''} total={b.get('total')} found={found[:3]}")
                elif q == queries[1] and len(found) != 1:
                    # A tag is unique: exactly one match under the asset-tag system.
                    rt_bad.append(f"{q}: {len(found)} matches for an asset tag")
        h.check("identifiers round-trip: tag, system|tag and serial system find the device; Bundles validate",
                not rt_bad, "; ".join(rt_bad[:5]))
        st, b = h.req("GET", "/fhir/r4/Device?identifier=" + h.quote("http://elsewhere.example/ids|X"), token=tok)
        h.check("a foreign system gives an empty, valid searchset", st == 200 and isinstance(b, dict)
                and b.get("total") == 0 and validate(b) is None, f"{st} {b}")
    h.finish()


if __name__ == "__main__":
    main()
