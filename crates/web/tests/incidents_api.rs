//! `/api/v1/incidents` on SQLite and PostgreSQL: text that looks like patient information is a 422
//! `phi_warning` listing the findings; acknowledged, it saves; an investigation closes.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use axum::http::StatusCode;
use htm_domain::user::{NewUser, Role};
use htm_service::Services;
use htm_test_support::stores;
use serde_json::{Value, json};

struct App {
    router: axum::Router,
    services: Services,
}

impl App {
    async fn call(&self, method: &str, path: &str, token: Option<&str>, body: Option<Value>) -> (StatusCode, Value) {
        common::call_json(&self.router, method, path, token, body).await
    }

    async fn user(&self, name: &str, role: Role) -> String {
        self.services
            .add_user_as_system(NewUser {
                username: name.into(),
                display_name: name.into(),
                role,
                email: None,
                vendor_id: None,
                password: "Good-Password-1".into(),
            })
            .await
            .unwrap();
        let (s, b) = self
            .call("POST", "/api/v1/auth/login", None, Some(json!({"username": name, "password": "Good-Password-1"})))
            .await;
        assert_eq!(s, StatusCode::OK, "{b}");
        b["token"].as_str().unwrap().to_string()
    }
}

#[tokio::test]
async fn a_phi_warning_lists_the_findings_and_acknowledging_saves() {
    for db in stores().await {
        let services = Services::new(db.store.clone(), Default::default());
        let app = App { router: htm_web::router(htm_web::AppState::new(services.clone())), services };
        let nurse = app.user("nurse", Role::Requester).await;
        let ce = app.user("ce", Role::Engineer).await;
        let occurred = jiff::Timestamp::now().checked_sub(jiff::SignedDuration::from_hours(3)).unwrap().to_string();
        let body = json!({
            "occurred_at": occurred,
            "what_happened": "Ventilator alarmed late on patient John Smith, MRN 12345678",
            "severity": "near_miss",
        });
        let (s, b) = app.call("POST", "/api/v1/incidents", Some(&nurse), Some(body.clone())).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{}: {b}", db.name);
        assert_eq!(b["error"]["code"], "phi_warning", "{b}");
        assert!(b["error"]["message"].as_str().unwrap().contains("patient information"), "{b}");
        let findings = b["error"]["findings"].as_array().unwrap();
        assert_eq!(findings.len(), 2, "{b}");
        assert_eq!(
            findings[0],
            json!({"field": "what_happened", "kind": "medical record number", "excerpt": "MRN 12345678"})
        );
        assert_eq!(
            findings[1],
            json!({"field": "what_happened", "kind": "patient name", "excerpt": "patient John Smith"})
        );
        let (s, b) = app.call("GET", "/api/v1/incidents", Some(&ce), None).await;
        assert_eq!((s, b["items"].as_array().unwrap().len()), (StatusCode::OK, 0), "{b}");

        let mut ack = body.clone();
        ack["acknowledge_phi_warning"] = json!(true);
        let (s, i) = app.call("POST", "/api/v1/incidents", Some(&nurse), Some(ack)).await;
        assert_eq!(s, StatusCode::CREATED, "{i}");
        assert_eq!((i["status"].as_str(), i["severity"].as_str()), (Some("open"), Some("near_miss")), "{i}");
        let id = i["id"].as_i64().unwrap();

        // Read it back, filter the list, investigate and close.
        let (s, g) = app.call("GET", &format!("/api/v1/incidents/{id}"), Some(&ce), None).await;
        assert_eq!((s, &g["number"]), (StatusCode::OK, &i["number"]), "{g}");
        let today = jiff::Timestamp::now().to_zoned(jiff::tz::TimeZone::UTC).date();
        let yesterday = today.yesterday().unwrap();
        let (s, l) = app
            .call("GET", &format!("/api/v1/incidents?from={yesterday}&to={today}&status=open"), Some(&ce), None)
            .await;
        assert_eq!(s, StatusCode::OK, "{l}");
        let (_, l2) = app.call("GET", "/api/v1/incidents?status=closed", Some(&ce), None).await;
        assert_eq!(l2["items"].as_array().unwrap().len(), 0, "{l2}");
        assert_eq!(l["items"].as_array().unwrap().len(), 1, "{l}");
        let (s, b) =
            app.call("POST", &format!("/api/v1/incidents/{id}/close"), Some(&ce), Some(json!({"version": 1}))).await;
        assert_eq!(
            (s, b["error"]["code"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("validation_failed")),
            "{b}"
        );
        let patch = json!({"version": 1, "findings": "Alarm volume set to minimum", "mdr_reportable": false});
        let (s, p) = app.call("PATCH", &format!("/api/v1/incidents/{id}"), Some(&nurse), Some(patch.clone())).await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{p}");
        let (s, p) = app.call("PATCH", &format!("/api/v1/incidents/{id}"), Some(&ce), Some(patch)).await;
        assert_eq!((s, p["status"].as_str()), (StatusCode::OK, Some("under_investigation")), "{p}");
        let (s, c) =
            app.call("POST", &format!("/api/v1/incidents/{id}/close"), Some(&ce), Some(json!({"version": 2}))).await;
        assert_eq!(
            (s, c["status"].as_str(), c["closed_by"].as_str()),
            (StatusCode::OK, Some("closed"), Some("ce")),
            "{c}"
        );
        let (s, b) = app
            .call(
                "POST",
                &format!("/api/v1/incidents/{id}/work-orders"),
                Some(&ce),
                Some(json!({"work_order_id": 999})),
            )
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{b}");

        let (_, doc) = app.call("GET", "/api/v1/openapi.json", None, None).await;
        for p in ["/incidents", "/incidents/{id}", "/incidents/{id}/work-orders", "/incidents/{id}/close"] {
            assert!(doc["paths"].get(p).is_some(), "{p} is documented");
        }
        assert!(doc["components"]["schemas"].get("PhiWarningEnvelope").is_some());
    }
}
