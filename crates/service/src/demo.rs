//! Seeding the demo hospital into an empty database.

use crate::auth::hash_password_async;
use crate::{ServiceError, ServiceResult, Services};
use htm_store::ChangeContext;

/// The password of every demo user (not of `admin`, whose password the operator chooses).
pub const DEMO_PASSWORD: &str = "Biomed-Demo-2026";

/// What the seed created.
#[derive(Debug, Clone, PartialEq)]
pub struct DemoSummary {
    pub sites: usize,
    pub departments: usize,
    pub models: usize,
    pub assets: usize,
    pub work_orders: usize,
    /// (user name, role) of every demo account.
    pub users: Vec<(String, String)>,
}

impl Services {
    /// Seeds the demo hospital (history ending `today`) into an empty database.
    pub async fn seed_demo(&self, today: jiff::civil::Date) -> ServiceResult<DemoSummary> {
        if !self.store.is_empty().await? {
            return Err(ServiceError::Conflict {
                field: "database".into(),
                message: "the database already holds an inventory; the demo seeds only an empty database".into(),
            });
        }
        let hash = hash_password_async(DEMO_PASSWORD.to_string()).await?;
        let data = tokio::task::spawn_blocking(move || htm_demo::generate(today, &hash))
            .await
            .map_err(|e| ServiceError::Internal(e.to_string()))?;
        let ctx = ChangeContext::system(self.now(), "demo hospital seeded");
        self.store.seed(&ctx, &data).await?;
        self.seed_demo_program(&data.models).await?;
        self.seed_demo_strategies(&data.models).await?;
        self.seed_demo_incidents(&data).await?;
        self.seed_demo_network(&data, today).await?;
        self.seed_demo_vulnerabilities().await?;
        self.seed_demo_recalls(&data, today).await?;
        self.seed_demo_contracts(&data, today).await?;
        Ok(DemoSummary {
            sites: data.sites.len(),
            departments: data.departments.len(),
            models: data.models.len(),
            assets: data.assets.len(),
            work_orders: data.work_orders.len(),
            users: data.users.iter().map(|u| (u.user.username.clone(), u.user.role.as_str().to_string())).collect(),
        })
    }

    /// Real CISA KEV entries imported and matched against the demo's networked devices by the
    /// clinical engineer, so the vulnerability pages show true findings (e.g. Windows 7 central
    /// stations and CVE-2021-34527).
    async fn seed_demo_vulnerabilities(&self) -> ServiceResult<()> {
        let Some(engineer) = self.demo_principal("dchen").await? else { return Ok(()) };
        self.import_kev(&engineer, htm_demo::KEV_SUBSET_JSON).await?;
        self.match_vulnerabilities(&engineer).await?;
        Ok(())
    }

    /// Service contracts recorded by the clinical engineer: a full-service contract for the CT
    /// scanners with their manufacturer's service organisation (and its expired previous term),
    /// and a PM-only contract for the large-volume infusion pumps that ends in 45 days, inside
    /// its 90-day notice window, so the `contract.expiring` e-mail and the "Expiring" badge show.
    async fn seed_demo_contracts(
        &self,
        data: &htm_domain::seed::Dataset,
        today: jiff::civil::Date,
    ) -> ServiceResult<()> {
        use htm_domain::contract::{Coverage, NewServiceContract};
        use jiff::ToSpan;
        let Some(engineer) = self.demo_principal("dchen").await? else { return Ok(()) };
        let day = |n: i64| today.checked_add(n.days()).unwrap_or(today);
        // The assets of a category, and the vendor that services their manufacturer.
        let fleet = |category: &str| {
            let models: Vec<_> = data.models.iter().filter(|m| m.category.starts_with(category)).collect();
            let first = models.first()?;
            let word = first.manufacturer.split_whitespace().next().unwrap_or_default().to_string();
            let vendor = data.vendors.iter().find(|v| v.name.starts_with(&word)).or(data.vendors.first())?;
            let assets: Vec<i64> =
                data.assets.iter().filter(|a| a.fields.model_id == first.id).map(|a| a.id.0).collect();
            Some((vendor.id, assets))
        };
        let contract =
            |vendor, number: &str, title: &str, coverage, starts: i64, ends: i64, cost: i64| NewServiceContract {
                vendor_id: vendor,
                contract_number: number.into(),
                title: title.into(),
                coverage,
                starts_on: day(starts),
                ends_on: day(ends),
                annual_cost_minor: cost,
                currency: "USD".into(),
                response_time_hours: None,
                uptime_guarantee_pct: None,
                notice_days: 90,
                auto_renews: false,
                notes: None,
            };
        let mut planned = Vec::new();
        if let Some((vendor, assets)) = fleet("Computed tomography") {
            let mut ct = contract(
                vendor,
                "CT-FS-2026-014",
                "CT scanners: full service",
                Coverage::FullService,
                -240,
                490,
                18_500_000,
            );
            ct.response_time_hours = Some(4);
            ct.uptime_guarantee_pct = Some(97.0);
            ct.notes =
                Some("OEM parts, labour, tubes and software updates; planned maintenance per the manufacturer.".into());
            planned.push((ct, assets.clone()));
            let old = contract(
                vendor,
                "CT-FS-2023-007",
                "CT scanners: full service (previous term)",
                Coverage::FullService,
                -1335,
                -241,
                17_200_000,
            );
            planned.push((old, assets));
        }
        if let Some((vendor, assets)) = fleet("Infusion pump, large-volume") {
            let mut pm = contract(
                vendor,
                "LVP-PM-2025-031",
                "Large-volume infusion pumps: PM only",
                Coverage::PmOnly,
                -320,
                45,
                4_200_000,
            );
            pm.response_time_hours = Some(48);
            planned.push((pm, assets));
        }
        for (new, assets) in planned {
            let c = self.create_contract(&engineer, new, false).await?;
            let req = crate::contracts::CoveredAssetsRequest {
                version: c.version,
                asset_ids: assets,
                asset_tags: Vec::new(),
            };
            self.set_contract_assets(&engineer, c.id, req).await?;
        }
        Ok(())
    }

