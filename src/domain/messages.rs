//! The messages a patient receives about their appointment, rendered once, in the
//! branch's time zone, when the change happens.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MessageKind {
    BookingConfirmation,
    Cancellation,
    Reschedule,
}

impl MessageKind {
    pub fn as_str(self) -> &'static str {
        match self {
            MessageKind::BookingConfirmation => "booking_confirmation",
            MessageKind::Cancellation => "cancellation",
            MessageKind::Reschedule => "reschedule",
        }
    }
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
    }
}

/// Text messages carry the essentials only.
pub fn render_sms(kind: MessageKind, f: &AppointmentFacts<'_>) -> String {
    let manage = f.manage_url.map(|url| format!(" Manage: {url}")).unwrap_or_default();
    match kind {
        MessageKind::BookingConfirmation => format!("{}: {} booked for {}.{manage}", f.org_name, f.service, f.when),
        MessageKind::Cancellation => format!("{}: your {} on {} is cancelled.", f.org_name, f.service, f.when),
        MessageKind::Reschedule => format!("{}: your {} is now on {}.{manage}", f.org_name, f.service, f.when),
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
    fn a_cancellation_has_no_manage_link() {
        let (_, body) = render(MessageKind::Cancellation, &facts(Some("https://x")));
        assert!(body.contains("is cancelled") && !body.contains("https://x"));
    }
}
