//! Who may do what: the permission matrix, in one place. Deny by default: an action a role is
//! not listed for is refused.
//!
//! Scopes narrow what a permitted role sees: a requester sees the work orders they requested,
//! a vendor user only those assigned to their company.

use crate::{ServiceError, ServiceResult};
use htm_domain::user::{Role, User};
use htm_domain::work_order::WorkOrder;

/// Everything a user can be allowed to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    /// Read assets, models, organisation.
    ReadInventory,
    /// Create and change assets, models, manufacturers, vendors, organisation.
    ManageInventory,
    /// Import and export inventory files.
    ImportExport,
    ReadWorkOrders,
    /// Open a work order (any type).
    CreateWorkOrder,
    /// Report a problem: open a repair or user-support work order.
    ReportProblem,
    /// Change a work order's content (labour, parts, findings).
    EditWorkOrder,
    /// Move a work order through its workflow.
    TransitionWorkOrder,
    /// Close (review and sign off) a completed work order.
    CloseWorkOrder,
    ReadUsers,
    ManageUsers,
    /// Read the audit trail and verify the chain.
    ReadAudit,
    /// Read department-wide reports (PM completion, …).
    ReadReports,
    /// Read every technician's qualifications (anyone may read their own).
    ReadQualifications,
    /// Add and revoke technicians' qualifications; set a site's qualification policy.
    ManageQualifications,
    /// Attach documents to (and remove them from) assets and work orders; a model's documents
    /// need `ManageInventory`.
    AttachDocuments,
    /// Read every device-related incident (anyone who may report one sees their own).
    ReadIncidents,
    /// Investigate incidents: sequestration, findings, the MDR decision, linking work, closing.
    InvestigateIncident,
    /// Propose a maintenance strategy (manufacturer, AEM, run to failure, not in program) and
    /// set a model's rule designations (imaging, laser, other rule requires the OEM's).
    ProposeStrategy,
    /// Approve (sign) or reject a proposed maintenance strategy: clinical engineers, managers, admins.
    ApproveStrategy,
    /// Change the AEM program's settings (history minimum, return-to-manufacturer thresholds).
    ManageAemSettings,
    /// Import recalls, enter alerts, run matching, decide matches (opens recall work orders), close recalls.
    ManageRecalls,
    /// Import the KEV catalogue and SBOMs, enter CVEs, run matching, decide findings (opens
    /// software-update work orders).
    ManageVulnerabilities,
    /// Back up, restore or move the whole database (issue 7 §5): administrators only.
    BackupRestore,
    /// Create and revoke anyone's (and departments') PM calendar feeds; everyone who does the
    /// work may manage their own.
    ManageCalendarFeeds,
    /// Manage webhook subscriptions and read the notification outbox and its delivery log.
    ManageNotifications,
    /// Keep a PM calendar feed of one's own work (the roles that do maintenance work in house).
    /// Before issue 7 §1 this was a role test inside `calendar.rs`; it is in the matrix now so
    /// that the route table (`route_access.rs`) can name it.
    OwnCalendarFeed,
}

use Action::*;
use Role::*;

