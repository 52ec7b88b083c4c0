//! Patients: their validated details, how the list pages, how duplicates are found, and
//! how an imported CSV row is read.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{
    account::{Email, PersonName},
    appointment::AppointmentView,
    contact::Phone,
    error::{AppError, FieldError},
};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PatientSummary {
    pub id: Uuid,
    pub full_name: String,
    pub phone: String,
    pub email: String,
}

/// Who an appointment is for: someone on file, or someone new (a name and a phone).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PatientChoice {
    Existing(Uuid),
    New { name: PersonName, phone: Phone },
}

impl PatientChoice {
    pub fn parse(patient_id: &str, new_name: &str, new_phone: &str) -> Result<Self, AppError> {
        if let Ok(id) = Uuid::parse_str(patient_id.trim()) {
            return Ok(Self::Existing(id));
        }
        if new_name.trim().is_empty() && new_phone.trim().is_empty() {
            return Err(AppError::field(
                "patient_id",
                "Choose a patient, or enter a new patient's name and phone.",
            ));
        }
        match (
            PersonName::parse("new_patient_name", new_name),
            Phone::parse("new_patient_phone", new_phone),
        ) {
            (Ok(name), Ok(phone)) => Ok(Self::New { name, phone }),
            (a, b) => Err(AppError::Validation([a.err(), b.err()].into_iter().flatten().collect())),
        }
    }
}

/// A patient's details as validated for saving.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PatientDetails {
    pub full_name: PersonName,
    pub phone: Option<Phone>,
    pub email: Option<Email>,
    pub birth_date: Option<NaiveDate>,
    pub notes: String,
    pub tags: Vec<String>,
    pub consent_sms: bool,
    pub consent_email: bool,
}

/// The patient form as posted (the new and the edit form alike), or a CSV row. A
/// ticked consent box arrives as `Some("on")`, an unticked one not at all.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PatientForm {
    pub full_name: String,
    #[serde(default)]
    pub phone: String,
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub birth_date: String,
    #[serde(default)]
    pub notes: String,
    /// Comma-separated.
    #[serde(default)]
    pub tags: String,
    #[serde(default)]
    pub consent_sms: Option<String>,
    #[serde(default)]
    pub consent_email: Option<String>,
}

impl PatientForm {
    pub fn parse(&self) -> Result<PatientDetails, AppError> {
        let f = self;
        let email = if f.email.trim().is_empty() {
            Ok(None)
        } else {
            Email::parse("email", &f.email).map(Some)
        };
        let birth_date = match f.birth_date.trim() {
            "" => Ok(None),
            raw => NaiveDate::parse_from_str(raw, "%Y-%m-%d")
                .ok()
                .filter(|d| {
                    *d <= Utc::now().date_naive() && *d >= NaiveDate::from_ymd_opt(1900, 1, 1).unwrap_or_default()
                })
                .map(Some)
                .ok_or_else(|| FieldError::new("birth_date", "Enter a birth date like 1984-02-29.")),
        };
        let notes = if f.notes.chars().count() > 5000 {
            Err(FieldError::new("notes", "Keep notes to 5000 characters."))
        } else {
            Ok(f.notes.trim().to_owned())
        };
        let mut tags: Vec<String> = f
            .tags
            .split(',')
            .map(|t| t.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase())
            .filter(|t| !t.is_empty())
            .collect();
        tags.sort();
        tags.dedup();
        let tags = if tags.len() > 20 || tags.iter().any(|t| t.chars().count() > 40) {
            Err(FieldError::new(
                "tags",
                "Use up to 20 tags of up to 40 characters each.",
            ))
        } else {
            Ok(tags)
        };
        match (
            PersonName::parse("full_name", &f.full_name),
            Phone::parse_optional("phone", &f.phone),
            email,
            birth_date,
            notes,
            tags,
        ) {
            (Ok(full_name), Ok(phone), Ok(email), Ok(birth_date), Ok(notes), Ok(tags)) => {
                if phone.is_none() && email.is_none() {
                    return Err(AppError::field(
                        "phone",
                        "Give a phone number or an email address, so the clinic can reach them.",
                    ));
                }
                Ok(PatientDetails {
                    full_name,
                    phone,
                    email,
                    birth_date,
                    notes,
                    tags,
                    consent_sms: f.consent_sms.is_some(),
                    consent_email: f.consent_email.is_some(),
                })
            }
            (a, b, c, d, e, g) => Err(AppError::Validation(
                [a.err(), b.err(), c.err(), d.err(), e.err(), g.err()]
                    .into_iter()
                    .flatten()
                    .collect(),
            )),
        }
    }
}

