//! Assets: one physical unit of equipment, known by its asset tag (the hospital's control
//! number people type and scan) and usually a manufacturer serial number.

use crate::DomainError;
use crate::error::FieldError;
use crate::ids::{AssetId, DepartmentId, LocationId, ManufacturerId, ModelId, VendorId};
use crate::org::{finish, optional_text};
use crate::text_enum;
use jiff::civil::Date;
use serde::{Deserialize, Deserializer, Serialize};

text_enum!(
    /// Where an asset is in its life. See REFERENCE §9.4 (statuses to model on the asset).
    AssetStatus, "status" {
        Ordered => "ordered": "Ordered",
        PendingInspection => "pending_inspection": "Received, pending inspection",
        InService => "in_service": "In service",
        OutOfService => "out_of_service": "Out of service",
        Loaned => "loaned": "Loaned",
        Missing => "missing": "Missing / unable to locate",
        Retired => "retired": "Retired",
        Disposed => "disposed": "Disposed",
    }
);

impl AssetStatus {
    /// Whether a status change made by a person is allowed. Disposal is final: a disposed
    /// asset's record stays, but nothing returns it to use.
    pub fn check_change(self, to: AssetStatus) -> Result<(), DomainError> {
        if self == AssetStatus::Disposed && to != AssetStatus::Disposed {
            return Err(DomainError::field("status", "a disposed asset cannot change status"));
        }
        Ok(())
    }

    /// Whether the asset is part of the active inventory (neither retired nor disposed).
    pub fn is_active(self) -> bool {
        !matches!(self, AssetStatus::Retired | AssetStatus::Disposed)
    }
}

/// The hospital's asset tag: 1–32 characters of letters, digits and `-_./`, no spaces.
/// Case is kept as printed on the label; uniqueness ignores case.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct AssetTag(String);

