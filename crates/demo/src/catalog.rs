//! The device catalog (`data/device_catalog.csv`): one row per device category with real
//! manufacturers and models, FDA product code and class, risk inputs and PM/life defaults.
//! See `data/PROVENANCE.md`: seed/default data to be verified before relying on it.

use serde::{Deserialize, Deserializer};

const CSV: &str = include_str!("../data/device_catalog.csv");

/// One manufacturer's model as named in the catalog, split into its parts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CatalogModel {
    /// The company that owns the product today, e.g. "BD", "Baxter", "Dräger".
    pub manufacturer: String,
    /// What a service sheet calls the model, e.g. "8015", "MX800", "Spectrum IQ".
    pub model_number: String,
    /// The product name, e.g. "Alaris 8015 PC unit".
    pub name: String,
}

/// One catalog row. Field names follow the CSV header.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct CatalogEntry {
    pub category: String,
    #[serde(deserialize_with = "models")]
    pub typical_manufacturers_models: Vec<CatalogModel>,
    #[serde(deserialize_with = "opt_text")]
    pub fda_product_code: Option<String>,
    #[serde(deserialize_with = "opt_text")]
    pub fda_product_code_name: Option<String>,
    /// 1, 2 or 3; `None` when the category is not a classified device.
    #[serde(deserialize_with = "opt_num")]
    pub fda_class: Option<u8>,
    #[serde(deserialize_with = "yes_no")]
    pub product_code_verified: bool,
    /// "I", "II", "internal" or "n/a".
    pub protection_class: String,
    /// "B", "BF", "CF" or "n/a".
    pub applied_part_type: String,
    #[serde(deserialize_with = "yes_no")]
    pub life_support: bool,
    #[serde(deserialize_with = "yes_no")]
    pub imaging_or_radiologic: bool,
    #[serde(deserialize_with = "yes_no")]
    pub laser: bool,
    /// Fennigkoh–Smith scores (REFERENCE §2.1).
    pub fs_function: u8,
    pub fs_physical_risk: u8,
    pub fs_maintenance: u8,
    /// `None` when no scheduled maintenance is expected (blank or 0 in the CSV).
    #[serde(deserialize_with = "opt_num")]
    pub typical_pm_interval_months: Option<u32>,
    pub expected_life_years: u32,
    pub notes: String,
}

impl CatalogEntry {
    /// The default high-risk designation for models of this category. Rule (kept simple and
    /// overridable per model/asset): life-support equipment is always high-risk; otherwise a
    /// device is high-risk when it is therapeutic or life-sustaining (F&S function ≥ 9) *and*
    /// its failure could injure a patient or worse (F&S physical risk ≥ 4).
    pub fn default_high_risk(&self) -> bool {
        self.life_support || (self.fs_function >= 9 && self.fs_physical_risk >= 4)
    }

    /// The 510(k) number the row's notes tie to this model, if any: a `K` + 6 digits number
    /// followed by a parenthesis that names the model number as a word, as in
    /// `510(k) K091308 (Alaris PC unit 8000/8015)`. Conservative: a number cited for the
    /// category in general (`K171801 cleared under 870…`) is not given to any model.
    pub fn k_number_for(&self, model_number: &str) -> Option<String> {
        let words = |s: &str| -> Vec<String> {
            s.split(|c: char| !c.is_ascii_alphanumeric()).filter(|w| !w.is_empty()).map(str::to_uppercase).collect()
        };
        let model = words(model_number);
        if model.is_empty() || model.iter().map(String::len).sum::<usize>() < 3 {
            return None;
        }
        let notes = self.notes.as_bytes();
        let mut i = 0;
        while i + 7 <= notes.len() {
            let is_k = notes[i] == b'K'
                && notes[i + 1..i + 7].iter().all(u8::is_ascii_digit)
                && (i == 0 || !notes[i - 1].is_ascii_alphanumeric())
                && notes.get(i + 7).is_none_or(|b| !b.is_ascii_alphanumeric());
            if is_k {
                let rest = &self.notes[i + 7..];
                if let Some(inner) = rest.trim_start().strip_prefix('(').and_then(|r| r.split(')').next()) {
                    let w = words(inner);
                    if w.windows(model.len()).any(|win| win == model.as_slice()) {
                        return Some(self.notes[i..i + 7].to_string());
                    }
                }
            }
            i += 1;
        }
        None
    }
}

