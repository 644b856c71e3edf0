//! Risk scoring (REFERENCE §2.1): Fennigkoh & Smith factors per device model, overridden per
//! asset, each designation recorded with who decided, when and why; the EM number of an asset
//! with its incident history recomputed from its actual repairs (true failures in the last 18
//! months of service).

use crate::{Action, Principal, ServiceError, ServiceResult, Services};
use htm_domain::ids::{AssetId, ModelId};
use htm_domain::risk::{self as risk_rules, FennigkohSmith, INCLUSION_THRESHOLD, PmBands};
use htm_store::{RiskAssessment, RiskTarget};
use serde::Serialize;

/// An asset's equipment-management number and what it means.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AssetRisk {
    /// The assessment that applies (the asset's own, else its model's).
    pub assessment: RiskAssessment,
    /// `asset` or `model`.
    pub source: &'static str,
    pub failures_last_18_months: u32,
    pub months_observed: f64,
    pub incident_history: i8,
    pub em_number: i8,
    pub inclusion_threshold: i8,
    /// EM ≥ 12: in the scheduled-maintenance program.
    pub in_program: bool,
    /// By the default bands (≥ 18 quarterly, 15–17 semiannual, 12–14 annual).
    pub pm_interval_months: Option<u8>,
    /// Function 10 (life support): high-risk whatever the score.
    pub must_be_high_risk: bool,
}

impl Services {
    /// Records the Fennigkoh & Smith factors of a model (or, with `asset`, an asset's override);
    /// a reason is required.
    pub async fn assess_risk(
        &self,
        p: &Principal,
        target: RiskTarget,
        factors: (i8, i8, i8),
        reason: &str,
    ) -> ServiceResult<RiskAssessment> {
        p.require(Action::ManageInventory)?;
        let f = FennigkohSmith::new(factors.0, factors.1, factors.2)?;
        let reason = reason.trim();
        if reason.is_empty() {
            return Err(ServiceError::invalid("reason", "say why: every risk designation records its reason"));
        }
        if let RiskTarget::Asset(a) = target {
            self.get_asset(p, a).await?;
        }
        Ok(self.store.insert_risk_assessment(&self.ctx(p, Some(reason.to_string())), target, f, reason).await?)
    }

    pub async fn assess_model_risk(
        &self,
        p: &Principal,
        model: ModelId,
        factors: (i8, i8, i8),
        reason: &str,
    ) -> ServiceResult<RiskAssessment> {
        self.assess_risk(p, RiskTarget::Model(model), factors, reason).await
    }

    /// The asset's EM number now (None: neither it nor its model has been assessed).
    pub async fn asset_risk(&self, p: &Principal, asset: AssetId) -> ServiceResult<Option<AssetRisk>> {
        let a = self.get_asset(p, asset).await?;
        let Some(assessment) = self.store.current_risk_assessment(asset).await? else { return Ok(None) };
        let (failures, months_observed, incident_history) = self.incident_inputs(&a).await?;
        let em = assessment.factors.em_number(incident_history);
        Ok(Some(AssetRisk {
            source: if matches!(assessment.target, RiskTarget::Asset(_)) { "asset" } else { "model" },
            must_be_high_risk: assessment.factors.must_be_high_risk(),
            assessment,
            failures_last_18_months: failures,
            months_observed: (months_observed * 10.0).round() / 10.0,
            incident_history,
            em_number: em,
            inclusion_threshold: INCLUSION_THRESHOLD,
            in_program: em >= INCLUSION_THRESHOLD,
            pm_interval_months: PmBands::default().interval_months(em),
        }))
    }

    /// The asset's true failures in the last 18 months, the months of service observed (at most
    /// 18) and the Fennigkoh & Smith incident-history component they give.
    pub(crate) async fn incident_inputs(&self, a: &htm_domain::asset::Asset) -> ServiceResult<(u32, f64, i8)> {
        let now = self.now();
        let today = now.to_zoned(jiff::tz::TimeZone::UTC).date();
        // Months in service (from the in-service date, else the acquisition date; unknown: the
        // full window), at most the 18 months the component looks at.
        let months_observed = match a.in_service_date.or(a.acquisition_date) {
            Some(start) => {
                let days = start.until(today).map(|s| s.get_days()).unwrap_or(0);
                (f64::from(days.max(0)) / 30.4375).min(risk_rules::HISTORY_MONTHS)
            }
            None => risk_rules::HISTORY_MONTHS,
        };
        let window_start = now
            .checked_sub(jiff::SignedDuration::from_hours((risk_rules::HISTORY_MONTHS * 30.4375 * 24.0) as i64))
            .unwrap_or(now);
        let failures = self.store.true_failures_since(a.id, window_start).await?;
        Ok((failures, months_observed, risk_rules::incident_history(failures, months_observed)))
    }

    /// Every risk designation of the asset and its model, newest first.
    pub async fn risk_history(&self, p: &Principal, asset: AssetId) -> ServiceResult<Vec<RiskAssessment>> {
        self.get_asset(p, asset).await?;
        Ok(self.store.risk_history(asset).await?)
    }
}
