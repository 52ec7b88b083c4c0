//! `/metrics` in Prometheus' text format: the job queue's depth and the age of its oldest
//! due job, and the messages by channel, provider and status. Served only where
//! `METRICS_TOKEN` is set, to requests bearing it (the counts span every organization).

use axum::{
    extract::State,
    http::{header, HeaderMap, StatusCode},
    response::{IntoResponse, Response},
};
use sha2::{Digest, Sha256};
use std::fmt::Write;

use super::{db::messages, AppState};

pub async fn metrics(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let Some(token) = state.config.metrics_token.as_ref() else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    // Digests compared, so that the time taken tells nothing about the token.
    let digest = |text: &str| Sha256::digest(text.as_bytes());
    let allowed = bearer.is_some_and(|b| digest(b) == digest(token.expose()));
    if !allowed {
        return (StatusCode::UNAUTHORIZED, [(header::WWW_AUTHENTICATE, "Bearer")]).into_response();
    }
    match render(&state).await {
        Ok(text) => ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], text).into_response(),
        Err(err) => {
            tracing::warn!(error = %err, "metrics: the database did not answer");
            StatusCode::SERVICE_UNAVAILABLE.into_response()
        }
    }
}

async fn render(state: &AppState) -> Result<String, crate::domain::AppError> {
    let queue = messages::queue_stats(state.db.pool()).await?;
    let counts = messages::counts(state.db.pool()).await?;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# HELP careops_queue_jobs Jobs of the queue: due now, planned for later, running."
    );
    let _ = writeln!(out, "# TYPE careops_queue_jobs gauge");
    for (label, value) in [
        ("due", queue.due),
        ("scheduled", queue.scheduled),
        ("running", queue.running),
    ] {
        let _ = writeln!(out, "careops_queue_jobs{{state=\"{label}\"}} {value}");
    }
    let _ = writeln!(
        out,
        "# HELP careops_queue_oldest_due_seconds How long the oldest due job has waited."
    );
    let _ = writeln!(out, "# TYPE careops_queue_oldest_due_seconds gauge");
    let _ = writeln!(out, "careops_queue_oldest_due_seconds {}", queue.oldest_due_seconds);
    let _ = writeln!(out, "# HELP careops_messages Messages by channel, provider and status.");
    let _ = writeln!(out, "# TYPE careops_messages gauge");
    for c in counts {
        let _ = writeln!(
            out,
            "careops_messages{{channel=\"{}\",provider=\"{}\",status=\"{}\"}} {}",
            c.channel, c.provider, c.status, c.messages
        );
    }
    Ok(out)
}
