//! The demo's people and companies: HTM staff, clinical requesters, an auditor, vendor field
//! engineers, and the service companies/distributors equipment is bought from and serviced by.

/// A demo login: (username, display name, role code, what they do, primary cost centres).
pub struct Person {
    pub username: &'static str,
    pub display_name: &'static str,
    pub role: &'static str,
    pub title: &'static str,
    /// Cost centres this person covers (technicians' zones, requesters' units).
    pub covers: &'static [&'static str],
    /// Vendor company (index into `VENDORS`) for vendor users.
    pub vendor: Option<usize>,
}

pub const PEOPLE: &[Person] = &[
    Person {
        username: "mgarcia",
        display_name: "Maria Garcia",
        role: "manager",
        title: "Director, Clinical Engineering",
        covers: &[],
        vendor: None,
    },
    Person {
        username: "dchen",
        display_name: "David Chen",
        role: "engineer",
        title: "Clinical Engineer",
        covers: &[],
        vendor: None,
    },
    Person {
        username: "apatel",
        display_name: "Anjali Patel",
        role: "engineer",
        title: "Clinical Engineer – Imaging & Networked Devices",
        covers: &[],
        vendor: None,
    },
    Person {
        username: "rlopez",
        display_name: "Rosa Lopez",
        role: "technician",
        title: "BMET III (Lead) – Critical Care",
        covers: &["6100", "6110", "6130", "7400"],
        vendor: None,
    },
    Person {
        username: "kbrown",
        display_name: "Kevin Brown",
        role: "technician",
        title: "BMET III – Surgical Services",
        covers: &["7000", "7010", "7020", "7030", "8000"],
        vendor: None,
    },
    Person {
        username: "jwilliams",
        display_name: "James Williams",
        role: "technician",
        title: "BMET II – Med-Surg",
        covers: &["6200", "6210", "6220", "6230"],
        vendor: None,
    },
    Person {
        username: "lnguyen",
        display_name: "Linh Nguyen",
        role: "technician",
        title: "BMET II – Women's & Children's",
        covers: &["6120", "6260", "6400", "6410"],
        vendor: None,
    },
    Person {
        username: "tjohnson",
        display_name: "Tasha Johnson",
        role: "technician",
        title: "BMET I – Floors 6–7",
        covers: &["6240", "6250", "6300", "6310"],
        vendor: None,
    },
    Person {
        username: "mrodriguez",
        display_name: "Miguel Rodriguez",
        role: "technician",
        title: "BMET III – Imaging & Cath Lab",
        covers: &["7040", "7200", "7210", "7220", "7230", "7240", "7250"],
        vendor: None,
    },
    Person {
        username: "sthompson",
        display_name: "Sarah Thompson",
        role: "technician",
        title: "BMET II – Emergency & Observation",
        covers: &["6010", "6320", "6330"],
        vendor: None,
    },
    Person {
        username: "ajackson",
        display_name: "Andre Jackson",
        role: "technician",
        title: "BMET II – Diagnostics, Lab & Support",
        covers: &["7300", "7310", "7500", "7600", "7700", "7800", "8100"],
        vendor: None,
    },
    Person {
        username: "eschmidt",
        display_name: "Emily Schmidt",
        role: "technician",
        title: "BMET II – Outpatient & Surgery Clinic",
        covers: &["9100", "9200", "9210", "9220", "9230", "9250", "9260"],
        vendor: None,
    },
    Person {
        username: "bkim",
        display_name: "Brian Kim",
        role: "technician",
        title: "BMET I (joined 8 months ago)",
        covers: &[],
        vendor: None,
    },
    Person {
        username: "pwhite",
        display_name: "Paul White",
        role: "technician",
        title: "BMET II (left 14 months ago; inactive)",
        covers: &["6200", "6210"],
        vendor: None,
    },
    Person {
        username: "auditor",
        display_name: "Pat Morgan",
        role: "auditor",
        title: "Quality & Accreditation (read-only)",
        covers: &[],
        vendor: None,
    },
    Person {
        username: "ahernandez",
        display_name: "Ana Hernandez",
        role: "requester",
        title: "RN, Charge Nurse – Adult ICU",
        covers: &["6100", "6110", "6130"],
        vendor: None,
    },
    Person {
        username: "bmiller",
        display_name: "Beth Miller",
        role: "requester",
        title: "RN, Charge Nurse – Emergency",
        covers: &["6010", "7200", "7210", "7220", "7230", "7240"],
        vendor: None,
    },
    Person {
        username: "cdavis",
        display_name: "Carlos Davis",
        role: "requester",
        title: "RN, Charge Nurse – 4 North",
        covers: &["6200", "6210", "6320"],
        vendor: None,
    },
    Person {
        username: "dwilson",
        display_name: "Diane Wilson",
        role: "requester",
        title: "RN, Charge Nurse – Telemetry",
        covers: &["6300", "6310", "7300", "7310"],
        vendor: None,
    },
    Person {
        username: "emoore",
        display_name: "Erin Moore",
        role: "requester",
        title: "RN, Charge Nurse – NICU",
        covers: &["6120", "6260", "6400", "6410"],
        vendor: None,
    },
    Person {
        username: "gthomas",
        display_name: "Grace Thomas",
        role: "requester",
        title: "RN, OR Charge Nurse",
        covers: &["7000", "7010", "7020", "7030", "7040", "8000"],
        vendor: None,
    },
    Person {
        username: "hclark",
        display_name: "Henry Clark",
        role: "requester",
        title: "RRT, Respiratory Therapy Lead",
        covers: &["7400"],
        vendor: None,
    },
    Person {
        username: "ilewis",
        display_name: "Irene Lewis",
        role: "requester",
        title: "RN, Charge Nurse – 5 North",
        covers: &["6220", "6230", "6240", "6250", "6330"],
        vendor: None,
    },
    Person {
        username: "jwalker",
        display_name: "Jamal Walker",
        role: "requester",
        title: "MLS, Laboratory Supervisor",
        covers: &["7700", "7800", "7500", "7600", "7250", "8100"],
        vendor: None,
    },
    Person {
        username: "kyoung",
        display_name: "Karen Young",
        role: "requester",
        title: "RN, Clinic Manager – Outpatient & Surgery Clinic",
        covers: &["9100", "9200", "9210", "9220", "9230", "9250", "9260"],
        vendor: None,
    },
    Person {
        username: "gehc.fse",
        display_name: "Tom Becker",
        role: "vendor",
        title: "Field Service Engineer, GE HealthCare",
        covers: &[],
        vendor: Some(0),
    },
    Person {
        username: "philips.fse",
        display_name: "Laura Jensen",
        role: "vendor",
        title: "Field Service Engineer, Philips",
        covers: &[],
        vendor: Some(1),
    },
    Person {
        username: "siemens.fse",
        display_name: "Marco Rossi",
        role: "vendor",
        title: "Customer Service Engineer, Siemens Healthineers",
        covers: &[],
        vendor: Some(2),
    },
];

