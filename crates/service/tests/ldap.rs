//! LDAP / Active Directory login (issue 7 §2) against a real OpenLDAP `slapd` — the private
//! directory of `scripts/ldap-test-env.sh` (started here when `HTM_TEST_LDAP_URL` is unset) — on
//! both database back ends: mapped people sign in with their role (just-in-time accounts, audited
//! "LDAP login"), wrong and empty passwords fail, unmapped people are refused, a crafted user name
//! cannot widen the search (RFC 4515), a group change in the directory changes the role at the next
//! login, a deactivated account stays out, lockout applies, local accounts keep working and a
//! directory that is down is `DirectoryUnavailable` (503 `directory_unavailable` at the edge).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use htm_domain::user::{NewUser, Role, UserPatch};
use htm_service::ldap::{DirectoryClient, LdapConfig};
use htm_service::{Principal, ServiceError, ServiceSettings, Services};
use htm_store::{AuthSource, Store};
use htm_test_support::stores;
use ldap3::{LdapConnAsync, Mod};
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, OnceLock};

/// The directory's settings (from the environment or from `scripts/ldap-test-env.sh vars`).
struct Dir {
    vars: HashMap<String, String>,
}

impl Dir {
    fn get(&self, k: &str) -> String {
        self.vars.get(k).cloned().unwrap_or_else(|| panic!("{k} is not set"))
    }
    fn people(&self) -> String {
        format!("ou=people,{}", self.get("HTM_TEST_LDAP_BASE_DN"))
    }
    fn group(&self, cn: &str) -> String {
        format!("cn={cn},ou=groups,{}", self.get("HTM_TEST_LDAP_BASE_DN"))
    }
}

const KEYS: [&str; 6] = [
    "HTM_TEST_LDAP_URL",
    "HTM_TEST_LDAP_BASE_DN",
    "HTM_TEST_LDAP_BIND_DN",
    "HTM_TEST_LDAP_BIND_PASSWORD",
    "HTM_TEST_LDAP_ADMIN_DN",
    "HTM_TEST_LDAP_ADMIN_PASSWORD",
];

/// The test directory, or `None` (with a loud message) when there is none and
/// `HTM_REQUIRE_LDAP` is not 1.
fn directory() -> Option<&'static Dir> {
    static DIR: OnceLock<Option<Dir>> = OnceLock::new();
    DIR.get_or_init(|| {
        let required = std::env::var("HTM_REQUIRE_LDAP").as_deref() == Ok("1");
        let mut vars: HashMap<String, String> =
            KEYS.iter().filter_map(|k| std::env::var(k).ok().map(|v| (k.to_string(), v))).collect();
        if vars.len() < KEYS.len() {
            let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../../scripts/ldap-test-env.sh");
            match std::process::Command::new("bash").arg(script).arg("vars").output() {
                Ok(out) if out.status.success() => {
                    vars = String::from_utf8_lossy(&out.stdout)
                        .lines()
                        .filter_map(|l| l.split_once('=').map(|(k, v)| (k.to_string(), v.to_string())))
                        .collect();
                }
                other => {
                    let why = match other {
                        Ok(out) => String::from_utf8_lossy(&out.stderr).to_string(),
                        Err(e) => e.to_string(),
                    };
                    assert!(!required, "HTM_REQUIRE_LDAP=1 but the test directory could not be started: {why}");
                    eprintln!(
                        "\n*** SKIPPING the LDAP tests: no test directory (HTM_TEST_LDAP_URL unset and {script} failed: {why}).\n\
                         *** Install slapd and ldap-utils, or set HTM_REQUIRE_LDAP=1 to make this a failure. ***\n"
                    );
                    return None;
                }
            }
        }
        Some(Dir { vars })
    })
    .as_ref()
}

fn config(d: &Dir) -> LdapConfig {
    let mut c = LdapConfig::new(d.get("HTM_TEST_LDAP_URL"), d.get("HTM_TEST_LDAP_BASE_DN"));
    c.bind_dn = Some(d.get("HTM_TEST_LDAP_BIND_DN"));
    c.bind_password = Some(d.get("HTM_TEST_LDAP_BIND_PASSWORD"));
    c.group_base_dn = Some(format!("ou=groups,{}", d.get("HTM_TEST_LDAP_BASE_DN")));
    // DNs written with other case and spaces than the directory's: they still match
    c.role_map.insert(d.group("HTM-Technicians").replace(',', ", "), Role::Technician);
    c.role_map.insert(d.group("htm-engineers"), Role::Engineer);
    c.role_map.insert(d.group("htm-requesters"), Role::Requester);
    c.validate().unwrap();
    c
}

