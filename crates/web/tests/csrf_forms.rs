//! CSRF on every form (issue 7 §2), on SQLite and PostgreSQL, over the demo hospital.
//!
//! The administrator signs in and the test crawls the UI from the dashboard: every page reachable
//! from the navigation and from links on the pages (bounded: at most 300 pages, at most 8 pages
//! per route shape, so that 6,000 asset pages are not all visited). It collects every
//! `<form method="post">` (action and fields) and posts each one twice — without the `csrf`
//! field, and with a wrong token — and expects the app's CSRF refusal (403, "did not come from
//! this site") and no new audit event. Every POST route of the UI router (read from the
//! `.route(…)` lines of `src/ui/`) must be covered by a crawled form; routes no form reached are
//! listed and posted directly, with the same expectations. The sign-in form has no session to
//! bind a token to: a cross-site sign-in (`Origin` of another site) is refused instead.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use common::{Session, send};
use htm_service::Services;
use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};

const MAX_PAGES: usize = 300;
const PER_SHAPE: usize = 8;
const REFUSAL: &str = "did not come from this site";

/// One `<form method="post">` as found on a page.
#[derive(Debug, Clone)]
struct FoundForm {
    page: String,
    action: String,
    multipart: bool,
    fields: Vec<(String, String)>,
    files: Vec<String>,
}

// ---- a small HTML reader: enough for our own templates ----

fn decode_entities(s: &str) -> String {
    s.replace("&quot;", "\"")
        .replace("&#x27;", "'")
        .replace("&#39;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&#x2f;", "/")
        .replace("&#x2F;", "/")
        .replace("&amp;", "&")
}

/// The attributes of a start tag's text (`<input a="b" c>` without the brackets).
fn attributes(tag: &str) -> HashMap<String, String> {
    let mut out = HashMap::new();
    let b = tag.as_bytes();
    // skip the element name
    let mut i = tag.find(|c: char| c.is_whitespace()).unwrap_or(tag.len());
    while i < b.len() {
        while i < b.len() && (b[i] as char).is_whitespace() {
            i += 1;
        }
        let start = i;
        while i < b.len() && !(b[i] as char).is_whitespace() && b[i] != b'=' && b[i] != b'/' {
            i += 1;
        }
        if i == start {
            i += 1;
            continue;
        }
        let name = tag[start..i].to_ascii_lowercase();
        if i < b.len() && b[i] == b'=' {
            i += 1;
            let value = if i < b.len() && (b[i] == b'"' || b[i] == b'\'') {
                let q = b[i];
                let vs = i + 1;
                let mut j = vs;
                while j < b.len() && b[j] != q {
                    j += 1;
                }
                i = j + 1;
                &tag[vs..j.min(b.len())]
            } else {
                let vs = i;
                while i < b.len() && !(b[i] as char).is_whitespace() {
                    i += 1;
                }
                &tag[vs..i]
            };
            out.insert(name, decode_entities(value));
        } else {
            out.insert(name, String::new());
        }
    }
    out
}

/// Every start tag `<name …>` in `html`, as the text between the brackets.
fn tags<'a>(html: &'a str, name: &str) -> Vec<(usize, &'a str)> {
    let mut v = Vec::new();
    let lower = html.to_ascii_lowercase();
    let needle = format!("<{name}");
    let mut from = 0;
    while let Some(p) = lower[from..].find(&needle) {
        let at = from + p;
        let after = at + needle.len();
        let next = lower.as_bytes().get(after).copied().unwrap_or(b'>');
        if next == b'>' || (next as char).is_whitespace() {
            let end = html[at..].find('>').map(|e| at + e).unwrap_or(html.len());
            v.push((at, &html[at + 1..end]));
            from = end;
        } else {
            from = after;
        }
    }
    v
}

fn links(html: &str) -> Vec<String> {
    tags(html, "a").into_iter().filter_map(|(_, t)| attributes(t).get("href").cloned()).collect()
}

