//! The HTTP edge: a JSON API under `/api/v1` (described by an OpenAPI 3.1 document generated
//! from the handlers) and a server-rendered web UI, both thin layers over `htm-service`.
//!
//! Invariants: handlers only translate between HTTP and use cases — every rule and permission
//! lives in the service layer. Every API error is `{"error": {"code", "message"}}` with the
//! right status; a 500 shows a request id and never the cause.

pub mod access;
pub mod api;
pub mod auth;
pub mod fhir;
pub mod survey_pdf;
pub mod throttle;
pub mod tls;
pub mod ui;

use axum::Router;
use axum::http::{HeaderName, HeaderValue, header};
use axum::routing::get;
use htm_service::Services;
use std::net::SocketAddr;
use std::sync::Arc;
use tower_http::set_header::SetResponseHeaderLayer;

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub services: Arc<Services>,
    /// Whether the server is reached over HTTPS (cookies get `Secure`).
    pub secure_cookies: bool,
    /// Failed logins per client address (see [`throttle`]).
    pub login_throttle: Arc<throttle::LoginThrottle>,
    /// Plain HTTP, TLS served directly, or behind a TLS proxy (see [`tls`]): whether forwarded
    /// headers are believed and HSTS is sent.
    pub transport: tls::Transport,
}

impl AppState {
    pub fn new(services: Services) -> Self {
        AppState {
            services: Arc::new(services),
            secure_cookies: false,
            login_throttle: Arc::new(throttle::LoginThrottle::default()),
            transport: tls::Transport::Plain,
        }
    }
}

/// The whole application: API, UI, health check, static files and security headers.
pub fn router(state: AppState) -> Router {
    let (api, openapi) = api::router();
    // Every API operation is checked against the route table before its handler runs (issue 7 §1).
    let api = api.route_layer(axum::middleware::from_fn_with_state(state.clone(), access::enforce));
    let openapi = Arc::new(openapi);
    Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .route(
            "/api/v1/openapi.json",
            get(move || {
                let doc = openapi.clone();
                async move { axum::Json(doc.as_ref().clone()) }
            }),
        )
        .nest("/api/v1", api)
        .route("/calendar/{file}", get(api::notify::calendar_feed))
        .merge(ui::router())
        .merge(fhir::router())
        .layer(axum::extract::DefaultBodyLimit::max(8 * 1024 * 1024))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static("default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'; form-action 'self'"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")))
        .layer(SetResponseHeaderLayer::if_not_present(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")))
        .layer(SetResponseHeaderLayer::if_not_present(header::REFERRER_POLICY, HeaderValue::from_static("same-origin")))
        .layer(SetResponseHeaderLayer::if_not_present(
            HeaderName::from_static("permissions-policy"),
            HeaderValue::from_static("camera=(self), microphone=(), geolocation=()"),
        ))
        .layer(axum::middleware::from_fn_with_state(state.clone(), tls::transport_layer))
        .layer(tower_http::trace::TraceLayer::new_for_http())
        .with_state(state)
}

/// Serves the application on `addr` until Ctrl-C or SIGTERM.
pub async fn serve(state: AppState, addr: SocketAddr) -> std::io::Result<()> {
    let listener = tokio::net::TcpListener::bind(addr).await?;
    serve_on(state, listener).await
}

pub async fn serve_on(state: AppState, listener: tokio::net::TcpListener) -> std::io::Result<()> {
    axum::serve(listener, router(state).into_make_service_with_connect_info::<SocketAddr>())
        .with_graceful_shutdown(shutdown_signal())
        .await
}

pub(crate) async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
}
