//! The working-hours rule for staff bookings and moves (the portal offers only times
//! inside the hours, from the availability engine). What is wrong with a time is
//! `domain::schedule::Rota::problem`; this decides what a caller may do about it.

use uuid::Uuid;

use crate::domain::AppError;

/// Who is booked, and where.
#[derive(Debug, Clone, Copy)]
pub struct Practitioner<'a> {
    pub id: Uuid,
    pub name: &'a str,
}

/// Applies the working-hours rule: refuses, or lets a permitted override through.
pub fn hours_rule(problem: Option<String>, may_override: bool, override_hours: bool) -> Result<(), AppError> {
    match problem {
        None => Ok(()),
        Some(_) if override_hours && may_override => Ok(()),
        Some(message) if may_override => Err(AppError::Conflict {
            field: Some("override_hours".into()),
            message: format!("{message} Tick “Book outside working hours” to book anyway."),
        }),
        Some(message) => Err(AppError::field(
            "time",
            format!("{message} Choose a time within their hours."),
        )),
    }
}
