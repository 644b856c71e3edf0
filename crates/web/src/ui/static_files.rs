//! The stylesheet, htmx and the icon, embedded in the binary and served from `/static/…`.
//! Pages link them with `?v=<content hash>`, so they can be cached for a year.

use axum::extract::Path;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use std::sync::OnceLock;

struct StaticFile {
    name: &'static str,
    content_type: &'static str,
    body: &'static [u8],
}

const FILES: &[StaticFile] = &[
    StaticFile {
        name: "app.css",
        content_type: "text/css; charset=utf-8",
        body: include_bytes!("../../static/app.css"),
    },
    StaticFile {
        name: "htmx.min.js",
        content_type: "text/javascript; charset=utf-8",
        body: include_bytes!("../../static/htmx.min.js"),
    },
    StaticFile { name: "favicon.svg", content_type: "image/svg+xml", body: include_bytes!("../../static/favicon.svg") },
];

/// A short hash over every static file: changes whenever one of them does.
pub fn version() -> &'static str {
    static V: OnceLock<String> = OnceLock::new();
    V.get_or_init(|| {
        use sha2::{Digest, Sha256};
        let mut h = Sha256::new();
        for f in FILES {
            h.update(f.body);
        }
        hex::encode(h.finalize())[..12].to_string()
    })
}

pub async fn serve(Path(file): Path<String>) -> Response {
    match FILES.iter().find(|f| f.name == file) {
        Some(f) => (
            [
                (header::CONTENT_TYPE, HeaderValue::from_static(f.content_type)),
                (header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=31536000, immutable")),
            ],
            f.body,
        )
            .into_response(),
        None => (StatusCode::NOT_FOUND, "no such file").into_response(),
    }
}
