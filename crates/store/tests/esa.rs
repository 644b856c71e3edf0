//! Electrical-safety limits as stored reference data, on both back ends: for every protection
//! class and applied-part type, exactly the limits REFERENCE §1.3 gives, judged at their
//! boundaries.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use htm_domain::esa::{AppliedPartType as Ap, EsaStandard, ProtectionClass as Pc, select};
use htm_test_support::stores;

/// (test, condition, limit, unit, comparator) of every limit that applies.
fn shape(limits: &[htm_domain::esa::EsaLimit]) -> Vec<(String, String, f64, String, String)> {
    let mut v: Vec<_> = limits
        .iter()
        .map(|l| {
            (
                l.test.as_str().to_string(),
                l.condition.clone(),
                l.limit,
                l.unit.clone(),
                l.comparator.as_str().to_string(),
            )
        })
        .collect();
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    v
}

fn row(test: &str, cond: &str, limit: f64, unit: &str, cmp: &str) -> (String, String, f64, String, String) {
    (test.into(), cond.into(), limit, unit.into(), cmp.into())
}

fn pe_iec() -> Vec<(String, String, f64, String, String)> {
    [300.0, 200.0, 100.0, 300.0, 500.0]
        .iter()
        .map(|v| row("protective_earth_resistance", "NC", *v, "mOhm", "<="))
        .collect()
}

#[tokio::test]
async fn every_class_and_applied_part_gets_the_reference_limits() {
    for db in stores().await {
        let iec = db.store.list_esa_limits(EsaStandard::Iec62353).await.unwrap();
        let nfpa = db.store.list_esa_limits(EsaStandard::Nfpa99).await.unwrap();
        assert!(iec.iter().all(|l| l.edition == "IEC 62353:2014" && l.version == 1));

        let mut want = pe_iec();
        want.extend([
            row("equipment_leakage", "NC", 1000.0, "uA", "<="),
            row("equipment_leakage", "NC", 500.0, "uA", "<="),
            row("insulation_resistance", "NC", 2.0, "MOhm", ">="),
        ]);
        let mut want_sorted = want.clone();
        want_sorted.sort_by(|a, b| a.partial_cmp(b).unwrap());
        assert_eq!(
            shape(&select(&iec, Pc::I, Ap::None)),
            want_sorted,
            "{}: IEC 62353 Class I, no applied part",
            db.name
        );
        assert_eq!(
            shape(&select(&iec, Pc::I, Ap::B)),
            want_sorted,
            "{}: type B has no separate applied-part limit",
            db.name
        );

        let mut cf = want.clone();
        cf.extend([
            row("applied_part_leakage", "NC", 50.0, "uA", "<="),
            row("insulation_resistance", "NC", 70.0, "MOhm", ">="),
        ]);
        cf.sort_by(|a, b| a.partial_cmp(b).unwrap());
        assert_eq!(shape(&select(&iec, Pc::I, Ap::Cf)), cf, "{}: IEC 62353 Class I, CF", db.name);

        let mut ii_bf = vec![
            row("equipment_leakage", "NC", 500.0, "uA", "<="),
            row("equipment_leakage", "NC", 100.0, "uA", "<="),
            row("applied_part_leakage", "NC", 5000.0, "uA", "<="),
            row("insulation_resistance", "NC", 7.0, "MOhm", ">="),
            row("insulation_resistance", "NC", 70.0, "MOhm", ">="),
        ];
        ii_bf.sort_by(|a, b| a.partial_cmp(b).unwrap());
        assert_eq!(shape(&select(&iec, Pc::II, Ap::Bf)), ii_bf, "{}: IEC 62353 Class II, BF (no PE test)", db.name);

        assert_eq!(
            shape(&select(&iec, Pc::Internal, Ap::Cf)),
            vec![row("applied_part_leakage", "NC", 50.0, "uA", "<=")]
        );
        assert!(
            select(&iec, Pc::Internal, Ap::None).is_empty(),
            "{}: nothing to test on a battery device without applied parts",
            db.name
        );

        let mut n1 = vec![
            row("protective_earth_resistance", "NC", 500.0, "mOhm", "<"),
            row("touch_current", "NC", 100.0, "uA", "<="),
            row("touch_current", "SFC", 500.0, "uA", "<="),
        ];
        n1.sort_by(|a, b| a.partial_cmp(b).unwrap());
        assert_eq!(shape(&select(&nfpa, Pc::I, Ap::Cf)), n1, "{}: NFPA 99 Class I", db.name);
        assert_eq!(
            shape(&select(&nfpa, Pc::II, Ap::None)).len(),
            2,
            "{}: NFPA 99 Class II: touch current only",
            db.name
        );
        assert!(select(&nfpa, Pc::Internal, Ap::Bf).is_empty(), "{}: NFPA 99 tests cord-connected equipment", db.name);
    }
}

#[tokio::test]
async fn readings_are_judged_at_the_boundaries_as_the_standards_say() {
    for db in stores().await {
        let iec = db.store.list_esa_limits(EsaStandard::Iec62353).await.unwrap();
        let nfpa = db.store.list_esa_limits(EsaStandard::Nfpa99).await.unwrap();
        let find = |set: &[htm_domain::esa::EsaLimit], test: &str, limit: f64| {
            set.iter().find(|l| l.test.as_str() == test && l.limit == limit).cloned().unwrap()
        };
        let cf = find(&iec, "applied_part_leakage", 50.0);
        assert_eq!((cf.judge(50.0), cf.judge(50.1)), (Ok(true), Ok(false)), "{}", db.name);
        let bf = find(&iec, "applied_part_leakage", 5000.0);
        assert_eq!((bf.judge(5000.0), bf.judge(5001.0)), (Ok(true), Ok(false)));
        let pe = find(&iec, "protective_earth_resistance", 300.0);
        assert_eq!((pe.judge(300.0), pe.judge(301.0)), (Ok(true), Ok(false)));
        let ground = find(&nfpa, "protective_earth_resistance", 500.0);
        assert_eq!((ground.judge(499.0), ground.judge(500.0)), (Ok(true), Ok(false)), "NFPA: less than 0.50 Ω");
        let touch = find(&nfpa, "touch_current", 100.0);
        assert_eq!((touch.judge(100.0), touch.judge(100.5)), (Ok(true), Ok(false)));
        let ir = find(&iec, "insulation_resistance", 2.0);
        assert_eq!((ir.judge(2.0), ir.judge(1.99)), (Ok(true), Ok(false)), "insulation is a minimum");
    }
}
