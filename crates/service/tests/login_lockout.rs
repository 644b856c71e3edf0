//! Login attempt monitoring (21 CFR Part 11 §11.300(d); NIST SP 800-63B-4 §3.2.2): ten wrong
//! passwords in a row lock the account for 15 minutes, audited; a locked account refuses even the
//! right password; a success restarts the count; an administrator can lift the lock.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use htm_domain::user::{NewUser, Role};
use htm_service::{Principal, ServiceError};
use htm_test_support::stores;

mod common;
use common::*;

#[tokio::test]
async fn ten_wrong_passwords_lock_the_account_and_an_admin_unlocks_it() {
    for db in stores().await {
        let shop = shop(db.store.clone()).await;
        let s = &shop.s;
        assert_eq!(s.settings.lockout_threshold, 10);

        // nine failures, then a success: the count starts again
        for _ in 0..9 {
            let e = s.login("bmet1", "Wrong-Password-0", "api").await.unwrap_err();
            assert!(matches!(e, ServiceError::Unauthenticated(_)), "{}: {e:?}", db.name);
        }
        assert_eq!(s.store.login_lock(shop.tech.user.id).await.unwrap().failed_logins, 9, "{}", db.name);
        s.login("bmet1", PASSWORD, "api").await.unwrap();
        assert_eq!(s.store.login_lock(shop.tech.user.id).await.unwrap().failed_logins, 0, "{}", db.name);

        // ten in a row lock it: the right password is refused too
        for _ in 0..10 {
            s.login("bmet1", "Wrong-Password-0", "api").await.unwrap_err();
        }
        let lock = s.store.login_lock(shop.tech.user.id).await.unwrap();
        let until = lock.locked_until.expect("locked");
        let minutes = until.duration_since(jiff::Timestamp::now()).as_secs_f64() / 60.0;
        assert!((14.9..=15.1).contains(&minutes), "{}: locked for {minutes} min", db.name);
        let e = s.login("bmet1", PASSWORD, "api").await.unwrap_err();
        assert!(matches!(e, ServiceError::TooManyAttempts(_)), "{}: {e:?}", db.name);
        // the lock is in the audit trail, attributed to the system with the rule as the reason
        let history = s.history(&Principal::system(), "user", &shop.tech.user.id.to_string(), 50).await.unwrap();
        let lock_event = history.iter().find(|e| e.action == "lock").expect("a lock event");
        assert!(lock_event.reason.as_deref().unwrap_or("").contains("10 consecutive failed logins"), "{}", db.name);
        assert!(s.verify_audit().await.unwrap().is_ok(), "{}", db.name);

        // other accounts are not affected
        s.add_user_as_system(NewUser {
            username: "bmet2".into(),
            display_name: "B. Met Two".into(),
            role: Role::Technician,
            email: None,
            vendor_id: None,
            password: PASSWORD.into(),
        })
        .await
        .unwrap();
        s.login("bmet2", PASSWORD, "api").await.unwrap();

        // only an administrator may unlock
        let e = s.unlock_user(&shop.tech, shop.tech.user.id).await.unwrap_err();
        assert!(matches!(e, ServiceError::Forbidden(_)), "{}: {e:?}", db.name);
        let after = s.unlock_user(&Principal::system(), shop.tech.user.id).await.unwrap();
        assert_eq!(after.locked_until, None);
        s.login("bmet1", PASSWORD, "api").await.unwrap();
        assert!(s.verify_audit().await.unwrap().is_ok(), "{}", db.name);
    }
}

#[tokio::test]
async fn unknown_user_names_are_refused_without_a_trace_in_the_accounts() {
    for db in stores().await {
        let shop = shop(db.store.clone()).await;
        for _ in 0..12 {
            let e = shop.s.login("nobody", "Wrong-Password-0", "api").await.unwrap_err();
            assert!(matches!(e, ServiceError::Unauthenticated(_)), "{}: {e:?}", db.name);
        }
        shop.s.login("bmet1", PASSWORD, "api").await.unwrap();
    }
}
