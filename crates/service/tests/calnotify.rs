//! Calendar feeds and notifications (issue 6 §5, §6), on both back ends: who may create feeds,
//! what a feed holds, revocation; the outbox written by assignments and overdue PMs, delivery
//! over real SMTP and HTTP (small in-process servers) with a signed webhook, a retry after a
//! 500, the delivery log, and the dedupe of overdue reports.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use htm_domain::ids::UserId;
use htm_domain::notify::{DeliveryStatus, webhook_signature};
use htm_domain::page::PageRequest;
use htm_domain::user::{NewUser, Role};
use htm_domain::work_order::{NewWorkOrder, Priority, WorkOrderType};
use htm_service::notifications::{Deliverer, NotifyConfig, SmtpConfig, SmtpSecurity};
use htm_service::{Principal, ServiceError};
use htm_store::FeedScope;
use htm_test_support::stores;
use std::sync::{Arc, Mutex};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};

mod common;
use common::*;

fn today() -> jiff::civil::Date {
    jiff::Timestamp::now().to_zoned(jiff::tz::TimeZone::system()).date()
}

fn days_from_today(n: i64) -> jiff::civil::Date {
    today().checked_add(jiff::ToSpan::days(n)).unwrap()
}

async fn user(shop: &Shop, name: &str, role: Role, email: Option<&str>) -> Principal {
    let u = shop
        .s
        .add_user_as_system(NewUser {
            username: name.into(),
            display_name: format!("{name} display"),
            role,
            email: email.map(Into::into),
            vendor_id: None,
            password: PASSWORD.into(),
        })
        .await
        .unwrap();
    Principal { user: u }
}

fn pm(asset: htm_domain::ids::AssetId, to: Option<UserId>, due: jiff::civil::Date) -> NewWorkOrder {
    NewWorkOrder {
        wo_type: WorkOrderType::Pm,
        priority: Priority::Normal,
        asset_id: Some(asset),
        problem: "Annual PM; patient John Smith MRN 1234567 was on it".into(),
        requester_contact: None,
        assigned_to: to,
        vendor_id: None,
        due_date: Some(due),
    }
}

#[tokio::test]
async fn calendar_feeds_follow_the_permissions_hold_the_pms_and_die_when_revoked() {
    for db in stores().await {
        let shop = shop(db.store.clone()).await;
        let other = user(&shop, "bmet2", Role::Technician, None).await;
        let manager = user(&shop, "boss", Role::Manager, None).await;
        let requester = user(&shop, "nurse", Role::Requester, None).await;
        let pump = shop.pump("ICU-00042").await;
        let due = days_from_today(20);
        let wo = shop.s.create_work_order(&manager, pm(pump, Some(shop.tech.user.id), due)).await.unwrap();
        // Someone else's PM is not on the technician's calendar.
        shop.s.create_work_order(&manager, pm(pump, Some(other.user.id), days_from_today(5))).await.unwrap();

        // A technician makes their own feed, not someone else's or a department's.
        let mine = shop.s.create_calendar_feed(&shop.tech, FeedScope::Technician(shop.tech.user.id)).await.unwrap();
        assert!(mine.path.starts_with("/calendar/") && mine.path.ends_with(".ics"), "{}", mine.path);
        for scope in [FeedScope::Technician(other.user.id), FeedScope::Department(shop.dept)] {
            let e = shop.s.create_calendar_feed(&shop.tech, scope).await.unwrap_err();
            assert!(matches!(e, ServiceError::Forbidden(_)), "{db:?}: {e:?}", db = db.name);
        }
        let e = shop.s.create_calendar_feed(&requester, FeedScope::Technician(requester.user.id)).await.unwrap_err();
        assert!(matches!(e, ServiceError::Forbidden(_)), "{e:?}");
        // A manager makes one for the department.
        let dept = shop.s.create_calendar_feed(&manager, FeedScope::Department(shop.dept)).await.unwrap();
        assert_eq!(dept.feed.label, "Adult ICU");

        let secret = mine.path.trim_start_matches("/calendar/").trim_end_matches(".ics").to_string();
        let ics = shop.s.calendar_ics(&secret, Some("https://htm.test")).await.unwrap().expect("the feed");
        assert!(ics.starts_with("BEGIN:VCALENDAR\r\n") && ics.ends_with("END:VCALENDAR\r\n"));
        assert_eq!(ics.matches("BEGIN:VEVENT").count(), 1, "{ics}");
        let unfolded = ics.replace("\r\n ", "");
        assert!(unfolded.contains(&format!("UID:openhtm-wo-{}@openhtm\r\n", wo.id.0)));
        let d = format!("{:04}{:02}{:02}", due.year(), due.month(), due.day());
        assert!(unfolded.contains(&format!("DTSTART;VALUE=DATE:{d}\r\n")), "{unfolded}");
        assert!(unfolded.contains("SUMMARY:PM ICU-00042: BD 8015\r\n"), "{unfolded}");
        assert!(unfolded.contains(&format!("URL:https://htm.test/work-orders/{}\r\n", wo.id.0)));
        assert!(!unfolded.contains("John Smith") && !unfolded.contains("1234567"), "no patient data");
        let dept_secret = dept.path.trim_start_matches("/calendar/").trim_end_matches(".ics").to_string();
        let dept_ics = shop.s.calendar_ics(&dept_secret, None).await.unwrap().unwrap();
        assert_eq!(dept_ics.matches("BEGIN:VEVENT").count(), 2);

        // Lists: the technician sees their own, the manager all.
        assert_eq!(shop.s.list_calendar_feeds(&shop.tech).await.unwrap().len(), 1);
        assert_eq!(shop.s.list_calendar_feeds(&manager).await.unwrap().len(), 2);
        // Someone else's feed is not theirs to revoke.
        let e = shop.s.revoke_calendar_feed(&other, mine.feed.id).await.unwrap_err();
        assert!(matches!(e, ServiceError::NotFound(_)), "{e:?}");
        let revoked = shop.s.revoke_calendar_feed(&shop.tech, mine.feed.id).await.unwrap();
        assert!(revoked.revoked_at.is_some());
        assert!(shop.s.calendar_ics(&secret, None).await.unwrap().is_none(), "revoked → gone");
        assert!(shop.s.calendar_ics("not-a-secret", None).await.unwrap().is_none());
        let events = shop.s.store.list_audit_for("calendar_feed", &mine.feed.id.to_string(), 10).await.unwrap();
        assert_eq!(events.len(), 2, "created and revoked are in the record");
        assert!(events.iter().all(|e| !e.after.clone().unwrap_or_default().contains(&secret)));
    }
}

