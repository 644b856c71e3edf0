//! What every API operation requires (issue 7 §1): one table mapping each operation of the
//! `/api/v1` OpenAPI document ("METHOD /path/{param}", spelled as the document spells it) to
//! [`Requirement`]: no login, any signed-in user, or actions of the permission matrix.
//!
//! The role × action [`MATRIX`](crate::permissions::MATRIX) stays the single source of who may
//! do what; this table only says which action(s) an operation needs. The web edge looks every
//! request up here **before** its handler runs and refuses it (401 without a valid login, 403
//! when the role lacks the action); an operation missing from the table is refused (deny by
//! default). The use cases keep their own `Principal::require` checks (defence in depth) and
//! apply the scopes named here (a requester's own work orders, a vendor's company's, …), which
//! depend on the record and cannot be decided from the route alone.
//!
//! Rule: REFERENCE §10 (21 CFR Part 11 §11.10(d) "limiting system access to authorized
//! individuals" and §11.10(g) "authority checks"). The test `crates/web/tests/access_matrix.rs`
//! sends every operation of the document as every role and checks it against this table, and
//! checks that the table and the document list the same operations.

use crate::permissions::{Action, allowed};
use htm_domain::user::Role;

/// What an operation requires of its caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Requirement {
    /// No login (logging in itself).
    Public,
    /// Any signed-in user; what they reach may be narrowed by the rule's [`Scope`].
    Authenticated,
    /// A role with this action.
    Action(Action),
    /// A role with at least one of these actions (the use case decides which applies).
    AnyOf(&'static [Action]),
    /// A role with every one of these actions.
    AllOf(&'static [Action]),
}

impl Requirement {
    /// Whether a signed-in user of `role` passes the edge.
    pub fn allows(self, role: Role) -> bool {
        match self {
            Requirement::Public | Requirement::Authenticated => true,
            Requirement::Action(a) => allowed(role, a),
            Requirement::AnyOf(actions) => actions.iter().any(|a| allowed(role, *a)),
            Requirement::AllOf(actions) => actions.iter().all(|a| allowed(role, *a)),
        }
    }

    /// Whether the operation needs a login at all.
    pub fn needs_login(self) -> bool {
        self != Requirement::Public
    }

    /// The roles that pass the edge, in [`Role::ALL`] order (none for a public operation, which
    /// needs no role).
    pub fn roles(self) -> Vec<Role> {
        if self == Requirement::Public {
            return Vec::new();
        }
        Role::ALL.iter().copied().filter(|r| self.allows(*r)).collect()
    }

    /// The actions named (empty for public and authenticated operations).
    pub fn actions(self) -> &'static [Action] {
        match self {
            Requirement::Public | Requirement::Authenticated => &[],
            Requirement::Action(a) => ACTIONS.iter().position(|x| *x == a).map_or(&[], |i| &ACTIONS[i..=i]),
            Requirement::AnyOf(a) | Requirement::AllOf(a) => a,
        }
    }

    /// The kind, as the OpenAPI extension spells it: `public`, `authenticated`, an action's
    /// code, `any_of` or `all_of`.
    pub fn code(self) -> &'static str {
        match self {
            Requirement::Public => "public",
            Requirement::Authenticated => "authenticated",
            Requirement::Action(a) => a.code(),
            Requirement::AnyOf(_) => "any_of",
            Requirement::AllOf(_) => "all_of",
        }
    }

    /// One sentence for the operation's description.
    pub fn sentence(self) -> String {
        let names = |a: &[Action]| a.iter().map(|x| format!("`{}`", x.code())).collect::<Vec<_>>();
        let roles = self.roles().iter().map(|r| r.as_str()).collect::<Vec<_>>().join(", ");
        match self {
            Requirement::Public => "Access: public (no login).".to_string(),
            Requirement::Authenticated => "Access: any signed-in user.".to_string(),
            Requirement::Action(a) => format!("Access: permission `{}` (roles: {roles}).", a.code()),
            Requirement::AnyOf(a) => format!("Access: any of {} (roles: {roles}).", names(a).join(", ")),
            Requirement::AllOf(a) => format!("Access: all of {} (roles: {roles}).", names(a).join(", ")),
        }
    }
}