/// Parses the embedded catalog.
pub fn catalog() -> Result<Vec<CatalogEntry>, String> {
    let mut reader = csv::Reader::from_reader(CSV.as_bytes());
    let mut out = Vec::new();
    for (i, row) in reader.deserialize::<CatalogEntry>().enumerate() {
        let entry = row.map_err(|e| format!("device_catalog.csv row {}: {e}", i + 2))?;
        if entry.typical_manufacturers_models.is_empty() {
            return Err(format!("device_catalog.csv row {}: no models for {}", i + 2, entry.category));
        }
        out.push(entry);
    }
    Ok(out)
}

fn yes_no<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    let s = String::deserialize(d)?;
    match s.trim().to_ascii_lowercase().as_str() {
        "yes" | "y" | "true" => Ok(true),
        "no" | "n" | "false" | "" => Ok(false),
        other => Err(serde::de::Error::custom(format!("expected yes or no, found '{other}'"))),
    }
}

fn opt_text<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    let s = String::deserialize(d)?;
    let t = s.trim();
    Ok((!t.is_empty()).then(|| t.to_string()))
}

fn opt_num<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: std::str::FromStr + Default + PartialEq,
{
    let s = String::deserialize(d)?;
    let t = s.trim();
    if t.is_empty() || t.eq_ignore_ascii_case("none") {
        return Ok(None);
    }
    let v: T = t.parse().map_err(|_| serde::de::Error::custom(format!("'{t}' is not a number")))?;
    Ok((v != T::default()).then_some(v))
}

fn models<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<CatalogModel>, D::Error> {
    let s = String::deserialize(d)?;
    Ok(split_models(&s))
}

/// Splits a `;`-separated list of "Manufacturer Product" names into models.
pub fn split_models(list: &str) -> Vec<CatalogModel> {
    list.split(';').map(str::trim).filter(|s| !s.is_empty()).map(split_model).collect()
}