impl AssetTag {
    pub fn parse(s: &str) -> Result<Self, DomainError> {
        let t = s.trim();
        if t.is_empty() {
            return Err(DomainError::field("asset_tag", "is required"));
        }
        if t.chars().count() > 32 {
            return Err(DomainError::field("asset_tag", "must be at most 32 characters"));
        }
        if let Some(c) = t.chars().find(|c| !(c.is_ascii_alphanumeric() || "-_./".contains(*c))) {
            return Err(DomainError::field(
                "asset_tag",
                format!("may hold only letters, digits and - _ . / (found '{c}')"),
            ));
        }
        Ok(AssetTag(t.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The device model as shown with an asset.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ModelSummary {
    pub id: ModelId,
    pub manufacturer_id: ManufacturerId,
    pub manufacturer: String,
    pub model_number: String,
    pub name: String,
    pub category: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DepartmentSummary {
    pub id: DepartmentId,
    pub name: String,
    pub cost_center: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LocationSummary {
    pub id: LocationId,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct VendorSummary {
    pub id: VendorId,
    pub name: String,
}

/// The Unique Device Identifier read from the label: device identifier (DI) and production
/// identifiers (lot, serial, dates), plus the raw string as scanned or typed.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Udi {
    pub di: Option<String>,
    pub lot: Option<String>,
    pub serial: Option<String>,
    pub manufactured: Option<Date>,
    pub expiry: Option<Date>,
    pub raw: Option<String>,
}

/// One asset as read: its own fields and the names of what it refers to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Asset {
    pub id: AssetId,
    pub asset_tag: String,
    pub serial_number: Option<String>,
    pub status: AssetStatus,
    pub model: ModelSummary,
    pub department: DepartmentSummary,
    pub location: Option<LocationSummary>,
    pub acquisition_date: Option<Date>,
    /// Acquisition cost in minor units (cents) of `currency`.
    pub acquisition_cost_minor: Option<i64>,
    pub currency: String,
    pub vendor: Option<VendorSummary>,
    pub purchase_order: Option<String>,
    pub in_service_date: Option<Date>,
    pub warranty_end: Option<Date>,
    pub udi: Udi,
    /// The asset's own high-risk designation; `None` inherits the model's.
    pub high_risk_override: Option<bool>,
    pub life_support_override: Option<bool>,
    /// Effective flags: the override if set, else the model's default.
    pub high_risk: bool,
    pub life_support: bool,
    pub notes: Option<String>,
    /// The PM procedure code for this asset; `None` uses the model's default.
    #[serde(default)]
    pub pm_procedure_code: Option<String>,
    /// For electrical safety testing: IEC 60601-1 protection class.
    #[serde(default)]
    pub protection_class: Option<crate::esa::ProtectionClass>,
    /// For electrical safety testing: the applied part's type.
    #[serde(default)]
    pub applied_part: Option<crate::esa::AppliedPartType>,
    /// Test equipment (analyzers, simulators): when its calibration is next due.
    #[serde(default)]
    pub calibration_due: Option<Date>,
    /// Test equipment: the date of its last calibration (REFERENCE §1.5).
    #[serde(default)]
    pub calibrated_on: Option<Date>,
    /// Test equipment: the calibration certificate's number or reference.
    #[serde(default)]
    pub calibration_certificate: Option<String>,
    pub version: i64,
}

/// A new asset, as entered, imported or seeded.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NewAsset {
    pub asset_tag: String,
    #[serde(default)]
    pub serial_number: Option<String>,
    pub model_id: ModelId,
    pub department_id: DepartmentId,
    #[serde(default)]
    pub location_id: Option<LocationId>,
    #[serde(default = "default_new_status")]
    pub status: AssetStatus,
    #[serde(default)]
    pub acquisition_date: Option<Date>,
    #[serde(default)]
    pub acquisition_cost_minor: Option<i64>,
    #[serde(default = "default_currency")]
    pub currency: String,
    #[serde(default)]
    pub vendor_id: Option<VendorId>,
    #[serde(default)]
    pub purchase_order: Option<String>,
    #[serde(default)]
    pub in_service_date: Option<Date>,
    #[serde(default)]
    pub warranty_end: Option<Date>,
    #[serde(default)]
    pub udi: Udi,
    #[serde(default)]
    pub high_risk_override: Option<bool>,
    #[serde(default)]
    pub life_support_override: Option<bool>,
    #[serde(default)]
    pub notes: Option<String>,
}

fn default_new_status() -> AssetStatus {
    AssetStatus::InService
}

pub fn default_currency() -> String {
    "USD".to_string()
}

/// A present-but-null JSON field becomes `Some(None)` ("clear it"); an absent one `None`.
pub fn nullable<'de, D, T>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(d).map(Some)
}

/// Changes to an asset. Absent fields stay; `null` clears a clearable field. `version` is the
/// version the client read: a stale one is refused.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AssetPatch {
    pub version: i64,
    #[serde(default)]
    pub asset_tag: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    pub serial_number: Option<Option<String>>,
    #[serde(default)]
    pub model_id: Option<ModelId>,
    #[serde(default)]
    pub department_id: Option<DepartmentId>,
    #[serde(default, deserialize_with = "nullable")]
    pub location_id: Option<Option<LocationId>>,
    #[serde(default)]
    pub status: Option<AssetStatus>,
    #[serde(default, deserialize_with = "nullable")]
    pub acquisition_date: Option<Option<Date>>,
    #[serde(default, deserialize_with = "nullable")]
    pub acquisition_cost_minor: Option<Option<i64>>,
    #[serde(default, deserialize_with = "nullable")]
    pub vendor_id: Option<Option<VendorId>>,
    #[serde(default, deserialize_with = "nullable")]
    pub purchase_order: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    pub in_service_date: Option<Option<Date>>,
    #[serde(default, deserialize_with = "nullable")]
    pub warranty_end: Option<Option<Date>>,
    #[serde(default)]
    pub udi: Option<Udi>,
    #[serde(default, deserialize_with = "nullable")]
    pub high_risk_override: Option<Option<bool>>,
    #[serde(default, deserialize_with = "nullable")]
    pub life_support_override: Option<Option<bool>>,
    #[serde(default, deserialize_with = "nullable")]
    pub notes: Option<Option<String>>,
    /// The PM procedure code for this asset (`null` = use the model's default).
    #[serde(default, deserialize_with = "nullable")]
    pub pm_procedure_code: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    pub protection_class: Option<Option<crate::esa::ProtectionClass>>,
    #[serde(default, deserialize_with = "nullable")]
    pub applied_part: Option<Option<crate::esa::AppliedPartType>>,
    #[serde(default, deserialize_with = "nullable")]
    pub calibration_due: Option<Option<Date>>,
    /// Test equipment: the date of its last calibration.
    #[serde(default, deserialize_with = "nullable")]
    pub calibrated_on: Option<Option<Date>>,
    /// Test equipment: the calibration certificate's number or reference.
    #[serde(default, deserialize_with = "nullable")]
    pub calibration_certificate: Option<Option<String>>,
    /// Why the change was made; recorded in the audit trail.
    #[serde(default)]
    pub reason: Option<String>,
}

fn check_udi(udi: &mut Udi, e: &mut Vec<FieldError>) {
    udi.di = optional_text("udi.di", udi.di.as_deref(), 50, e);
    udi.lot = optional_text("udi.lot", udi.lot.as_deref(), 40, e);
    udi.serial = optional_text("udi.serial", udi.serial.as_deref(), 40, e);
    udi.raw = optional_text("udi.raw", udi.raw.as_deref(), 200, e);
}

fn check_currency(c: &str, e: &mut Vec<FieldError>) -> String {
    let c = c.trim().to_ascii_uppercase();
    if c.len() != 3 || !c.chars().all(|ch| ch.is_ascii_uppercase()) {
        e.push(FieldError::new("currency", "must be a three-letter ISO 4217 code, e.g. USD"));
    }
    c
}

impl NewAsset {
    /// Trims and checks every field, reporting all problems at once.
    pub fn normalized(mut self) -> Result<Self, DomainError> {
        let mut e = Vec::new();
        match AssetTag::parse(&self.asset_tag) {
            Ok(t) => self.asset_tag = t.0,
            Err(DomainError::Invalid(mut f)) => e.append(&mut f),
            Err(_) => {}
        }
        self.serial_number = optional_text("serial_number", self.serial_number.as_deref(), 64, &mut e);
        self.purchase_order = optional_text("purchase_order", self.purchase_order.as_deref(), 40, &mut e);
        self.notes = optional_text("notes", self.notes.as_deref(), 4000, &mut e);
        self.currency = check_currency(&self.currency, &mut e);
        if let Some(c) = self.acquisition_cost_minor
            && c < 0
        {
            e.push(FieldError::new("acquisition_cost_minor", "must not be negative"));
        }
        check_udi(&mut self.udi, &mut e);
        if let (Some(a), Some(s)) = (self.acquisition_date, self.in_service_date)
            && s < a
        {
            e.push(FieldError::new("in_service_date", "is before the acquisition date"));
        }
        finish(e)?;
        Ok(self)
    }
}

impl AssetPatch {
    /// Trims and checks the fields present.
    pub fn normalized(mut self) -> Result<Self, DomainError> {
        let mut e = Vec::new();
        if let Some(tag) = &self.asset_tag {
            match AssetTag::parse(tag) {
                Ok(t) => self.asset_tag = Some(t.0),
                Err(DomainError::Invalid(mut f)) => e.append(&mut f),
                Err(_) => {}
            }
        }
        if let Some(s) = &self.serial_number {
            self.serial_number = Some(optional_text("serial_number", s.as_deref(), 64, &mut e));
        }
        if let Some(s) = &self.purchase_order {
            self.purchase_order = Some(optional_text("purchase_order", s.as_deref(), 40, &mut e));
        }
        if let Some(s) = &self.notes {
            self.notes = Some(optional_text("notes", s.as_deref(), 4000, &mut e));
        }
        if let Some(Some(c)) = self.acquisition_cost_minor
            && c < 0
        {
            e.push(FieldError::new("acquisition_cost_minor", "must not be negative"));
        }
        if let Some(u) = &mut self.udi {
            check_udi(u, &mut e);
        }
        if let Some(Some(c)) = &self.pm_procedure_code {
            let c = c.trim();
            if c.is_empty() {
                self.pm_procedure_code = Some(None);
            } else {
                match crate::procedure::parse_procedure_code("pm_procedure_code", c) {
                    Ok(c) => self.pm_procedure_code = Some(Some(c)),
                    Err(DomainError::Invalid(mut f)) => e.append(&mut f),
                    Err(_) => {}
                }
            }
        }
        if let Some(c) = &self.calibration_certificate {
            self.calibration_certificate = Some(optional_text("calibration_certificate", c.as_deref(), 100, &mut e));
        }
        self.reason = optional_text("reason", self.reason.as_deref(), 1000, &mut e);
        finish(e)?;
        Ok(self)
    }

    /// Whether the patch changes the PM and test-equipment fields (stored beside [`AssetFields`]).
    pub fn touches_pm_fields(&self) -> bool {
        self.pm_procedure_code.is_some()
            || self.protection_class.is_some()
            || self.applied_part.is_some()
            || self.calibration_due.is_some()
            || self.calibrated_on.is_some()
            || self.calibration_certificate.is_some()
    }

    /// Applies the patch to a copy of the asset's stored fields.
    pub fn apply_to(&self, a: &mut AssetFields) -> Result<(), DomainError> {
        if let Some(to) = self.status {
            a.status.check_change(to)?;
            a.status = to;
        }
        macro_rules! set {
            ($($f:ident),+) => {$(if let Some(v) = &self.$f { a.$f = v.clone(); })+};
        }
        set!(asset_tag, model_id, department_id, udi);
        set!(
            serial_number,
            location_id,
            acquisition_date,
            acquisition_cost_minor,
            vendor_id,
            purchase_order,
            in_service_date,
            warranty_end,
            high_risk_override,
            life_support_override,
            notes
        );
        if let (Some(acq), Some(svc)) = (a.acquisition_date, a.in_service_date)
            && svc < acq
        {
            return Err(DomainError::field("in_service_date", "is before the acquisition date"));
        }
        Ok(())
    }
}

/// The PM and test-equipment fields of an asset (stored beside [`AssetFields`]): its PM
/// procedure override, what selects its electrical safety limits, and a calibration due date.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct AssetPmFields {
    pub pm_procedure_code: Option<String>,
    pub protection_class: Option<crate::esa::ProtectionClass>,
    pub applied_part: Option<crate::esa::AppliedPartType>,
    pub calibration_due: Option<Date>,
    /// Test equipment: the date of its last calibration (REFERENCE §1.5).
    #[serde(default)]
    pub calibrated_on: Option<Date>,
    /// Test equipment: the calibration certificate's number or reference.
    #[serde(default)]
    pub calibration_certificate: Option<String>,
}

impl AssetPmFields {
    pub fn is_empty(&self) -> bool {
        *self == AssetPmFields::default()
    }
}

/// An asset's own stored fields (references by id), as a patch sees them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AssetFields {
    pub asset_tag: String,
    pub serial_number: Option<String>,
    pub model_id: ModelId,
    pub department_id: DepartmentId,
    pub location_id: Option<LocationId>,
    pub status: AssetStatus,
    pub acquisition_date: Option<Date>,
    pub acquisition_cost_minor: Option<i64>,
    pub currency: String,
    pub vendor_id: Option<VendorId>,
    pub purchase_order: Option<String>,
    pub in_service_date: Option<Date>,
    pub warranty_end: Option<Date>,
    pub udi: Udi,
    pub high_risk_override: Option<bool>,
    pub life_support_override: Option<bool>,
    pub notes: Option<String>,
}

