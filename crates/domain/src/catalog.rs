//! What equipment *is*: manufacturers, service vendors and device models (manufacturer +
//! model number), with the category, nomenclature code, FDA product code and class, expected
//! life and the default risk flags every asset of the model inherits.

use crate::DomainError;
use crate::ids::{ManufacturerId, ModelId, VendorId};
use crate::org::{finish, optional_text, required_text};
use crate::text_enum;
use serde::{Deserialize, Serialize};

text_enum!(
    /// FDA device class (21 CFR 860): I, II, III, or unclassified.
    FdaClass, "fda_class" {
        I => "1": "Class I",
        II => "2": "Class II",
        III => "3": "Class III",
        Unclassified => "U": "Unclassified",
    }
);

text_enum!(
    /// The nomenclature a model's device-type code comes from.
    NomenclatureSystem, "nomenclature_system" {
        Umdns => "umdns": "UMDNS",
        Gmdn => "gmdn": "GMDN",
    }
);

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Manufacturer {
    pub id: ManufacturerId,
    pub name: String,
    pub version: i64,
}

/// A company that sells or services equipment (OEM service, ISO, supplier).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Vendor {
    pub id: VendorId,
    pub name: String,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub version: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DeviceModel {
    pub id: ModelId,
    pub manufacturer_id: ManufacturerId,
    /// The manufacturer's name.
    pub manufacturer: String,
    pub model_number: String,
    pub name: String,
    /// Device category, e.g. "Infusion pump, large-volume (LVP)".
    pub category: String,
    pub nomenclature_system: Option<NomenclatureSystem>,
    pub nomenclature_code: Option<String>,
    /// Three-letter FDA product code, e.g. `FRN`.
    pub fda_product_code: Option<String>,
    pub fda_class: Option<FdaClass>,
    pub expected_life_years: Option<i32>,
    pub high_risk: bool,
    pub life_support: bool,
    /// The FDA 510(k) premarket notification number (`K` + 6 digits, e.g. `K091308`), when
    /// known (REFERENCE §5.6 `premarket_submissions`, §6.2 `k_numbers`); recall matching uses it.
    #[serde(default)]
    pub fda_510k: Option<String>,
    pub version: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NewManufacturer {
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NewVendor {
    pub name: String,
    #[serde(default)]
    pub phone: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NewDeviceModel {
    pub manufacturer_id: ManufacturerId,
    pub model_number: String,
    pub name: String,
    pub category: String,
    #[serde(default)]
    pub nomenclature_system: Option<NomenclatureSystem>,
    #[serde(default)]
    pub nomenclature_code: Option<String>,
    #[serde(default)]
    pub fda_product_code: Option<String>,
    #[serde(default)]
    pub fda_class: Option<FdaClass>,
    #[serde(default)]
    pub expected_life_years: Option<i32>,
    #[serde(default)]
    pub high_risk: bool,
    #[serde(default)]
    pub life_support: bool,
}

impl NewDeviceModel {
    /// A model with only what every model needs; nomenclature, FDA facts, expected life and the
    /// risk flags unset (add them with struct update syntax).
    pub fn new(
        manufacturer_id: ManufacturerId,
        model_number: impl Into<String>,
        name: impl Into<String>,
        category: impl Into<String>,
    ) -> Self {
        NewDeviceModel {
            manufacturer_id,
            model_number: model_number.into(),
            name: name.into(),
            category: category.into(),
            nomenclature_system: None,
            nomenclature_code: None,
            fda_product_code: None,
            fda_class: None,
            expected_life_years: None,
            high_risk: false,
            life_support: false,
        }
    }
}

/// Changes to a device model; absent fields stay as they are.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ModelPatch {
    pub version: i64,
    #[serde(default)]
    pub model_number: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub category: Option<String>,
    #[serde(default)]
    pub nomenclature_code: Option<String>,
    #[serde(default)]
    pub fda_product_code: Option<String>,
    #[serde(default)]
    pub fda_class: Option<FdaClass>,
    #[serde(default)]
    pub expected_life_years: Option<i32>,
    #[serde(default)]
    pub high_risk: Option<bool>,
    #[serde(default)]
    pub life_support: Option<bool>,
    /// The 510(k) number (`K` + 6 digits); an empty string clears it.
    #[serde(default)]
    pub fda_510k: Option<String>,
    #[serde(default)]
    pub reason: Option<String>,
}

/// Reads a 510(k) number: `K` followed by six digits (`k091308` and surrounding spaces are
/// accepted and normalised). REFERENCE §5.6 (`premarket_submissions[].submission_number`, K…)
/// and §6.2 (a recall's `k_numbers`). PMA (`P…`) and De Novo (`DEN…`) numbers are refused.
pub fn parse_510k(s: &str) -> Result<String, DomainError> {
    let k = s.trim().to_uppercase();
    let ok = k.len() == 7 && k.starts_with('K') && k[1..].bytes().all(|b| b.is_ascii_digit());
    if ok {
        Ok(k)
    } else {
        Err(DomainError::Invalid(vec![crate::FieldError::new(
            "fda_510k",
            "must be a 510(k) number: K followed by 6 digits, e.g. K091308",
        )]))
    }
}

/// A model's 510(k) after a patch: absent keeps `current`, empty clears, anything else must
/// pass [`parse_510k`].
pub fn patched_510k(current: Option<&str>, patch: Option<&str>) -> Result<Option<String>, DomainError> {
    match patch.map(str::trim) {
        None => Ok(current.map(str::to_string)),
        Some("") => Ok(None),
        Some(k) => parse_510k(k).map(Some),
    }
}

impl NewManufacturer {
    pub fn normalized(mut self) -> Result<Self, DomainError> {
        let mut e = Vec::new();
        self.name = required_text("name", &self.name, 120, &mut e);
        finish(e)?;
        Ok(self)
    }
}

impl NewVendor {
    pub fn normalized(mut self) -> Result<Self, DomainError> {
        let mut e = Vec::new();
        self.name = required_text("name", &self.name, 120, &mut e);
        self.phone = optional_text("phone", self.phone.as_deref(), 40, &mut e);
        self.email = optional_text("email", self.email.as_deref(), 120, &mut e);
        finish(e)?;
        Ok(self)
    }
}

/// Checks an FDA product code: exactly three letters, stored upper-case.
pub fn parse_product_code(s: &str) -> Result<String, DomainError> {
    let t = s.trim().to_ascii_uppercase();
    if t.len() == 3 && t.chars().all(|c| c.is_ascii_uppercase()) {
        Ok(t)
    } else {
        Err(DomainError::field("fda_product_code", format!("'{s}' is not a three-letter FDA product code")))
    }
}

impl NewDeviceModel {
    pub fn normalized(mut self) -> Result<Self, DomainError> {
        let mut e = Vec::new();
        self.model_number = required_text("model_number", &self.model_number, 80, &mut e);
        self.name = required_text("name", &self.name, 160, &mut e);
        self.category = required_text("category", &self.category, 160, &mut e);
        self.nomenclature_code = optional_text("nomenclature_code", self.nomenclature_code.as_deref(), 20, &mut e);
        if let Some(pc) = self.fda_product_code.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            match parse_product_code(pc) {
                Ok(pc) => self.fda_product_code = Some(pc),
                Err(DomainError::Invalid(mut f)) => e.append(&mut f),
                Err(_) => {}
            }
        } else {
            self.fda_product_code = None;
        }
        if let Some(y) = self.expected_life_years
            && !(1..=50).contains(&y)
        {
            e.push(crate::FieldError::new("expected_life_years", "must be between 1 and 50"));
        }
        // A life-support device is high-risk by definition (TJC EC.02.04.01 EP 3).
        if self.life_support {
            self.high_risk = true;
        }
        finish(e)?;
        Ok(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_510k_is_k_and_six_digits() {
        // The real recall Z-0359-2013 lists K082332; the catalogue's Alaris row cites K091308.
        assert_eq!(parse_510k(" k082332 ").unwrap(), "K082332");
        assert_eq!(parse_510k("K091308").unwrap(), "K091308");
        for bad in ["K09130", "K0913088", "P970004", "DEN200038", "K09130A", ""] {
            assert!(parse_510k(bad).is_err(), "{bad}");
        }
        assert_eq!(patched_510k(Some("K091308"), None).unwrap().as_deref(), Some("K091308"));
        assert_eq!(patched_510k(Some("K091308"), Some(" ")).unwrap(), None);
        assert_eq!(patched_510k(None, Some("k243855")).unwrap().as_deref(), Some("K243855"));
        assert!(patched_510k(None, Some("510k")).is_err());
    }

    #[test]
    fn product_codes_are_three_letters() {
        assert_eq!(parse_product_code(" frn ").unwrap(), "FRN");
        assert!(parse_product_code("FR").is_err());
        assert!(parse_product_code("FR1").is_err());
    }

    #[test]
    fn a_life_support_model_is_always_high_risk() {
        let m = NewDeviceModel {
            fda_product_code: Some("cbk".into()),
            fda_class: Some(FdaClass::II),
            expected_life_years: Some(10),
            life_support: true,
            ..NewDeviceModel::new(ManufacturerId(1), "V500", "Evita V500", "Ventilator, critical care")
        }
        .normalized()
        .unwrap();
        assert!(m.high_risk);
        assert_eq!(m.fda_product_code.as_deref(), Some("CBK"));
    }

    #[test]
    fn fda_class_parses_its_codes() {
        assert_eq!(FdaClass::parse("2").unwrap(), FdaClass::II);
        assert_eq!(FdaClass::parse("Class III").unwrap(), FdaClass::III);
        assert!(FdaClass::parse("4").is_err());
    }
}
