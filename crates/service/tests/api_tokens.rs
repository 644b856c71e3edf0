//! Personal API tokens (issue 7 §2) on both back ends: create → authenticate with scope →
//! revoke → refused; expiry; only the hash is stored; deactivation and a new password revoke
//! every token (and session); another user cannot revoke yours; administrators see everyone's;
//! a read token cannot mint a write one; `last_used_at` at most once a minute; the audit trail
//! records `create` / `revoke` on `api_token` without the secret or its hash.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use htm_domain::api_token::TokenScope;
use htm_domain::user::{NewUser, Role, UserPatch};
use htm_service::api_tokens::TokenRequest;
use htm_service::auth::token_hash;
use htm_service::{Principal, ServiceError};
use htm_store::NewApiToken;
use htm_test_support::stores;

mod common;
use common::*;

async fn user(shop: &Shop, name: &str, role: Role) -> Principal {
    let u = shop
        .s
        .add_user_as_system(NewUser {
            username: name.into(),
            display_name: format!("{name} display"),
            role,
            email: None,
            vendor_id: None,
            password: PASSWORD.into(),
        })
        .await
        .unwrap();
    Principal { user: u }
}

fn req(name: &str, scope: TokenScope, days: Option<i64>) -> TokenRequest {
    TokenRequest { name: name.into(), scope, expires_in_days: days }
}

fn unauthenticated(e: &ServiceError) -> bool {
    matches!(e, ServiceError::Unauthenticated(_))
}

#[tokio::test]
async fn a_token_authenticates_with_its_scope_until_revoked() {
    for db in stores().await {
        let shop = shop(db.store.clone()).await;
        let s = &shop.s;
        let me = &shop.tech;
        let c = s.create_api_token(me, None, me.user.id, req("nightly export", TokenScope::Read, None)).await.unwrap();
        assert!(c.secret.starts_with("htm_") && c.secret.len() == 68, "{}", c.secret);
        assert_eq!(c.token.prefix, &c.secret[..8]);
        assert_eq!(c.token.name, "nightly export");
        assert_eq!(c.token.user_id, me.user.id);
        assert_eq!(c.token.created_by, "bmet1");
        let days = c.token.expires_at.duration_since(c.token.created_at).as_hours() / 24;
        assert_eq!(days, 90, "{}", db.name);

        let a = s.authenticate_bearer(&c.secret).await.unwrap();
        assert_eq!(a.principal.user.id, me.user.id);
        assert_eq!(a.scope, Some(TokenScope::Read));
        assert_eq!(a.token_id, Some(c.token.id));
        // `authenticate` (what the API's access layer uses) accepts tokens too …
        assert_eq!(s.authenticate(&c.secret).await.unwrap().user.id, me.user.id);
        // … but the web UI's session check does not.
        assert!(unauthenticated(&s.authenticate_session(&c.secret).await.unwrap_err()));
        // A login session authenticates with no token scope (full role permissions).
        let g = s.login("bmet1", PASSWORD, "api").await.unwrap();
        let a = s.authenticate_bearer(&g.token).await.unwrap();
        assert_eq!((a.scope, a.token_id), (None, None));

        // Listed (never with the secret), revoked, refused.
        let mine = s.list_api_tokens(me, Some(me.user.id)).await.unwrap();
        assert_eq!(mine.len(), 1);
        assert!(!format!("{mine:?}").contains(&c.secret[8..]));
        let r = s.revoke_api_token(me, c.token.id).await.unwrap();
        assert!(r.revoked_at.is_some());
        assert!(unauthenticated(&s.authenticate_bearer(&c.secret).await.unwrap_err()), "{}", db.name);
        // Revoking twice is harmless and keeps the first time.
        assert_eq!(s.revoke_api_token(me, c.token.id).await.unwrap().revoked_at, r.revoked_at);
        // A made-up token of the right shape is refused.
        assert!(unauthenticated(&s.authenticate_bearer(&format!("htm_{}", "0".repeat(64))).await.unwrap_err()));

        // Audit: create and revoke on api_token, never the secret or its hash.
        let events = db.store.list_audit_for("api_token", &c.token.id.to_string(), 10).await.unwrap();
        let actions: Vec<&str> = events.iter().map(|e| e.action.as_str()).collect();
        assert!(actions.contains(&"create") && actions.contains(&"revoke"), "{}: {actions:?}", db.name);
        assert_eq!(events.len(), 2, "{}: {actions:?}", db.name);
        let hash = token_hash(&c.secret);
        for e in &events {
            let text = format!("{:?} {:?}", e.before, e.after);
            assert!(!text.contains(&c.secret) && !text.contains(&hash), "{}: {text}", db.name);
        }
        assert!(s.verify_audit().await.unwrap().is_ok(), "{}", db.name);
    }
}