impl From<NewAsset> for AssetFields {
    fn from(n: NewAsset) -> Self {
        AssetFields {
            asset_tag: n.asset_tag,
            serial_number: n.serial_number,
            model_id: n.model_id,
            department_id: n.department_id,
            location_id: n.location_id,
            status: n.status,
            acquisition_date: n.acquisition_date,
            acquisition_cost_minor: n.acquisition_cost_minor,
            currency: n.currency,
            vendor_id: n.vendor_id,
            purchase_order: n.purchase_order,
            in_service_date: n.in_service_date,
            warranty_end: n.warranty_end,
            udi: n.udi,
            high_risk_override: n.high_risk_override,
            life_support_override: n.life_support_override,
            notes: n.notes,
        }
    }
}

/// The status an asset takes when a repair is opened on it: an in-service device goes out of
/// service until the repair completes. `None` means "leave it as it is".
pub fn status_when_repair_opened(current: AssetStatus) -> Option<AssetStatus> {
    (current == AssetStatus::InService).then_some(AssetStatus::OutOfService)
}

/// The status an asset takes when a PM could not find it: an in-service (or loaned) device is
/// reported missing — "unable to locate" — until someone finds it.
pub fn status_when_unable_to_locate(current: AssetStatus) -> Option<AssetStatus> {
    matches!(current, AssetStatus::InService | AssetStatus::Loaned).then_some(AssetStatus::Missing)
}