    /// A principal for a demo account (None if the account is missing).
    async fn demo_principal(&self, username: &str) -> ServiceResult<Option<crate::Principal>> {
        Ok(self.store.get_user_credentials(username).await?.map(|(user, _)| crate::Principal { user }))
    }

    /// Three device-related incidents of the last months, reported by a charge nurse and
    /// investigated by the clinical engineer (TJC EC.02.04.01 EP 10; 21 CFR 803): one closed as a
    /// use error, one under investigation and reported to the manufacturer, one just reported.
    async fn seed_demo_incidents(&self, data: &htm_domain::seed::Dataset) -> ServiceResult<()> {
        use htm_domain::incident::{IncidentPatch, MdrRecipient, NewIncident, Severity};
        let (Some(nurse), Some(engineer)) =
            (self.demo_principal("ahernandez").await?, self.demo_principal("dchen").await?)
        else {
            return Ok(());
        };
        let asset_of = |category: &str| {
            let model = data.models.iter().find(|m| m.category.starts_with(category))?;
            data.assets.iter().find(|a| a.fields.model_id == model.id).map(|a| a.id)
        };
        let now = self.now();
        let days_ago = |d: i64| now.checked_sub(jiff::SignedDuration::from_hours(24 * d)).unwrap_or(now);
        let cases = [
            (
                "Infusion pump, large-volume",
                62,
                Severity::NoHarm,
                "Pump alarmed 'free flow' during a medication infusion; the nurse clamped the line and replaced the pump. No harm.",
                Some("Pump, administration set and its packaging"),
            ),
            (
                "Defibrillator/monitor, manual",
                20,
                Severity::SeriousInjury,
                "Defibrillator showed 'charge fault' and did not deliver a shock during a resuscitation; the backup unit from the next unit was used.",
                Some("Defibrillator, battery, pads and the event log card"),
            ),
            (
                "Hospital bed",
                4,
                Severity::MinorInjury,
                "Side rail released while a person leaned on it; a minor bruise reported. Bed taken out of use.",
                None,
            ),
        ];
        for (category, ago, severity, what, sequestered) in cases {
            let new = NewIncident {
                asset_id: asset_of(category),
                department_id: None,
                occurred_at: days_ago(ago),
                what_happened: what.into(),
                accessories: None,
                severity,
                sequestered: sequestered.is_some(),
                sequestered_items: sequestered.map(str::to_string),
            };
            let incident = self.create_incident(&nurse, new, false).await?;
            match severity {
                Severity::NoHarm => {
                    let decided = IncidentPatch {
                        version: incident.version,
                        mdr_reportable: Some(false),
                        mdr_rationale: Some("No death or serious injury; device performed to specification".into()),
                        ..Default::default()
                    };
                    let i = self.update_incident(&engineer, incident.id, decided, false).await?;
                    let findings = "Pump and set tested per the manufacturer's service manual: no fault found. \
                                    The set had been loaded without closing the door clamp (use error, cause USE); \
                                    in-service training given to the unit."
                        .to_string();
                    self.close_incident(&engineer, incident.id, i.version, Some(findings), false).await?;
                }
                Severity::SeriousInjury => {
                    let reported = IncidentPatch {
                        version: incident.version,
                        findings: Some(
                            "Charge circuit fault code in the device log; sent to the manufacturer for analysis."
                                .into(),
                        ),
                        mdr_reportable: Some(true),
                        mdr_rationale: Some("Device may have contributed to a serious injury (21 CFR 803.3)".into()),
                        ..Default::default()
                    };
                    let i = self.update_incident(&engineer, incident.id, reported, false).await?;
                    let sent = IncidentPatch {
                        version: i.version,
                        mdr_reported_to: Some(MdrRecipient::Manufacturer),
                        mdr_report_number: Some("MW-DEMO-0001".into()),
                        mdr_reported_at: Some(now),
                        ..Default::default()
                    };
                    self.update_incident(&engineer, incident.id, sent, false).await?;
                }
                _ => {}
            }
        }
        Ok(())
    }

    /// The demo's equipment-management program, recorded through the real use cases by the
    /// demo's clinical engineer: a Fennigkoh–Smith assessment of every model from the shipped
    /// catalogue's factors (REFERENCE §2.1).
    async fn seed_demo_program(&self, models: &[htm_domain::catalog::DeviceModel]) -> ServiceResult<()> {
        let Some((engineer, _)) = self.store.get_user_credentials("dchen").await? else { return Ok(()) };
        let catalog = htm_demo::catalog().map_err(ServiceError::Internal)?;
        let ctx = ChangeContext {
            actor_id: Some(engineer.id),
            actor: engineer.username.clone(),
            at: self.now(),
            reason: Some("demo: equipment-management program".into()),
        };
        for m in models {
            let Some(entry) = catalog.iter().find(|e| e.category == m.category) else { continue };
            let factors = htm_domain::risk::FennigkohSmith::new(
                entry.fs_function as i8,
                entry.fs_physical_risk as i8,
                entry.fs_maintenance as i8,
            )?;
            let reason = format!(
                "Catalogue factors for {}: function {}, physical risk {}, maintenance {}",
                entry.category, entry.fs_function, entry.fs_physical_risk, entry.fs_maintenance
            );
            self.store.insert_risk_assessment(&ctx, htm_store::RiskTarget::Model(m.id), factors, &reason).await?;
        }
        Ok(())
    }
}
