//! Forms sent to patients. A booking of a service that asks for forms requests them
//! (with the confirmation, through the message pipeline), and staff send one from the
//! patient's profile or an appointment. The patient opens a signed link that expires (no
//! password), on a phone, with or without JavaScript; what they type is kept until they
//! send it. Answers are health data: only the roles the matrix allows read them, and
//! every read is in the audit log.

use axum::{
    extract::{FromRequest, Path, Request, State},
    http::{header, Method, StatusCode},
    response::{IntoResponse, Redirect, Response},
    Form,
};
use chrono::{DateTime, Utc};
use serde_json::json;
use uuid::Uuid;

use super::{
    auth::{
        context::{message_base_url, RequestContext, Staff},
        middleware::client_of,
        tokens::FormGrant,
    },
    db::{
        appointments::{self, Recorded},
        audit,
        form_submissions::{self as db, NewRequest, Stored},
        messages, organizations, patients, templates, Tx,
    },
    documents, realtime,
    routing::Routes,
    AppState,
};
use crate::domain::{
    access::Action,
    form_submissions::{
        draft_of, link_expiry, FormStatus, Intent, PatientForm, PatientForms, SubmissionSummary, SubmissionView,
    },
    forms::{read_answers, Posted},
    messages::MessageKind,
    realtime::{Envelope, Event},
    templates::{render, Template, Values},
    time::{local_datetime, zone},
    AppError,
};

const FORM: &str = "That form";

/// How to reach a patient, and in whose words.
struct Reach<'a> {
    clinic: &'a str,
    patient_name: &'a str,
    email: &'a str,
    phone: &'a str,
    consent_email: bool,
    consent_sms: bool,
    timezone: &'a str,
    own: &'a [Template],
}

/// With a booking: requests the forms its service asks for (those the patient has not
/// answered in their current version nor still has a link to), and queues each link to
/// the patient by the channels they agreed to, beside the confirmation.
pub async fn with_booking(tx: &mut Tx, state: &AppState, org_id: Uuid, booked: &Recorded) -> Result<(), AppError> {
    let (a, to) = (&booked.view, &booked.addressing);
    // Most services ask for none: their bookings cost no statement more.
    if !to.asks_forms {
        return Ok(());
    }
    let forms = db::for_booking(tx, org_id, a.service_id, a.patient_id).await?;
    let reach = Reach {
        clinic: &to.org_name,
        patient_name: &a.patient_name,
        email: &to.email,
        phone: &to.phone,
        consent_email: to.consent_email,
        consent_sms: to.consent_sms,
        timezone: &to.timezone,
        own: &to.templates,
    };
    let new = NewRequest {
        branch_id: a.branch_id,
        patient_id: a.patient_id,
        appointment_id: Some(a.id),
        requested_by: None,
        expires_at: link_expiry(Utc::now(), Some(a.starts_at)),
    };
    for form in &forms {
        if let Some(id) = db::request(tx, org_id, new, form).await? {
            queue(tx, state, org_id, (id, new), &form.name, &reach).await?;
        }
    }
    Ok(())
}