/// A minimal SMTP server: accepts every message and keeps (recipient, data).
async fn smtp_server() -> (u16, Arc<Mutex<Vec<(String, String)>>>) {
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = l.local_addr().unwrap().port();
    let got: Arc<Mutex<Vec<(String, String)>>> = Arc::default();
    let g = got.clone();
    tokio::spawn(async move {
        loop {
            let Ok((sock, _)) = l.accept().await else { return };
            let g = g.clone();
            tokio::spawn(async move {
                let (r, mut w) = sock.into_split();
                let mut r = BufReader::new(r);
                w.write_all(b"220 test ESMTP\r\n").await.unwrap();
                let mut rcpt = String::new();
                let mut line = String::new();
                loop {
                    line.clear();
                    if r.read_line(&mut line).await.unwrap_or(0) == 0 {
                        return;
                    }
                    let cmd = line.to_ascii_uppercase();
                    if cmd.starts_with("EHLO") || cmd.starts_with("HELO") {
                        w.write_all(b"250 test\r\n").await.unwrap();
                    } else if cmd.starts_with("RCPT TO:") {
                        rcpt = line[8..].trim().trim_matches(['<', '>']).to_string();
                        w.write_all(b"250 OK\r\n").await.unwrap();
                    } else if cmd.starts_with("DATA") {
                        w.write_all(b"354 go ahead\r\n").await.unwrap();
                        let mut data = String::new();
                        loop {
                            line.clear();
                            r.read_line(&mut line).await.unwrap();
                            if line == ".\r\n" {
                                break;
                            }
                            data.push_str(&line);
                        }
                        g.lock().unwrap().push((rcpt.clone(), data));
                        w.write_all(b"250 queued\r\n").await.unwrap();
                    } else if cmd.starts_with("QUIT") {
                        w.write_all(b"221 bye\r\n").await.unwrap();
                        return;
                    } else {
                        w.write_all(b"250 OK\r\n").await.unwrap();
                    }
                }
            });
        }
    });
    (port, got)
}

