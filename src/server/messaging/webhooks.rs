//! Delivery reports from the providers, one address per provider and organization:
//! `POST /webhooks/{sendgrid,resend,twilio}/{org_id}`. Each is checked against the
//! organization's own key before anything is read; an unsigned, forged or stale one is
//! a 401 and changes nothing. A report taken already (a replay, or the provider's own
//! retry) is answered 200 and changes nothing either.

use axum::{
    body::Bytes,
    extract::{Path, State},
    http::{HeaderMap, Method, StatusCode, Uri},
};
use chrono::Utc;
use uuid::Uuid;

use super::providers::{resend, sendgrid, twilio, Fate, Forged, MessageRef, Report};
use crate::{
    domain::AppError,
    server::{auth::context::message_base_url, db::messages, routing::Routes, AppState},
};

pub fn routes() -> Routes {
    Routes::new()
        .add(Method::POST, "/webhooks/sendgrid/{org_id}", sendgrid_events)
        .add(Method::POST, "/webhooks/resend/{org_id}", resend_events)
        .add(Method::POST, "/webhooks/twilio/{org_id}", twilio_status)
}

/// Where Twilio reports on the texts of organization `org_id`.
pub fn twilio_path(org_id: Uuid) -> String {
    format!("/webhooks/twilio/{org_id}")
}

async fn sendgrid_events(
    State(state): State<AppState>,
    Path(org): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<StatusCode, AppError> {
    let (org_id, settings) = settings(&state, &org).await?;
    sendgrid::verify(
        &settings.sendgrid_webhook_key,
        header(&headers, sendgrid::SIGNATURE),
        header(&headers, sendgrid::TIMESTAMP),
        &body,
        Utc::now(),
    )
    .map_err(refused("SendGrid"))?;
    let reports = sendgrid::reports(&body).ok_or_else(unreadable)?;
    take(&state, org_id, "sendgrid", reports).await
}

async fn resend_events(
    State(state): State<AppState>,
    Path(org): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<StatusCode, AppError> {
    let (org_id, settings) = settings(&state, &org).await?;
    let secret = state.vault.open_text(settings.resend_webhook_secret.as_deref());
    let id = header(&headers, resend::ID);
    resend::verify(
        &secret,
        id,
        header(&headers, resend::TIMESTAMP),
        header(&headers, resend::SIGNATURE),
        &body,
        Utc::now(),
    )
    .map_err(refused("Resend"))?;
    let reports = resend::reports(&body, id.unwrap_or_default()).ok_or_else(unreadable)?;
    take(&state, org_id, "resend", reports).await
}

async fn twilio_status(
    State(state): State<AppState>,
    Path(org): Path<String>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Result<StatusCode, AppError> {
    let (org_id, settings) = settings(&state, &org).await?;
    let params: Vec<(String, String)> = form_urlencoded::parse(&body).into_owned().collect();
    // Twilio signs the address it was given, which is the one we gave it.
    let url = format!(
        "{}{}",
        message_base_url(&state),
        uri.path_and_query().map_or(uri.path(), |p| p.as_str())
    );
    let token = state.vault.open_text(settings.twilio_auth_token.as_deref());
    twilio::verify(&token, &url, &params, header(&headers, twilio::SIGNATURE)).map_err(refused("Twilio"))?;
    take(&state, org_id, "twilio", twilio::reports(&params)).await
}

/// The organization named in the address and its settings. An address that names none
/// has no keys, so its reports are refused like forged ones.
async fn settings(state: &AppState, org: &str) -> Result<(Uuid, messages::Sending), AppError> {
    let org_id = Uuid::parse_str(org).unwrap_or(Uuid::nil());
    let mut tx = state.db.tenant(org_id).await?;
    let settings = messages::settings(&mut tx, org_id).await?;
    tx.commit().await?;
    Ok((org_id, settings))
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

fn refused(provider: &'static str) -> impl Fn(Forged) -> AppError {
    move |Forged(why)| {
        tracing::warn!(provider, why, "a delivery report was refused");
        AppError::Unauthenticated(format!(
            "This is not a signed {provider} report for this address: {why}."
        ))
    }
}

fn unreadable() -> AppError {
    AppError::BadRequest("The report is signed but not in the provider's format.".to_owned())
}

/// Applies each report not taken before, in one transaction.
async fn take(state: &AppState, org_id: Uuid, provider: &str, reports: Vec<Report>) -> Result<StatusCode, AppError> {
    let mut tx = state.db.tenant(org_id).await?;
    for report in reports {
        if !messages::take_receipt(&mut tx, org_id, provider, &report.receipt).await? {
            continue;
        }
        let (status, reason) = match &report.fate {
            Fate::Delivered => ("delivered", None),
            Fate::Bounced(why) => ("bounced", Some(why.as_str())),
            Fate::Undeliverable(why) => ("undeliverable", Some(why.as_str())),
            Fate::Failed(why) => ("failed", Some(why.as_str())),
        };
        let message = match &report.message {
            MessageRef::Ours(id) => (Some(*id), None),
            MessageRef::Providers(theirs) => (None, Some(theirs.as_str())),
        };
        if !messages::report(&mut tx, org_id, provider, message, status, reason).await? {
            tracing::info!(
                provider,
                receipt = report.receipt,
                "a delivery report matched no message it could move"
            );
        }
    }
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}
