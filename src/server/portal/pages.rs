//! The portal's pages: the clinic, its services, a fortnight of free times, and the
//! confirmation step.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use uuid::Uuid;

use super::{branch_of, free_slots, not_found, org_id, org_view, Ask, OrgView, FULL_DAY_OFFERS, WINDOW_DAYS};
use crate::{
    domain::{
        availability::{nearest, next_free_days, Slot},
        money::format_minor,
        portal::{DayFree, PortalBranchPage, PortalConfirm, PortalDay, PortalOrg, PortalPractitioner, PortalService},
        time::{utc_to_local, zone},
        AppError,
    },
    server::{
        db::{catalog, portal},
        AppState,
    },
};

pub async fn organization(state: &AppState, slug: &str) -> Result<PortalOrg, AppError> {
    let org = org_id(state, slug).await?;
    let mut tx = state.db.tenant(org).await?;
    let view = org_view(&mut tx, org, slug).await?.org;
    tx.commit().await?;
    Ok(view)
}

/// The services one can book online at a branch.
pub async fn services(state: &AppState, slug: &str, branch_id: Uuid) -> Result<PortalBranchPage, AppError> {
    let org = org_id(state, slug).await?;
    let mut tx = state.db.tenant(org).await?;
    let OrgView { org: view, currency } = org_view(&mut tx, org, slug).await?;
    let branch = branch_of(&view, branch_id)?;
    let services = catalog::services(&mut tx, org)
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
    Ok(PortalBranchPage {
        org: view,
        branch,
        services,
    })
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
    let OrgView { org: view, currency } = org_view(&mut tx, org, slug).await?;
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
        .map(|date| DayFree {
            date,
            free: found.iter().filter(|s| s.local_date == date).count(),
        })
        .collect();
    // A date without a choice yet shows the first day with free times.
    let date = match date {
        Some(d) => d,
        None => found.first().map_or(chosen, |s| s.local_date),
    };
    let slots: Vec<Slot> = found.iter().filter(|s| s.local_date == date).cloned().collect();
    let next_free = if slots.is_empty() {
        next_free_days(&found, date, FULL_DAY_OFFERS.0, FULL_DAY_OFFERS.1)
    } else {
        Vec::new()
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
        slots,
        nearest: wanted.map(|w| nearest(&found, w, 3)).unwrap_or_default(),
        next_free,
    })
}

/// The confirmation step: what is about to be booked, and a fresh one-time key for the form.
pub async fn confirm(state: &AppState, slug: &str, ask: Ask, at: DateTime<Utc>) -> Result<PortalConfirm, AppError> {
    let PortalBranchPage {
        org: view,
        branch,
        services,
    } = services(state, slug, ask.branch_id).await?;
    let service = services
        .into_iter()
        .find(|s| s.id == ask.service_id)
        .ok_or_else(not_found)?;
    let name = match ask.practitioner {
        Some(p) => {
            let org = org_id(state, slug).await?;
            let mut tx = state.db.tenant(org).await?;
            let name = portal::practitioner_name(&mut tx, org, p)
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
