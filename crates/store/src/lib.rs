//! The storage layer: the only place with SQL. One [`Store`] trait, implemented for SQLite (the
//! embedded default) and PostgreSQL, chosen by the database URL.
//!
//! Invariants:
//! - Every method that changes data runs in one transaction and appends its audit event(s) to
//!   the hash chain in that same transaction, so the record and the data never disagree.
//! - Lists are keyset-paginated and never load a whole table.
//! - Both back ends share one SQL text (`common.rs`, compiled once per back end) and two
//!   migration folders with the same versions; they diverge only where a dialect must.

use async_trait::async_trait;
use htm_domain::DomainError;
use htm_domain::asset::{Asset, AssetPatch, AssetStatus, NewAsset};
use htm_domain::audit::{AuditEvent, ChainBreak};
use htm_domain::catalog::{DeviceModel, Manufacturer, ModelPatch, NewDeviceModel, NewManufacturer, NewVendor, Vendor};
use htm_domain::ids::*;
use htm_domain::org::*;
use htm_domain::page::{Page, PageRequest};
use htm_domain::seed::Dataset;
use htm_domain::user::{Role, User, UserPatch};
use htm_domain::work_order::{
    NewLabourEntry, NewPartUsed, NewWorkOrder, TransitionRequest, WorkOrder, WorkOrderPatch, WorkOrderStatus,
    WorkOrderType,
};
use jiff::Timestamp;
use std::sync::Arc;

mod api_token;
mod backup;
mod bulk;
mod calendar;
mod contract;
mod directory;
mod document;
mod fhir;
mod incident;
mod login_guard;
mod network;
mod notify;
mod postgres;
mod qualifications;
mod recall;
mod repair_analytics;
mod risk;
mod risk_methods;
mod signatures;
mod spreadsheet;
mod sqlite;
mod strategy;
mod survey;
mod test_equipment;
mod udi;
mod url;
mod usage;
mod vulnerability;

pub use api_token::{ApiToken, ApiTokenStore, NewApiToken};
pub use backup::{
    ARCHIVE_BATCH, ArchiveItem, ArchiveValue, BackupStore, ColumnKind, ColumnSpec, RESTORE_ACTION, RESTORE_ENTITY,
    RestoreCounts, TableSpec,
};
pub use bulk::{BulkReport, BulkStore, BulkTable, BulkValue};
pub use calendar::*;
pub use contract::*;
pub use directory::{AuthSource, DIRECTORY_PASSWORD_HASH, DirectoryUserRecord, DirectoryUserStore};
pub use document::{DocumentContent, DocumentStore};
pub use fhir::{FhirStore, IdentifierMatch};
pub use incident::*;
pub use login_guard::{LoginGuardStore, LoginLock};
pub use network::NetworkStore;
pub use notify::*;
pub use qualifications::*;
pub use recall::*;
pub use repair_analytics::*;
pub use risk::*;
pub use risk_methods::*;
pub use signatures::SignatureStore;
pub use spreadsheet::*;
pub use strategy::*;
pub use survey::*;
pub use test_equipment::*;
pub use udi::UdiStore;
pub use url::DatabaseUrl;
pub use usage::*;
pub use vulnerability::*;

/// What went wrong in the store, in terms the service can map to its own errors.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{0} not found")]
    NotFound(String),
    /// A stale version: someone else changed the record since it was read.
    #[error("{0}")]
    Stale(String),
    /// A uniqueness rule was broken (e.g. an asset tag already in use).
    #[error("{message}")]
    Conflict { field: String, message: String },
    /// The domain refused the change.
    #[error(transparent)]
    Domain(#[from] DomainError),
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("migration error: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
}

pub type StoreResult<T> = Result<T, StoreError>;

/// Who is making a change, when, and why: what every audit event records.
#[derive(Debug, Clone, PartialEq)]
pub struct ChangeContext {
    pub actor_id: Option<UserId>,
    /// The actor's user name (or `system`).
    pub actor: String,
    pub at: Timestamp,
    pub reason: Option<String>,
}

impl ChangeContext {
    pub fn system(at: Timestamp, reason: impl Into<String>) -> Self {
        ChangeContext { actor_id: None, actor: "system".into(), at, reason: Some(reason.into()) }
    }

    pub fn with_reason(&self, reason: Option<String>) -> Self {
        ChangeContext { reason: reason.or_else(|| self.reason.clone()), ..self.clone() }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Filters for the asset list. `q` matches asset tag, serial number, model number and name,
/// manufacturer and location name (case-insensitive substring).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AssetFilter {
    pub q: Option<String>,
    pub status: Option<AssetStatus>,
    pub department_id: Option<DepartmentId>,
    pub model_id: Option<ModelId>,
    pub location_id: Option<LocationId>,
}

/// Filters for the work-order list (newest first). `vendor_id` and `requester_id` are also
/// how the service scopes what vendor and requester users can see.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct WorkOrderFilter {
    pub status: Option<WorkOrderStatus>,
    pub open_only: bool,
    pub wo_type: Option<WorkOrderType>,
    pub asset_id: Option<AssetId>,
    pub assigned_to: Option<UserId>,
    pub requester_id: Option<UserId>,
    pub vendor_id: Option<VendorId>,
    /// Matches the work-order number or the reported problem.
    pub q: Option<String>,
}

/// A new user with the password already hashed.
#[derive(Debug, Clone, PartialEq)]
pub struct NewUserRecord {
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub email: Option<String>,
    pub vendor_id: Option<VendorId>,
    pub password_hash: String,
}

/// Open work at a glance: counts by status and by age since opening.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct WorkOrderStats {
    /// (status, count) for every open status.
    pub by_status: Vec<(WorkOrderStatus, i64)>,
    /// Open work orders opened ≤ 2 days ago, 3–7, 8–30 and > 30 days ago.
    pub by_age: [i64; 4],
    pub assets_out_of_service: i64,
}

