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
}
