//! Recurring appointments: a rule in the branch's local time (every N days or weeks,
//! until a date or for a number of times), expanded into occurrences that keep their
//! wall-clock time across daylight-saving changes.

use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use super::{
    error::{AppError, FieldError},
    time::local_to_utc,
};

/// A series never grows past this many occurrences (two years of weekly visits).
pub const MAX_OCCURRENCES: u32 = 104;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Unit {
    Days,
    Weeks,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum End {
    /// The last date an occurrence may fall on (inclusive).
    Until(NaiveDate),
    /// How many occurrences, the first included.
    Count(u32),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Recurrence {
    pub every: u32,
    pub unit: Unit,
    pub end: End,
}

impl Recurrence {
    /// From the form: `every` (a number), `unit` (`days` or `weeks`), and either `until`
    /// (a date) or `count`.
    pub fn parse(every: &str, unit: &str, until: &str, count: &str, first: NaiveDate) -> Result<Self, AppError> {
        let mut errors = Vec::new();
        let every = match every.trim().parse::<u32>() {
            Ok(n @ 1..=52) => n,
            _ => {
                errors.push(FieldError::new("repeat_every", "Repeat every 1 to 52 days or weeks."));
                1
            }
        };
        let unit = match unit.trim() {
            "days" => Unit::Days,
            "weeks" => Unit::Weeks,
            _ => {
                errors.push(FieldError::new("repeat_unit", "Choose days or weeks."));
                Unit::Weeks
            }
        };
        let end = match (until.trim(), count.trim()) {
            ("", "") => {
                errors.push(FieldError::new("repeat_count", "Say how often, or until when."));
                End::Count(1)
            }
            (until, "") => match NaiveDate::parse_from_str(until, "%Y-%m-%d") {
                Ok(date) if date >= first => End::Until(date),
                _ => {
                    errors.push(FieldError::new(
                        "repeat_until",
                        "Enter a date on or after the first appointment.",
                    ));
                    End::Count(1)
                }
            },
            (_, count) => match count.parse::<u32>() {
                Ok(n @ 1..=MAX_OCCURRENCES) => End::Count(n),
                _ => {
                    errors.push(FieldError::new(
                        "repeat_count",
                        format!("Repeat 1 to {MAX_OCCURRENCES} times."),
                    ));
                    End::Count(1)
                }
            },
        };
        if errors.is_empty() {
            Ok(Self { every, unit, end })
        } else {
            Err(AppError::Validation(errors))
        }
    }

    fn step(&self) -> Duration {
        match self.unit {
            Unit::Days => Duration::days(i64::from(self.every)),
            Unit::Weeks => Duration::weeks(i64::from(self.every)),
        }
    }

    /// The local dates of the occurrences, the first one included.
    pub fn dates(&self, first: NaiveDate) -> Vec<NaiveDate> {
        let mut dates = Vec::new();
        let mut date = first;
        loop {
            let within = match self.end {
                End::Until(last) => date <= last,
                End::Count(n) => dates.len() < n as usize,
            };
            if !within || dates.len() >= MAX_OCCURRENCES as usize {
                return dates;
            }
            dates.push(date);
            date += self.step();
        }
    }

    /// Each occurrence as instants: the same wall-clock start on every date, whatever the
    /// offset of the day, lasting `minutes` of real time.
    pub fn occurrences(&self, tz: Tz, first_start: NaiveDateTime, minutes: i64) -> Vec<(DateTime<Utc>, DateTime<Utc>)> {
        self.dates(first_start.date())
            .into_iter()
            .map(|date| {
                let starts = local_to_utc(tz, date.and_time(first_start.time()));
                (starts, starts + Duration::minutes(minutes))
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::time::{utc_to_local, zone};
    use chrono::{NaiveTime, Timelike};
    use proptest::prelude::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn weekly_visits_keep_their_time_across_the_european_change() {
        let rule = Recurrence {
            every: 1,
            unit: Unit::Weeks,
            end: End::Count(4),
        };
        let first = date(2026, 3, 17).and_hms_opt(9, 0, 0).unwrap();
        let tz = zone("Europe/Berlin");
        let got = rule.occurrences(tz, first, 45);
        let utc_hours: Vec<u32> = got.iter().map(|(s, _)| s.hour()).collect();
        // 08:00Z while on CET, 07:00Z after 29 March (CEST): 09:00 local every time.
        assert_eq!(utc_hours, [8, 8, 7, 7]);
        for (start, end) in got {
            assert_eq!(
                utc_to_local(start, tz).time(),
                NaiveTime::from_hms_opt(9, 0, 0).unwrap()
            );
            assert_eq!((end - start).num_minutes(), 45);
        }
    }

    #[test]
    fn every_other_day_until_a_date_across_the_american_change() {
        let rule = Recurrence {
            every: 2,
            unit: Unit::Days,
            end: End::Until(date(2026, 3, 10)),
        };
        let first = date(2026, 3, 4).and_hms_opt(17, 30, 0).unwrap();
        let tz = zone("America/New_York");
        let got = rule.occurrences(tz, first, 30);
        let dates: Vec<NaiveDate> = got.iter().map(|(s, _)| utc_to_local(*s, tz).date()).collect();
        assert_eq!(
            dates,
            [date(2026, 3, 4), date(2026, 3, 6), date(2026, 3, 8), date(2026, 3, 10)]
        );
        assert_eq!(got[0].0.hour(), 22, "EST: 17:30 is 22:30Z");
        assert_eq!(got[2].0.hour(), 21, "EDT from 8 March: 17:30 is 21:30Z");
    }

    #[test]
    fn a_time_in_the_spring_gap_moves_past_it() {
        let rule = Recurrence {
            every: 1,
            unit: Unit::Days,
            end: End::Count(2),
        };
        let first = date(2026, 3, 28).and_hms_opt(2, 30, 0).unwrap();
        let tz = zone("Europe/Berlin");
        let got = rule.occurrences(tz, first, 30);
        assert_eq!(
            utc_to_local(got[1].0, tz).time(),
            NaiveTime::from_hms_opt(3, 30, 0).unwrap()
        );
    }

    #[test]
    fn the_form_is_checked() {
        let first = date(2026, 5, 1);
        assert_eq!(
            Recurrence::parse("2", "weeks", "", "6", first).unwrap(),
            Recurrence {
                every: 2,
                unit: Unit::Weeks,
                end: End::Count(6)
            }
        );
        assert!(Recurrence::parse("0", "weeks", "", "6", first).is_err());
        assert!(Recurrence::parse("1", "months", "", "6", first).is_err());
        assert!(
            Recurrence::parse("1", "days", "2026-04-01", "", first).is_err(),
            "until before the start"
        );
        assert!(Recurrence::parse("1", "days", "", "500", first).is_err());
        assert!(Recurrence::parse("1", "days", "", "", first).is_err());
    }

    proptest! {
        /// Any rule, in either zone: every occurrence is on the wall-clock time of the first
        /// (unless that time does not exist that day), dates step by the rule, and the end holds.
        #[test]
        fn occurrences_keep_wall_clock_time_and_respect_the_end(
            zone_index in 0usize..2,
            day in 0i64..730,
            minute in 0u32..(24 * 60),
            every in 1u32..5,
            weekly in any::<bool>(),
            count in 1u32..30,
            use_until in any::<bool>(),
        ) {
            let tz = zone(["Europe/Berlin", "America/New_York"][zone_index]);
            let first_date = date(2026, 1, 1) + Duration::days(day);
            let first = first_date.and_hms_opt(minute / 60, minute % 60, 0).unwrap();
            let unit = if weekly { Unit::Weeks } else { Unit::Days };
            let step = if weekly { 7 * i64::from(every) } else { i64::from(every) };
            let end = if use_until {
                End::Until(first_date + Duration::days(step * i64::from(count - 1)))
            } else {
                End::Count(count)
            };
            let rule = Recurrence { every, unit, end };
            let got = rule.occurrences(tz, first, 45);
            prop_assert_eq!(got.len(), count as usize);
            for (n, (start, end)) in got.iter().enumerate() {
                let local = utc_to_local(*start, tz);
                prop_assert_eq!(local.date(), first_date + Duration::days(step * n as i64));
                let exists = !matches!(
                    chrono::TimeZone::from_local_datetime(&tz, &local.date().and_time(first.time())),
                    chrono::LocalResult::None
                );
                if exists {
                    prop_assert_eq!(local.time(), first.time());
                }
                prop_assert_eq!((*end - *start).num_minutes(), 45);
            }
        }
    }
}
