//! The REST API for integrations, under `/api/v1`. Callers authenticate with a personal
//! API token (`Authorization: Bearer cop_…`) and choose the branch with `X-Branch-Id`;
//! every handler runs the same use cases, and so the same permission guard, as the
//! server functions. Errors are `{"detail": "...", "status_code": 400}`.

mod branches;
mod calendar;
mod forms;
pub mod idempotency;
mod invoices;
pub mod openapi;
mod stock;
mod visits;

use axum::{
    extract::{rejection::JsonRejection, FromRequest, FromRequestParts, Path, Query, Request},
    http::{header, request::Parts, Method},
    response::IntoResponse,
    routing::any,
    Json, Router,
};
use serde::de::DeserializeOwned;
use uuid::Uuid;

use super::{
    auth::{context::RequestContext, middleware::client_of},
    routing::Routes,
    AppState,
};
use crate::domain::{AppError, FieldError};

/// The API's routes; the catch-all answers unknown paths with the JSON error.
pub fn routes() -> Routes {
    Routes::new()
        .add(Method::GET, "/api/v1/me", me)
        .add(Method::GET, "/api/v1/branches", branches::list)
        .add(Method::POST, "/api/v1/branches", branches::create)
        .add(Method::GET, "/api/v1/branches/{id}", branches::get)
        .add(Method::PATCH, "/api/v1/branches/{id}", branches::update)
        .add(Method::GET, "/api/v1/staff", staff)
        .add(Method::GET, "/api/v1/calendar/appointments", calendar::list)
        .add(Method::POST, "/api/v1/calendar/appointments", calendar::create)
        .add(Method::GET, "/api/v1/calendar/appointments/{id}", calendar::get)
        .add(Method::PATCH, "/api/v1/calendar/appointments/{id}", calendar::update)
        .add(
            Method::POST,
            "/api/v1/calendar/appointments/{id}/cancel",
            calendar::cancel,
        )
        .add(Method::GET, "/api/v1/visits/{id}", visits::get)
        .add(Method::POST, "/api/v1/visits/{id}/services", visits::add_service)
        .add(Method::GET, "/api/v1/invoices", invoices::list)
        .add(Method::POST, "/api/v1/invoices", invoices::create)
        .add(Method::GET, "/api/v1/invoices/{id}", invoices::get)
        .add(Method::DELETE, "/api/v1/invoices/{id}", invoices::discard)
        .add(Method::POST, "/api/v1/invoices/{id}/lines", invoices::add_line)
        .add(
            Method::DELETE,
            "/api/v1/invoices/{id}/lines/{line_id}",
            invoices::remove_line,
        )
        .add(Method::POST, "/api/v1/invoices/{id}/issue", invoices::issue)
        .add(Method::POST, "/api/v1/invoices/{id}/credit", invoices::credit)
        .add(Method::GET, "/api/v1/invoices/{id}/payments", invoices::payments)
        .add(Method::POST, "/api/v1/invoices/{id}/payments", invoices::pay)
        .add(Method::POST, "/api/v1/payments/{id}/refunds", invoices::refund)
        .add(Method::GET, "/api/v1/stock", stock::list)
        .add(Method::GET, "/api/v1/stock/alerts", stock::alerts)
        .add(Method::GET, "/api/v1/stock/usage", stock::usage)
        .add(Method::POST, "/api/v1/stock/items", stock::create)
        .add(Method::GET, "/api/v1/stock/items/{id}", stock::get)
        .add(Method::PUT, "/api/v1/stock/items/{id}", stock::update)
        .add(Method::POST, "/api/v1/stock/items/{id}/movements", stock::record)
        .add(Method::GET, "/api/v1/forms", forms::templates)
        .add(Method::GET, "/api/v1/forms/{id}", forms::template)
        .add(Method::GET, "/api/v1/patients/{id}/forms", forms::of_patient)
        .add(Method::GET, "/api/v1/form-submissions/{id}", forms::submission)
        .add(Method::GET, "/api/v1/form-links/{token}", forms::link)
        .add(Method::POST, "/api/v1/form-links/{token}", forms::answer)
        .add(Method::GET, "/api/v1/openapi.json", openapi::serve)
        .method_not_allowed(wrong_method)
}

/// Paths under `/api/v1` that no route above takes.
pub fn unknown() -> Router<AppState> {
    Router::new().route("/api/v1/{*rest}", any(unknown_route))
}

/// An authenticated API call, resolved to the same request context as a server function.
pub struct Api(pub RequestContext);

impl FromRequestParts<AppState> for Api {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        if let Some(idempotency::Checked(ctx)) = parts.extensions.remove() {
            return Ok(Api(ctx));
        }
        let token = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .ok_or_else(|| {
                AppError::Unauthenticated(
                    "Send an API token: `Authorization: Bearer <token>` (Account → API tokens).".into(),
                )
            })?;
        let branch = parts
            .headers
            .get("x-branch-id")
            .map(|v| {
                v.to_str()
                    .ok()
                    .and_then(|s| Uuid::parse_str(s.trim()).ok())
                    .ok_or_else(|| AppError::BadRequest("X-Branch-Id must be a branch id (a UUID).".into()))
            })
            .transpose()?;
        let client = client_of(&parts.extensions);
        let mut ctx = RequestContext::for_api_token(state.clone(), token.trim(), branch, client).await?;
        ctx.base_url = super::auth::context::public_base_url(state, Some(parts));
        Ok(Api(ctx))
    }
}

/// A JSON body whose rejection is an API error, not axum's plain-text one.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match Json::<T>::from_request(req, state).await {
            Ok(Json(value)) => Ok(Self(value)),
            Err(JsonRejection::JsonDataError(e)) => Err(AppError::Validation(vec![FieldError::new(
                "body",
                format!("The JSON does not fit this request: {}", e.body_text()),
            )])),
            Err(JsonRejection::MissingJsonContentType(_)) => Err(AppError::UnsupportedMediaType(
                "Send the body as JSON (Content-Type: application/json).".into(),
            )),
            Err(other) => Err(AppError::BadRequest(format!(
                "The JSON body could not be read: {}",
                other.body_text()
            ))),
        }
    }
}

/// A path parameter whose rejection is an API error (`/appointments/not-a-uuid`).
pub struct ApiPath<T>(pub T);

impl<T: DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S> for ApiPath<T> {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        Path::<T>::from_request_parts(parts, state)
            .await
            .map(|Path(value)| Self(value))
            .map_err(|_| AppError::BadRequest("The id in the address must be a UUID.".into()))
    }
}

/// A query string whose rejection is an API error.
pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        Query::<T>::from_request_parts(parts, state)
            .await
            .map(|Query(value)| Self(value))
            .map_err(|e| AppError::BadRequest(format!("The query string does not fit this request: {}", e.body_text())))
    }
}

async fn me(Api(ctx): Api) -> impl IntoResponse {
    Json(ctx.user)
}

async fn staff(Api(ctx): Api) -> Result<impl IntoResponse, AppError> {
    let base = super::auth::context::public_base_url(&ctx.state, None);
    let mut overview = super::staff::overview(&ctx, &base).await?;
    // Invitation links are for people, in the app; the API lists members.
    overview.invitations.clear();
    Ok(Json(overview.members))
}

async fn wrong_method(method: Method, uri: axum::http::Uri) -> AppError {
    AppError::MethodNotAllowed(format!(
        "{} does not take {method}: the Allow header lists what it takes. See /api/v1/openapi.json.",
        uri.path()
    ))
}

async fn unknown_route() -> AppError {
    AppError::NotFound("There is no such API route. See /api/v1/openapi.json.".into())
}