/// Staff send `template_id` to patient `patient_id`, for one of their appointments if
/// given (asking again if that appointment's request is still waiting); says how it went.
pub async fn send(
    ctx: &RequestContext,
    patient_id: Uuid,
    template_id: Uuid,
    appointment_id: Option<Uuid>,
) -> Result<String, AppError> {
    ctx.require(Action::ManagePatients)?;
    let org = ctx.org_id();
    let mut tx = ctx.tenant().await?;
    let patient = patients::record(&mut tx, org, patient_id)
        .await?
        .ok_or_else(|| AppError::not_found("That patient"))?;
    let form = db::requestable(&mut tx, org, template_id)
        .await?
        .ok_or_else(|| AppError::field("template", "Choose a form that has questions and is in use."))?;
    let visit = match appointment_id {
        Some(id) => {
            let tz = zone(&ctx.user.branch.timezone);
            let a = appointments::recorded_one(&mut tx, org, id, tz).await?.view;
            if a.patient_id != patient_id || a.branch_id != ctx.user.branch.id {
                return Err(AppError::not_found("That appointment"));
            }
            Some(a.starts_at)
        }
        None => None,
    };
    let new = NewRequest {
        branch_id: ctx.user.branch.id,
        patient_id,
        appointment_id,
        requested_by: Some(ctx.user.user_id),
        expires_at: link_expiry(Utc::now(), visit),
    };
    let Some(id) = db::request(&mut tx, org, new, &form).await? else {
        return Err(AppError::Conflict {
            field: Some("template".into()),
            message: format!(
                "{} already filled in {} for this appointment: open it from their profile.",
                patient.full_name, form.name
            ),
        });
    };
    let clinic = organizations::profile(&mut tx, org).await?.name;
    let own = templates::list(&mut tx, org).await?;
    let reach = Reach {
        clinic: &clinic,
        patient_name: &patient.full_name,
        email: &patient.email,
        phone: &patient.phone,
        consent_email: patient.consent_email,
        consent_sms: patient.consent_sms,
        timezone: &ctx.user.branch.timezone,
        own: &own,
    };
    let channels = queue(&mut tx, &ctx.state, org, (id, new), &form.name, &reach).await?;
    ctx.audit(
        &mut tx,
        "form_submission.requested",
        "form_submission",
        Some(id),
        json!({ "form": form.name, "version": form.version, "channels": channels }),
    )
    .await?;
    tx.commit().await?;
    Ok(match channels.as_slice() {
        [] => format!(
            "{} is asked for {}, but has no email address or phone number they agreed to be contacted at: \
             they can fill it in at the clinic.",
            patient.full_name, form.name
        ),
        ["email"] => format!("{} sent to {} by email.", form.name, patient.full_name),
        [_] => format!("{} sent to {} by text message.", form.name, patient.full_name),
        _ => format!("{} sent to {} by email and text message.", form.name, patient.full_name),
    })
}

/// Queues request `id`'s link to the patient by each channel they agreed to; the channels.
async fn queue(
    tx: &mut Tx,
    state: &AppState,
    org_id: Uuid,
    (id, new): (Uuid, NewRequest),
    form: &str,
    to: &Reach<'_>,
) -> Result<Vec<&'static str>, AppError> {
    let link = format!(
        "{}/forms/{}",
        message_base_url(state),
        state.keys.issue_form(
            FormGrant {
                submission_id: id,
                org_id
            },
            new.expires_at
        )?
    );
    let first = to.patient_name.split_whitespace().next().unwrap_or_default();
    let until = new
        .expires_at
        .with_timezone(&zone(to.timezone))
        .format("%A %-d %B %Y")
        .to_string();
    let values = [
        ("patient_first_name", first),
        ("patient_name", to.patient_name),
        ("clinic", to.clinic),
        ("form", form),
        ("form_link", link.as_str()),
        ("until", until.as_str()),
    ];
    let mut channels = Vec::new();
    for (channel, agreed, recipient) in [("email", to.consent_email, to.email), ("sms", to.consent_sms, to.phone)] {
        if !agreed || recipient.is_empty() {
            continue;
        }
        let (subject, body) = render(MessageKind::FormRequest, channel, &Values(&values), to.own);
        messages::queue_for_patient(
            tx,
            org_id,
            new.branch_id,
            (new.patient_id, new.appointment_id),
            MessageKind::FormRequest,
            (channel, recipient),
            (&subject, &body),
        )
        .await?;
        channels.push(channel);
    }
    Ok(channels)
}

fn link_refused() -> AppError {
    AppError::NotFound(
        "This form link does not work any more: it may have expired. Ask the clinic to send you a new one.".into(),
    )
}

/// The request a patient's link names, if it still works.
async fn by_link(tx: &mut Tx, grant: FormGrant, lock: bool) -> Result<Stored, AppError> {
    db::stored(tx, grant.org_id, grant.submission_id, lock)
        .await?
        .filter(|s| s.submitted_at.is_some() || s.expires_at > Utc::now())
        .ok_or_else(link_refused)
}

