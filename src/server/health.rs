use std::time::Duration;

use axum::{extract::State, http::StatusCode, response::IntoResponse, Json};
use serde_json::json;

use super::AppState;

/// `{"status":"ok","db":"ok"}`, or 503 when the database does not answer within 2 s.
pub async fn health(State(state): State<AppState>) -> impl IntoResponse {
    let probe = sqlx::query_scalar!("select 1 as \"one!\"").fetch_one(state.db.pool());
    match tokio::time::timeout(Duration::from_secs(2), probe).await {
        Ok(Ok(_)) => (StatusCode::OK, Json(json!({"status": "ok", "db": "ok"}))),
        outcome => {
            tracing::warn!(timed_out = outcome.is_err(), "health check: database unreachable");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(json!({"status": "unavailable", "db": "unreachable"})),
            )
        }
    }
}
