//! Transport security (issue 7 §2), on SQLite and PostgreSQL: the security headers on UI pages,
//! API routes, static files and errors; the session cookie's attributes; HTTPS served directly
//! with rustls (a real socket: TLS 1.2+, HSTS, a `Secure` cookie, the peer address reaching the
//! login throttle, plain HTTP refused); and the reverse-proxy mode, where `X-Forwarded-For` and
//! `X-Forwarded-Proto` are believed only when configured.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode, header};
use htm_service::Services;
use htm_web::AppState;
use htm_web::throttle::LoginThrottle;
use htm_web::tls::Transport;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio_rustls::rustls;
use tower::ServiceExt;

async fn raw(router: &axum::Router, req: Request<Body>) -> (StatusCode, HeaderMap) {
    let res = router.clone().oneshot(req).await.unwrap();
    (res.status(), res.headers().clone())
}

fn assert_security_headers(what: &str, h: &HeaderMap) {
    let get = |n: &str| h.get(n).and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    let csp = get("content-security-policy");
    for part in ["default-src 'self'", "script-src 'self'", "frame-ancestors 'none'", "form-action 'self'"] {
        assert!(csp.contains(part), "{what}: CSP {csp:?} lacks {part}");
    }
    assert!(!csp.contains("unsafe-inline") && !csp.contains("unsafe-eval"), "{what}: {csp}");
    assert_eq!(get("x-frame-options"), "DENY", "{what}");
    assert_eq!(get("x-content-type-options"), "nosniff", "{what}");
    assert_eq!(get("referrer-policy"), "same-origin", "{what}");
}

fn set_cookies(h: &HeaderMap) -> Vec<String> {
    h.get_all(header::SET_COOKIE).iter().filter_map(|v| v.to_str().ok()).map(str::to_string).collect()
}

fn session_set_cookie(h: &HeaderMap) -> String {
    set_cookies(h).into_iter().find(|c| c.starts_with("htm_session=")).unwrap_or_default()
}

fn login_request(user: &str, password: &str, headers: &[(&str, &str)]) -> Request<Body> {
    let mut req = Request::post("/login")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header("host", "htm.test");
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    req.body(Body::from(common::form(&[("username", user), ("password", password), ("next", "/")]))).unwrap()
}

async fn services(db: &htm_test_support::TestDb) -> Services {
    let services = Services::new(db.store.clone(), Default::default());
    services.ensure_admin(Some("Good-Password-1".into())).await.unwrap();
    services
}

#[tokio::test]
async fn every_kind_of_response_carries_the_security_headers_and_the_cookie_is_locked_down() {
    for db in htm_test_support::stores().await {
        let name = db.name;
        let router = htm_web::router(AppState::new(services(&db).await));
        let s = common::login(&router, "admin").await;
        let (status, h) = raw(&router, login_request("admin", "Good-Password-1", &[])).await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        let cookie = session_set_cookie(&h);
        for attr in ["; Path=/", "; HttpOnly", "; SameSite=Lax"] {
            assert!(cookie.contains(attr), "{name}: {cookie} lacks {attr}");
        }
        assert!(!cookie.contains("Secure"), "{name}: plain HTTP: {cookie}");
        assert!(h.get(header::STRICT_TRANSPORT_SECURITY).is_none(), "{name}: no HSTS over plain HTTP");

        let token = common::App { router: router.clone() }.login("admin", "Good-Password-1").await;
        let pages = ["/", "/assets", "/work-orders", "/reports/pm-compliance", "/no-such-page", "/login"];
        for p in pages {
            let (status, h) =
                raw(&router, Request::get(p).header(header::COOKIE, &s.cookie).body(Body::empty()).unwrap()).await;
            assert!(
                status.is_success() || status.is_redirection() || status == StatusCode::NOT_FOUND,
                "{name}: {p}: {status}"
            );
            assert_security_headers(&format!("{name} UI {p}"), &h);
        }
        let api = [
            ("/api/v1/openapi.json", None),
            ("/api/v1/assets", Some(token.as_str())),
            ("/api/v1/assets", None),                        // 401
            ("/api/v1/assets/999999", Some(token.as_str())), // 404
            ("/healthz", None),
            ("/static/app.css", None),
        ];
        for (p, t) in api {
            let mut req = Request::get(p);
            if let Some(t) = t {
                req = req.header(header::AUTHORIZATION, format!("Bearer {t}"));
            }
            let (status, h) = raw(&router, req.body(Body::empty()).unwrap()).await;
            assert!(status.as_u16() < 500, "{name}: {p}: {status}");
            assert_security_headers(&format!("{name} {p} ({status})"), &h);
        }
        // a POST (the sign-out redirect) too
        let (status, h) = raw(
            &router,
            Request::post("/logout")
                .header(header::COOKIE, &s.cookie)
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(Body::from(common::form(&[("csrf", &s.csrf)])))
                .unwrap(),
        )
        .await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{name}");
        assert_security_headers(&format!("{name} POST /logout"), &h);
    }
}