/// What the patient's link opens: the form as its version asks it, with what they typed.
pub async fn patient_form(state: &AppState, token: &str) -> Result<PatientForm, AppError> {
    let grant = state.keys.verify_form(token).ok_or_else(link_refused)?;
    let mut tx = state.db.tenant(grant.org_id).await?;
    let s = by_link(&mut tx, grant, false).await?;
    tx.commit().await?;
    let tz = zone(&s.timezone);
    Ok(PatientForm {
        visit: s
            .visit
            .as_ref()
            .map(|(service, at)| format!("{service} on {}", at.with_timezone(&tz).format("%A %-d %B %Y at %H:%M"))),
        until: s.expires_at.with_timezone(&tz).format("%A %-d %B %Y").to_string(),
        submitted: s.submitted_at.map(|at| local_datetime(at, &s.timezone)),
        clinic: s.clinic,
        branch_phone: s.branch_phone,
        title: s.name,
        intro: s.intro,
        fields: s.fields,
        draft: s.draft,
    })
}

/// What a post of the patient's form did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answered {
    Sent,
    Kept,
    /// Kept, but not sent: a required answer is missing or one is wrong.
    Refused,
}

/// The patient's post: kept as their draft, and sent when they asked and every answer
/// reads; the open calendars hear that the appointment's form is in.
pub async fn answer(state: &AppState, token: &str, posted: &Posted, ip: Option<&str>) -> Result<Answered, AppError> {
    let grant = state.keys.verify_form(token).ok_or_else(link_refused)?;
    let org = grant.org_id;
    let mut tx = state.db.tenant(org).await?;
    let s = by_link(&mut tx, grant, true).await?;
    if s.submitted_at.is_some() {
        return Ok(Answered::Sent);
    }
    let draft = draft_of(&s.fields, posted);
    let answers = match Intent::of(posted) {
        Intent::Keep => None,
        Intent::Send => read_answers(&s.fields, &draft).ok(),
    };
    let answered = match answers {
        Some(answers) => {
            db::submit(&mut tx, org, s.id, &answers).await?;
            audit::record(
                &mut tx,
                audit::Entry {
                    org_id: org,
                    branch_id: Some(s.branch_id),
                    actor: None,
                    action: "form_submission.submitted",
                    entity: "form_submission",
                    entity_id: Some(s.id),
                    diff: json!({ "form": s.name, "version": s.version, "by": "patient online" }),
                    ip,
                },
            )
            .await?;
            if let Some(appointment) = s.appointment_id {
                let view = appointments::recorded_one(&mut tx, org, appointment, zone(&s.timezone))
                    .await?
                    .view;
                let envelope = Envelope {
                    org_id: org,
                    branch_id: view.branch_id,
                    event: Event::AppointmentUpdated { appointment: view },
                };
                realtime::publish(&mut tx, &envelope).await?;
            }
            Answered::Sent
        }
        None => {
            db::keep_draft(&mut tx, org, s.id, &draft).await?;
            match Intent::of(posted) {
                Intent::Keep => Answered::Kept,
                Intent::Send => Answered::Refused,
            }
        }
    };
    tx.commit().await?;
    Ok(answered)
}

/// A request as staff see it in a list.
fn summary(s: &Stored, timezone: &str) -> SubmissionSummary {
    let tz = zone(timezone);
    let day = |at: DateTime<Utc>| at.with_timezone(&tz).format("%-d %b %Y").to_string();
    let (status, status_label) = match s.submitted_at {
        Some(at) => (
            FormStatus::Submitted,
            format!("Filled in {}", local_datetime(at, timezone)),
        ),
        None if s.expires_at > Utc::now() => (
            FormStatus::Waiting,
            format!("Waiting: the link works until {}", day(s.expires_at)),
        ),
        None => (
            FormStatus::Expired,
            format!("Not filled in: the link expired on {}", day(s.expires_at)),
        ),
    };
    SubmissionSummary {
        id: s.id,
        template_id: s.template_id,
        name: s.name.clone(),
        version: s.version,
        status,
        status_label,
        requested: match &s.requested_by {
            Some(who) => format!("Sent by {who} on {}", day(s.requested_at)),
            None => format!("Asked for with the booking on {}", day(s.requested_at)),
        },
        visit: s
            .visit
            .as_ref()
            .map(|(service, at)| format!("{service}, {}", local_datetime(*at, timezone))),
        appointment_id: s.appointment_id,
    }
}

