//! `GET /api/v1/reports/survey-pack` and `/reports/survey-pack` on the demo hospital, on SQLite
//! and PostgreSQL: JSON by default with the same monthly figures as `/reports/pm-compliance`;
//! the PDF with `?format=pdf` or `Accept: application/pdf`; the 400/401/403 envelopes; the page
//! with its sections and the "Download PDF" link, and the PDF download behind the session.
//! Set `HTM_SURVEY_KEEP_PDF=/some/file.pdf` to keep the PDF the API returned (to look at it).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use htm_service::Services;
use htm_service::survey;
use htm_test_support::stores;
use http_body_util::BodyExt;
use serde_json::json;
use tower::ServiceExt;

async fn raw(router: &axum::Router, path: &str, headers: &[(&str, &str)]) -> (StatusCode, String, Vec<u8>) {
    let mut req = Request::get(path);
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let res = router.clone().oneshot(req.body(Body::empty()).unwrap()).await.unwrap();
    let status = res.status();
    let ct = res.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    (status, ct, res.into_body().collect().await.unwrap().to_bytes().to_vec())
}

#[tokio::test]
async fn the_survey_pack_api_and_page_hold_their_contract() {
    let today = jiff::civil::date(2026, 11, 21);
    for db in stores().await {
        let name = db.name;
        let services = Services::new(db.store.clone(), Default::default());
        services.seed_demo(today).await.unwrap();
        let (strategy, incident) = signed_strategy_and_incident(&services).await;
        let router = htm_web::router(htm_web::AppState::new(services));
        let login = |user: &'static str| {
            let router = router.clone();
            async move {
                let (s, b) = common::call_json(
                    &router,
                    "POST",
                    "/api/v1/auth/login",
                    None,
                    Some(json!({"username": user, "password": htm_service::demo::DEMO_PASSWORD})),
                )
                .await;
                assert_eq!(s, StatusCode::OK, "{b}");
                b["token"].as_str().unwrap().to_string()
            }
        };
        let mgr = login("mgarcia").await;
        let nurse = login("ahernandez").await;

        // JSON by default; the months agree with the pm-compliance report.
        let url = "/api/v1/reports/survey-pack?as_of=2026-11-21";
        let (s, pack) = common::call_json(&router, "GET", url, Some(&mgr), None).await;
        assert_eq!(s, StatusCode::OK, "{pack}");
        assert_eq!(pack["generated_by"], "Maria Garcia (mgarcia)");
        assert_eq!(pack["period_first_month"], "2025-11");
        assert_eq!(pack["inventory"]["heading"], survey::HEADING_INVENTORY);
        let months = pack["pm_completion"]["months"].as_array().unwrap();
        assert_eq!(months.len(), 12);
        for m in months {
            let (s, r) = common::call_json(
                &router,
                "GET",
                &format!("/api/v1/reports/pm-compliance?month={}", m["month"].as_str().unwrap()),
                Some(&mgr),
                None,
            )
            .await;
            assert_eq!(s, StatusCode::OK, "{r}");
            for g in ["total", "high_risk", "life_support", "other"] {
                assert_eq!(m[g], r[g], "{name} {} {g}", m["month"]);
            }
        }
        assert!(pack["high_risk"]["high_risk_assets"].as_array().unwrap().len() > 100, "{name}");

        // The PDF: by parameter and by Accept header.
        let (s, ct, pdf) =
            raw(&router, &format!("{url}&format=pdf"), &[("authorization", &format!("Bearer {mgr}"))]).await;
        assert_eq!((s, ct.as_str()), (StatusCode::OK, "application/pdf"), "{name}");
        assert!(pdf.starts_with(b"%PDF-") && pdf.len() > 10_000, "{name}");
        if let Ok(keep) = std::env::var("HTM_SURVEY_KEEP_PDF") {
            std::fs::write(keep, &pdf).unwrap();
        }
        // The approval prints as its signature; the incident is listed.
        let dir = htm_test_support::temp_dir("htm-survey-web");
        let file = dir.join("pack.pdf");
        std::fs::write(&file, &pdf).unwrap();
        let o = std::process::Command::new("pdftotext")
            .args([file.to_str().unwrap(), "-"])
            .output()
            .expect("pdftotext (poppler-utils) is needed");
        let text = String::from_utf8_lossy(&o.stdout).replace('\n', " ");
        assert!(text.contains("Signed by Maria Garcia — approval — "), "{name}: the signature line");
        assert!(text.contains(&incident), "{name}: the incident");
        assert!(text.contains("Survey test group"), "{name}: the AEM group");
        let st = &pack["strategies"]["strategies"];
        assert!(st.as_array().unwrap().iter().any(|l| l["id"] == strategy), "{name}");
        let (s, ct, pdf2) = raw(
            &router,
            url,
            &[("authorization", &format!("Bearer {mgr}")), ("accept", "application/pdf, application/json;q=0.5")],
        )
        .await;
        assert_eq!((s, ct.as_str()), (StatusCode::OK, "application/pdf"), "{name}");
        assert!(pdf2.starts_with(b"%PDF-"));
        let (s, ct, _) = raw(
            &router,
            &format!("{url}&format=json"),
            &[("authorization", &format!("Bearer {mgr}")), ("accept", "application/pdf")],
        )
        .await;
        assert_eq!((s, ct.as_str()), (StatusCode::OK, "application/json"), "{name}: format wins over Accept");

        // Errors: the envelope.
        for bad in [
            "/api/v1/reports/survey-pack?as_of=2026-02-30",
            "/api/v1/reports/survey-pack?format=docx",
            "/api/v1/reports/survey-pack?site=abc",
        ] {
            let (s, b) = common::call_json(&router, "GET", bad, Some(&mgr), None).await;
            assert_eq!(s, StatusCode::BAD_REQUEST, "{bad}: {b}");
            assert_eq!(b["error"]["code"], "bad_request", "{b}");
        }
        let (s, b) =
            common::call_json(&router, "GET", "/api/v1/reports/survey-pack?site=999999", Some(&mgr), None).await;
        assert_eq!((s, b["error"]["code"].as_str()), (StatusCode::NOT_FOUND, Some("not_found")), "{b}");
        let (s, b) = common::call_json(&router, "GET", url, Some(&nurse), None).await;
        assert_eq!((s, b["error"]["code"].as_str()), (StatusCode::FORBIDDEN, Some("forbidden")), "{b}");
        let (s, _) = common::call_json(&router, "GET", url, None, None).await;
        assert_eq!(s, StatusCode::UNAUTHORIZED);

        // The OpenAPI document names the route.
        let (_, doc) = common::call_json(&router, "GET", "/api/v1/openapi.json", None, None).await;
        assert!(doc["paths"]["/reports/survey-pack"]["get"].is_object(), "{name}");

        // The page, signed in through the form, and the PDF behind the session.
        let body = format!("username=mgarcia&password={}&next=%2F", htm_service::demo::DEMO_PASSWORD);
        let req = Request::post("/login")
            .header("content-type", "application/x-www-form-urlencoded")
            .body(Body::from(body))
            .unwrap();
        let res = router.clone().oneshot(req).await.unwrap();
        let cookie = res
            .headers()
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find(|v| v.starts_with("htm_session="))
            .unwrap()
            .split(';')
            .next()
            .unwrap()
            .to_string();
        let (s, _, html) = raw(&router, "/reports/survey-pack?as_of=2026-11-21", &[("cookie", &cookie)]).await;
        let html = String::from_utf8(html).unwrap();
        assert_eq!(s, StatusCode::OK, "{html}");
        for needle in [
            survey::HEADING_INVENTORY,
            survey::HEADING_HIGH_RISK,
            survey::HEADING_STRATEGIES,
            survey::HEADING_PM,
            survey::HEADING_OVERDUE,
            survey::HEADING_INCIDENTS,
            "id=\"survey-pdf-link\" href=\"/reports/survey-pack.pdf?as_of=2026-11-21\"",
            ">Download PDF<",
            "id=\"survey-high-risk-list\"",
            "id=\"survey-pm-exceptions\"",
            "the <a href=\"/reports/survey-pack.pdf?as_of=2026-11-21\">PDF</a> lists them all",
            "href=\"/reports/survey-pack\"",
        ] {
            assert!(html.contains(needle), "{name}: {needle} missing");
        }
        let hr_rate = pack["pm_completion"]["high_risk"]["completion_rate"].as_f64().unwrap();
        assert!(html.contains(&format!("{hr_rate:.1} %")), "{name}: the high-risk figure");
        let (s, ct, pdf) = raw(&router, "/reports/survey-pack.pdf?as_of=2026-11-21", &[("cookie", &cookie)]).await;
        assert_eq!((s, ct.as_str()), (StatusCode::OK, "application/pdf"), "{name}");
        assert!(pdf.starts_with(b"%PDF-"));
        let (s, _, _) = raw(&router, "/reports/survey-pack?as_of=nope", &[("cookie", &cookie)]).await;
        assert_ne!(s, StatusCode::OK);
    }
}

