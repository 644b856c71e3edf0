//! The web UI, driven in-process through the whole application router over a real SQLite
//! database: sign-in, the pages' contracts (the selectors the browser smoke test relies on),
//! CSRF, and a repair from the form to completion.

// The helpers below run only inside tests: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode, header};
use htm_domain::asset::{AssetStatus, NewAsset, Udi};
use htm_domain::catalog::{NewDeviceModel, NewManufacturer};
use htm_domain::ids::{AssetId, UserId, WorkOrderId};
use htm_domain::org::{NewBuilding, NewDepartment, NewLocation, NewSite};
use htm_domain::user::{NewUser, Role};
use htm_service::{Principal, Services};
use htm_test_support::TestDb;
use htm_web::AppState;
use http_body_util::BodyExt;
use std::sync::Arc;
use tower::ServiceExt;

const ADMIN_PASSWORD: &str = "Test-Chief-Pass-1";
const TECH_PASSWORD: &str = "Bench-Work-2026-x";

struct App {
    router: Router,
    services: Arc<Services>,
    asset_id: i64,
    tech_id: i64,
    _db: TestDb,
}

/// A fresh database with an admin, a technician and one in-service infusion pump.
async fn app() -> App {
    app_on(htm_test_support::sqlite().await).await
}

/// The same, on a given database (journeys that touch storage run on both back ends).
async fn app_on(db: TestDb) -> App {
    let services = Services::new(db.store.clone(), Default::default());
    services.ensure_admin(Some(ADMIN_PASSWORD.into())).await.unwrap();
    let sys = Principal::system();
    let site = services
        .create_site(&sys, NewSite { code: "MAIN".into(), name: "Main Hospital".into(), address: None })
        .await
        .unwrap();
    let building = services
        .create_building(&sys, NewBuilding { site_id: site.id, code: "A".into(), name: "Tower A".into() })
        .await
        .unwrap();
    let dept = services
        .create_department(
            &sys,
            NewDepartment { building_id: building.id, cost_center: "6100".into(), name: "Adult ICU".into() },
        )
        .await
        .unwrap();
    let loc = services
        .create_location(
            &sys,
            NewLocation { department_id: dept.id, name: "ICU Bed 4".into(), floor: Some("6".into()) },
        )
        .await
        .unwrap();
    let maker = services.create_manufacturer(&sys, NewManufacturer { name: "Baxter".into() }).await.unwrap();
    let model = services
        .create_model(
            &sys,
            NewDeviceModel {
                fda_product_code: Some("FRN".into()),
                expected_life_years: Some(10),
                high_risk: true,
                ..NewDeviceModel::new(maker.id, "SIGMA-S", "Spectrum IQ", "Infusion pump, large-volume")
            },
        )
        .await
        .unwrap();
    let asset = services
        .create_asset(
            &sys,
            NewAsset {
                asset_tag: "BME-004217".into(),
                serial_number: Some("SN-99812".into()),
                model_id: model.id,
                department_id: dept.id,
                location_id: Some(loc.id),
                status: AssetStatus::InService,
                acquisition_date: None,
                acquisition_cost_minor: Some(450_000),
                currency: "USD".into(),
                vendor_id: None,
                purchase_order: None,
                in_service_date: None,
                warranty_end: None,
                udi: Udi::default(),
                high_risk_override: None,
                life_support_override: None,
                notes: Some("Bolus door sticks.".into()),
            },
        )
        .await
        .unwrap();
    let tech = services
        .create_user(
            &sys,
            NewUser {
                username: "rlopez".into(),
                display_name: "Rosa Lopez".into(),
                role: Role::Technician,
                email: None,
                vendor_id: None,
                password: TECH_PASSWORD.into(),
            },
        )
        .await
        .unwrap();
    let state = AppState::new(services);
    let services = state.services.clone();
    App { router: htm_web::router(state), services, asset_id: asset.id.0, tech_id: tech.id.0, _db: db }
}

struct Reply {
    status: StatusCode,
    headers: HeaderMap,
    body: String,
}

impl Reply {
    fn location(&self) -> &str {
        self.headers.get(header::LOCATION).and_then(|v| v.to_str().ok()).unwrap_or("")
    }
}

async fn send(app: &App, req: Request<Body>) -> Reply {
    let res = app.router.clone().oneshot(req).await.unwrap();
    let status = res.status();
    let headers = res.headers().clone();
    let bytes = res.into_body().collect().await.unwrap().to_bytes();
    Reply { status, headers, body: String::from_utf8_lossy(&bytes).into_owned() }
}

fn form_encode(fields: &[(&str, &str)]) -> String {
    let enc = |s: &str| {
        s.bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
                b' ' => "+".to_string(),
                _ => format!("%{b:02X}"),
            })
            .collect::<String>()
    };
    fields.iter().map(|(k, v)| format!("{}={}", enc(k), enc(v))).collect::<Vec<_>>().join("&")
}

async fn get(app: &App, path: &str, session: Option<&Session>) -> Reply {
    let mut b = Request::get(path);
    if let Some(s) = session {
        b = b.header(header::COOKIE, &s.cookie);
    }
    send(app, b.body(Body::empty()).unwrap()).await
}

async fn post(app: &App, path: &str, session: Option<&Session>, fields: &[(&str, &str)]) -> Reply {
    let mut b = Request::post(path).header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
    if let Some(s) = session {
        b = b.header(header::COOKIE, &s.cookie);
    }
    send(app, b.body(Body::from(form_encode(fields))).unwrap()).await
}

struct Session {
    cookie: String,
    csrf: String,
    /// The user's password, re-entered to sign.
    password: String,
}

