//! The incident pages: report with a patient-information warning that is re-shown with a
//! confirmation checkbox, the incident page, investigation, linking and closing, on both back ends.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use axum::http::StatusCode;
use htm_domain::user::{NewUser, Role};
use htm_service::Services;
use htm_test_support::stores;

mod common;
use common::{get, login, post};

#[tokio::test]
async fn an_incident_is_reported_investigated_and_closed_in_the_browser() {
    for db in stores().await {
        let services = Services::new(db.store.clone(), Default::default());
        for (name, role) in [("nurse", Role::Requester), ("ce", Role::Engineer)] {
            services
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
        }
        let router = htm_web::router(htm_web::AppState::new(services));
        let nurse = login(&router, "nurse").await;
        let ce = login(&router, "ce").await;

        let r = get(&router, "/incidents/new", &nurse).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert!(r.body.contains("id=\"incident-form\""));
        let occurred = jiff::Timestamp::now()
            .checked_sub(jiff::SignedDuration::from_hours(1))
            .unwrap()
            .to_zoned(jiff::tz::TimeZone::system())
            .strftime("%Y-%m-%dT%H:%M")
            .to_string();
        let text = "Bed alarm silent for patient John Smith, DOB 03/04/1950";
        let fields = [
            ("csrf", nurse.csrf.as_str()),
            ("occurred_at", occurred.as_str()),
            ("severity", "near_miss"),
            ("what_happened", text),
        ];
        let r = post(&router, "/incidents", &nurse, &fields).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}: {}", db.name, r.body);
        assert!(r.body.contains("id=\"phi-warning\""), "{}", r.body);
        assert!(r.body.contains("I have checked: this is not patient information"));
        assert!(r.body.contains("date of birth"), "{}", r.body);
        // The text is kept in the re-shown form.
        assert!(r.body.contains("Bed alarm silent"), "{}", r.body);
        // A wrong CSRF token is refused.
        let mut bad = fields.to_vec();
        bad[0] = ("csrf", "nope");
        assert_eq!(post(&router, "/incidents", &nurse, &bad).await.status, StatusCode::FORBIDDEN);

        let mut ack = fields.to_vec();
        ack.push(("acknowledge_phi_warning", "yes"));
        let r = post(&router, "/incidents", &nurse, &ack).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let page = r.location.clone();
        assert!(page.starts_with("/incidents/"), "{page}");

        // The reporter sees it without the investigation form; the engineer investigates.
        let r = get(&router, &page, &nurse).await;
        assert_eq!(r.status, StatusCode::OK);
        assert!(r.body.contains("INC-") && !r.body.contains("id=\"investigate-form\""), "{}", r.body);
        let r = get(&router, &page, &ce).await;
        assert!(r.body.contains("id=\"investigate-form\""), "{}", r.body);
        let r = get(&router, "/incidents", &ce).await;
        assert_eq!(r.status, StatusCode::OK);
        assert!(r.body.contains("Near miss"), "{}", r.body);

        // Closing too early re-shows the page with what is missing.
        let r = post(&router, &format!("{page}/close"), &ce, &[("csrf", ce.csrf.as_str()), ("version", "1")]).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
        assert!(r.body.contains("findings"), "{}", r.body);

        let inv = [
            ("csrf", ce.csrf.as_str()),
            ("version", "1"),
            ("findings", "Alarm volume turned down; device to specification"),
            ("mdr_reportable", "no"),
            ("mdr_rationale", "No harm; device performed as designed"),
        ];
        let r = post(&router, &page, &ce, &inv).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let r = post(
            &router,
            &format!("{page}/work-orders"),
            &ce,
            &[("csrf", ce.csrf.as_str()), ("work_order", "WO-1999-000001")],
        )
        .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        let r = post(&router, &format!("{page}/close"), &ce, &[("csrf", ce.csrf.as_str()), ("version", "2")]).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let r = get(&router, &page, &ce).await;
        assert!(r.body.contains("Closed"), "{}", r.body);
        assert!(r.body.contains("Not reportable"), "{}", r.body);
        let reopen = [("csrf", ce.csrf.as_str()), ("version", "3"), ("reopen", "yes")];
        let r = post(&router, &page, &ce, &reopen).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let r = get(&router, &page, &ce).await;
        assert!(r.body.contains("Under investigation") && r.body.contains("id=\"investigate-form\""), "{}", r.body);
    }
}
