//! `htm user token create|list|revoke` (issue 7 §2) on SQLite and PostgreSQL: the secret is
//! printed once and authenticates; list shows metadata only; revoke ends it; bad input exits 1.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use htm_domain::user::{NewUser, Role};
use htm_service::Services;
use htm_test_support::{TestDb, stores};
use std::process::Output;

fn htm(db: &TestDb, args: &[&str]) -> Output {
    let dir = htm_test_support::temp_dir("htm-cli-tokens");
    std::process::Command::new(env!("CARGO_BIN_EXE_htm"))
        .args(args)
        .arg("--db")
        .arg(&db.url)
        .current_dir(&dir)
        .env_remove("HTM_DATABASE_URL")
        .output()
        .unwrap()
}

fn out(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[tokio::test]
async fn tokens_from_the_command_line() {
    for db in stores().await {
        let s = Services::new(db.store.clone(), Default::default());
        s.add_user_as_system(NewUser {
            username: "ann".into(),
            display_name: "Ann".into(),
            role: Role::Technician,
            email: None,
            vendor_id: None,
            password: "Good-Password-1".into(),
        })
        .await
        .unwrap();

        let o = htm(
            &db,
            &["user", "token", "create", "--user", "ann", "--name", "ci job", "--scope", "read", "--days", "7"],
        );
        assert!(o.status.success(), "{}: {}", db.name, String::from_utf8_lossy(&o.stderr));
        let secret = out(&o).trim().to_string();
        assert!(htm_domain::api_token::looks_like_secret(&secret), "{secret}");
        let a = s.authenticate_bearer(&secret).await.unwrap();
        assert_eq!(a.principal.user.username, "ann");
        assert_eq!(a.scope, Some(htm_domain::api_token::TokenScope::Read));

        let o = htm(&db, &["user", "token", "list", "--user", "ann"]);
        assert!(o.status.success());
        let listed = out(&o);
        let cols: Vec<&str> = listed.lines().next().unwrap().split('\t').collect();
        assert_eq!(cols[1..5], ["ann", "ci job", "read", &secret[..8]], "{listed}");
        assert_eq!(cols[8], "active");
        assert!(!listed.contains(&secret[8..]), "never the secret");

        let id = cols[0];
        assert!(htm(&db, &["user", "token", "revoke", id]).status.success());
        assert!(s.authenticate_bearer(&secret).await.is_err(), "{}", db.name);
        assert!(out(&htm(&db, &["user", "token", "list"])).contains("\trevoked"));

        for bad in [
            vec!["user", "token", "create", "--user", "ann", "--name", "x", "--scope", "admin"],
            vec!["user", "token", "create", "--user", "nobody", "--name", "x", "--scope", "read"],
            vec!["user", "token", "create", "--user", "ann", "--name", "x", "--scope", "read", "--days", "400"],
            vec!["user", "token", "revoke", "9999"],
        ] {
            let o = htm(&db, &bad);
            assert_eq!(o.status.code(), Some(1), "{}: {bad:?}", db.name);
            assert!(o.stdout.is_empty(), "no secret printed on failure");
        }
    }
}