async fn login(app: &App, user: &str, password: &str) -> Session {
    let r = post(app, "/login", None, &[("username", user), ("password", password), ("next", "/")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let set = r
        .headers
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("htm_session="))
        .expect("a session cookie")
        .to_string();
    let cookie = set.split(';').next().unwrap().to_string();
    let token = cookie.trim_start_matches("htm_session=");
    Session { csrf: htm_web::auth::csrf_for(token), cookie, password: password.to_string() }
}

/// The `value` of the first hidden input named `name`.
fn hidden_value(html: &str, name: &str) -> String {
    let needle = format!("name=\"{name}\" value=\"");
    let start = html.find(&needle).unwrap_or_else(|| panic!("no input named {name}")) + needle.len();
    html[start..].split('"').next().unwrap().to_string()
}

/// Opens a repair on the pump through the form and returns its id.
async fn open_repair(app: &App, s: &Session) -> i64 {
    let asset = app.asset_id.to_string();
    let r = post(
        app,
        "/work-orders",
        Some(s),
        &[
            ("csrf", &s.csrf),
            ("asset_id", &asset),
            ("wo_type", "repair"),
            ("priority", "high"),
            ("problem", "Occlusion alarm without occlusion"),
            ("requester_contact", "ext. 4410"),
            ("assigned_to", ""),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    r.location().strip_prefix("/work-orders/").and_then(|id| id.parse().ok()).expect("redirect to the new work order")
}

async fn asset_status(app: &App) -> AssetStatus {
    app.services.get_asset(&Principal::system(), AssetId(app.asset_id)).await.unwrap().status
}

#[tokio::test]
async fn the_login_page_renders_an_accessible_form() {
    let app = app().await;
    let r = get(&app, "/login?next=/assets", None).await;
    assert_eq!(r.status, StatusCode::OK);
    for needle in [
        "<html lang=\"en\">",
        "<title>",
        "<main",
        "id=\"username\"",
        "<label for=\"username\">",
        "id=\"password\"",
        "<label for=\"password\">",
        "id=\"login-submit\"",
        "name=\"next\" value=\"/assets\"",
    ] {
        assert!(r.body.contains(needle), "missing {needle}");
    }
    assert!(!r.body.contains("style=\""), "inline styles break the CSP");
    assert!(r.headers.get(header::CONTENT_SECURITY_POLICY).is_some());
}

#[tokio::test]
async fn a_wrong_password_is_refused_with_401_and_the_user_name_is_kept() {
    let app = app().await;
    let r = post(&app, "/login", None, &[("username", "admin"), ("password", "not-the-password"), ("next", "/")]).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert!(r.body.contains("Wrong user name or password"));
    assert!(r.body.contains("value=\"admin\""));
    assert!(r.headers.get(header::SET_COOKIE).is_none());
}

#[tokio::test]
async fn signing_in_sets_an_http_only_cookie_and_follows_only_local_next_paths() {
    let app = app().await;
    let r =
        post(&app, "/login", None, &[("username", "admin"), ("password", ADMIN_PASSWORD), ("next", "/assets?q=pump")])
            .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.location(), "/assets?q=pump");
    let cookie = r.headers.get(header::SET_COOKIE).and_then(|v| v.to_str().ok()).unwrap();
    assert!(
        cookie.starts_with("htm_session=") && cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );

    let r =
        post(&app, "/login", None, &[("username", "admin"), ("password", ADMIN_PASSWORD), ("next", "//evil.example/")])
            .await;
    assert_eq!(r.location(), "/");
    let r = post(
        &app,
        "/login",
        None,
        &[("username", "admin"), ("password", ADMIN_PASSWORD), ("next", "/assets?q=café pump")],
    )
    .await;
    assert_eq!(r.location(), "/assets?q=caf%C3%A9%20pump", "a Location header carries ASCII only");
}

#[tokio::test]
async fn pages_without_a_session_redirect_to_the_login_page() {
    let app = app().await;
    for path in ["/", "/assets?q=pump", "/work-orders", "/work-orders/new"] {
        let r = get(&app, path, None).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{path}");
        assert!(r.location().starts_with("/login?next=/"), "{path} → {}", r.location());
    }
}

#[tokio::test]
async fn signing_out_needs_the_csrf_token_and_ends_the_session() {
    let app = app().await;
    let s = login(&app, "admin", ADMIN_PASSWORD).await;
    let r = post(&app, "/logout", Some(&s), &[("csrf", "forged")]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = post(&app, "/logout", Some(&s), &[("csrf", &s.csrf)]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.location(), "/login");
    let r = get(&app, "/", Some(&s)).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "the old cookie no longer works");
}

#[tokio::test]
async fn the_dashboard_shows_open_work_by_status_and_age_and_assets_out_of_service() {
    let app = app().await;
    let s = login(&app, "admin", ADMIN_PASSWORD).await;
    open_repair(&app, &s).await;
    let r = get(&app, "/", Some(&s)).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("id=\"dashboard\""));
    assert!(r.body.contains("href=\"/work-orders?status=open\""));
    assert!(r.body.contains("2 days or less"));
    assert!(r.body.contains("href=\"/assets?status=out_of_service\""));
    assert!(r.body.contains(&s.csrf), "the sign-out form carries the CSRF token");

    let t = login(&app, "rlopez", TECH_PASSWORD).await;
    let r = get(&app, "/", Some(&t)).await;
    assert!(r.body.contains("id=\"my-work\""), "technicians see their own work");
}

#[tokio::test]
async fn asset_search_finds_the_asset_and_each_row_links_to_its_page() {
    let app = app().await;
    let s = login(&app, "admin", ADMIN_PASSWORD).await;
    let r = get(&app, "/assets?q=spectrum", Some(&s)).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("id=\"asset-search\"") && r.body.contains("id=\"asset-search-submit\""));
    assert!(r.body.contains("<table id=\"asset-table\""));
    let link = format!("<a class=\"asset-link\" href=\"/assets/{}\">BME-004217</a>", app.asset_id);
    assert!(r.body.contains(&link), "{}", r.body);

    let r = get(&app, "/assets?q=no-such-thing", Some(&s)).await;
    assert!(!r.body.contains("class=\"asset-link\""));
    assert!(r.body.contains("No assets found"));

    // htmx live search gets only the results fragment.
    let req = Request::get("/assets?q=baxter")
        .header(header::COOKIE, &s.cookie)
        .header("HX-Request", "true")
        .body(Body::empty())
        .unwrap();
    let r = send(&app, req).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(!r.body.contains("<html") && r.body.contains("class=\"asset-link\""));
}

#[tokio::test]
async fn the_asset_page_shows_the_tag_details_and_a_new_work_order_link() {
    let app = app().await;
    let s = login(&app, "admin", ADMIN_PASSWORD).await;
    let r = get(&app, &format!("/assets/{}", app.asset_id), Some(&s)).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("<span id=\"asset-tag\">BME-004217</span>"));
    assert!(r.body.contains(&format!("id=\"new-work-order\" href=\"/work-orders/new?asset_id={}\"", app.asset_id)));
    assert!(r.body.contains("SN-99812") && r.body.contains("ICU Bed 4") && r.body.contains("4,500.00 USD"));
    assert!(r.body.contains("High risk"));
    assert!(r.body.contains("id=\"history\"") && r.body.contains("Record created"));

    let r = get(&app, "/assets/999999", Some(&s)).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert!(r.body.contains("<main"), "errors are pages, not bare text");
}

#[tokio::test]
async fn a_post_without_the_right_csrf_token_is_refused() {
    let app = app().await;
    let s = login(&app, "admin", ADMIN_PASSWORD).await;
    let asset = app.asset_id.to_string();
    for csrf in ["", "0123456789abcdef"] {
        let r = post(
            &app,
            "/work-orders",
            Some(&s),
            &[("csrf", csrf), ("asset_id", &asset), ("wo_type", "repair"), ("problem", "x")],
        )
        .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
    }
    assert_eq!(asset_status(&app).await, AssetStatus::InService, "nothing was opened");
}

