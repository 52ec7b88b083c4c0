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

/// A day's intervals from their start and end times as typed (`09:00`, or `09:00:00` as
/// some browsers send a time field); a pair with both times empty is skipped.
pub fn parse_day(field: &str, weekday: u8, pairs: &[(&str, &str)]) -> Result<Vec<WorkingInterval>, FieldError> {
    let name = WEEKDAYS
        .get(usize::from(weekday.saturating_sub(1)))
        .map_or("that day", |(_, n)| n);
    let problem = |what: &str| FieldError::new(field, format!("On {name}, {what}"));
    let time = |raw: &str| {
        let raw = raw.trim();
        NaiveTime::parse_from_str(raw, "%H:%M")
            .or_else(|_| NaiveTime::parse_from_str(raw, "%H:%M:%S"))
            .map_err(|_| problem("enter times like 09:00."))
    };
    let mut intervals = Vec::new();
    for (start, end) in pairs {
        match (start.trim(), end.trim()) {
            ("", "") => continue,
            ("", _) | (_, "") => return Err(problem("give each interval a start and an end.")),
            (start, end) => {
                let (starts, ends) = (time(start)?, time(end)?);
                if starts >= ends {
                    return Err(problem("each interval must end after it starts."));
                }
                intervals.push(WorkingInterval { weekday, starts, ends });
            }
        }
    }
    intervals.sort_by_key(|i| i.starts);
    if intervals.windows(2).any(|w| w[0].ends > w[1].starts) {
        return Err(problem("the intervals overlap."));
    }
    Ok(intervals)
}

/// One row of the hours form: an interval of a weekday. The form offers an empty row per
/// day to add one; emptying a row removes its interval.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct IntervalInput {
    /// `1` (Monday) to `7`. Text, as every field: the form arrives flattened into the
    /// server function's arguments, where serde reads each value as text.
    pub weekday: String,
    pub starts: String,
    pub ends: String,
}

/// The weekdays a day's hours are copied to: Monday to Friday.
pub const WORKWEEK: std::ops::RangeInclusive<u8> = 1..=5;

/// Someone's weekly hours as posted: `intervals[N][weekday|starts|ends]`, and `copy`, the
/// weekday whose "copy" button was pressed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct WeekForm {
    pub intervals: Vec<IntervalInput>,
    /// That weekday (`1` to `5`): its intervals replace those of the other days Monday to
    /// Friday.
    pub copy: Option<String>,
}

impl WeekForm {
    /// Every weekday's intervals; a problem is named on its day (`days.mon`).
    pub fn parse(&self) -> Result<Vec<WorkingInterval>, AppError> {
        let weekday = |raw: &str| raw.trim().parse::<u8>().ok().filter(|d| (1..=7).contains(d));
        let Some(rows) = self
            .intervals
            .iter()
            .map(|i| Some((weekday(&i.weekday)?, i.starts.as_str(), i.ends.as_str())))
            .collect::<Option<Vec<_>>>()
        else {
            return Err(AppError::field(
                "intervals",
                "Each interval needs a weekday from Monday to Sunday.",
            ));
        };
        let mut hours = Vec::new();
        let mut errors = Vec::new();
        for (n, (key, _)) in WEEKDAYS.iter().enumerate() {
            let day = n as u8 + 1;
            let pairs: Vec<(&str, &str)> = rows
                .iter()
                .filter(|(d, ..)| *d == day)
                .map(|(_, starts, ends)| (*starts, *ends))
                .collect();
            match parse_day(&format!("days.{key}"), day, &pairs) {
                Ok(intervals) => hours.extend(intervals),
                Err(e) => errors.push(e),
            }
        }
        if !errors.is_empty() {
            return Err(AppError::Validation(errors));
        }
        let copy = self.copy.as_deref().and_then(weekday).filter(|d| WORKWEEK.contains(d));
        if let Some(from) = copy {
            let source: Vec<WorkingInterval> = hours.iter().filter(|i| i.weekday == from).copied().collect();
            hours.retain(|i| !WORKWEEK.contains(&i.weekday) || i.weekday == from);
            for weekday in WORKWEEK.filter(|d| *d != from) {
                hours.extend(source.iter().map(|i| WorkingInterval { weekday, ..*i }));
            }
            hours.sort_by_key(|i| (i.weekday, i.starts));
        }
        Ok(hours)
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

    fn day(weekday: u8, text: &str) -> Vec<WorkingInterval> {
        let pairs: Vec<(&str, &str)> = text.split(", ").map(|p| p.split_once('-').unwrap()).collect();
        parse_day("f", weekday, &pairs).unwrap()
    }

    fn row(weekday: u8, starts: &str, ends: &str) -> IntervalInput {
        IntervalInput {
            weekday: weekday.to_string(),
            starts: starts.into(),
            ends: ends.into(),
        }
    }

    #[test]
    fn a_day_with_a_break_parses_and_formats_back() {
        let day = parse_day("days.mon", 1, &[("13:30", "17:00"), ("09:00:00", " 12:30"), ("", "")]).unwrap();
        assert_eq!(day.len(), 2);
        assert_eq!(format_day(&day, 1), "09:00-12:30, 13:30-17:00");
        assert!(parse_day("f", 1, &[("", "")]).unwrap().is_empty());
    }

    #[test]
    fn bad_or_overlapping_intervals_are_refused() {
        let refused = |pairs: &[(&str, &str)]| parse_day("f", 2, pairs).unwrap_err().message;
        assert_eq!(refused(&[("9", "5")]), "On Tuesday, enter times like 09:00.");
        assert_eq!(
            refused(&[("17:00", "09:00")]),
            "On Tuesday, each interval must end after it starts."
        );
        assert_eq!(
            refused(&[("09:00", "")]),
            "On Tuesday, give each interval a start and an end."
        );
        assert_eq!(
            refused(&[("09:00", "13:00"), ("12:00", "17:00")]),
            "On Tuesday, the intervals overlap."
        );
    }

    #[test]
    fn the_week_form_names_each_bad_day_and_copies_a_day_to_the_workweek() {
        let form = WeekForm {
            intervals: vec![
                row(1, "09:00", "12:30"),
                row(1, "13:30", "17:00"),
                row(3, "10:00", ""),
                row(7, "18:00", "09:00"),
            ],
            copy: None,
        };
        let AppError::Validation(errors) = form.parse().unwrap_err() else {
            panic!("expected validation")
        };
        let fields: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["days.wed", "days.sun"]);

        // Monday's break goes to Tuesday to Friday; Saturday keeps its own hours.
        let form = WeekForm {
            intervals: vec![
                row(1, "09:00", "12:30"),
                row(1, "13:30", "17:00"),
                row(2, "08:00", "20:00"),
                row(6, "10:00", "14:00"),
            ],
            copy: Some("1".into()),
        };
        let hours = form.parse().unwrap();
        for weekday in 1..=5 {
            assert_eq!(format_day(&hours, weekday), "09:00-12:30, 13:30-17:00", "{weekday}");
        }
        assert_eq!(format_day(&hours, 6), "10:00-14:00");
        assert_eq!(format_day(&hours, 7), "");

        let odd = WeekForm {
            intervals: vec![row(8, "09:00", "10:00")],
            copy: None,
        };
        assert!(odd.parse().is_err());
    }

    #[test]
    fn appointments_must_fit_one_interval() {
        let day = day(3, "09:00-12:30, 13:30-17:00");
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
            hours: day(3, "09:00-12:30, 13:30-17:00"),
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
