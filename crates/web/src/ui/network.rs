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
use htm_domain::network::{self as rules, Connection, NetworkFields};
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
        }));
    };
    let f = &pr.fields;
    let today = view::today();
    let mut unsupported = None;
    if let Some(sw) = f.software_version.as_deref() {
        let profiles = state.services.list_model_security_profiles(p, a.model.id).await?;
        if let Some(sp) = profiles.iter().find(|s| s.fields.software_version == sw)
            && rules::os_unsupported(sp.fields.os_end_of_support, today)
        {
            unsupported = Some(format!(
                "{} {} has been out of support since {} (model security profile for software {sw}).",
                sp.fields.os_name.as_deref().unwrap_or("The operating system"),
                sp.fields.os_version.as_deref().unwrap_or(""),
                view::date_opt(sp.fields.os_end_of_support)
            ));
        }
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
