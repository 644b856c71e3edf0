//! Demo data for recalls and hazard alerts: three alerts the demo's clinical engineer entered from
//! (invented) manufacturer letters about devices the demo hospital really holds, matched against
//! the inventory, with some candidates already decided, so the recall pages show a recall in each
//! state of its work. The only real openFDA records at hand name spinal implants and bone screws,
//! which no equipment inventory holds; these alerts say in their description that they are demo
//! records.
//!
//! * an infusion-pump software correction limited to three listed serial numbers: two confirmed
//!   (each opens a recall work order), one checked and not affected;
//! * a class I defibrillator battery recall of a whole model: every unit a candidate, undecided;
//! * a patient-monitor labelling notice naming a model the hospital does not hold: no candidates.

use crate::{Principal, ServiceResult, Services};
use htm_domain::recall::{NewAlert, RecallClass};
use htm_domain::seed::Dataset;
use jiff::civil::Date;

/// The model of `category` with the most in-service units that has an FDA product code, with
/// those units.
fn busiest_model<'a>(
    data: &'a Dataset,
    category: &str,
) -> Option<(&'a htm_domain::catalog::DeviceModel, Vec<&'a htm_domain::seed::SeedAsset>)> {
    data.models
        .iter()
        .filter(|m| m.category.starts_with(category) && m.fda_product_code.is_some())
        .map(|m| {
            let units: Vec<_> = data
                .assets
                .iter()
                .filter(|a| {
                    a.fields.model_id == m.id
                        && a.fields.serial_number.is_some()
                        && a.fields.status == htm_domain::asset::AssetStatus::InService
                })
                .collect();
            (m, units)
        })
        .max_by_key(|(m, units)| (units.len(), std::cmp::Reverse(m.id.0)))
}

fn manufacturer_of(data: &Dataset, m: &htm_domain::catalog::DeviceModel) -> String {
    data.manufacturers
        .iter()
        .find(|f| f.id == m.manufacturer_id)
        .map(|f| f.name.clone())
        .unwrap_or_else(|| m.manufacturer.clone())
}

impl Services {
    /// Seeds the recall demo (called by `seed_demo`); skipped without the demo engineer.
    pub(crate) async fn seed_demo_recalls(&self, data: &Dataset, today: Date) -> ServiceResult<()> {
        let Some((user, _)) = self.store.get_user_credentials("dchen").await? else {
            return Ok(());
        };
        let p = Principal { user };
        let days_ago = |n: i64| today.checked_sub(jiff::Span::new().days(n)).ok();
        let mut pump_serials: Vec<String> = Vec::new();
        if let Some((m, units)) = busiest_model(data, "Infusion pump") {
            pump_serials = units.iter().filter_map(|a| a.fields.serial_number.clone()).take(3).collect();
            self.create_alert(
                &p,
                NewAlert {
                    recalling_firm: manufacturer_of(data, m),
                    product_description: format!(
                        "DEMO RECORD. {} {} large-volume infusion pump, software version 12.1.2",
                        m.name, m.model_number
                    ),
                    reason: "Software anomaly may cause the pump to stop an infusion without an occlusion alarm."
                        .into(),
                    recall_class: Some(RecallClass::II),
                    product_codes: m.fda_product_code.iter().cloned().collect(),
                    k_numbers: Vec::new(),
                    code_info: Some(format!("Model {}. Serial Numbers: {}", m.model_number, pump_serials.join(", "))),
                    action: Some(
                        "Urgent Medical Device Correction letter: install software 12.1.3 before the next use.".into(),
                    ),
                    initiated_on: days_ago(21),
                },
            )
            .await?;
        }
        if let Some((m, _)) = busiest_model(data, "Defibrillator") {
            self.create_alert(
                &p,
                NewAlert {
                    recalling_firm: manufacturer_of(data, m),
                    product_description: format!("DEMO RECORD. {} {} defibrillator, all units", m.name, m.model_number),
                    reason: "The battery may not hold charge as specified; the device may fail to deliver a shock."
                        .into(),
                    recall_class: Some(RecallClass::I),
                    product_codes: m.fda_product_code.iter().cloned().collect(),
                    k_numbers: Vec::new(),
                    code_info: Some(format!("Model {}, all serial numbers.", m.model_number)),
                    action: Some(
                        "Urgent Medical Device Recall letter: replace the battery pack; check daily until replaced."
                            .into(),
                    ),
                    initiated_on: days_ago(6),
                },
            )
            .await?;
        }
        self.create_alert(
            &p,
            NewAlert {
                recalling_firm: "Meridian Patient Systems Inc.".into(),
                product_description: "DEMO RECORD. PM-4000 patient monitor (a model the hospital does not hold)".into(),
                reason: "Labeling: the operator's manual lists a wrong NIBP accuracy figure.".into(),
                recall_class: Some(RecallClass::III),
                product_codes: vec!["MHX".into()],
                k_numbers: Vec::new(),
                code_info: Some("Model PM-4000, all lots.".into()),
                action: Some("Replace page 112 of the operator's manual.".into()),
                initiated_on: days_ago(40),
            },
        )
        .await?;
        let candidates = self.match_recalls(&p).await?;
        // Decide the pump alert's candidates: the first two confirmed, the third checked.
        let mut decided = 0;
        for c in &candidates {
            let Some(asset) = data.assets.iter().find(|a| a.id.0 == c.asset_id) else { continue };
            let Some(serial) = &asset.fields.serial_number else { continue };
            if !pump_serials.contains(serial) {
                continue;
            }
            let id = htm_domain::recall::RecallMatchId(c.match_id);
            if decided < 2 {
                self.confirm_match(&p, id).await?;
            } else {
                self.mark_not_affected(
                    &p,
                    id,
                    "Software 12.1.3 already installed at the last PM (checked on the device).",
                )
                .await?;
            }
            decided += 1;
        }
        Ok(())
    }
}
