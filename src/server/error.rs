//! How server-side failures become an `AppError`, and how an `AppError` becomes an HTTP
//! response. Causes are logged here, once; only safe messages leave.

use axum::{
    body::Body,
    extract::Request,
    http::{header, HeaderValue, StatusCode},
    middleware::Next,
    response::{IntoResponse, Response},
    Json,
};
use leptos::server_fn::error::SERVER_FN_ERROR_HEADER;

use crate::domain::AppError;

impl From<sqlx::Error> for AppError {
    fn from(err: sqlx::Error) -> Self {
        if let Some(db) = err.as_database_error() {
            if let Some(mapped) = db.constraint().and_then(constraint_error) {
                return mapped;
            }
            if let Some(mapped) = db.code().as_deref().and_then(|code| input_error(code, db.constraint())) {
                return mapped;
            }
        }
        if let Some(code) = err.as_database_error().and_then(|db| db.code()) {
            // deadlock_detected, serialization_failure: the same work may succeed when repeated
            if code == "40P01" || code == "40001" {
                tracing::warn!(error = %err, "concurrent changes collided");
                return AppError::Contended;
            }
        }
        match err {
            sqlx::Error::RowNotFound => AppError::NotFound("That record was not found.".into()),
            sqlx::Error::PoolTimedOut | sqlx::Error::Io(_) | sqlx::Error::PoolClosed => {
                tracing::error!(error = %err, "database unavailable");
                AppError::Unavailable
            }
            other => {
                tracing::error!(error = %other, "database error");
                AppError::Internal
            }
        }
    }
}

/// Unique and exclusion constraints, by name, as the message the user should see.
fn constraint_error(constraint: &str) -> Option<AppError> {
    let (field, message) = match constraint {
        "users_email_key" => (
            "email",
            "An account with this email already exists. Sign in instead, or use another email.",
        ),
        // A composite foreign key refused a branch of another organization (or none).
        "memberships_branch_fkey" | "invitation_branches_branch_fkey" => {
            return Some(AppError::NotFound("That branch was not found.".into()));
        }
        "service_practitioners_user_fkey" => ("practitioners", "That practitioner was not found."),
        "services_org_name_key" => ("name", "A service with this name exists already."),
        "inventory_items_sku_key" => ("sku", "Another item has this SKU already."),
        "form_templates_name_key" => ("name", "Another form has this title already."),
        "service_forms_service_fkey" => ("service", "That service was not found."),
        "stock_movements_branch_fkey" => ("to_branch", "That branch was not found."),
        "rooms_branch_name_key" | "resources_branch_name_key" => {
            ("name", "This branch has one with this name already.")
        }
        "visits_note_signed" => (
            "note",
            "This note was signed when the visit was completed and cannot be changed. Add an addendum instead.",
        ),
        "invoices_issued_immutable" => (
            "invoice",
            "An issued invoice cannot be changed. Credit it and issue a new one instead.",
        ),
        "invoices_one_per_visit" => ("invoice", "This visit has an invoice already. Open it from the visit."),
        // Use cases explain clashes themselves; this is the answer if one slips through.
        "appointments_practitioner_overlap" | "appointments_room_overlap" | "appointment_resources_overlap" => {
            ("time", "That time was just taken. Choose another time.")
        }
        _ => return None,
    };
    Some(AppError::Conflict {
        field: Some(field.into()),
        message: message.into(),
    })
}

/// Input that slipped past validation and that PostgreSQL refused: the request's fault,
/// so a 4xx that says what to change rather than a 500. Known fields are validated in
/// `domain` with better messages; this is the backstop.
fn input_error(sqlstate: &str, constraint: Option<&str>) -> Option<AppError> {
    let message = match sqlstate {
        // NUL bytes in text, or in a JSON string
        "22021" | "22P05" => {
            "Some text contains characters that cannot be stored (such as a NUL byte). Remove them and try again."
        }
        // a value longer than its column, or too long to index
        "22001" | "54000" => "Some text is too long. Shorten it and try again.",
        // out-of-range numbers and dates
        "22003" | "22008" | "22007" => "A number or date is out of range. Check it and try again.",
        "23514" => {
            tracing::warn!(constraint = constraint.unwrap_or(""), "check constraint refused input");
            "A value is outside what CareOps accepts. Check the form and try again."
        }
        _ => return None,
    };
    Some(AppError::BadRequest(message.into()))
}

/// Logs an unexpected failure and answers the generic message.
pub fn internal(context: &str, err: impl std::fmt::Display) -> AppError {
    tracing::error!(error = %err, "{context}");
    AppError::Internal
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status_code()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut response = (status, Json(self.to_body())).into_response();
        if let AppError::RateLimited { retry_after_secs } = self {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(retry_after_secs));
        }
        response
    }
}

/// Server functions answer every error with 500; this gives each its real status
/// (422 for a form error, 401 for a missing session, ...). Plain form posts are
/// redirects and pass untouched.
pub async fn server_fn_error_status(req: Request, next: Next) -> Response {
    let response = next.run(req).await;
    if response.status() != StatusCode::INTERNAL_SERVER_ERROR
        || !response.headers().contains_key(SERVER_FN_ERROR_HEADER)
    {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    // Error bodies are a few hundred bytes; anything bigger is not ours to reinterpret.
    let bytes = axum::body::to_bytes(body, 64 * 1024).await.unwrap_or_default();
    if let Ok(err) = serde_json::from_slice::<AppError>(&bytes) {
        parts.status = StatusCode::from_u16(err.status_code()).unwrap_or(parts.status);
        if let AppError::RateLimited { retry_after_secs } = err {
            parts
                .headers
                .insert(header::RETRY_AFTER, HeaderValue::from(retry_after_secs));
        }
    }
    Response::from_parts(parts, Body::from(bytes))
}
