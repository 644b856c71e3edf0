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
        Ok(DemoSummary {
            sites: data.sites.len(),
            departments: data.departments.len(),
            models: data.models.len(),
            assets: data.assets.len(),
            work_orders: data.work_orders.len(),
            users: data.users.iter().map(|u| (u.user.username.clone(), u.user.role.as_str().to_string())).collect(),
        })
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