/// How catalog spellings map to the company shown as manufacturer. Longest prefix wins.
const MANUFACTURERS: &[(&str, &str)] = &[
    ("3M", "3M"),
    ("A-dec", "A-dec"),
    ("Abbott", "Abbott"),
    ("Alcon", "Alcon"),
    ("Allied Healthcare", "Allied Healthcare Products"),
    ("Ameda", "Ameda"),
    ("AmeriWater", "AmeriWater"),
    ("Arjo", "Arjo"),
    ("ASP", "ASP"),
    ("B. Braun", "B. Braun"),
    ("Bausch + Lomb", "Bausch + Lomb"),
    ("Baxter", "Baxter"),
    ("BD", "BD"),
    ("Beckman Coulter", "Beckman Coulter"),
    ("Belimed", "Belimed"),
    ("Belmont Medical", "Belmont Medical Technologies"),
    ("Breas", "Breas"),
    ("Bunnell", "Bunnell"),
    ("Butterfly", "Butterfly Network"),
    ("Canon", "Canon Medical"),
    ("Cardinal Health", "Cardinal Health"),
    ("Caresono", "Caresono"),
    ("Carestream", "Carestream"),
    ("Carestream Dental", "Carestream Dental"),
    ("Compumedics", "Compumedics"),
    ("CONMED", "CONMED"),
    ("Delfi", "Delfi Medical"),
    ("Dentsply Sirona", "Dentsply Sirona"),
    ("Draeger", "Dräger"),
    ("Drucker Diagnostics", "Drucker Diagnostics"),
    ("Elekta", "Elekta"),
    ("Ellex", "Ellex"),
    ("Erbe", "Erbe"),
    ("Exergen", "Exergen"),
    ("Fisher & Paykel", "Fisher & Paykel Healthcare"),
    ("Fresenius", "Fresenius Medical Care"),
    ("Fresenius Medical Care", "Fresenius Medical Care"),
    ("Fujifilm", "Fujifilm"),
    ("GE HealthCare", "GE HealthCare"),
    ("Gentherm", "Gentherm"),
    ("Getinge", "Getinge"),
    ("GlobalMed", "GlobalMed"),
    ("Haag-Streit", "Haag-Streit"),
    ("Hamilton Medical", "Hamilton Medical"),
    ("Heidelberg Engineering", "Heidelberg Engineering"),
    ("HEINE", "HEINE"),
    ("Helmer Scientific", "Helmer Scientific"),
    ("Hologic", "Hologic"),
    ("Icare", "Icare"),
    ("ICU Medical", "ICU Medical"),
    ("International Biomedical", "International Biomedical"),
    ("IRIDEX", "IRIDEX"),
    ("Johnson & Johnson Vision", "Johnson & Johnson Vision"),
    ("Laerdal", "Laerdal"),
    ("Leica", "Leica Microsystems"),
    ("Linet", "Linet"),
    ("LivaNova", "LivaNova"),
    ("Lumenis", "Lumenis"),
    ("Masimo", "Masimo"),
    ("Medela", "Medela"),
    ("Medtronic", "Medtronic"),
    ("Megadyne", "Megadyne"),
    ("Midmark", "Midmark"),
    ("Mindray", "Mindray"),
    ("Moog", "Moog"),
    ("Natus", "Natus"),
    ("ndd", "ndd Medical Technologies"),
    ("NIDEK", "NIDEK"),
    ("Nihon Kohden", "Nihon Kohden"),
    ("Nonin", "Nonin"),
    ("Nova Biomedical", "Nova Biomedical"),
    ("NxStage", "NxStage Medical"),
    ("Ohio Medical", "Ohio Medical"),
    ("Olympus", "Olympus"),
    ("Omron", "Omron Healthcare"),
    ("Penlon", "Penlon"),
    ("Pentax", "Pentax Medical"),
    ("PHCbi", "PHC Corporation"),
    ("Philips", "Philips"),
    ("Planmeca", "Planmeca"),
    ("Quanta System", "Quanta System"),
    ("Radiometer", "Radiometer"),
    ("Reichert", "Reichert"),
    ("ResMed", "ResMed"),
    ("Roche", "Roche"),
    ("SciCan", "SciCan"),
    ("Siemens Healthineers", "Siemens Healthineers"),
    ("Skytron", "Skytron"),
    ("SLE", "SLE"),
    ("Smith+Nephew", "Smith+Nephew"),
    ("Solventum", "Solventum"),
    ("Spectrum Dynamics", "Spectrum Dynamics Medical"),
    ("STERIS", "STERIS"),
    ("Stryker", "Stryker"),
    ("SunTech Medical", "SunTech Medical"),
    ("Sysmex", "Sysmex"),
    ("Teladoc Health", "Teladoc Health"),
    ("Teleflex", "Teleflex"),
    ("Terumo", "Terumo"),
    ("Thermo Scientific", "Thermo Fisher Scientific"),
    ("Topcon", "Topcon"),
    ("Tuttnauer", "Tuttnauer"),
    ("Varian", "Varian"),
    ("Vapotherm", "Vapotherm"),
    ("Verathon", "Verathon"),
    ("Vyaire", "Vyaire Medical"),
    ("Werfen", "Werfen"),
    ("ZEISS", "ZEISS"),
    ("Ziehm", "Ziehm Imaging"),
    ("Zimmer Biomet", "Zimmer Biomet"),
    ("ZOLL", "ZOLL"),
];

