//! The catalog a branch books from: services, rooms and equipment.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{
    calendar::CalendarColumn,
    error::{AppError, FieldError},
    money::parse_amount,
};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Service {
    pub id: Uuid,
    pub name: String,
    pub duration_minutes: i32,
    pub price_minor: i64,
    pub buffer_before_minutes: i32,
    pub buffer_after_minutes: i32,
    pub colour: String,
    pub online_bookable: bool,
    /// The kind of room it needs ("treatment"), if any.
    pub room_kind: Option<String>,
    /// The kinds of equipment it needs, one of each.
    pub resource_kinds: Vec<String>,
    /// Who gives it.
    pub practitioner_ids: Vec<Uuid>,
    pub active: bool,
}

/// A room or a piece of equipment of a branch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Place {
    pub id: Uuid,
    pub branch_id: Uuid,
    pub name: String,
    pub kind: String,
    pub active: bool,
}

/// A branch's rooms and equipment, as the settings page lists them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Places {
    pub rooms: Vec<Place>,
    pub equipment: Vec<Place>,
}

/// The services settings page: the catalog, who could give a service (staff with access
/// to the branch), the kinds of room the branch has, and the organization's currency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServicesPage {
    pub services: Vec<Service>,
    pub staff: Vec<CalendarColumn>,
    pub room_kinds: Vec<String>,
    pub currency: String,
}

/// Validated service details.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceDetails {
    pub name: String,
    pub duration_minutes: i32,
    pub price_minor: i64,
    pub buffer_before_minutes: i32,
    pub buffer_after_minutes: i32,
    pub colour: String,
    pub online_bookable: bool,
    pub room_kind: Option<String>,
    pub resource_kinds: Vec<String>,
    pub practitioner_ids: Vec<Uuid>,
}

/// A short label: a name, or a kind of room or equipment.
pub fn label(field: &str, what: &str, raw: &str, max: usize) -> Result<String, FieldError> {
    let value = raw.split_whitespace().collect::<Vec<_>>().join(" ");
    if value.is_empty() {
        return Err(FieldError::new(field, format!("Enter {what}.")));
    }
    if value.chars().count() > max {
        return Err(FieldError::new(
            field,
            format!("Keep {what} to {max} characters or fewer."),
        ));
    }
    Ok(value)
}

/// A kind is compared case-blind: "Treatment" and "treatment " are the same kind.
pub fn normalize_kind(raw: &str) -> String {
    raw.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase()
}

fn minutes(field: &str, raw: &str, range: std::ops::RangeInclusive<i32>, what: &str) -> Result<i32, FieldError> {
    match raw.trim().parse::<i32>() {
        Ok(n) if range.contains(&n) => Ok(n),
        _ => Err(FieldError::new(
            field,
            format!("{what} is {} to {} minutes.", range.start(), range.end()),
        )),
    }
}

/// The service form as posted (adding and editing alike). Ticked boxes arrive as
/// `Some("on")`; `practitioners[]` once per ticked practitioner.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServiceForm {
    pub name: String,
    pub duration_minutes: String,
    pub price: String,
    #[serde(default)]
    pub buffer_before_minutes: String,
    #[serde(default)]
    pub buffer_after_minutes: String,
    pub colour: String,
    #[serde(default)]
    pub online_bookable: Option<String>,
    #[serde(default)]
    pub room_kind: String,
    /// Comma-separated.
    #[serde(default)]
    pub resource_kinds: String,
    #[serde(default)]
    pub practitioners: Vec<String>,
    /// Only on the edit form: no longer booked.
    #[serde(default)]
    pub retired: Option<String>,
}

impl ServiceForm {
    /// Whether the service stays bookable.
    pub fn active(&self) -> bool {
        self.retired.is_none()
    }