#[tokio::test]
async fn forwarded_headers_are_believed_only_behind_a_configured_proxy() {
    for db in htm_test_support::stores().await {
        let name = db.name;
        // plain: X-Forwarded-For is ignored, so a client cannot dodge the throttle by inventing one
        let mut state = AppState::new(services(&db).await);
        state.login_throttle = Arc::new(LoginThrottle::new(3, Duration::from_secs(60)));
        let router = htm_web::router(state);
        for i in 0..3 {
            let xff = format!("198.51.100.{i}");
            let (status, _) =
                raw(&router, login_request("admin", "Wrong-Password-99", &[("x-forwarded-for", &xff)])).await;
            assert_eq!(status, StatusCode::UNAUTHORIZED, "{name}");
        }
        let (status, h) = raw(
            &router,
            login_request(
                "admin",
                "Good-Password-1",
                &[("x-forwarded-for", "198.51.100.77"), ("x-forwarded-proto", "https")],
            ),
        )
        .await;
        assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{name}: the forged X-Forwarded-For was believed");
        assert!(h.get(header::STRICT_TRANSPORT_SECURITY).is_none(), "{name}: a forged X-Forwarded-Proto gave HSTS");

        // behind the proxy: the right-most X-Forwarded-For entry is the client
        let throttle = Arc::new(LoginThrottle::new(3, Duration::from_secs(60)));
        let mut state = AppState::new(Services::new(db.store.clone(), Default::default()));
        state.login_throttle = throttle.clone();
        state.transport = Transport::BehindTlsProxy;
        state.secure_cookies = true;
        let router = htm_web::router(state);
        for _ in 0..3 {
            let headers = [("x-forwarded-for", "1.2.3.4, 203.0.113.9"), ("x-forwarded-proto", "https")];
            let (status, _) = raw(&router, login_request("admin", "Wrong-Password-99", &headers)).await;
            assert_eq!(status, StatusCode::UNAUTHORIZED, "{name}");
        }
        assert!(throttle.check("203.0.113.9".parse::<IpAddr>().unwrap()).is_err(), "{name}");
        assert!(throttle.check("1.2.3.4".parse::<IpAddr>().unwrap()).is_ok(), "{name}: the forgeable entry counted");
        let (status, _) =
            raw(&router, login_request("admin", "Good-Password-1", &[("x-forwarded-for", "203.0.113.9")])).await;
        assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{name}");
        let (status, h) = raw(
            &router,
            login_request(
                "admin",
                "Good-Password-1",
                &[("x-forwarded-for", "203.0.113.10"), ("x-forwarded-proto", "https")],
            ),
        )
        .await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{name}: another client is not throttled");
        let cookie = session_set_cookie(&h);
        assert!(
            cookie.contains("; Secure") && cookie.contains("; HttpOnly") && cookie.contains("SameSite"),
            "{name}: {cookie}"
        );
        assert_eq!(h.get(header::STRICT_TRANSPORT_SECURITY).unwrap(), htm_web::tls::HSTS, "{name}");
        assert_security_headers(name, &h);
        // the proxy said the client used plain HTTP: no HSTS (RFC 6797 §7.2)
        let (_, h) =
            raw(&router, Request::get("/healthz").header("x-forwarded-proto", "http").body(Body::empty()).unwrap())
                .await;
        assert!(h.get(header::STRICT_TRANSPORT_SECURITY).is_none(), "{name}");
    }
}

/// A self-signed certificate for localhost / 127.0.0.1 made with Debian's `openssl`.
fn self_signed(dir: &Path, stem: &str) -> (PathBuf, PathBuf) {
    let (cert, key) = (dir.join(format!("{stem}-cert.pem")), dir.join(format!("{stem}-key.pem")));
    let out = std::process::Command::new("openssl")
        .args(["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2"])
        .args(["-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"])
        .args(["-addext", "basicConstraints=critical,CA:FALSE", "-keyout"])
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .output()
        .expect("openssl (Debian package openssl) is needed for this test");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    (cert, key)
}

