//! Errors the domain reports: invalid values (with the field they concern) and refused
//! workflow transitions.

use serde::Serialize;

/// One invalid field: which one and why, in words a user can act on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self { field: field.into(), message: message.into() }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DomainError {
    #[error("{}", join_fields(.0))]
    Invalid(Vec<FieldError>),
    #[error("a work order cannot go from {from} to {to}{}", .why.as_ref().map(|w| format!(": {w}")).unwrap_or_default())]
    InvalidTransition { from: String, to: String, why: Option<String> },
    /// The technician lacks a qualification the work requires and the site refuses such work
    /// (see [`crate::qualification`]).
    #[error("{0}")]
    Unqualified(String),
}

impl DomainError {
    pub fn field(field: impl Into<String>, message: impl Into<String>) -> Self {
        DomainError::Invalid(vec![FieldError::new(field, message)])
    }
}

fn join_fields(f: &[FieldError]) -> String {
    f.iter().map(|e| format!("{}: {}", e.field, e.message)).collect::<Vec<_>>().join("; ")
}
