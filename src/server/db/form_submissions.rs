//! Forms sent to patients: the requests, the patient's draft and answers.

use chrono::{DateTime, Utc};
use sqlx::types::Json;
use uuid::Uuid;

use super::Tx;
use crate::domain::{
    form_submissions::Sendable,
    forms::{Answers, FormField, Posted},
    AppError,
};

/// A form to request: the current version of one of the organization's templates.
#[derive(Debug, Clone)]
pub struct Requestable {
    pub template_id: Uuid,
    pub version: i32,
    pub name: String,
}

/// The forms a booking of `service_id` asks `patient_id` for: each active template the
/// service names, unless the patient already answered its current version or still has
/// a link to it that works.
pub async fn for_booking(
    tx: &mut Tx,
    org_id: Uuid,
    service_id: Uuid,
    patient_id: Uuid,
) -> Result<Vec<Requestable>, AppError> {
    Ok(sqlx::query_as!(
        Requestable,
        "select t.id as template_id, t.version, t.name
         from service_forms sf join form_templates t on t.id = sf.template_id
         where sf.org_id = $1 and sf.service_id = $2 and t.active and t.version > 0
           and not exists (select 1 from form_submissions s
                            where s.patient_id = $3 and s.template_id = t.id and s.version = t.version
                              and (s.submitted_at is not null or s.expires_at > now()))
         order by t.name",
        org_id,
        service_id,
        patient_id,
    )
    .fetch_all(&mut **tx)
    .await?)
}

/// The template staff chose to send, if it can be: active and saved at least once.
pub async fn requestable(tx: &mut Tx, org_id: Uuid, template_id: Uuid) -> Result<Option<Requestable>, AppError> {
    Ok(sqlx::query_as!(
        Requestable,
        "select id as template_id, version, name from form_templates
         where org_id = $1 and id = $2 and active and version > 0",
        org_id,
        template_id,
    )
    .fetch_optional(&mut **tx)
    .await?)
}

/// The forms staff can send.
pub async fn sendable(tx: &mut Tx, org_id: Uuid) -> Result<Vec<Sendable>, AppError> {
    Ok(sqlx::query_as!(
        Sendable,
        "select id, name from form_templates where org_id = $1 and active and version > 0 order by lower(name)",
        org_id,
    )
    .fetch_all(&mut **tx)
    .await?)
}

/// The live appointments of `service_id`: (id, branch, patient, start, patient's name),
/// for the demo's forms.
pub async fn appointments_of(
    tx: &mut Tx,
    org_id: Uuid,
    service_id: Uuid,
) -> Result<Vec<(Uuid, Uuid, Uuid, DateTime<Utc>, String)>, AppError> {
    let rows = sqlx::query!(
        "select a.id, a.branch_id, a.patient_id, a.starts_at, p.full_name
         from appointments a join patients p on p.id = a.patient_id
         where a.org_id = $1 and a.service_id = $2 and a.status <> 'cancelled' order by a.starts_at",
        org_id,
        service_id,
    )
    .fetch_all(&mut **tx)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| (r.id, r.branch_id, r.patient_id, r.starts_at, r.full_name))
        .collect())
}

/// Who and what a request is for.
#[derive(Debug, Clone, Copy)]
pub struct NewRequest {
    pub branch_id: Uuid,
    pub patient_id: Uuid,
    pub appointment_id: Option<Uuid>,
    pub requested_by: Option<Uuid>,
    pub expires_at: DateTime<Utc>,
}

/// Requests `form` of the patient; for an appointment that already asked for it and is
/// still waiting, asks again (its current version, a new expiry). `None` when that
/// appointment's form was already filled in.
pub async fn request(tx: &mut Tx, org_id: Uuid, new: NewRequest, form: &Requestable) -> Result<Option<Uuid>, AppError> {
    Ok(sqlx::query_scalar!(
        "insert into form_submissions (org_id, branch_id, patient_id, appointment_id, template_id, version,
                                       requested_by, expires_at)
         values ($1, $2, $3, $4, $5, $6, $7, $8)
         on conflict (appointment_id, template_id) where appointment_id is not null do update
             set version = excluded.version, requested_by = excluded.requested_by, requested_at = now(),
                 expires_at = excluded.expires_at
             where form_submissions.submitted_at is null
         returning id",
        org_id,
        new.branch_id,
        new.patient_id,
        new.appointment_id,
        form.template_id,
        form.version,
        new.requested_by,
        new.expires_at,
    )
    .fetch_optional(&mut **tx)
    .await?)
}

/// A request as its patient's link and staff read it.
pub struct Stored {
    pub id: Uuid,
    pub branch_id: Uuid,
    pub patient_id: Uuid,
    pub patient_name: String,
    pub appointment_id: Option<Uuid>,
    pub template_id: Uuid,
    pub version: i32,
    pub clinic: String,
    pub branch_phone: String,
    pub timezone: String,
    pub name: String,
    pub intro: String,
    pub fields: Vec<FormField>,
    pub requested_at: DateTime<Utc>,
    pub requested_by: Option<String>,
    pub expires_at: DateTime<Utc>,
    pub draft: Posted,
    pub answers: Option<Answers>,
    pub submitted_at: Option<DateTime<Utc>>,
    /// The appointment's service and start.
    pub visit: Option<(String, DateTime<Utc>)>,
}