/// Every action, so that [`Requirement::actions`] can hand out a `'static` slice of one.
const ACTIONS: &[Action] = &[
    Action::ReadInventory,
    Action::ManageInventory,
    Action::ImportExport,
    Action::ReadWorkOrders,
    Action::CreateWorkOrder,
    Action::ReportProblem,
    Action::EditWorkOrder,
    Action::TransitionWorkOrder,
    Action::CloseWorkOrder,
    Action::ReadUsers,
    Action::ManageUsers,
    Action::ReadAudit,
    Action::ReadReports,
    Action::ReadQualifications,
    Action::ManageQualifications,
    Action::AttachDocuments,
    Action::ReadIncidents,
    Action::InvestigateIncident,
    Action::ProposeStrategy,
    Action::ApproveStrategy,
    Action::ManageAemSettings,
    Action::ManageRecalls,
    Action::ManageVulnerabilities,
    Action::BackupRestore,
    Action::ManageCalendarFeeds,
    Action::ManageNotifications,
    Action::OwnCalendarFeed,
];

/// How the use case narrows what a permitted caller reaches (decided on the record, not the
/// route). Named here so the document and the matrix test can say it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// No narrowing beyond the requirement.
    None,
    /// `{id}` is a user: everyone reaches their own account; another user's needs this action.
    OwnAccountOr(Action),
    /// Requesters reach the work orders they requested, vendor users those assigned to their
    /// company (others answer 404); everyone else with the action reaches all.
    WorkOrders,
    /// Vendor users (who may not read the inventory) reach only assets their company has work on.
    VendorAssets,
    /// Callers without `read_incidents` reach only the incidents they reported.
    OwnIncidents,
    /// Callers without `manage_calendar_feeds` reach only their own PM calendar feed.
    OwnCalendarFeeds,
    /// The document's record (model, asset or work order) decides, as when reading it.
    DocumentRecord,
}

impl Scope {
    /// The scope in words (`None`: no scope).
    pub fn sentence(self) -> Option<String> {
        Some(match self {
            Scope::None => return None,
            Scope::OwnAccountOr(a) => {
                format!("Everyone reaches their own account; another user's needs `{}`.", a.code())
            }
            Scope::WorkOrders => "Scope: requesters reach the work orders they requested, vendor users those assigned to their company; others answer 404.".to_string(),
            Scope::VendorAssets => "Scope: vendor users reach only assets their company has work on.".to_string(),
            Scope::OwnIncidents => "Scope: without `read_incidents`, only the incidents the caller reported.".to_string(),
            Scope::OwnCalendarFeeds => "Scope: without `manage_calendar_feeds`, only the caller's own feed.".to_string(),
            Scope::DocumentRecord => "Scope: as reading the model, asset or work order the document belongs to.".to_string(),
        })
    }

    /// The scope's code in the OpenAPI extension (`None`: no scope).
    pub fn code(self) -> Option<&'static str> {
        match self {
            Scope::None => None,
            Scope::OwnAccountOr(_) => Some("own_account"),
            Scope::WorkOrders => Some("work_orders"),
            Scope::VendorAssets => Some("vendor_assets"),
            Scope::OwnIncidents => Some("own_incidents"),
            Scope::OwnCalendarFeeds => Some("own_calendar_feeds"),
            Scope::DocumentRecord => Some("document_record"),
        }
    }
}

/// One operation of the API and what it requires.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RouteRule {
    /// `GET`, `POST`, `PUT`, `PATCH` or `DELETE`.
    pub method: &'static str,
    /// The path under `/api/v1` as the OpenAPI document spells it (`/assets/{id}`).
    pub path: &'static str,
    pub requires: Requirement,
    pub scope: Scope,
    /// A further condition the use case checks on the request (which work-order types, …).
    pub note: Option<&'static str>,
}

impl RouteRule {
    const fn new(method: &'static str, path: &'static str, requires: Requirement) -> Self {
        RouteRule { method, path, requires, scope: Scope::None, note: None }
    }
    const fn scope(mut self, scope: Scope) -> Self {
        self.scope = scope;
        self
    }
    const fn note(mut self, note: &'static str) -> Self {
        self.note = Some(note);
        self
    }

