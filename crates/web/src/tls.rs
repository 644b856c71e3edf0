//! Transport security (issue 7 §2): HTTPS served directly with rustls, or plain HTTP behind a
//! TLS-terminating reverse proxy, and what each way means for the application.
//!
//! - **Directly** (`htm serve --tls-cert FILE --tls-key FILE`): [`load_server_config`] reads a
//!   PEM certificate chain and private key (PKCS#8, PKCS#1 or SEC1) with the `ring` provider and
//!   allows only TLS 1.3 and 1.2 (RFC 8996 deprecated TLS 1.0 and 1.1); a missing, unreadable or
//!   mismatched file is a [`TlsSetupError`] before anything binds. [`serve_tls_on`] runs the same
//!   router as [`crate::serve_on`], the peer address still reaches the login throttle through
//!   `ConnectInfo<SocketAddr>`, handshakes run concurrently (a slow client cannot stall the
//!   accept loop) with a time limit.
//! - **Behind a proxy** ([`Transport::BehindTlsProxy`]): the proxy's `X-Forwarded-For` and
//!   `X-Forwarded-Proto` are believed — and only then; otherwise [`transport_layer`] removes both
//!   from every request so that no handler can be fooled by a client sending them.
//!
//! Either way the session cookie is `Secure` and responses carry `Strict-Transport-Security`
//! (RFC 6797 §6.1: sent only over a secure transport — directly always, behind the proxy when
//! it reports `X-Forwarded-Proto: https`).

use crate::AppState;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;
use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls;
use tokio_rustls::rustls::pki_types::pem::PemObject;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};

pub use tokio_rustls::rustls::ServerConfig;

/// How clients reach the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Transport {
    /// Plain HTTP (development, or a trusted network): forwarded headers are ignored.
    #[default]
    Plain,
    /// HTTPS served by this process.
    Tls,
    /// Plain HTTP from a TLS-terminating reverse proxy on the same host or network, whose
    /// `X-Forwarded-For` / `X-Forwarded-Proto` are trusted.
    BehindTlsProxy,
}

impl Transport {
    /// Whether browsers reach us over HTTPS (cookies get `Secure`).
    pub fn is_secure(self) -> bool {
        self != Transport::Plain
    }
}

/// The HSTS value: one year (RFC 6797 §6.1.1 `max-age`), as the brief of issue 7 §2 asks.
pub const HSTS: &str = "max-age=31536000";

/// How long a client may take over the TLS handshake.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// Why the certificate or key cannot be used (shown to the operator; `htm` exits with 2).
#[derive(Debug)]
pub enum TlsSetupError {
    Read { what: &'static str, path: PathBuf, cause: String },
    Empty { what: &'static str, path: PathBuf },
    Rejected(String),
}

impl std::fmt::Display for TlsSetupError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TlsSetupError::Read { what, path, cause } => {
                write!(f, "cannot read the TLS {what} from {}: {cause}", path.display())
            }
            TlsSetupError::Empty { what, path } => {
                write!(f, "{} holds no PEM-encoded TLS {what}", path.display())
            }
            TlsSetupError::Rejected(why) => write!(f, "the TLS certificate and key cannot be used: {why}"),
        }
    }
}

impl std::error::Error for TlsSetupError {}

fn pem_error(e: rustls::pki_types::pem::Error) -> String {
    match e {
        rustls::pki_types::pem::Error::Io(io) => io.to_string(),
        rustls::pki_types::pem::Error::NoItemsFound => "no PEM section of the expected kind".into(),
        other => format!("not valid PEM ({other:?})"),
    }
}

/// Reads a PEM certificate chain (leaf first) and its private key into a rustls server
/// configuration that speaks only TLS 1.3 and TLS 1.2 and offers HTTP/1.1 by ALPN.
pub fn load_server_config(cert: &Path, key: &Path) -> Result<Arc<rustls::ServerConfig>, TlsSetupError> {
    let read = |what, path: &Path, cause| TlsSetupError::Read { what, path: path.to_path_buf(), cause };
    std::fs::metadata(cert).map_err(|e| read("certificate", cert, e.to_string()))?;
    std::fs::metadata(key).map_err(|e| read("private key", key, e.to_string()))?;
    let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(cert)
        .map_err(|e| read("certificate", cert, pem_error(e)))?
        .collect::<Result<_, _>>()
        .map_err(|e| read("certificate", cert, pem_error(e)))?;
    if chain.is_empty() {
        return Err(TlsSetupError::Empty { what: "certificate", path: cert.to_path_buf() });
    }
    let key_der = PrivateKeyDer::from_pem_file(key).map_err(|e| match e {
        rustls::pki_types::pem::Error::NoItemsFound => {
            TlsSetupError::Empty { what: "private key", path: key.to_path_buf() }
        }
        other => read("private key", key, pem_error(other)),
    })?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])
        .map_err(|e| TlsSetupError::Rejected(e.to_string()))?
        .with_no_client_auth()
        .with_single_cert(chain, key_der)
        .map_err(|e| TlsSetupError::Rejected(e.to_string()))?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

/// A listener that hands axum finished TLS connections. A background task accepts TCP
/// connections and runs each handshake in its own task; failed or slow handshakes are dropped.
pub struct TlsListener {
    rx: tokio::sync::mpsc::Receiver<(tokio_rustls::server::TlsStream<TcpStream>, SocketAddr)>,
    local: SocketAddr,
    accept_task: tokio::task::JoinHandle<()>,
}

