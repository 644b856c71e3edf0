//! What the demo hospital is made of: per-category parameters (price, repair rate, who
//! services it), the organisation (sites, buildings, departments and their rooms) and how
//! many devices of each category each department owns.

use crate::texts::Family;

pub const VENDOR_PM: u8 = 1;
pub const VENDOR_REPAIR: u8 = 2;
/// Installed per room (beds, headwall suction, wall diagnostics…): spread over the rooms.
pub const FIXED: u8 = 4;
/// Small portable equipment that wanders, gets loaned and sometimes goes missing.
pub const MOBILE: u8 = 8;
/// A department standardises on one model (monitor networks, pump platforms, beds).
pub const PLATFORM: u8 = 16;

pub struct CatInfo {
    pub key: &'static str,
    /// The start of the catalog category name.
    pub prefix: &'static str,
    pub family: Family,
    pub noun: &'static str,
    /// Typical purchase price in US dollars.
    pub cost_usd: i64,
    /// Repairs per device-year (corrective work orders of all causes).
    pub repairs_per_year: f64,
    pub flags: u8,
}

macro_rules! cats {
    ($($key:literal, $prefix:literal, $fam:ident, $noun:literal, $cost:literal, $rate:literal, $flags:expr;)+) => {
        pub const CATEGORIES: &[CatInfo] = &[$(CatInfo {
            key: $key, prefix: $prefix, family: Family::$fam, noun: $noun, cost_usd: $cost,
            repairs_per_year: $rate, flags: $flags,
        }),+];
    };
}

const VS: u8 = VENDOR_PM | VENDOR_REPAIR;

