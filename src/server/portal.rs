//! The online booking portal's use cases. No one is signed in: everything is scoped to
//! the organization the address names, and to what it offers online.

use chrono::{DateTime, Duration, NaiveDate, NaiveTime, Utc};
use serde_json::json;
use uuid::Uuid;

use super::{
    auth::throttle,
    db::{
        appointments::{self, NewRow},
        audit, branches, catalog, patients, portal,
        sessions::ClientInfo,
        Tx,
    },
    outbox, realtime, AppState,
};
use crate::domain::{
    appointment::{AppointmentView, Source, Span, Status},
    availability::{any_practitioner, nearest, slots, Slot},
    messages::MessageKind,
    money::format_minor,
    portal::{
        PortalBooking, PortalBranch, PortalConfirm, PortalDay, PortalOrg, PortalPatient, PortalPractitioner,
        PortalService,
    },
    realtime::{Envelope, Event},
    time::{local_to_utc, utc_to_local, zone},
    AppError,
};

/// How many days the slot page looks at once.
const WINDOW_DAYS: i64 = 14;

fn not_found() -> AppError {
    AppError::NotFound("This booking page does not exist. Check the address with your clinic.".into())
}

async fn org_id(state: &AppState, slug: &str) -> Result<Uuid, AppError> {
    portal::organization(state.db.pool(), slug).await?.ok_or_else(not_found)
}

/// The organization as the portal shows it, and its currency.
async fn org_view(tx: &mut Tx, org_id: Uuid, slug: &str) -> Result<(PortalOrg, String), AppError> {
    let org = sqlx::query!("select name, currency from organizations where id = $1", org_id)
        .fetch_one(&mut **tx)
        .await?;
    let branches = branches::list(tx, org_id)
        .await?
        .into_iter()
        .map(|b| PortalBranch {
            id: b.id,
            name: b.name,
            address: b.address,
            phone: b.phone,
            timezone: b.timezone,
        })
        .collect();
    let view = PortalOrg {
        slug: slug.to_owned(),
        name: org.name,
        branches,
    };
    Ok((view, org.currency))
}

fn branch_of(view: &PortalOrg, branch_id: Uuid) -> Result<PortalBranch, AppError> {
    view.branches
        .iter()
        .find(|b| b.id == branch_id)
        .cloned()
        .ok_or_else(not_found)
}

pub async fn organization(state: &AppState, slug: &str) -> Result<PortalOrg, AppError> {
    let org = org_id(state, slug).await?;
    let mut tx = state.db.tenant(org).await?;
    let (view, _) = org_view(&mut tx, org, slug).await?;
    tx.commit().await?;
    Ok(view)
}

/// The services one can book online at a branch.
pub async fn services(
    state: &AppState,
    slug: &str,
    branch_id: Uuid,
) -> Result<(PortalOrg, PortalBranch, Vec<PortalService>), AppError> {
    let org = org_id(state, slug).await?;
    let mut tx = state.db.tenant(org).await?;
    let (view, currency) = org_view(&mut tx, org, slug).await?;
    let branch = branch_of(&view, branch_id)?;
    let list = catalog::services(&mut tx, org)
        .await?
        .into_iter()
        .filter(|s| s.active && s.online_bookable)
        .map(|s| PortalService {
            id: s.id,
            name: s.name,
            minutes: s.duration_minutes,
            price: format_minor(s.price_minor, &currency),
        })
        .collect();
    tx.commit().await?;
    Ok((view, branch, list))
}

/// What a page of free times asks for.
#[derive(Debug, Clone, Copy)]
pub struct Ask {
    pub branch_id: Uuid,
    pub service_id: Uuid,
    /// `None`: any available practitioner.
    pub practitioner: Option<Uuid>,
    /// An appointment being moved: its own time does not stand in the way.
    pub except: Option<Uuid>,
}

