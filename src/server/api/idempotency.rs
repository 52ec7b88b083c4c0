//! `Idempotency-Key` on the API's POSTs. The first request with a key runs and its answer
//! is kept; the same key from the same token within a day gets that answer again (with
//! `Idempotent-Replayed: true`) instead of booking, invoicing or paying twice. A key sent
//! again while its first request runs is a 409; sent with another method, path or body,
//! a 422. An answer that failed on our side (5xx) is not kept: the key may be retried.

use axum::{
    body::{to_bytes, Body},
    extract::{FromRequestParts, Request, State},
    http::{header, HeaderValue, Method, StatusCode},
    middleware::Next,
    response::{IntoResponse, Response},
};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::Api;
use crate::{
    domain::AppError,
    server::{
        auth::context::{Credential, RequestContext},
        db::idempotency::{self, Claim},
        AppState,
    },
};

pub const HEADER: &str = "idempotency-key";

/// What axum's JSON extractor reads at most.
const BODY_LIMIT: usize = 2 * 1024 * 1024;

/// The caller the key was checked for, handed to the handler's [`Api`] extractor so that
/// the token is looked up once.
#[derive(Clone)]
pub(super) struct Checked(pub RequestContext);

pub async fn layer(State(state): State<AppState>, request: Request, next: Next) -> Response {
    if request.method() != Method::POST
        || !request.uri().path().starts_with("/api/v1/")
        || !request.headers().contains_key(HEADER)
    {
        return next.run(request).await;
    }
    once(state, request, next)
        .await
        .unwrap_or_else(IntoResponse::into_response)
}

/// The key as sent: 1 to 255 visible ASCII characters (a UUID is usual).
fn key_of(request: &Request) -> Result<String, AppError> {
    request
        .headers()
        .get(HEADER)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|k| (1..=255).contains(&k.len()) && k.bytes().all(|b| b.is_ascii_graphic()))
        .map(str::to_owned)
        .ok_or_else(|| {
            AppError::BadRequest("Idempotency-Key must be 1 to 255 visible ASCII characters, such as a UUID.".into())
        })
}

async fn once(state: AppState, request: Request, next: Next) -> Result<Response, AppError> {
    let key = key_of(&request)?;
    let (mut parts, body) = request.into_parts();
    let Api(ctx) = Api::from_request_parts(&mut parts, &state).await?;
    let Credential::ApiToken(token_id) = ctx.credential else {
        return Err(AppError::Internal);
    };
    let body = to_bytes(body, BODY_LIMIT)
        .await
        .map_err(|_| AppError::BadRequest("The body is larger than 2 MB.".into()))?;
    let mut fingerprint = Sha256::new();
    fingerprint.update(parts.method.as_str());
    fingerprint.update(b" ");
    fingerprint.update(parts.uri.to_string());
    fingerprint.update(b"\n");
    fingerprint.update(&body);
    let fingerprint = fingerprint.finalize();

    let mut tx = ctx.tenant().await?;
    let claim = idempotency::claim(&mut tx, ctx.org_id(), token_id, &key, &fingerprint).await?;
    tx.commit().await?;
    match claim {
        Claim::Mine => {}
        Claim::Answered { status, body } => {
            let status = StatusCode::from_u16(status).map_err(|_| AppError::Internal)?;
            return Ok((
                status,
                [
                    (header::CONTENT_TYPE, HeaderValue::from_static("application/json")),
                    (header::HeaderName::from_static("idempotent-replayed"), HeaderValue::from_static("true")),
                ],
                body,
            )
                .into_response());
        }
        Claim::Running => {
            return Err(AppError::Conflict {
                field: None,
                message: "A request with this Idempotency-Key is still running: wait for its answer, then send it again to read it.".into(),
            })
        }
        Claim::Different => {
            return Err(AppError::field(
                "Idempotency-Key",
                "This key was sent before with another request: use a new key for a new request.",
            ))
        }
    }

    parts.extensions.insert(Checked(ctx.clone()));
    let response = next.run(Request::from_parts(parts, Body::from(body))).await;
    let (head, body) = response.into_parts();
    let body = to_bytes(body, usize::MAX).await.map_err(|_| AppError::Internal)?;
    let mut tx = ctx.tenant().await?;
    if head.status.is_server_error() {
        idempotency::release(&mut tx, token_id, &key).await?;
    } else {
        idempotency::answer(&mut tx, token_id, &key, head.status.as_u16(), &body).await?;
    }
    tx.commit().await?;
    Ok(Response::from_parts(head, Body::from(body)))
}

/// The payment id a key stands for: the same key from the same token records one payment
/// even if its first request's answer was lost.
pub fn payment_key(ctx: &RequestContext, headers: &axum::http::HeaderMap) -> Uuid {
    match (ctx.credential, headers.get(HEADER).and_then(|v| v.to_str().ok())) {
        (Credential::ApiToken(token_id), Some(key)) => {
            let digest = Sha256::new()
                .chain_update(token_id.as_bytes())
                .chain_update(key.trim())
                .finalize();
            let mut bytes = [0; 16];
            bytes.copy_from_slice(&digest[..16]);
            uuid::Builder::from_random_bytes(bytes).into_uuid()
        }
        _ => Uuid::new_v4(),
    }
}
