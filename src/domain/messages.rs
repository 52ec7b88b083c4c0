//! The messages a patient receives about their appointment, rendered once, in the
//! branch's time zone, when the change happens.

use chrono::{DateTime, Duration, NaiveTime, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use super::time::{local_to_utc, utc_to_local};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MessageKind {
    BookingConfirmation,
    Cancellation,
    Reschedule,
    Reminder,
}

impl MessageKind {
    pub fn as_str(self) -> &'static str {
        match self {
            MessageKind::BookingConfirmation => "booking_confirmation",
            MessageKind::Cancellation => "cancellation",
            MessageKind::Reschedule => "reschedule",
            MessageKind::Reminder => "reminder",
        }
    }
}

/// The reminders to plan for an appointment starting at `starts_at`: for each distance
/// before it (minutes), the moment to send, leaving out those already past at `now` (a
/// "24 hours before" reminder of a visit booked for this afternoon would arrive after
/// the booking's own confirmation, or never make sense). Largest distance first; a
/// distance given twice is planned once.
pub fn reminder_times(
    starts_at: DateTime<Utc>,
    minutes_before: &[i32],
    now: DateTime<Utc>,
) -> Vec<(i32, DateTime<Utc>)> {
    let mut distances: Vec<i32> = minutes_before.iter().copied().filter(|m| *m > 0).collect();
    distances.sort_unstable_by(|a, b| b.cmp(a));
    distances.dedup();
    distances
        .into_iter()
        .map(|m| (m, starts_at - Duration::minutes(i64::from(m))))
        .filter(|(_, at)| *at > now)
        .collect()
}

/// What a message is about.
#[derive(Debug, Clone)]
pub struct AppointmentFacts<'a> {
    pub org_name: &'a str,
    pub branch_name: &'a str,
    pub branch_address: &'a str,
    pub patient_name: &'a str,
    pub service: &'a str,
    pub practitioner: &'a str,
    /// "Monday 30 November 2026 at 09:30", in the branch's time zone.
    pub when: &'a str,
    /// The patient's link to manage the booking, if they have one.
    pub manage_url: Option<&'a str>,
}

/// When a text message planned for `at` may go, given the organization's quiet hours
/// `[from, until)` in the branch's zone `tz` (they may span midnight): `at` itself
/// outside them, else the minute they end, unless that is not before the appointment's
/// start (then `at`: a late text beats none).
pub fn outside_quiet_hours(
    at: DateTime<Utc>,
    quiet: Option<(NaiveTime, NaiveTime)>,
    tz: Tz,
    starts_at: DateTime<Utc>,
) -> DateTime<Utc> {
    let Some((from, until)) = quiet.filter(|(from, until)| from != until) else {
        return at;
    };
    let local = utc_to_local(at, tz);
    let t = local.time();
    let quiet_now = if from < until {
        t >= from && t < until
    } else {
        t >= from || t < until
    };
    if !quiet_now {
        return at;
    }
    let day = if t < until {
        local.date()
    } else {
        local.date() + Duration::days(1)
    };
    let end = local_to_utc(tz, day.and_time(until));
    if end < starts_at {
        end
    } else {
        at
    }
}

/// Subject and text of a message.
pub fn render(kind: MessageKind, f: &AppointmentFacts<'_>) -> (String, String) {
    let first = f.patient_name.split_whitespace().next().unwrap_or(f.patient_name);
    let place = if f.branch_address.is_empty() {
        f.branch_name.to_owned()
    } else {
        format!("{}, {}", f.branch_name, f.branch_address)
    };
    let manage = f
        .manage_url
        .map(|url| format!("\n\nTo cancel or change it: {url}"))
        .unwrap_or_default();
    match kind {
        MessageKind::BookingConfirmation => (
            format!("Your appointment at {} on {}", f.org_name, f.when),
            format!(
                "Hello {first},\n\nyour {} with {} is booked for {} at {place}.{manage}\n\n{}",
                f.service, f.practitioner, f.when, f.org_name
            ),
        ),
        MessageKind::Cancellation => (
            format!("Cancelled: your appointment at {} on {}", f.org_name, f.when),
            format!(
                "Hello {first},\n\nyour {} with {} on {} at {place} is cancelled.\n\n{}",
                f.service, f.practitioner, f.when, f.org_name
            ),
        ),
        MessageKind::Reschedule => (
            format!("New time: your appointment at {} on {}", f.org_name, f.when),
            format!(
                "Hello {first},\n\nyour {} with {} is now on {} at {place}.{manage}\n\n{}",
                f.service, f.practitioner, f.when, f.org_name
            ),
        ),
        MessageKind::Reminder => (
            format!("Reminder: your appointment at {} on {}", f.org_name, f.when),
            format!(
                "Hello {first},\n\na reminder of your {} with {} on {} at {place}.{manage}\n\n{}",
                f.service, f.practitioner, f.when, f.org_name
            ),
        ),
    }
}