#[tokio::test]
async fn the_new_work_order_form_has_its_fields_and_requesters_only_report_problems() {
    let app = app().await;
    let s = login(&app, "admin", ADMIN_PASSWORD).await;
    let r = get(&app, &format!("/work-orders/new?asset_id={}", app.asset_id), Some(&s)).await;
    assert_eq!(r.status, StatusCode::OK);
    for needle in [
        "id=\"wo_type\" name=\"wo_type\"",
        "id=\"priority\" name=\"priority\"",
        "id=\"problem\" name=\"problem\"",
        "id=\"wo-create-submit\"",
        "name=\"requester_contact\"",
        "value=\"normal\" selected",
        "value=\"pm\"",
    ] {
        assert!(r.body.contains(needle), "missing {needle}");
    }
    assert!(r.body.contains("Rosa Lopez"), "admins may assign to a technician");

    app.services
        .create_user(
            &Principal::system(),
            NewUser {
                username: "nurse".into(),
                display_name: "Ana Hernandez".into(),
                role: Role::Requester,
                email: None,
                vendor_id: None,
                password: "Ward-Seven-Pass-26".into(),
            },
        )
        .await
        .unwrap();
    let n = login(&app, "nurse", "Ward-Seven-Pass-26").await;
    let r = get(&app, &format!("/work-orders/new?asset_id={}", app.asset_id), Some(&n)).await;
    assert!(r.body.contains("value=\"repair\"") && r.body.contains("value=\"user_support\""));
    assert!(!r.body.contains("value=\"pm\""), "a requester may not open a PM");
    assert!(!r.body.contains("id=\"assigned_to\""), "a requester does not assign");

    // The nurse reports a problem and follows it, but is offered no workflow or edit controls.
    let id = open_repair(&app, &n).await;
    let r = get(&app, &format!("/work-orders/{id}"), Some(&n)).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("id=\"wo-status\">Open</span>") && r.body.contains("Ana Hernandez"));
    for hidden in ["name=\"to\"", "id=\"labour-form\"", "id=\"part-form\"", "id=\"complete-form\""] {
        assert!(!r.body.contains(hidden), "a requester must not see {hidden}");
    }
    let r = post(
        &app,
        &format!("/work-orders/{id}/transition"),
        Some(&n),
        &[("csrf", &n.csrf), ("to", "cancelled"), ("reason", "mine")],
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "the service refuses, and the page says so");
    assert!(r.body.contains("<main") && r.body.contains("id=\"wo-status\">Open</span>"));
}

#[tokio::test]
async fn an_invalid_new_work_order_is_shown_again_with_messages_and_what_was_typed() {
    let app = app().await;
    let s = login(&app, "admin", ADMIN_PASSWORD).await;
    let r = post(
        &app,
        "/work-orders",
        Some(&s),
        &[
            ("csrf", &s.csrf),
            ("asset_tag", "NO-SUCH-TAG"),
            ("wo_type", "repair"),
            ("priority", "low"),
            ("problem", "  "),
            ("requester_contact", "ext. 4410"),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("no asset has the tag"), "{}", r.body);
    assert!(r.body.contains("value=\"ext. 4410\""));
    assert!(r.body.contains("value=\"low\" selected"));

    let asset = app.asset_id.to_string();
    let r = post(
        &app,
        "/work-orders",
        Some(&s),
        &[("csrf", &s.csrf), ("asset_id", &asset), ("wo_type", "repair"), ("problem", "")],
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("id=\"problem-error\"") && r.body.contains("Problem is required"));
    assert_eq!(asset_status(&app).await, AssetStatus::InService);
}

#[tokio::test]
async fn a_repair_goes_from_the_form_to_completed_and_the_asset_returns_to_service() {
    for db in htm_test_support::stores().await {
        let app = app_on(db).await;
        let s = login(&app, "admin", ADMIN_PASSWORD).await;
        let id = open_repair(&app, &s).await;
        let page = format!("/work-orders/{id}");

        let r = get(&app, &page, Some(&s)).await;
        assert_eq!(r.status, StatusCode::OK);
        assert!(r.body.contains("<span id=\"wo-number\">WO-"), "{}", r.body);
        assert!(r.body.contains("id=\"wo-status\">Open</span>"));
        assert!(r.body.contains("name=\"to\" value=\"in_progress\""));
        assert!(!r.body.contains("id=\"complete-form\""), "an open work order cannot be completed yet");
        assert_eq!(asset_status(&app).await, AssetStatus::OutOfService, "an open repair takes the pump out of service");

        // An administrator does not do the work: starting it asks who does (a technician by default).
        let version = hidden_value(&r.body, "version");
        assert!(r.body.contains(&format!("<option value=\"{}\" selected>Rosa Lopez", app.tech_id)));
        let tech = app.tech_id.to_string();
        let r = post(
            &app,
            &format!("{page}/transition"),
            Some(&s),
            &[("csrf", &s.csrf), ("version", &version), ("assigned_to", &tech), ("to", "in_progress")],
        )
        .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        assert_eq!(r.location(), page);
        assert!(
            r.headers.get_all(header::SET_COOKIE).iter().any(|c| c.to_str().unwrap_or("").starts_with("htm_flash="))
        );

        let r = get(&app, &page, Some(&s)).await;
        assert!(r.body.contains("id=\"wo-status\">In progress</span>"));
        for needle in [
            "id=\"complete-form\"",
            "id=\"cause_code\" name=\"cause_code\"",
            "EF — Evident failure",
            "id=\"work_performed\" name=\"work_performed\"",
            "id=\"result\" name=\"result\"",
            "id=\"complete-submit\"",
        ] {
            assert!(r.body.contains(needle), "missing {needle}");
        }

        let version = hidden_value(&r.body, "version");
        let r = post(
            &app,
            &format!("{page}/transition"),
            Some(&s),
            &[
                ("csrf", &s.csrf),
                ("version", &version),
                ("to", "completed"),
                ("cause_code", "EF"),
                ("work_performed", "Replaced the door latch"),
                ("result", "pass"),
                ("password", "Wrong-Password-0"),
            ],
        )
        .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "a wrong password signs nothing: {}", r.body);
        assert!(r.body.contains("not yours"), "{}", r.body);
        let r = post(
            &app,
            &format!("{page}/transition"),
            Some(&s),
            &[
                ("csrf", &s.csrf),
                ("version", &version),
                ("to", "completed"),
                ("cause_code", "EF"),
                ("work_performed", "Replaced the door latch"),
                ("result", "pass"),
                ("password", &s.password),
            ],
        )
        .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let r = get(&app, &page, Some(&s)).await;
        assert!(r.body.contains("id=\"wo-status\">Completed</span>"));
        assert!(r.body.contains("— responsibility (completed) —"), "the signature prints with the record");
        assert!(r.body.contains("Replaced the door latch") && r.body.contains("EF — Evident failure"));
        assert!(r.body.contains("name=\"to\" value=\"closed\""), "a completed repair can be closed");
        assert_eq!(asset_status(&app).await, AssetStatus::InService);

        let wo = app.services.get_work_order(&Principal::system(), WorkOrderId(id)).await.unwrap();
        assert_eq!(wo.assigned_to, Some(UserId(app.tech_id)));
    }
}