/// A manager approves (signs) an AEM strategy for a demo model that may have one, and reports an
/// incident on one of its assets: (strategy id, incident number).
async fn signed_strategy_and_incident(s: &Services) -> (i64, String) {
    use htm_domain::asset::AssetStatus;
    use htm_domain::incident::{NewIncident, Severity};
    use htm_domain::strategy::{AemCriteria, MaintenanceStrategy, StrategyProposal, StrategyTarget};
    let p = htm_service::Principal::system();
    let mgr = htm_service::Principal {
        user: s.login("mgarcia", htm_service::demo::DEMO_PASSWORD, "api").await.unwrap().user,
    };
    let assets = s
        .list_assets(&p, &htm_store::AssetFilter::default(), htm_domain::page::PageRequest::first(400))
        .await
        .unwrap()
        .items;
    let existing: Vec<StrategyTarget> =
        s.list_strategies(&mgr).await.unwrap().into_iter().map(|v| v.record.target).collect();
    let mut chosen = None;
    for a in assets.iter().filter(|a| a.status == AssetStatus::InService) {
        let target = StrategyTarget::Model(a.model.id);
        if existing.contains(&target) {
            continue;
        }
        if s.strategy_eligibility(&mgr, target, MaintenanceStrategy::Aem).await.unwrap().refusals.is_empty() {
            chosen = Some((a.clone(), target));
            break;
        }
    }
    let (asset, target) = chosen.expect("a demo model may go on AEM");
    let proposal = StrategyProposal {
        strategy: MaintenanceStrategy::Aem,
        rationale: "Three years without a failure found at PM; failures are evident to the user".into(),
        aem_group: Some("Survey test group".into()),
        alt_interval_months: Some(24),
        alt_procedure_code: None,
        criteria: Some(AemCriteria {
            use_and_harm: "General ward use; harm from a failure is unlikely".into(),
            failure_consequences: "Low: failures are evident to the user".into(),
            backup_availability: "Spare units in the equipment library".into(),
            incident_history: "No incidents in 3 years".into(),
            maintenance_requirements: "Visual inspection and functional check".into(),
        }),
    };
    let rec = s.propose_strategy(&mgr, target, proposal).await.unwrap();
    s.approve_strategy(&mgr, rec.id, Some(htm_service::demo::DEMO_PASSWORD)).await.unwrap();
    let incident = s
        .create_incident(
            &mgr,
            NewIncident {
                asset_id: Some(asset.id),
                department_id: None,
                occurred_at: "2026-10-05T14:00:00Z".parse().unwrap(),
                what_happened: "Alarm did not sound during a functional check".into(),
                accessories: None,
                severity: Severity::NoHarm,
                sequestered: true,
                sequestered_items: Some("Device and power cord".into()),
            },
            true,
        )
        .await
        .unwrap();
    (rec.id, incident.number)
}