cats! {
    "LVP", "Infusion pump, large-volume", Infusion, "pump", 3_100, 1.2, MOBILE | PLATFORM;
    "SYR", "Infusion pump, syringe", Infusion, "syringe pump", 3_400, 1.05, MOBILE | PLATFORM;
    "PCA", "Infusion pump, patient-controlled", Infusion, "PCA pump", 4_200, 1.2, MOBILE | PLATFORM;
    "AMB", "Infusion pump, ambulatory", Infusion, "ambulatory pump", 3_300, 1.1, MOBILE;
    "ENT", "Enteral feeding pump", Infusion, "feeding pump", 1_150, 1.0, MOBILE;
    "BFW", "Blood/fluid warmer", Thermal, "warmer", 4_600, 0.6, MOBILE;
    "MON", "Physiological monitor, bedside", Monitor, "monitor", 15_500, 1.0, FIXED | PLATFORM;
    "TMON", "Physiological monitor, transport", Monitor, "transport monitor", 9_200, 1.1, MOBILE | PLATFORM;
    "CEN", "Central monitoring station", Monitor, "central station", 48_000, 1.1, PLATFORM;
    "TELE", "Telemetry transmitter", Monitor, "telemetry transmitter", 2_600, 1.0, MOBILE | PLATFORM;
    "VS", "Vital signs monitor, spot-check", Monitor, "vitals machine", 3_300, 1.1, MOBILE;
    "SPO2", "Pulse oximeter", Monitor, "pulse ox", 1_900, 0.75, MOBILE;
    "NIBP", "Non-invasive blood pressure", Monitor, "BP monitor", 2_400, 0.75, MOBILE;
    "CAPNO", "Capnograph", Monitor, "capnography monitor", 3_900, 0.75, MOBILE;
    "THERM", "Electronic clinical thermometer", Monitor, "thermometer", 420, 0.6, MOBILE;
    "ECG", "Electrocardiograph, 12-lead", Diagnostic, "ECG cart", 12_800, 1.0, MOBILE;
    "HOLTER", "Holter recorder", Diagnostic, "Holter recorder", 2_900, 0.6, MOBILE;
    "FETAL", "Fetal / maternal monitor", Diagnostic, "fetal monitor", 23_000, 1.0, PLATFORM;
    "EEG", "Electroencephalograph", Diagnostic, "EEG system", 46_000, 1.1, 0;
    "DEFIB", "Defibrillator/monitor, manual", Resus, "defibrillator", 29_000, 0.6, 0;
    "AED", "Automated external defibrillator", Resus, "AED", 1_850, 0.2, 0;
    "PACE", "Temporary external cardiac pacemaker", Resus, "pacemaker", 6_800, 0.5, MOBILE;
    "IABP", "Intra-aortic balloon pump", Circulatory, "balloon pump", 96_000, 1.5, 0;
    "CPR", "Mechanical CPR device", Resus, "CPR device", 16_500, 0.5, 0;
    "VENT", "Ventilator, critical care", Respiratory, "ventilator", 39_000, 1.5, 0;
    "TVENT", "Ventilator, transport", Respiratory, "transport vent", 22_500, 1.0, 0;
    "NVENT", "Ventilator, neonatal", Respiratory, "neonatal vent", 46_000, 1.5, 0;
    "HFOV", "Ventilator, high-frequency", Respiratory, "oscillator", 62_000, 1.4, 0;
    "HVENT", "Ventilator, home", Respiratory, "home vent", 12_500, 0.9, 0;
    "BIPAP", "Bilevel positive airway pressure", Respiratory, "BiPAP", 3_600, 0.9, MOBILE;
    "CPAP", "Continuous positive airway pressure", Respiratory, "CPAP", 1_250, 0.5, MOBILE;
    "HFNC", "High-flow nasal oxygen", Respiratory, "high-flow unit", 6_700, 1.0, MOBILE;
    "HUM", "Heated respiratory humidifier", Respiratory, "humidifier", 2_300, 0.6, MOBILE;
    "ANES", "Anesthesia workstation", Anesthesia, "anesthesia machine", 86_000, 1.4, FIXED | PLATFORM;
    "VAP", "Anesthesia vaporizer", Anesthesia, "vaporizer", 6_600, 0.2, 0;
    "SUCT", "Suction regulator, wall vacuum", Suction, "suction regulator", 360, 0.25, FIXED;
    "PSUCT", "Suction aspirator, portable", Suction, "portable suction", 1_550, 0.6, MOBILE;
    "ESU", "Electrosurgical unit", Surgical, "Bovie", 18_500, 0.75, 0;
    "SMOKE", "Surgical smoke evacuator", Surgical, "smoke evacuator", 4_600, 0.6, 0;
    "LIGHT", "Surgical light", OrFixed, "OR light", 36_000, 0.45, FIXED;
    "ORT", "Operating room table", OrFixed, "OR table", 56_000, 1.0, FIXED;
    "TOURN", "Pneumatic tourniquet", Surgical, "tourniquet", 12_500, 0.75, 0;
    "INSUF", "Laparoscopic insufflator", Surgical, "insufflator", 14_500, 0.75, 0;
    "SMIC", "Surgical operating microscope", OrFixed, "microscope", 255_000, 1.0, 0;
    "FAW", "Patient warming system, forced-air", Thermal, "Bair Hugger", 1_850, 0.55, MOBILE;
    "HYPO", "Hyper/hypothermia system", Thermal, "cooling unit", 14_500, 1.0, 0;
    "INC", "Infant incubator", Neonatal, "isolette", 33_000, 1.1, FIXED | PLATFORM;
    "RADW", "Infant radiant warmer", Neonatal, "radiant warmer", 18_500, 0.75, FIXED;
    "TINC", "Infant transport incubator", Neonatal, "transport isolette", 46_000, 1.0, 0;
    "PHOTO", "Neonatal phototherapy", Neonatal, "bili light", 4_600, 0.5, MOBILE;
    "US", "Ultrasound system, general", Ultrasound, "ultrasound", 124_000, 1.0, VENDOR_PM;
    "ECHO", "Ultrasound system, cardiovascular", Ultrasound, "echo machine", 225_000, 1.1, VENDOR_PM;
    "POCUS", "Ultrasound, point-of-care", Ultrasound, "portable ultrasound", 36_000, 0.75, MOBILE;
    "BLAD", "Bladder scanner", Ultrasound, "bladder scanner", 9_700, 1.0, MOBILE;
    "MXR", "Radiographic system, mobile", Imaging, "portable X-ray", 155_000, 1.6, VS;
    "DR", "Radiographic system, stationary", Imaging, "X-ray room", 330_000, 1.6, VS | FIXED;
    "RF", "Fluoroscopic X-ray system", Imaging, "fluoro room", 490_000, 2.0, VS | FIXED;
    "CARM", "Mobile C-arm", Imaging, "C-arm", 225_000, 1.8, VS;
    "ANGIO", "Interventional angiography", Imaging, "cath lab system", 1_850_000, 2.0, VS | FIXED;
    "CT", "Computed tomography", Imaging, "CT scanner", 1_250_000, 2.0, VS | FIXED;
    "MRI", "Magnetic resonance imaging", Imaging, "MRI scanner", 1_900_000, 2.0, VS | FIXED;
    "MAMMO", "Mammography system", Imaging, "mammo unit", 430_000, 1.8, VS | FIXED;
    "SPECT", "Nuclear medicine SPECT/CT", Imaging, "SPECT/CT camera", 870_000, 2.0, VS | FIXED;
    "DXA", "Bone densitometer", Imaging, "DXA scanner", 88_000, 1.0, VS | FIXED;
    "LINAC", "Medical linear accelerator", Imaging, "linac", 3_300_000, 2.5, VS | FIXED;
    "DXRAY", "Dental intraoral X-ray", Imaging, "dental X-ray", 6_700, 0.4, FIXED;
    "HLM", "Heart-lung machine", Circulatory, "heart-lung machine", 285_000, 1.25, 0;
    "ECMO", "ECMO system", Circulatory, "ECMO console", 125_000, 1.25, 0;
    "HCU", "Heater-cooler unit", Thermal, "heater-cooler", 46_000, 1.25, 0;
    "HD", "Hemodialysis machine", Dialysis, "dialysis machine", 23_000, 1.6, FIXED | PLATFORM;
    "CRRT", "Continuous renal replacement", Dialysis, "CRRT machine", 33_000, 1.5, PLATFORM;
    "RO", "Dialysis water treatment", Dialysis, "RO system", 88_000, 1.6, FIXED;
    "PD", "Peritoneal dialysis cycler", Dialysis, "PD cycler", 14_500, 1.0, MOBILE;
    "STER", "Steam sterilizer, large", Sterilization, "sterilizer", 185_000, 1.6, VS | FIXED;
    "TSTER", "Steam sterilizer, tabletop", Sterilization, "autoclave", 6_700, 0.9, FIXED;
    "H2O2", "Low-temperature hydrogen peroxide", Sterilization, "STERRAD", 128_000, 1.6, VS | FIXED;
    "WASH", "Washer-disinfector", Sterilization, "washer", 97_000, 1.6, VENDOR_PM | FIXED;
    "AER", "Automated endoscope reprocessor", Sterilization, "scope reprocessor", 39_000, 1.5, FIXED;
    "GISCOPE", "Flexible GI endoscope", Endoscopy, "scope", 39_500, 1.25, VENDOR_REPAIR | PLATFORM;
    "DUOD", "Duodenoscope", Endoscopy, "duodenoscope", 46_000, 1.4, VENDOR_REPAIR | PLATFORM;
    "BRONCH", "Flexible bronchoscope", Endoscopy, "bronchoscope", 31_000, 1.25, VENDOR_REPAIR | PLATFORM;
    "VIDEO", "Endoscopy video processor", Endoscopy, "scope tower", 66_000, 0.6, PLATFORM;
    "BED", "Hospital bed, medical-surgical", Beds, "bed", 18_500, 1.2, FIXED | PLATFORM;
    "CCBED", "Hospital bed, critical care", Beds, "ICU bed", 39_000, 1.4, FIXED | PLATFORM;
    "STRET", "Stretcher", Beds, "stretcher", 9_200, 0.95, PLATFORM;
    "LIFT", "Patient lift", Beds, "patient lift", 6_600, 0.6, FIXED;
    "SCD", "Sequential compression device", Therapy, "SCD pump", 1_450, 0.7, MOBILE;
    "EXAMT", "Examination table, powered", Beds, "exam table", 9_700, 0.3, FIXED | PLATFORM;
    "BGA", "Blood gas analyzer", Lab, "blood gas analyzer", 36_000, 1.6, VENDOR_REPAIR;
    "HEME", "Hematology analyzer", Lab, "hematology analyzer", 145_000, 1.6, VS | FIXED;
    "CHEM", "Clinical chemistry analyzer", Lab, "chemistry analyzer", 290_000, 1.6, VS | FIXED;
    "CENT", "Laboratory centrifuge", Lab, "centrifuge", 9_300, 0.5, FIXED;
    "BBR", "Blood bank refrigerator", Cold, "blood bank fridge", 12_500, 0.75, FIXED;
    "FRZ", "Laboratory freezer", Cold, "freezer", 16_500, 0.9, FIXED;
    "MEDR", "Medication / vaccine refrigerator", Cold, "med fridge", 4_700, 0.6, FIXED;
    "GLU", "Point-of-care blood glucose", Lab, "glucose meter", 680, 0.5, MOBILE | PLATFORM;
    "SLASER", "Surgical laser", Surgical, "laser", 98_000, 1.0, VENDOR_REPAIR;
    "YAG", "Ophthalmic Nd:YAG", Ophthalmic, "YAG laser", 66_000, 0.5, VENDOR_REPAIR | FIXED;
    "PHOTOC", "Ophthalmic photocoagulator", Ophthalmic, "retina laser", 82_000, 0.6, VENDOR_REPAIR | FIXED;
    "PHACO", "Phacoemulsification", Surgical, "phaco machine", 112_000, 1.25, 0;
    "SLIT", "Slit lamp", Ophthalmic, "slit lamp", 14_500, 0.25, FIXED;
    "TONO", "Tonometer", Ophthalmic, "tonometer", 6_700, 0.4, FIXED;
    "OCT", "Optical coherence tomography", Ophthalmic, "OCT", 77_000, 0.6, FIXED;
    "FUNDUS", "Fundus camera", Ophthalmic, "fundus camera", 46_000, 0.5, FIXED;
    "OMIC", "Ophthalmic operating microscope", OrFixed, "eye microscope", 185_000, 0.6, 0;
    "DENTAL", "Dental operative unit", Misc, "dental chair", 39_000, 1.25, FIXED | PLATFORM;
    "NPWT", "Negative-pressure wound therapy", Therapy, "wound vac", 5_600, 1.0, MOBILE;
    "BPUMP", "Breast pump", Therapy, "breast pump", 2_250, 0.45, MOBILE;
    "SPIRO", "Spirometer", Misc, "spirometer", 3_600, 0.5, MOBILE;
    "WALL", "Wall diagnostic system", Misc, "wall otoscope", 1_250, 0.1, FIXED;
    "TELEMED", "Telemedicine cart", Misc, "telehealth cart", 18_500, 1.1, MOBILE;
}