/// A minimal HTTP receiver: answers 500 to the first request, 200 after; keeps (headers, body).
async fn http_receiver() -> (u16, Arc<Mutex<Vec<(Vec<(String, String)>, String)>>>) {
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = l.local_addr().unwrap().port();
    type Received = Vec<(Vec<(String, String)>, String)>;
    let got: Arc<Mutex<Received>> = Arc::default();
    let g = got.clone();
    tokio::spawn(async move {
        loop {
            let Ok((sock, _)) = l.accept().await else { return };
            let mut r = BufReader::new(sock);
            let mut headers = Vec::new();
            let mut line = String::new();
            r.read_line(&mut line).await.unwrap();
            loop {
                line.clear();
                r.read_line(&mut line).await.unwrap();
                if line == "\r\n" || line.is_empty() {
                    break;
                }
                if let Some((k, v)) = line.split_once(':') {
                    headers.push((k.trim().to_ascii_lowercase(), v.trim().to_string()));
                }
            }
            let len: usize =
                headers.iter().find(|(k, _)| k == "content-length").map(|(_, v)| v.parse().unwrap()).unwrap_or(0);
            let mut body = vec![0u8; len];
            r.read_exact(&mut body).await.unwrap();
            let first = {
                let mut g = g.lock().unwrap();
                g.push((headers, String::from_utf8(body).unwrap()));
                g.len() == 1
            };
            let status = if first { "500 Internal Server Error" } else { "200 OK" };
            let resp = format!("HTTP/1.1 {status}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
            r.get_mut().write_all(resp.as_bytes()).await.unwrap();
        }
    });
    (port, got)
}

#[tokio::test]
async fn assignments_and_overdue_pms_are_mailed_and_signed_webhooks_are_retried() {
    for db in stores().await {
        let shop = shop(db.store.clone()).await;
        let tech = user(&shop, "mail-tech", Role::Technician, Some("tech@hospital.test")).await;
        let boss = user(&shop, "mail-boss", Role::Manager, Some("boss@hospital.test")).await;
        let pump = shop.pump("ICU-00077").await;
        let (smtp_port, mails) = smtp_server().await;
        let (http_port, calls) = http_receiver().await;

        // Only managers subscribe webhooks.
        let url = format!("http://127.0.0.1:{http_port}/hook");
        let e = shop.s.create_webhook(&tech, &url, &["work_order.assigned".into()], None, None).await.unwrap_err();
        assert!(matches!(e, ServiceError::Forbidden(_)));
        let hook = shop
            .s
            .create_webhook(&shop.sys, &url, &["work_order.assigned".into()], Some("test".into()), None)
            .await
            .unwrap();
        assert!(hook.secret.len() >= 40);

        // Assigning work queues an e-mail to the assignee and one webhook call.
        let wo = shop.s.create_work_order(&boss, pm(pump, Some(tech.user.id), days_from_today(30))).await.unwrap();
        let out = shop.s.list_outbox(&shop.sys, Some(DeliveryStatus::Pending), PageRequest::first(50)).await.unwrap();
        assert_eq!(out.items.len(), 2, "{:?}", out.items);
        let e = shop.s.list_outbox(&tech, None, PageRequest::first(5)).await.unwrap_err();
        assert!(matches!(e, ServiceError::Forbidden(_)));

        let config = NotifyConfig {
            smtp: Some(SmtpConfig {
                host: "127.0.0.1".into(),
                port: smtp_port,
                from: "OpenHTM <htm@hospital.test>".into(),
                username: None,
                password: None,
                security: SmtpSecurity::None,
            }),
            retry_base: jiff::SignedDuration::from_secs(1),
            timeout: std::time::Duration::from_secs(5),
        };
        let d = Deliverer::new(config).unwrap();
        let r = shop.s.deliver_notifications(&d).await.unwrap();
        assert_eq!((r.attempted, r.sent, r.retrying), (2, 1, 1), "{r:?}");
        {
            let m = mails.lock().unwrap();
            assert_eq!(m.len(), 1);
            assert_eq!(m[0].0, "tech@hospital.test");
            assert!(m[0].1.contains(&format!("Subject: [OpenHTM] {} assigned to you", wo.number)), "{}", m[0].1);
            assert!(!m[0].1.contains("John Smith") && !m[0].1.contains("1234567"), "no patient data");
        }
        // The receiver answered 500: the call is retried after the backoff, with a fresh signature.
        tokio::time::sleep(std::time::Duration::from_millis(2100)).await;
        let r = shop.s.deliver_notifications(&d).await.unwrap();
        assert_eq!((r.attempted, r.sent), (1, 1), "{r:?}");
        {
            let c = calls.lock().unwrap();
            assert_eq!(c.len(), 2);
            for (headers, body) in c.iter() {
                let h = |k: &str| headers.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone()).unwrap();
                let ts: i64 = h("x-openhtm-timestamp").parse().unwrap();
                assert_eq!(h("x-openhtm-signature"), webhook_signature(&hook.secret, ts, body.as_bytes()));
                assert_eq!(h("x-openhtm-event"), "work_order.assigned");
                let v: serde_json::Value = serde_json::from_str(body).unwrap();
                assert_eq!(v["event"], "work_order.assigned");
                assert_eq!(v["data"]["work_order"]["number"], wo.number.as_str());
                assert_eq!(v["data"]["assigned_to"]["username"], "mail-tech");
                assert!(!body.contains("John Smith"), "no patient data");
            }
        }
        let webhook_msg = shop
            .s
            .list_outbox(&shop.sys, Some(DeliveryStatus::Sent), PageRequest::first(50))
            .await
            .unwrap()
            .items
            .into_iter()
            .find(|m| m.subscription_id.is_some())
            .unwrap();
        let (m, attempts) = shop.s.outbox_message(&shop.sys, webhook_msg.id).await.unwrap();
        assert_eq!(m.attempts, 2);
        assert_eq!(
            attempts.iter().map(|a| (a.ok, a.http_status)).collect::<Vec<_>>(),
            vec![(false, Some(500)), (true, Some(200))]
        );

        // An overdue PM (due 60 days ago: its month, the on-time window, is over) is reported
        // once; unassigned → managers. One due this month is still on time.
        shop.s.create_work_order(&boss, pm(pump, None, today())).await.unwrap();
        shop.s.create_work_order(&boss, pm(pump, None, days_from_today(-60))).await.unwrap();
        assert_eq!(shop.s.report_overdue_pms(today()).await.unwrap(), 1);
        assert_eq!(shop.s.report_overdue_pms(today()).await.unwrap(), 0, "reported once");
        let r = shop.s.deliver_notifications(&d).await.unwrap();
        assert_eq!(r.sent, 1, "the webhook is not subscribed to pm.overdue: {r:?}");
        let m = mails.lock().unwrap();
        assert_eq!(m.last().unwrap().0, "boss@hospital.test");
        assert!(m.last().unwrap().1.contains("PM overdue: ICU-00077"));
    }
}