fn services(store: Arc<dyn Store>, ldap: LdapConfig) -> Services {
    Services::new(store, ServiceSettings { ldap: Some(ldap), ..ServiceSettings::default() })
}

fn pw(uid: &str) -> String {
    format!("Directory-Pass-{uid}-1")
}

fn unauthenticated(e: &ServiceError) -> bool {
    matches!(e, ServiceError::Unauthenticated(_))
}

/// Adds (`add`) or removes `uid` from group `cn`, as the directory administrator (an LDAP modify,
/// what `ldapmodify` sends). Removing an absent member or adding a present one is not an error.
async fn set_member(d: &Dir, cn: &str, uid: &str, add: bool) {
    let (conn, mut ldap) = LdapConnAsync::new(&d.get("HTM_TEST_LDAP_URL")).await.unwrap();
    ldap3::drive!(conn);
    ldap.simple_bind(&d.get("HTM_TEST_LDAP_ADMIN_DN"), &d.get("HTM_TEST_LDAP_ADMIN_PASSWORD"))
        .await
        .unwrap()
        .success()
        .unwrap();
    let member = format!("uid={uid},{}", d.people());
    let values = HashSet::from([member.as_str()]);
    let m = if add { Mod::Add("member", values) } else { Mod::Delete("member", values) };
    let r = ldap.modify(&d.group(cn), vec![m]).await.unwrap();
    // 20 attributeOrValueExists, 16 noSuchAttribute: already as wanted
    assert!([0, 16, 20].contains(&r.rc), "modify {cn}: {r:?}");
    ldap.unbind().await.unwrap();
}

#[tokio::test]
async fn mapped_people_sign_in_with_their_role_and_get_an_audited_account() {
    let Some(d) = directory() else { return };
    for db in stores().await {
        let s = services(db.store.clone(), config(d));
        for (uid, role, name) in [
            ("tbiomed", Role::Technician, "Terry Biomed (BMET)"),
            ("cengineer", Role::Engineer, "Casey Engineer"),
            ("nurse1", Role::Requester, "Nora Nurse, RN"),
        ] {
            let g = s.login(uid, &pw(uid), "api").await.unwrap_or_else(|e| panic!("{}: {uid}: {e:?}", db.name));
            assert_eq!(g.user.username, uid);
            assert_eq!(g.user.role, role, "{}: {uid}", db.name);
            assert_eq!(g.user.display_name, name);
            assert_eq!(g.user.email.as_deref(), Some(format!("{uid}@hospital.test").as_str()));
            assert!(g.user.active);
            assert_eq!(s.store.user_auth_source(g.user.id).await.unwrap(), AuthSource::Ldap);
            // the session works like a local one
            assert_eq!(s.authenticate(&g.token).await.unwrap().user.id, g.user.id);
            // user names are case-insensitive, and a second login changes nothing
            let again = s.login(&uid.to_uppercase(), &pw(uid), "web").await.unwrap();
            assert_eq!((again.user.id, again.user.version), (g.user.id, 1), "{}: {uid}", db.name);
            let history = s.history(&Principal::system(), "user", &g.user.id.to_string(), 50).await.unwrap();
            assert_eq!(history.len(), 1, "{}: {uid}: {history:?}", db.name);
            assert_eq!(history[0].action, "create");
            assert_eq!(history[0].reason.as_deref(), Some("LDAP login"));
        }
        // the directory password is not a local password: without [ldap] nobody signs in with it
        let local_only = Services::new(db.store.clone(), ServiceSettings::default());
        let e = local_only.login("tbiomed", &pw("tbiomed"), "api").await.unwrap_err();
        assert!(unauthenticated(&e), "{}: {e:?}", db.name);
        assert!(s.verify_audit().await.unwrap().is_ok(), "{}", db.name);
    }
}

#[tokio::test]
async fn groups_can_come_from_member_of_as_on_active_directory() {
    let Some(d) = directory() else { return };
    for db in stores().await {
        let mut c = config(d);
        c.group_base_dn = None;
        c.group_attribute = Some("memberOf".into());
        c.validate().unwrap();
        let s = services(db.store.clone(), c);
        let g = s.login("cengineer", &pw("cengineer"), "api").await.unwrap();
        assert_eq!(g.user.role, Role::Engineer, "{}", db.name);
    }
}