/// Service companies and suppliers: (name, phone, email, manufacturers they service as OEM).
pub const VENDORS: &[(&str, &str, &str, &[&str])] = &[
    ("GE HealthCare Service", "+1 800-555-0101", "service.gehc@vendors.example", &["GE HealthCare"]),
    ("Philips Field Service", "+1 800-555-0102", "fieldservice.philips@vendors.example", &["Philips"]),
    (
        "Siemens Healthineers Service",
        "+1 800-555-0103",
        "service.siemens@vendors.example",
        &["Siemens Healthineers", "Varian"],
    ),
    ("Canon Medical Service", "+1 800-555-0104", "service.canon@vendors.example", &["Canon Medical"]),
    ("STERIS Service", "+1 800-555-0105", "service.steris@vendors.example", &["STERIS"]),
    ("Getinge Service", "+1 800-555-0106", "service.getinge@vendors.example", &["Getinge"]),
    ("Olympus Service", "+1 800-555-0107", "service.olympus@vendors.example", &["Olympus"]),
    ("Stryker ProCare Services", "+1 800-555-0108", "procare.stryker@vendors.example", &["Stryker"]),
    ("Dräger Service", "+1 800-555-0109", "service.draeger@vendors.example", &["Dräger"]),
    ("Agiliti", "+1 800-555-0110", "dispatch.agiliti@vendors.example", &[]),
    ("TRIMEDX", "+1 800-555-0111", "service.trimedx@vendors.example", &[]),
    ("Owens & Minor", "+1 800-555-0112", "orders.owensminor@vendors.example", &[]),
];

