//! `/api/v1/calendar/appointments`: list by range, read one, create, update, cancel.

use axum::{http::StatusCode, response::IntoResponse, Json};
use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use serde::Deserialize;
use uuid::Uuid;

use super::{Api, ApiJson, ApiPath, ApiQuery};
use crate::{
    domain::{
        account::PersonName,
        appointment::{check_minutes, parse_notes, NewAppointment, Scope, Source, Status},
        contact::Phone,
        patient::PatientChoice,
        time::{local_to_utc, zone, Start},
        AppError,
    },
    server::calendar::{self, Reschedule},
};

/// `from` and `to` as instants (`2026-12-01T08:00:00Z`) or days in the branch's zone.
#[derive(Debug, Deserialize)]
pub struct RangeQuery {
    from: String,
    to: String,
}

fn instant(field: &str, raw: &str, tz: chrono_tz::Tz) -> Result<DateTime<Utc>, AppError> {
    if let Ok(at) = DateTime::parse_from_rfc3339(raw) {
        return Ok(at.to_utc());
    }
    NaiveDate::parse_from_str(raw, "%Y-%m-%d")
        .map(|d| local_to_utc(tz, d.and_time(NaiveTime::MIN)))
        .map_err(|_| {
            AppError::field(
                field,
                format!("{field} is a date (2026-12-01) or an instant (2026-12-01T08:00:00Z)."),
            )
        })
}

pub async fn list(Api(ctx): Api, ApiQuery(range): ApiQuery<RangeQuery>) -> Result<impl IntoResponse, AppError> {
    let tz = zone(&ctx.user.branch.timezone);
    let (from, to) = (instant("from", &range.from, tz)?, instant("to", &range.to, tz)?);
    Ok(Json(calendar::list(&ctx, from, to).await?))
}

/// One appointment of the caller's branch.
pub async fn get(Api(ctx): Api, ApiPath(id): ApiPath<Uuid>) -> Result<impl IntoResponse, AppError> {
    Ok(Json(calendar::get(&ctx, id).await?))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewPatientBody {
    name: String,
    phone: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateBody {
    patient_id: Option<Uuid>,
    new_patient: Option<NewPatientBody>,
    practitioner_id: Uuid,
    service_id: Uuid,
    room_id: Option<Uuid>,
    starts_at: DateTime<Utc>,
    minutes: Option<i32>,
    #[serde(default)]
    notes: String,
    #[serde(default)]
    override_working_hours: bool,
}

pub async fn create(Api(ctx): Api, ApiJson(body): ApiJson<CreateBody>) -> Result<impl IntoResponse, AppError> {
    let patient = match (body.patient_id, body.new_patient) {
        (Some(id), None) => PatientChoice::Existing(id),
        (None, Some(p)) => match (
            PersonName::parse("new_patient.name", &p.name),
            Phone::parse("new_patient.phone", &p.phone),
        ) {
            (Ok(name), Ok(phone)) => PatientChoice::New { name, phone },
            (a, b) => return Err(AppError::Validation([a.err(), b.err()].into_iter().flatten().collect())),
        },
        _ => return Err(AppError::field("patient_id", "Give either patient_id or new_patient.")),
    };
    let minutes = check_minutes(body.minutes)?;
    let notes = parse_notes(&body.notes)?;
    let input = NewAppointment {
        patient,
        practitioner_id: body.practitioner_id,
        service_id: body.service_id,
        room_id: body.room_id,
        start: Start::Exact(body.starts_at),
        minutes,
        notes,
        override_hours: body.override_working_hours,
        recurrence: None,
        source: Source::Api,
        walk_in: false,
    };
    let created = calendar::create(&ctx, &input).await?;
    let first = created.into_iter().next().ok_or(AppError::Internal)?;
    Ok((StatusCode::CREATED, Json(first)))
}

/// Any of: a new start, length, practitioner or room (a move), and/or a new status.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UpdateBody {
    starts_at: Option<DateTime<Utc>>,
    minutes: Option<i32>,
    practitioner_id: Option<Uuid>,
    room_id: Option<Uuid>,
    status: Option<Status>,
    #[serde(default)]
    override_working_hours: bool,
}

pub async fn update(
    Api(ctx): Api,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<UpdateBody>,
) -> Result<impl IntoResponse, AppError> {
    let moves =
        body.starts_at.is_some() || body.minutes.is_some() || body.practitioner_id.is_some() || body.room_id.is_some();
    if !moves && body.status.is_none() {
        return Err(AppError::BadRequest(
            "Nothing to change: send starts_at, minutes, practitioner_id, room_id or status.".into(),
        ));
    }
    let minutes = check_minutes(body.minutes)?;
    // Read and changed in one transaction: no separate look at the current start.
    let change = moves.then(|| Reschedule {
        start: body.starts_at.map(Start::Exact),
        minutes,
        practitioner_id: body.practitioner_id,
        room_id: body.room_id,
        scope: Scope::This,
        override_hours: body.override_working_hours,
    });
    Ok(Json(calendar::update(&ctx, id, change.as_ref(), body.status).await?))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CancelBody {
    reason: String,
    #[serde(default)]
    scope: Scope,
}

pub async fn cancel(
    Api(ctx): Api,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<CancelBody>,
) -> Result<impl IntoResponse, AppError> {
    Ok(Json(calendar::cancel(&ctx, id, &body.reason, body.scope).await?))
}
