//! `--tls-cert FILE --tls-key FILE` for `htm serve` and `htm demo`, and how the configured
//! transport (TLS directly, behind a TLS proxy, or plain) is prepared before anything binds.

use crate::config::Settings;
use htm_web::tls::{ServerConfig, TlsSetupError, Transport};
use std::path::PathBuf;
use std::sync::Arc;

/// Serve HTTPS directly (both flags, or `[server] tls_cert` / `tls_key` in the TOML file).
#[derive(Debug, Clone, Default, clap::Args)]
pub struct TlsArgs {
    /// PEM certificate chain (leaf first) to serve HTTPS with [env: HTM_TLS_CERT]
    #[arg(long, value_name = "FILE", requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,
    /// PEM private key of the certificate (PKCS#8, PKCS#1 or SEC1) [env: HTM_TLS_KEY]
    #[arg(long, value_name = "FILE", requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,
}

/// The transport the settings ask for, with the rustls configuration when TLS is served
/// directly. A bad certificate or key is an error here, before the database is opened or the
/// address bound (`htm` then exits with 2).
pub fn prepare(settings: &Settings) -> Result<(Transport, Option<Arc<ServerConfig>>), TlsSetupError> {
    match (&settings.server.tls_cert, &settings.server.tls_key) {
        (Some(cert), Some(key)) => Ok((Transport::Tls, Some(htm_web::tls::load_server_config(cert, key)?))),
        _ if settings.server.behind_tls_proxy => Ok((Transport::BehindTlsProxy, None)),
        _ => Ok((Transport::Plain, None)),
    }
}