/// Entries the general rule splits badly: (catalog text, manufacturer, model number, name).
const OVERRIDES: &[(&str, &str, &str, &str)] = &[
    ("ICU Medical Plum 360", "ICU Medical", "Plum 360", "Plum 360"),
    ("Welch Allyn Connex Spot Monitor (Baxter)", "Baxter", "Connex Spot", "Welch Allyn Connex Spot Monitor"),
    (
        "Welch Allyn Connex Vital Signs Monitor 6000 series (Baxter)",
        "Baxter",
        "CVSM 6000",
        "Welch Allyn Connex Vital Signs Monitor 6000 series",
    ),
    ("Welch Allyn ProBP 3400 (Baxter)", "Baxter", "ProBP 3400", "Welch Allyn ProBP 3400"),
    ("Welch Allyn SureTemp Plus 690 (Baxter)", "Baxter", "SureTemp Plus 690", "Welch Allyn SureTemp Plus 690"),
    ("Welch Allyn Green Series 777 (Baxter)", "Baxter", "Green Series 777", "Welch Allyn Green Series 777"),
    ("Mar Cor (STERIS) MILLENIUM HX", "STERIS", "MILLENIUM HX", "Mar Cor MILLENIUM HX"),
    (
        "Ohio Medical (Amvex) continuous vacuum regulator",
        "Ohio Medical",
        "Amvex CVR",
        "Amvex continuous vacuum regulator",
    ),
    ("Ohio Medical intermittent suction unit (ISU)", "Ohio Medical", "ISU", "Intermittent suction unit (ISU)"),
    ("GE HealthCare MAC 5500 HD", "GE HealthCare", "MAC 5500 HD", "MAC 5500 HD"),
    ("Werfen GEM Premier 5000", "Werfen", "GEM Premier 5000", "GEM Premier 5000"),
    ("Philips Patient Information Center iX (PIC iX)", "Philips", "PIC iX", "Patient Information Center iX"),
    (
        "Mindray BeneVision Central Monitoring System",
        "Mindray",
        "BeneVision CMS",
        "BeneVision Central Monitoring System",
    ),
    (
        "GE HealthCare CARESCAPE Central Station",
        "GE HealthCare",
        "CARESCAPE Central Station",
        "CARESCAPE Central Station",
    ),
    ("Cardinal Health Genius 3 tympanic", "Cardinal Health", "Genius 3", "Genius 3 tympanic thermometer"),
    ("Medtronic Nellcor PM1000N", "Medtronic", "PM1000N", "Nellcor PM1000N bedside SpO2 monitor"),
    ("Medtronic 5392", "Medtronic", "5392", "5392 dual-chamber temporary pacemaker"),
    ("Medtronic 53401", "Medtronic", "53401", "53401 single-chamber temporary pacemaker"),
    ("Medtronic Puritan Bennett 980", "Medtronic", "PB980", "Puritan Bennett 980"),
    ("GE HealthCare Tec 7", "GE HealthCare", "Tec 7", "Tec 7 vaporizer"),
    ("Draeger Vapor 3000", "Dräger", "Vapor 3000", "Vapor 3000"),
    ("Penlon Sigma Delta", "Penlon", "Sigma Delta", "Sigma Delta vaporizer"),
    ("Allied Healthcare Gomco G180", "Allied Healthcare Products", "G180", "Gomco G180 portable aspirator"),
    ("Laerdal LCSU 4", "Laerdal", "LCSU 4", "LCSU 4 compact suction unit"),
    ("Medela Dominant Flex", "Medela", "Dominant Flex", "Dominant Flex aspirator"),
    (
        "Helmer Scientific Horizon Series blood bank refrigerator",
        "Helmer Scientific",
        "iB125",
        "Horizon Series blood bank refrigerator",
    ),
    (
        "Thermo Scientific TSX Series blood bank refrigerator",
        "Thermo Fisher Scientific",
        "TSX Series BBR",
        "TSX Series blood bank refrigerator",
    ),
    (
        "Thermo Scientific TSX Series ultra-low freezer",
        "Thermo Fisher Scientific",
        "TSX Series ULT",
        "TSX Series ultra-low freezer",
    ),
    (
        "Thermo Scientific TSX Series lab refrigerator",
        "Thermo Fisher Scientific",
        "TSX Series LR",
        "TSX Series lab refrigerator",
    ),
    ("PHCbi VIP ECO ultra-low freezer", "PHC Corporation", "VIP ECO", "PHCbi VIP ECO ultra-low freezer"),
    (
        "Helmer Scientific GX Solutions pharmacy refrigerator",
        "Helmer Scientific",
        "GX Solutions",
        "GX Solutions pharmacy refrigerator",
    ),
    ("Baxter (Hillrom) LikoGuard ceiling lift", "Baxter", "LikoGuard", "Liko LikoGuard ceiling lift"),
    ("Baxter (Hillrom) Liko Golvo", "Baxter", "Golvo", "Liko Golvo mobile lift"),
    ("Arjo Maxi Move", "Arjo", "Maxi Move", "Maxi Move floor lift"),
    ("Abbott i-STAT 1", "Abbott", "i-STAT 1", "i-STAT 1 handheld analyzer"),
    ("Olympus EVIS EXERA III CV-190 with CLV-190", "Olympus", "CV-190", "EVIS EXERA III CV-190 / CLV-190"),
    ("Midmark 626 Barrier-Free", "Midmark", "626", "626 Barrier-Free examination table"),
    ("Midmark 630 Barrier-Free", "Midmark", "630", "630 Barrier-Free examination table"),
    ("A-dec 500", "A-dec", "500", "A-dec 500 dental chair and delivery system"),
    ("Teladoc Health (InTouch Health) Lite 4", "Teladoc Health", "Lite 4", "InTouch Lite 4 telehealth cart"),
    ("GlobalMed Transportable Exam Station", "GlobalMed", "TES", "Transportable Exam Station"),
    ("Medela Symphony", "Medela", "Symphony", "Symphony breast pump"),
    ("Ameda Platinum", "Ameda", "Platinum", "Platinum breast pump"),
    ("HEINE EN 100", "HEINE", "EN 100", "EN 100 wall diagnostic station"),
    ("Stryker Prime X", "Stryker", "Prime X", "Prime X stretcher"),
    ("Stryker Prime TC", "Stryker", "Prime TC", "Prime TC transport chair-stretcher"),
    ("Baxter (Hillrom) TransStar", "Baxter", "TransStar", "TransStar stretcher"),
    ("Stryker ProCuity", "Stryker", "ProCuity", "ProCuity bed"),
    ("Stryker S3 MedSurg", "Stryker", "S3", "S3 MedSurg bed"),
    ("Stryker InTouch", "Stryker", "InTouch", "InTouch critical care bed"),
    ("Linet Multicare", "Linet", "Multicare", "Multicare ICU bed"),
    ("Butterfly iQ3", "Butterfly Network", "iQ3", "Butterfly iQ3"),
    ("GE HealthCare Venue Go", "GE HealthCare", "Venue Go", "Venue Go"),
    ("Philips Lumify", "Philips", "Lumify", "Lumify"),
    ("Fujifilm Sonosite PX", "Fujifilm", "Sonosite PX", "Sonosite PX"),
    ("Moog CURLIN 6000 CMS", "Moog", "CURLIN 6000", "CURLIN 6000 CMS"),
    ("Nonin PalmSAT 2500", "Nonin", "PalmSAT 2500", "PalmSAT 2500"),
    ("GE HealthCare SEER 1000", "GE HealthCare", "SEER 1000", "SEER 1000"),
    ("Draeger Oxylog 3000 plus", "Dräger", "Oxylog 3000 plus", "Oxylog 3000 plus"),
    ("SLE 6000", "SLE", "SLE6000", "SLE6000"),
    ("SciCan STATIM 5000 G4", "SciCan", "STATIM 5000 G4", "STATIM 5000 G4"),
    ("Fujifilm ELUXEO 7000", "Fujifilm", "ELUXEO 7000", "ELUXEO 7000"),
    ("ZEISS CIRRUS 6000", "ZEISS", "CIRRUS 6000", "CIRRUS 6000"),
    ("Siemens Healthineers RAPIDPoint 500e", "Siemens Healthineers", "RAPIDPoint 500e", "RAPIDPoint 500e"),
    ("Siemens Healthineers ADVIA 2120i", "Siemens Healthineers", "ADVIA 2120i", "ADVIA 2120i"),
    ("STERIS V-PRO maX 2", "STERIS", "V-PRO maX 2", "V-PRO maX 2"),
    ("Getinge 88 Turbo", "Getinge", "88 Turbo", "88 Turbo"),
    ("ICU Medical Level 1 HOTLINE (formerly Smiths Medical)", "ICU Medical", "HOTLINE", "Level 1 HOTLINE"),
    ("Solventum (3M) Bair Hugger 675", "Solventum", "675", "Bair Hugger 675"),
    ("ICU Medical Level 1 Equator (formerly Smiths Medical)", "ICU Medical", "Equator", "Level 1 Equator"),
    ("CONMED System 5000", "CONMED", "System 5000", "System 5000"),
    ("BD (Bard) Arctic Sun 5000", "BD", "Arctic Sun 5000", "Arctic Sun 5000"),
    ("Draeger Isolette 8000 plus", "Dräger", "Isolette 8000 plus", "Isolette 8000 plus"),
    ("Carestream Dental CS 2200", "Carestream Dental", "CS 2200", "CS 2200"),
    ("Caresono PadScan HD 5", "Caresono", "PadScan HD 5", "PadScan HD 5"),
    ("Quanta System Cyber Ho 100W", "Quanta System", "Cyber Ho 100W", "Cyber Ho 100W"),
];

