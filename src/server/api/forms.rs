//! `/api/v1/forms`: the form templates with their current version, a patient's forms
//! and one submission's answers (health data: the roles that may read answers, every
//! read audited); and, without an API token, a patient's form link (`/api/v1/form-links
//! /{token}`) read and answered, as the patient's own page does.

use axum::{
    extract::{FromRequest, Request, State},
    http::StatusCode,
    response::IntoResponse,
    Json,
};
use serde::Deserialize;
use serde_json::{json, Map, Value};
use uuid::Uuid;

use super::{Api, ApiJson, ApiPath};
use crate::{
    domain::{
        form_submissions::{posted_from_json, INTENT},
        forms::read_answers,
        AppError,
    },
    server::{auth::middleware::client_of, form_submissions, forms, AppState},
};

pub async fn templates(Api(ctx): Api) -> Result<impl IntoResponse, AppError> {
    Ok(Json(forms::templates(&ctx).await?))
}

pub async fn template(Api(ctx): Api, ApiPath(id): ApiPath<Uuid>) -> Result<impl IntoResponse, AppError> {
    let mut template = forms::template(&ctx, id).await?;
    // The builder's pick list, not part of the template.
    template.service_choices.clear();
    Ok(Json(template))
}

pub async fn of_patient(Api(ctx): Api, ApiPath(id): ApiPath<Uuid>) -> Result<impl IntoResponse, AppError> {
    let mut forms = form_submissions::of_patient(&ctx, id).await?;
    forms.sendable.clear();
    Ok(Json(forms))
}

pub async fn submission(Api(ctx): Api, ApiPath(id): ApiPath<Uuid>) -> Result<impl IntoResponse, AppError> {
    Ok(Json(form_submissions::view(&ctx, id).await?))
}

/// `GET /api/v1/form-links/{token}`: what the patient's link opens.
pub async fn link(
    State(state): State<AppState>,
    ApiPath(token): ApiPath<String>,
) -> Result<impl IntoResponse, AppError> {
    Ok(Json(form_submissions::patient_form(&state, &token).await?))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AnswersBody {
    /// By field key: text, a number, a date (`YYYY-MM-DD`), a choice or a list of them,
    /// `true`/`false`, or a signature `{"name": ..., "drawing": ...}`.
    answers: Map<String, Value>,
    /// Send the form (every answer is then checked); otherwise keep it as a draft.
    #[serde(default)]
    send: bool,
}

/// `POST /api/v1/form-links/{token}`: the answers kept, or sent when `send` and every
/// one reads (else 422 naming each field, the answers still kept).
pub async fn answer(
    State(state): State<AppState>,
    ApiPath(token): ApiPath<String>,
    request: Request,
) -> Result<impl IntoResponse, AppError> {
    let client = client_of(request.extensions());
    let ApiJson(body) = ApiJson::<AnswersBody>::from_request(request, &state).await?;
    let form = form_submissions::patient_form(&state, &token).await?;
    if form.submitted.is_some() {
        return Err(AppError::Conflict {
            field: None,
            message: "This form was already sent to the clinic.".into(),
        });
    }
    let mut posted = posted_from_json(&form.fields, &body.answers);
    posted.push((INTENT.into(), if body.send { "send" } else { "keep" }.into()));
    match form_submissions::answer(&state, &token, &posted, client.ip.as_deref()).await? {
        form_submissions::Answered::Sent => Ok((StatusCode::OK, Json(json!({"status": "submitted"})))),
        form_submissions::Answered::Kept => Ok((StatusCode::OK, Json(json!({"status": "kept"})))),
        form_submissions::Answered::Refused => Err(read_answers(&form.fields, &posted)
            .err()
            .unwrap_or(AppError::BadRequest("The answers could not be read.".into()))),
    }
}
