//! The online booking portal's use cases. No one is signed in: everything is scoped to
//! the organization the address names, and to what it offers online. The pages here and
//! in `pages`; booking in `book`; the patient's manage link in `manage` (and its calendar
//! file, the one route here); the staff's "Online booking" settings in `settings`.

mod book;
mod manage;
mod pages;
pub mod settings;

use axum::{
    extract::{Path, State},
    http::{header, Method},
    response::{IntoResponse, Response},
};

pub use book::{book, Booked, PortalRequest};
pub use manage::{booking, calendar_file, cancel, move_options, reschedule};
pub use pages::{confirm, day, organization, services};

use chrono::{Duration, NaiveDate, NaiveTime, Utc};
use uuid::Uuid;

use super::{
    db::{branches, portal, Tx},
    routing::Routes,
    AppState,
};
use crate::domain::{
    availability::{any_practitioner, slots, Slot},
    portal::{PortalBranch, PortalOrg},
    time::{local_to_utc, zone},
    AppError,
};

/// The portal's routes outside its pages and server functions.
pub fn routes() -> Routes {
    Routes::new().add(Method::GET, "/manage/{token}/appointment.ics", appointment_ics)
}

/// `GET /manage/{token}/appointment.ics`: the booking as a file for the patient's calendar.
async fn appointment_ics(State(state): State<AppState>, Path(token): Path<String>) -> Response {
    match calendar_file(&state, &token).await {
        Ok(ics) => (
            [
                (header::CONTENT_TYPE, "text/calendar; charset=utf-8"),
                (header::CONTENT_DISPOSITION, "attachment; filename=\"appointment.ics\""),
                (header::CACHE_CONTROL, "no-store"),
            ],
            ics,
        )
            .into_response(),
        Err(err) => err.into_response(),
    }
}

/// How many days the slot page looks at once.
const WINDOW_DAYS: i64 = 14;
/// A full day offers this many later days, with this many of each one's first times.
const FULL_DAY_OFFERS: (usize, usize) = (3, 4);

fn not_found() -> AppError {
    AppError::NotFound("This booking page does not exist. Check the address with your clinic.".into())
}

async fn org_id(state: &AppState, slug: &str) -> Result<Uuid, AppError> {
    portal::organization(state.db.pool(), slug).await?.ok_or_else(not_found)
}

/// The organization as the portal shows it, and its currency.
struct OrgView {
    org: PortalOrg,
    currency: String,
}

async fn org_view(tx: &mut Tx, org_id: Uuid, slug: &str) -> Result<OrgView, AppError> {
    let (name, currency) = portal::name_and_currency(tx, org_id).await?;
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
        name,
        branches,
    };
    Ok(OrgView { org: view, currency })
}

fn branch_of(view: &PortalOrg, branch_id: Uuid) -> Result<PortalBranch, AppError> {
    view.branches
        .iter()
        .find(|b| b.id == branch_id)
        .cloned()
        .ok_or_else(not_found)
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
