//! Patients as the calendar finds and shows them.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{account::PersonName, contact::Phone, error::AppError};

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
}