#[tokio::test]
async fn wrong_and_empty_passwords_fail_and_count_towards_the_lockout() {
    let Some(d) = directory() else { return };
    for db in stores().await {
        let mut c = config(d);
        let s = Services::new(
            db.store.clone(),
            ServiceSettings { ldap: Some(c.clone()), lockout_threshold: 3, ..ServiceSettings::default() },
        );
        // unknown to OpenHTM and a wrong password: refused, no account appears
        let e = s.login("nurse1", "Wrong-Directory-Pass", "api").await.unwrap_err();
        assert!(unauthenticated(&e), "{}: {e:?}", db.name);
        assert!(s.store.get_user_credentials("nurse1").await.unwrap().is_none());
        // an empty password would be an unauthenticated bind (RFC 4513 §5.1.2): refused
        let e = s.login("nurse1", "", "api").await.unwrap_err();
        assert!(unauthenticated(&e), "{}: {e:?}", db.name);
        // ... before the directory is asked: even with the directory down it is a plain refusal
        c.url = "ldap://127.0.0.1:1".into();
        let down = services(db.store.clone(), c.clone());
        let e = down.login("nurse1", "", "api").await.unwrap_err();
        assert!(unauthenticated(&e), "{}: {e:?}", db.name);

        // once the account exists, failures count: 3 lock it, and the right password is refused
        let g = s.login("nurse1", &pw("nurse1"), "api").await.unwrap();
        s.login("nurse1", "Wrong-Directory-Pass", "api").await.unwrap_err();
        s.login("nurse1", "", "api").await.unwrap_err();
        assert_eq!(s.store.login_lock(g.user.id).await.unwrap().failed_logins, 2, "{}", db.name);
        s.login("nurse1", "Wrong-Directory-Pass", "api").await.unwrap_err();
        let e = s.login("nurse1", &pw("nurse1"), "api").await.unwrap_err();
        assert!(matches!(e, ServiceError::TooManyAttempts(_)), "{}: {e:?}", db.name);
        s.unlock_user(&Principal::system(), g.user.id).await.unwrap();
        s.login("nurse1", &pw("nurse1"), "api").await.unwrap();
    }
}

#[tokio::test]
async fn people_in_no_mapped_group_are_refused_unless_there_is_a_default_role() {
    let Some(d) = directory() else { return };
    for db in stores().await {
        let s = services(db.store.clone(), config(d));
        let e = s.login("nogroup", &pw("nogroup"), "api").await.unwrap_err();
        assert!(matches!(e, ServiceError::Forbidden(_)), "{}: {e:?}", db.name);
        assert!(s.store.get_user_credentials("nogroup").await.unwrap().is_none(), "{}", db.name);
        let mut c = config(d);
        c.default_role = Some(Role::Requester);
        let s = services(db.store.clone(), c);
        let g = s.login("nogroup", &pw("nogroup"), "api").await.unwrap();
        assert_eq!(g.user.role, Role::Requester, "{}", db.name);
    }
}

#[tokio::test]
async fn a_crafted_user_name_cannot_widen_the_search() {
    let Some(d) = directory() else { return };
    let c = config(d);
    let client = DirectoryClient::new(&c);
    // escaped per RFC 4515, the name matches no entry (unescaped, `(uid=*)(uid=*)` would match all)
    for crafted in ["*)(uid=*", "*", "tbiomed)(|(uid=*", "*)(objectClass=*"] {
        assert!(client.find_user(crafted).await.unwrap().is_empty(), "{crafted}");
    }
    assert_eq!(client.find_user("tbiomed").await.unwrap().len(), 1);
    for db in stores().await {
        let s = services(db.store.clone(), c.clone());
        for crafted in ["*)(uid=*", "*"] {
            for password in [pw("tbiomed"), "*".into()] {
                let e = s.login(crafted, &password, "api").await.unwrap_err();
                assert!(unauthenticated(&e), "{}: {crafted}: {e:?}", db.name);
            }
        }
    }
}

#[tokio::test]
async fn a_group_change_in_the_directory_changes_the_role_at_the_next_login() {
    let Some(d) = directory() else { return };
    for db in stores().await {
        set_member(d, "htm-engineers", "jmover", false).await;
        set_member(d, "htm-technicians", "jmover", true).await;
        let s = services(db.store.clone(), config(d));
        let first = s.login("jmover", &pw("jmover"), "api").await.unwrap();
        assert_eq!(first.user.role, Role::Technician, "{}", db.name);

        set_member(d, "htm-technicians", "jmover", false).await;
        set_member(d, "htm-engineers", "jmover", true).await;
        let second = s.login("jmover", &pw("jmover"), "api").await.unwrap();
        assert_eq!(second.user.id, first.user.id);
        assert_eq!((second.user.role, second.user.version), (Role::Engineer, 2), "{}", db.name);
        let history = s.history(&Principal::system(), "user", &first.user.id.to_string(), 50).await.unwrap();
        let update = history.iter().find(|e| e.action == "update").expect("an update event");
        assert_eq!(update.reason.as_deref(), Some("LDAP login"));

        // out of every mapped group: refused at the next login
        set_member(d, "htm-engineers", "jmover", false).await;
        let e = s.login("jmover", &pw("jmover"), "api").await.unwrap_err();
        assert!(matches!(e, ServiceError::Forbidden(_)), "{}: {e:?}", db.name);
        set_member(d, "htm-technicians", "jmover", true).await;
        assert!(s.verify_audit().await.unwrap().is_ok(), "{}", db.name);
    }
}

