//! API errors: every one is `{"error": {"code", "message", "fields"?}}` with the right status.

use axum::Json;
use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use htm_domain::FieldError;
use htm_service::ServiceError;
use serde::Serialize;

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    /// Machine-readable: `validation_failed`, `not_found`, `conflict`, `stale_version`,
    /// `invalid_transition`, `forbidden`, `insufficient_scope` (a read-only API token on a write),
    /// `unqualified_technician`, `unauthenticated`, `bad_request`,
    /// `unsupported_type`, `too_large`, `integrity_error`, `aem_not_allowed`, `strategy_not_allowed`, `internal`.
    pub code: String,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fields: Option<Vec<FieldError>>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorEnvelope {
    pub error: ErrorBody,
}

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub body: ErrorBody,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &str, message: impl Into<String>) -> Self {
        ApiError { status, body: ErrorBody { code: code.into(), message: message.into(), fields: None } }
    }
    pub fn unauthenticated(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "unauthenticated", message)
    }
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "bad_request", message)
    }
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", message)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.status, Json(ErrorEnvelope { error: self.body })).into_response()
    }
}

impl From<ServiceError> for ApiError {
    fn from(e: ServiceError) -> Self {
        let msg = e.to_string();
        match e {
            ServiceError::Validation(fields) => ApiError {
                status: StatusCode::UNPROCESSABLE_ENTITY,
                body: ErrorBody { code: "validation_failed".into(), message: msg, fields: Some(fields) },
            },
            ServiceError::NotFound(_) => Self::not_found(msg),
            ServiceError::Conflict { field, message } => ApiError {
                status: StatusCode::CONFLICT,
                body: ErrorBody {
                    code: "conflict".into(),
                    message: message.clone(),
                    fields: Some(vec![FieldError::new(field, message)]),
                },
            },
            ServiceError::Stale(_) => Self::new(StatusCode::CONFLICT, "stale_version", msg),
            ServiceError::InvalidTransition(_) => Self::new(StatusCode::CONFLICT, "invalid_transition", msg),
            ServiceError::Forbidden(_) => Self::new(StatusCode::FORBIDDEN, "forbidden", msg),
            ServiceError::Unqualified(_) => Self::new(StatusCode::UNPROCESSABLE_ENTITY, "unqualified_technician", msg),
            ServiceError::Unauthenticated(_) => Self::unauthenticated(msg),
            ServiceError::TooManyAttempts(_) => Self::new(StatusCode::TOO_MANY_REQUESTS, "too_many_attempts", msg),
            ServiceError::SignatureRequired(_) => {
                Self::new(StatusCode::UNPROCESSABLE_ENTITY, "signature_required", msg)
            }
            ServiceError::SignatureInvalid(_) => Self::new(StatusCode::FORBIDDEN, "signature_invalid", msg),
            ServiceError::UnsupportedType(_) => Self::new(StatusCode::UNPROCESSABLE_ENTITY, "unsupported_type", msg),
            ServiceError::TooLarge(_) => Self::new(StatusCode::PAYLOAD_TOO_LARGE, "too_large", msg),
            ServiceError::Integrity(_) => Self::new(StatusCode::INTERNAL_SERVER_ERROR, "integrity_error", msg),
            ServiceError::DirectoryUnavailable(_) => {
                Self::new(StatusCode::SERVICE_UNAVAILABLE, "directory_unavailable", msg)
            }
            // The incident handlers answer with the findings as structured data (see
            // `api::incidents`); elsewhere each finding is one field error.
            ServiceError::PhiWarning(findings) => ApiError {
                status: StatusCode::UNPROCESSABLE_ENTITY,
                body: ErrorBody {
                    code: "phi_warning".into(),
                    message: msg,
                    fields: Some(
                        findings
                            .iter()
                            .map(|f| FieldError::new(&f.field, format!("{}: \"{}\"", f.kind, f.excerpt)))
                            .collect(),
                    ),
                },
            },
            ServiceError::Refused { code, message, reasons } => ApiError {
                status: StatusCode::UNPROCESSABLE_ENTITY,
                body: ErrorBody { code: code.into(), message, fields: Some(reasons) },
            },
            ServiceError::Internal(cause) => {
                let id = uuid::Uuid::new_v4().simple().to_string();
                tracing::error!(request_error_id = %id, %cause, "internal error");
                Self::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", format!("internal error (reference {id})"))
            }
        }
    }
}

impl From<JsonRejection> for ApiError {
    fn from(r: JsonRejection) -> Self {
        match r {
            JsonRejection::JsonDataError(e) => Self::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "validation_failed",
                format!("the request body does not fit: {}", e.body_text()),
            ),
            JsonRejection::MissingJsonContentType(_) => Self::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "bad_request",
                "send the body as JSON with Content-Type: application/json",
            ),
            JsonRejection::BytesRejection(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => Self::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "too_large",
                "the request body is larger than the server accepts (8 MiB for JSON and imports; documents have their own limit)",
            ),
            JsonRejection::BytesRejection(e) => Self::new(e.status(), "bad_request", e.body_text()),
            other => Self::bad_request(format!("the request body is not valid JSON: {}", other.body_text())),
        }
    }
}

impl From<QueryRejection> for ApiError {
    fn from(r: QueryRejection) -> Self {
        Self::bad_request(format!("bad query parameters: {}", r.body_text()))
    }
}

impl From<PathRejection> for ApiError {
    fn from(r: PathRejection) -> Self {
        Self::bad_request(format!("bad path: {}", r.body_text()))
    }
}

impl From<htm_domain::DomainError> for ApiError {
    fn from(e: htm_domain::DomainError) -> Self {
        ServiceError::from(e).into()
    }
}

pub type ApiResult<T> = Result<T, ApiError>;