/// Free times between two local days. Two queries read all the engine needs.
pub async fn free_slots(
    tx: &mut Tx,
    org: Uuid,
    ask: &Ask,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<(portal::Setup, Vec<Slot>), AppError> {
    let mut setup = portal::setup(tx, org, ask.branch_id, ask.service_id, from, to)
        .await?
        .filter(|s| s.service_active)
        .ok_or_else(not_found)?;
    if let Some(p) = ask.practitioner {
        if !setup.practitioners.iter().any(|(id, _)| *id == p) {
            return Err(not_found());
        }
        setup.world.hours.retain(|(id, _)| *id == p);
    }
    let tz = zone(&setup.timezone);
    let givers: Vec<Uuid> = setup.practitioners.iter().map(|(id, _)| *id).collect();
    // A day's first slot's buffer may reach into the day before; a few hours' margin
    // covers every buffer.
    let start = local_to_utc(tz, from.and_time(NaiveTime::MIN)) - Duration::hours(3);
    let end = local_to_utc(tz, (to + Duration::days(1)).and_time(NaiveTime::MIN)) + Duration::hours(3);
    portal::busy(
        tx,
        org,
        ask.branch_id,
        &givers,
        (start, end),
        ask.except,
        &mut setup.world,
    )
    .await?;
    let found = slots(tz, Utc::now(), setup.rules, &setup.needs, &setup.world, from, to);
    let found = if ask.practitioner.is_none() {
        any_practitioner(found)
    } else {
        found
    };
    Ok((setup, found))
}

/// The slot page: a fortnight's free times around `date`. `wanted` is a time that was
/// just taken: the nearest free ones are offered.
pub async fn day(
    state: &AppState,
    slug: &str,
    ask: Ask,
    date: Option<NaiveDate>,
    wanted: Option<DateTime<Utc>>,
) -> Result<PortalDay, AppError> {
    let org = org_id(state, slug).await?;
    let mut tx = state.db.tenant(org).await?;
    let (view, currency) = org_view(&mut tx, org, slug).await?;
    let branch = branch_of(&view, ask.branch_id)?;
    let tz = zone(&branch.timezone);
    let today = utc_to_local(Utc::now(), tz).date();
    let chosen = date
        .or(wanted.map(|w| utc_to_local(w, tz).date()))
        .unwrap_or(today)
        .max(today);
    let from = today.max(chosen - Duration::days(chosen.signed_duration_since(today).num_days() % WINDOW_DAYS));
    let to = from + Duration::days(WINDOW_DAYS - 1);
    let (setup, found) = free_slots(&mut tx, org, &ask, from, to).await?;
    tx.commit().await?;
    let days = (0..WINDOW_DAYS)
        .map(|n| from + Duration::days(n))
        .map(|d| (d, found.iter().filter(|s| s.local_date == d).count()))
        .collect();
    // A date without a choice yet shows the first day with free times.
    let date = match date {
        Some(d) => d,
        None => found.first().map_or(chosen, |s| s.local_date),
    };
    Ok(PortalDay {
        org: view,
        branch,
        service: PortalService {
            id: ask.service_id,
            name: setup.service_name,
            minutes: setup.needs.minutes as i32,
            price: format_minor(setup.price_minor, &currency),
        },
        practitioners: setup
            .practitioners
            .into_iter()
            .map(|(id, name)| PortalPractitioner { id, name })
            .collect(),
        practitioner: ask.practitioner,
        days,
        today,
        date,
        slots: found.iter().filter(|s| s.local_date == date).cloned().collect(),
        nearest: wanted.map(|w| nearest(&found, w, 3)).unwrap_or_default(),
    })
}

/// The confirmation step: what is about to be booked, and a fresh one-time key for the form.
pub async fn confirm(state: &AppState, slug: &str, ask: Ask, at: DateTime<Utc>) -> Result<PortalConfirm, AppError> {
    let (view, branch, services) = services(state, slug, ask.branch_id).await?;
    let service = services
        .into_iter()
        .find(|s| s.id == ask.service_id)
        .ok_or_else(not_found)?;
    let name = match ask.practitioner {
        Some(p) => {
            let org = org_id(state, slug).await?;
            let mut tx = state.db.tenant(org).await?;
            let name = sqlx::query_scalar!(
                "select full_name from users where org_id = $1 and id = $2 and is_active",
                org,
                p
            )
            .fetch_optional(&mut *tx)
            .await?
            .ok_or_else(not_found)?;
            tx.commit().await?;
            Some(name)
        }
        None => None,
    };
    Ok(PortalConfirm {
        org_name: view.name,
        when: at
            .with_timezone(&zone(&branch.timezone))
            .format("%A %-d %B %Y at %H:%M")
            .to_string(),
        branch,
        service,
        practitioner: name,
        key: Uuid::new_v4().to_string(),
    })
}

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
    // Bookings are counted, not judged: the attempt is marked as succeeded so that it
    // never feeds a lock-out.
    throttle::begin_with_limit(
        state.db.pool(),
        throttle::Kind::PortalBooking,
        &account,
        client.ip.as_deref(),
        state.config.portal_bookings_per_ip_minute,
        state.config.login_attempts_per_ip_minute,
    )
    .await?
    .succeeded(state.db.pool())
    .await?;

    let org = org_id(state, request.slug).await?;
    let mut tx = state.db.tenant(org).await?;
    portal::lock_request(&mut tx, request.key).await?;
    if let Some((appointment, starts_at)) = portal::earlier_request(&mut tx, org, request.key).await? {
        tx.commit().await?;
        return Ok(Booked::Done {
            token: outbox::manage_token(state, org, appointment, starts_at)?,
        });
    }

    // The time must still be one the portal offers (rules, hours, buffers, rooms).
    let tz_name = sqlx::query_scalar!(
        "select timezone from branches where org_id = $1 and id = $2",
        org,
        request.branch_id
    )
    .fetch_optional(&mut *tx)
    .await?
    .ok_or_else(not_found)?;
    let day = utc_to_local(request.starts_at, zone(&tz_name)).date();
    let ask = Ask {
        branch_id: request.branch_id,
        service_id: request.service_id,
        practitioner: request.practitioner,
        except: None,
    };
    let (setup, free) = free_slots(&mut tx, org, &ask, day, day).await?;
    let Some(slot) = free.into_iter().find(|s| s.starts_at == request.starts_at) else {
        return Ok(Booked::Taken);
    };

    let p = &request.patient;
    let email = p.email.as_ref().map_or("", |e| e.as_str());
    let patient_id = match patients::find_by_contact(&mut tx, org, p.phone.as_str(), email).await? {
        Some(id) => {
            patients::add_consents(
                &mut tx,
                org,
                id,
                p.phone.as_str(),
                email,
                p.consent_sms,
                p.consent_email,
            )
            .await?;
            id
        }
        None => {
            let id = patients::create_quick(&mut tx, org, p.name.as_str(), p.phone.as_str()).await?;
            patients::complete_contact(&mut tx, org, id, email, p.consent_sms, p.consent_email).await?;
            id
        }
    };
    let ends_at = slot.starts_at + Duration::minutes(setup.needs.minutes);
    let span = Span::blocked(
        slot.starts_at,
        ends_at,
        setup.needs.buffer_before_minutes,
        setup.needs.buffer_after_minutes,
    );
    let room_id = match &setup.needs.room_kind {
        Some(kind) => match appointments::free_room(&mut tx, org, request.branch_id, kind, span, None).await? {
            Some(room) => Some(room),
            None => return Ok(Booked::Taken),
        },
        None => None,
    };
    let Ok(resources) =
        appointments::free_resources(&mut tx, org, request.branch_id, &setup.needs.resource_kinds, span).await?
    else {
        return Ok(Booked::Taken);
    };
    let row = NewRow {
        branch_id: request.branch_id,
        patient_id,
        practitioner_id: slot.practitioner_id,
        service_id: request.service_id,
        room_id,
        series_id: None,
        starts_at: slot.starts_at,
        ends_at,
        buffer_before_minutes: setup.needs.buffer_before_minutes,
        buffer_after_minutes: setup.needs.buffer_after_minutes,
        source: Source::Portal,
        notes: "",
        created_by: None,
    };
    // The exclusion constraints decide races: the loser's transaction ends here.
    let inserted = match appointments::insert(&mut tx, org, &row).await {
        Ok(id) => appointments::attach_resources(&mut tx, org, id, &resources)
            .await
            .map(|()| id),
        Err(err) => Err(err),
    };
    let id = match inserted {
        Ok(id) => id,
        Err(err)
            if err
                .as_database_error()
                .is_some_and(|e| e.code().as_deref() == Some("23P01")) =>
        {
            return Ok(Booked::Taken)
        }
        Err(err) => return Err(err.into()),
    };
    portal::remember_request(&mut tx, org, request.key, id).await?;
    announce_change(
        &mut tx,
        state,
        org,
        id,
        "appointment.booked_online",
        MessageKind::BookingConfirmation,
        client,
    )
    .await?;
    tx.commit().await?;
    Ok(Booked::Done {
        token: outbox::manage_token(state, org, id, slot.starts_at)?,
    })
}