pub const AGILITI: usize = 9;
pub const TRIMEDX: usize = 10;
pub const DISTRIBUTOR: usize = 11;

/// The OEM service company for a manufacturer, if it has one among `VENDORS`.
pub fn oem_service(manufacturer: &str) -> Option<usize> {
    VENDORS.iter().position(|(_, _, _, m)| m.contains(&manufacturer))
}

// ------------------------------------------------------------------ qualifications

use htm_domain::ids::{ModelId, UserId};
use htm_domain::qualification::{Certification, Qualification, QualificationRequirement};
use htm_domain::seed::Dataset;
use jiff::civil::Date;
use jiff::{Timestamp, ToSpan};

/// Demo certifications (REFERENCE §10): (username, certification, issued this many days before
/// today, validity in years; `None`: does not expire). ACI credentials renew on a 3-year cycle;
/// CABT is an entry-level credential valid 5 years. CCE (ACCE HTF) is recorded without an expiry
/// (its renewal cycle is not stated in REFERENCE). Two technicians' CBETs have lapsed (`kbrown`
/// 45 days ago, `sthompson` 12 days ago) so the technicians page and the PM flag have something
/// to show. CNES is never seeded: REFERENCE §10 found no such credential.
const CERTIFICATIONS: &[(&str, Certification, i64, Option<i64>)] = &[
    ("mgarcia", Certification::Chtm, 400, Some(3)),
    ("mgarcia", Certification::Cbet, 700, Some(3)),
    ("dchen", Certification::Cce, 900, None),
    ("apatel", Certification::Cres, 300, Some(3)),
    ("rlopez", Certification::Cbet, 500, Some(3)),
    ("kbrown", Certification::Cbet, 3 * 365 + 46, Some(3)),
    ("jwilliams", Certification::Cbet, 200, Some(3)),
    ("lnguyen", Certification::Cbet, 820, Some(3)),
    ("tjohnson", Certification::Cabt, 420, Some(5)),
    ("mrodriguez", Certification::Cres, 610, Some(3)),
    ("mrodriguez", Certification::Cbet, 1000, Some(3)),
    ("sthompson", Certification::Cbet, 3 * 365 + 13, Some(3)),
    ("ajackson", Certification::Cbet, 330, Some(3)),
    ("ajackson", Certification::Cles, 150, Some(3)),
    ("eschmidt", Certification::Cbet, 90, Some(3)),
    ("pwhite", Certification::Cbet, 4 * 365, Some(3)),
];

/// Manufacturer training: (username, catalogue category prefix, how many of its models,
/// trained this many days before today, validity in years).
const TRAINING: &[(&str, &str, usize, i64, i64)] = &[
    ("rlopez", "Ventilator, critical care", 4, 250, 2),
    ("rlopez", "Defibrillator/monitor, manual", 2, 400, 2),
    ("lnguyen", "Ventilator, neonatal", 3, 180, 2),
    ("sthompson", "Defibrillator/monitor, manual", 2, 800, 2),
    ("mrodriguez", "Computed tomography", 2, 365, 3),
    ("mrodriguez", "Magnetic resonance", 2, 500, 3),
    ("apatel", "Computed tomography", 1, 200, 3),
];

/// Procedure requirements by catalogue category prefix (the demo procedure's name is
/// `PM — {category}`): manual defibrillators need a CBET; critical-care and neonatal
/// ventilators a CBET and manufacturer training on the model; imaging systems a CRES.
const REQUIREMENTS: &[(&str, Option<Certification>, bool)] = &[
    ("Defibrillator/monitor, manual", Some(Certification::Cbet), false),
    ("Ventilator, critical care", Some(Certification::Cbet), true),
    ("Ventilator, neonatal", Some(Certification::Cbet), true),
    ("Computed tomography", Some(Certification::Cres), false),
    ("Magnetic resonance", Some(Certification::Cres), false),
    ("Radiographic system", Some(Certification::Cres), false),
    ("Fluoroscopic X-ray", Some(Certification::Cres), false),
];

fn noon(d: Date) -> Timestamp {
    d.at(12, 0, 0, 0).to_zoned(jiff::tz::TimeZone::UTC).map(|z| z.timestamp()).unwrap_or(Timestamp::UNIX_EPOCH)
}