#[tokio::test]
async fn only_the_hash_is_stored_and_names_and_lifetimes_are_checked() {
    for db in stores().await {
        let shop = shop(db.store.clone()).await;
        let s = &shop.s;
        let me = &shop.tech;
        let c = s.create_api_token(me, None, me.user.id, req("ci", TokenScope::Write, Some(1))).await.unwrap();
        // The secret is not a key of the table: looking it up as if it were the hash finds nothing.
        assert!(db.store.api_token_user(&c.secret, jiff::Timestamp::now()).await.unwrap().is_none());
        let (t, u) = db.store.api_token_user(&token_hash(&c.secret), jiff::Timestamp::now()).await.unwrap().unwrap();
        assert_eq!((t.id, u.id), (c.token.id, me.user.id));
        assert_ne!(token_hash(&c.secret), c.secret);
        // Two tokens never share a secret.
        let d = s.create_api_token(me, None, me.user.id, req("ci 2", TokenScope::Write, None)).await.unwrap();
        assert_ne!(c.secret, d.secret);

        for (name, days, field) in
            [("  ", None, "name"), ("x", Some(0), "expires_in_days"), ("x", Some(366), "expires_in_days")]
        {
            let e = s.create_api_token(me, None, me.user.id, req(name, TokenScope::Read, days)).await.unwrap_err();
            match e {
                ServiceError::Validation(f) => assert_eq!(f[0].field, field, "{}", db.name),
                e => panic!("{}: {e:?}", db.name),
            }
        }
    }
}

#[tokio::test]
async fn expired_tokens_are_refused_and_use_is_recorded_once_a_minute() {
    for db in stores().await {
        let shop = shop(db.store.clone()).await;
        let me = &shop.tech;
        let now = jiff::Timestamp::now();
        // A token that expired an hour ago, written straight to the store.
        let secret = format!("htm_{}", "ab".repeat(32));
        let ctx = htm_store::ChangeContext::system(now, "test: an expired token");
        let old = NewApiToken {
            user_id: me.user.id,
            name: "old".into(),
            scope: TokenScope::Write,
            token_hash: token_hash(&secret),
            prefix: secret[..8].into(),
            expires_at: now.checked_sub(jiff::SignedDuration::from_hours(1)).unwrap(),
        };
        db.store.insert_api_token(&ctx, &old).await.unwrap();
        assert!(unauthenticated(&shop.s.authenticate_bearer(&secret).await.unwrap_err()), "{}", db.name);

        // last_used_at: written by the first use, not rewritten within the minute.
        let c = shop.s.create_api_token(me, None, me.user.id, req("x", TokenScope::Read, None)).await.unwrap();
        assert!(c.token.last_used_at.is_none());
        let h = token_hash(&c.secret);
        // Whole seconds (instants are stored to the second), within the token's lifetime.
        let t0 = jiff::Timestamp::from_second(now.as_second() + 3600).unwrap();
        let first = db.store.api_token_user(&h, t0).await.unwrap().unwrap().0.last_used_at;
        assert_eq!(first, Some(t0));
        let later = t0.checked_add(jiff::SignedDuration::from_secs(30)).unwrap();
        db.store.api_token_user(&h, later).await.unwrap();
        let stored = db.store.get_api_token(c.token.id).await.unwrap().last_used_at;
        assert_eq!(stored, Some(t0), "{}: no write within the minute", db.name);
        let much_later = t0.checked_add(jiff::SignedDuration::from_secs(61)).unwrap();
        db.store.api_token_user(&h, much_later).await.unwrap();
        assert_eq!(db.store.get_api_token(c.token.id).await.unwrap().last_used_at, Some(much_later), "{}", db.name);
    }
}

#[tokio::test]
async fn deactivation_and_a_new_password_revoke_tokens_and_sessions() {
    for db in stores().await {
        let shop = shop(db.store.clone()).await;
        let s = &shop.s;
        let sys = &shop.sys;
        let eng = user(&shop, "eng1", Role::Engineer).await;
        let t1 = s.create_api_token(&eng, None, eng.user.id, req("a", TokenScope::Write, None)).await.unwrap();
        let t2 = s.create_api_token(&eng, None, eng.user.id, req("b", TokenScope::Read, None)).await.unwrap();
        let session = s.login("eng1", PASSWORD, "api").await.unwrap();

        // A new password (changed by the user) ends every token and session.
        let patch =
            UserPatch { version: eng.user.version, password: Some("Another-Good-Pass-9".into()), ..Default::default() };
        let changed = s.update_user(&eng, eng.user.id, patch).await.unwrap();
        for secret in [&t1.secret, &t2.secret, &session.token] {
            assert!(unauthenticated(&s.authenticate_bearer(secret).await.unwrap_err()), "{}", db.name);
        }
        for t in s.list_api_tokens(sys, Some(eng.user.id)).await.unwrap() {
            assert!(t.revoked_at.is_some(), "{}: {t:?}", db.name);
        }
        let events = db.store.list_audit_for("api_token", &t1.token.id.to_string(), 10).await.unwrap();
        let revoke = events.iter().find(|e| e.action == "revoke").expect("a revoke event");
        assert_eq!(revoke.reason.as_deref(), Some("the password was changed"), "{}", db.name);

        // Deactivation too.
        let t3 = s.create_api_token(sys, None, eng.user.id, req("c", TokenScope::Write, None)).await.unwrap();
        assert!(s.authenticate_bearer(&t3.secret).await.is_ok());
        let session = s.login("eng1", "Another-Good-Pass-9", "web").await.unwrap();
        let patch = UserPatch { version: changed.version, active: Some(false), ..Default::default() };
        s.update_user(sys, eng.user.id, patch).await.unwrap();
        assert!(unauthenticated(&s.authenticate_bearer(&t3.secret).await.unwrap_err()), "{}", db.name);
        assert!(unauthenticated(&s.authenticate_session(&session.token).await.unwrap_err()), "{}", db.name);
        assert!(s.get_api_token_revoked(&db, t3.token.id).await, "{}", db.name);
        // No new token for a deactivated user.
        let e = s.create_api_token(sys, None, eng.user.id, req("d", TokenScope::Read, None)).await.unwrap_err();
        assert!(matches!(e, ServiceError::Validation(_)), "{}: {e:?}", db.name);
        assert!(s.verify_audit().await.unwrap().is_ok(), "{}", db.name);
    }
}

