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
    Person { username: "mgarcia", display_name: "Maria Garcia", role: "manager", title: "Director, Clinical Engineering", covers: &[], vendor: None },
    Person { username: "dchen", display_name: "David Chen", role: "engineer", title: "Clinical Engineer", covers: &[], vendor: None },
    Person { username: "apatel", display_name: "Anjali Patel", role: "engineer", title: "Clinical Engineer – Imaging & Networked Devices", covers: &[], vendor: None },
    Person { username: "rlopez", display_name: "Rosa Lopez", role: "technician", title: "BMET III (Lead) – Critical Care", covers: &["6100", "6110", "6130", "7400"], vendor: None },
    Person { username: "kbrown", display_name: "Kevin Brown", role: "technician", title: "BMET III – Surgical Services", covers: &["7000", "7010", "7020", "7030", "8000"], vendor: None },
    Person { username: "jwilliams", display_name: "James Williams", role: "technician", title: "BMET II – Med-Surg", covers: &["6200", "6210", "6220", "6230"], vendor: None },
    Person { username: "lnguyen", display_name: "Linh Nguyen", role: "technician", title: "BMET II – Women's & Children's", covers: &["6120", "6260", "6400", "6410"], vendor: None },
    Person { username: "tjohnson", display_name: "Tasha Johnson", role: "technician", title: "BMET I – Floors 6–7", covers: &["6240", "6250", "6300", "6310"], vendor: None },
    Person { username: "mrodriguez", display_name: "Miguel Rodriguez", role: "technician", title: "BMET III – Imaging & Cath Lab", covers: &["7040", "7200", "7210", "7220", "7230", "7240", "7250"], vendor: None },
    Person { username: "sthompson", display_name: "Sarah Thompson", role: "technician", title: "BMET II – Emergency & Observation", covers: &["6010", "6320", "6330"], vendor: None },
    Person { username: "ajackson", display_name: "Andre Jackson", role: "technician", title: "BMET II – Diagnostics, Lab & Support", covers: &["7300", "7310", "7500", "7600", "7700", "7800", "8100"], vendor: None },
    Person { username: "eschmidt", display_name: "Emily Schmidt", role: "technician", title: "BMET II – Outpatient & Surgery Clinic", covers: &["9100", "9200", "9210", "9220", "9230", "9250", "9260"], vendor: None },
    Person { username: "bkim", display_name: "Brian Kim", role: "technician", title: "BMET I (joined 8 months ago)", covers: &[], vendor: None },
    Person { username: "pwhite", display_name: "Paul White", role: "technician", title: "BMET II (left 14 months ago; inactive)", covers: &["6200", "6210"], vendor: None },
    Person { username: "auditor", display_name: "Pat Morgan", role: "auditor", title: "Quality & Accreditation (read-only)", covers: &[], vendor: None },
    Person { username: "ahernandez", display_name: "Ana Hernandez", role: "requester", title: "RN, Charge Nurse – Adult ICU", covers: &["6100", "6110", "6130"], vendor: None },
    Person { username: "bmiller", display_name: "Beth Miller", role: "requester", title: "RN, Charge Nurse – Emergency", covers: &["6010", "7200", "7210", "7220", "7230", "7240"], vendor: None },
    Person { username: "cdavis", display_name: "Carlos Davis", role: "requester", title: "RN, Charge Nurse – 4 North", covers: &["6200", "6210", "6320"], vendor: None },
    Person { username: "dwilson", display_name: "Diane Wilson", role: "requester", title: "RN, Charge Nurse – Telemetry", covers: &["6300", "6310", "7300", "7310"], vendor: None },
    Person { username: "emoore", display_name: "Erin Moore", role: "requester", title: "RN, Charge Nurse – NICU", covers: &["6120", "6260", "6400", "6410"], vendor: None },
    Person { username: "gthomas", display_name: "Grace Thomas", role: "requester", title: "RN, OR Charge Nurse", covers: &["7000", "7010", "7020", "7030", "7040", "8000"], vendor: None },
    Person { username: "hclark", display_name: "Henry Clark", role: "requester", title: "RRT, Respiratory Therapy Lead", covers: &["7400"], vendor: None },
    Person { username: "ilewis", display_name: "Irene Lewis", role: "requester", title: "RN, Charge Nurse – 5 North", covers: &["6220", "6230", "6240", "6250", "6330"], vendor: None },
    Person { username: "jwalker", display_name: "Jamal Walker", role: "requester", title: "MLS, Laboratory Supervisor", covers: &["7700", "7800", "7500", "7600", "7250", "8100"], vendor: None },
    Person { username: "kyoung", display_name: "Karen Young", role: "requester", title: "RN, Clinic Manager – Outpatient & Surgery Clinic", covers: &["9100", "9200", "9210", "9220", "9230", "9250", "9260"], vendor: None },
    Person { username: "gehc.fse", display_name: "Tom Becker", role: "vendor", title: "Field Service Engineer, GE HealthCare", covers: &[], vendor: Some(0) },
    Person { username: "philips.fse", display_name: "Laura Jensen", role: "vendor", title: "Field Service Engineer, Philips", covers: &[], vendor: Some(1) },
    Person { username: "siemens.fse", display_name: "Marco Rossi", role: "vendor", title: "Customer Service Engineer, Siemens Healthineers", covers: &[], vendor: Some(2) },
];

/// Service companies and suppliers: (name, phone, email, manufacturers they service as OEM).
pub const VENDORS: &[(&str, &str, &str, &[&str])] = &[
    ("GE HealthCare Service", "+1 800-555-0101", "service.gehc@vendors.example", &["GE HealthCare"]),
    ("Philips Field Service", "+1 800-555-0102", "fieldservice.philips@vendors.example", &["Philips"]),
    ("Siemens Healthineers Service", "+1 800-555-0103", "service.siemens@vendors.example", &["Siemens Healthineers", "Varian"]),
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