/// Adds the demo technicians' qualifications to `ds` and the qualification requirements of a few
/// high-risk procedures (see the tables above).
pub fn add_qualifications(ds: &mut Dataset, today: Date) {
    for p in &mut ds.procedures {
        let category = p.name.trim_start_matches("PM — ");
        if let Some((_, c, training)) = REQUIREMENTS.iter().find(|(prefix, _, _)| category.starts_with(prefix)) {
            p.requirement = QualificationRequirement { certification: *c, model_training: *training };
        }
    }
    let user = |name: &str| ds.users.iter().find(|u| u.user.username == name).map(|u| u.user.id);
    let mut out: Vec<Qualification> = Vec::new();
    let blank = |user_id: UserId, issued: Date, years: Option<i64>| Qualification {
        id: 0,
        user_id,
        certification: None,
        model_id: None,
        model_label: None,
        reference: None,
        issuer: None,
        issued_on: Some(issued),
        expires_on: years.map(|y| issued.saturating_add(y.years()).saturating_sub(1.day())),
        revoked_at: None,
        revoked_reason: None,
        created_at: noon(issued),
    };
    for (i, (name, cert, days_ago, years)) in CERTIFICATIONS.iter().enumerate() {
        let Some(uid) = user(name) else { continue };
        let issued = today.saturating_sub(days_ago.days());
        out.push(Qualification {
            certification: Some(*cert),
            reference: Some(format!("{}-{:06}", cert.as_str(), 104_729 + i * 7_919)),
            issuer: cert.awarding_body().map(str::to_string),
            ..blank(uid, issued, *years)
        });
    }
    for (name, prefix, n, days_ago, years) in TRAINING {
        let Some(uid) = user(name) else { continue };
        let issued = today.saturating_sub(days_ago.days());
        let models: Vec<(ModelId, String)> = ds
            .models
            .iter()
            .filter(|m| m.category.starts_with(prefix))
            .take(*n)
            .map(|m| {
                let mfr = ds.manufacturers.iter().find(|f| f.id == m.manufacturer_id).map(|f| f.name.clone());
                (m.id, mfr.unwrap_or_default())
            })
            .collect();
        for (model, mfr) in models {
            out.push(Qualification {
                model_id: Some(model),
                reference: Some(format!("TRN-{}-{}", model.0, uid.0)),
                issuer: Some(format!("{mfr} service training")),
                ..blank(uid, issued, Some(*years))
            });
        }
    }
    ds.qualifications = out;
}

#[cfg(test)]
mod qualification_tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use jiff::civil::date;

    #[test]
    fn demo_qualifications_are_realistic_and_never_cnes() {
        let today = date(2026, 11, 21);
        let ds = crate::generate(today, "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA");
        let q = &ds.qualifications;
        assert!(q.iter().all(|q| q.certification != Some(Certification::Cnes)));
        let of = |name: &str| ds.users.iter().find(|u| u.user.username == name).unwrap().user.id;
        let has = |name: &str, c: Certification| q.iter().any(|x| x.user_id == of(name) && x.certification == Some(c));
        assert!(has("mgarcia", Certification::Chtm) && has("dchen", Certification::Cce));
        assert!(has("mrodriguez", Certification::Cres) && has("rlopez", Certification::Cbet));
        let expired: Vec<_> = q.iter().filter(|x| x.expired_on(today)).map(|x| x.user_id).collect();
        assert!(expired.contains(&of("kbrown")) && expired.contains(&of("sthompson")), "{expired:?}");
        assert!(!q.iter().any(|x| x.user_id == of("bkim")));
        // Manufacturer training names real models of the dataset.
        let training: Vec<_> = q.iter().filter_map(|x| x.model_id).collect();
        assert!(training.len() >= 8, "{}", training.len());
        assert!(training.iter().all(|m| ds.models.iter().any(|d| d.id == *m)));
        // A few high-risk procedures require a qualification.
        let req = |prefix: &str| ds.procedures.iter().find(|p| p.name.contains(prefix)).map(|p| p.requirement);
        assert_eq!(req("Defibrillator/monitor, manual").unwrap().certification, Some(Certification::Cbet));
        assert!(req("Ventilator, critical care").unwrap().model_training);
        assert_eq!(req("Computed tomography").unwrap().certification, Some(Certification::Cres));
        assert!(ds.procedures.iter().filter(|p| !p.requirement.is_none()).count() < ds.procedures.len() / 4);
    }
}
