//! Work-order use cases: open, read, work, move through the workflow. Requesters see and open
//! only their own requests; vendor users see only their company's work.

use crate::{Action, Principal, ServiceError, ServiceResult, Services};
use htm_domain::ids::WorkOrderId;
use htm_domain::page::{Page, PageRequest};
use htm_domain::user::Role;
use htm_domain::work_order::{
    NewWorkOrder, TransitionRequest, WorkOrder, WorkOrderPatch, WorkOrderStatus, WorkOrderType,
};
use htm_store::{LabourToAdd, WorkOrderFilter, WorkOrderStats};

impl Services {
    pub async fn list_work_orders(
        &self,
        p: &Principal,
        f: WorkOrderFilter,
        page: PageRequest,
    ) -> ServiceResult<Page<WorkOrder>> {
        p.require(Action::ReadWorkOrders)?;
        let mut f = f;
        match p.user.role {
            Role::Requester => f.requester_id = Some(p.user.id),
            Role::Vendor => {
                f.vendor_id = Some(p.user.vendor_id.ok_or_else(|| ServiceError::Forbidden("no vendor company".into()))?)
            }
            _ => {}
        }
        Ok(self.store.list_work_orders(&f, page).await?)
    }

    pub async fn get_work_order(&self, p: &Principal, id: WorkOrderId) -> ServiceResult<WorkOrder> {
        p.require(Action::ReadWorkOrders)?;
        let wo = self.store.get_work_order(id).await?;
        if !p.can_see(&wo) {
            // Not revealing that it exists.
            return Err(ServiceError::NotFound(format!("work order {id} not found")));
        }
        Ok(wo)
    }

    pub async fn create_work_order(&self, p: &Principal, new: NewWorkOrder) -> ServiceResult<WorkOrder> {
        let reporting = matches!(new.wo_type, WorkOrderType::Repair | WorkOrderType::UserSupport);
        if !(p.can(Action::CreateWorkOrder) || (reporting && p.can(Action::ReportProblem))) {
            return Err(ServiceError::Forbidden(format!(
                "a {} may not open a {} work order",
                p.user.role.label().to_lowercase(),
                new.wo_type.as_str()
            )));
        }
        let mut new = new.normalized()?;
        if !p.can(Action::CreateWorkOrder) {
            // A requester reports; assignment is the shop's decision.
            new.assigned_to = None;
            new.vendor_id = None;
        }
        let wo = self.store.insert_work_order(&self.ctx(p, None), &new, Some(p.user.id)).await?;
        if wo.assigned_to.is_some() {
            self.notify_assigned(p, &wo).await;
        }
        Ok(wo)
    }

    pub async fn update_work_order(
        &self,
        p: &Principal,
        id: WorkOrderId,
        patch: WorkOrderPatch,
    ) -> ServiceResult<WorkOrder> {
        p.require(Action::EditWorkOrder)?;
        let before = self.get_work_order(p, id).await?;
        let patch = patch.normalized()?;
        if p.user.role == Role::Vendor && (patch.vendor_id.is_some() || patch.assigned_to.is_some()) {
            return Err(ServiceError::Forbidden("a vendor may not reassign work".into()));
        }
        let labour: Vec<LabourToAdd> = patch
            .add_labour
            .iter()
            .map(|l| LabourToAdd { technician_id: l.technician_id.unwrap_or(p.user.id), entry: l.clone() })
            .collect();
        let wo = self
            .store
            .update_work_order(&self.ctx(p, patch.reason.clone()), id, &patch, &labour, &patch.add_parts)
            .await?;
        if wo.assigned_to.is_some() && wo.assigned_to != before.assigned_to {
            self.notify_assigned(p, &wo).await;
        }
        Ok(wo)
    }

    pub async fn transition_work_order(
        &self,
        p: &Principal,
        id: WorkOrderId,
        req: TransitionRequest,
    ) -> ServiceResult<WorkOrder> {
        p.require(Action::TransitionWorkOrder)?;
        let wo = self.get_work_order(p, id).await?;
        let to = WorkOrderStatus::parse(&req.to).map_err(|_| {
            ServiceError::InvalidTransition(format!(
                "'{}' is not a work-order status: {}",
                req.to,
                WorkOrderStatus::ALL.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", ")
            ))
        })?;
        if to == WorkOrderStatus::Closed {
            p.require(Action::CloseWorkOrder)?;
        }
        if req.signs() && to != wo.status {
            // What the record needs comes first (a dry run of the move), then the signature.
            htm_domain::work_order::apply_transition(&mut wo.clone(), &req, self.now())?;
            self.check_signing_password(p, req.password.as_deref()).await?;
        }
        let mut req = req;
        // Starting unassigned work assigns it to whoever starts it, if they do this work.
        if to == WorkOrderStatus::InProgress
            && wo.assigned_to.is_none()
            && req.assigned_to.is_none()
            && p.user.role.does_work()
        {
            req.assigned_to = Some(p.user.id);
        }
        if p.user.role == Role::Vendor && req.assigned_to.is_some_and(|u| u != p.user.id) {
            return Err(ServiceError::Forbidden("a vendor may assign work only to themselves".into()));
        }
        let after = self.store.transition_work_order(&self.ctx(p, req.reason.clone()), id, &req).await?;
        if after.assigned_to.is_some() && after.assigned_to != wo.assigned_to {
            self.notify_assigned(p, &after).await;
        }
        Ok(after)
    }

    /// The electronic signatures of a work order, oldest first (printed with the record).
    pub async fn work_order_signatures(
        &self,
        p: &Principal,
        id: WorkOrderId,
    ) -> ServiceResult<Vec<htm_domain::signature::Signature>> {
        self.get_work_order(p, id).await?;
        Ok(self.store.list_signatures("work_order", &id.to_string()).await?)
    }

    pub async fn work_order_stats(&self, p: &Principal) -> ServiceResult<WorkOrderStats> {
        p.require(Action::ReadInventory)?;
        Ok(self.store.work_order_stats(self.now()).await?)
    }

    pub async fn cause_codes(&self) -> ServiceResult<Vec<(String, String)>> {
        Ok(self.store.list_cause_codes().await?)
    }
}
