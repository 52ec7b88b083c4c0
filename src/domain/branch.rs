//! Branches: the locations of an organization, with their address, time zone and
//! opening hours.

use chrono::NaiveTime;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{
    account::{BranchName, TimeZone},
    contact::Phone,
    error::{AppError, FieldError},
};

pub const WEEKDAYS: [(&str, &str); 7] = [
    ("mon", "Monday"),
    ("tue", "Tuesday"),
    ("wed", "Wednesday"),
    ("thu", "Thursday"),
    ("fri", "Friday"),
    ("sat", "Saturday"),
    ("sun", "Sunday"),
];

/// One opening interval; `weekday` 1 is Monday, 7 Sunday (ISO 8601).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct DayHours {
    pub weekday: u8,
    #[serde(with = "hhmm")]
    pub opens: NaiveTime,
    #[serde(with = "hhmm")]
    pub closes: NaiveTime,
}

/// When a branch is open, in its own time zone. Days without an entry are closed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpeningHours(pub Vec<DayHours>);

/// The opening-hours part of a form: two time fields per weekday, both empty when closed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WeekHoursInput {
    #[serde(default)]
    pub mon: DayInput,
    #[serde(default)]
    pub tue: DayInput,
    #[serde(default)]
    pub wed: DayInput,
    #[serde(default)]
    pub thu: DayInput,
    #[serde(default)]
    pub fri: DayInput,
    #[serde(default)]
    pub sat: DayInput,
    #[serde(default)]
    pub sun: DayInput,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DayInput {
    #[serde(default)]
    pub opens: String,
    #[serde(default)]
    pub closes: String,
}

impl WeekHoursInput {
    pub fn days(&self) -> [&DayInput; 7] {
        [
            &self.mon, &self.tue, &self.wed, &self.thu, &self.fri, &self.sat, &self.sun,
        ]
    }

    fn days_mut(&mut self) -> [&mut DayInput; 7] {
        [
            &mut self.mon,
            &mut self.tue,
            &mut self.wed,
            &mut self.thu,
            &mut self.fri,
            &mut self.sat,
            &mut self.sun,
        ]
    }
}

fn parse_time(raw: &str) -> Option<NaiveTime> {
    NaiveTime::parse_from_str(raw.trim(), "%H:%M").ok()
}

impl OpeningHours {
    /// Field errors are named `hours.mon` … `hours.sun`.
    pub fn parse(input: &WeekHoursInput) -> Result<Self, Vec<FieldError>> {
        let mut days = Vec::new();
        let mut errors = Vec::new();
        for (n, ((key, name), day)) in WEEKDAYS.iter().zip(input.days()).enumerate() {
            let field = format!("hours.{key}");
            match (day.opens.trim(), day.closes.trim()) {
                ("", "") => {}
                (opens, closes) => match (parse_time(opens), parse_time(closes)) {
                    (Some(opens), Some(closes)) if opens < closes => days.push(DayHours {
                        weekday: n as u8 + 1,
                        opens,
                        closes,
                    }),
                    (Some(_), Some(_)) => errors.push(FieldError::new(
                        field,
                        format!("On {name}, closing time must be after opening time."),
                    )),
                    _ => errors.push(FieldError::new(
                        field,
                        format!("On {name}, give both times as HH:MM, or leave both empty if closed."),
                    )),
                },
            }
        }
        if errors.is_empty() {
            Ok(Self(days))
        } else {
            Err(errors)
        }
    }

    /// The form's view of these hours.
    pub fn to_input(&self) -> WeekHoursInput {
        let mut input = WeekHoursInput::default();
        for day in &self.0 {
            if let Some(slot) = input
                .days_mut()
                .into_iter()
                .nth(usize::from(day.weekday.saturating_sub(1)))
            {
                slot.opens = day.opens.format("%H:%M").to_string();
                slot.closes = day.closes.format("%H:%M").to_string();
            }
        }
        input
    }
}

/// A branch as staff see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Branch {
    pub id: Uuid,
    pub name: String,
    pub address: String,
    pub phone: String,
    pub timezone: String,
    pub opening_hours: OpeningHours,
}

