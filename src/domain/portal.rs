//! What the online booking portal shows patients.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{
    account::{Email, PersonName},
    availability::{FreeDay, Slot},
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

impl PortalBranch {
    /// "London – Harbour Street, 12 Harbour Street" (or just the name, without an address).
    pub fn place(&self) -> String {
        if self.address.trim().is_empty() {
            self.name.clone()
        } else {
            format!("{}, {}", self.name, self.address)
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PortalOrg {
    pub slug: String,
    pub name: String,
    pub branches: Vec<PortalBranch>,
}

/// A branch's page of the portal: what one can book there.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PortalBranchPage {
    pub org: PortalOrg,
    pub branch: PortalBranch,
    pub services: Vec<PortalService>,
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
    pub days: Vec<DayFree>,
    /// Today at the branch: no earlier days can be shown.
    pub today: NaiveDate,
    pub date: NaiveDate,
    pub slots: Vec<Slot>,
    /// After "that time was just taken": the nearest free times.
    pub nearest: Vec<Slot>,
    /// When the chosen day has no free times: the next days that have, with their first.
    pub next_free: Vec<FreeDay>,
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

/// A day of the portal's fortnight and how many start times are free on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct DayFree {
    pub date: NaiveDate,
    pub free: usize,
}

/// A page of free times as its address asks for it: a clinic's treatment at a branch,
/// with someone or anyone, around a day; `wanted` is a time just taken by someone else.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimesQuery {
    pub slug: String,
    pub branch: Uuid,
    pub service: Uuid,
    #[serde(default)]
    pub practitioner: Option<Uuid>,
    #[serde(default)]
    pub date: Option<NaiveDate>,
    #[serde(default)]
    pub wanted: Option<DateTime<Utc>>,
}

/// The details step's summary as its address asks for it: one start time chosen.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChosenTime {
    pub slug: String,
    pub branch: Uuid,
    pub service: Uuid,
    #[serde(default)]
    pub practitioner: Option<Uuid>,
    pub at: DateTime<Utc>,
}

/// An instant as it travels in a portal link or form: `2026-11-30T09:30:00Z`.
pub fn parse_instant(text: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text.trim())
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

/// The portal's booking form as posted: the chosen time (hidden fields) and the
/// patient's details. Ticked boxes arrive as `Some("on")`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PortalBookingForm {
    pub slug: String,
    pub branch: Uuid,
    pub service: Uuid,
    /// Empty: anyone available.
    #[serde(default)]
    pub practitioner: String,
    pub at: String,
    pub name: String,
    pub phone: String,
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub consent_sms: Option<String>,
    #[serde(default)]
    pub consent_email: Option<String>,
    /// A field people never see: only robots fill it in.
    #[serde(default)]
    pub website: String,
    /// The form's one-time key: submitting it twice books once.
    pub key: String,
}

/// An online booking as its form asks for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OnlineBooking {
    pub branch_id: Uuid,
    pub service_id: Uuid,
    /// `None`: any available practitioner.
    pub practitioner: Option<Uuid>,
    pub starts_at: DateTime<Utc>,
    pub patient: PortalPatient,
    pub key: Uuid,
}

impl PortalBookingForm {
    pub fn parse(&self) -> Result<OnlineBooking, AppError> {
        if !self.website.is_empty() {
            return Err(AppError::BadRequest("This booking could not be sent.".into()));
        }
        let starts_at = parse_instant(&self.at)
            .ok_or_else(|| AppError::BadRequest("The chosen time is not valid; please choose a time again.".into()))?;
        let key = Uuid::parse_str(self.key.trim())
            .map_err(|_| AppError::BadRequest("This form is out of date; please choose the time again.".into()))?;
        let patient = PortalPatient::parse(
            &self.name,
            &self.phone,
            &self.email,
            self.consent_sms.is_some(),
            self.consent_email.is_some(),
        )?;
        Ok(OnlineBooking {
            branch_id: self.branch,
            service_id: self.service,
            practitioner: Uuid::parse_str(self.practitioner.trim()).ok(),
            starts_at,
            patient,
            key,
        })
    }
}

/// A branch's online booking rules, as staff set them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct OnlineRules {
    pub min_notice_minutes: i32,
    pub max_days_ahead: i32,
    pub slot_step_minutes: i32,
    /// Patients may cancel or move online until this many hours before the start.
    pub cancellation_window_hours: i32,
}

/// A service's own notice and horizon, where they differ from the branch's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServiceRules {
    pub min_notice_minutes: Option<i32>,
    pub max_days_ahead: Option<i32>,
}

/// A whole number in `range` from a form field; blank is `None`.
fn number(
    field: &str,
    text: &str,
    range: std::ops::RangeInclusive<i32>,
    what: &str,
) -> Result<Option<i32>, FieldError> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    text.parse::<i32>()
        .ok()
        .filter(|n| range.contains(n))
        .map(Some)
        .ok_or_else(|| {
            FieldError::new(
                field,
                format!("Enter {what} from {} to {}.", range.start(), range.end()),
            )
        })
}

/// Minimum notice is entered in hours and kept in minutes.
const NOTICE_HOURS: std::ops::RangeInclusive<i32> = 0..=336;
const DAYS_AHEAD: std::ops::RangeInclusive<i32> = 1..=366;

