//! The visit: what was done (services performed, materials used) and the clinical note
//! the treating practitioner writes, signed when the visit is completed and never
//! rewritten after (later words are addenda).

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{
    appointment::Status,
    calendar::CalendarColumn,
    error::{AppError, FieldError},
    money::parse_amount,
};

/// The note's sections (SOAP), as stored, labelled and explained.
pub const NOTE_SECTIONS: [(&str, &str, &str); 4] = [
    (
        "subjective",
        "Subjective",
        "What the patient reports: complaint, history, symptoms.",
    ),
    (
        "objective",
        "Objective",
        "What you found: observations, measurements, tests.",
    ),
    ("assessment", "Assessment", "Your clinical impression or diagnosis."),
    ("plan", "Plan", "Treatment given, advice, next steps and follow-up."),
];

/// The longest a section or an addendum may be.
pub const NOTE_MAX_CHARS: usize = 20_000;

/// The note as posted (every field text, so a form without JavaScript posts it as is).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NoteForm {
    pub subjective: String,
    pub objective: String,
    pub assessment: String,
    pub plan: String,
}

impl NoteForm {
    pub fn sections(&self) -> [(&'static str, &str); 4] {
        [
            ("subjective", &self.subjective),
            ("objective", &self.objective),
            ("assessment", &self.assessment),
            ("plan", &self.plan),
        ]
    }

    /// The note with each section trimmed, or which section is too long.
    pub fn parse(&self) -> Result<NoteForm, AppError> {
        let errors: Vec<FieldError> = self
            .sections()
            .into_iter()
            .filter(|(_, text)| text.trim().chars().count() > NOTE_MAX_CHARS)
            .map(|(field, _)| FieldError::new(field, format!("Keep this under {NOTE_MAX_CHARS} characters.")))
            .collect();
        if !errors.is_empty() {
            return Err(AppError::Validation(errors));
        }
        Ok(NoteForm {
            subjective: self.subjective.trim().to_owned(),
            objective: self.objective.trim().to_owned(),
            assessment: self.assessment.trim().to_owned(),
            plan: self.plan.trim().to_owned(),
        })
    }

    pub fn is_empty(&self) -> bool {
        self.sections().iter().all(|(_, text)| text.trim().is_empty())
    }
}

/// An addendum's words, trimmed, or why they cannot be added.
pub fn parse_addendum(body: &str) -> Result<String, AppError> {
    let body = body.trim();
    if body.is_empty() || body.chars().count() > NOTE_MAX_CHARS {
        return Err(AppError::field(
            "body",
            format!("Write the addendum (up to {NOTE_MAX_CHARS} characters)."),
        ));
    }
    Ok(body.to_owned())
}

/// A service performed, as posted: which, how many, and (for those allowed) at what price.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServiceLineForm {
    pub service_id: String,
    /// Blank: one.
    #[serde(default)]
    pub quantity: String,
    /// Blank: the catalog's price.
    #[serde(default)]
    pub price: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ServiceLine {
    pub service_id: Uuid,
    pub quantity: i32,
    /// Minor units; `None` keeps the catalog's price.
    pub price: Option<i64>,
}

/// A count typed into a form: a whole number from 1 to `max` (blank is 1).
pub fn parse_count(field: &str, raw: &str, max: i32) -> Result<i32, FieldError> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(1);
    }
    raw.parse::<i32>()
        .ok()
        .filter(|n| (1..=max).contains(n))
        .ok_or_else(|| FieldError::new(field, format!("Enter a whole number from 1 to {max}.")))
}

impl ServiceLineForm {
    pub fn parse(&self, currency: &str) -> Result<ServiceLine, AppError> {
        let mut errors = Vec::new();
        let service_id = Uuid::parse_str(self.service_id.trim())
            .map_err(|_| errors.push(FieldError::new("service_id", "Choose the service performed.")))
            .ok();
        let quantity = parse_count("quantity", &self.quantity, 100)
            .map_err(|e| errors.push(e))
            .ok();
        let price = match self.price.trim() {
            "" => Some(None),
            raw => parse_amount("price", raw, currency)
                .map(Some)
                .map_err(|e| errors.push(e))
                .ok(),
        };
        match (service_id, quantity, price) {
            (Some(service_id), Some(quantity), Some(price)) if errors.is_empty() => Ok(ServiceLine {
                service_id,
                quantity,
                price,
            }),
            _ => Err(AppError::Validation(errors)),
        }
    }
}

/// A material used, as posted: an item from stock (`item_id`), or one described in words.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MaterialForm {
    #[serde(default)]
    pub item_id: String,
    #[serde(default)]
    pub description: String,
    pub quantity: String,
    #[serde(default)]
    pub unit: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Material {
    /// Taken from stock: its description and unit are the item's.
    pub item_id: Option<Uuid>,
    pub description: String,
    pub quantity: i32,
    pub unit: String,
}

impl MaterialForm {
    pub fn parse(&self) -> Result<Material, AppError> {
        let mut errors = Vec::new();
        let item_id = match self.item_id.trim() {
            "" => None,
            raw => match Uuid::parse_str(raw) {
                Ok(id) => Some(id),
                Err(_) => {
                    errors.push(FieldError::new("item_id", "Choose an item from the list."));
                    None
                }
            },
        };
        let description = self.description.trim();
        let from_stock = !self.item_id.trim().is_empty();
        if (!from_stock && description.is_empty()) || description.chars().count() > 200 {
            errors.push(FieldError::new(
                "description",
                "Say what was used, for example “Acupuncture needles”.",
            ));
        }
        let quantity = parse_count("quantity", &self.quantity, 10_000)
            .map_err(|e| errors.push(e))
            .ok();
        let unit = self.unit.trim();
        if unit.chars().count() > 20 {
            errors.push(FieldError::new("unit", "Keep the unit short, like “ml” or “pairs”."));
        }
        match quantity {
            Some(quantity) if errors.is_empty() => Ok(Material {
                item_id,
                description: description.to_owned(),
                quantity,
                unit: unit.to_owned(),
            }),
            _ => Err(AppError::Validation(errors)),
        }
    }
}

