//! Spreadsheet migration (issue 6 §4): all-or-nothing imports of whole files of assets,
//! models, locations, vendors, PM schedules and work-order history, and the page-wise reads the
//! exports need. Every import runs in ONE transaction: a failure (or a killed process) leaves
//! nothing behind. Each stored record gets its own audit event, as single inserts do; imported
//! work-order history is recorded with the action `import` (never as a signed or live change).

use crate::{ChangeContext, StoreError, StoreResult};
use async_trait::async_trait;
use htm_domain::asset::{AssetPmFields, NewAsset};
use htm_domain::catalog::{NewDeviceModel, NewVendor};
use htm_domain::ids::{AssetId, UserId, VendorId};
use htm_domain::org::NewLocation;
use htm_domain::pm::{NewPmSchedule, PmSchedule};
use htm_domain::work_order::{Priority, WorkOrderStatus, WorkOrderType, WorkResult};
use jiff::Timestamp;

/// A device model to import; its manufacturer is named (and created, audited, when new).
#[derive(Debug, Clone, PartialEq)]
pub struct ImportedModel {
    pub manufacturer: String,
    /// `manufacturer_id` is ignored: the store resolves `manufacturer`.
    pub model: NewDeviceModel,
}

/// A completed or closed work order from a legacy system's history.
#[derive(Debug, Clone, PartialEq)]
pub struct ImportedWorkOrder {
    /// A number in our form (`WO-YYYY-NNNNNN`) to keep; `None`: the next number of the year it
    /// was opened.
    pub number: Option<String>,
    pub wo_type: WorkOrderType,
    pub priority: Priority,
    /// `Completed` or `Closed`.
    pub status: WorkOrderStatus,
    pub asset_id: AssetId,
    pub problem: String,
    pub cause_code: Option<String>,
    pub work_performed: Option<String>,
    pub result: Option<WorkResult>,
    pub vendor_id: Option<VendorId>,
    pub opened_at: Timestamp,
    pub completed_at: Timestamp,
    pub closed_at: Option<Timestamp>,
    pub downtime_start: Option<Timestamp>,
    pub downtime_end: Option<Timestamp>,
    /// The technician the labour is booked to (and the work order was assigned to).
    pub technician_id: Option<UserId>,
    pub labour_minutes: Option<i32>,
}

/// One row of the work-order history export.
#[derive(Debug, Clone, PartialEq)]
pub struct WorkOrderHistoryRow {
    pub id: i64,
    pub number: String,
    pub asset_tag: Option<String>,
    pub wo_type: WorkOrderType,
    pub priority: Priority,
    pub status: WorkOrderStatus,
    pub problem: String,
    pub cause_code: Option<String>,
    pub work_performed: Option<String>,
    pub result: Option<WorkResult>,
    pub vendor: Option<String>,
    pub opened_at: Timestamp,
    pub completed_at: Option<Timestamp>,
    pub closed_at: Option<Timestamp>,
    pub downtime_start: Option<Timestamp>,
    pub downtime_end: Option<Timestamp>,
    /// The user name of the technician with the most labour (else the assignee).
    pub technician: Option<String>,
    pub labour_minutes: i64,
}

/// The rows of one import, all of one kind.
#[derive(Debug, Clone, Copy)]
pub enum SheetRows<'a> {
    /// Assets with their PM fields (same length, or `pm` empty).
    Assets(&'a [NewAsset], &'a [AssetPmFields]),
    Models(&'a [ImportedModel]),
    Locations(&'a [NewLocation]),
    Vendors(&'a [NewVendor]),
    PmSchedules(&'a [NewPmSchedule]),
    WorkOrders(&'a [ImportedWorkOrder]),
}

impl SheetRows<'_> {
    pub fn len(&self) -> usize {
        match self {
            SheetRows::Assets(a, _) => a.len(),
            SheetRows::Models(m) => m.len(),
            SheetRows::Locations(l) => l.len(),
            SheetRows::Vendors(v) => v.len(),
            SheetRows::PmSchedules(s) => s.len(),
            SheetRows::WorkOrders(w) => w.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Called with the number of rows stored so far.
pub type Progress<'a> = &'a (dyn Fn(usize) + Send + Sync);

#[async_trait]
pub trait SpreadsheetStore: Send + Sync {
    /// Stores every row in one transaction, each with its audit event (`create`; `import` for
    /// work-order history), or nothing: the error carries the index of the row that failed.
    /// Assets go in multi-row batches (the bulk path for 100,000-row files).
    async fn import_sheet(
        &self,
        ctx: &ChangeContext,
        rows: SheetRows<'_>,
        progress: Progress<'_>,
    ) -> Result<usize, (usize, StoreError)>;
    /// The ids of the assets with these tags (compared case-insensitively), as (lower-cased
    /// tag, id); tags not in the inventory are left out.
    async fn asset_ids_by_tag(&self, tags: &[String]) -> StoreResult<Vec<(String, AssetId)>>;
    /// Which of these work-order numbers already exist (upper-cased).
    async fn existing_work_order_numbers(&self, numbers: &[String]) -> StoreResult<Vec<String>>;
    /// Every PM schedule in id order with its asset's tag, a keyset page after `after`.
    async fn list_pm_schedules_page(&self, after: Option<i64>, limit: u32) -> StoreResult<Vec<(PmSchedule, String)>>;
    /// Completed and closed work orders in id order, a keyset page after `after`.
    async fn list_work_order_history(&self, after: Option<i64>, limit: u32) -> StoreResult<Vec<WorkOrderHistoryRow>>;
    /// Active users' ids by lower-cased user name (to resolve technicians in history files).
    async fn user_ids_by_name(&self) -> StoreResult<Vec<(String, UserId)>>;
}