    /// The sentence(s) the operation's description gets.
    pub fn sentence(&self) -> String {
        let mut s = self.requires.sentence();
        if let Some(x) = self.scope.sentence() {
            s.push(' ');
            s.push_str(&x);
        }
        if let Some(n) = self.note {
            s.push(' ');
            s.push_str(n);
        }
        s
    }
}

/// The rule for `method path` (HEAD is looked up as GET); `None`: not in the table, refused.
pub fn lookup(method: &str, path: &str) -> Option<&'static RouteRule> {
    let method = if method.eq_ignore_ascii_case("HEAD") { "GET" } else { method };
    ROUTES.iter().find(|r| r.path == path && r.method.eq_ignore_ascii_case(method))
}

/// Whether the table has any rule for `path` (whatever the method).
pub fn knows_path(path: &str) -> bool {
    ROUTES.iter().any(|r| r.path == path)
}

use Action::*;
use Requirement::{AllOf, AnyOf, Authenticated, Public};

const fn r(method: &'static str, path: &'static str, requires: Requirement) -> RouteRule {
    RouteRule::new(method, path, requires)
}
const fn a(action: Action) -> Requirement {
    Requirement::Action(action)
}

/// Reading an asset: the inventory, or a vendor user's work on it.
const ASSET_READ: Requirement = AnyOf(&[ReadInventory, ReadWorkOrders]);