trait Revoked {
    async fn get_api_token_revoked(&self, db: &htm_test_support::TestDb, id: i64) -> bool;
}

impl Revoked for htm_service::Services {
    async fn get_api_token_revoked(&self, db: &htm_test_support::TestDb, id: i64) -> bool {
        db.store.get_api_token(id).await.unwrap().revoked_at.is_some()
    }
}

#[tokio::test]
async fn owners_and_administrators_decide_and_scopes_never_widen() {
    for db in stores().await {
        let shop = shop(db.store.clone()).await;
        let s = &shop.s;
        let me = &shop.tech;
        let other = user(&shop, "bmet2", Role::Technician).await;
        let admin = user(&shop, "root2", Role::Admin).await;
        let mine = s.create_api_token(me, None, me.user.id, req("mine", TokenScope::Write, None)).await.unwrap();
        let theirs =
            s.create_api_token(&other, None, other.user.id, req("theirs", TokenScope::Read, None)).await.unwrap();

        // Someone else's token: not found for another user (not revealed), revocable by an admin.
        let e = s.revoke_api_token(&other, mine.token.id).await.unwrap_err();
        assert!(matches!(e, ServiceError::NotFound(_)), "{}: {e:?}", db.name);
        assert!(s.authenticate_bearer(&mine.secret).await.is_ok());
        // Nobody but an admin lists or creates tokens for others.
        let e = s.list_api_tokens(me, Some(other.user.id)).await.unwrap_err();
        assert!(matches!(e, ServiceError::Forbidden(_)), "{}: {e:?}", db.name);
        let e = s.list_api_tokens(me, None).await.unwrap_err();
        assert!(matches!(e, ServiceError::Forbidden(_)), "{}: {e:?}", db.name);
        let e = s.create_api_token(me, None, other.user.id, req("x", TokenScope::Read, None)).await.unwrap_err();
        assert!(matches!(e, ServiceError::Forbidden(_)), "{}: {e:?}", db.name);
        let all = s.list_api_tokens(&admin, None).await.unwrap();
        let names: Vec<(&str, &str)> = all.iter().map(|t| (t.username.as_str(), t.name.as_str())).collect();
        assert!(names.contains(&("bmet1", "mine")) && names.contains(&("bmet2", "theirs")), "{names:?}");
        s.revoke_api_token(&admin, theirs.token.id).await.unwrap();
        assert!(unauthenticated(&s.authenticate_bearer(&theirs.secret).await.unwrap_err()));

        // A read token cannot mint a write token; a write token may mint either.
        let e = s
            .create_api_token(me, Some(TokenScope::Read), me.user.id, req("wider", TokenScope::Write, None))
            .await
            .unwrap_err();
        assert!(matches!(e, ServiceError::Forbidden(_)), "{}: {e:?}", db.name);
        s.create_api_token(me, Some(TokenScope::Read), me.user.id, req("same", TokenScope::Read, None)).await.unwrap();
        s.create_api_token(me, Some(TokenScope::Write), me.user.id, req("w", TokenScope::Write, None)).await.unwrap();

        // Command-line helpers by user name.
        let c =
            s.create_api_token_for_username(&shop.sys, "bmet2", req("cli", TokenScope::Read, Some(7))).await.unwrap();
        assert_eq!(c.token.created_by, "system");
        let listed = s.list_api_tokens_by_username(&shop.sys, Some("bmet2")).await.unwrap();
        assert_eq!(listed.len(), 2);
        assert!(s.list_api_tokens_by_username(&shop.sys, Some("nobody")).await.is_err());
    }
}
