//! The working-hours rule for staff bookings and moves (the portal offers only times
//! inside the hours, from the availability engine).

use chrono::{DateTime, Datelike, Utc};
use chrono_tz::Tz;
use uuid::Uuid;

use crate::{
    domain::{
        schedule::{format_day, minute_of_day, within_hours, WorkingInterval},
        time::utc_to_local,
        AppError,
    },
    server::db::{schedules, Tx},
};

/// Who is booked, and where.
#[derive(Debug, Clone, Copy)]
pub struct Practitioner<'a> {
    pub id: Uuid,
    pub name: &'a str,
}

/// Why a time does not suit the practitioner, if it does not: the branch is closed,
/// they are away, or it is outside their hours.
#[allow(clippy::too_many_arguments)]
pub async fn hours_problem(
    tx: &mut Tx,
    org_id: Uuid,
    branch_id: Uuid,
    tz: Tz,
    practitioner: Practitioner<'_>,
    starts: DateTime<Utc>,
    ends: DateTime<Utc>,
    hours: &[WorkingInterval],
) -> Result<Option<String>, AppError> {
    let (start, end) = (utc_to_local(starts, tz), utc_to_local(ends, tz));
    let day = start.date();
    if let Some((_, _, name)) = schedules::closures(tx, org_id, branch_id, day, day).await?.first() {
        let why = if name.is_empty() {
            String::new()
        } else {
            format!(" ({name})")
        };
        return Ok(Some(format!("The branch is closed on {}{why}.", day.format("%-d %b"))));
    }
    if let Some(off) = schedules::time_off(tx, org_id, starts, ends)
        .await?
        .into_iter()
        .find(|o| o.user_id == practitioner.id)
    {
        let why = if off.reason.is_empty() {
            String::new()
        } else {
            format!(" ({})", off.reason)
        };
        return Ok(Some(format!("{} is away then{why}.", practitioner.name)));
    }
    let weekday = day.weekday().number_from_monday() as u8;
    let end_minute = if end.date() > day {
        24 * 60
    } else {
        minute_of_day(end.time())
    };
    if within_hours(hours, weekday, minute_of_day(start.time()), end_minute) {
        return Ok(None);
    }
    let today = format_day(hours, weekday);
    let hours_text = if today.is_empty() {
        "not working that day".to_owned()
    } else {
        format!("hours {today}")
    };
    Ok(Some(format!(
        "{} does not work at {} on {} ({hours_text}).",
        practitioner.name,
        start.format("%H:%M"),
        day.format("%A"),
    )))
}

/// Applies the working-hours rule: refuses, or lets a permitted override through.
pub fn hours_rule(problem: Option<String>, may_override: bool, override_hours: bool) -> Result<(), AppError> {
    match problem {
        None => Ok(()),
        Some(_) if override_hours && may_override => Ok(()),
        Some(message) if may_override => Err(AppError::Conflict {
            field: Some("override_hours".into()),
            message: format!("{message} Tick “Book outside working hours” to book anyway."),
        }),
        Some(message) => Err(AppError::field(
            "time",
            format!("{message} Choose a time within their hours."),
        )),
    }
}
