//! A whole dataset inserted at once into an empty database (the demo hospital, a migration
//! from another system). Ids are assigned by the producer (1, 2, 3, … per table) so that rows
//! can refer to each other before anything is stored; the store inserts them in bulk, moves
//! its id sequences past them and appends one `create` audit event per row.

use crate::asset::AssetFields;
use crate::catalog::{DeviceModel, Manufacturer, Vendor};
use crate::ids::AssetId;
use crate::org::{Building, Department, Location, Site};
use crate::user::User;
use crate::work_order::WorkOrder;
use jiff::Timestamp;

#[derive(Debug, Clone, PartialEq)]
pub struct SeedUser {
    pub user: User,
    /// A PHC-format password hash (argon2id).
    pub password_hash: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SeedAsset {
    pub id: AssetId,
    pub fields: AssetFields,
    /// When the asset record was created (its receipt into inventory).
    pub created_at: Timestamp,
    /// PM procedure override, protection class, applied part, calibration due date.
    pub pm: crate::asset::AssetPmFields,
}

/// Every table's rows, with ids assigned by the producer. In `DeviceModel` the `manufacturer`
/// name and in `WorkOrder` the display names (`asset_tag`, `requester_name`,
/// `assigned_to_name`, `vendor_name`) and the labour `technician` name and ids of labour/parts
/// rows are ignored: only ids are stored.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Dataset {
    pub sites: Vec<Site>,
    pub buildings: Vec<Building>,
    pub departments: Vec<Department>,
    pub locations: Vec<Location>,
    pub manufacturers: Vec<Manufacturer>,
    pub vendors: Vec<Vendor>,
    pub models: Vec<DeviceModel>,
    pub users: Vec<SeedUser>,
    pub assets: Vec<SeedAsset>,
    /// PM schedules (ids assigned by the producer); scheduled PM work orders refer to them.
    pub pm_schedules: Vec<crate::pm::PmSchedule>,
    /// PM procedures with their steps (ids assigned by the producer).
    pub procedures: Vec<crate::procedure::Procedure>,
    /// (model, procedure code): the default procedure of every asset of the model.
    pub model_procedures: Vec<(crate::ids::ModelId, String)>,
    pub work_orders: Vec<WorkOrder>,
    /// Recorded PM results (REFERENCE §1.5, §9.4): one per completed PM with a procedure.
    pub pm_results: Vec<SeedPmResult>,
    /// Technicians' certifications and manufacturer training (ids are assigned by the store).
    pub qualifications: Vec<crate::qualification::Qualification>,
}

/// The natural key of a stored electrical-safety limit row (limit set standard and version,
/// test, configuration, device kinds, condition). The store resolves it to the row's id, so a
/// dataset never hard-codes database ids of reference data.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct EsaLimitKey {
    pub standard: crate::esa::EsaStandard,
    pub set_version: i64,
    pub test: crate::esa::EsaTest,
    pub configuration: String,
    /// As stored: `I`, `I|II|internal`, …
    pub protection_classes: String,
    /// As stored: `any`, `BF`, `BF|CF`, …
    pub applied_parts: String,
    pub condition: String,
}

/// One judged step of a recorded PM.
#[derive(Debug, Clone, PartialEq)]
pub struct SeedStepResult {
    pub step_id: i64,
    pub kind: crate::procedure::StepKind,
    pub passed: bool,
    pub value: Option<f64>,
    pub limit_text: Option<String>,
    pub note: Option<String>,
}

/// One electrical-safety reading of a recorded PM; `passed` must agree with the stored limit.
#[derive(Debug, Clone, PartialEq)]
pub struct SeedEsaReading {
    pub step_id: i64,
    pub limit: EsaLimitKey,
    pub value: f64,
    pub passed: bool,
}

/// A recorded PM: the procedure version performed, judged steps, ESA readings, the test
/// equipment used with its calibration due date at the time, and the repair a failure opened.
#[derive(Debug, Clone, PartialEq)]
pub struct SeedPmResult {
    pub work_order_id: crate::ids::WorkOrderId,
    pub procedure_id: i64,
    pub linked_work_order_id: Option<crate::ids::WorkOrderId>,
    pub steps: Vec<SeedStepResult>,
    pub esa_readings: Vec<SeedEsaReading>,
    /// (instrument, its calibration due date on the day of use).
    pub test_equipment: Vec<(AssetId, jiff::civil::Date)>,
}
