//! A booking from the portal's form, through the scheduling engine.

use chrono::{DateTime, Duration, Utc};
use uuid::Uuid;

use super::{free_slots, not_found, org_id, Ask};
use crate::{
    domain::{
        appointment::Source, messages::MessageKind, portal::PortalPatient, time::utc_to_local, time::zone, AppError,
    },
    server::{
        auth::throttle,
        db::{appointments, portal, sessions::ClientInfo},
        outbox,
        scheduling::{
            self,
            record::{record, Actor, Change},
            Attempt, Booking, Needs, Outcome, Patient,
        },
        AppState,
    },
};

/// A booking from the portal form.
pub struct PortalRequest<'a> {
    pub slug: &'a str,
    pub branch_id: Uuid,
    pub service_id: Uuid,
    /// `None`: any available practitioner.
    pub practitioner: Option<Uuid>,
    pub starts_at: DateTime<Utc>,
    pub patient: PortalPatient,
    /// The form's one-time key: submitting it twice books once.
    pub key: &'a str,
}

/// How a portal booking ended.
pub enum Booked {
    /// Booked (now, or by an earlier submission of the same form): the manage link's token.
    Done { token: String },
    /// Someone else took the time meanwhile.
    Taken,
}

pub async fn book(state: &AppState, request: &PortalRequest<'_>, client: &ClientInfo) -> Result<Booked, AppError> {
    let ip = client.ip.as_deref().unwrap_or("unknown");
    let account = format!("portal:{ip}");
    // Bookings are counted, not judged: a burst of them from one address (a clinic's
    // tablet, a mobile network's shared address) locks nothing out.
    throttle::count(
        state.db.pool(),
        throttle::Kind::PortalBooking,
        &account,
        client.ip.as_deref(),
        state.config.portal_bookings_per_ip_minute,
        state.config.login_attempts_per_ip_minute,
    )
    .await?;

    let org = org_id(state, request.slug).await?;
    let booked = scheduling::write(state, org, || book_once(state, org, request, client)).await?;
    Ok(booked.unwrap_or(Booked::Taken))
}

async fn book_once(
    state: &AppState,
    org: Uuid,
    request: &PortalRequest<'_>,
    client: &ClientInfo,
) -> Result<Attempt<Booked>, AppError> {
    let mut tx = state.db.tenant_planned_once(org).await?;
    portal::lock_request(&mut tx, request.key).await?;
    if let Some((appointment, starts_at)) = portal::earlier_request(&mut tx, org, request.key).await? {
        tx.commit().await?;
        return Ok(Attempt::Done(Booked::Done {
            token: outbox::manage_token(state, org, appointment, starts_at)?,
        }));
    }

    // The time must still be one the portal offers (rules, hours, buffers, rooms).
    let tz = zone(
        &portal::branch_timezone(&mut tx, org, request.branch_id)
            .await?
            .ok_or_else(not_found)?,
    );
    let day = utc_to_local(request.starts_at, tz).date();
    let ask = Ask {
        branch_id: request.branch_id,
        service_id: request.service_id,
        practitioner: request.practitioner,
        except: None,
    };
    let (setup, free) = free_slots(&mut tx, org, &ask, day, day).await?;
    let Some(slot) = free.into_iter().find(|s| s.starts_at == request.starts_at) else {
        return Ok(Attempt::Done(Booked::Taken));
    };
    let occurrences = [(slot.starts_at, slot.starts_at + Duration::minutes(setup.needs.minutes))];
    let booking = Booking {
        branch_id: request.branch_id,
        practitioner_id: slot.practitioner_id,
        patient: Patient::Booker(&request.patient),
        needs: Needs::offered(request.service_id, &setup.needs),
        room_id: None,
        series_id: None,
        occurrences: &occurrences,
        source: Source::Portal,
        notes: "",
        created_by: None,
    };
    let id = match scheduling::place(&mut tx, org, &booking).await? {
        Outcome::Done(ids) => ids.into_iter().next().ok_or_else(not_found)?,
        // The patient is offered the nearest free times instead.
        Outcome::Refused(_) => return Ok(Attempt::Done(Booked::Taken)),
        Outcome::Again => return Ok(Attempt::Again),
    };
    portal::remember_request(&mut tx, org, request.key, id).await?;
    let booked = appointments::recorded_one(&mut tx, org, id, tz).await?;
    record(
        &mut tx,
        state,
        Actor::patient(org, client.ip.as_deref()),
        "appointment.booked_online",
        &booked,
        Change::Booked,
        Some(MessageKind::BookingConfirmation),
    )
    .await?;
    tx.commit().await?;
    Ok(Attempt::Done(Booked::Done {
        token: outbox::manage_token(state, org, id, slot.starts_at)?,
    }))
}