pub struct BuildingSpec {
    pub site: &'static str,
    pub code: &'static str,
    pub name: &'static str,
}

pub const SITES: &[(&str, &str, &str)] = &[
    ("RGH", "Riverside General Hospital", "1200 Riverside Parkway, Riverside, ST 40001"),
    ("ROC", "Riverside Outpatient & Surgery Clinic", "455 Commerce Drive, Riverside, ST 40017"),
];

pub const BUILDINGS: &[BuildingSpec] = &[
    BuildingSpec { site: "RGH", code: "MT", name: "Main Tower" },
    BuildingSpec { site: "RGH", code: "NP", name: "North Pavilion (Surgery & Procedures)" },
    BuildingSpec { site: "RGH", code: "WC", name: "Women's & Children's Pavilion" },
    BuildingSpec { site: "RGH", code: "DS", name: "Diagnostic & Support Center" },
    BuildingSpec { site: "ROC", code: "OC", name: "Outpatient Clinic Building" },
    BuildingSpec { site: "ROC", code: "ASC", name: "Ambulatory Surgery Center" },
];

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum LocKind {
    /// A patient room, bay or procedure room.
    Room,
    /// Clean utility, equipment room, storage, office.
    Support,
    /// A wall cabinet for a public-access AED.
    Cabinet,
    /// Where equipment waits rather than lives (quarantine cage, receiving).
    Holding,
}

