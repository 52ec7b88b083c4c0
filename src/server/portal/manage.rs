//! The patient's manage link: see, cancel or move a booking within the clinic's window.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use uuid::Uuid;

use super::{free_slots, pages::day, Ask, Booked};
use crate::{
    domain::{
        appointment::Status,
        messages::MessageKind,
        portal::{PortalBooking, PortalBranch, PortalDay},
        time::zone,
        AppError,
    },
    server::{
        auth::context::message_base_url,
        db::{
            appointments::{self, Current},
            portal,
            sessions::ClientInfo,
            Tx,
        },
        outbox,
        scheduling::{
            self,
            record::{record, Actor, Change},
            Attempt, Needs, Outcome, Relocation, Target, Was,
        },
        AppState,
    },
};

fn link_refused() -> AppError {
    AppError::NotFound("This link is not valid or has expired. Contact your clinic to change your appointment.".into())
}

/// The appointment a manage link names, locked, with its organization and what the
/// patient sees.
struct Managed {
    org: Uuid,
    current: Current,
    booking: PortalBooking,
}

async fn managed(state: &AppState, tx: &mut Tx, token: &str) -> Result<Managed, AppError> {
    let grant = state.keys.verify_manage(token).ok_or_else(link_refused)?;
    let current = appointments::lock(tx, grant.org_id, grant.appointment_id)
        .await?
        .ok_or_else(link_refused)?;
    let row = portal::managed(tx, grant.org_id, grant.appointment_id).await?;
    let tz = zone(&row.timezone);
    let deadline = current.starts_at - Duration::hours(i64::from(row.cancellation_window_hours));
    let booking = PortalBooking {
        org_name: row.org_name,
        slug: row.slug,
        branch: PortalBranch {
            id: row.branch_id,
            name: row.branch_name,
            address: row.address,
            phone: row.phone,
            timezone: row.timezone,
        },
        service_id: current.service_id,
        service: row.service,
        practitioner_id: current.practitioner_id,
        practitioner: row.practitioner,
        when: current
            .starts_at
            .with_timezone(&tz)
            .format("%A %-d %B %Y at %H:%M")
            .to_string(),
        cancelled: current.status == Status::Cancelled,
        can_change: current.status.is_movable() && Utc::now() < deadline,
        change_deadline: deadline.with_timezone(&tz).format("%A %-d %B at %H:%M").to_string(),
    };
    Ok(Managed {
        org: grant.org_id,
        current,
        booking,
    })
}

pub async fn booking(state: &AppState, token: &str) -> Result<PortalBooking, AppError> {
    let grant = state.keys.verify_manage(token).ok_or_else(link_refused)?;
    let mut tx = state.db.tenant(grant.org_id).await?;
    let Managed { booking, .. } = managed(state, &mut tx, token).await?;
    tx.commit().await?;
    Ok(booking)
}

/// The booking as an iCalendar file for the patient's own calendar: its times in the
/// branch's zone (an IANA `TZID`, which calendar apps resolve themselves), where it is,
/// and the link to change it.
pub async fn calendar_file(state: &AppState, token: &str) -> Result<String, AppError> {
    use icalendar::{Calendar, CalendarDateTime, Component, Event, EventLike};

    let grant = state.keys.verify_manage(token).ok_or_else(link_refused)?;
    let mut tx = state.db.tenant(grant.org_id).await?;
    let Managed { current, booking, .. } = managed(state, &mut tx, token).await?;
    tx.commit().await?;
    if booking.cancelled {
        return Err(AppError::NotFound("This appointment is cancelled.".into()));
    }
    let tz = zone(&booking.branch.timezone);
    let local = |at: DateTime<Utc>| CalendarDateTime::WithTimezone {
        date_time: at.with_timezone(&tz).naive_local(),
        tzid: booking.branch.timezone.clone(),
    };
    let b = &booking.branch;
    let event = Event::new()
        .uid(&format!("{}@careops", current.id))
        .summary(&format!("{} at {}", booking.service, booking.org_name))
        .starts(local(current.starts_at))
        .ends(local(current.ends_at))
        .location(&b.place())
        .description(&format!(
            "With {}.{}\nTo cancel or move it: {}/manage/{token}",
            booking.practitioner,
            if b.phone.is_empty() {
                String::new()
            } else {
                format!(" Questions: {}.", b.phone)
            },
            message_base_url(state),
        ))
        .done();
    Ok(Calendar::new().push(event).done().to_string())
}

fn too_late(booking: &PortalBooking) -> AppError {
    AppError::Conflict {
        field: None,
        message: format!(
            "Online changes were possible until {}. Please call {} to change it.",
            booking.change_deadline,
            if booking.branch.phone.is_empty() {
                booking.org_name.clone()
            } else {
                booking.branch.phone.clone()
            }
        ),
    }
}