fn forms(page: &str, html: &str) -> Vec<FoundForm> {
    let lower = html.to_ascii_lowercase();
    let mut out = Vec::new();
    for (at, tag) in tags(html, "form") {
        let a = attributes(tag);
        if a.get("method").map(|m| m.to_ascii_lowercase()) != Some("post".into()) {
            continue;
        }
        let end = lower[at..].find("</form>").map(|e| at + e).unwrap_or(html.len());
        let body = &html[at..end];
        let id = a.get("id").cloned();
        let mut f = FoundForm {
            page: page.to_string(),
            action: a.get("action").cloned().filter(|s| !s.is_empty()).unwrap_or_else(|| page.to_string()),
            multipart: a.get("enctype").is_some_and(|e| e.contains("multipart")),
            fields: Vec::new(),
            files: Vec::new(),
        };
        let mut push = |attrs: &HashMap<String, String>, value: String| {
            if let Some(n) = attrs.get("name").filter(|n| !n.is_empty()) {
                f.fields.push((n.clone(), value));
            }
        };
        for (_, t) in tags(body, "input") {
            let ia = attributes(t);
            let ty = ia.get("type").map(|s| s.to_ascii_lowercase()).unwrap_or_else(|| "text".into());
            match ty.as_str() {
                "submit" | "button" | "reset" | "image" => {}
                "checkbox" | "radio" if !ia.contains_key("checked") => {}
                "file" => {
                    if let Some(n) = ia.get("name") {
                        f.files.push(n.clone());
                    }
                }
                _ => push(&ia, ia.get("value").cloned().unwrap_or_default()),
            }
        }
        for (sat, t) in tags(body, "select") {
            let sa = attributes(t);
            let send = body[sat..].to_ascii_lowercase().find("</select>").map(|e| sat + e).unwrap_or(body.len());
            let options = tags(&body[sat..send], "option");
            let chosen = options
                .iter()
                .find(|(_, o)| attributes(o).contains_key("selected"))
                .or_else(|| options.first())
                .map(|(_, o)| attributes(o).get("value").cloned().unwrap_or_default())
                .unwrap_or_default();
            push(&sa, chosen);
        }
        for (_, t) in tags(body, "textarea") {
            push(&attributes(t), String::new());
        }
        // submit buttons carrying a name (e.g. a transition) send their value
        for (_, t) in tags(body, "button") {
            let ba = attributes(t);
            if ba.contains_key("name") {
                push(&ba, ba.get("value").cloned().unwrap_or_default());
                break;
            }
        }
        // inputs outside the element that name this form with form="id"
        if let Some(id) = &id {
            for (_, t) in tags(html, "input") {
                let ia = attributes(t);
                if ia.get("form") == Some(id) {
                    push(&ia, ia.get("value").cloned().unwrap_or_default());
                }
            }
        }
        out.push(f);
    }
    out
}

/// `/assets/123/risk?x=1` → `/assets/{}/risk` (numbers and other ids as `{}`), query keys kept.
fn shape(url: &str) -> String {
    let (path, query) = url.split_once('?').unwrap_or((url, ""));
    let segs: Vec<&str> = path
        .split('/')
        .map(|s| {
            if !s.is_empty() && (s.chars().any(|c| c.is_ascii_digit()) && s.len() > 1 || s.parse::<i64>().is_ok()) {
                "{}"
            } else {
                s
            }
        })
        .collect();
    let mut keys: Vec<&str> =
        query.split('&').filter_map(|kv| kv.split('=').next()).filter(|k| !k.is_empty()).collect();
    keys.sort();
    keys.dedup();
    format!("{}?{}", segs.join("/"), keys.join("&"))
}

/// Whether a concrete path matches a router pattern (`{name}` matches one segment).
fn matches(pattern: &str, path: &str) -> bool {
    let path = path.split('?').next().unwrap_or(path);
    let (p, q): (Vec<&str>, Vec<&str>) = (pattern.split('/').collect(), path.split('/').collect());
    p.len() == q.len()
        && p.iter().zip(&q).all(|(a, b)| (a.starts_with('{') && a.ends_with('}') && !b.is_empty()) || a == b)
}

/// The POST routes of the UI router, read from the `.route("…", … post(…))` lines in `src/ui/`.
fn ui_post_routes() -> BTreeSet<String> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/ui");
    let mut routes = BTreeSet::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().and_then(|e| e.to_str()) != Some("rs") {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        for line in text.lines() {
            let l = line.trim();
            if let Some(rest) = l.strip_prefix(".route(\"")
                && (rest.contains("post(") || rest.contains(".post("))
                && let Some(end) = rest.find('"')
            {
                routes.insert(rest[..end].to_string());
            }
        }
    }
    routes
}

async fn audit_count(url: &str) -> i64 {
    use sqlx::Connection;
    if url.starts_with("sqlite:") {
        let mut c = sqlx::SqliteConnection::connect(url).await.unwrap();
        sqlx::query_scalar("SELECT count(*) FROM audit_events").fetch_one(&mut c).await.unwrap()
    } else {
        let mut c = sqlx::PgConnection::connect(url).await.unwrap();
        sqlx::query_scalar("SELECT count(*) FROM audit_events").fetch_one(&mut c).await.unwrap()
    }
}