/// Validated details of a branch to create or update.
#[derive(Debug, Clone)]
pub struct BranchDetails {
    pub name: BranchName,
    pub address: String,
    pub phone: Option<Phone>,
    pub timezone: TimeZone,
    pub opening_hours: OpeningHours,
}

/// The branch form as posted (creating and editing alike); the opening hours arrive
/// as `hours[mon][opens]` and so on.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BranchForm {
    pub name: String,
    #[serde(default)]
    pub address: String,
    #[serde(default)]
    pub phone: String,
    pub timezone: String,
    #[serde(default)]
    pub hours: WeekHoursInput,
}

impl BranchForm {
    pub fn parse(&self) -> Result<BranchDetails, AppError> {
        BranchDetails::parse(&self.name, &self.address, &self.phone, &self.timezone, &self.hours)
    }
}

/// A branch's address as patients read it, on one line or several; it may be empty.
pub fn branch_address(field: &str, raw: &str) -> Result<String, FieldError> {
    let address = raw.trim().to_owned();
    if address.chars().count() > 300 {
        return Err(FieldError::new(field, "Keep the address to 300 characters or fewer."));
    }
    Ok(address)
}

impl BranchDetails {
    /// Shared by the form and the REST API's JSON body.
    pub fn parse(
        name: &str,
        address: &str,
        phone: &str,
        timezone: &str,
        hours: &WeekHoursInput,
    ) -> Result<Self, AppError> {
        match (
            BranchName::parse("name", name),
            branch_address("address", address),
            Phone::parse_optional("phone", phone),
            TimeZone::parse("timezone", timezone),
            OpeningHours::parse(hours),
        ) {
            (Ok(name), Ok(address), Ok(phone), Ok(timezone), Ok(opening_hours)) => Ok(Self {
                name,
                address,
                phone,
                timezone,
                opening_hours,
            }),
            (name, address, phone, timezone, hours) => {
                let mut errors: Vec<FieldError> = [name.err(), address.err(), phone.err(), timezone.err()]
                    .into_iter()
                    .flatten()
                    .collect();
                errors.extend(hours.err().unwrap_or_default());
                Err(AppError::Validation(errors))
            }
        }
    }
}

mod hhmm {
    use chrono::NaiveTime;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(time: &NaiveTime, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&time.format("%H:%M").to_string())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<NaiveTime, D::Error> {
        let raw = String::deserialize(d)?;
        NaiveTime::parse_from_str(&raw, "%H:%M").map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn week(pairs: &[(usize, &str, &str)]) -> WeekHoursInput {
        let mut input = WeekHoursInput::default();
        for (day, opens, closes) in pairs {
            let slot = input.days_mut().into_iter().nth(*day).unwrap();
            slot.opens = (*opens).into();
            slot.closes = (*closes).into();
        }
        input
    }

    #[test]
    fn hours_parse_and_round_trip_through_the_form() {
        let input = week(&[(0, "08:00", "18:00"), (5, "09:30", "13:00")]);
        let hours = OpeningHours::parse(&input).unwrap();
        assert_eq!(hours.0.len(), 2);
        assert_eq!(hours.0[1].weekday, 6);
        assert_eq!(hours.to_input(), input);
        let json = serde_json::to_string(&hours).unwrap();
        assert!(json.contains(r#""opens":"08:00""#));
        assert_eq!(serde_json::from_str::<OpeningHours>(&json).unwrap(), hours);
    }

    #[test]
    fn half_filled_or_backwards_days_name_their_day() {
        let errors = OpeningHours::parse(&week(&[(1, "08:00", ""), (2, "18:00", "08:00")])).unwrap_err();
        let fields: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["hours.tue", "hours.wed"]);
        assert!(errors[1].message.contains("Wednesday"));
    }

    #[test]
    fn branch_details_report_every_bad_field() {
        let err =
            BranchDetails::parse("", "Main St 1", "call us", "Nowhere/City", &WeekHoursInput::default()).unwrap_err();
        let AppError::Validation(errors) = err else {
            panic!("expected validation")
        };
        let fields: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["name", "phone", "timezone"]);
    }
}