#[tokio::test]
async fn a_revoked_webhook_gives_up_and_without_smtp_mail_waits_for_a_retry() {
    for db in stores().await {
        let shop = shop(db.store.clone()).await;
        let tech = user(&shop, "t3", Role::Technician, Some("t3@hospital.test")).await;
        let boss = user(&shop, "boss3", Role::Manager, None).await;
        let pump = shop.pump("ICU-00099").await;
        let hook = shop
            .s
            .create_webhook(&shop.sys, "http://127.0.0.1:9/none", &["work_order.assigned".into()], None, None)
            .await
            .unwrap();
        let bad = shop.s.create_webhook(&shop.sys, "ftp://x", &["work_order.assigned".into()], None, None).await;
        assert!(matches!(bad, Err(ServiceError::Validation(_))));
        let bad = shop.s.create_webhook(&shop.sys, "http://x.test/", &["nope".into()], None, None).await;
        assert!(matches!(bad, Err(ServiceError::Validation(_))));
        shop.s.create_work_order(&boss, pm(pump, Some(tech.user.id), days_from_today(3))).await.unwrap();
        shop.s.revoke_webhook(&shop.sys, hook.subscription.id).await.unwrap();
        let d = Deliverer::new(NotifyConfig::default()).unwrap();
        let r = shop.s.deliver_notifications(&d).await.unwrap();
        assert_eq!((r.attempted, r.failed, r.retrying), (2, 1, 1), "{r:?}");
        let pending =
            shop.s.list_outbox(&shop.sys, Some(DeliveryStatus::Pending), PageRequest::first(5)).await.unwrap();
        assert_eq!(pending.items[0].last_error.as_deref(), Some("SMTP is not configured"));
        assert!(pending.items[0].next_attempt_at > jiff::Timestamp::now());
        assert!(shop.s.store.verify_audit_chain().await.unwrap().is_ok());
    }
}