pub struct DeptSpec {
    pub cost_center: &'static str,
    pub name: &'static str,
    pub building: &'static str,
    pub floor: &'static str,
    pub locations: Vec<(String, LocKind)>,
    pub fleet: Vec<(&'static str, u32)>,
    /// Inpatient beds (checked by the tests: about 400 in all).
    #[cfg_attr(not(test), allow(dead_code))]
    pub beds: u32,
}

fn rooms(prefix: &str, from: u32, to: u32) -> Vec<(String, LocKind)> {
    (from..=to).map(|i| (format!("{prefix}{i:02}"), LocKind::Room)).collect()
}

fn support(names: &[&str]) -> Vec<(String, LocKind)> {
    names.iter().map(|n| ((*n).to_string(), LocKind::Support)).collect()
}

fn cat(mut a: Vec<(String, LocKind)>, b: Vec<(String, LocKind)>) -> Vec<(String, LocKind)> {
    a.extend(b);
    a
}

fn icu(beds: u32) -> Vec<(&'static str, u32)> {
    vec![
        ("LVP", beds * 5),
        ("SYR", beds),
        ("PCA", beds / 5 + 1),
        ("ENT", beds / 4),
        ("BFW", 2),
        ("MON", beds),
        ("TMON", beds / 6 + 1),
        ("CEN", 1),
        ("SPO2", 2),
        ("CAPNO", beds / 4),
        ("THERM", beds / 4 + 1),
        ("ECG", 1),
        ("DEFIB", 2),
        ("PACE", 2),
        ("CCBED", beds),
        ("SUCT", beds * 2 + 2),
        ("PSUCT", 2),
        ("SCD", beds),
        ("HYPO", 2),
        ("FAW", 2),
        ("BLAD", 1),
        ("GLU", 4),
        ("POCUS", 1),
        ("LIFT", beds / 2),
        ("MEDR", 1),
        ("NPWT", 3),
        ("HFNC", 2),
        ("BGA", 1),
    ]
}

fn med_surg(beds: u32, extra_pumps: u32) -> Vec<(&'static str, u32)> {
    vec![
        ("LVP", beds * 2 + 2 + extra_pumps),
        ("SYR", 3),
        ("PCA", 5),
        ("ENT", 4),
        ("VS", beds / 3 + 2),
        ("THERM", beds / 3 + 2),
        ("SPO2", 5),
        ("NIBP", 2),
        ("CAPNO", 2),
        ("DEFIB", 1),
        ("BED", beds),
        ("SUCT", beds * 7 / 4),
        ("PSUCT", 2),
        ("SCD", beds * 2 / 3 + 2),
        ("LIFT", beds / 4),
        ("BLAD", 1),
        ("ECG", 1),
        ("GLU", 6),
        ("NPWT", 3),
        ("MEDR", 2),
        ("STRET", 1),
        ("WALL", 6),
        ("TELEMED", 1),
    ]
}

fn add(mut a: Vec<(&'static str, u32)>, b: &[(&'static str, u32)]) -> Vec<(&'static str, u32)> {
    a.extend_from_slice(b);
    a
}

