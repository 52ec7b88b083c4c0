//! Working time: a practitioner's weekly hours at a branch (several intervals a day,
//! so breaks are natural), and the check that an appointment lies inside them.

use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime, NaiveTime, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use super::{
    branch::WEEKDAYS,
    error::{AppError, FieldError},
    time::utc_to_local,
};

/// One working interval; `weekday` 1 is Monday (ISO 8601).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkingInterval {
    pub weekday: u8,
    pub starts: NaiveTime,
    pub ends: NaiveTime,
}

/// Minutes since local midnight.
pub fn minute_of_day(time: NaiveTime) -> u32 {
    use chrono::Timelike;
    time.hour() * 60 + time.minute()
}

/// Parses a day's intervals as typed: `09:00-12:30, 13:30-17:00` (empty: not working).
pub fn parse_day(field: &str, weekday: u8, raw: &str) -> Result<Vec<WorkingInterval>, FieldError> {
    let name = WEEKDAYS
        .get(usize::from(weekday.saturating_sub(1)))
        .map_or("that day", |(_, n)| n);
    let invalid = || {
        FieldError::new(
            field,
            format!("On {name}, write times like 09:00-12:30, 13:30-17:00 (or leave it empty)."),
        )
    };
    let mut intervals = Vec::new();
    for part in raw.split([',', ';']).map(str::trim).filter(|p| !p.is_empty()) {
        let (start, end) = part.split_once(['-', '–']).ok_or_else(invalid)?;
        let parse = |t: &str| NaiveTime::parse_from_str(t.trim(), "%H:%M").map_err(|_| invalid());
        let (starts, ends) = (parse(start)?, parse(end)?);
        if starts >= ends {
            return Err(FieldError::new(
                field,
                format!("On {name}, each interval must end after it starts."),
            ));
        }
        intervals.push(WorkingInterval { weekday, starts, ends });
    }
    intervals.sort_by_key(|i| i.starts);
    if intervals.windows(2).any(|w| w[0].ends > w[1].starts) {
        return Err(FieldError::new(field, format!("On {name}, the intervals overlap.")));
    }
    Ok(intervals)
}

/// Someone's weekly hours as posted: one field per weekday, Monday first (`days[0]` …
/// `days[6]`), each like `09:00-12:30, 13:30-17:00`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct WeekForm {
    pub days: Vec<String>,
}

impl WeekForm {
    /// Every weekday's intervals; a problem is named on its day (`days.mon`).
    pub fn parse(&self) -> Result<Vec<WorkingInterval>, AppError> {
        let mut hours = Vec::new();
        let mut errors = Vec::new();
        for (n, (key, _)) in WEEKDAYS.iter().enumerate() {
            let raw = self.days.get(n).map(String::as_str).unwrap_or_default();
            match parse_day(&format!("days.{key}"), n as u8 + 1, raw) {
                Ok(day) => hours.extend(day),
                Err(e) => errors.push(e),
            }
        }
        if errors.is_empty() {
            Ok(hours)
        } else {
            Err(AppError::Validation(errors))
        }
    }
}

/// Time off to record, in the branch's local time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimeOff {
    pub from: NaiveDateTime,
    pub until: NaiveDateTime,
    pub reason: String,
}

/// The time-off form as posted (`2026-12-24T08:00`, as a date-time field sends it).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimeOffForm {
    pub from: String,
    pub until: String,
    #[serde(default)]
    pub reason: String,
}

impl TimeOffForm {
    pub fn parse(&self) -> Result<TimeOff, AppError> {
        let at = |field: &str, raw: &str| {
            NaiveDateTime::parse_from_str(raw.trim(), "%Y-%m-%dT%H:%M")
                .map_err(|_| FieldError::new(field, "Enter a date and time like 2026-12-24T08:00."))
        };
        match (at("from", &self.from), at("until", &self.until)) {
            (Ok(from), Ok(until)) if until <= from => Err(AppError::field("until", "The end must be after the start.")),
            (Ok(from), Ok(until)) => Ok(TimeOff {
                from,
                until,
                reason: self.reason.trim().to_owned(),
            }),
            (from, until) => Err(AppError::Validation(
                [from.err(), until.err()].into_iter().flatten().collect(),
            )),
        }
    }
}

/// A day the branch is closed, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Closure {
    pub day: NaiveDate,
    pub name: String,
}

/// The closed-day form as posted.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClosureForm {
    pub day: String,
    #[serde(default)]
    pub name: String,
}

impl ClosureForm {
    pub fn parse(&self) -> Result<Closure, AppError> {
        let day = NaiveDate::parse_from_str(self.day.trim(), "%Y-%m-%d")
            .map_err(|_| AppError::field("day", "Enter a date like 2026-12-25."))?;
        Ok(Closure {
            day,
            name: self.name.trim().to_owned(),
        })
    }
}

/// A day's intervals as the form shows them.
pub fn format_day(intervals: &[WorkingInterval], weekday: u8) -> String {
    intervals
        .iter()
        .filter(|i| i.weekday == weekday)
        .map(|i| format!("{}-{}", i.starts.format("%H:%M"), i.ends.format("%H:%M")))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Whether `[start, end)` (minutes of the local day) lies inside one working interval
/// of `weekday`. Buffers are the practitioner's own preparation and are not checked.
pub fn within_hours(hours: &[WorkingInterval], weekday: u8, start: u32, end: u32) -> bool {
    hours
        .iter()
        .filter(|i| i.weekday == weekday)
        .any(|i| minute_of_day(i.starts) <= start && end <= minute_of_day(i.ends))
}

/// What a practitioner's time is checked against when staff book or move them: their
/// weekly hours at the branch, the branch's closed days and their time off, read once for
/// every occurrence of a booking.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rota {
    pub hours: Vec<WorkingInterval>,
    pub closures: Vec<Closure>,
    pub away: Vec<Away>,
}