fn client_config(cert: &Path, versions: &[&'static rustls::SupportedProtocolVersion]) -> Arc<rustls::ClientConfig> {
    use rustls::pki_types::CertificateDer;
    use rustls::pki_types::pem::PemObject;
    let mut roots = rustls::RootCertStore::empty();
    roots.add(CertificateDer::from_pem_file(cert).unwrap()).unwrap();
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    Arc::new(
        rustls::ClientConfig::builder_with_provider(provider)
            .with_protocol_versions(versions)
            .unwrap()
            .with_root_certificates(roots)
            .with_no_client_auth(),
    )
}

/// One HTTP/1.1 exchange over TLS; returns the response head and body as text and the
/// negotiated protocol version.
async fn https(
    addr: std::net::SocketAddr,
    config: Arc<rustls::ClientConfig>,
    request: String,
) -> (String, Option<rustls::ProtocolVersion>) {
    let tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
    let connector = tokio_rustls::TlsConnector::from(config);
    let name = rustls::pki_types::ServerName::try_from("localhost").unwrap();
    let mut tls = connector.connect(name, tcp).await.unwrap();
    let version = tls.get_ref().1.protocol_version();
    tls.write_all(request.as_bytes()).await.unwrap();
    let mut buf = Vec::new();
    let _ = tls.read_to_end(&mut buf).await;
    (String::from_utf8_lossy(&buf).into_owned(), version)
}

fn header_lines(resp: &str, name: &str) -> Vec<String> {
    let head = resp.split("\r\n\r\n").next().unwrap_or("");
    head.lines()
        .filter_map(|l| l.split_once(':'))
        .filter(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.trim().to_string())
        .collect()
}

#[tokio::test]
async fn https_is_served_directly_with_rustls() {
    let dir = htm_test_support::temp_dir("htm-tls");
    let (cert, key) = self_signed(&dir, "a");
    let (other_cert, other_key) = self_signed(&dir, "b");
    // a key that is not the certificate's, a key file given as the certificate: clear errors
    let e = htm_web::tls::load_server_config(&cert, &other_key).unwrap_err().to_string();
    assert!(e.contains("cannot be used"), "{e}");
    let e = htm_web::tls::load_server_config(&key, &key).unwrap_err().to_string();
    assert!(e.contains("holds no PEM-encoded TLS certificate"), "{e}");
    let e = htm_web::tls::load_server_config(&cert, &cert).unwrap_err().to_string();
    assert!(e.contains("private key"), "{e}");
    let _ = other_cert;

    for db in htm_test_support::stores().await {
        let name = db.name;
        let throttle = Arc::new(LoginThrottle::new(2, Duration::from_secs(60)));
        let mut state = AppState::new(services(&db).await);
        state.login_throttle = throttle.clone();
        let config = htm_web::tls::load_server_config(&cert, &key).unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let server = tokio::spawn(htm_web::tls::serve_tls_on(state, listener, config));

        // TLS 1.3 by default; TLS 1.2 alone is accepted too
        let get = "GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n".to_string();
        let tls13 = client_config(&cert, &[&rustls::version::TLS13]);
        let (resp, v) = https(addr, tls13.clone(), get.clone()).await;
        assert!(resp.starts_with("HTTP/1.1 200"), "{name}: {resp}");
        assert_eq!(v, Some(rustls::ProtocolVersion::TLSv1_3));
        assert_eq!(header_lines(&resp, "strict-transport-security"), vec![htm_web::tls::HSTS.to_string()]);
        assert_eq!(header_lines(&resp, "x-frame-options"), vec!["DENY".to_string()]);
        let (resp, v) = https(addr, client_config(&cert, &[&rustls::version::TLS12]), get.clone()).await;
        assert!(resp.starts_with("HTTP/1.1 200"), "{name}: {resp}");
        assert_eq!(v, Some(rustls::ProtocolVersion::TLSv1_2));

        // sign-in over TLS: the cookie is Secure, HttpOnly, SameSite, Path=/
        let body = common::form(&[("username", "admin"), ("password", "Good-Password-1"), ("next", "/")]);
        let post = |body: String| {
            format!(
                "POST /login HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{body}",
                body.len()
            )
        };
        let (resp, _) = https(addr, tls13.clone(), post(body)).await;
        assert!(resp.starts_with("HTTP/1.1 303"), "{name}: {resp}");
        let cookie = header_lines(&resp, "set-cookie").into_iter().find(|c| c.starts_with("htm_session=")).unwrap();
        for attr in ["; Secure", "; HttpOnly", "; SameSite=Lax", "; Path=/"] {
            assert!(cookie.contains(attr), "{name}: {cookie} lacks {attr}");
        }

        // the peer address reaches the login throttle through ConnectInfo
        let bad = common::form(&[("username", "admin"), ("password", "Wrong-Password-99"), ("next", "/")]);
        for _ in 0..2 {
            let (resp, _) = https(addr, tls13.clone(), post(bad.clone())).await;
            assert!(resp.starts_with("HTTP/1.1 401"), "{name}: {resp}");
        }
        assert!(throttle.check("127.0.0.1".parse::<IpAddr>().unwrap()).is_err(), "{name}: the peer was not 127.0.0.1");
        assert!(throttle.check("0.0.0.0".parse::<IpAddr>().unwrap()).is_ok(), "{name}");

        // plain HTTP to the TLS port gets no HTTP answer
        let mut tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
        tcp.write_all(get.as_bytes()).await.unwrap();
        let mut buf = Vec::new();
        let _ = tokio::time::timeout(Duration::from_secs(5), tcp.read_to_end(&mut buf)).await;
        assert!(!String::from_utf8_lossy(&buf).starts_with("HTTP/"), "{name}: plain HTTP was answered");
        // and the server still serves TLS afterwards
        let (resp, _) = https(addr, tls13, get).await;
        assert!(resp.starts_with("HTTP/1.1 200"), "{name}: {resp}");
        server.abort();
    }
    let _ = std::fs::remove_dir_all(dir);
}