#[tokio::test]
async fn the_complete_form_with_missing_fields_shows_field_messages_and_changes_nothing() {
    let app = app().await;
    let t = login(&app, "rlopez", TECH_PASSWORD).await;
    let id = open_repair(&app, &t).await;
    let page = format!("/work-orders/{id}");
    let r = get(&app, &page, Some(&t)).await;
    let version = hidden_value(&r.body, "version");
    // A technician starting unassigned work takes it.
    let r = post(
        &app,
        &format!("{page}/transition"),
        Some(&t),
        &[("csrf", &t.csrf), ("version", &version), ("to", "in_progress")],
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);

    let r = get(&app, &page, Some(&t)).await;
    let version = hidden_value(&r.body, "version");
    let r = post(
        &app,
        &format!("{page}/transition"),
        Some(&t),
        &[
            ("csrf", &t.csrf),
            ("version", &version),
            ("to", "completed"),
            ("cause_code", ""),
            ("work_performed", "Checked the door"),
            ("result", ""),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("id=\"cause_code-error\"") && r.body.contains("id=\"result-error\""), "{}", r.body);
    assert!(!r.body.contains("id=\"work_performed-error\""));
    assert!(r.body.contains(">Checked the door</textarea>"), "what was typed is kept");
    assert!(r.body.contains("id=\"wo-status\">In progress</span>"));
    let wo = app.services.get_work_order(&Principal::system(), WorkOrderId(id)).await.unwrap();
    assert_eq!(wo.status.as_str(), "in_progress");
    assert_eq!(asset_status(&app).await, AssetStatus::OutOfService);
}

#[tokio::test]
async fn a_stale_version_shows_the_latest_version_with_a_message() {
    let app = app().await;
    let s = login(&app, "admin", ADMIN_PASSWORD).await;
    let id = open_repair(&app, &s).await;
    let page = format!("/work-orders/{id}");
    let r = get(&app, &page, Some(&s)).await;
    let old = hidden_value(&r.body, "version");
    let r = post(
        &app,
        &format!("{page}/labour"),
        Some(&s),
        &[
            ("csrf", &s.csrf),
            ("version", &old),
            ("technician", &app.tech_id.to_string()),
            ("minutes", "30"),
            ("note", "Diagnosis"),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);

    let r = post(
        &app,
        &format!("{page}/parts"),
        Some(&s),
        &[("csrf", &s.csrf), ("version", &old), ("part_number", "LATCH-7"), ("quantity", "1")],
    )
    .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(r.body.contains("This work order was changed by someone else; the page now shows the latest version."));
    assert!(r.body.contains("value=\"LATCH-7\""), "what was typed is kept");
    assert!(r.body.contains("Diagnosis") && r.body.contains("30 min"), "the latest version is shown");

    let fresh = hidden_value(&r.body, "version");
    let r = post(
        &app,
        &format!("{page}/parts"),
        Some(&s),
        &[
            ("csrf", &s.csrf),
            ("version", &fresh),
            ("part_number", "LATCH-7"),
            ("description", "Door latch"),
            ("quantity", "2"),
            ("unit_cost", "12.50"),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let r = get(&app, &page, Some(&s)).await;
    assert!(r.body.contains("LATCH-7") && r.body.contains("25.00"));
}

#[tokio::test]
async fn the_work_order_list_filters_and_links_to_each_work_order() {
    let app = app().await;
    let s = login(&app, "admin", ADMIN_PASSWORD).await;
    let id = open_repair(&app, &s).await;
    let r = get(&app, "/work-orders", Some(&s)).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains(&format!("href=\"/work-orders/{id}\"")));
    let r = get(&app, "/work-orders?status=completed", Some(&s)).await;
    assert!(!r.body.contains(&format!("href=\"/work-orders/{id}\"")));
    let r = get(&app, "/work-orders?status=any&type=repair&q=occlusion", Some(&s)).await;
    assert!(r.body.contains(&format!("href=\"/work-orders/{id}\"")));
}

#[tokio::test]
async fn static_files_are_served_with_their_content_type_and_long_caching() {
    let app = app().await;
    for (path, ty) in [
        ("/static/app.css", "text/css"),
        ("/static/htmx.min.js", "text/javascript"),
        ("/static/favicon.svg", "image/svg+xml"),
    ] {
        let r = get(&app, path, None).await;
        assert_eq!(r.status, StatusCode::OK, "{path}");
        assert!(r.headers[header::CONTENT_TYPE].to_str().unwrap().starts_with(ty), "{path}");
        assert!(r.headers[header::CACHE_CONTROL].to_str().unwrap().contains("max-age=31536000"));
        assert!(!r.body.is_empty());
    }
    assert_eq!(get(&app, "/static/nope.js", None).await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn text_that_looks_like_patient_information_is_held_back_until_confirmed() {
    let app = app().await;
    let s = login(&app, "admin", ADMIN_PASSWORD).await;
    let asset = app.asset_id.to_string();
    let fields = [
        ("csrf", s.csrf.as_str()),
        ("wo_type", "repair"),
        ("priority", "normal"),
        ("asset_id", asset.as_str()),
        ("problem", "Alarm during infusion for patient John Smith MRN 00482913"),
    ];
    let r = post(&app, "/work-orders", Some(&s), &fields).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("id=\"phi-warning\""), "{}", r.body);
    assert!(r.body.contains("medical record number"));
    let mut confirmed = fields.to_vec();
    confirmed.push(("phi_checked", "yes"));
    let r = post(&app, "/work-orders", Some(&s), &confirmed).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
}

#[tokio::test]
async fn the_safety_limits_page_answers_what_is_the_limit_here() {
    let app = app().await;
    let s = login(&app, "admin", ADMIN_PASSWORD).await;
    let r = get(&app, "/esa/limits?standard=iec62353&class=I&applied_part=CF", Some(&s)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body.contains("id=\"esa-table\""));
    assert!(r.body.contains("at most 50 uA"), "CF applied-part leakage: {}", r.body);
    assert!(r.body.contains("at least 70 MOhm"));
    let r = get(&app, "/esa/limits?standard=nfpa99&class=internal&applied_part=BF", Some(&s)).await;
    assert!(r.body.contains("id=\"esa-none\""), "{}", r.body);
}

#[tokio::test]
async fn pm_schedules_generation_and_the_completion_report_work_from_the_browser() {
    let app = app().await;
    let s = login(&app, "admin", ADMIN_PASSWORD).await;
    let asset = app.asset_id.to_string();
    let today = jiff::Timestamp::now().to_zoned(jiff::tz::TimeZone::UTC).date();
    let month = format!("{:04}-{:02}", today.year(), today.month());
    let anchor = format!("{month}-01");
    let r = post(
        &app,
        &format!("/assets/{asset}/pm-schedules"),
        Some(&s),
        &[
            ("csrf", s.csrf.as_str()),
            ("interval_months", "12"),
            ("basis", "fixed"),
            ("anchor_date", &anchor),
            ("grace_days", "0"),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let r = get(&app, &format!("/assets/{asset}"), Some(&s)).await;
    assert!(r.body.contains("id=\"asset-pm-schedules\""), "{}", r.body);
    assert!(r.body.contains("every 12 months"), "{}", r.body);
    let r = post(&app, "/pm/generate", Some(&s), &[("csrf", s.csrf.as_str()), ("month", &month)]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let r = get(&app, &format!("/reports/pm-compliance?month={month}"), Some(&s)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body.contains("id=\"pm-compliance-table\""));
    assert!(r.body.contains("data-label=\"Scheduled\">1<"), "{}", r.body);
    let r = post(&app, "/pm/generate", Some(&s), &[("csrf", "forged"), ("month", &month)]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
}

// ---------------------------------------------------------------------------------------------
// Doing a PM on the phone screen

/// Gives the pump a procedure (a check, a measurement, an electrical safety test) through its
/// model, protection class I and a CF applied part, and an analyzer calibrated until `due`.
/// Returns the procedure.
async fn pm_setup(app: &App, due: jiff::civil::Date) -> htm_domain::procedure::Procedure {
    use htm_domain::asset::AssetPatch;
    use htm_domain::esa::{AppliedPartType, ProtectionClass};
    use htm_domain::procedure::{NewProcedure, NewProcedureStep, StepKind};
    let sys = Principal::system();
    let step = |kind, instruction: &str| NewProcedureStep {
        kind,
        instruction: instruction.into(),
        unit: None,
        nominal: None,
        lower_limit: None,
        upper_limit: None,
        tolerance_pct: None,
    };
    let proc = app
        .services
        .create_procedure(
            &sys,
            NewProcedure {
                code: "ip-annual".into(),
                name: "Infusion pump annual PM".into(),
                steps: vec![
                    step(StepKind::Check, "Inspect housing, door latch and power cord"),
                    NewProcedureStep {
                        unit: Some("mL/h".into()),
                        nominal: Some(100.0),
                        tolerance_pct: Some(5.0),
                        ..step(StepKind::Measurement, "Flow rate at 100 mL/h")
                    },
                    step(StepKind::ElectricalSafety, "Electrical safety test"),
                ],
                requirement: Default::default(),
            },
        )
        .await
        .unwrap();
    let a = app.services.get_asset(&sys, AssetId(app.asset_id)).await.unwrap();
    app.services.set_model_procedure(&sys, a.model.id, Some("IP-ANNUAL")).await.unwrap();
    let p = AssetPatch {
        version: a.version,
        protection_class: Some(Some(ProtectionClass::I)),
        applied_part: Some(Some(AppliedPartType::Cf)),
        ..Default::default()
    };
    app.services.update_asset(&sys, a.id, p).await.unwrap();
    let n: NewAsset = serde_json::from_value(serde_json::json!({
        "asset_tag": "TEQ-ESA-01", "model_id": a.model.id.0, "department_id": a.department.id.0
    }))
    .unwrap();
    let t = app.services.create_asset(&sys, n).await.unwrap();
    let p = AssetPatch { version: t.version, calibration_due: Some(Some(due)), ..Default::default() };
    app.services.update_asset(&sys, t.id, p).await.unwrap();
    proc
}

/// Opens a PM on the pump through the form and starts it; returns its id.
async fn open_started_pm(app: &App, s: &Session) -> i64 {
    let asset = app.asset_id.to_string();
    let r = post(
        app,
        "/work-orders",
        Some(s),
        &[
            ("csrf", &s.csrf),
            ("asset_id", &asset),
            ("wo_type", "pm"),
            ("priority", "normal"),
            ("problem", "Annual PM"),
            ("requester_contact", ""),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let id: i64 = r.location().strip_prefix("/work-orders/").and_then(|id| id.parse().ok()).unwrap();
    let page = get(app, &format!("/work-orders/{id}"), Some(s)).await;
    assert!(!page.body.contains("id=\"do-pm\""), "an open PM is started first");
    let version = hidden_value(&page.body, "version");
    let r = post(
        app,
        &format!("/work-orders/{id}/transition"),
        Some(s),
        &[("csrf", &s.csrf), ("version", &version), ("to", "in_progress")],
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    id
}

fn in_days(days: i64) -> jiff::civil::Date {
    jiff::Timestamp::now().to_zoned(jiff::tz::TimeZone::UTC).date().checked_add(jiff::ToSpan::days(days)).unwrap()
}

/// The form fields of a PM: the check passed, `flow` mL/h, and every applicable IEC 62353 limit
/// read at its exact limit except those in `override_readings`.
async fn pm_fields(
    app: &App,
    proc: &htm_domain::procedure::Procedure,
    flow: &str,
    override_readings: &[(htm_domain::esa::EsaTest, &str)],
) -> Vec<(String, String)> {
    use htm_domain::esa::{AppliedPartType, EsaStandard, ProtectionClass};
    let limits = app.services.esa_limits(EsaStandard::Iec62353, ProtectionClass::I, AppliedPartType::Cf).await.unwrap();
    assert!(limits.len() >= 2, "{limits:?}");
    let mut f = vec![
        (format!("check-{}", proc.steps[0].id), "pass".to_string()),
        (format!("value-{}", proc.steps[1].id), flow.to_string()),
        ("standard".into(), "iec62353".into()),
    ];
    for l in &limits {
        let v = override_readings.iter().find(|(t, _)| *t == l.test).map(|(_, v)| v.to_string());
        f.push((format!("esa-{}", l.id), v.unwrap_or_else(|| format!("{}", l.limit))));
    }
    f
}

async fn post_pm(app: &App, s: &Session, id: i64, version: &str, complete: &str, fields: &[(String, String)]) -> Reply {
    let mut all: Vec<(&str, &str)> =
        vec![("csrf", &s.csrf), ("version", version), ("complete", complete), ("password", &s.password)];
    all.extend(fields.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    post(app, &format!("/work-orders/{id}/pm"), Some(s), &all).await
}

#[tokio::test]
async fn a_pm_is_recorded_on_the_phone_screen_at_the_exact_limits_and_signed_off() {
    for db in htm_test_support::stores().await {
        let app = app_on(db).await;
        let proc = pm_setup(&app, in_days(30)).await;
        let s = login(&app, "rlopez", TECH_PASSWORD).await;
        let id = open_started_pm(&app, &s).await;

        let wo_page = get(&app, &format!("/work-orders/{id}"), Some(&s)).await;
        assert!(wo_page.body.contains(&format!("href=\"/work-orders/{id}/pm\"")), "{}", wo_page.body);
        assert!(wo_page.body.contains("id=\"do-pm\""));

        let pm = format!("/work-orders/{id}/pm");
        let r = get(&app, &pm, Some(&s)).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        for needle in [
            "id=\"pm-record\"",
            "IP-ANNUAL v1 — Infusion pump annual PM",
            &format!("name=\"check-{}\" value=\"pass\"", proc.steps[0].id),
            &format!("name=\"check-{}\" value=\"fail\"", proc.steps[0].id),
            &format!("name=\"value-{}\" type=\"text\" inputmode=\"decimal\"", proc.steps[1].id),
            "100 mL/h ± 5 %",
            "mL/h",
            "id=\"pm-standard\"",
            "<option value=\"iec62353\" selected>",
            "<option value=\"nfpa99\">",
            "passes if at most 50 uA",
            "Applied-part leakage",
            "id=\"test_equipment\"",
            "id=\"pm-save\"",
            "id=\"pm-signoff\"",
            "name=\"complete\" value=\"1\"",
        ] {
            assert!(r.body.contains(needle), "missing {needle}");
        }
        assert!(!r.body.contains("style=\""), "inline styles break the CSP");
        assert!(!r.body.contains("<script>"), "no inline scripts");
        let version = hidden_value(&r.body, "version");

        // Saving keeps the PM in progress and shows what was stored.
        let mut fields = pm_fields(&app, &proc, "95", &[]).await;
        fields.push(("test_equipment".into(), "teq-esa-01".into()));
        let r = post_pm(&app, &s, id, &version, "0", &fields).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        assert_eq!(r.location(), pm);
        let r = get(&app, &pm, Some(&s)).await;
        assert!(r.body.contains("id=\"pm-wo-status\">In progress</span>"), "{}", r.body);
        assert!(r.body.contains("id=\"pm-results\""));
        assert!(r.body.contains("value=\"TEQ-ESA-01\""), "the analyzer's tag is shown again");
        assert!(r.body.contains(&format!(
            "name=\"value-{}\" type=\"text\" inputmode=\"decimal\" autocomplete=\"off\" value=\"95\"",
            proc.steps[1].id
        )));

        // Signing off at the exact limits: −5 % flow and every ESA reading at its limit pass.
        let version = hidden_value(&r.body, "version");
        let r = post_pm(&app, &s, id, &version, "1", &fields).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let flash = r
            .headers
            .get_all(header::SET_COOKIE)
            .iter()
            .filter_map(|c| c.to_str().ok())
            .find(|c| c.starts_with("htm_flash="))
            .map(|c| c.split(';').next().unwrap().to_string())
            .expect("a flash message");
        let with_flash =
            Session { cookie: format!("{}; {flash}", s.cookie), csrf: s.csrf.clone(), password: s.password.clone() };
        let r = get(&app, &pm, Some(&with_flash)).await;
        assert!(r.body.contains("id=\"pm-wo-status\">Completed</span>"), "{}", r.body);
        assert!(r.body.contains("signed off: the PM passed"), "the flash message: {}", r.body);
        assert!(r.body.contains("id=\"pm-overall\">PASS</span>"));
        assert!(r.body.contains("<strong>95</strong>") && r.body.contains("(limit 100 mL/h ± 5 %)"));
        assert!(r.body.contains("<strong>50 uA</strong>") && r.body.contains("(passes if at most 50 uA)"));
        assert!(!r.body.contains(">FAIL<") && !r.body.contains("id=\"pm-repair-link\""));
        assert!(!r.body.contains("id=\"pm-form\""), "a completed PM takes no more results");
        // The instrument used, with its model, serial and the due date it had when used.
        assert!(r.body.contains("id=\"pm-instruments\""), "{}", r.body);
        assert!(r.body.contains("TEQ-ESA-01</a> — Baxter SIGMA-S"), "{}", r.body);
        assert!(r.body.contains(&format!("(calibration due {} when used)", in_days(30))), "{}", r.body);

        let wo = app.services.get_work_order(&Principal::system(), WorkOrderId(id)).await.unwrap();
        assert_eq!(wo.status, htm_domain::work_order::WorkOrderStatus::Completed);
        assert_eq!(wo.result, Some(htm_domain::work_order::WorkResult::Pass));
        let wo_page = get(&app, &format!("/work-orders/{id}"), Some(&s)).await;
        assert!(wo_page.body.contains("id=\"wo-status\">Completed</span>"));
        assert_eq!(asset_status(&app).await, AssetStatus::InService);
    }
}

#[tokio::test]
async fn a_failing_pm_shows_fail_links_the_repair_and_takes_the_pump_out_of_service() {
    for db in htm_test_support::stores().await {
        let app = app_on(db).await;
        let proc = pm_setup(&app, jiff::civil::date(2020, 1, 31)).await;
        let s = login(&app, "rlopez", TECH_PASSWORD).await;
        let id = open_started_pm(&app, &s).await;
        let pm = format!("/work-orders/{id}/pm");
        let r = get(&app, &pm, Some(&s)).await;
        let version = hidden_value(&r.body, "version");

        let leak = htm_domain::esa::EsaTest::AppliedPartLeakage;
        let mut fields = pm_fields(&app, &proc, "100", &[(leak, "50.1")]).await;
        fields.push(("test_equipment".into(), "TEQ-ESA-01".into()));

        // An out-of-calibration analyzer: refused, named with its due date, what was typed kept.
        let r = post_pm(&app, &s, id, &version, "1", &fields).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
        assert!(r.body.contains("TEQ-ESA-01") && r.body.contains("2020-01-31"), "{}", r.body);
        assert!(r.body.contains("id=\"test_equipment-error\""));
        assert!(r.body.contains("value=\"50.1\""), "the reading is kept");
        let r2 = get(&app, &format!("/work-orders/{id}"), Some(&s)).await;
        assert!(r2.body.contains("id=\"wo-status\">In progress</span>"), "nothing was saved");

        // An unknown tag is named; a stale version is refused with the values kept.
        fields.retain(|(k, _)| k != "test_equipment");
        let mut unknown = fields.clone();
        unknown.push(("test_equipment".into(), "NOPE-1".into()));
        let r = post_pm(&app, &s, id, &version, "1", &unknown).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.body.contains("no asset has the tag &#39;NOPE-1&#39;") || r.body.contains("NOPE-1"), "{}", r.body);
        let r = post_pm(&app, &s, id, "0", "1", &fields).await;
        assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
        assert!(r.body.contains("changed by someone else") && r.body.contains("value=\"50.1\""));

        let r = post_pm(&app, &s, id, &version, "1", &fields).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let r = get(&app, &pm, Some(&s)).await;
        assert!(r.body.contains("id=\"pm-wo-status\">Completed</span>"), "{}", r.body);
        assert!(r.body.contains("id=\"pm-overall\">FAIL</span>"));
        assert!(r.body.contains("<strong>50.1 uA</strong>"));
        let rec = app.services.pm_results(&Principal::system(), WorkOrderId(id)).await.unwrap();
        let repair = rec.linked_work_order_id.expect("a linked repair");
        assert!(r.body.contains(&format!("href=\"/work-orders/{}\" id=\"pm-repair-link\"", repair.0)), "{}", r.body);
        assert_eq!(asset_status(&app).await, AssetStatus::OutOfService);
        let repair_page = get(&app, &format!("/work-orders/{}", repair.0), Some(&s)).await;
        assert_eq!(repair_page.status, StatusCode::OK);
    }
}

#[tokio::test]
async fn the_pm_screen_refuses_a_missing_csrf_token_and_explains_a_missing_procedure() {
    let app = app().await;
    let s = login(&app, "rlopez", TECH_PASSWORD).await;
    let id = open_started_pm(&app, &s).await;
    let pm = format!("/work-orders/{id}/pm");

    // No procedure on the asset or its model yet.
    let r = get(&app, &pm, Some(&s)).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("id=\"pm-no-procedure\""), "{}", r.body);
    assert!(r.body.contains("Set the PM procedure on the asset or on its model"));
    assert!(!r.body.contains("id=\"pm-form\""));

    let proc = pm_setup(&app, in_days(30)).await;
    // The standard select reloads the limits of the chosen standard.
    let r = get(&app, &format!("{pm}?standard=nfpa99"), Some(&s)).await;
    assert!(r.body.contains("<option value=\"nfpa99\" selected>"), "{}", r.body);
    assert_eq!(hidden_value(&r.body, "standard"), "nfpa99");
    let r = get(&app, &pm, Some(&s)).await;
    let version = hidden_value(&r.body, "version");
    let fields = pm_fields(&app, &proc, "100", &[]).await;
    for csrf in ["", "forged"] {
        let mut all: Vec<(&str, &str)> = vec![("csrf", csrf), ("version", &version), ("complete", "1")];
        all.extend(fields.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        let r = post(&app, &pm, Some(&s), &all).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
    }
    let rec = app.services.pm_results(&Principal::system(), WorkOrderId(id)).await.unwrap();
    assert!(rec.results.is_empty(), "nothing was recorded");
    assert_eq!(rec.work_order.status, htm_domain::work_order::WorkOrderStatus::InProgress);

    // Without a protection class the electrical safety limits are unknown, and the page says so.
    let a = app.services.get_asset(&Principal::system(), AssetId(app.asset_id)).await.unwrap();
    let p = htm_domain::asset::AssetPatch { version: a.version, protection_class: Some(None), ..Default::default() };
    app.services.update_asset(&Principal::system(), a.id, p).await.unwrap();
    let r = get(&app, &pm, Some(&s)).await;
    assert!(r.body.contains("id=\"pm-esa-note\""), "{}", r.body);
    assert!(r.body.contains("no protection class or applied part"));
}

async fn post_multipart(app: &App, path: &str, s: &Session, fields: &[(&str, &str)], file: (&str, &str)) -> Reply {
    let boundary = "----htm-test-boundary-7MA4YWxkTrZu0gW";
    let mut body = String::new();
    for (k, v) in fields {
        body.push_str(&format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n"));
    }
    body.push_str(&format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{}\"\r\nContent-Type: text/csv\r\n\r\n{}\r\n--{boundary}--\r\n",
        file.0, file.1
    ));
    let req = Request::post(path)
        .header(header::CONTENT_TYPE, format!("multipart/form-data; boundary={boundary}"))
        .header(header::COOKIE, &s.cookie)
        .body(Body::from(body))
        .unwrap();
    send(app, req).await
}

#[tokio::test]
async fn an_analyzer_file_is_imported_from_the_pm_screen() {
    for db in htm_test_support::stores().await {
        let app = app_on(db).await;
        pm_setup(&app, in_days(30)).await;
        let s = login(&app, "rlopez", TECH_PASSWORD).await;
        let id = open_started_pm(&app, &s).await;
        let pm = format!("/work-orders/{id}/pm");
        let r = get(&app, &pm, Some(&s)).await;
        assert!(r.body.contains("id=\"pm-import-form\"") && r.body.contains("enctype=\"multipart/form-data\""));
        let url = format!("/work-orders/{id}/pm/esa-import");

        // A forged form is refused.
        let good = "Test,Configuration,Value,Unit,Analyzer\nProtective Earth Resistance,non-detachable,0.25,Ohm,TEQ-ESA-01\nMains on applied part,,61,uA,TEQ-ESA-01\n";
        let r =
            post_multipart(&app, &url, &s, &[("csrf", "forged"), ("standard", "iec62353")], ("esa.csv", good)).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);

        // A bad file: a page listing every bad row, nothing stored.
        let bad = "Test,Value,Unit\nProtective Earth Resistance,0.25,Ohm\nMains on applied part,lots,uA\n";
        let r = post_multipart(&app, &url, &s, &[("csrf", &s.csrf), ("standard", "iec62353")], ("bad.csv", bad)).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
        assert!(r.body.contains("id=\"import-errors\"") && r.body.contains("bad.csv"), "{}", r.body);
        assert!(r.body.contains("<td>2</td><td>configuration</td>") && r.body.contains("<td>3</td><td>value</td>"));
        let rec = app.services.pm_results(&Principal::system(), htm_domain::ids::WorkOrderId(id)).await.unwrap();
        assert!(rec.results.is_empty());

        // A good file: stored as a draft; the screen shows the readings judged (61 uA > 50 uA CF limit).
        let r = post_multipart(&app, &url, &s, &[("csrf", &s.csrf), ("standard", "iec62353")], ("esa.csv", good)).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        assert_eq!(r.location(), format!("{pm}?standard=iec62353"));
        let r = get(&app, r.location(), Some(&s)).await;
        assert!(r.body.contains("id=\"pm-wo-status\">In progress</span>"), "{}", r.body);
        assert!(r.body.contains("<strong>250 mOhm</strong>"), "{}", r.body);
        assert!(r.body.contains("<strong>61 uA</strong>") && r.body.contains("id=\"pm-overall\">FAIL</span>"));
        assert!(r.body.contains("value=\"TEQ-ESA-01\""), "the analyzer joins the test equipment");
    }
}

#[tokio::test]
async fn a_meter_reading_on_the_usage_page_opens_the_usage_pm() {
    for db in htm_test_support::stores().await {
        let app = app_on(db).await;
        let sys = Principal::system();
        let first_due = in_days(200);
        let n = htm_domain::pm::NewPmSchedule {
            asset_id: AssetId(app.asset_id),
            interval_months: 12,
            basis: htm_domain::pm::ScheduleBasis::Fixed,
            anchor_date: first_due,
            grace_days: 0,
        };
        let sch = app.services.create_pm_schedule(&sys, n).await.unwrap();
        app.services.set_schedule_usage(&sys, sch.id, Some((500, htm_domain::usage::UsageUnit::Hours))).await.unwrap();
        let s = login(&app, "rlopez", TECH_PASSWORD).await;
        let asset_page = get(&app, &format!("/assets/{}", app.asset_id), Some(&s)).await;
        assert!(asset_page.body.contains(&format!("href=\"/assets/{}/usage\"", app.asset_id)), "{}", asset_page.body);
        let url = format!("/assets/{}/usage", app.asset_id);
        let r = get(&app, &url, Some(&s)).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert!(r.body.contains("id=\"usage-reading-form\"") && r.body.contains("500 hours"), "{}", r.body);
        assert!(!r.body.contains("id=\"usage-trigger-form\""), "a technician does not set triggers");
        let post_reading = |v: &'static str| {
            let url = format!("{url}/readings");
            let s = &s;
            let app = &app;
            async move {
                post(app, &url, Some(s), &[("csrf", s.csrf.as_str()), ("unit", "hours"), ("value", v), ("read_on", "")])
                    .await
            }
        };
        let r = post_reading("1,000").await;
        assert_eq!((r.status, r.location()), (StatusCode::SEE_OTHER, url.as_str()));
        let r = post_reading("1500").await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        let flash = r
            .headers
            .get_all(header::SET_COOKIE)
            .iter()
            .filter_map(|c| c.to_str().ok())
            .find(|c| c.starts_with("htm_flash="))
            .unwrap()
            .to_string();
        assert!(flash.contains("opened"), "{flash}");
        let r = get(&app, &url, Some(&s)).await;
        assert!(r.body.contains(">DUE</span>") && r.body.contains("<td>1500</td>"), "{}", r.body);
        let open = app
            .services
            .list_work_orders(
                &sys,
                htm_store::WorkOrderFilter {
                    asset_id: Some(AssetId(app.asset_id)),
                    open_only: true,
                    ..Default::default()
                },
                htm_domain::page::PageRequest::first(10),
            )
            .await
            .unwrap();
        assert!(open.items.iter().any(|w| w.schedule_id == Some(sch.id)), "the usage PM is open");
        // Going back is refused with a message, nothing stored.
        let r = post_reading("900").await;
        let flash = r
            .headers
            .get_all(header::SET_COOKIE)
            .iter()
            .filter_map(|c| c.to_str().ok())
            .find(|c| c.starts_with("htm_flash="))
            .unwrap()
            .to_string();
        assert!(flash.contains("error"), "{flash}");
        assert_eq!(app.services.meter_readings(&sys, AssetId(app.asset_id), 10).await.unwrap().len(), 2);
    }
}

#[tokio::test]
async fn the_test_equipment_page_shows_overdue_in_red_and_due_soon_in_amber() {
    for db in htm_test_support::stores().await {
        let app = app_on(db).await;
        let sys = Principal::system();
        let a = app.services.get_asset(&sys, AssetId(app.asset_id)).await.unwrap();
        let mut ids = Vec::new();
        for (tag, due, cert) in [
            ("TEQ-OLD", in_days(-3), "FBC-2025-00001"),
            ("TEQ-SOON", in_days(10), "FBC-2025-00002"),
            ("TEQ-OK", in_days(200), "FBC-2025-00003"),
        ] {
            let n: NewAsset = serde_json::from_value(serde_json::json!({
                "asset_tag": tag, "serial_number": format!("S-{tag}"), "model_id": a.model.id.0, "department_id": a.department.id.0
            }))
            .unwrap();
            let t = app.services.create_asset(&sys, n).await.unwrap();
            let p = htm_domain::asset::AssetPatch {
                version: t.version,
                calibration_due: Some(Some(due)),
                calibrated_on: Some(Some(due.checked_sub(jiff::Span::new().years(1)).unwrap())),
                calibration_certificate: Some(Some(cert.into())),
                ..Default::default()
            };
            ids.push(app.services.update_asset(&sys, t.id, p).await.unwrap().id);
        }
        let s = login(&app, "admin", ADMIN_PASSWORD).await;
        let r = get(&app, "/test-equipment", Some(&s)).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert!(r.body.contains("href=\"/test-equipment\" aria-current=\"page\""), "linked from the nav");
        assert!(r.body.contains("3 instruments"), "{}", r.body);
        assert!(r.body.contains("1 overdue") && r.body.contains("1 due within 30 days"), "{}", r.body);
        assert!(r.body.contains(&format!("id=\"te-{}\" class=\"cal-overdue\"", ids[0].0)), "{}", r.body);
        assert!(r.body.contains(&format!("id=\"te-{}\" class=\"cal-soon\"", ids[1].0)), "{}", r.body);
        assert!(r.body.contains(&format!("id=\"te-{}\" class=\"\"", ids[2].0)), "{}", r.body);
        assert!(r.body.contains("Overdue 3 d — do not use") && r.body.contains("Due in 10 d"), "{}", r.body);
        assert!(r.body.contains("FBC-2025-00001") && r.body.contains("S-TEQ-OLD"), "{}", r.body);
        assert!(!r.body.contains("style=\""), "inline styles break the CSP");

        // The instrument's own page shows its calibration.
        let r = get(&app, &format!("/assets/{}", ids[0].0), Some(&s)).await;
        assert!(r.body.contains("Calibration certificate") && r.body.contains("FBC-2025-00001"), "{}", r.body);
        assert!(r.body.contains("overdue by 3 days"), "{}", r.body);
    }
}