/// Request `id` with its version, locked for a change to its draft or answers if `lock`.
pub async fn stored(tx: &mut Tx, org_id: Uuid, id: Uuid, lock: bool) -> Result<Option<Stored>, AppError> {
    if lock {
        sqlx::query!(
            "select id from form_submissions where org_id = $1 and id = $2 for update",
            org_id,
            id
        )
        .fetch_optional(&mut **tx)
        .await?;
    }
    Ok(of(tx, org_id, Some(id), None, None).await?.pop())
}

/// A patient's requests at `branch_ids`, the newest first.
pub async fn of_patient(
    tx: &mut Tx,
    org_id: Uuid,
    patient_id: Uuid,
    branch_ids: &[Uuid],
) -> Result<Vec<Stored>, AppError> {
    let mut all = of(tx, org_id, None, Some(patient_id), None).await?;
    all.retain(|s| branch_ids.contains(&s.branch_id));
    Ok(all)
}

/// The answered requests of template `template_id` at `branch_ids`, the oldest first.
pub async fn answered(
    tx: &mut Tx,
    org_id: Uuid,
    template_id: Uuid,
    branch_ids: &[Uuid],
) -> Result<Vec<Stored>, AppError> {
    let mut all = of(tx, org_id, None, None, Some(template_id)).await?;
    all.retain(|s| s.submitted_at.is_some() && branch_ids.contains(&s.branch_id));
    all.sort_by_key(|s| s.submitted_at);
    Ok(all)
}

/// A template's name.
pub async fn template_name(tx: &mut Tx, org_id: Uuid, template_id: Uuid) -> Result<Option<String>, AppError> {
    Ok(sqlx::query_scalar!(
        "select name from form_templates where org_id = $1 and id = $2",
        org_id,
        template_id
    )
    .fetch_optional(&mut **tx)
    .await?)
}

async fn of(
    tx: &mut Tx,
    org_id: Uuid,
    id: Option<Uuid>,
    patient_id: Option<Uuid>,
    template_id: Option<Uuid>,
) -> Result<Vec<Stored>, AppError> {
    let rows = sqlx::query!(
        r#"select s.id, s.branch_id, s.patient_id, p.full_name as patient_name, s.appointment_id, s.template_id,
                  s.version, o.name as clinic, b.phone as branch_phone, b.timezone, v.name, v.intro,
                  v.fields as "fields: Json<Vec<FormField>>", s.requested_at, u.full_name as "requested_by?",
                  s.expires_at, s.draft as "draft: Json<Posted>", s.answers as "answers: Json<Answers>",
                  s.submitted_at, sv.name as "service?", a.starts_at as "starts_at?"
           from form_submissions s
           join form_versions v on v.template_id = s.template_id and v.version = s.version
           join patients p on p.id = s.patient_id
           join branches b on b.id = s.branch_id
           join organizations o on o.id = s.org_id
           left join users u on u.id = s.requested_by
           left join appointments a on a.id = s.appointment_id
           left join services sv on sv.id = a.service_id
           where s.org_id = $1 and ($2::uuid is null or s.id = $2) and ($3::uuid is null or s.patient_id = $3)
             and ($4::uuid is null or s.template_id = $4)
           order by s.requested_at desc, v.name"#,
        org_id,
        id,
        patient_id,
        template_id,
    )
    .fetch_all(&mut **tx)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| Stored {
            id: r.id,
            branch_id: r.branch_id,
            patient_id: r.patient_id,
            patient_name: r.patient_name,
            appointment_id: r.appointment_id,
            template_id: r.template_id,
            version: r.version,
            clinic: r.clinic,
            branch_phone: r.branch_phone,
            timezone: r.timezone,
            name: r.name,
            intro: r.intro,
            fields: r.fields.0,
            requested_at: r.requested_at,
            requested_by: r.requested_by,
            expires_at: r.expires_at,
            draft: r.draft.0,
            answers: r.answers.map(|a| a.0),
            submitted_at: r.submitted_at,
            visit: r.service.zip(r.starts_at),
        })
        .collect())
}

/// Keeps what the patient typed so far.
pub async fn keep_draft(tx: &mut Tx, org_id: Uuid, id: Uuid, draft: &Posted) -> Result<(), AppError> {
    sqlx::query!(
        "update form_submissions set draft = $3 where org_id = $1 and id = $2 and submitted_at is null",
        org_id,
        id,
        Json(draft) as _,
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Records the patient's answers; the draft is no longer needed.
pub async fn submit(tx: &mut Tx, org_id: Uuid, id: Uuid, answers: &Answers) -> Result<(), AppError> {
    sqlx::query!(
        "update form_submissions set answers = $3, submitted_at = now(), draft = '[]'
         where org_id = $1 and id = $2 and submitted_at is null",
        org_id,
        id,
        Json(answers) as _,
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}