/// The matrix: for each role, the actions it may perform.
pub const MATRIX: &[(Role, &[Action])] = &[
    (
        Admin,
        &[
            ReadInventory,
            ManageInventory,
            ImportExport,
            ReadWorkOrders,
            CreateWorkOrder,
            ReportProblem,
            EditWorkOrder,
            TransitionWorkOrder,
            CloseWorkOrder,
            ReadUsers,
            ManageUsers,
            ReadAudit,
            ReadReports,
            ReadQualifications,
            ManageQualifications,
            AttachDocuments,
            ReadIncidents,
            InvestigateIncident,
            ProposeStrategy,
            ApproveStrategy,
            ManageAemSettings,
            ManageRecalls,
            ManageVulnerabilities,
            BackupRestore,
            ManageCalendarFeeds,
            ManageNotifications,
            OwnCalendarFeed,
        ],
    ),
    (
        Manager,
        &[
            ReadInventory,
            ManageInventory,
            ImportExport,
            ReadWorkOrders,
            CreateWorkOrder,
            ReportProblem,
            EditWorkOrder,
            TransitionWorkOrder,
            CloseWorkOrder,
            ReadUsers,
            ReadAudit,
            ReadReports,
            ReadQualifications,
            ManageQualifications,
            AttachDocuments,
            ReadIncidents,
            InvestigateIncident,
            ProposeStrategy,
            ApproveStrategy,
            ManageAemSettings,
            ManageRecalls,
            ManageVulnerabilities,
            ManageCalendarFeeds,
            ManageNotifications,
            OwnCalendarFeed,
        ],
    ),
    (
        Engineer,
        &[
            ReadInventory,
            ManageInventory,
            ImportExport,
            ReadWorkOrders,
            CreateWorkOrder,
            ReportProblem,
            EditWorkOrder,
            TransitionWorkOrder,
            CloseWorkOrder,
            ReadUsers,
            ReadAudit,
            ReadReports,
            ReadQualifications,
            AttachDocuments,
            ReadIncidents,
            InvestigateIncident,
            ProposeStrategy,
            ApproveStrategy,
            ManageRecalls,
            ManageVulnerabilities,
            OwnCalendarFeed,
        ],
    ),
    (
        Technician,
        &[
            ReadInventory,
            ReadWorkOrders,
            CreateWorkOrder,
            ReportProblem,
            EditWorkOrder,
            TransitionWorkOrder,
            CloseWorkOrder,
            ReadUsers,
            ReadReports,
            AttachDocuments,
            ReadIncidents,
            OwnCalendarFeed,
        ],
    ),
    (Requester, &[ReadInventory, ReadWorkOrders, ReportProblem]),
    (
        Auditor,
        &[
            ReadInventory,
            ImportExport,
            ReadWorkOrders,
            ReadUsers,
            ReadAudit,
            ReadReports,
            ReadQualifications,
            ReadIncidents,
        ],
    ),
    (Vendor, &[ReadWorkOrders, EditWorkOrder, TransitionWorkOrder]),
];

pub fn allowed(role: Role, action: Action) -> bool {
    MATRIX.iter().any(|(r, actions)| *r == role && actions.contains(&action))
}

/// The authenticated user on whose behalf a use case runs.
#[derive(Debug, Clone, PartialEq)]
pub struct Principal {
    pub user: User,
}

impl Principal {
    /// The operator at the command line of the server itself, acting with administrator rights.
    /// Recorded in the audit trail as `system`.
    pub fn system() -> Self {
        Principal {
            user: User {
                id: htm_domain::ids::UserId(0),
                username: "system".into(),
                display_name: "System (command line)".into(),
                role: Admin,
                email: None,
                vendor_id: None,
                active: true,
                version: 0,
            },
        }
    }

    pub fn require(&self, action: Action) -> ServiceResult<()> {
        if allowed(self.user.role, action) {
            Ok(())
        } else {
            Err(ServiceError::Forbidden(format!(
                "a {} may not {}",
                self.user.role.label().to_lowercase(),
                describe(action)
            )))
        }
    }

    pub fn can(&self, action: Action) -> bool {
        allowed(self.user.role, action)
    }

    /// Whether this user may see this work order at all.
    pub fn can_see(&self, wo: &WorkOrder) -> bool {
        match self.user.role {
            Requester => wo.requester_id == Some(self.user.id),
            Vendor => self.user.vendor_id.is_some() && wo.vendor_id == self.user.vendor_id,
            r => allowed(r, ReadWorkOrders),
        }
    }
}

