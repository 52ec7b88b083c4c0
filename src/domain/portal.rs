//! What the online booking portal shows patients.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{
    account::{Email, PersonName},
    availability::Slot,
    contact::Phone,
    error::{AppError, FieldError},
};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PortalBranch {
    pub id: Uuid,
    pub name: String,
    pub address: String,
    pub phone: String,
    /// The times the portal shows are in this zone.
    pub timezone: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PortalOrg {
    pub slug: String,
    pub name: String,
    pub branches: Vec<PortalBranch>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PortalService {
    pub id: Uuid,
    pub name: String,
    pub minutes: i32,
    /// "€45.00"
    pub price: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PortalPractitioner {
    pub id: Uuid,
    pub name: String,
}

/// The slot-picking page: a fortnight of days with how many times are free, and the
/// free times of one day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PortalDay {
    pub org: PortalOrg,
    pub branch: PortalBranch,
    pub service: PortalService,
    pub practitioners: Vec<PortalPractitioner>,
    /// `None`: any available practitioner.
    pub practitioner: Option<Uuid>,
    pub days: Vec<(NaiveDate, usize)>,
    /// Today at the branch: no earlier days can be shown.
    pub today: NaiveDate,
    pub date: NaiveDate,
    pub slots: Vec<Slot>,
    /// After "that time was just taken": the nearest free times.
    pub nearest: Vec<Slot>,
}

/// The last step before booking: what the patient is about to book.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PortalConfirm {
    pub org_name: String,
    pub branch: PortalBranch,
    pub service: PortalService,
    /// `None`: the first practitioner free at that time.
    pub practitioner: Option<String>,
    /// "Monday 30 November 2026 at 09:30"
    pub when: String,
    /// The form's one-time key: a second submission of the same form books nothing new.
    pub key: String,
}

/// A booking as its patient sees it through their link.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PortalBooking {
    pub org_name: String,
    pub slug: String,
    pub branch: PortalBranch,
    pub service_id: Uuid,
    pub service: String,
    pub practitioner_id: Uuid,
    pub practitioner: String,
    /// "Monday 30 November 2026 at 09:30"
    pub when: String,
    pub cancelled: bool,
    /// Still allowed to cancel or move online.
    pub can_change: bool,
    /// "until Sunday 29 November at 09:30"
    pub change_deadline: String,
}

/// The patient's details from the booking form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PortalPatient {
    pub name: PersonName,
    pub phone: Phone,
    pub email: Option<Email>,
    pub consent_sms: bool,
    pub consent_email: bool,
}

impl PortalPatient {
    pub fn parse(
        name: &str,
        phone: &str,
        email: &str,
        consent_sms: bool,
        consent_email: bool,
    ) -> Result<Self, AppError> {
        let email = if email.trim().is_empty() {
            Ok(None)
        } else {
            Email::parse("email", email).map(Some)
        };
        let email_consent = match (&email, consent_email) {
            (Ok(None), true) => Err(FieldError::new(
                "email",
                "Give your email address to receive messages by email.",
            )),
            _ => Ok(()),
        };
        match (
            PersonName::parse("name", name),
            Phone::parse("phone", phone),
            email,
            email_consent,
        ) {
            (Ok(name), Ok(phone), Ok(email), Ok(())) => Ok(Self {
                name,
                phone,
                email,
                consent_sms,
                consent_email,
            }),
            (a, b, c, d) => Err(AppError::Validation(
                [a.err(), b.err(), c.err(), d.err()].into_iter().flatten().collect(),
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_patient_gives_a_name_and_phone_and_an_email_for_email_messages() {
        let p = PortalPatient::parse("Ada Lovelace", "+44 20 7946 0958", "", true, false).unwrap();
        assert!(p.email.is_none() && p.consent_sms);
        assert!(PortalPatient::parse("Ada", "+44 20 7946 0958", "", false, true)
            .unwrap_err()
            .field_message("email")
            .is_some());
        let AppError::Validation(errors) = PortalPatient::parse("", "x", "y", false, false).unwrap_err() else {
            panic!()
        };
        assert_eq!(
            errors.iter().map(|e| e.field.as_str()).collect::<Vec<_>>(),
            ["name", "phone", "email"]
        );
    }
}
