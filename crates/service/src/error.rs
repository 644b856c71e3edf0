//! The one error type of the use cases; the edges map it to HTTP statuses or exit codes.

use htm_domain::{DomainError, FieldError};
use htm_store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    #[error("{}", .0.iter().map(|f| format!("{}: {}", f.field, f.message)).collect::<Vec<_>>().join("; "))]
    Validation(Vec<FieldError>),
    #[error("{0}")]
    NotFound(String),
    /// A uniqueness rule was broken.
    #[error("{message}")]
    Conflict { field: String, message: String },
    /// The record changed since the client read it.
    #[error("{0}")]
    Stale(String),
    #[error("{0}")]
    InvalidTransition(String),
    #[error("{0}")]
    Forbidden(String),
    /// The technician lacks a qualification the procedure requires and the site refuses such work.
    #[error("{0}")]
    Unqualified(String),
    #[error("{0}")]
    Unauthenticated(String),
    /// Too many failed logins: the account is locked for a while, or the client is throttled.
    #[error("{0}")]
    TooManyAttempts(String),
    /// Signing (21 CFR Part 11 §11.200) needs the signer's password, and none was given.
    #[error("{0}")]
    SignatureRequired(String),
    /// The password given to sign is not the signer's.
    #[error("{0}")]
    SignatureInvalid(String),
    /// An upload whose content type is not on the allow-list (the message names what was detected).
    #[error("{0}")]
    UnsupportedType(String),
    /// An upload over the size limit.
    #[error("{0}")]
    TooLarge(String),
    /// Stored content no longer matches its recorded SHA-256: it is refused, never served.
    #[error("{0}")]
    Integrity(String),
    /// Free text looks like it holds patient information (see `htm_domain::phi`); the user must
    /// remove it, or confirm that it is not patient information and send the request again.
    #[error("{}", phi_message(.0))]
    PhiWarning(Vec<htm_domain::phi::PhiFinding>),
    /// A rule refuses the request; `code` names the rule (e.g. `aem_not_allowed`) and `reasons`
    /// lists every reason (field = reason code, message = reason with its clause).
    #[error("{message}")]
    Refused { code: &'static str, message: String, reasons: Vec<FieldError> },
    /// The LDAP / Active Directory server cannot be reached or refuses the service account.
    #[error("{0}")]
    DirectoryUnavailable(String),
    #[error("internal error: {0}")]
    Internal(String),
}

pub type ServiceResult<T> = Result<T, ServiceError>;

impl From<DomainError> for ServiceError {
    fn from(e: DomainError) -> Self {
        match e {
            DomainError::Invalid(f) => ServiceError::Validation(f),
            e @ DomainError::InvalidTransition { .. } => ServiceError::InvalidTransition(e.to_string()),
            DomainError::Unqualified(m) => ServiceError::Unqualified(m),
        }
    }
}

impl From<StoreError> for ServiceError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound(what) => ServiceError::NotFound(format!("{what} not found")),
            StoreError::Stale(m) => ServiceError::Stale(m),
            StoreError::Conflict { field, message } => ServiceError::Conflict { field, message },
            StoreError::Domain(d) => d.into(),
            other => {
                tracing::error!(error = %other, "store failure");
                ServiceError::Internal(other.to_string())
            }
        }
    }
}

fn phi_message(f: &[htm_domain::phi::PhiFinding]) -> String {
    let list = f.iter().map(|h| format!("{}: {} \"{}\"", h.field, h.kind, h.excerpt)).collect::<Vec<_>>().join("; ");
    format!(
        "this text looks like it contains patient information ({list}); remove it, or confirm that it is not patient information"
    )
}

impl ServiceError {
    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        ServiceError::Validation(vec![FieldError::new(field, message)])
    }
}