fn describe(a: Action) -> &'static str {
    match a {
        ReadInventory => "read the inventory",
        ManageInventory => "change the inventory",
        ImportExport => "import or export inventory",
        ReadWorkOrders => "read work orders",
        CreateWorkOrder => "open this kind of work order",
        ReportProblem => "report a problem",
        EditWorkOrder => "change work orders",
        TransitionWorkOrder => "move work orders through their workflow",
        CloseWorkOrder => "close work orders",
        ReadUsers => "read user accounts",
        ManageUsers => "manage user accounts",
        ReadAudit => "read the audit trail",
        ReadReports => "read department-wide reports",
        ReadQualifications => "read other people's qualifications",
        ManageQualifications => "manage technicians' qualifications",
        AttachDocuments => "attach or remove documents",
        ReadIncidents => "read other people's incident reports",
        ProposeStrategy => "propose maintenance strategies",
        ApproveStrategy => "approve or reject maintenance strategies",
        ManageAemSettings => "change the AEM program's settings",
        ManageRecalls => "manage recalls and alerts",
        ManageVulnerabilities => "manage vulnerabilities and findings",
        BackupRestore => "back up, restore or move the whole database",
        InvestigateIncident => "investigate incidents or decide medical device reporting",
        ManageCalendarFeeds => "manage other people's calendar feeds",
        ManageNotifications => "manage notifications and webhooks",
        OwnCalendarFeed => "keep a PM calendar feed",
    }
}

impl Action {
    /// The action's wire code (snake case), as the OpenAPI document's `x-openhtm-permission`
    /// and the README's matrix name it.
    pub fn code(self) -> &'static str {
        match self {
            ReadInventory => "read_inventory",
            ManageInventory => "manage_inventory",
            ImportExport => "import_export",
            ReadWorkOrders => "read_work_orders",
            CreateWorkOrder => "create_work_order",
            ReportProblem => "report_problem",
            EditWorkOrder => "edit_work_order",
            TransitionWorkOrder => "transition_work_order",
            CloseWorkOrder => "close_work_order",
            ReadUsers => "read_users",
            ManageUsers => "manage_users",
            ReadAudit => "read_audit",
            ReadReports => "read_reports",
            ReadQualifications => "read_qualifications",
            ManageQualifications => "manage_qualifications",
            AttachDocuments => "attach_documents",
            ReadIncidents => "read_incidents",
            InvestigateIncident => "investigate_incident",
            ProposeStrategy => "propose_strategy",
            ApproveStrategy => "approve_strategy",
            ManageAemSettings => "manage_aem_settings",
            ManageRecalls => "manage_recalls",
            ManageVulnerabilities => "manage_vulnerabilities",
            BackupRestore => "backup_restore",
            ManageCalendarFeeds => "manage_calendar_feeds",
            ManageNotifications => "manage_notifications",
            OwnCalendarFeed => "own_calendar_feed",
        }
    }

    /// What the action allows, in words ("manage recalls and alerts").
    pub fn description(self) -> &'static str {
        describe(self)
    }
}

/// The roles the matrix gives `action`, in [`Role::ALL`] order.
pub fn roles_with(action: Action) -> Vec<Role> {
    Role::ALL.iter().copied().filter(|r| allowed(*r, action)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requesters_and_vendors_can_never_close_work_orders() {
        assert!(!allowed(Requester, CloseWorkOrder));
        assert!(!allowed(Vendor, CloseWorkOrder));
        assert!(allowed(Technician, CloseWorkOrder));
    }

    #[test]
    fn auditors_read_everything_and_change_nothing() {
        for a in [ReadInventory, ReadWorkOrders, ReadUsers, ReadAudit] {
            assert!(allowed(Auditor, a));
        }
        for a in [
            ManageInventory,
            CreateWorkOrder,
            ReportProblem,
            EditWorkOrder,
            TransitionWorkOrder,
            CloseWorkOrder,
            ManageUsers,
        ] {
            assert!(!allowed(Auditor, a), "{a:?}");
        }
    }

    #[test]
    fn only_admins_manage_users() {
        for r in Role::ALL {
            assert_eq!(allowed(*r, ManageUsers), *r == Admin, "{r:?}");
        }
    }

    #[test]
    fn only_engineers_managers_and_admins_investigate_incidents() {
        for r in Role::ALL {
            assert_eq!(allowed(*r, InvestigateIncident), matches!(r, Admin | Manager | Engineer), "{r:?}");
        }
        assert!(allowed(Requester, ReportProblem) && !allowed(Requester, ReadIncidents));
    }

    #[test]
    fn every_role_is_in_the_matrix_once() {
        for r in Role::ALL {
            assert_eq!(MATRIX.iter().filter(|(m, _)| m == r).count(), 1, "{r:?}");
        }
    }
}
