//! The one error type of CareOps, shared by the server and the browser.
//!
//! Every variant carries a message that is safe to show to the person in front of the
//! screen; causes (SQL, stack traces) are logged on the server and never travel.

use serde::{Deserialize, Serialize};

/// A problem with one field of a form, keyed by the field's `name`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum AppError {
    /// The request itself is malformed (not a form the user filled in).
    #[error("{0}")]
    BadRequest(String),
    /// One or more form fields are invalid.
    #[error("{}", validation_summary(.0))]
    Validation(Vec<FieldError>),
    /// No valid session, or wrong credentials. The message says which, without saying
    /// whether an account exists.
    #[error("{0}")]
    Unauthenticated(String),
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    NotFound(String),
    /// The address exists, but not for this method (the API's 405).
    #[error("{0}")]
    MethodNotAllowed(String),
    /// The body is not in a format the address reads (the API's 415).
    #[error("{0}")]
    UnsupportedMediaType(String),
    /// The change clashes with existing data, optionally tied to a form field.
    #[error("{message}")]
    Conflict { field: Option<String>, message: String },
    #[error("Too many attempts. Please wait {retry_after_secs} seconds and try again.")]
    RateLimited { retry_after_secs: u64 },
    /// The browser could not reach the server.
    #[error("Could not reach CareOps. Check your connection and try again.")]
    Network,
    #[error("CareOps is temporarily unavailable. Please try again in a minute.")]
    Unavailable,
    /// Concurrent changes got in each other's way (a deadlock or a serialization
    /// failure); the scheduling engine retries these before ever answering with one.
    #[error("Many changes arrived at once. Please try again.")]
    Contended,
    /// Anything unexpected. The cause is in the server log, under the request id.
    #[error("Something went wrong on our side. Please try again; if it keeps happening, contact support.")]
    Internal,
}

fn validation_summary(errors: &[FieldError]) -> String {
    match errors {
        [only] => only.message.clone(),
        _ => "Please correct the highlighted fields.".to_owned(),
    }
}

impl AppError {
    pub fn not_found(what: &str) -> Self {
        Self::NotFound(format!("{what} was not found."))
    }

    pub fn field(field: &str, message: impl Into<String>) -> Self {
        Self::Validation(vec![FieldError::new(field, message)])
    }

    pub fn sign_in_required() -> Self {
        Self::Unauthenticated("Please sign in to continue.".to_owned())
    }

    pub fn status_code(&self) -> u16 {
        match self {
            Self::BadRequest(_) => 400,
            Self::Validation(_) => 422,
            Self::Unauthenticated(_) => 401,
            Self::Forbidden(_) => 403,
            Self::NotFound(_) => 404,
            Self::MethodNotAllowed(_) => 405,
            Self::UnsupportedMediaType(_) => 415,
            Self::Conflict { .. } => 409,
            Self::RateLimited { .. } => 429,
            Self::Network | Self::Unavailable | Self::Contended => 503,
            Self::Internal => 500,
        }
    }

    /// The message for a form field, if this error concerns it.
    pub fn field_message(&self, name: &str) -> Option<String> {
        match self {
            Self::Validation(errors) => errors.iter().find(|e| e.field == name).map(|e| e.message.clone()),
            Self::Conflict {
                field: Some(field),
                message,
            } if field == name => Some(message.clone()),
            _ => None,
        }
    }

    /// The API's error body: `{"detail": "...", "status_code": 400}`, plus the field
    /// errors when there are any.
    pub fn to_body(&self) -> serde_json::Value {
        let mut body = serde_json::json!({
            "detail": self.to_string(),
            "status_code": self.status_code(),
        });
        if let Self::Validation(errors) = self {
            body["errors"] = serde_json::to_value(errors).unwrap_or_default();
        }
        body
    }
}

impl leptos::server_fn::error::FromServerFnError for AppError {
    type Encoder = leptos::server_fn::codec::JsonEncoding;

    fn from_server_fn_error(value: leptos::server_fn::error::ServerFnErrorErr) -> Self {
        use leptos::server_fn::error::ServerFnErrorErr as E;
        match value {
            E::Request(_) => Self::Network,
            E::Args(_) | E::Deserialization(_) | E::MissingArg(_) => {
                Self::BadRequest("The request could not be read. Please reload the page and try again.".to_owned())
            }
            E::UnsupportedRequestMethod(_) => Self::BadRequest("Unsupported request method.".to_owned()),
            _ => Self::Internal,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validation_with_one_field_reads_as_that_field_message() {
        let err = AppError::field("email", "Enter an email address.");
        assert_eq!(err.to_string(), "Enter an email address.");
        assert_eq!(err.status_code(), 422);
        assert_eq!(err.field_message("email").as_deref(), Some("Enter an email address."));
        assert_eq!(err.field_message("password"), None);
    }

    #[test]
    fn api_body_has_detail_and_status_code() {
        let body = AppError::not_found("Patient").to_body();
        assert_eq!(body["detail"], "Patient was not found.");
        assert_eq!(body["status_code"], 404);
    }

    #[test]
    fn internal_error_message_reveals_nothing() {
        let text = AppError::Internal.to_string();
        assert!(!text.to_lowercase().contains("sql"));
        assert_eq!(AppError::Internal.status_code(), 500);
    }

    #[test]
    fn conflict_on_a_field_is_shown_on_that_field() {
        let err = AppError::Conflict {
            field: Some("email".into()),
            message: "Already registered.".into(),
        };
        assert_eq!(err.field_message("email").as_deref(), Some("Already registered."));
    }
}