pub async fn cancel(state: &AppState, token: &str, client: &ClientInfo) -> Result<(), AppError> {
    const REASON: &str = "Cancelled by the patient online";
    let grant = state.keys.verify_manage(token).ok_or_else(link_refused)?;
    let mut tx = state.db.tenant_planned_once(grant.org_id).await?;
    let Managed { org, current, booking } = managed(state, &mut tx, token).await?;
    if !booking.can_change {
        return Err(too_late(&booking));
    }
    current.status.transition(Status::Cancelled)?;
    appointments::set_status(&mut tx, org, current.id, Status::Cancelled, Some(REASON)).await?;
    let cancelled = appointments::recorded_one(&mut tx, org, current.id, zone(&booking.branch.timezone)).await?;
    record(
        &mut tx,
        state,
        Actor::patient(org, client.ip.as_deref()),
        "appointment.cancelled_online",
        &cancelled,
        Change::Cancelled {
            before: current.status,
            reason: REASON,
        },
        Some(MessageKind::Cancellation),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Moves the booking to another free time of the same service and practitioner.
pub async fn reschedule(
    state: &AppState,
    token: &str,
    starts_at: DateTime<Utc>,
    client: &ClientInfo,
) -> Result<Booked, AppError> {
    let grant = state.keys.verify_manage(token).ok_or_else(link_refused)?;
    let moved = scheduling::write(state, grant.org_id, || async {
        let mut tx = state.db.tenant_planned_once(grant.org_id).await?;
        let Managed { org, current, booking } = managed(state, &mut tx, token).await?;
        if !booking.can_change {
            return Err(too_late(&booking));
        }
        let tz = zone(&booking.branch.timezone);
        let day = starts_at.with_timezone(&tz).date_naive();
        let ask = Ask {
            branch_id: current.branch_id,
            service_id: current.service_id,
            practitioner: Some(current.practitioner_id),
            except: Some(current.id),
        };
        let (setup, free) = free_slots(&mut tx, org, &ask, day, day).await?;
        if !free.iter().any(|s| s.starts_at == starts_at) {
            return Ok(Attempt::Done(Booked::Taken));
        }
        let before = appointments::view_of(&mut tx, org, current.id, tz).await?;
        let targets = [Target {
            id: current.id,
            room_id: current.room_id,
            starts: starts_at,
            ends: starts_at + Duration::minutes(setup.needs.minutes),
            was: Was {
                practitioner_id: current.practitioner_id,
                starts: current.starts_at,
                ends: current.ends_at,
            },
        }];
        let relocation = Relocation {
            branch_id: current.branch_id,
            practitioner_id: current.practitioner_id,
            needs: Needs::offered(current.service_id, &setup.needs),
            room_id: None,
            targets: &targets,
        };
        match scheduling::relocate(&mut tx, org, &relocation).await? {
            Outcome::Done(()) => {}
            Outcome::Refused(_) => return Ok(Attempt::Done(Booked::Taken)),
            Outcome::Again => return Ok(Attempt::Again),
        }
        let moved = appointments::recorded_one(&mut tx, org, current.id, tz).await?;
        record(
            &mut tx,
            state,
            Actor::patient(org, client.ip.as_deref()),
            "appointment.rescheduled_online",
            &moved,
            Change::Moved { before: &before },
            Some(MessageKind::Reschedule),
        )
        .await?;
        tx.commit().await?;
        Ok(Attempt::Done(Booked::Done {
            token: outbox::manage_token(state, org, current.id, starts_at)?,
        }))
    })
    .await?;
    Ok(moved.unwrap_or(Booked::Taken))
}

/// The patient's "choose another time" page: the same service with the same
/// practitioner (the booking's own time does not stand in the way).
pub async fn move_options(
    state: &AppState,
    token: &str,
    date: Option<NaiveDate>,
    wanted: Option<DateTime<Utc>>,
) -> Result<PortalDay, AppError> {
    let grant = state.keys.verify_manage(token).ok_or_else(link_refused)?;
    let mut tx = state.db.tenant(grant.org_id).await?;
    let Managed { current, booking, .. } = managed(state, &mut tx, token).await?;
    tx.commit().await?;
    if !booking.can_change {
        return Err(too_late(&booking));
    }
    let ask = Ask {
        branch_id: current.branch_id,
        service_id: current.service_id,
        practitioner: Some(current.practitioner_id),
        except: Some(current.id),
    };
    day(state, &booking.slug, ask, date, wanted).await
}
