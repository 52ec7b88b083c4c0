//! Time in a branch's zone: wall-clock times to instants and back, correct across
//! daylight-saving changes, and instants as people read them.
//!
//! The browser never calls these (times reach it formatted, or as minutes of a local
//! day), so its WASM carries no time-zone database.

use chrono::{DateTime, Duration, LocalResult, NaiveDateTime, Offset, TimeZone, Utc};
use chrono_tz::Tz;

/// The zone of a stored branch (validated on the way in); UTC if it is unknown.
pub fn zone(name: &str) -> Tz {
    name.parse().unwrap_or(chrono_tz::UTC)
}

/// The instant a wall-clock time names in `tz`. A time in the spring-forward gap (02:30
/// on the night clocks jump from 02:00 to 03:00) is read with the offset before the jump,
/// so it lands as many minutes past the gap (03:30); a time that happens twice in the
/// autumn is its first occurrence.
pub fn local_to_utc(tz: Tz, local: NaiveDateTime) -> DateTime<Utc> {
    match tz.from_local_datetime(&local) {
        LocalResult::Single(t) => t.to_utc(),
        LocalResult::Ambiguous(first, _) => first.to_utc(),
        LocalResult::None => {
            let before = local - Duration::hours(6);
            let offset = tz.offset_from_local_datetime(&before).earliest().map(|o| o.fix());
            let seconds = offset.map_or(0, |o| i64::from(o.local_minus_utc()));
            Utc.from_utc_datetime(&(local - Duration::seconds(seconds)))
        }
    }
}

/// A filter's day (`YYYY-MM-DD`, empty for none) as the instant its midnight is in `tz`,
/// `plus_days` later: 0 for "from", 1 for an "until" that takes in the whole day.
pub fn filter_day(field: &str, raw: &str, plus_days: i64, tz: Tz) -> Result<Option<DateTime<Utc>>, super::AppError> {
    match raw.trim() {
        "" => Ok(None),
        raw => {
            let date = chrono::NaiveDate::parse_from_str(raw, "%Y-%m-%d")
                .map_err(|_| super::AppError::field(field, "Enter a date like 2026-11-21."))?;
            let midnight = (date + Duration::days(plus_days)).and_time(chrono::NaiveTime::MIN);
            Ok(Some(local_to_utc(tz, midnight)))
        }
    }
}

pub fn utc_to_local(instant: DateTime<Utc>, tz: Tz) -> NaiveDateTime {
    instant.with_timezone(&tz).naive_local()
}

/// When an appointment is to start, as its caller named it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Start {
    /// A wall-clock time in the branch's zone, as the staff forms ask for it; a time that
    /// happens twice in the autumn is its first occurrence (`local_to_utc`).
    Local(NaiveDateTime),
    /// An instant, as the API names it: kept as it is, so the second 02:30 of the night
    /// clocks go back stays the second.
    Exact(DateTime<Utc>),
}

impl Start {
    pub fn instant(self, tz: Tz) -> DateTime<Utc> {
        match self {
            Self::Local(local) => local_to_utc(tz, local),
            Self::Exact(instant) => instant,
        }
    }

    pub fn local(self, tz: Tz) -> NaiveDateTime {
        match self {
            Self::Local(local) => local,
            Self::Exact(instant) => utc_to_local(instant, tz),
        }
    }
}

/// `21 Nov 2026, 14:05` in the given IANA zone (UTC if the name is unknown).
pub fn local_datetime(instant: DateTime<Utc>, timezone: &str) -> String {
    match timezone.parse::<Tz>() {
        Ok(tz) => instant.with_timezone(&tz).format("%-d %b %Y, %H:%M").to_string(),
        Err(_) => instant.format("%-d %b %Y, %H:%M UTC").to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn at(y: i32, m: u32, d: u32, h: u32, min: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(y, m, d)
            .unwrap()
            .and_hms_opt(h, min, 0)
            .unwrap()
    }

    #[test]
    fn shows_wall_clock_time_of_the_zone_across_dst() {
        let summer = Utc.with_ymd_and_hms(2026, 7, 1, 12, 0, 0).unwrap();
        let winter = Utc.with_ymd_and_hms(2026, 12, 1, 12, 0, 0).unwrap();
        assert_eq!(local_datetime(summer, "Europe/Berlin"), "1 Jul 2026, 14:00");
        assert_eq!(local_datetime(winter, "Europe/Berlin"), "1 Dec 2026, 13:00");
        assert_eq!(local_datetime(winter, "Nowhere"), "1 Dec 2026, 12:00 UTC");
    }

    #[test]
    fn local_times_map_to_instants_around_both_changes() {
        let berlin = zone("Europe/Berlin");
        // 29 March 2026: 02:00 CET jumps to 03:00 CEST.
        assert_eq!(
            local_to_utc(berlin, at(2026, 3, 29, 1, 30)),
            Utc.with_ymd_and_hms(2026, 3, 29, 0, 30, 0).unwrap()
        );
        assert_eq!(
            local_to_utc(berlin, at(2026, 3, 29, 2, 30)),
            Utc.with_ymd_and_hms(2026, 3, 29, 1, 30, 0).unwrap()
        );
        assert_eq!(
            utc_to_local(local_to_utc(berlin, at(2026, 3, 29, 2, 30)), berlin),
            at(2026, 3, 29, 3, 30)
        );
        // 25 October 2026: 02:30 happens twice; the first is CEST.
        assert_eq!(
            local_to_utc(berlin, at(2026, 10, 25, 2, 30)),
            Utc.with_ymd_and_hms(2026, 10, 25, 0, 30, 0).unwrap()
        );
        let new_york = zone("America/New_York");
        // 8 March 2026: 02:00 EST jumps to 03:00 EDT.
        assert_eq!(
            local_to_utc(new_york, at(2026, 3, 8, 2, 15)),
            Utc.with_ymd_and_hms(2026, 3, 8, 7, 15, 0).unwrap()
        );
        assert_eq!(
            local_to_utc(new_york, at(2026, 3, 8, 9, 0)),
            Utc.with_ymd_and_hms(2026, 3, 8, 13, 0, 0).unwrap()
        );
    }

    #[test]
    fn an_exact_start_keeps_the_second_of_two_equal_wall_clock_times() {
        let berlin = zone("Europe/Berlin");
        // 25 October 2026, 02:30 CET: the second 02:30 of the night.
        let second = Utc.with_ymd_and_hms(2026, 10, 25, 1, 30, 0).unwrap();
        assert_eq!(Start::Exact(second).instant(berlin), second);
        assert_eq!(Start::Exact(second).local(berlin), at(2026, 10, 25, 2, 30));
        // The same wall-clock time typed into a form is the first 02:30.
        assert_eq!(
            Start::Local(at(2026, 10, 25, 2, 30)).instant(berlin),
            second - Duration::hours(1)
        );
    }
}