/// The digits of a phone number: how numbers are compared.
pub fn phone_digits(phone: &str) -> String {
    phone.chars().filter(char::is_ascii_digit).collect()
}

/// A patient as the profile shows them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Patient {
    pub id: Uuid,
    pub full_name: String,
    pub phone: String,
    pub email: String,
    pub birth_date: Option<NaiveDate>,
    pub notes: String,
    pub tags: Vec<String>,
    pub consent_sms: bool,
    pub consent_email: bool,
    pub archived: bool,
    pub created_at: DateTime<Utc>,
}

/// A message the patient was (or will be) sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutboxMessage {
    pub id: Uuid,
    pub kind: String,
    pub channel: String,
    pub recipient: String,
    pub subject: String,
    pub body: String,
    pub status: String,
    /// Why it failed or was called off, or what went wrong at the last try.
    pub last_error: Option<String>,
    /// The moment its status speaks of (planned for, sent at, last changed), in the
    /// viewer's branch's zone.
    pub when_local: String,
}

impl OutboxMessage {
    /// "Reminder", "Booking confirmation".
    pub fn kind_label(&self) -> &'static str {
        super::messaging::MESSAGE_KINDS
            .iter()
            .find(|(key, _)| *key == self.kind)
            .map_or("Message", |(_, label)| label)
    }

    /// Where it stands, in words: "Planned for …", "Sent …", "Not sent".
    pub fn status_words(&self) -> String {
        let when = &self.when_local;
        match self.status.as_str() {
            "queued" if self.last_error.is_some() => format!("Will be tried again · last try {when}"),
            "queued" => format!("Planned for {when}"),
            "sending" => "Sending".to_owned(),
            "sent" => format!("Sent {when}"),
            "delivered" => format!("Delivered {when}"),
            "bounced" => format!("Bounced ({when})"),
            "undeliverable" => format!("Not delivered ({when})"),
            "failed" => format!("Not sent ({when})"),
            "cancelled" => format!("Called off {when}"),
            other => other.to_owned(),
        }
    }
}

/// The profile page: the patient, their appointments and messages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PatientProfile {
    pub patient: Patient,
    pub appointments: Vec<AppointmentView>,
    pub messages: Vec<OutboxMessage>,
    /// Other records with the same phone or email.
    pub duplicates: Vec<PatientSummary>,
    /// What they owe and their credit, for those who see invoices.
    pub account: Option<super::payment::PatientAccount>,
    /// The forms sent to them, and those that can be.
    pub forms: super::form_submissions::PatientForms,
}

pub const PAGE_SIZE: i64 = 50;

/// One page of the patient list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PatientPage {
    pub patients: Vec<PatientSummary>,
    /// The cursor of the next page (`after`), when there is one.
    pub next: Option<String>,
}

/// A keyset cursor: the last row's sort key, so pages stay fast deep into the list.
pub fn cursor(patient: &PatientSummary) -> String {
    format!("{}|{}", patient.full_name.to_lowercase(), patient.id)
}

pub fn parse_cursor(raw: &str) -> Option<(String, Uuid)> {
    let (name, id) = raw.rsplit_once('|')?;
    Some((name.to_owned(), Uuid::parse_str(id).ok()?))
}

/// One row of an import: what it would create, or why not.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportRow {
    /// 1-based line in the file (the header is line 1).
    pub line: usize,
    pub full_name: String,
    pub phone: String,
    pub email: String,
    pub problems: Vec<String>,
}

/// The fields of one import line, in the order of [`IMPORT_COLUMNS`].
pub type ImportFields = [String; 8];