impl TlsListener {
    pub fn new(tcp: TcpListener, config: Arc<rustls::ServerConfig>) -> std::io::Result<Self> {
        let local = tcp.local_addr()?;
        let acceptor = TlsAcceptor::from(config);
        let (tx, rx) = tokio::sync::mpsc::channel(64);
        let accept_task = tokio::spawn(async move {
            loop {
                let (stream, peer) = match tcp.accept().await {
                    Ok(x) => x,
                    Err(e) => {
                        // e.g. too many open files: wait a little, as axum's own listener does
                        tracing::warn!("accepting a connection failed: {e}");
                        tokio::time::sleep(Duration::from_millis(100)).await;
                        continue;
                    }
                };
                let acceptor = acceptor.clone();
                let conn_tx = tx.clone();
                tokio::spawn(async move {
                    match tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(stream)).await {
                        Ok(Ok(tls)) => {
                            let _ = conn_tx.send((tls, peer)).await;
                        }
                        Ok(Err(e)) => tracing::debug!("TLS handshake with {peer} failed: {e}"),
                        Err(_) => tracing::debug!("TLS handshake with {peer} timed out"),
                    }
                });
                if tx.is_closed() {
                    break;
                }
            }
        });
        Ok(TlsListener { rx, local, accept_task })
    }
}

impl Drop for TlsListener {
    fn drop(&mut self) {
        self.accept_task.abort();
    }
}

impl axum::serve::Listener for TlsListener {
    type Io = tokio_rustls::server::TlsStream<TcpStream>;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        match self.rx.recv().await {
            Some(conn) => conn,
            // the accept task only ends when the listener is dropped
            None => std::future::pending().await,
        }
    }

    fn local_addr(&self) -> std::io::Result<Self::Addr> {
        Ok(self.local)
    }
}

/// Serves the application over HTTPS on `listener` until Ctrl-C or SIGTERM.
pub async fn serve_tls_on(
    mut state: AppState,
    listener: TcpListener,
    config: Arc<rustls::ServerConfig>,
) -> std::io::Result<()> {
    use axum::serve::ListenerExt;
    state.transport = Transport::Tls;
    state.secure_cookies = true;
    // `tap_io` (a no-op) gives the listener axum's `Connected` impl for `SocketAddr`
    let listener = TlsListener::new(listener, config)?.tap_io(|_| {});
    axum::serve(listener, crate::router(state).into_make_service_with_connect_info::<SocketAddr>())
        .with_graceful_shutdown(crate::shutdown_signal())
        .await
}

/// The client address a trusted proxy reports: the right-most `X-Forwarded-For` entry, which
/// the proxy itself appended (entries further left come from the client and may be forged).
pub fn forwarded_client(value: &str) -> Option<IpAddr> {
    let last = value.rsplit(',').next()?.trim();
    // `[v6]:port` or `v4:port` forms are sometimes sent; plain addresses are the norm
    last.parse::<IpAddr>().ok().or_else(|| last.parse::<SocketAddr>().ok().map(|a| a.ip()))
}

/// Applies the transport to every request and response (see the module documentation).
pub async fn transport_layer(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let forwarded_https = {
        let h = req.headers_mut();
        match state.transport {
            Transport::BehindTlsProxy => {
                let client = h
                    .get_all("x-forwarded-for")
                    .iter()
                    .filter_map(|v| v.to_str().ok())
                    .next_back()
                    .and_then(forwarded_client);
                let https = h.get("x-forwarded-proto").and_then(|v| v.to_str().ok()) == Some("https");
                if let Some(ip) = client {
                    req.extensions_mut().insert(ConnectInfo(SocketAddr::new(ip, 0)));
                }
                https
            }
            Transport::Tls => {
                h.remove("x-forwarded-for");
                h.insert("x-forwarded-proto", HeaderValue::from_static("https"));
                true
            }
            Transport::Plain => {
                h.remove("x-forwarded-for");
                h.remove("x-forwarded-proto");
                false
            }
        }
    };
    let mut res = next.run(req).await;
    if forwarded_https && !res.headers().contains_key(header::STRICT_TRANSPORT_SECURITY) {
        res.headers_mut().insert(header::STRICT_TRANSPORT_SECURITY, HeaderValue::from_static(HSTS));
    }
    res
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn the_proxy_appended_address_is_the_right_most_one() {
        assert_eq!(forwarded_client("203.0.113.7").unwrap().to_string(), "203.0.113.7");
        assert_eq!(forwarded_client("1.2.3.4, 203.0.113.7").unwrap().to_string(), "203.0.113.7");
        assert_eq!(forwarded_client("1.2.3.4,2001:db8::1").unwrap().to_string(), "2001:db8::1");
        assert_eq!(forwarded_client("10.0.0.1:5555").unwrap().to_string(), "10.0.0.1");
        assert!(forwarded_client("evil, not-an-ip").is_none());
        assert!(forwarded_client("").is_none());
    }

    #[test]
    fn missing_and_bad_files_are_explained() {
        let dir = std::env::temp_dir().join(format!("htm-tls-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let missing = dir.join("missing.pem");
        let e = load_server_config(&missing, &missing).unwrap_err().to_string();
        assert!(e.contains("cannot read the TLS certificate") && e.contains("missing.pem"), "{e}");
        let junk = dir.join("junk.pem");
        std::fs::write(&junk, "not a certificate\n").unwrap();
        let e = load_server_config(&junk, &junk).unwrap_err().to_string();
        assert!(e.contains("junk.pem holds no PEM-encoded TLS certificate"), "{e}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