/// A service performed, as the visit lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PerformedService {
    pub id: Uuid,
    pub service_id: Uuid,
    pub name: String,
    pub quantity: i32,
    pub unit_price: i64,
    pub price_overridden: bool,
}

impl PerformedService {
    pub fn total(&self) -> i64 {
        i64::from(self.quantity) * self.unit_price
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UsedMaterial {
    pub id: Uuid,
    pub description: String,
    pub quantity: i32,
    pub unit: String,
    /// Taken from stock.
    pub item_id: Option<Uuid>,
    /// Brought by this service's materials recipe.
    pub service: Option<String>,
    /// The ledger holds its consumption (the visit is completed).
    pub consumed: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Addendum {
    pub author_name: String,
    pub when_local: String,
    pub body: String,
}

/// The clinical note as a reader allowed to see it sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClinicalNote {
    pub note: NoteForm,
    /// "Signed by … on …", once signed.
    pub signed: Option<String>,
    pub addenda: Vec<Addendum>,
    /// The treating practitioner may still change it.
    pub editable: bool,
    /// The reader may add an addendum (the note is signed and they write notes).
    pub may_add_addendum: bool,
}

/// A service the visit can add, with its catalog price.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServiceChoice {
    pub id: Uuid,
    pub name: String,
    pub price: i64,
}

/// Everything the appointment page shows of the visit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VisitRecord {
    pub appointment_id: Uuid,
    pub status: Status,
    /// Local times: "09:02"
    pub arrived_local: Option<String>,
    pub started_local: Option<String>,
    pub completed_local: Option<String>,
    pub currency: String,
    pub services: Vec<PerformedService>,
    pub materials: Vec<UsedMaterial>,
    /// `None` when the viewer may not read clinical notes (or there is no visit yet).
    pub note: Option<ClinicalNote>,
    /// Services and materials can be added and removed by this viewer.
    pub can_record: bool,
    pub can_override_price: bool,
    pub service_choices: Vec<ServiceChoice>,
    /// The items a material can be taken from, with what the branch holds.
    pub stock_choices: Vec<CalendarColumn>,
    /// This viewer may undo the last step (`Status::undo_label` says which).
    pub can_undo: bool,
    /// The visit's invoice (its id, and its number or "Draft"), once it has one.
    pub invoice: Option<(Uuid, String)>,
    /// This viewer may invoice the visit.
    pub can_invoice: bool,
}

impl VisitRecord {
    pub fn services_total(&self) -> i64 {
        self.services.iter().map(PerformedService::total).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_note_is_trimmed_and_each_section_has_a_limit() {
        let form = NoteForm {
            subjective: "  Low back pain for 3 weeks. ".into(),
            plan: "x".repeat(NOTE_MAX_CHARS + 1),
            ..NoteForm::default()
        };
        let err = form.parse().unwrap_err();
        assert!(err.field_message("plan").is_some());
        assert!(err.field_message("subjective").is_none());
        let ok = NoteForm {
            plan: "Exercises".into(),
            ..form
        }
        .parse()
        .unwrap();
        assert_eq!(ok.subjective, "Low back pain for 3 weeks.");
        assert!(!ok.is_empty());
        assert!(NoteForm::default().is_empty());
    }

    #[test]
    fn a_service_line_parses_its_count_and_optional_price() {
        let id = Uuid::new_v4();
        let form = ServiceLineForm {
            service_id: id.to_string(),
            quantity: "".into(),
            price: "".into(),
        };
        assert_eq!(
            form.parse("GBP").unwrap(),
            ServiceLine {
                service_id: id,
                quantity: 1,
                price: None
            }
        );
        let priced = ServiceLineForm {
            quantity: "2".into(),
            price: "40.50".into(),
            ..form.clone()
        };
        assert_eq!(priced.parse("GBP").unwrap().price, Some(4050));
        let bad = ServiceLineForm {
            service_id: "nope".into(),
            quantity: "0".into(),
            price: "4.5.0".into(),
        }
        .parse("GBP")
        .unwrap_err();
        for field in ["service_id", "quantity", "price"] {
            assert!(bad.field_message(field).is_some(), "{field}");
        }
    }

    #[test]
    fn a_material_needs_a_description_and_a_count() {
        let m = MaterialForm {
            description: " Needles ".into(),
            quantity: "12".into(),
            ..MaterialForm::default()
        }
        .parse()
        .unwrap();
        assert_eq!((m.description.as_str(), m.quantity, m.item_id), ("Needles", 12, None));
        let bad = MaterialForm::default().parse().unwrap_err();
        assert!(bad.field_message("description").is_some());
        // From stock, the item says what it is.
        let item = Uuid::new_v4();
        let stocked = MaterialForm {
            item_id: item.to_string(),
            quantity: "2".into(),
            ..MaterialForm::default()
        }
        .parse()
        .unwrap();
        assert_eq!((stocked.item_id, stocked.quantity), (Some(item), 2));
        let unknown = MaterialForm {
            item_id: "gel".into(),
            quantity: "2".into(),
            ..MaterialForm::default()
        }
        .parse()
        .unwrap_err();
        assert!(unknown.field_message("item_id").is_some());
        assert!(unknown.field_message("description").is_none());
        assert!(parse_addendum("   ").is_err());
        assert_eq!(parse_addendum(" Called to check. ").unwrap(), "Called to check.");
    }
}