/// The table: every operation of the `/api/v1` document. Keep it sorted by path.
pub const ROUTES: &[RouteRule] = &[
    r("GET", "/aem-settings", a(ReadInventory)),
    r("PUT", "/aem-settings", a(ManageAemSettings)),
    r("POST", "/alerts", a(ManageRecalls)),
    r("GET", "/assets", a(ReadInventory)),
    r("POST", "/assets", a(ManageInventory)),
    r("GET", "/assets/by-tag/{asset_tag}", a(ReadInventory)),
    r("GET", "/assets/{id}", ASSET_READ).scope(Scope::VendorAssets),
    r("PATCH", "/assets/{id}", a(ManageInventory)),
    r("GET", "/assets/{id}/contracts", a(ReadInventory)),
    r("GET", "/assets/{id}/designations", ASSET_READ).scope(Scope::VendorAssets),
    r("GET", "/assets/{id}/documents", ASSET_READ).scope(Scope::VendorAssets),
    r("POST", "/assets/{id}/documents", a(AttachDocuments)),
    r("GET", "/assets/{id}/history", AnyOf(&[ReadInventory, ReadAudit])),
    r("GET", "/assets/{id}/meter-readings", ASSET_READ).scope(Scope::VendorAssets),
    r("POST", "/assets/{id}/meter-readings", a(EditWorkOrder)).scope(Scope::VendorAssets),
    r("GET", "/assets/{id}/network", a(ReadInventory)),
    r("PUT", "/assets/{id}/network", a(ManageInventory)),
    r("GET", "/assets/{id}/pm-schedules", a(ReadInventory)),
    r("GET", "/assets/{id}/risk", ASSET_READ).scope(Scope::VendorAssets),
    r("PUT", "/assets/{id}/risk", a(ManageInventory)),
    r("GET", "/assets/{id}/strategy", a(ReadInventory)),
    r("POST", "/assets/{id}/strategy", a(ProposeStrategy)),
    r("PUT", "/assets/{id}/weighted-risk", a(ManageInventory)),
    r("GET", "/audit/verify", a(ReadAudit)),
    r("POST", "/auth/login", Public),
    r("POST", "/auth/logout", Authenticated),
    r("GET", "/buildings", a(ReadInventory)),
    r("POST", "/buildings", a(ManageInventory)),
    r("GET", "/calendar-feeds", AnyOf(&[ManageCalendarFeeds, OwnCalendarFeed])).scope(Scope::OwnCalendarFeeds),
    r("POST", "/calendar-feeds", AnyOf(&[ManageCalendarFeeds, OwnCalendarFeed]))
        .scope(Scope::OwnCalendarFeeds)
        .note("A department's feed, or another person's, needs `manage_calendar_feeds`."),
    r("DELETE", "/calendar-feeds/{id}", AnyOf(&[ManageCalendarFeeds, OwnCalendarFeed]))
        .scope(Scope::OwnCalendarFeeds),
    r("GET", "/cause-codes", Authenticated).note("Reference data (REFERENCE §9.3) every signed-in user may read."),
    r("GET", "/contracts", a(ReadInventory)),
    r("POST", "/contracts", a(ManageInventory)),
    r("GET", "/contracts/{id}", a(ReadInventory)),
    r("PATCH", "/contracts/{id}", a(ManageInventory)),
    r("PUT", "/contracts/{id}/assets", a(ManageInventory)),
    r("GET", "/dashboard", a(ReadInventory)),
    r("GET", "/departments", a(ReadInventory)),
    r("POST", "/departments", a(ManageInventory)),
    r("GET", "/departments/{id}", a(ReadInventory)),
    r("PATCH", "/departments/{id}", a(ManageInventory)),
    r("GET", "/documents/{id}", ASSET_READ).scope(Scope::DocumentRecord),
    r("GET", "/documents/{id}/content", ASSET_READ).scope(Scope::DocumentRecord),
    r("POST", "/documents/{id}/remove", AnyOf(&[AttachDocuments, ManageInventory]))
        .scope(Scope::DocumentRecord)
        .note("A model's documents need `manage_inventory`, an asset's or work order's `attach_documents`."),
    r("GET", "/esa/limits", Authenticated).note("Reference data every signed-in user may read."),
    r("GET", "/findings", a(ReadInventory)),
    r("PATCH", "/findings/{id}", a(ManageVulnerabilities)),
    r("POST", "/findings/{id}/work-order", a(ManageVulnerabilities)),
    r("POST", "/import/{kind}", AllOf(&[ImportExport, ManageInventory]))
        .note("Work-order history also needs `close_work_order`."),
    r("GET", "/incidents", AnyOf(&[ReadIncidents, ReportProblem])).scope(Scope::OwnIncidents),
    r("POST", "/incidents", a(ReportProblem)),
    r("GET", "/incidents/{id}", AnyOf(&[ReadIncidents, ReportProblem])).scope(Scope::OwnIncidents),
    r("PATCH", "/incidents/{id}", AnyOf(&[InvestigateIncident, ReportProblem]))
        .scope(Scope::OwnIncidents)
        .note("Without `investigate_incident`, only the reporter may correct their own open report (not the investigation fields)."),
    r("POST", "/incidents/{id}/close", a(InvestigateIncident)),
    r("POST", "/incidents/{id}/work-orders", a(InvestigateIncident)),
    r("GET", "/locations", a(ReadInventory)),
    r("POST", "/locations", a(ManageInventory)),
    r("GET", "/locations/{id}", a(ReadInventory)),
    r("PATCH", "/locations/{id}", a(ManageInventory)),
    r("GET", "/manufacturers", a(ReadInventory)),
    r("POST", "/manufacturers", a(ManageInventory)),
    r("GET", "/manufacturers/{id}", a(ReadInventory)),
    r("PATCH", "/manufacturers/{id}", a(ManageInventory)),
    r("GET", "/me", Authenticated),
    r("GET", "/models", a(ReadInventory)),
    r("POST", "/models", a(ManageInventory)),
    r("GET", "/models/{id}", a(ReadInventory)),
    r("PATCH", "/models/{id}", a(ManageInventory)),
    r("GET", "/models/{id}/aem-flags", a(ReadInventory)),
    r("PUT", "/models/{id}/aem-flags", a(ProposeStrategy)),
    r("GET", "/models/{id}/documents", a(ReadInventory)),
    r("POST", "/models/{id}/documents", a(ManageInventory)),
    r("PUT", "/models/{id}/procedure", a(ManageInventory)),
    r("PUT", "/models/{id}/risk", a(ManageInventory)),
    r("GET", "/models/{id}/sboms", a(ReadInventory)),
    r("POST", "/models/{id}/sboms", a(ManageVulnerabilities)),
    r("GET", "/models/{id}/security-profiles", a(ReadInventory)),
    r("PUT", "/models/{id}/security-profiles", a(ManageInventory)),
    r("POST", "/models/{id}/strategy", a(ProposeStrategy)),
    r("PUT", "/models/{id}/weighted-risk", a(ManageInventory)),
    r("GET", "/notifications", a(ManageNotifications)),
    r("GET", "/notifications/{id}", a(ManageNotifications)),
    r("POST", "/pm-schedules", a(ManageInventory)),
    r("PUT", "/pm-schedules/{id}/usage", a(ManageInventory)),
    r("POST", "/pm/generate", a(CreateWorkOrder)),
    r("GET", "/procedures", a(ReadInventory)),
    r("POST", "/procedures", a(ManageInventory)),
    r("GET", "/procedures/{id}", a(ReadInventory)),
    r("POST", "/recall-matches/{id}/confirm", AllOf(&[ManageRecalls, CreateWorkOrder])),
    r("POST", "/recall-matches/{id}/not-affected", a(ManageRecalls)),
    r("POST", "/recall-matches/{id}/reject", a(ManageRecalls)),
    r("GET", "/recalls", a(ReadInventory)),
    r("POST", "/recalls/import", a(ManageRecalls)),
    r("POST", "/recalls/match", a(ManageRecalls)),
    r("GET", "/recalls/{id}", a(ReadInventory)),
    r("POST", "/recalls/{id}/close", a(ManageRecalls)),
    r("GET", "/reports/aem", a(ReadReports)),
    r("GET", "/reports/certificates-expiring", a(ReadInventory)),
    r("GET", "/reports/critical-findings", a(ReadReports)),
    r("GET", "/reports/pm-compliance", a(ReadReports)),
    r("GET", "/reports/repairs", a(ReadReports)),
    r("GET", "/reports/survey-pack", a(ReadReports)),
    r("GET", "/reports/unsupported-os", a(ReadInventory)),
    r("GET", "/risk-methods", a(ReadInventory)),
    r("POST", "/risk-methods", a(ManageInventory)),
    r("GET", "/sites", a(ReadInventory)),
    r("POST", "/sites", a(ManageInventory)),
    r("GET", "/sites/{id}", a(ReadInventory)),
    r("PATCH", "/sites/{id}", a(ManageInventory)),
    r("GET", "/sites/{id}/qualification-policy", a(ReadInventory)),
    r("PUT", "/sites/{id}/qualification-policy", a(ManageQualifications)),
    r("GET", "/sites/{id}/repair-settings", a(ReadReports)),
    r("PUT", "/sites/{id}/repair-settings", a(ManageInventory)),
    r("GET", "/strategies", a(ReadInventory)),
    r("GET", "/strategies/{id}", a(ReadInventory)),
    r("POST", "/strategies/{id}/approve", a(ApproveStrategy)),
    r("POST", "/strategies/{id}/reject", a(ApproveStrategy)),
    r("GET", "/strategy-eligibility", a(ReadInventory)),
    r("GET", "/test-equipment", a(ReadInventory)),
    r("GET", "/tokens", Authenticated).note("Everyone lists their own API tokens; `?all=true` needs `manage_users`."),
    r("POST", "/tokens", Authenticated)
        .note("For the caller only; a token with scope `read` cannot create one (`insufficient_scope`)."),
    r("DELETE", "/tokens/{id}", Authenticated).note("Your own token; another user's needs `manage_users` (else 404)."),
    r("POST", "/udi/lookup", a(ReadInventory)),
    r("POST", "/udi/parse", a(ReadInventory)),
    r("GET", "/users", a(ReadUsers)),
    r("POST", "/users", a(ManageUsers)),
    r("GET", "/users/{id}", Authenticated).scope(Scope::OwnAccountOr(ReadUsers)),
    r("PATCH", "/users/{id}", Authenticated)
        .scope(Scope::OwnAccountOr(ManageUsers))
        .note("On one's own account only the password may be changed."),
    r("GET", "/users/{id}/qualifications", Authenticated).scope(Scope::OwnAccountOr(ReadQualifications)),
    r("POST", "/users/{id}/qualifications", a(ManageQualifications)),
    r("POST", "/users/{id}/qualifications/{qid}/revoke", a(ManageQualifications)),
    r("POST", "/users/{id}/unlock", a(ManageUsers)),
    r("GET", "/vendors", a(ReadInventory)),
    r("POST", "/vendors", a(ManageInventory)),
    r("GET", "/vulnerabilities", a(ReadInventory)),
    r("POST", "/vulnerabilities", a(ManageVulnerabilities)),
    r("POST", "/vulnerabilities/kev", a(ManageVulnerabilities)),
    r("POST", "/vulnerabilities/match", a(ManageVulnerabilities)),
    r("GET", "/webhooks", a(ManageNotifications)),
    r("POST", "/webhooks", a(ManageNotifications)),
    r("DELETE", "/webhooks/{id}", a(ManageNotifications)),
    r("GET", "/work-orders", a(ReadWorkOrders)).scope(Scope::WorkOrders),
    r("POST", "/work-orders", AnyOf(&[CreateWorkOrder, ReportProblem]))
        .note("Without `create_work_order`, only repair and user-support work orders, unassigned."),
    r("GET", "/work-orders/{id}", a(ReadWorkOrders)).scope(Scope::WorkOrders),
    r("PATCH", "/work-orders/{id}", a(EditWorkOrder))
        .scope(Scope::WorkOrders)
        .note("Vendor users may not reassign work."),
    r("GET", "/work-orders/{id}/documents", a(ReadWorkOrders)).scope(Scope::WorkOrders),
    r("POST", "/work-orders/{id}/documents", a(AttachDocuments)).scope(Scope::WorkOrders),
    r("POST", "/work-orders/{id}/esa-import", a(EditWorkOrder)).scope(Scope::WorkOrders),
    r("GET", "/work-orders/{id}/history", AnyOf(&[ReadInventory, ReadAudit])).scope(Scope::WorkOrders),
    r("POST", "/work-orders/{id}/pm-record", a(EditWorkOrder))
        .scope(Scope::WorkOrders)
        .note("Signing off (`complete`) also needs `transition_work_order`."),
    r("GET", "/work-orders/{id}/pm-results", a(ReadWorkOrders)).scope(Scope::WorkOrders),
    r("GET", "/work-orders/{id}/signatures", a(ReadWorkOrders)).scope(Scope::WorkOrders),
    r("POST", "/work-orders/{id}/transitions", a(TransitionWorkOrder))
        .scope(Scope::WorkOrders)
        .note("Closing also needs `close_work_order`; vendor users may assign work only to themselves."),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_operation_is_listed_once() {
        let mut seen = std::collections::HashSet::new();
        for r in ROUTES {
            assert!(seen.insert((r.method, r.path)), "{} {} twice", r.method, r.path);
            assert!(matches!(r.method, "GET" | "POST" | "PUT" | "PATCH" | "DELETE"), "{}", r.method);
            assert!(r.path.starts_with('/') && !r.path.starts_with("/api/"), "{}", r.path);
        }
    }

    #[test]
    fn every_action_of_the_matrix_has_a_static_slot() {
        for (_, actions) in crate::permissions::MATRIX {
            for x in *actions {
                assert!(ACTIONS.contains(x), "{x:?} is missing from ACTIONS");
            }
        }
    }

    #[test]
    fn deny_by_default_and_head_is_get() {
        assert!(lookup("GET", "/no-such-thing").is_none());
        assert!(lookup("DELETE", "/assets/{id}").is_none());
        assert_eq!(lookup("HEAD", "/assets").map(|r| r.requires), Some(Requirement::Action(ReadInventory)));
        assert!(knows_path("/assets/{id}"));
    }

    #[test]
    fn requirements_follow_the_matrix() {
        let close = lookup("POST", "/recall-matches/{id}/confirm").map(|r| r.requires).unwrap_or(Public);
        assert_eq!(close.roles(), [Role::Admin, Role::Manager, Role::Engineer]);
        let wo = lookup("GET", "/work-orders/{id}").map(|r| r.requires).unwrap_or(Public);
        assert_eq!(wo.roles(), Role::ALL);
        let users = lookup("POST", "/users").map(|r| r.requires).unwrap_or(Public);
        assert_eq!(users.roles(), [Role::Admin]);
        // A vendor may read an asset its company works on, but not the asset list.
        assert!(ASSET_READ.allows(Role::Vendor));
        assert!(!lookup("GET", "/assets").is_some_and(|r| r.requires.allows(Role::Vendor)));
        // Nobody but the login needs no login.
        assert_eq!(ROUTES.iter().filter(|r| !r.requires.needs_login()).count(), 1);
        assert!(Public.roles().is_empty());
        assert_eq!(Requirement::Action(ManageRecalls).actions(), [ManageRecalls]);
        assert_eq!(
            Requirement::Action(ManageRecalls).sentence(),
            "Access: permission `manage_recalls` (roles: admin, manager, engineer)."
        );
    }
}
