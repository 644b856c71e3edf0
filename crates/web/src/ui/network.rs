//! Networked devices in the web UI: the asset page's Network section (with its edit form for
//! inventory managers) and the cyber report page (`/reports/cyber`: unsupported operating systems
//! and certificates expiring within 60 days).

use super::view;
use super::{Flash, Layout, csrf_refused, error_page, html, parse_id, redirect_with, service_error_page};
use crate::AppState;
use crate::auth::WebUser;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Form, Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use htm_domain::asset::Asset;
use htm_domain::ids::AssetId;
use htm_domain::network::{
    self as rules, Authentication, Connection, Encryption, MalwareProtection, ModelSecurityProfile, NetworkFields,
    Patching, RemoteService, SecurityFields,
};
use htm_service::{Action, Principal, ServiceError};
use serde::Deserialize;

/// The days of the certificates report on the cyber page.
const CERT_DAYS: u16 = 60;

/// The asset page's Network section.
pub struct NetworkPanel {
    /// Whether a profile is recorded (else only the form is shown, to inventory managers).
    pub exists: bool,
    pub can_edit: bool,
    pub version: String,
    pub details: Vec<(&'static str, String)>,
    /// Set when the model's security profile says this software version's OS is past support.
    pub unsupported: Option<String>,
    /// Form values.
    pub hostname: String,
    pub ip_addresses: String,
    pub mac_addresses: String,
    pub vlan: String,
    pub connections: Vec<(&'static str, &'static str, bool)>,
    pub os_name: String,
    pub os_version: String,
    pub software_version: String,
    pub stores_phi: bool,
    pub transmits_phi: bool,
    pub remote_access: bool,
    pub remote_access_method: String,
    pub cert_expires_on: String,
    /// The model's MDS2 security profiles (one per software version), each with its edit form
    /// values, then an empty one to add a software version (when the reader may edit).
    pub security: Vec<SecurityForm>,
    /// How many security profiles the model has.
    pub security_count: usize,
    pub model_label: String,
}

/// One MDS2 security profile of the asset's model, as shown and as its edit form's values.
pub struct SecurityForm {
    /// Empty for the "add a software version" form.
    pub version: String,
    pub software_version: String,
    pub summary: Vec<(&'static str, String)>,
    pub eos_past: bool,
    pub authentication: Vec<(&'static str, &'static str, bool)>,
    pub encryption_at_rest: Vec<(&'static str, &'static str, bool)>,
    pub encryption_in_transit: Vec<(&'static str, &'static str, bool)>,
    pub patching: Vec<(&'static str, &'static str, bool)>,
    pub malware_protection: Vec<(&'static str, &'static str, bool)>,
    pub remote_service: Vec<(&'static str, &'static str, bool)>,
    pub patching_notes: String,
    pub os_name: String,
    pub os_version: String,
    pub os_end_of_support: String,
}

macro_rules! choices {
    ($t:ty, $cur:expr) => {
        <$t>::ALL.iter().map(|c| (c.as_str(), c.label(), Some(*c) == $cur)).collect()
    };
}

fn security_forms(profiles: &[ModelSecurityProfile], can_edit: bool, today: jiff::civil::Date) -> Vec<SecurityForm> {
    let mut out: Vec<SecurityForm> = profiles
        .iter()
        .map(|sp| {
            let f = &sp.fields;
            let os =
                [f.os_name.as_deref(), f.os_version.as_deref()].into_iter().flatten().collect::<Vec<_>>().join(" ");
            let eos_past = rules::os_unsupported(f.os_end_of_support, today);
            SecurityForm {
                version: sp.version.to_string(),
                software_version: f.software_version.clone(),
                summary: vec![
                    ("Authentication", f.authentication.label().to_string()),
                    ("Encrypted at rest", f.encryption_at_rest.label().to_string()),
                    ("Encrypted in transit", f.encryption_in_transit.label().to_string()),
                    ("Security patches", f.patching.label().to_string()),
                    ("Malware protection", f.malware_protection.label().to_string()),
                    ("Remote service", f.remote_service.label().to_string()),
                    ("Operating system", view::or_dash(Some(os.as_str()).filter(|o| !o.is_empty()))),
                    (
                        "OS end of support",
                        match f.os_end_of_support {
                            Some(d) if eos_past => format!("{d} (past)"),
                            d => view::date_opt(d),
                        },
                    ),
                    ("Updated", format!("{} by {} (version {})", view::ts(sp.updated_at), sp.updated_by, sp.version)),
                ],
                eos_past,
                authentication: choices!(Authentication, Some(f.authentication)),
                encryption_at_rest: choices!(Encryption, Some(f.encryption_at_rest)),
                encryption_in_transit: choices!(Encryption, Some(f.encryption_in_transit)),
                patching: choices!(Patching, Some(f.patching)),
                malware_protection: choices!(MalwareProtection, Some(f.malware_protection)),
                remote_service: choices!(RemoteService, Some(f.remote_service)),
                patching_notes: f.patching_notes.clone().unwrap_or_default(),
                os_name: f.os_name.clone().unwrap_or_default(),
                os_version: f.os_version.clone().unwrap_or_default(),
                os_end_of_support: f.os_end_of_support.map(|d| d.to_string()).unwrap_or_default(),
            }
        })
        .collect();
    if can_edit {
        out.push(SecurityForm {
            version: String::new(),
            software_version: String::new(),
            summary: Vec::new(),
            eos_past: false,
            authentication: choices!(Authentication, Some(Authentication::Unknown)),
            encryption_at_rest: choices!(Encryption, Some(Encryption::Unknown)),
            encryption_in_transit: choices!(Encryption, Some(Encryption::Unknown)),
            patching: choices!(Patching, Some(Patching::Unknown)),
            malware_protection: choices!(MalwareProtection, Some(MalwareProtection::Unknown)),
            remote_service: choices!(RemoteService, Some(RemoteService::Unknown)),
            patching_notes: String::new(),
            os_name: String::new(),
            os_version: String::new(),
            os_end_of_support: String::new(),
        });
    }
    out
}

fn yn(b: bool) -> String {
    if b { "Yes".into() } else { "No".into() }
}

/// The Network section of an asset: None when there is no profile and the reader may not add one
/// (or may not read inventory).
pub async fn panel(state: &AppState, p: &Principal, a: &Asset) -> Result<Option<NetworkPanel>, ServiceError> {
    let profile = match state.services.get_network_profile(p, a.id).await {
        Ok(x) => x,
        Err(ServiceError::Forbidden(_)) => return Ok(None),
        Err(e) => return Err(e),
    };
    let can_edit = p.can(Action::ManageInventory);
    let today = view::today();
    let profiles = state.services.list_model_security_profiles(p, a.model.id).await?;
    let security = security_forms(&profiles, can_edit, today);
    let security_count = profiles.len();
    let model_label = format!("{} {}", a.model.manufacturer, a.model.model_number);
    let Some(pr) = profile else {
        if !can_edit {
            return Ok(None);
        }
        return Ok(Some(NetworkPanel {
            exists: false,
            can_edit,
            version: String::new(),
            details: Vec::new(),
            unsupported: None,
            hostname: String::new(),
            ip_addresses: String::new(),
            mac_addresses: String::new(),
            vlan: String::new(),
            connections: Connection::ALL.iter().map(|c| (c.as_str(), c.label(), *c == Connection::Wired)).collect(),
            os_name: String::new(),
            os_version: String::new(),
            software_version: String::new(),
            stores_phi: false,
            transmits_phi: false,
            remote_access: false,
            remote_access_method: String::new(),
            cert_expires_on: String::new(),
            security,
            security_count,
            model_label,
        }));
    };
    let f = &pr.fields;
    let mut unsupported = None;
    if let Some(sw) = f.software_version.as_deref()
        && let Some(sp) = profiles.iter().find(|s| s.fields.software_version == sw)
        && rules::os_unsupported(sp.fields.os_end_of_support, today)
    {
        unsupported = Some(format!(
            "{} {} has been out of support since {} (model security profile for software {sw}).",
            sp.fields.os_name.as_deref().unwrap_or("The operating system"),
            sp.fields.os_version.as_deref().unwrap_or(""),
            view::date_opt(sp.fields.os_end_of_support)
        ));
    }
    let cert = match f.cert_expires_on {
        None => view::dash(),
        Some(d) if d < today => format!("{d} (expired)"),
        Some(d) if rules::cert_expiring(Some(d), today, CERT_DAYS) => format!("{d} (within {CERT_DAYS} days)"),
        Some(d) => d.to_string(),
    };
    let s = |v: &Option<String>| v.clone().unwrap_or_default();
    let os = [f.os_name.as_deref(), f.os_version.as_deref()].into_iter().flatten().collect::<Vec<_>>().join(" ");
    Ok(Some(NetworkPanel {
        exists: true,
        can_edit,
        version: pr.version.to_string(),
        details: vec![
            ("Host name", view::or_dash(f.hostname.as_deref())),
            ("IP addresses", view::or_dash(f.ip_addresses.as_deref())),
            ("MAC addresses", view::or_dash(f.mac_addresses.as_deref())),
            ("VLAN", view::or_dash(f.vlan.as_deref())),
            ("Connection", f.connection.label().to_string()),
            ("Operating system", view::or_dash(Some(os.as_str()).filter(|o| !o.is_empty()))),
            ("Software version", view::or_dash(f.software_version.as_deref())),
            ("Stores patient data", yn(f.stores_phi)),
            ("Transmits patient data", yn(f.transmits_phi)),
            (
                "Remote access",
                if f.remote_access {
                    format!("Yes{}", f.remote_access_method.as_ref().map(|m| format!(" ({m})")).unwrap_or_default())
                } else {
                    "No".into()
                },
            ),
            ("Certificate expires", cert),
            ("Updated", format!("{} by {}", view::ts(pr.updated_at), pr.updated_by)),
        ],
        unsupported,
        hostname: s(&f.hostname),
        ip_addresses: s(&f.ip_addresses),
        mac_addresses: s(&f.mac_addresses),
        vlan: s(&f.vlan),
        connections: Connection::ALL.iter().map(|c| (c.as_str(), c.label(), *c == f.connection)).collect(),
        os_name: s(&f.os_name),
        os_version: s(&f.os_version),
        software_version: s(&f.software_version),
        stores_phi: f.stores_phi,
        transmits_phi: f.transmits_phi,
        remote_access: f.remote_access,
        remote_access_method: s(&f.remote_access_method),
        cert_expires_on: f.cert_expires_on.map(|d| d.to_string()).unwrap_or_default(),
        security,
        security_count,
        model_label,
    }))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct NetworkForm {
    csrf: String,
    version: String,
    hostname: String,
    ip_addresses: String,
    mac_addresses: String,
    vlan: String,
    connection: String,
    os_name: String,
    os_version: String,
    software_version: String,
    stores_phi: Option<String>,
    transmits_phi: Option<String>,
    remote_access: Option<String>,
    remote_access_method: String,
    cert_expires_on: String,
}

fn opt(s: String) -> Option<String> {
    Some(s).filter(|s| !s.trim().is_empty())
}

/// Saves the asset's network profile from the form.
pub async fn save(
    State(state): State<AppState>,
    user: WebUser,
    Path(id): Path<String>,
    Form(f): Form<NetworkForm>,
) -> Response {
    let layout = Layout::new(Some(&user), "assets", Flash(None));
    if user.check_csrf(&f.csrf).is_err() {
        return csrf_refused(layout);
    }
    let Some(id) = parse_id(&id) else {
        return error_page(layout, StatusCode::NOT_FOUND, "Not found", "There is no asset with this number.");
    };
    let back = format!("/assets/{id}#asset-network");
    let fail = |msg: &str| redirect_with(&back, "error", msg);
    let connection = match Connection::parse(&f.connection) {
        Ok(c) => c,
        Err(e) => return fail(&e.to_string()),
    };
    let cert_expires_on = match f.cert_expires_on.trim() {
        "" => None,
        s => match s.parse::<jiff::civil::Date>() {
            Ok(d) => Some(d),
            Err(_) => return fail("cert_expires_on: give a date as YYYY-MM-DD"),
        },
    };
    let version = match f.version.trim() {
        "" => None,
        v => v.parse::<i64>().ok(),
    };
    let fields = NetworkFields {
        hostname: opt(f.hostname),
        ip_addresses: opt(f.ip_addresses),
        mac_addresses: opt(f.mac_addresses),
        vlan: opt(f.vlan),
        connection,
        os_name: opt(f.os_name),
        os_version: opt(f.os_version),
        software_version: opt(f.software_version),
        stores_phi: f.stores_phi.is_some(),
        transmits_phi: f.transmits_phi.is_some(),
        remote_access: f.remote_access.is_some(),
        remote_access_method: opt(f.remote_access_method),
        cert_expires_on,
    };
    match state.services.save_network_profile(&user.principal, AssetId(id), fields, version).await {
        Ok(p) => redirect_with(&back, "ok", &format!("Network profile saved (version {}).", p.version)),
        Err(ServiceError::Validation(errs)) => {
            fail(&errs.iter().map(|e| format!("{}: {}", e.field, e.message)).collect::<Vec<_>>().join("; "))
        }
        Err(ServiceError::Stale(m)) => fail(&m),
        Err(e) => service_error_page(layout, &e),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct SecurityProfileForm {
    csrf: String,
    version: String,
    software_version: String,
    authentication: String,
    encryption_at_rest: String,
    encryption_in_transit: String,
    patching: String,
    patching_notes: String,
    malware_protection: String,
    remote_service: String,
    os_name: String,
    os_version: String,
    os_end_of_support: String,
}

fn security_fields(f: SecurityProfileForm) -> Result<(SecurityFields, Option<i64>), String> {
    fn e<T>(r: Result<T, htm_domain::DomainError>) -> Result<T, String> {
        r.map_err(|e| e.to_string())
    }
    let os_end_of_support = match f.os_end_of_support.trim() {
        "" => None,
        s => Some(s.parse::<jiff::civil::Date>().map_err(|_| "os_end_of_support: give a date as YYYY-MM-DD")?),
    };
    let version = match f.version.trim() {
        "" => None,
        v => Some(v.parse::<i64>().map_err(|_| "version: not a number")?),
    };
    Ok((
        SecurityFields {
            software_version: f.software_version,
            authentication: e(Authentication::parse(&f.authentication))?,
            encryption_at_rest: e(Encryption::parse(&f.encryption_at_rest))?,
            encryption_in_transit: e(Encryption::parse(&f.encryption_in_transit))?,
            patching: e(Patching::parse(&f.patching))?,
            patching_notes: opt(f.patching_notes),
            malware_protection: e(MalwareProtection::parse(&f.malware_protection))?,
            remote_service: e(RemoteService::parse(&f.remote_service))?,
            os_name: opt(f.os_name),
            os_version: opt(f.os_version),
            os_end_of_support,
        },
        version,
    ))
}

/// Saves an MDS2 security profile of the asset's model (by software version) from the asset
/// page's form; back to the asset's Network section.
pub async fn save_security_profile(
    State(state): State<AppState>,
    user: WebUser,
    Path(id): Path<String>,
    Form(f): Form<SecurityProfileForm>,
) -> Response {
    let layout = Layout::new(Some(&user), "assets", Flash(None));
    if user.check_csrf(&f.csrf).is_err() {
        return csrf_refused(layout);
    }
    let Some(id) = parse_id(&id) else {
        return error_page(layout, StatusCode::NOT_FOUND, "Not found", "There is no asset with this number.");
    };
    let back = format!("/assets/{id}#asset-security");
    let asset = match state.services.get_asset(&user.principal, AssetId(id)).await {
        Ok(a) => a,
        Err(e) => return service_error_page(layout, &e),
    };
    let (fields, version) = match security_fields(f) {
        Ok(x) => x,
        Err(m) => return redirect_with(&back, "error", &m),
    };
    match state.services.save_model_security_profile(&user.principal, asset.model.id, fields, version).await {
        Ok(sp) => redirect_with(
            &back,
            "ok",
            &format!(
                "Security profile for software {} of {} {} saved (version {}).",
                sp.fields.software_version, asset.model.manufacturer, asset.model.model_number, sp.version
            ),
        ),
        Err(ServiceError::Validation(errs)) => redirect_with(
            &back,
            "error",
            &errs.iter().map(|e| format!("{}: {}", e.field, e.message)).collect::<Vec<_>>().join("; "),
        ),
        Err(ServiceError::Stale(m)) => redirect_with(&back, "error", &m),
        Err(e) => service_error_page(layout, &e),
    }
}

pub struct OsRow {
    pub asset_id: i64,
    pub tag: String,
    pub model: String,
    pub hostname: String,
    pub software_version: String,
    pub os: String,
    pub end_of_support: String,
}

pub struct CertRow {
    pub asset_id: i64,
    pub tag: String,
    pub model: String,
    pub hostname: String,
    pub expires: String,
    pub expired: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "cyber_report.html")]
struct CyberPage {
    layout: Layout,
    today: String,
    days: u16,
    horizon: String,
    os_rows: Vec<OsRow>,
    cert_rows: Vec<CertRow>,
}

/// `/reports/cyber`: assets with an unsupported OS and certificates expiring within 60 days.
pub async fn report(State(state): State<AppState>, user: WebUser, flash: Flash) -> Response {
    let layout = Layout::new(Some(&user), "cyber_report", flash);
    let p = &user.principal;
    let today = view::today();
    let os = match state.services.unsupported_os_report(p, today, None, 500).await {
        Ok(r) => r,
        Err(e) => return service_error_page(layout, &e),
    };
    let certs = match state.services.certificates_expiring_report(p, today, CERT_DAYS, None, 500).await {
        Ok(r) => r,
        Err(e) => return service_error_page(layout, &e),
    };
    let page = CyberPage {
        layout: layout.clone(),
        today: today.to_string(),
        days: CERT_DAYS,
        horizon: certs.horizon.to_string(),
        os_rows: os
            .rows
            .into_iter()
            .map(|r| OsRow {
                asset_id: r.asset_id.0,
                tag: r.asset_tag,
                model: format!("{} {}", r.manufacturer_name, r.model_number),
                hostname: view::or_dash(r.hostname.as_deref()),
                software_version: r.software_version,
                os: [r.os_name, r.os_version].into_iter().flatten().collect::<Vec<_>>().join(" "),
                end_of_support: r.os_end_of_support.to_string(),
            })
            .collect(),
        cert_rows: certs
            .rows
            .into_iter()
            .map(|r| CertRow {
                asset_id: r.asset_id.0,
                tag: r.asset_tag,
                model: format!("{} {}", r.manufacturer_name, r.model_number),
                hostname: view::or_dash(r.hostname.as_deref()),
                expires: r.cert_expires_on.to_string(),
                expired: r.cert_expires_on < today,
            })
            .collect(),
    };
    html(StatusCode::OK, &layout, page)
}