impl ImportRow {
    /// Checks one line: the row as the preview shows it, and the patient it creates
    /// when it has no problems.
    pub fn check(line: usize, f: &ImportFields) -> (Self, Option<PatientDetails>) {
        let parsed = PatientForm {
            full_name: f[0].clone(),
            phone: f[1].clone(),
            email: f[2].clone(),
            birth_date: f[3].clone(),
            notes: f[4].clone(),
            tags: f[5].clone(),
            consent_sms: truthy(&f[6]).then(|| f[6].clone()),
            consent_email: truthy(&f[7]).then(|| f[7].clone()),
        }
        .parse();
        let label = |field: &str| match field {
            "full_name" => "Name",
            "phone" => "Phone",
            "email" => "Email",
            "birth_date" => "Birth date",
            "notes" => "Notes",
            "tags" => "Tags",
            _ => "Row",
        };
        let problems = match &parsed {
            Ok(_) => Vec::new(),
            Err(AppError::Validation(errors)) => errors
                .iter()
                .map(|e| format!("{}: {}", label(&e.field), e.message))
                .collect(),
            Err(other) => vec![other.to_string()],
        };
        let row = Self {
            line,
            full_name: f[0].clone(),
            phone: f[1].clone(),
            email: f[2].clone(),
            problems,
        };
        (row, parsed.ok())
    }
}

/// The preview of an import.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportPreview {
    pub id: Uuid,
    pub rows: Vec<ImportRow>,
    pub valid: usize,
    pub invalid: usize,
    pub imported: bool,
}

/// The CSV columns an import reads (any order; others are ignored).
pub const IMPORT_COLUMNS: [&str; 8] = [
    "full_name",
    "phone",
    "email",
    "birth_date",
    "notes",
    "tags",
    "consent_sms",
    "consent_email",
];

/// Reads "yes", "true", "1", "x" as agreement.
pub fn truthy(raw: &str) -> bool {
    matches!(raw.trim().to_lowercase().as_str(), "yes" | "y" | "true" | "1" | "x")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_existing_patient_or_a_new_one_with_name_and_phone() {
        let id = Uuid::new_v4();
        assert_eq!(
            PatientChoice::parse(&id.to_string(), "", "").unwrap(),
            PatientChoice::Existing(id)
        );
        assert!(matches!(
            PatientChoice::parse("", "Ada Lovelace", "+44 20 7946 0958"),
            Ok(PatientChoice::New { .. })
        ));
        let AppError::Validation(errors) = PatientChoice::parse("", "Ada", "").unwrap_err() else {
            panic!()
        };
        assert_eq!(errors[0].field, "new_patient_phone");
        assert!(PatientChoice::parse("", "", "")
            .unwrap_err()
            .field_message("patient_id")
            .is_some());
    }

    #[test]
    fn details_are_validated_and_tags_normalized() {
        let details = PatientForm {
            full_name: " Ada  Lovelace ".into(),
            phone: "+44 20 7946 0958".into(),
            email: "ADA@example.com".into(),
            birth_date: "1984-02-29".into(),
            tags: "VIP, knee,  , vip".into(),
            consent_sms: Some("on".into()),
            ..Default::default()
        }
        .parse()
        .unwrap();
        assert_eq!(details.full_name.as_str(), "Ada Lovelace");
        assert_eq!(details.email.unwrap().as_str(), "ada@example.com");
        assert_eq!(details.tags, ["knee", "vip"]);
        assert!(details.consent_sms && !details.consent_email);
    }

    #[test]
    fn a_patient_needs_a_way_to_be_reached_and_sane_fields() {
        let none = PatientForm {
            full_name: "Ada".into(),
            ..Default::default()
        }
        .parse()
        .unwrap_err();
        assert!(none.field_message("phone").is_some());
        let AppError::Validation(errors) = PatientForm {
            phone: "abc".into(),
            email: "nope".into(),
            birth_date: "2999-01-01".into(),
            ..Default::default()
        }
        .parse()
        .unwrap_err() else {
            panic!()
        };
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["full_name", "phone", "email", "birth_date"]);
    }

    #[test]
    fn cursors_round_trip_and_phones_compare_by_digits() {
        let p = PatientSummary {
            id: Uuid::new_v4(),
            full_name: "Ada | Lovelace".into(),
            phone: String::new(),
            email: String::new(),
        };
        assert_eq!(parse_cursor(&cursor(&p)), Some(("ada | lovelace".into(), p.id)));
        assert_eq!(phone_digits("+44 (20) 7946-0958"), "442079460958");
        assert!(truthy(" Yes ") && truthy("1") && !truthy("no") && !truthy(""));
    }
}