/// Audit entry, realtime event and patient message for a portal change, in its transaction.
async fn announce_change(
    tx: &mut Tx,
    state: &AppState,
    org: Uuid,
    appointment: Uuid,
    action: &str,
    message: MessageKind,
    client: &ClientInfo,
) -> Result<(), AppError> {
    let branch_tz = sqlx::query_scalar!(
        "select b.timezone from appointments a join branches b on b.id = a.branch_id where a.id = $1",
        appointment
    )
    .fetch_one(&mut **tx)
    .await?;
    let view: AppointmentView = appointments::by_ids(tx, org, &[appointment], zone(&branch_tz))
        .await?
        .pop()
        .ok_or_else(|| AppError::not_found("That appointment"))?;
    audit::record(
        tx,
        audit::Entry {
            org_id: org,
            branch_id: Some(view.branch_id),
            actor: None,
            action,
            entity: "appointment",
            entity_id: Some(appointment),
            diff: json!({"after": {"patient": view.patient_name, "starts_at": view.starts_at, "status": view.status.as_str(), "by": "patient online"}}),
            ip: client.ip.as_deref(),
        },
    )
    .await?;
    outbox::queue(tx, state, org, appointment, message).await?;
    let event = match message {
        MessageKind::BookingConfirmation => Event::AppointmentCreated {
            appointment: view.clone(),
        },
        MessageKind::Cancellation => Event::AppointmentCancelled {
            appointment: view.clone(),
        },
        MessageKind::Reschedule => Event::AppointmentUpdated {
            appointment: view.clone(),
        },
    };
    realtime::publish(
        tx,
        &Envelope {
            org_id: org,
            branch_id: view.branch_id,
            event,
        },
    )
    .await
}