    /// `currency` is the organization's: it says how many decimals the price may have.
    pub fn parse(&self, currency: &str) -> Result<ServiceDetails, AppError> {
        let (name, duration, price, buffer_before, buffer_after, colour, room_kind, resource_kinds) = (
            self.name.as_str(),
            self.duration_minutes.as_str(),
            self.price.as_str(),
            self.buffer_before_minutes.as_str(),
            self.buffer_after_minutes.as_str(),
            self.colour.as_str(),
            self.room_kind.as_str(),
            self.resource_kinds.as_str(),
        );
        let (online_bookable, practitioners) = (self.online_bookable.is_some(), &self.practitioners);
        let colour_check = {
            let c = colour.trim().to_lowercase();
            if c.len() == 7 && c.starts_with('#') && c[1..].chars().all(|ch| ch.is_ascii_hexdigit()) {
                Ok(c)
            } else {
                Err(FieldError::new("colour", "Choose a colour like #0f6b7a."))
            }
        };
        let practitioner_ids: Result<Vec<Uuid>, FieldError> = practitioners
            .iter()
            .map(|p| Uuid::parse_str(p.trim()).map_err(|_| FieldError::new("practitioners", "Unknown practitioner.")))
            .collect();
        let kinds: Vec<String> = resource_kinds
            .split(',')
            .map(normalize_kind)
            .filter(|k| !k.is_empty())
            .collect();
        let kinds_check = if kinds.iter().any(|k| k.chars().count() > 40) {
            Err(FieldError::new(
                "resource_kinds",
                "Keep each kind of equipment to 40 characters.",
            ))
        } else {
            Ok(kinds)
        };
        let room_kind = normalize_kind(room_kind);
        match (
            label("name", "the service's name", name, 80),
            minutes("duration_minutes", duration, 5..=600, "A service"),
            parse_amount("price", price, currency),
            minutes(
                "buffer_before_minutes",
                if buffer_before.trim().is_empty() {
                    "0"
                } else {
                    buffer_before
                },
                0..=120,
                "A buffer",
            ),
            minutes(
                "buffer_after_minutes",
                if buffer_after.trim().is_empty() {
                    "0"
                } else {
                    buffer_after
                },
                0..=120,
                "A buffer",
            ),
            colour_check,
            kinds_check,
            practitioner_ids,
        ) {
            (
                Ok(name),
                Ok(duration_minutes),
                Ok(price_minor),
                Ok(before),
                Ok(after),
                Ok(colour),
                Ok(resource_kinds),
                Ok(mut practitioner_ids),
            ) => {
                practitioner_ids.sort();
                practitioner_ids.dedup();
                Ok(ServiceDetails {
                    name,
                    duration_minutes,
                    price_minor,
                    buffer_before_minutes: before,
                    buffer_after_minutes: after,
                    colour,
                    online_bookable,
                    room_kind: (!room_kind.is_empty()).then_some(room_kind),
                    resource_kinds,
                    practitioner_ids,
                })
            }
            (a, b, c, d, e, f, g, h) => Err(AppError::Validation(
                [a.err(), b.err(), c.err(), d.err(), e.err(), f.err(), g.err(), h.err()]
                    .into_iter()
                    .flatten()
                    .collect(),
            )),
        }
    }
}

/// A room's or a piece of equipment's form: adding one, or changing one's row.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlaceForm {
    pub name: String,
    pub kind: String,
    #[serde(default)]
    pub retired: Option<String>,
}

impl PlaceForm {
    pub fn active(&self) -> bool {
        self.retired.is_none()
    }

    pub fn parse(&self) -> Result<PlaceDetails, AppError> {
        PlaceDetails::parse(&self.name, &self.kind)
    }
}

/// Validated name and kind of a room or piece of equipment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlaceDetails {
    pub name: String,
    pub kind: String,
}

impl PlaceDetails {
    pub fn parse(name: &str, kind: &str) -> Result<Self, AppError> {
        match (
            label("name", "a name", name, 80),
            label("kind", "what kind it is", kind, 40),
        ) {
            (Ok(name), Ok(kind)) => Ok(Self {
                name,
                kind: normalize_kind(&kind),
            }),
            (a, b) => Err(AppError::Validation([a.err(), b.err()].into_iter().flatten().collect())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_service_parses_with_defaults_for_empty_buffers() {
        let p = Uuid::new_v4().to_string();
        let service = ServiceForm {
            name: " Sports  massage ".into(),
            duration_minutes: "45".into(),
            price: "60,00".into(),
            buffer_after_minutes: "10".into(),
            colour: "#AA3366".into(),
            online_bookable: Some("on".into()),
            room_kind: "Treatment".into(),
            resource_kinds: "Massage table, ".into(),
            practitioners: vec![p.clone(), p],
            ..Default::default()
        }
        .parse("EUR")
        .unwrap();
        assert_eq!(service.name, "Sports massage");
        assert_eq!((service.duration_minutes, service.price_minor), (45, 6000));
        assert_eq!((service.buffer_before_minutes, service.buffer_after_minutes), (0, 10));
        assert_eq!(service.colour, "#aa3366");
        assert_eq!(service.room_kind.as_deref(), Some("treatment"));
        assert_eq!(service.resource_kinds, ["massage table"]);
        assert_eq!(service.practitioner_ids.len(), 1);
    }

    #[test]
    fn every_bad_service_field_is_named() {
        let form = ServiceForm {
            duration_minutes: "3".into(),
            price: "free".into(),
            buffer_before_minutes: "-1".into(),
            buffer_after_minutes: "500".into(),
            colour: "teal".into(),
            practitioners: vec!["x".into()],
            ..Default::default()
        };
        let AppError::Validation(errors) = form.parse("EUR").unwrap_err() else {
            panic!("expected validation")
        };
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "name",
                "duration_minutes",
                "price",
                "buffer_before_minutes",
                "buffer_after_minutes",
                "colour",
                "practitioners"
            ]
        );
    }

    #[test]
    fn kinds_are_case_blind() {
        let room = PlaceDetails::parse("Room 1", " Treatment ").unwrap();
        assert_eq!(room.kind, "treatment");
        assert!(PlaceDetails::parse("", "").is_err());
    }
}