/// What a PM generation run did.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct PmGeneration {
    /// Active schedules of in-service assets looked at.
    pub schedules: u64,
    /// Work orders opened.
    pub created: u64,
    /// Schedules due this month that already had their work order.
    pub already_open: u64,
}

/// One group of scheduled PMs in the completion report.
#[derive(Debug, Clone, PartialEq)]
pub struct PmComplianceRow {
    pub department_id: DepartmentId,
    pub department: String,
    pub cost_center: String,
    pub high_risk: bool,
    pub life_support: bool,
    pub standing: htm_domain::pm::PmStanding,
    pub count: i64,
}

/// A labour entry whose technician has been resolved.
#[derive(Debug, Clone, PartialEq)]
pub struct LabourToAdd {
    pub technician_id: UserId,
    pub entry: NewLabourEntry,
}

#[async_trait]
pub trait Store:
    Send
    + Sync
    + 'static
    + RiskStore
    + BackupStore
    + LoginGuardStore
    + DirectoryUserStore
    + ApiTokenStore
    + FhirStore
    + NetworkStore
    + RiskMethodStore
    + SurveyStore
    + IncidentStore
    + DocumentStore
    + SignatureStore
    + StrategyStore
    + UsageStore
    + BulkStore
    + TestEquipmentStore
    + QualificationStore
    + RecallStore
    + VulnerabilityStore
    + RepairAnalyticsStore
    + CalendarStore
    + ContractStore
    + NotificationStore
    + SpreadsheetStore
    + UdiStore
{
    fn backend(&self) -> Backend;
    /// Applies pending migrations.
    async fn migrate(&self) -> StoreResult<()>;
    /// True when the database holds no sites, assets or work orders (a fresh install).
    async fn is_empty(&self) -> StoreResult<bool>;
    /// Inserts a whole dataset into an empty database (see [`htm_domain::seed`]).
    async fn seed(&self, ctx: &ChangeContext, data: &Dataset) -> StoreResult<()>;
    /// Refreshes the query planner's statistics after a bulk load (seed, restore, import), so that
    /// the first queries afterwards get good plans. PostgreSQL: `ANALYZE` (autovacuum would do it
    /// only a minute or more later; until then reports ran 25× slower). SQLite: nothing (its
    /// planner works without statistics and the queries are tuned for that).
    async fn refresh_statistics(&self) -> StoreResult<()>;

    // Organisation.
    async fn list_sites(&self) -> StoreResult<Vec<Site>>;
    async fn get_site(&self, id: SiteId) -> StoreResult<Site>;
    async fn insert_site(&self, ctx: &ChangeContext, new: &NewSite) -> StoreResult<Site>;
    async fn update_site(&self, ctx: &ChangeContext, id: SiteId, patch: &OrgPatch) -> StoreResult<Site>;
    async fn list_buildings(&self, site: Option<SiteId>) -> StoreResult<Vec<Building>>;
    async fn insert_building(&self, ctx: &ChangeContext, new: &NewBuilding) -> StoreResult<Building>;
    async fn list_departments(&self, building: Option<BuildingId>) -> StoreResult<Vec<Department>>;
    async fn get_department(&self, id: DepartmentId) -> StoreResult<Department>;
    async fn insert_department(&self, ctx: &ChangeContext, new: &NewDepartment) -> StoreResult<Department>;
    async fn update_department(
        &self,
        ctx: &ChangeContext,
        id: DepartmentId,
        patch: &OrgPatch,
    ) -> StoreResult<Department>;
    async fn list_locations(&self, department: Option<DepartmentId>, page: PageRequest) -> StoreResult<Page<Location>>;
    async fn get_location(&self, id: LocationId) -> StoreResult<Location>;
    async fn insert_location(&self, ctx: &ChangeContext, new: &NewLocation) -> StoreResult<Location>;
    async fn update_location(&self, ctx: &ChangeContext, id: LocationId, patch: &OrgPatch) -> StoreResult<Location>;

    // Catalogue.
    async fn list_manufacturers(&self, page: PageRequest) -> StoreResult<Page<Manufacturer>>;
    async fn get_manufacturer(&self, id: ManufacturerId) -> StoreResult<Manufacturer>;
    async fn insert_manufacturer(&self, ctx: &ChangeContext, new: &NewManufacturer) -> StoreResult<Manufacturer>;
    async fn update_manufacturer(
        &self,
        ctx: &ChangeContext,
        id: ManufacturerId,
        patch: &OrgPatch,
    ) -> StoreResult<Manufacturer>;
    async fn list_vendors(&self, page: PageRequest) -> StoreResult<Page<Vendor>>;
    async fn insert_vendor(&self, ctx: &ChangeContext, new: &NewVendor) -> StoreResult<Vendor>;
    async fn list_models(&self, q: Option<&str>, page: PageRequest) -> StoreResult<Page<DeviceModel>>;
    async fn get_model(&self, id: ModelId) -> StoreResult<DeviceModel>;
    async fn insert_model(&self, ctx: &ChangeContext, new: &NewDeviceModel) -> StoreResult<DeviceModel>;
    async fn update_model(&self, ctx: &ChangeContext, id: ModelId, patch: &ModelPatch) -> StoreResult<DeviceModel>;
    /// (code, label) of every cause code.
    async fn list_cause_codes(&self) -> StoreResult<Vec<(String, String)>>;

    // People and sessions.
    async fn list_users(&self, page: PageRequest) -> StoreResult<Page<User>>;
    async fn get_user(&self, id: UserId) -> StoreResult<User>;
    /// The user and their password hash, for login.
    async fn get_user_credentials(&self, username: &str) -> StoreResult<Option<(User, String)>>;
    async fn insert_user(&self, ctx: &ChangeContext, new: &NewUserRecord) -> StoreResult<User>;
    /// `password_hash` replaces the password when given.
    async fn update_user(
        &self,
        ctx: &ChangeContext,
        id: UserId,
        patch: &UserPatch,
        password_hash: Option<String>,
    ) -> StoreResult<User>;
    async fn insert_session(
        &self,
        user: UserId,
        token_hash: &str,
        kind: &str,
        now: Timestamp,
        expires: Timestamp,
    ) -> StoreResult<()>;
    /// The active user owning an unexpired, unrevoked session.
    async fn get_session_user(&self, token_hash: &str, now: Timestamp) -> StoreResult<Option<User>>;
    async fn revoke_session(&self, token_hash: &str, now: Timestamp) -> StoreResult<()>;

    // Assets.
    async fn get_asset(&self, id: AssetId) -> StoreResult<Asset>;
    async fn get_asset_by_tag(&self, tag: &str) -> StoreResult<Asset>;
    async fn list_assets(&self, filter: &AssetFilter, page: PageRequest) -> StoreResult<Page<Asset>>;
    async fn insert_asset(&self, ctx: &ChangeContext, new: &NewAsset) -> StoreResult<Asset>;
    async fn update_asset(&self, ctx: &ChangeContext, id: AssetId, patch: &AssetPatch) -> StoreResult<Asset>;
    /// Inserts every asset or none: on the first failure nothing is written and the error names
    /// the 0-based index of the failing asset.
    async fn import_assets(&self, ctx: &ChangeContext, assets: &[NewAsset]) -> Result<usize, (usize, StoreError)>;
    /// [`Store::import_assets`] with each asset's PM and test-equipment fields (`pm[i]` for
    /// `assets[i]`; missing entries are empty).
    async fn import_assets_with_pm(
        &self,
        ctx: &ChangeContext,
        assets: &[NewAsset],
        pm: &[htm_domain::asset::AssetPmFields],
    ) -> Result<usize, (usize, StoreError)>;

    // Work orders.
    async fn get_work_order(&self, id: WorkOrderId) -> StoreResult<WorkOrder>;
    async fn list_work_orders(&self, filter: &WorkOrderFilter, page: PageRequest) -> StoreResult<Page<WorkOrder>>;
    /// Opens a work order; an open repair on an in-service asset takes it out of service.
    async fn insert_work_order(
        &self,
        ctx: &ChangeContext,
        new: &NewWorkOrder,
        requester: Option<UserId>,
    ) -> StoreResult<WorkOrder>;
    async fn update_work_order(
        &self,
        ctx: &ChangeContext,
        id: WorkOrderId,
        patch: &WorkOrderPatch,
        labour: &[LabourToAdd],
        parts: &[NewPartUsed],
    ) -> StoreResult<WorkOrder>;
    /// Moves a work order through its workflow and applies the effect on its asset.
    async fn transition_work_order(
        &self,
        ctx: &ChangeContext,
        id: WorkOrderId,
        req: &TransitionRequest,
    ) -> StoreResult<WorkOrder>;
    async fn work_order_stats(&self, now: Timestamp) -> StoreResult<WorkOrderStats>;

    // Planned maintenance.
    async fn insert_pm_schedule(
        &self,
        ctx: &ChangeContext,
        new: &htm_domain::pm::NewPmSchedule,
    ) -> StoreResult<htm_domain::pm::PmSchedule>;
    async fn list_pm_schedules(&self, asset: AssetId) -> StoreResult<Vec<htm_domain::pm::PmSchedule>>;
    /// Opens the PM work orders due in `month` for every active schedule of an in-service
    /// asset that has none yet for that month (idempotent).
    async fn generate_pm(&self, ctx: &ChangeContext, month: htm_domain::pm::Month) -> StoreResult<PmGeneration>;
    /// Counts of the scheduled PMs due between `first` and `last`, by department, risk flags and standing.
    async fn pm_compliance_rows(
        &self,
        first: jiff::civil::Date,
        last: jiff::civil::Date,
    ) -> StoreResult<Vec<PmComplianceRow>>;

    // PM procedures and recorded PMs.
    /// Stores a procedure; an existing code gets its next version (versions are immutable).
    async fn insert_procedure(
        &self,
        ctx: &ChangeContext,
        new: &htm_domain::procedure::NewProcedure,
    ) -> StoreResult<htm_domain::procedure::Procedure>;
    /// The latest version of every procedure (`code` = None), or every version of one code, newest first.
    async fn list_procedures(&self, code: Option<&str>) -> StoreResult<Vec<htm_domain::procedure::Procedure>>;
    async fn get_procedure(&self, id: i64) -> StoreResult<htm_domain::procedure::Procedure>;
    /// Sets (or clears) the default PM procedure code of a model.
    async fn set_model_procedure(
        &self,
        ctx: &ChangeContext,
        id: ModelId,
        code: Option<&str>,
    ) -> StoreResult<Option<String>>;
    async fn get_model_procedure(&self, id: ModelId) -> StoreResult<Option<String>>;
    /// Records a PM's results (and with `complete`, signs it off, opening a linked repair when
    /// anything failed), all in one transaction.
    async fn record_pm(
        &self,
        ctx: &ChangeContext,
        id: WorkOrderId,
        req: &htm_domain::procedure::PmRecordRequest,
    ) -> StoreResult<htm_domain::procedure::PmRecord>;
    async fn get_pm_record(&self, id: WorkOrderId) -> StoreResult<htm_domain::procedure::PmRecord>;

    // Reference data.
    /// The current (highest) version of a standard's electrical-safety limit set.
    async fn list_esa_limits(
        &self,
        standard: htm_domain::esa::EsaStandard,
    ) -> StoreResult<Vec<htm_domain::esa::EsaLimit>>;

    // The record.
    async fn list_audit_for(&self, entity_type: &str, entity_id: &str, limit: u32) -> StoreResult<Vec<AuditEvent>>;
    /// Walks the whole chain in order (streaming) and checks every link and the head.
    async fn verify_audit_chain(&self) -> StoreResult<Result<u64, ChainBreak>>;
}

/// Connects to the database a URL names (`sqlite://…` or `postgres://…`), creating a SQLite
/// file if it does not exist. Does not migrate.
pub async fn connect(url: &DatabaseUrl) -> StoreResult<Arc<dyn Store>> {
    match url.backend() {
        Backend::Sqlite => Ok(Arc::new(sqlite::SqliteStore::connect(url.as_str()).await?)),
        Backend::Postgres => Ok(Arc::new(postgres::PgStore::connect(url.as_str()).await?)),
    }
}

/// Connects and applies pending migrations.
pub async fn open(url: &DatabaseUrl) -> StoreResult<Arc<dyn Store>> {
    let store = connect(url).await?;
    store.migrate().await?;
    Ok(store)
}

/// Connects to PostgreSQL with every connection's `search_path` set to `schema` (tests use one
/// schema per test).
pub async fn connect_postgres_schema(url: &str, schema: &str) -> StoreResult<Arc<dyn Store>> {
    Ok(Arc::new(postgres::PgStore::connect_with_schema(url, schema).await?))
}