fn link_refused() -> AppError {
    AppError::NotFound("This link is not valid or has expired. Contact your clinic to change your appointment.".into())
}

/// The appointment a manage link names, locked, with what the patient sees.
async fn managed(
    state: &AppState,
    tx: &mut Tx,
    token: &str,
) -> Result<(Uuid, appointments::Current, PortalBooking), AppError> {
    let grant = state.keys.verify_manage(token).ok_or_else(link_refused)?;
    let current = appointments::lock(tx, grant.org_id, grant.appointment_id)
        .await?
        .ok_or_else(link_refused)?;
    let row = sqlx::query!(
        "select o.name as org_name, o.slug, b.id as branch_id, b.name as branch_name, b.address, b.phone, b.timezone,
                b.cancellation_window_hours, s.name as service, u.full_name as practitioner
         from appointments a join organizations o on o.id = a.org_id join branches b on b.id = a.branch_id
         join services s on s.id = a.service_id join users u on u.id = a.practitioner_id
         where a.id = $1",
        grant.appointment_id,
    )
    .fetch_one(&mut **tx)
    .await?;
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
    Ok((grant.org_id, current, booking))
}

pub async fn booking(state: &AppState, token: &str) -> Result<PortalBooking, AppError> {
    let grant = state.keys.verify_manage(token).ok_or_else(link_refused)?;
    let mut tx = state.db.tenant(grant.org_id).await?;
    let (_, _, booking) = managed(state, &mut tx, token).await?;
    tx.commit().await?;
    Ok(booking)
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
    let grant = state.keys.verify_manage(token).ok_or_else(link_refused)?;
    let mut tx = state.db.tenant(grant.org_id).await?;
    let (org, current, booking) = managed(state, &mut tx, token).await?;
    if !booking.can_change {
        return Err(too_late(&booking));
    }
    current.status.transition(Status::Cancelled)?;
    appointments::set_status(
        &mut tx,
        org,
        current.id,
        Status::Cancelled,
        Some("Cancelled by the patient online"),
    )
    .await?;
    announce_change(
        &mut tx,
        state,
        org,
        current.id,
        "appointment.cancelled_online",
        MessageKind::Cancellation,
        client,
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
    let mut tx = state.db.tenant(grant.org_id).await?;
    let (org, current, booking) = managed(state, &mut tx, token).await?;
    if !booking.can_change {
        return Err(too_late(&booking));
    }
    let tz_name = sqlx::query_scalar!("select timezone from branches where id = $1", current.branch_id)
        .fetch_one(&mut *tx)
        .await?;
    let day = utc_to_local(starts_at, zone(&tz_name)).date();
    let ask = Ask {
        branch_id: current.branch_id,
        service_id: current.service_id,
        practitioner: Some(current.practitioner_id),
        except: Some(current.id),
    };
    let (setup, free) = free_slots(&mut tx, org, &ask, day, day).await?;
    if !free.iter().any(|s| s.starts_at == starts_at) {
        return Ok(Booked::Taken);
    }
    let ends_at = starts_at + Duration::minutes(setup.needs.minutes);
    // The room it had may be taken at the new time while another of its kind is free.
    let span = Span::blocked(
        starts_at,
        ends_at,
        setup.needs.buffer_before_minutes,
        setup.needs.buffer_after_minutes,
    );
    let room_id = match (&setup.needs.room_kind, current.room_id) {
        (Some(kind), _) => {
            match appointments::free_room(&mut tx, org, current.branch_id, kind, span, Some(current.id)).await? {
                Some(room) => Some(room),
                None => return Ok(Booked::Taken),
            }
        }
        (None, room) => room,
    };
    match appointments::move_to(
        &mut tx,
        org,
        current.id,
        starts_at,
        ends_at,
        current.practitioner_id,
        room_id,
    )
    .await
    {
        Ok(()) => {}
        Err(err)
            if err
                .as_database_error()
                .is_some_and(|e| e.code().as_deref() == Some("23P01")) =>
        {
            return Ok(Booked::Taken)
        }
        Err(err) => return Err(err.into()),
    }
    announce_change(
        &mut tx,
        state,
        org,
        current.id,
        "appointment.rescheduled_online",
        MessageKind::Reschedule,
        client,
    )
    .await?;
    tx.commit().await?;
    Ok(Booked::Done {
        token: outbox::manage_token(state, org, current.id, starts_at)?,
    })
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
    let (_, current, booking) = managed(state, &mut tx, token).await?;
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