/// A patient's forms at the branches the user belongs to, and the forms they can send.
pub async fn of_patient(ctx: &RequestContext, patient_id: Uuid) -> Result<PatientForms, AppError> {
    ctx.require(Action::ViewPatients)?;
    let mut tx = ctx.tenant().await?;
    patients::record(&mut tx, ctx.org_id(), patient_id)
        .await?
        .ok_or_else(|| AppError::not_found("That patient"))?;
    let forms = listed(ctx, &mut tx, patient_id).await?;
    tx.commit().await?;
    Ok(forms)
}

/// A patient's forms, in a transaction that already found the patient (their profile's).
pub async fn listed(ctx: &RequestContext, tx: &mut Tx, patient_id: Uuid) -> Result<PatientForms, AppError> {
    let org = ctx.org_id();
    let branches: Vec<Uuid> = ctx.user.branches.iter().map(|b| b.id).collect();
    let submissions = db::of_patient(tx, org, patient_id, &branches)
        .await?
        .iter()
        .map(|s| summary(s, &ctx.user.branch.timezone))
        .collect();
    let sendable = match ctx.user.can(Action::ManagePatients) {
        true => db::sendable(tx, org).await?,
        false => Vec::new(),
    };
    Ok(PatientForms {
        submissions,
        sendable,
        can_read: ctx.user.can(Action::ReadFormAnswers),
    })
}

/// One submission with its answers, for those who may read them; the read is audited.
pub async fn view(ctx: &RequestContext, id: Uuid) -> Result<SubmissionView, AppError> {
    let org = ctx.org_id();
    let mut tx = ctx.tenant().await?;
    let s = db::stored(&mut tx, org, id, false)
        .await?
        .ok_or_else(|| AppError::not_found(FORM))?;
    ctx.require_in(s.branch_id, Action::ReadFormAnswers, FORM)?;
    ctx.audit(
        &mut tx,
        "form_submission.read",
        "form_submission",
        Some(id),
        json!({ "patient_id": s.patient_id }),
    )
    .await?;
    tx.commit().await?;
    Ok(SubmissionView {
        summary: summary(&s, &ctx.user.branch.timezone),
        patient_id: s.patient_id,
        patient_name: s.patient_name,
        clinic: s.clinic,
        intro: s.intro,
        fields: s.fields,
        answers: s.answers.unwrap_or_default(),
    })
}

/// The patient's form link: the page is a route of the app (`/forms/{token}`); its
/// post, and the small script that lets a signature be drawn, are these.
pub fn routes() -> Routes {
    Routes::new()
        .add(Method::POST, "/forms/{token}", post_answers)
        .add(Method::GET, "/form-signature.js", signature_script)
        .add(Method::GET, "/app/forms/{id}/form.pdf", pdf)
        .add(Method::GET, "/app/settings/forms/{id}/answers.csv", csv)
}

/// `GET /app/forms/{id}/form.pdf`: the submission as a PDF, for those who may read it
/// (the read is audited as the page's is).
async fn pdf(Staff(ctx): Staff, Path(id): Path<String>) -> Response {
    let document = async {
        let id = Uuid::parse_str(&id).map_err(|_| AppError::not_found(FORM))?;
        let submission = view(&ctx, id).await?;
        let name = format!(
            "{}-{}.pdf",
            slug(&submission.summary.name),
            slug(&submission.patient_name)
        );
        Ok::<_, AppError>((name, documents::render_form(&submission)?))
    };
    match document.await {
        Ok((name, bytes)) => documents::response(&name, bytes, false),
        Err(err) => err.into_response(),
    }
}

/// `nurse-intake` from "Nurse intake": a file name's part.
fn slug(text: &str) -> String {
    let words: Vec<String> = text
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect();
    words.join("-")
}

/// `GET /app/settings/forms/{id}/answers.csv`: every answer to one template at the
/// user's branches, a row per submission and a column per question (a question keeps its
/// column across versions), for those who may read answers; audited.
async fn csv(Staff(ctx): Staff, Path(id): Path<String>) -> Response {
    match answers_csv(&ctx, &id).await {
        Ok((name, csv)) => documents::csv_download(&name, csv),
        Err(err) => err.into_response(),
    }
}