/// Text messages carry the essentials only.
pub fn render_sms(kind: MessageKind, f: &AppointmentFacts<'_>) -> String {
    let manage = f.manage_url.map(|url| format!(" Manage: {url}")).unwrap_or_default();
    match kind {
        MessageKind::BookingConfirmation => format!("{}: {} booked for {}.{manage}", f.org_name, f.service, f.when),
        MessageKind::Cancellation => format!("{}: your {} on {} is cancelled.", f.org_name, f.service, f.when),
        MessageKind::Reschedule => format!("{}: your {} is now on {}.{manage}", f.org_name, f.service, f.when),
        MessageKind::Reminder => format!("{}: reminder, {} on {}.{manage}", f.org_name, f.service, f.when),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(manage: Option<&'static str>) -> AppointmentFacts<'static> {
        AppointmentFacts {
            org_name: "Riverside Physio",
            branch_name: "London",
            branch_address: "1 Harbour Street",
            patient_name: "Ada Lovelace",
            service: "Sports massage",
            practitioner: "Tom Baker",
            when: "Monday 30 November 2026 at 09:30",
            manage_url: manage,
        }
    }

    #[test]
    fn a_confirmation_names_the_time_place_and_manage_link() {
        let (subject, body) = render(MessageKind::BookingConfirmation, &facts(Some("https://x/manage/t")));
        assert_eq!(
            subject,
            "Your appointment at Riverside Physio on Monday 30 November 2026 at 09:30"
        );
        assert!(body.starts_with("Hello Ada,"));
        assert!(body.contains(
            "Sports massage with Tom Baker is booked for Monday 30 November 2026 at 09:30 at London, 1 Harbour Street."
        ));
        assert!(body.contains("To cancel or change it: https://x/manage/t"));
        assert!(render_sms(MessageKind::BookingConfirmation, &facts(None)).len() < 160);
    }

    #[test]
    fn reminders_already_past_are_not_planned() {
        let at = |s: &str| s.parse::<DateTime<Utc>>().unwrap();
        let starts = at("2026-12-10T09:00:00Z");
        // Booked two hours ahead: only the one-hour reminder is still to come.
        assert_eq!(
            reminder_times(starts, &[1440, 180, 60], at("2026-12-10T07:00:00Z")),
            vec![(60, at("2026-12-10T08:00:00Z"))]
        );
        // Booked days ahead: all three, the earliest first; duplicates and nonsense dropped.
        assert_eq!(
            reminder_times(starts, &[60, 1440, 180, 60, 0, -5], at("2026-12-01T00:00:00Z")),
            vec![
                (1440, at("2026-12-09T09:00:00Z")),
                (180, at("2026-12-10T06:00:00Z")),
                (60, at("2026-12-10T08:00:00Z")),
            ]
        );
        // Exactly at its moment is already too late.
        assert!(reminder_times(starts, &[60], at("2026-12-10T08:00:00Z")).is_empty());
    }

    #[test]
    fn texts_wait_for_quiet_hours_to_end_in_the_branchs_zone_across_a_change_of_clocks() {
        let at = |s: &str| s.parse::<DateTime<Utc>>().unwrap();
        let time = |s: &str| NaiveTime::parse_from_str(s, "%H:%M").unwrap();
        let london: Tz = "Europe/London".parse().unwrap();
        let night = Some((time("21:00"), time("08:00")));
        let starts = at("2026-12-10T15:00:00Z");
        // Daytime goes at once; 23:30 and 06:00 wait until 08:00 (GMT in December).
        assert_eq!(
            outside_quiet_hours(at("2026-12-09T12:00:00Z"), night, london, starts),
            at("2026-12-09T12:00:00Z")
        );
        assert_eq!(
            outside_quiet_hours(at("2026-12-09T23:30:00Z"), night, london, starts),
            at("2026-12-10T08:00:00Z")
        );
        assert_eq!(
            outside_quiet_hours(at("2026-12-10T06:00:00Z"), night, london, starts),
            at("2026-12-10T08:00:00Z")
        );
        // The night the clocks go forward (29 March 2026), 08:00 is already BST: 07:00 UTC.
        assert_eq!(
            outside_quiet_hours(at("2026-03-28T22:00:00Z"), night, london, at("2026-03-29T12:00:00Z")),
            at("2026-03-29T07:00:00Z")
        );
        // A wait that would end after the appointment does not happen; no quiet hours, none.
        assert_eq!(
            outside_quiet_hours(at("2026-12-10T06:00:00Z"), night, london, at("2026-12-10T07:30:00Z")),
            at("2026-12-10T06:00:00Z")
        );
        assert_eq!(
            outside_quiet_hours(at("2026-12-09T23:30:00Z"), None, london, starts),
            at("2026-12-09T23:30:00Z")
        );
        // Quiet hours within one day (a lunch break).
        let lunch = Some((time("12:00"), time("13:00")));
        assert_eq!(
            outside_quiet_hours(at("2026-12-09T12:15:00Z"), lunch, london, starts),
            at("2026-12-09T13:00:00Z")
        );
    }

    #[test]
    fn a_cancellation_has_no_manage_link() {
        let (_, body) = render(MessageKind::Cancellation, &facts(Some("https://x")));
        assert!(body.contains("is cancelled") && !body.contains("https://x"));
    }
}
