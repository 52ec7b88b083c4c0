//! What stock is used for: a service's materials recipe (what one of it uses up), the
//! refusal when a visit would use more than its branch holds, and usage over a period.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{
    calendar::CalendarColumn,
    error::{AppError, FieldError},
    inventory::StockPage,
    visit::parse_count,
};

/// What one of a service uses up of an item (its materials recipe's line).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecipeLine {
    pub item_id: Uuid,
    pub item: String,
    pub unit: String,
    pub quantity: i32,
}

/// A service's materials recipe, and the items it can take.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServiceRecipe {
    pub lines: Vec<RecipeLine>,
    pub items: Vec<CalendarColumn>,
}

/// A recipe line as posted: the item, and how many of it one of the service uses.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecipeForm {
    pub item_id: String,
    #[serde(default)]
    pub quantity: String,
}

impl RecipeForm {
    pub fn parse(&self) -> Result<(Uuid, i32), AppError> {
        let item = Uuid::parse_str(self.item_id.trim())
            .map_err(|_| FieldError::new("item_id", "Choose the item the service uses."));
        let quantity = parse_count("quantity", &self.quantity, 10_000);
        match (item, quantity) {
            (Ok(item), Ok(quantity)) => Ok((item, quantity)),
            (item, quantity) => Err(AppError::Validation(
                [item.err(), quantity.err()].into_iter().flatten().collect(),
            )),
        }
    }
}

/// What an item's stock gave over a period at a branch: used in visits (less what
/// visits gave back) and sold.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemUsage {
    pub item_id: Uuid,
    pub item: String,
    pub sku: String,
    pub unit: String,
    pub used: i64,
    /// What the units used cost, at the item's cost now.
    pub cost_minor: i64,
}

/// What a service's completed visits used of an item over a period (a material added by
/// hand counts for the visit's booked service).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServiceUsage {
    pub service: String,
    pub item: String,
    pub unit: String,
    pub used: i64,
    pub visits: i64,
}

/// Usage at the caller's branch from `from` to `until` (local days, both included).
/// Its dates are text, made on the server: parsing and formatting dates would bring
/// chrono's format machinery into the browser's code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UsageReport {
    /// `2026-11-08`
    pub from: String,
    pub until: String,
    /// "From 8 Nov 2026 to 7 Dec 2026"
    pub title: String,
    pub currency: String,
    pub items: Vec<ItemUsage>,
    pub services: Vec<ServiceUsage>,
}

/// `/app/stock` in one load: the branch's stock, and its usage over the period the page
/// asks for, or why that period cannot be read (the stock shows all the same).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StockOverview {
    pub stock: StockPage,
    pub usage: Result<UsageReport, AppError>,
}

/// The longest period one report covers.
pub const USAGE_MAX_DAYS: i64 = 366;

/// The period of a usage report from its form (`YYYY-MM-DD`, blank for the default): the
/// 30 days up to today unless said otherwise.
pub fn usage_period(from: &str, until: &str, today: NaiveDate) -> Result<(NaiveDate, NaiveDate), AppError> {
    let day = |field: &str, raw: &str| match raw.trim() {
        "" => Ok(None),
        raw => NaiveDate::parse_from_str(raw, "%Y-%m-%d")
            .map(Some)
            .map_err(|_| FieldError::new(field, "Enter a date like 2026-11-21.")),
    };
    let (from, until) = match (day("from", from), day("until", until)) {
        (Ok(from), Ok(until)) => (from, until),
        (from, until) => {
            return Err(AppError::Validation(
                [from.err(), until.err()].into_iter().flatten().collect(),
            ))
        }
    };
    let until = until.unwrap_or(today);
    let from = from.unwrap_or(until - chrono::Duration::days(29));
    if from > until {
        return Err(AppError::field("from", "Start on or before the end date."));
    }
    if (until - from).num_days() >= USAGE_MAX_DAYS {
        return Err(AppError::field("from", "Choose a year or less."));
    }
    Ok((from, until))
}

/// The refusal when completing a visit (or adding to a completed one) would use more
/// of an item than the branch holds.
pub fn not_enough_for_visit(item: &str, on_hand: i32, unit: &str, wanted: i32) -> AppError {
    short_of(
        format!("Only {on_hand} {unit} of {item} in stock here, so this visit's {wanted} cannot be used."),
        "take it off the visit's materials",
    )
}

/// The refusal when issuing an invoice would sell more of a product than the branch holds.
pub fn not_enough_to_sell(item: &str, on_hand: i32, unit: &str, wanted: i32) -> AppError {
    short_of(
        format!("Only {on_hand} {unit} of {item} in stock here, so this invoice's {wanted} cannot be sold."),
        "change the invoice's line",
    )
}

fn short_of(what: String, or: &str) -> AppError {
    AppError::Conflict {
        field: None,
        message: format!(
            "{what} Record what arrived on the stock page, {or}, or let stock go below zero in Settings → Organization."
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_usage_period_is_the_last_30_days_unless_given_and_at_most_a_year() {
        let today = NaiveDate::from_ymd_opt(2026, 12, 7).unwrap();
        let day = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        assert_eq!(usage_period("", "", today).unwrap(), (day("2026-11-08"), today));
        assert_eq!(
            usage_period("2026-11-01", "2026-11-30", today).unwrap(),
            (day("2026-11-01"), day("2026-11-30"))
        );
        assert_eq!(usage_period("", "2026-01-31", today).unwrap().0, day("2026-01-02"));
        let backwards = usage_period("2026-12-01", "2026-11-01", today).unwrap_err();
        assert!(backwards.field_message("from").is_some());
        assert!(usage_period("2025-01-01", "2026-12-01", today).is_err());
        let bad = usage_period("1st", "soon", today).unwrap_err();
        assert!(bad.field_message("from").is_some() && bad.field_message("until").is_some());
    }

    #[test]
    fn a_recipe_line_needs_an_item_and_a_count() {
        let item = Uuid::new_v4();
        let form = RecipeForm {
            item_id: item.to_string(),
            quantity: "3".into(),
        };
        assert_eq!(form.parse().unwrap(), (item, 3));
        let bad = RecipeForm {
            item_id: "gel".into(),
            quantity: "0".into(),
        }
        .parse()
        .unwrap_err();
        assert!(bad.field_message("item_id").is_some() && bad.field_message("quantity").is_some());
    }
}