/// The status an asset takes when a repair that took it out of service ends (completed or
/// cancelled). It returns to service only when no other such repair is still open, it is
/// still out of service, and the repair did not end in failure (a device found beyond repair
/// stays out of service for someone to decide).
pub fn status_when_repair_ended(current: AssetStatus, other_open_repairs: u64, failed: bool) -> Option<AssetStatus> {
    (current == AssetStatus::OutOfService && other_open_repairs == 0 && !failed).then_some(AssetStatus::InService)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn asset_tags_allow_label_characters_only() {
        assert_eq!(AssetTag::parse(" BME-004217 ").unwrap().as_str(), "BME-004217");
        assert!(AssetTag::parse("BME 4217").is_err());
        assert!(AssetTag::parse("").is_err());
        assert!(AssetTag::parse(&"A".repeat(33)).is_err());
        assert!(AssetTag::parse("CE/2024.17_a").is_ok());
    }

    #[test]
    fn an_open_repair_takes_an_in_service_asset_out_of_service() {
        assert_eq!(status_when_repair_opened(AssetStatus::InService), Some(AssetStatus::OutOfService));
        assert_eq!(status_when_repair_opened(AssetStatus::Loaned), None);
        assert_eq!(status_when_repair_opened(AssetStatus::OutOfService), None);
    }

    #[test]
    fn the_asset_returns_to_service_only_when_its_last_repair_ends_well() {
        assert_eq!(status_when_repair_ended(AssetStatus::OutOfService, 0, false), Some(AssetStatus::InService));
        assert_eq!(status_when_repair_ended(AssetStatus::OutOfService, 1, false), None);
        assert_eq!(status_when_repair_ended(AssetStatus::OutOfService, 0, true), None);
        assert_eq!(status_when_repair_ended(AssetStatus::Retired, 0, false), None);
    }

    #[test]
    fn a_disposed_asset_cannot_come_back() {
        assert!(AssetStatus::Disposed.check_change(AssetStatus::InService).is_err());
        assert!(AssetStatus::Retired.check_change(AssetStatus::Disposed).is_ok());
    }

    #[test]
    fn patch_distinguishes_absent_from_null() {
        let p: AssetPatch = serde_json::from_str(r#"{"version":3,"notes":null}"#).unwrap();
        assert_eq!(p.notes, Some(None));
        assert_eq!(p.serial_number, None);
        let p: AssetPatch = serde_json::from_str(r#"{"version":3,"notes":"x"}"#).unwrap();
        assert_eq!(p.notes, Some(Some("x".into())));
    }

    #[test]
    fn new_asset_reports_every_bad_field() {
        let n: NewAsset = serde_json::from_value(serde_json::json!({
            "asset_tag": "bad tag", "model_id": 1, "department_id": 1, "currency": "dollars",
            "acquisition_cost_minor": -5
        }))
        .unwrap();
        let DomainError::Invalid(f) = n.normalized().unwrap_err() else { panic!() };
        let fields: Vec<_> = f.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(fields, vec!["asset_tag", "currency", "acquisition_cost_minor"]);
    }
}