/// The branch's booking rules form as posted.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OnlineRulesForm {
    pub min_notice_hours: String,
    pub max_days_ahead: String,
    pub slot_step_minutes: String,
    pub cancellation_window_hours: String,
}

impl OnlineRulesForm {
    pub fn parse(&self) -> Result<OnlineRules, AppError> {
        let (notice_hours, max_days_ahead, slot_step, cancellation_hours) = (
            self.min_notice_hours.as_str(),
            self.max_days_ahead.as_str(),
            self.slot_step_minutes.as_str(),
            self.cancellation_window_hours.as_str(),
        );
        let required = |field: &str, value: Result<Option<i32>, FieldError>| {
            value.and_then(|v| v.ok_or_else(|| FieldError::new(field, "This is required.")))
        };
        let notice = required(
            "min_notice_hours",
            number("min_notice_hours", notice_hours, NOTICE_HOURS, "a number of hours"),
        );
        let days = required(
            "max_days_ahead",
            number("max_days_ahead", max_days_ahead, DAYS_AHEAD, "a number of days"),
        );
        let step = required(
            "slot_step_minutes",
            number("slot_step_minutes", slot_step, 5..=120, "a number of minutes"),
        );
        let cancel = required(
            "cancellation_window_hours",
            number(
                "cancellation_window_hours",
                cancellation_hours,
                0..=720,
                "a number of hours",
            ),
        );
        match (notice, days, step, cancel) {
            (Ok(notice), Ok(days), Ok(step), Ok(cancel)) => Ok(OnlineRules {
                min_notice_minutes: notice * 60,
                max_days_ahead: days,
                slot_step_minutes: step,
                cancellation_window_hours: cancel,
            }),
            (a, b, c, d) => Err(AppError::Validation(
                [a.err(), b.err(), c.err(), d.err()].into_iter().flatten().collect(),
            )),
        }
    }
}

/// A service's own notice and horizon as posted; blank fields keep the branch's rule.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ServiceRulesForm {
    pub min_notice_hours: String,
    pub max_days_ahead: String,
}

impl ServiceRulesForm {
    pub fn parse(&self) -> Result<ServiceRules, AppError> {
        match (
            number(
                "min_notice_hours",
                &self.min_notice_hours,
                NOTICE_HOURS,
                "a number of hours",
            ),
            number("max_days_ahead", &self.max_days_ahead, DAYS_AHEAD, "a number of days"),
        ) {
            (Ok(notice), Ok(days)) => Ok(ServiceRules {
                min_notice_minutes: notice.map(|h| h * 60),
                max_days_ahead: days,
            }),
            (a, b) => Err(AppError::Validation([a.err(), b.err()].into_iter().flatten().collect())),
        }
    }
}

/// Facts on one line, `Harbour Street · 14 Harbour St`, leaving out the empty ones, so
/// that a branch without an address shows no dangling separator.
pub fn dotted<'a>(parts: impl IntoIterator<Item = &'a str>) -> String {
    parts
        .into_iter()
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join(" · ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dotted_facts_leave_out_empty_ones() {
        assert_eq!(
            dotted(["Harbour Street", "", " 14 Harbour St "]),
            "Harbour Street · 14 Harbour St"
        );
        assert_eq!(dotted(["Harbour Street", ""]), "Harbour Street");
    }

    #[test]
    fn booking_rules_are_whole_numbers_in_range_and_notice_is_entered_in_hours() {
        let rules = OnlineRulesForm {
            min_notice_hours: "2".into(),
            max_days_ahead: "60".into(),
            slot_step_minutes: "15".into(),
            cancellation_window_hours: "24".into(),
        }
        .parse()
        .unwrap();
        assert_eq!(rules.min_notice_minutes, 120);
        let AppError::Validation(errors) = OnlineRulesForm {
            min_notice_hours: "-1".into(),
            max_days_ahead: "0".into(),
            slot_step_minutes: "3".into(),
            cancellation_window_hours: "".into(),
        }
        .parse()
        .unwrap_err() else {
            panic!()
        };
        let fields: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "min_notice_hours",
                "max_days_ahead",
                "slot_step_minutes",
                "cancellation_window_hours"
            ]
        );
        assert_eq!(
            ServiceRulesForm {
                min_notice_hours: "".into(),
                max_days_ahead: " ".into()
            }
            .parse()
            .unwrap(),
            ServiceRules {
                min_notice_minutes: None,
                max_days_ahead: None
            }
        );
        assert_eq!(
            ServiceRulesForm {
                min_notice_hours: "48".into(),
                max_days_ahead: "".into()
            }
            .parse()
            .unwrap()
            .min_notice_minutes,
            Some(2880)
        );
        assert!(ServiceRulesForm {
            min_notice_hours: "x".into(),
            max_days_ahead: "".into()
        }
        .parse()
        .unwrap_err()
        .field_message("min_notice_hours")
        .is_some());
    }

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

/// The "Online booking" settings page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OnlineBookingSettings {
    /// Where patients book: `https://…/book/{slug}`.
    pub portal_url: String,
    pub branch_name: String,
    pub rules: OnlineRules,
    pub services: Vec<ServiceRulesRow>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServiceRulesRow {
    pub id: Uuid,
    pub name: String,
    pub online_bookable: bool,
    pub rules: ServiceRules,
}
