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

impl ServiceError {
    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        ServiceError::Validation(vec![FieldError::new(field, message)])
    }
}