/// A stretch of a practitioner's time off.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Away {
    pub starts: DateTime<Utc>,
    pub ends: DateTime<Utc>,
    pub reason: String,
}

impl Rota {
    /// Why `[starts, ends)` does not suit `name`, if it does not: the branch is closed,
    /// they are away, or it is outside their hours.
    pub fn problem(&self, tz: Tz, name: &str, starts: DateTime<Utc>, ends: DateTime<Utc>) -> Option<String> {
        let (start, end) = (utc_to_local(starts, tz), utc_to_local(ends, tz));
        let day = start.date();
        let why = |text: &str| {
            if text.is_empty() {
                String::new()
            } else {
                format!(" ({text})")
            }
        };
        if let Some(closed) = self.closures.iter().find(|c| c.day == day) {
            return Some(format!(
                "The branch is closed on {}{}.",
                day.format("%-d %b"),
                why(&closed.name)
            ));
        }
        if let Some(off) = self.away.iter().find(|a| a.starts < ends && starts < a.ends) {
            return Some(format!("{name} is away then{}.", why(&off.reason)));
        }
        let weekday = day.weekday().number_from_monday() as u8;
        let end_minute = if end.date() > day {
            24 * 60
        } else {
            minute_of_day(end.time())
        };
        if within_hours(&self.hours, weekday, minute_of_day(start.time()), end_minute) {
            return None;
        }
        let today = format_day(&self.hours, weekday);
        let hours = if today.is_empty() {
            "not working that day".to_owned()
        } else {
            format!("hours {today}")
        };
        Some(format!(
            "{name} does not work at {} on {} ({hours}).",
            start.format("%H:%M"),
            day.format("%A"),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_day_with_a_break_parses_and_formats_back() {
        let day = parse_day("hours.mon", 1, "13:30-17:00, 09:00 - 12:30").unwrap();
        assert_eq!(day.len(), 2);
        assert_eq!(format_day(&day, 1), "09:00-12:30, 13:30-17:00");
        assert!(parse_day("f", 1, "").unwrap().is_empty());
    }

    #[test]
    fn bad_or_overlapping_intervals_are_refused() {
        assert!(parse_day("f", 2, "9-5").is_err());
        assert!(parse_day("f", 2, "17:00-09:00").is_err());
        let err = parse_day("f", 2, "09:00-13:00, 12:00-17:00").unwrap_err();
        assert!(err.message.contains("Tuesday") && err.message.contains("overlap"));
    }

    #[test]
    fn appointments_must_fit_one_interval() {
        let day = parse_day("f", 3, "09:00-12:30, 13:30-17:00").unwrap();
        assert!(within_hours(&day, 3, 9 * 60, 10 * 60));
        assert!(within_hours(&day, 3, 12 * 60, 12 * 60 + 30));
        assert!(!within_hours(&day, 3, 12 * 60, 13 * 60 + 45), "across the break");
        assert!(!within_hours(&day, 3, 8 * 60 + 45, 9 * 60 + 30), "before opening");
        assert!(!within_hours(&day, 4, 9 * 60, 10 * 60), "another weekday");
    }

    #[test]
    fn a_rota_names_a_closure_then_time_off_then_the_hours() {
        let berlin = crate::domain::time::zone("Europe/Berlin");
        let at = |h: u32, m: u32| {
            crate::domain::time::local_to_utc(
                berlin,
                NaiveDate::from_ymd_opt(2026, 12, 9)
                    .unwrap()
                    .and_hms_opt(h, m, 0)
                    .unwrap(),
            )
        };
        let mut rota = Rota {
            hours: parse_day("f", 3, "09:00-12:30, 13:30-17:00").unwrap(),
            ..Rota::default()
        };
        assert_eq!(rota.problem(berlin, "Ana", at(9, 0), at(9, 30)), None);
        let outside = rota.problem(berlin, "Ana", at(12, 15), at(13, 0)).unwrap();
        assert_eq!(
            outside,
            "Ana does not work at 12:15 on Wednesday (hours 09:00-12:30, 13:30-17:00)."
        );
        rota.away.push(Away {
            starts: at(9, 20),
            ends: at(11, 0),
            reason: "Training".into(),
        });
        assert_eq!(
            rota.problem(berlin, "Ana", at(9, 0), at(9, 30)).unwrap(),
            "Ana is away then (Training)."
        );
        assert_eq!(
            rota.problem(berlin, "Ana", at(11, 0), at(11, 30)),
            None,
            "time off ends as the visit starts"
        );
        rota.closures.push(Closure {
            day: NaiveDate::from_ymd_opt(2026, 12, 9).unwrap(),
            name: String::new(),
        });
        assert_eq!(
            rota.problem(berlin, "Ana", at(9, 0), at(9, 30)).unwrap(),
            "The branch is closed on 9 Dec."
        );
    }
}

/// Someone who can be given hours at a branch, with their weekly hours there.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PersonHours {
    pub id: uuid::Uuid,
    pub name: String,
    pub hours: Vec<WorkingInterval>,
}

/// A stretch of time off, in the branch's time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimeOffRow {
    pub id: uuid::Uuid,
    pub who: String,
    pub from: String,
    pub until: String,
    pub reason: String,
}

/// A day the branch is closed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClosureRow {
    pub id: uuid::Uuid,
    pub day: String,
    pub name: String,
}

/// The working-hours settings page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HoursPage {
    pub people: Vec<PersonHours>,
    pub time_off: Vec<TimeOffRow>,
    pub closures: Vec<ClosureRow>,
}