#[tokio::test]
async fn a_deactivated_account_stays_out_even_with_the_right_directory_password() {
    let Some(d) = directory() else { return };
    for db in stores().await {
        let s = services(db.store.clone(), config(d));
        let g = s.login("tbiomed", &pw("tbiomed"), "api").await.unwrap();
        let patch = UserPatch {
            version: g.user.version,
            active: Some(false),
            reason: Some("left".into()),
            ..Default::default()
        };
        s.update_user(&Principal::system(), g.user.id, patch).await.unwrap();
        let e = s.login("tbiomed", &pw("tbiomed"), "api").await.unwrap_err();
        assert!(unauthenticated(&e), "{}: {e:?}", db.name);
        // and the login did not reactivate it
        assert!(!s.store.get_user(g.user.id).await.unwrap().active, "{}", db.name);
    }
}

#[tokio::test]
async fn local_accounts_keep_working_and_take_precedence_even_with_the_directory_down() {
    let Some(d) = directory() else { return };
    for db in stores().await {
        let s = services(db.store.clone(), config(d));
        // a local account with a directory user's name: only its local password works
        s.add_user_as_system(NewUser {
            username: "cengineer".into(),
            display_name: "Local Casey".into(),
            role: Role::Manager,
            email: None,
            vendor_id: None,
            password: "Local-Password-77".into(),
        })
        .await
        .unwrap();
        let e = s.login("cengineer", &pw("cengineer"), "api").await.unwrap_err();
        assert!(unauthenticated(&e), "{}: {e:?}", db.name);
        let g = s.login("cengineer", "Local-Password-77", "api").await.unwrap();
        assert_eq!((g.user.role, g.user.display_name.as_str()), (Role::Manager, "Local Casey"));
        assert_eq!(s.store.user_auth_source(g.user.id).await.unwrap(), AuthSource::Local);

        // the directory is down: a clear DirectoryUnavailable, and local accounts still sign in
        let mut c = config(d);
        c.url = "ldap://127.0.0.1:1".into();
        c.timeout_seconds = 2;
        let down = services(db.store.clone(), c.clone());
        let e = down.login("tbiomed", &pw("tbiomed"), "api").await.unwrap_err();
        assert!(matches!(e, ServiceError::DirectoryUnavailable(_)), "{}: {e:?}", db.name);
        down.login("cengineer", "Local-Password-77", "api").await.unwrap();

        // a wrong service-account password is reported the same way (and logged), not as the user's fault
        let mut c = config(d);
        c.bind_password = Some("Not-The-Service-Pass".into());
        let misconfigured = services(db.store.clone(), c);
        let e = misconfigured.login("tbiomed", &pw("tbiomed"), "api").await.unwrap_err();
        assert!(matches!(e, ServiceError::DirectoryUnavailable(_)), "{}: {e:?}", db.name);
    }
}

#[tokio::test]
async fn directory_people_sign_records_with_their_directory_password_and_change_it_only_there() {
    let Some(d) = directory() else { return };
    for db in stores().await {
        let s = services(db.store.clone(), config(d));
        let g = s.login("cengineer", &pw("cengineer"), "api").await.unwrap();
        let me = Principal { user: g.user.clone() };
        s.check_signing_password(&me, Some(&pw("cengineer"))).await.unwrap();
        let e = s.check_signing_password(&me, Some("Wrong-Directory-Pass")).await.unwrap_err();
        assert!(matches!(e, ServiceError::SignatureInvalid(_)), "{}: {e:?}", db.name);
        // OpenHTM does not keep a password for directory accounts
        let patch =
            UserPatch { version: g.user.version, password: Some("New-Local-Pass-42".into()), ..Default::default() };
        let e = s.update_user(&me, g.user.id, patch).await.unwrap_err();
        assert!(matches!(e, ServiceError::Validation(_)), "{}: {e:?}", db.name);
    }
}
