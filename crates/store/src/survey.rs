//! Reads for the survey-readiness evidence pack (REFERENCE §2.3 EC.02.04.01/.03, §2.5): inventory
//! counts and gaps, the high-risk and life-support lists, high-risk PM exceptions with their
//! follow-up, overdue PMs and unable-to-locate assets. Read-only; every list is a keyset page
//! or a streamed query, so no whole table is loaded at once.

use crate::StoreResult;
use async_trait::async_trait;
use htm_domain::asset::AssetStatus;
use htm_domain::ids::{AssetId, ModelId, SiteId, WorkOrderId};
use htm_domain::pm::{PmStanding, ScheduleBasis};
use htm_domain::work_order::WorkOrderStatus;
use jiff::Timestamp;
use jiff::civil::Date;

/// Inventory counts of one site (or every site).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SurveyInventoryCounts {
    /// (status, number of assets) for every status that has assets.
    pub by_status: Vec<(AssetStatus, i64)>,
    /// Active assets (neither retired nor disposed) that are high-risk (life support included).
    pub high_risk: i64,
    pub life_support: i64,
    /// Active assets without a location (room or area).
    pub no_location: i64,
    /// Active assets with no active PM schedule.
    pub no_pm_schedule: i64,
    /// Active assets with no risk assessment of their own nor of their model.
    pub no_risk_assessment: i64,
}

/// A gap in the inventory that a surveyor asks about (active assets only).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SurveyGap {
    NoLocation,
    NoPmSchedule,
    NoRiskAssessment,
}

/// Which assets a survey list holds (active assets only).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SurveyAssetSet {
    /// Every active asset.
    All,
    /// High-risk, life support included.
    HighRisk,
    LifeSupport,
    Gap(SurveyGap),
}

/// The timing of an asset's first active PM schedule.
#[derive(Debug, Clone, PartialEq)]
pub struct SurveySchedule {
    pub interval_months: i32,
    pub basis: ScheduleBasis,
    pub anchor: Date,
}

/// One asset of a survey list, with its PM dates.
#[derive(Debug, Clone, PartialEq)]
pub struct SurveyAssetRow {
    pub id: AssetId,
    pub asset_tag: String,
    pub status: AssetStatus,
    pub manufacturer: String,
    pub model_number: String,
    pub model_name: String,
    pub department: String,
    pub location: Option<String>,
    pub high_risk: bool,
    pub life_support: bool,
    /// The last PM completed with outcome done (UTC date).
    pub last_pm: Option<Date>,
    /// The earliest due date of an open PM work order.
    pub open_pm_due: Option<Date>,
    /// The latest due date of any PM work order that is not cancelled.
    pub latest_pm_due: Option<Date>,
    pub schedule: Option<SurveySchedule>,
}

/// The follow-up of a PM exception: the first work order on the same asset opened after it.
#[derive(Debug, Clone, PartialEq)]
pub struct SurveyFollowUp {
    pub id: WorkOrderId,
    pub number: String,
    pub wo_type: String,
    pub status: WorkOrderStatus,
    pub opened_at: Timestamp,
}

/// A high-risk PM due in the period that was not completed on time.
#[derive(Debug, Clone, PartialEq)]
pub struct SurveyPmException {
    pub id: WorkOrderId,
    pub number: String,
    pub asset_id: AssetId,
    pub asset_tag: String,
    pub model: String,
    pub department: String,
    pub life_support: bool,
    pub due_date: Date,
    pub window_end: Option<Date>,
    pub status: WorkOrderStatus,
    pub completed_on: Option<Date>,
    /// How it counts in the completion report (never `CompletedOnTime`).
    pub standing: PmStanding,
    pub follow_up: Option<SurveyFollowUp>,
}

/// An open PM work order past the end of its compliance window.
#[derive(Debug, Clone, PartialEq)]
pub struct SurveyOverduePm {
    pub id: WorkOrderId,
    pub number: String,
    pub asset_tag: String,
    pub model: String,
    pub department: String,
    pub high_risk: bool,
    pub life_support: bool,
    pub due_date: Option<Date>,
    pub window_end: Option<Date>,
    pub status: WorkOrderStatus,
}

/// An asset reported missing, with its unable-to-locate PMs.
#[derive(Debug, Clone, PartialEq)]
pub struct SurveyMissingAsset {
    pub id: AssetId,
    pub asset_tag: String,
    pub model: String,
    pub department: String,
    pub high_risk: bool,
    /// Unable-to-locate PMs of the asset completed on or after `since`.
    pub utl_pms: i64,
    /// The newest unable-to-locate PM: number and date.
    pub last_utl_number: Option<String>,
    pub last_utl_on: Option<Date>,
    /// Work orders of the asset still open.
    pub open_work_orders: i64,
}

#[async_trait]
pub trait SurveyStore: Send + Sync {
    async fn survey_inventory_counts(&self, site: Option<SiteId>) -> StoreResult<SurveyInventoryCounts>;
    /// The number of active assets of each device model.
    async fn survey_active_assets_by_model(&self, site: Option<SiteId>) -> StoreResult<Vec<(ModelId, i64)>>;
    /// A keyset page of assets of a set, in asset-tag order (case-insensitive), after the tag
    /// `after`.
    async fn survey_assets(
        &self,
        site: Option<SiteId>,
        set: SurveyAssetSet,
        after: Option<&str>,
        limit: u32,
    ) -> StoreResult<Vec<SurveyAssetRow>>;
    /// Every high-risk PM (life support included) due from `first` to `last` that did not count
    /// as completed on time, classified with the domain's standing rule, with its follow-up.
    /// Streams the period's high-risk PMs and keeps only the exceptions.
    async fn survey_pm_exceptions(
        &self,
        site: Option<SiteId>,
        first: Date,
        last: Date,
    ) -> StoreResult<Vec<SurveyPmException>>;
    /// A keyset page (by work-order id) of open PM work orders whose compliance window (or due
    /// date, without a window) ended before `as_of`.
    async fn survey_overdue_pms(
        &self,
        site: Option<SiteId>,
        as_of: Date,
        after: Option<WorkOrderId>,
        limit: u32,
    ) -> StoreResult<Vec<SurveyOverduePm>>;
    /// A keyset page (by asset id) of assets with status `missing`; `utl_pms` counts their
    /// unable-to-locate PMs completed on or after `since`.
    async fn survey_missing_assets(
        &self,
        site: Option<SiteId>,
        since: Date,
        after: Option<AssetId>,
        limit: u32,
    ) -> StoreResult<Vec<SurveyMissingAsset>>;
}
