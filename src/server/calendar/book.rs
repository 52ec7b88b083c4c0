//! Staff booking: one appointment or a series, through the scheduling engine.

use chrono::{DateTime, Duration, Utc};

use super::{checked_room, facts_of, gives, tz_of};
use crate::{
    domain::{
        access::Action,
        appointment::{AppointmentView, NewAppointment, Status},
        messages::MessageKind,
        patient::PatientChoice,
        AppError,
    },
    server::{
        auth::context::RequestContext,
        db::{appointments, schedules},
        scheduling::{
            self, hours_rule,
            record::{record, Actor, Change},
            Attempt, Booking, Needs, Outcome, Patient, Practitioner, Refusal,
        },
    },
};

/// Books an appointment, or every occurrence of a series (all or none).
pub async fn create(ctx: &RequestContext, input: &NewAppointment) -> Result<Vec<AppointmentView>, AppError> {
    ctx.require(Action::ManageAppointments)?;
    scheduling::write(&ctx.state, ctx.org_id(), || create_once(ctx, input))
        .await?
        .ok_or_else(scheduling::kept_taken)
}

async fn create_once(ctx: &RequestContext, input: &NewAppointment) -> Result<Attempt<Vec<AppointmentView>>, AppError> {
    let tz = tz_of(ctx);
    let (org, branch) = (ctx.org_id(), ctx.user.branch.id);
    // When each occurrence starts; how long it lasts may depend on the service.
    let starts: Vec<DateTime<Utc>> = match &input.recurrence {
        Some(rule) => rule
            .occurrences(tz, input.start.local(tz), 0)
            .into_iter()
            .map(|(s, _)| s)
            .collect(),
        None => vec![input.start.instant(tz)],
    };
    let known = match &input.patient {
        PatientChoice::Existing(id) => Some(*id),
        PatientChoice::New { .. } => None,
    };
    let mut tx = ctx.tenant_planned_once().await?;
    let facts = schedules::booking_facts(
        &mut tx,
        org,
        branch,
        &facts_of(tz, input.service_id, input.practitioner_id, known, &starts),
    )
    .await?;
    let service = facts
        .service
        .filter(|s| s.active)
        .ok_or_else(|| AppError::not_found("That service"))?;
    let name = facts
        .practitioner
        .ok_or_else(|| AppError::not_found("That practitioner"))?;
    let practitioner = Practitioner {
        id: input.practitioner_id,
        name: &name,
    };
    gives(&service, practitioner)?;
    let room_id = match input.room_id {
        Some(id) => Some(checked_room(&mut tx, ctx, id, &service).await?),
        None => None,
    };
    let patient = match &input.patient {
        PatientChoice::Existing(id) if facts.patient_known => Patient::Known(*id),
        PatientChoice::Existing(_) => return Err(AppError::not_found("That patient")),
        PatientChoice::New { name, phone } => Patient::New {
            name: name.as_str(),
            phone: phone.as_str(),
        },
    };
    let minutes = Duration::minutes(i64::from(input.minutes.unwrap_or(service.duration_minutes)));
    let occurrences: Vec<_> = starts.iter().map(|&s| (s, s + minutes)).collect();
    for &(starts, ends) in &occurrences {
        hours_rule(
            facts.rota.problem(tz, practitioner.name, starts, ends),
            ctx.user.can(Action::OverrideWorkingHours),
            input.override_hours,
        )?;
    }
    let series_id = match &input.recurrence {
        Some(rule) => Some(
            appointments::create_series(
                &mut tx,
                org,
                branch,
                &serde_json::to_value(rule).unwrap_or_default(),
                input.start.local(tz),
                &ctx.user.branch.timezone,
            )
            .await?,
        ),
        None => None,
    };

    let booking = Booking {
        branch_id: branch,
        practitioner_id: practitioner.id,
        patient,
        needs: Needs::of(&service),
        room_id,
        series_id,
        occurrences: &occurrences,
        source: input.source,
        notes: input.notes.trim(),
        created_by: Some(ctx.user.user_id),
    };
    let ids = match scheduling::place(&mut tx, org, &booking).await? {
        Outcome::Done(ids) => ids,
        Outcome::Refused(clash) => {
            return Ok(Attempt::Refused(Refusal {
                clash,
                practitioner_id: practitioner.id,
                tz,
            }))
        }
        Outcome::Again => return Ok(Attempt::Again),
    };

    let booked = appointments::recorded(&mut tx, org, &ids, tz).await?;
    for (n, appointment) in booked.iter().enumerate() {
        // One confirmation for a booking, the first date of a series: not one per week;
        // none to a patient standing at the desk.
        let message = (n == 0 && !input.walk_in).then_some(MessageKind::BookingConfirmation);
        record(
            &mut tx,
            &ctx.state,
            Actor::staff(ctx),
            "appointment.created",
            appointment,
            Change::Booked,
            message,
        )
        .await?;
    }
    let mut views: Vec<AppointmentView> = booked.into_iter().map(|b| b.view).collect();
    if input.walk_in {
        // Here already: waiting from now, on every calendar and Today.
        for view in &mut views {
            *view = super::status::set_status_in(&mut tx, ctx, view.id, Status::Arrived).await?;
        }
    }
    tx.commit().await?;
    Ok(Attempt::Done(views))
}