fn manufacturer_prefix(s: &str) -> Option<(&'static str, &'static str)> {
    MANUFACTURERS
        .iter()
        .filter(|(p, _)| s.len() > p.len() && s.starts_with(p) && s[p.len()..].starts_with(' '))
        .max_by_key(|(p, _)| p.len())
        .map(|(p, c)| (*p, *c))
}

fn canonical(name: &str) -> Option<&'static str> {
    MANUFACTURERS.iter().find(|(p, c)| *p == name || *c == name).map(|(_, c)| *c)
}

/// Splits one "Manufacturer Product" entry: the manufacturer prefix (or an owner named in
/// parentheses, "Welch Allyn … (Baxter)"), "(now X)" moving the product to X, "(formerly X)"
/// and legacy brands in parentheses dropped, the name cut at " with ", and the model number
/// taken as the first token with a digit (with the word before it when the token is a short
/// number, "Plum 360"), else the whole product name.
pub fn split_model(entry: &str) -> CatalogModel {
    let entry = entry.trim();
    if let Some((_, m, n, name)) = OVERRIDES.iter().find(|(e, ..)| *e == entry) {
        return CatalogModel { manufacturer: (*m).into(), model_number: (*n).into(), name: (*name).into() };
    }
    let mut manufacturer: Option<String> = None;
    let mut rest = entry.to_string();
    if let Some((prefix, canon)) = manufacturer_prefix(entry) {
        manufacturer = Some(canon.to_string());
        rest = entry[prefix.len()..].trim().to_string();
    }
    // Parenthesised remarks.
    let mut text = String::new();
    let mut owner: Option<String> = None;
    let mut chars = rest.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '(' {
            let mut inner = String::new();
            for c2 in chars.by_ref() {
                if c2 == ')' {
                    break;
                }
                inner.push(c2);
            }
            let inner = inner.trim();
            if let Some(now) = inner.strip_prefix("now ") {
                owner = Some(canonical(now).unwrap_or(now).to_string());
            } else if manufacturer.is_none()
                && let Some(c) = canonical(inner)
            {
                owner = Some(c.to_string());
            }
        } else {
            text.push(c);
        }
    }
    let mut name = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if let Some(i) = name.find(" with ") {
        name.truncate(i);
    }
    let manufacturer = owner.or(manufacturer).unwrap_or_else(|| {
        // Unknown company: its name is the first word.
        entry.split_whitespace().next().unwrap_or(entry).to_string()
    });
    let tokens: Vec<&str> = name.split_whitespace().collect();
    let model_number = match tokens.iter().position(|t| t.chars().any(|c| c.is_ascii_digit())) {
        Some(i) => {
            let t = tokens[i];
            if t.chars().count() <= 3 && i > 0 { format!("{} {}", tokens[i - 1], t) } else { t.to_string() }
        }
        None => name.clone(),
    };
    CatalogModel { manufacturer, model_number, name }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_catalog_parses_with_every_row_and_model() {
        let c = catalog().unwrap();
        assert_eq!(c.len(), 111);
        let models: usize = c.iter().map(|e| e.typical_manufacturers_models.len()).sum();
        assert!(models >= 300, "{models}");
        let lvp = &c[0];
        assert_eq!(lvp.category, "Infusion pump, large-volume (LVP)");
        assert_eq!(lvp.fda_product_code.as_deref(), Some("FRN"));
        assert_eq!(lvp.fda_class, Some(2));
        assert!(lvp.product_code_verified && !lvp.life_support);
        assert_eq!(lvp.typical_pm_interval_months, Some(12));
        assert_eq!(lvp.expected_life_years, 8);
        assert!(lvp.default_high_risk());
        let fridge = c.iter().find(|e| e.category.starts_with("Medication / vaccine")).unwrap();
        assert_eq!((fridge.fda_product_code.as_deref(), fridge.fda_class), (None, None));
        assert!(c.iter().filter(|e| e.life_support).all(CatalogEntry::default_high_risk));
    }

    #[test]
    fn the_alaris_pc_unit_splits_into_bd_8015() {
        let m = split_model("BD Alaris 8015 PC unit with 8100 pump module");
        assert_eq!(m.manufacturer, "BD");
        assert_eq!(m.model_number, "8015");
        assert_eq!(m.name, "Alaris 8015 PC unit");
    }

    #[test]
    fn owners_and_former_names_in_parentheses_are_understood() {
        let m = split_model("ICU Medical Medfusion 4000 (formerly Smiths Medical)");
        assert_eq!(
            (m.manufacturer.as_str(), m.model_number.as_str(), m.name.as_str()),
            ("ICU Medical", "4000", "Medfusion 4000")
        );
        let m = split_model("3M Ranger 245 (now Solventum)");
        assert_eq!((m.manufacturer.as_str(), m.name.as_str()), ("Solventum", "Ranger 245"));
        let m = split_model("Stryker (Physio-Control) LIFEPAK 15");
        assert_eq!((m.manufacturer.as_str(), m.model_number.as_str()), ("Stryker", "LIFEPAK 15"));
        let m = split_model("Draeger Evita V800");
        assert_eq!((m.manufacturer.as_str(), m.model_number.as_str()), ("Dräger", "V800"));
        let m = split_model("Welch Allyn Connex Spot Monitor (Baxter)");
        assert_eq!(m.manufacturer, "Baxter");
        let m = split_model("Carestream Dental CS 2200");
        assert_eq!((m.manufacturer.as_str(), m.model_number.as_str()), ("Carestream Dental", "CS 2200"));
    }

    #[test]
    fn every_catalog_model_has_a_known_manufacturer_and_bounded_fields() {
        for e in catalog().unwrap() {
            for m in &e.typical_manufacturers_models {
                assert!(canonical(&m.manufacturer).is_some(), "{m:?}");
                assert!(!m.model_number.is_empty() && m.model_number.chars().count() <= 80, "{m:?}");
                assert!(!m.name.is_empty() && m.name.chars().count() <= 160, "{m:?}");
            }
        }
    }
}
