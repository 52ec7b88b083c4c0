//! Showing instants in a branch's time zone.

use chrono::{DateTime, Utc};

/// `21 Nov 2026, 14:05` in the given IANA zone (UTC if the name is unknown).
pub fn local_datetime(instant: DateTime<Utc>, timezone: &str) -> String {
    match timezone.parse::<chrono_tz::Tz>() {
        Ok(tz) => instant.with_timezone(&tz).format("%-d %b %Y, %H:%M").to_string(),
        Err(_) => instant.format("%-d %b %Y, %H:%M UTC").to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn shows_wall_clock_time_of_the_zone_across_dst() {
        let summer = Utc.with_ymd_and_hms(2026, 7, 1, 12, 0, 0).unwrap();
        let winter = Utc.with_ymd_and_hms(2026, 12, 1, 12, 0, 0).unwrap();
        assert_eq!(local_datetime(summer, "Europe/Berlin"), "1 Jul 2026, 14:00");
        assert_eq!(local_datetime(winter, "Europe/Berlin"), "1 Dec 2026, 13:00");
        assert_eq!(local_datetime(winter, "Nowhere"), "1 Dec 2026, 12:00 UTC");
    }
}