fn urlencoded(fields: &[(String, String)]) -> Body {
    let pairs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    Body::from(common::form(&pairs))
}

fn multipart(fields: &[(String, String)], files: &[String]) -> (String, Body) {
    let boundary = "----htm-csrf-test-boundary";
    let mut b = String::new();
    for (k, v) in fields {
        b.push_str(&format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n"));
    }
    for k in files {
        b.push_str(&format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"; filename=\"note.txt\"\r\nContent-Type: text/plain\r\n\r\nhello\r\n"
        ));
    }
    b.push_str(&format!("--{boundary}--\r\n"));
    (format!("multipart/form-data; boundary={boundary}"), Body::from(b))
}

/// Posts the form's fields with the CSRF field removed (`token` None) or replaced.
async fn post_without_valid_csrf(
    router: &axum::Router,
    s: &Session,
    action: &str,
    f: &FoundForm,
    token: Option<&str>,
) -> common::Reply {
    let mut fields: Vec<(String, String)> = f.fields.iter().filter(|(k, _)| k != "csrf").cloned().collect();
    if let Some(t) = token {
        fields.push(("csrf".into(), t.into()));
    }
    let (ct, body) = if f.multipart {
        multipart(&fields, &f.files)
    } else {
        ("application/x-www-form-urlencoded".to_string(), urlencoded(&fields))
    };
    let req =
        Request::post(action).header(header::COOKIE, &s.cookie).header(header::CONTENT_TYPE, ct).body(body).unwrap();
    send(router, req).await
}

