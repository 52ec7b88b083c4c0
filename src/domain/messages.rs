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
    /// To a person invited to join the staff.
    StaffInvitation,
    /// To a user who asked to choose a new password.
    PasswordReset,
    /// To a patient who paid: the receipt of an invoice.
    Receipt,
    /// To a branch's owners and admins: an item is running low there.
    LowStock,
    /// To a patient: a form to fill in before their visit, with its link.
    FormRequest,
}

impl MessageKind {
    pub fn as_str(self) -> &'static str {
        match self {
            MessageKind::BookingConfirmation => "booking_confirmation",
            MessageKind::Cancellation => "cancellation",
            MessageKind::Reschedule => "reschedule",
            MessageKind::Reminder => "reminder",
            MessageKind::StaffInvitation => "staff_invitation",
            MessageKind::PasswordReset => "password_reset",
            MessageKind::Receipt => "receipt",
            MessageKind::LowStock => "low_stock",
            MessageKind::FormRequest => "form_request",
        }
    }

    /// Sent to staff (by email only), not to a patient.
    pub fn is_for_staff(self) -> bool {
        matches!(
            self,
            MessageKind::StaffInvitation | MessageKind::PasswordReset | MessageKind::LowStock
        )
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

#[cfg(test)]
mod tests {
    use super::*;

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
}
