//! The OpenHTM demo hospital: a realistic, fully synthetic dataset for trying the system.
//!
//! **Invariant: pure and deterministic.** No I/O, no clock, no OS randomness. The device
//! catalog is embedded (`include_str!`), randomness comes from a hand-written SplitMix64
//! seeded by constants, and [`generate`] depends only on its arguments: the same `today` and
//! password hash always give an identical [`Dataset`].
//!
//! What the demo contains (figures for `today` = 2026-03-18; other dates differ by a few per
//! cent, and the tests check the ranges on several dates):
//!
//! * **Organisation** — two sites: *Riverside General Hospital* (`RGH`, 394 staffed beds in
//!   a main tower, surgical pavilion, women's & children's pavilion and a diagnostic/support
//!   centre) and *Riverside Outpatient & Surgery Clinic* (`ROC`: clinic building and an
//!   ambulatory surgery centre); 6 buildings; 45 departments named by cost centre (ED, adult,
//!   cardiovascular, neonatal and pediatric ICUs, med-surg and telemetry floors, L&D,
//!   mother-baby, OR, PACU, pre-op, endoscopy, cath lab, radiology, CT, MRI, nuclear medicine,
//!   radiation oncology, cardiology, EEG, respiratory therapy, dialysis, infusion, lab,
//!   pharmacy, sterile processing, Biomed, clinic services…) with 3–25 rooms/areas each.
//! * **Catalog** — every row of `data/device_catalog.csv` (111 categories) with its real
//!   manufacturers and models (325 device models from 109 manufacturers), FDA product code and
//!   class, expected life, and life-support / high-risk defaults (see [`CatalogEntry`]).
//! * **Companies** — OEM service organisations, two ISOs (Agiliti, TRIMEDX) and a distributor,
//!   with (fictitious 555) phone numbers and `.example` e-mail addresses.
//! * **Inventory** — about 6,100 assets over all 111 categories in plausible quantities per
//!   department (≈ 1,300 pump channels and ≈ 950 suction regulators, a monitor per
//!   critical-care bed, a bed per inpatient room, 4 CT and 2 MRI, sterilizers in SPD…), tags
//!   `BME-000001`… issued in order of receipt,
//!   manufacturer-like serial numbers, purchase data, warranty, UDIs with fictitious GS1
//!   restricted-circulation GTINs (valid check digits) on newer units, and statuses: mostly in
//!   service, a handful out of service (each with the open repair that took it out), on loan,
//!   missing, awaiting incoming inspection, retired and disposed (units replaced by the current
//!   ones, or found beyond economical repair).
//! * **People** — see [`logins`]; every demo user gets the password hash passed to
//!   [`generate`]. User id 1 is left for the `admin` account created elsewhere.
//! * **Work orders** — three years of history ending at `today` (≈ 32,000 work orders:
//!   ≈ 16,300 PMs, ≈ 14,600 repairs, incoming inspections and retirements): scheduled PMs per the
//!   category's interval (≈ 95 % on time, some late, a few unable-to-locate and failed PMs that
//!   spawn repairs), repairs at category-specific rates with realistic cause codes (REFERENCE
//!   §9.3), problems in a requester's words and work in a technician's words, labour, parts,
//!   downtime, vendor work for imaging/lab/scopes, incoming inspections and retirements, and a
//!   current backlog of roughly 80–130 open work orders in every open status. Closed history is
//!   reviewed and closed; recent work is completed but not yet closed. "Now" is 16:00 UTC on
//!   `today`; times are UTC, working hours are written as UTC.
//! * **Test equipment and recorded PM results** — 13 Biomed-shop instruments (ESA620 ×2, ESA615,
//!   Rigel 288+, IDA-5 ×2, Impulse 7000DP, ProSim 8 and 4, BP Pump 2, VT900A, QA-ES III, RaySafe X2)
//!   with yearly calibrations and certificates, exactly one overdue and one due within 30 days;
//!   every completed PM with a procedure has its judged steps, IEC 62353 readings (limit rows by
//!   natural key, see `htm_domain::seed::EsaLimitKey`), the instruments used with their due date
//!   on the day, and — for the ≈ 2 % that failed — the link to the repair it opened
//!   (REFERENCE §1.3–1.5, §9.4).

pub mod catalog;
mod generate;
pub mod gs1;
mod people;
mod rng;
mod spec;
pub mod synthetic;
pub mod synthetic_recalls;
mod texts;
mod time;

pub use catalog::{CatalogEntry, CatalogModel, catalog};

/// 22 real entries of the CISA Known Exploited Vulnerabilities catalogue in CISA's JSON shape
/// (provenance in `data/PROVENANCE.md`), imported by the demo hospital.
pub const KEV_SUBSET_JSON: &[u8] = include_bytes!("../data/cisa_kev_subset.json");
pub use htm_domain::seed::Dataset;

/// The demo logins as (username, role, who they are); every one has the password whose
/// hash is passed to [`generate`]. User id 1 is not among them (the `admin` account).
///
/// | username | role | who |
/// |---|---|---|
/// | `mgarcia` | manager | Maria Garcia, Director of Clinical Engineering |
/// | `dchen`, `apatel` | engineer | clinical engineers |
/// | `rlopez`, `kbrown`, `jwilliams`, `lnguyen`, `tjohnson`, `mrodriguez`, `sthompson`, `ajackson`, `eschmidt`, `bkim` | technician | BMETs, each covering a zone |
/// | `pwhite` | technician | a BMET who left 14 months ago (inactive; appears in older history) |
/// | `auditor` | auditor | Pat Morgan, Quality & Accreditation (read-only) |
/// | `ahernandez`, `bmiller`, `cdavis`, `dwilson`, `emoore`, `gthomas`, `hclark`, `ilewis`, `jwalker`, `kyoung` | requester | charge nurses, RT lead, lab supervisor, clinic manager |
/// | `gehc.fse`, `philips.fse`, `siemens.fse` | vendor | field engineers of GE HealthCare, Philips and Siemens Healthineers service |
pub fn logins() -> Vec<(&'static str, &'static str, &'static str)> {
    people::PEOPLE.iter().map(|p| (p.username, p.role, p.title)).collect()
}

/// Generates the demo hospital as it stands at 16:00 on `today`, with three years of history.
/// `password_hash` (PHC string) is set on every demo user.
pub fn generate(today: jiff::civil::Date, password_hash: &str) -> Dataset {
    let mut ds = generate::generate(today, password_hash);
    people::add_qualifications(&mut ds, today);
    ds
}

#[cfg(test)]
mod tests;