#[tokio::test]
async fn every_form_is_refused_without_a_valid_csrf_token() {
    let today = jiff::civil::date(2026, 11, 21);
    for db in htm_test_support::stores().await {
        let name = db.name;
        let services = Services::new(db.store.clone(), Default::default());
        services.ensure_admin(Some("Good-Password-1".into())).await.unwrap();
        services.seed_demo(today).await.unwrap();
        let router = htm_web::router(htm_web::AppState::new(services));
        let s = common::login(&router, "admin").await;

        // ---- crawl ----
        let mut queue: VecDeque<String> = VecDeque::from(["/".to_string()]);
        let mut seen: BTreeSet<String> = BTreeSet::new();
        let mut per_shape: HashMap<String, usize> = HashMap::new();
        let mut found: Vec<FoundForm> = Vec::new();
        let mut pages = 0;
        while let Some(url) = queue.pop_front() {
            if pages >= MAX_PAGES {
                break;
            }
            let r = common::get(&router, &url, &s).await;
            pages += 1;
            assert!(
                r.status == StatusCode::OK || r.status.is_redirection() || r.status == StatusCode::NOT_FOUND,
                "{name}: GET {url}: {}",
                r.status
            );
            if r.status != StatusCode::OK || !r.body.contains("<html") && !r.body.contains("<form") {
                continue;
            }
            found.extend(forms(&url, &r.body));
            for href in links(&r.body) {
                let href = href.split('#').next().unwrap_or("").to_string();
                if !href.starts_with('/')
                    || href.starts_with("//")
                    || href.starts_with("/static/")
                    || href.starts_with("/api/")
                    || href.starts_with("/fhir/")
                    || href.starts_with("/calendar/")
                    || href.contains(".pdf")
                    || href.contains("/content")
                    || seen.contains(&href)
                {
                    continue;
                }
                let k = shape(&href);
                let n = per_shape.entry(k).or_default();
                if *n >= PER_SHAPE {
                    continue;
                }
                *n += 1;
                seen.insert(href.clone());
                queue.push_back(href);
            }
        }
        assert!(pages >= 20, "{name}: the crawl reached only {pages} pages");

        // one test per distinct (action shape, field names)
        let mut distinct: BTreeMap<(String, Vec<String>), FoundForm> = BTreeMap::new();
        for f in &found {
            let mut names: Vec<String> =
                f.fields.iter().map(|(k, _)| k.clone()).chain(f.files.iter().cloned()).collect();
            names.sort();
            distinct.entry((shape(&f.action), names)).or_insert_with(|| f.clone());
        }
        let routes = ui_post_routes();
        assert!(routes.len() >= 30, "{name}: read only {} POST routes from src/ui: {routes:?}", routes.len());

        // ---- every form: refused without / with a wrong token, and nothing recorded ----
        let before = audit_count(&db.url).await;
        let mut covered: BTreeSet<String> = BTreeSet::new();
        let mut unprotected = Vec::new();
        for f in distinct.values() {
            if f.action == "/login" {
                continue;
            }
            assert!(
                f.fields.iter().any(|(k, v)| k == "csrf" && v == &s.csrf),
                "{name}: the form posting to {} on {} has no csrf field with the session's token",
                f.action,
                f.page
            );
            for token in [None, Some("0".repeat(64).as_str()), Some("")] {
                let r = post_without_valid_csrf(&router, &s, &f.action, f, token).await;
                if r.status != StatusCode::FORBIDDEN || !r.body.contains(REFUSAL) {
                    unprotected.push(format!(
                        "POST {} (form on {}, csrf {token:?}): {} {}",
                        f.action,
                        f.page,
                        r.status,
                        r.body.chars().take(200).collect::<String>()
                    ));
                }
            }
            for r in routes.iter().filter(|r| matches(r, &f.action)) {
                covered.insert(r.clone());
            }
        }
        assert!(
            unprotected.is_empty(),
            "{name}: forms not refused without a valid CSRF token:\n{}",
            unprotected.join("\n")
        );

        // ---- POST routes no crawled form reached: posted directly ----
        let uncovered: Vec<&String> = routes.iter().filter(|r| !covered.contains(*r) && *r != "/login").collect();
        eprintln!(
            "{name}: crawled {pages} pages, {} forms ({} distinct); {} of {} UI POST routes covered by forms; posted directly: {uncovered:?}",
            found.len(),
            distinct.len(),
            covered.len(),
            routes.len() - 1
        );
        for r in &uncovered {
            let path: String =
                r.split('/').map(|seg| if seg.starts_with('{') { "1" } else { seg }).collect::<Vec<_>>().join("/");
            let multipart = path.ends_with("/documents") || path.ends_with("/esa-import");
            let f = FoundForm {
                page: "(direct)".into(),
                action: path.clone(),
                multipart,
                fields: vec![("csrf".into(), String::new())],
                files: if multipart { vec!["file".into()] } else { vec![] },
            };
            for token in [None, Some("0".repeat(64).as_str())] {
                let r = post_without_valid_csrf(&router, &s, &path, &f, token).await;
                if r.status != StatusCode::FORBIDDEN || !r.body.contains(REFUSAL) {
                    unprotected.push(format!(
                        "POST {path} (direct, csrf {token:?}): {} {}",
                        r.status,
                        r.body.chars().take(200).collect::<String>()
                    ));
                }
            }
        }
        assert!(
            unprotected.is_empty(),
            "{name}: routes not refused without a valid CSRF token:\n{}",
            unprotected.join("\n")
        );
        assert_eq!(audit_count(&db.url).await, before, "{name}: a refused form changed the record");

        // the forms do work with the right token: sign out with it
        let r = common::post(&router, "/logout", &s, &[("csrf", &s.csrf)]).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{name}");
    }
}

#[tokio::test]
async fn a_cross_site_sign_in_is_refused() {
    for db in htm_test_support::stores().await {
        let name = db.name;
        let services = Services::new(db.store.clone(), Default::default());
        services.ensure_admin(Some("Good-Password-1".into())).await.unwrap();
        let router = htm_web::router(htm_web::AppState::new(services));
        let body = common::form(&[("username", "admin"), ("password", "Good-Password-1"), ("next", "/")]);
        let attempt = |headers: Vec<(&'static str, &'static str)>| {
            let router = router.clone();
            let body = body.clone();
            async move {
                let mut req = Request::post("/login")
                    .header(header::HOST, "htm.example.org")
                    .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
                for (k, v) in headers {
                    req = req.header(k, v);
                }
                send(&router, req.body(Body::from(body)).unwrap()).await
            }
        };
        let r = attempt(vec![("origin", "https://evil.example.com")]).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{name}: {}", r.body);
        assert!(r.body.contains(REFUSAL), "{name}: {}", r.body);
        let r = attempt(vec![("sec-fetch-site", "cross-site")]).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{name}");
        // same origin, or a client that sends neither header (curl, the tests), signs in
        let r = attempt(vec![("origin", "https://htm.example.org"), ("sec-fetch-site", "same-origin")]).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{name}: {}", r.body);
        let r = attempt(vec![]).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{name}");
    }
}