/// The departments (cost centres) with their rooms and equipment.
pub fn departments() -> Vec<DeptSpec> {
    // An inpatient unit: `rooms` rooms numbered from `first`, `beds` beds (some rooms semi-private).
    let unit = |cc, name, floor, code: &str, first: u32, rooms_n: u32, beds: u32, fleet| DeptSpec {
        cost_center: cc,
        name,
        building: "MT",
        floor,
        locations: cat(
            rooms(&format!("Room {code}-{floor}"), first, first + rooms_n - 1),
            vec![(format!("{code} Clean Utility"), LocKind::Support)],
        ),
        fleet,
        beds,
    };
    vec![
        DeptSpec {
            cost_center: "6010",
            name: "Emergency Department",
            building: "MT",
            floor: "1",
            locations: cat(
                rooms("ED Room ", 1, 20),
                support(&["ED Trauma 1", "ED Trauma 2", "ED Triage", "ED Clean Utility"]),
            ),
            fleet: vec![
                ("LVP", 72),
                ("SYR", 6),
                ("MON", 26),
                ("TMON", 4),
                ("CEN", 1),
                ("VS", 10),
                ("THERM", 10),
                ("SPO2", 4),
                ("CAPNO", 4),
                ("ECG", 3),
                ("DEFIB", 4),
                ("PACE", 1),
                ("CPR", 2),
                ("BFW", 3),
                ("SUCT", 48),
                ("PSUCT", 3),
                ("STRET", 36),
                ("POCUS", 2),
                ("BLAD", 1),
                ("GLU", 6),
                ("FAW", 2),
                ("WALL", 22),
                ("TELEMED", 1),
                ("MEDR", 2),
                ("NIBP", 2),
                ("HYPO", 1),
                ("LIFT", 1),
                ("HFNC", 2),
                ("BGA", 1),
            ],
            beds: 0,
        },
        DeptSpec {
            cost_center: "6100",
            name: "Adult ICU",
            building: "MT",
            floor: "3",
            locations: cat(
                rooms("ICU Bed ", 1, 20),
                support(&["ICU Clean Utility", "ICU Equipment Room", "ICU Nurse Station"]),
            ),
            fleet: icu(20),
            beds: 20,
        },
        DeptSpec {
            cost_center: "6110",
            name: "Cardiovascular ICU",
            building: "MT",
            floor: "3",
            locations: cat(rooms("CVICU Bed ", 1, 12), support(&["CVICU Clean Utility", "CVICU Equipment Alcove"])),
            fleet: add(icu(12), &[("IABP", 2), ("TMON", 1)]),
            beds: 12,
        },
        unit("6200", "Med-Surg 4 North", "4", "4N", 1, 24, 30, med_surg(30, 0)),
        unit("6210", "Med-Surg 4 South", "4", "4S", 30, 24, 30, med_surg(30, 0)),
        unit("6220", "Surgical 5 North", "5", "5N", 1, 24, 30, med_surg(30, 4)),
        unit("6230", "Medical 5 South", "5", "5S", 30, 24, 30, med_surg(30, 0)),
        unit("6240", "Orthopedics & Neuro 6 North", "6", "6N", 1, 24, 28, add(med_surg(28, 4), &[("LIFT", 6)])),
        unit("6250", "Oncology 6 South", "6", "6S", 30, 24, 28, add(med_surg(28, 16), &[("SYR", 2)])),
        unit(
            "6300",
            "Telemetry 7 North",
            "7",
            "7N",
            1,
            24,
            28,
            add(med_surg(28, 0), &[("TELE", 30), ("CEN", 1), ("MON", 2)]),
        ),
        unit(
            "6310",
            "Progressive Care 7 South",
            "7",
            "7S",
            30,
            24,
            24,
            add(med_surg(24, 12), &[("MON", 24), ("TELE", 6), ("CEN", 1), ("CAPNO", 3), ("BIPAP", 2)]),
        ),
        unit("6320", "Observation Unit 2 West", "2", "2W", 1, 24, 24, med_surg(24, 0)),
        unit("6330", "Acute Rehabilitation 2 East", "2", "2E", 30, 20, 20, add(med_surg(20, 0), &[("LIFT", 8)])),
        DeptSpec {
            cost_center: "6120",
            name: "Neonatal ICU",
            building: "WC",
            floor: "2",
            locations: cat(
                rooms("NICU Bay ", 1, 22),
                support(&["NICU Clean Utility", "NICU Isolation Room", "NICU Equipment Room"]),
            ),
            fleet: vec![
                ("INC", 18),
                ("RADW", 8),
                ("TINC", 2),
                ("PHOTO", 8),
                ("MON", 22),
                ("TMON", 2),
                ("CEN", 1),
                ("SYR", 56),
                ("LVP", 10),
                ("SUCT", 44),
                ("SPO2", 10),
                ("BPUMP", 4),
                ("THERM", 4),
                ("DEFIB", 1),
                ("MEDR", 1),
                ("BGA", 1),
                ("GLU", 2),
                ("HUM", 6),
                ("POCUS", 1),
            ],
            beds: 22,
        },
        DeptSpec {
            cost_center: "6130",
            name: "Pediatric ICU",
            building: "WC",
            floor: "3",
            locations: cat(rooms("PICU Bed ", 1, 8), support(&["PICU Clean Utility", "PICU Equipment Room"])),
            fleet: icu(8),
            beds: 8,
        },
        DeptSpec {
            cost_center: "6260",
            name: "Pediatrics 3 West",
            building: "WC",
            floor: "3",
            locations: cat(rooms("Room 3W-3", 1, 16), support(&["3W Clean Utility", "3W Playroom"])),
            fleet: add(med_surg(18, 0), &[("SYR", 6), ("SPO2", 4)]),
            beds: 18,
        },
        DeptSpec {
            cost_center: "6400",
            name: "Labor & Delivery",
            building: "WC",
            floor: "1",
            locations: cat(
                rooms("LDR ", 1, 12),
                cat(rooms("L&D Triage ", 1, 3), support(&["L&D OR 1", "L&D OR 2", "L&D Clean Utility"])),
            ),
            fleet: vec![
                ("FETAL", 17),
                ("LVP", 24),
                ("SYR", 4),
                ("PCA", 2),
                ("BED", 15),
                ("RADW", 14),
                ("SUCT", 36),
                ("VS", 4),
                ("THERM", 4),
                ("ANES", 2),
                ("VAP", 4),
                ("ESU", 2),
                ("LIGHT", 2),
                ("ORT", 2),
                ("DEFIB", 1),
                ("BPUMP", 2),
                ("STRET", 4),
                ("FAW", 2),
                ("BFW", 2),
                ("MON", 4),
                ("GLU", 2),
                ("CEN", 1),
            ],
            beds: 12,
        },
        DeptSpec {
            cost_center: "6410",
            name: "Mother-Baby Unit",
            building: "WC",
            floor: "2",
            locations: cat(rooms("Room MB-2", 1, 22), support(&["Well-Baby Nursery", "MB Clean Utility"])),
            fleet: vec![
                ("BED", 26),
                ("BPUMP", 12),
                ("PHOTO", 6),
                ("VS", 5),
                ("THERM", 5),
                ("SUCT", 26),
                ("LVP", 14),
                ("GLU", 2),
                ("DEFIB", 1),
                ("SPO2", 3),
                ("SCD", 4),
                ("RADW", 2),
            ],
            beds: 26,
        },
        DeptSpec {
            cost_center: "7000",
            name: "Surgical Services (Main OR)",
            building: "NP",
            floor: "2",
            locations: cat(
                rooms("OR ", 1, 12),
                support(&["Anesthesia Workroom", "OR Core Storage", "OR Equipment Alcove", "Perfusion Workroom"]),
            ),
            fleet: vec![
                ("ANES", 12),
                ("VAP", 24),
                ("ESU", 16),
                ("SMOKE", 10),
                ("LIGHT", 24),
                ("ORT", 12),
                ("TOURN", 6),
                ("INSUF", 6),
                ("SMIC", 3),
                ("FAW", 18),
                ("HYPO", 2),
                ("LVP", 30),
                ("SYR", 14),
                ("MON", 12),
                ("SUCT", 36),
                ("PSUCT", 2),
                ("DEFIB", 2),
                ("CARM", 4),
                ("SLASER", 2),
                ("VIDEO", 6),
                ("BFW", 6),
                ("HLM", 2),
                ("HCU", 2),
                ("ECMO", 2),
                ("SCD", 16),
                ("POCUS", 2),
                ("BGA", 1),
                ("STRET", 6),
                ("PACE", 2),
                ("MEDR", 2),
                ("BRONCH", 3),
            ],
            beds: 0,
        },
        DeptSpec {
            cost_center: "7010",
            name: "PACU",
            building: "NP",
            floor: "2",
            locations: cat(rooms("PACU Bay ", 1, 18), support(&["PACU Clean Utility"])),
            fleet: vec![
                ("MON", 18),
                ("LVP", 40),
                ("PCA", 6),
                ("SUCT", 36),
                ("FAW", 10),
                ("STRET", 18),
                ("VS", 2),
                ("THERM", 4),
                ("CAPNO", 6),
                ("DEFIB", 1),
                ("SCD", 8),
                ("BLAD", 1),
                ("GLU", 2),
                ("CEN", 1),
                ("SPO2", 2),
            ],
            beds: 0,
        },
        DeptSpec {
            cost_center: "7020",
            name: "Pre-Op / Same-Day Surgery",
            building: "NP",
            floor: "1",
            locations: cat(rooms("Pre-Op Bay ", 1, 16), support(&["Pre-Op Clean Utility"])),
            fleet: vec![
                ("STRET", 16),
                ("VS", 6),
                ("THERM", 4),
                ("LVP", 16),
                ("SUCT", 16),
                ("FAW", 4),
                ("SCD", 6),
                ("DEFIB", 1),
                ("GLU", 2),
                ("WALL", 4),
                ("POCUS", 1),
            ],
            beds: 0,
        },
        DeptSpec {
            cost_center: "7030",
            name: "Endoscopy",
            building: "NP",
            floor: "1",
            locations: cat(
                rooms("Endo Suite ", 1, 5),
                cat(rooms("Endo Recovery ", 1, 8), support(&["Scope Reprocessing", "Endo Storage"])),
            ),
            fleet: vec![
                ("GISCOPE", 30),
                ("DUOD", 6),
                ("BRONCH", 6),
                ("VIDEO", 5),
                ("AER", 4),
                ("MON", 5),
                ("ESU", 3),
                ("SUCT", 26),
                ("STRET", 13),
                ("LVP", 6),
                ("CAPNO", 5),
                ("DEFIB", 1),
                ("VS", 2),
            ],
            beds: 0,
        },
        DeptSpec {
            cost_center: "7040",
            name: "Cardiovascular & Interventional Lab",
            building: "NP",
            floor: "1",
            locations: cat(
                cat(
                    vec![
                        ("Cath Lab 1".to_string(), LocKind::Room),
                        ("Cath Lab 2".to_string(), LocKind::Room),
                        ("Cath Lab 3".to_string(), LocKind::Room),
                        ("EP Lab".to_string(), LocKind::Room),
                        ("IR Suite 1".to_string(), LocKind::Room),
                    ],
                    rooms("Cath Holding ", 1, 8),
                ),
                support(&["Cath Control Room"]),
            ),
            fleet: vec![
                ("ANGIO", 5),
                ("MON", 12),
                ("LVP", 20),
                ("SYR", 6),
                ("DEFIB", 4),
                ("PACE", 4),
                ("IABP", 1),
                ("POCUS", 1),
                ("ECHO", 1),
                ("STRET", 12),
                ("SUCT", 16),
                ("BGA", 1),
                ("CEN", 1),
                ("CPR", 1),
            ],
            beds: 0,
        },
        DeptSpec {
            cost_center: "7200",
            name: "Diagnostic Radiology",
            building: "DS",
            floor: "1",
            locations: cat(
                rooms("X-Ray Room ", 1, 4),
                cat(rooms("R/F Room ", 1, 2), support(&["Portable X-Ray Alcove", "Radiology Reading Room"])),
            ),
            fleet: vec![
                ("DR", 4),
                ("RF", 2),
                ("MXR", 6),
                ("STRET", 4),
                ("SUCT", 4),
                ("DEFIB", 1),
                ("LVP", 2),
                ("MON", 1),
            ],
            beds: 0,
        },
        DeptSpec {
            cost_center: "7210",
            name: "Computed Tomography",
            building: "DS",
            floor: "1",
            locations: support(&["CT 1", "CT 2", "CT 3 (ED)", "CT Control", "CT Prep"]),
            fleet: vec![("CT", 3), ("MON", 2), ("SUCT", 3), ("STRET", 3), ("DEFIB", 1), ("LVP", 2)],
            beds: 0,
        },
        DeptSpec {
            cost_center: "7220",
            name: "Magnetic Resonance Imaging",
            building: "DS",
            floor: "1",
            locations: support(&["MRI 1", "MRI 2", "MRI Control", "MRI Equipment Room", "MRI Prep"]),
            fleet: vec![("MRI", 2), ("MON", 2), ("LVP", 2), ("SUCT", 2), ("STRET", 2), ("DEFIB", 1)],
            beds: 0,
        },
        DeptSpec {
            cost_center: "7230",
            name: "Ultrasound",
            building: "DS",
            floor: "1",
            locations: cat(rooms("US Room ", 1, 6), support(&["US Storage"])),
            fleet: vec![("US", 8), ("STRET", 6), ("SUCT", 2)],
            beds: 0,
        },
        DeptSpec {
            cost_center: "7240",
            name: "Nuclear Medicine",
            building: "DS",
            floor: "B1",
            locations: support(&["NM Camera Room 1", "NM Camera Room 2", "Hot Lab", "DXA Room"]),
            fleet: vec![("SPECT", 2), ("DXA", 1), ("DEFIB", 1), ("STRET", 2)],
            beds: 0,
        },
        DeptSpec {
            cost_center: "7250",
            name: "Radiation Oncology",
            building: "DS",
            floor: "B1",
            locations: support(&["Linac Vault 1", "Linac Vault 2", "CT Simulator", "Physics Office"]),
            fleet: vec![("LINAC", 2), ("CT", 1), ("MON", 1), ("SUCT", 2), ("DEFIB", 1)],
            beds: 0,
        },
        DeptSpec {
            cost_center: "7300",
            name: "Cardiology – Non-Invasive",
            building: "DS",
            floor: "2",
            locations: cat(
                rooms("Echo Room ", 1, 4),
                support(&["ECG Room 1", "ECG Room 2", "Stress Lab", "Holter Office"]),
            ),
            fleet: vec![
                ("ECHO", 6),
                ("ECG", 14),
                ("HOLTER", 26),
                ("DEFIB", 1),
                ("NIBP", 2),
                ("STRET", 6),
                ("EXAMT", 2),
            ],
            beds: 0,
        },
        DeptSpec {
            cost_center: "7310",
            name: "Neurodiagnostics (EEG)",
            building: "DS",
            floor: "2",
            locations: cat(support(&["EEG Room 1", "EEG Room 2"]), rooms("Epilepsy Monitoring ", 1, 4)),
            fleet: vec![("EEG", 6), ("SPO2", 2), ("BED", 4), ("SUCT", 4), ("DEFIB", 1)],
            beds: 4,
        },
        DeptSpec {
            cost_center: "7400",
            name: "Respiratory Therapy",
            building: "MT",
            floor: "B1",
            locations: support(&[
                "RT Equipment Room",
                "RT Clean Storage",
                "Ventilator Staging",
                "PFT Lab",
                "RT Office",
            ]),
            fleet: vec![
                ("VENT", 42),
                ("TVENT", 6),
                ("NVENT", 12),
                ("HFOV", 3),
                ("HVENT", 6),
                ("BIPAP", 30),
                ("CPAP", 10),
                ("HFNC", 30),
                ("HUM", 50),
                ("SPO2", 10),
                ("CAPNO", 6),
                ("BGA", 2),
                ("SPIRO", 3),
            ],
            beds: 0,
        },
        DeptSpec {
            cost_center: "7500",
            name: "Inpatient Dialysis",
            building: "MT",
            floor: "2",
            locations: cat(rooms("Dialysis Station ", 1, 8), support(&["RO Water Room", "Dialysis Storage"])),
            fleet: vec![
                ("HD", 10),
                ("CRRT", 8),
                ("RO", 2),
                ("PD", 2),
                ("SUCT", 8),
                ("VS", 2),
                ("DEFIB", 1),
                ("LVP", 2),
            ],
            beds: 0,
        },
        DeptSpec {
            cost_center: "7600",
            name: "Oncology Infusion Center",
            building: "DS",
            floor: "3",
            locations: cat(rooms("Infusion Chair ", 1, 20), support(&["Infusion Clean Utility"])),
            fleet: vec![
                ("LVP", 44),
                ("SYR", 2),
                ("AMB", 26),
                ("VS", 4),
                ("THERM", 3),
                ("SPO2", 2),
                ("DEFIB", 1),
                ("SUCT", 4),
                ("MEDR", 3),
                ("EXAMT", 2),
                ("GLU", 1),
            ],
            beds: 0,
        },
        DeptSpec {
            cost_center: "7700",
            name: "Clinical Laboratory",
            building: "DS",
            floor: "B1",
            locations: support(&[
                "Core Lab",
                "Hematology",
                "Chemistry",
                "Blood Bank",
                "Microbiology",
                "Specimen Processing",
                "Point-of-Care Office",
            ]),
            fleet: vec![
                ("BGA", 2),
                ("HEME", 3),
                ("CHEM", 3),
                ("CENT", 12),
                ("BBR", 4),
                ("FRZ", 8),
                ("GLU", 24),
                ("MEDR", 2),
            ],
            beds: 0,
        },
        DeptSpec {
            cost_center: "7800",
            name: "Pharmacy",
            building: "DS",
            floor: "B1",
            locations: support(&["Main Pharmacy", "IV Room", "Pharmacy Cold Storage"]),
            fleet: vec![("MEDR", 12), ("FRZ", 2)],
            beds: 0,
        },
        DeptSpec {
            cost_center: "8000",
            name: "Sterile Processing",
            building: "NP",
            floor: "B1",
            locations: support(&[
                "Decontamination",
                "Prep & Pack",
                "Sterilizer Room",
                "Sterile Storage",
                "Case Cart Area",
            ]),
            fleet: vec![("STER", 5), ("H2O2", 3), ("WASH", 6)],
            beds: 0,
        },
        DeptSpec {
            cost_center: "8100",
            name: "Clinical Engineering (Biomed)",
            building: "DS",
            floor: "B1",
            locations: cat(
                cat(
                    support(&["Biomed Shop", "Biomed Equipment Pool"]),
                    vec![
                        ("Quarantine Cage".to_string(), LocKind::Holding),
                        ("Biomed Receiving".to_string(), LocKind::Holding),
                    ],
                ),
                [
                    "AED Cabinet – Main Lobby",
                    "AED Cabinet – Cafeteria",
                    "AED Cabinet – Parking Garage",
                    "AED Cabinet – Outpatient Registration",
                    "AED Cabinet – Administration",
                    "AED Cabinet – Chapel Corridor",
                    "AED Cabinet – Tower Elevators L2",
                    "AED Cabinet – Tower Elevators L5",
                ]
                .iter()
                .map(|n| ((*n).to_string(), LocKind::Cabinet))
                .collect(),
            ),
            fleet: vec![
                ("LVP", 90),
                ("SYR", 10),
                ("PCA", 6),
                ("ENT", 6),
                ("SCD", 60),
                ("VS", 14),
                ("SPO2", 12),
                ("THERM", 16),
                ("FAW", 10),
                ("HYPO", 2),
                ("NPWT", 16),
                ("BPUMP", 4),
                ("PSUCT", 4),
                ("MON", 4),
                ("TELE", 18),
                ("BFW", 2),
                ("BED", 14),
                ("LIFT", 3),
                ("AMB", 6),
                ("TELEMED", 2),
                ("TMON", 2),
                ("CCBED", 2),
                ("PD", 2),
                ("HUM", 4),
                ("AED", 16),
            ],
            beds: 0,
        },
        DeptSpec {
            cost_center: "9100",
            name: "ROC Ambulatory Surgery",
            building: "ASC",
            floor: "1",
            locations: cat(
                rooms("ASC OR ", 1, 4),
                cat(rooms("ASC Pre/Post Bay ", 1, 12), support(&["ASC Sterile Processing", "ASC Procedure Room"])),
            ),
            fleet: vec![
                ("ANES", 4),
                ("VAP", 8),
                ("ESU", 5),
                ("SMOKE", 4),
                ("LIGHT", 8),
                ("ORT", 4),
                ("TOURN", 3),
                ("INSUF", 3),
                ("SMIC", 1),
                ("OMIC", 2),
                ("PHACO", 2),
                ("FAW", 6),
                ("LVP", 16),
                ("SYR", 4),
                ("MON", 16),
                ("SUCT", 24),
                ("PSUCT", 1),
                ("STRET", 14),
                ("DEFIB", 1),
                ("AED", 1),
                ("STER", 1),
                ("WASH", 1),
                ("H2O2", 1),
                ("CARM", 1),
                ("VIDEO", 2),
                ("SCD", 6),
                ("GLU", 2),
                ("CAPNO", 2),
                ("SLASER", 1),
                ("POCUS", 1),
                ("CEN", 1),
            ],
            beds: 0,
        },
        DeptSpec {
            cost_center: "9200",
            name: "ROC Primary Care",
            building: "OC",
            floor: "1",
            locations: cat(rooms("Exam Room ", 1, 20), support(&["PC Procedure Room", "PC Clean Utility"])),
            fleet: vec![
                ("EXAMT", 20),
                ("WALL", 20),
                ("VS", 8),
                ("THERM", 6),
                ("SPO2", 4),
                ("ECG", 2),
                ("AED", 1),
                ("SPIRO", 1),
                ("TSTER", 1),
                ("MEDR", 3),
                ("GLU", 2),
                ("NIBP", 4),
                ("BLAD", 1),
                ("TELEMED", 1),
                ("SUCT", 1),
                ("PSUCT", 1),
            ],
            beds: 0,
        },
        DeptSpec {
            cost_center: "9210",
            name: "ROC Imaging & Women's Health",
            building: "OC",
            floor: "1",
            locations: cat(
                support(&["Mammo Room 1", "Mammo Room 2", "ROC X-Ray 1", "ROC X-Ray 2", "ROC DXA Room", "ROC US Room"]),
                rooms("WH Exam Room ", 1, 6),
            ),
            fleet: vec![
                ("MAMMO", 2),
                ("US", 3),
                ("DR", 2),
                ("DXA", 1),
                ("EXAMT", 6),
                ("WALL", 6),
                ("FETAL", 2),
                ("VS", 2),
                ("AED", 1),
                ("STRET", 2),
            ],
            beds: 0,
        },
        DeptSpec {
            cost_center: "9220",
            name: "ROC Ophthalmology",
            building: "OC",
            floor: "2",
            locations: cat(rooms("Eye Lane ", 1, 8), support(&["Eye Laser Room", "Eye Imaging Room"])),
            fleet: vec![("SLIT", 10), ("TONO", 6), ("OCT", 2), ("FUNDUS", 2), ("YAG", 1), ("PHOTOC", 1), ("AED", 1)],
            beds: 0,
        },
        DeptSpec {
            cost_center: "9230",
            name: "ROC Dental Clinic",
            building: "OC",
            floor: "2",
            locations: cat(rooms("Operatory ", 1, 8), support(&["Dental Sterilization", "Dental Lab"])),
            fleet: vec![("DENTAL", 8), ("DXRAY", 8), ("TSTER", 2), ("AED", 1)],
            beds: 0,
        },
        DeptSpec {
            cost_center: "9250",
            name: "ROC Dialysis Center",
            building: "OC",
            floor: "1",
            locations: cat(rooms("Dialysis Chair ", 1, 20), support(&["Dialysis Water Room", "Home Training Room"])),
            fleet: vec![("HD", 24), ("RO", 1), ("PD", 6), ("VS", 3), ("DEFIB", 1), ("SUCT", 4), ("STRET", 1)],
            beds: 0,
        },
        DeptSpec {
            cost_center: "9260",
            name: "ROC Urgent Care",
            building: "OC",
            floor: "1",
            locations: cat(rooms("UC Room ", 1, 10), support(&["UC Procedure Room", "UC X-Ray"])),
            fleet: vec![
                ("EXAMT", 10),
                ("WALL", 10),
                ("VS", 4),
                ("THERM", 4),
                ("SPO2", 3),
                ("ECG", 1),
                ("DEFIB", 1),
                ("SUCT", 10),
                ("PSUCT", 1),
                ("DR", 1),
                ("LVP", 4),
                ("GLU", 2),
                ("STRET", 2),
                ("POCUS", 1),
                ("NIBP", 2),
                ("SPIRO", 1),
            ],
            beds: 0,
        },
    ]
}