async fn answers_csv(ctx: &RequestContext, id: &str) -> Result<(String, String), AppError> {
    ctx.require(Action::ReadFormAnswers)?;
    let template = Uuid::parse_str(id).map_err(|_| AppError::not_found(FORM))?;
    let org = ctx.org_id();
    let mut tx = ctx.tenant().await?;
    let name = db::template_name(&mut tx, org, template)
        .await?
        .ok_or_else(|| AppError::not_found(FORM))?;
    let readable: Vec<Uuid> = ctx
        .user
        .branches
        .iter()
        .filter(|b| b.role.can(Action::ReadFormAnswers))
        .map(|b| b.id)
        .collect();
    let submitted = db::answered(&mut tx, org, template, &readable).await?;
    ctx.audit(
        &mut tx,
        "form_submission.exported",
        "form_template",
        Some(template),
        json!({ "submissions": submitted.len() }),
    )
    .await?;
    tx.commit().await?;
    // The questions' columns: the newest version's order, then those only older ones had.
    let mut columns: Vec<(String, String)> = Vec::new();
    for s in submitted.iter().rev() {
        for f in s.fields.iter().filter(|f| f.kind.is_question()) {
            if !columns.iter().any(|(key, _)| *key == f.key) {
                columns.push((f.key.clone(), f.label.clone()));
            }
        }
    }
    let failed = |e: csv::Error| super::error::internal("writing csv", e);
    let mut writer = csv::Writer::from_writer(Vec::new());
    let head = ["Patient", "Filled in", "Version"]
        .into_iter()
        .map(str::to_owned)
        .chain(columns.iter().map(|(_, label)| label.clone()));
    writer
        .write_record(head.map(|h| spreadsheet_safe(&h)))
        .map_err(failed)?;
    for s in &submitted {
        let answers = s.answers.clone().unwrap_or_default();
        let row = [
            s.patient_name.clone(),
            s.submitted_at
                .map(|at| local_datetime(at, &ctx.user.branch.timezone))
                .unwrap_or_default(),
            s.version.to_string(),
        ]
        .into_iter()
        .chain(
            columns
                .iter()
                .map(|(key, _)| answers.get(key).map(|a| a.text()).unwrap_or_default()),
        );
        writer
            .write_record(row.map(|cell| spreadsheet_safe(&cell)))
            .map_err(failed)?;
    }
    let bytes = writer
        .into_inner()
        .map_err(|e| super::error::internal("writing csv", e))?;
    let csv = String::from_utf8(bytes).map_err(|e| super::error::internal("csv text", e))?;
    Ok((format!("{}-answers.csv", slug(&name)), csv))
}

/// A cell a spreadsheet will not run: what a patient typed starting with `=`, `+`, `-`
/// or `@` would be a formula, so it is written after an apostrophe.
fn spreadsheet_safe(cell: &str) -> String {
    match cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        true => format!("'{cell}"),
        false => cell.to_owned(),
    }
}

/// `POST /forms/{token}`: a plain form post (or the page's script saving as the patient
/// types, which asks for no page back). Back to the form: sent, kept, or with its errors.
async fn post_answers(State(state): State<AppState>, Path(token): Path<String>, request: Request) -> Response {
    let client = client_of(request.extensions());
    let quiet = request.headers().contains_key("x-form-autosave");
    let posted: Posted = match Form::<Posted>::from_request(request, &state).await {
        Ok(Form(posted)) => posted,
        Err(rejection) => {
            return AppError::BadRequest(format!("The form could not be read: {rejection}")).into_response()
        }
    };
    match answer(&state, &token, &posted, client.ip.as_deref()).await {
        Ok(_) if quiet => StatusCode::NO_CONTENT.into_response(),
        Ok(Answered::Sent) => Redirect::to(&format!("/forms/{token}")).into_response(),
        Ok(Answered::Kept) => Redirect::to(&format!("/forms/{token}?saved=1")).into_response(),
        Ok(Answered::Refused) => Redirect::to(&format!("/forms/{token}?check=1#problems")).into_response(),
        Err(err) => err.into_response(),
    }
}

/// `GET /form-signature.js`: draws a signature with a finger or a pointer into the
/// form's hidden field, and keeps what the patient types as they go.
async fn signature_script() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("form_signature.js"),
    )
        .into_response()
}
