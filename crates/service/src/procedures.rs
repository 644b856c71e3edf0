//! PM procedures and recording a PM against one (REFERENCE §9.4).
//!
//! - A procedure version is immutable; posting an existing code creates its next version. A PM
//!   keeps the exact version its results were first recorded against.
//! - The procedure of a PM is the asset's `pm_procedure_code` if set, else its model's (latest
//!   version of that code).
//! - Saving without `complete` is a draft: steps without an entry are left unrecorded (so that
//!   analyzer readings can be imported first, see `esa_import`); signing off needs every step.
//! - Recording judges every step (checks: the technician's pass/fail; measurements: the value
//!   against the step's limits; electrical safety: every reading against its stored limit row,
//!   which must belong to the chosen standard's current limit set and apply to the asset's
//!   protection class and applied part). Signing off (`complete`) is refused (422, field
//!   `test_equipment`) when any test equipment's calibration was due before today, naming the
//!   instrument's asset tag and due date. A signed-off PM with any failed step is completed with
//!   result `fail`, and a high-priority repair is opened for the asset (which takes it out of
//!   service), linked from the PM — all in one transaction.

use crate::{Action, Principal, ServiceError, ServiceResult, Services};
use htm_domain::ids::{ModelId, WorkOrderId};
use htm_domain::procedure::{NewProcedure, PmRecord, PmRecordRequest, Procedure, parse_procedure_code};

impl Services {
    /// The PM procedure code a model gives every asset of it (the default an asset may override).
    pub async fn model_procedure_code(
        &self,
        p: &Principal,
        model: htm_domain::ids::ModelId,
    ) -> ServiceResult<Option<String>> {
        p.require(Action::ReadWorkOrders)?;
        Ok(self.store.get_model_procedure(model).await?)
    }

    pub async fn create_procedure(&self, p: &Principal, n: NewProcedure) -> ServiceResult<Procedure> {
        p.require(Action::ManageInventory)?;
        Ok(self.store.insert_procedure(&self.ctx(p, None), &n.normalized()?).await?)
    }

    /// The latest version of every procedure, or every version of `code` (newest first).
    pub async fn list_procedures(&self, p: &Principal, code: Option<&str>) -> ServiceResult<Vec<Procedure>> {
        p.require(Action::ReadInventory)?;
        let code = code.map(str::trim).filter(|c| !c.is_empty());
        Ok(self.store.list_procedures(code).await?)
    }

    pub async fn get_procedure(&self, p: &Principal, id: i64) -> ServiceResult<Procedure> {
        p.require(Action::ReadInventory)?;
        Ok(self.store.get_procedure(id).await?)
    }

    /// Sets (or with `None`, clears) the default PM procedure of every asset of a model.
    pub async fn set_model_procedure(
        &self,
        p: &Principal,
        id: ModelId,
        code: Option<&str>,
    ) -> ServiceResult<Option<String>> {
        p.require(Action::ManageInventory)?;
        let code = match code.map(str::trim).filter(|c| !c.is_empty()) {
            Some(c) => Some(parse_procedure_code("pm_procedure_code", c)?),
            None => None,
        };
        Ok(self.store.set_model_procedure(&self.ctx(p, None), id, code.as_deref()).await?)
    }

    /// Records a PM's results; with `complete`, signs it off.
    pub async fn record_pm(&self, p: &Principal, id: WorkOrderId, req: PmRecordRequest) -> ServiceResult<PmRecord> {
        p.require(Action::EditWorkOrder)?;
        if req.complete {
            p.require(Action::TransitionWorkOrder)?;
        }
        self.get_work_order(p, id).await?;
        if req.complete {
            self.check_signing_password(p, req.password.as_deref()).await?;
        }
        if req.steps.len() > 500 {
            return Err(ServiceError::invalid("steps", "at most 500 steps"));
        }
        Ok(self.store.record_pm(&self.ctx(p, None), id, &req).await?)
    }

    pub async fn pm_results(&self, p: &Principal, id: WorkOrderId) -> ServiceResult<PmRecord> {
        self.get_work_order(p, id).await?;
        Ok(self.store.get_pm_record(id).await?)
    }
}
