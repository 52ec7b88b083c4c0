//! Inventory: the organization's items (what they cost, when to reorder) and the stock
//! each branch holds, derived from an append-only ledger of movements. The rules of a
//! movement (its sign, what it must say) live here; the balance after it is the
//! database's (see the inventory migration).

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{
    calendar::CalendarColumn,
    catalog::label,
    error::{AppError, FieldError},
    money::parse_amount,
};

/// An item as its page and the stock list show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Item {
    pub id: Uuid,
    pub name: String,
    pub sku: String,
    pub unit: String,
    pub category: String,
    pub cost_minor: i64,
    pub sale_price_minor: Option<i64>,
    pub reorder_level: i32,
    pub reorder_quantity: i32,
    pub supplier: String,
    pub active: bool,
}

/// An item with what the branch holds of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StockRow {
    pub item: Item,
    pub on_hand: i32,
}

impl StockRow {
    /// At or below its reorder level (an item with no level is never low).
    pub fn low(&self) -> bool {
        self.item.reorder_level > 0 && self.on_hand <= self.item.reorder_level
    }

    /// What the units on hand cost, at the item's cost (none for a shortfall).
    pub fn value_minor(&self) -> i64 {
        i64::from(self.on_hand.max(0)) * self.item.cost_minor
    }
}

/// An item at or below its reorder level at a branch, since the movement that took it
/// there (one per crossing, closed when restocked).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StockAlert {
    pub item_id: Uuid,
    pub item: String,
    pub unit: String,
    pub on_hand: i32,
    pub reorder_quantity: i32,
    /// When it opened, in the branch's zone.
    pub since: String,
}

/// `/app/stock`: the caller's branch's stock of every item, and its open alerts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StockPage {
    pub branch: String,
    pub currency: String,
    pub rows: Vec<StockRow>,
    pub alerts: Vec<StockAlert>,
    /// May add items and record movements.
    pub can_manage: bool,
}

impl StockPage {
    pub fn value_minor(&self) -> i64 {
        self.rows.iter().map(StockRow::value_minor).sum()
    }
}

/// One line of the ledger.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Movement {
    pub id: Uuid,
    pub kind: MovementKind,
    pub quantity: i32,
    pub balance_after: i32,
    pub unit_cost_minor: Option<i64>,
    pub reason: String,
    /// For a transfer: the branch on the other side.
    pub other_branch: Option<String>,
    /// For a consumption: the visit's appointment.
    pub appointment_id: Option<Uuid>,
    /// For a sale: the invoice (or credit note) that sold (or took back) the units.
    pub invoice_id: Option<Uuid>,
    pub recorded_by: String,
    /// When, in the branch's zone ("7 Dec 2026, 15:04"): formatted on the server, which
    /// keeps the time zone database out of the browser's code.
    pub when: String,
}

impl Movement {
    pub fn label(&self) -> &'static str {
        match self.kind {
            MovementKind::Consume if self.quantity > 0 => "Given back by a visit",
            MovementKind::Sell if self.quantity > 0 => "Returned on a credit note",
            kind => kind.label(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MovementKind {
    Receive,
    Adjust,
    TransferOut,
    TransferIn,
    Consume,
    Sell,
}

impl MovementKind {
    pub const ALL: [MovementKind; 6] = [
        MovementKind::Receive,
        MovementKind::Adjust,
        MovementKind::TransferOut,
        MovementKind::TransferIn,
        MovementKind::Consume,
        MovementKind::Sell,
    ];

    /// The value stored in `stock_movements.kind`.
    pub fn as_str(self) -> &'static str {
        match self {
            MovementKind::Receive => "receive",
            MovementKind::Adjust => "adjust",
            MovementKind::TransferOut => "transfer_out",
            MovementKind::TransferIn => "transfer_in",
            MovementKind::Consume => "consume",
            MovementKind::Sell => "sell",
        }
    }

    pub fn parse(value: &str) -> Option<MovementKind> {
        MovementKind::ALL.into_iter().find(|k| k.as_str() == value)
    }

    pub fn label(self) -> &'static str {
        match self {
            MovementKind::Receive => "Received",
            MovementKind::Adjust => "Adjusted",
            MovementKind::TransferOut => "Sent to another branch",
            MovementKind::TransferIn => "From another branch",
            MovementKind::Consume => "Used in a visit",
            MovementKind::Sell => "Sold",
        }
    }
}

/// What one branch holds of an item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BranchStock {
    pub branch_id: Uuid,
    pub branch: String,
    pub on_hand: i32,
}

/// `/app/stock/{id}`: the item, its stock in every branch, this branch's latest
/// movements, and the branches a transfer can go to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemPage {
    pub item: Item,
    pub currency: String,
    pub branch_id: Uuid,
    pub stock: Vec<BranchStock>,
    pub movements: Vec<Movement>,
    pub destinations: Vec<CalendarColumn>,
    pub can_manage: bool,
}

impl ItemPage {
    /// What the caller's branch holds.
    pub fn on_hand(&self) -> i32 {
        self.stock
            .iter()
            .find(|s| s.branch_id == self.branch_id)
            .map_or(0, |s| s.on_hand)
    }
}

/// The item form as posted (adding and editing alike).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemForm {
    pub name: String,
    #[serde(default)]
    pub sku: String,
    #[serde(default)]
    pub unit: String,
    #[serde(default)]
    pub category: String,
    #[serde(default)]
    pub cost: String,
    /// Blank: not sold.
    #[serde(default)]
    pub sale_price: String,
    #[serde(default)]
    pub reorder_level: String,
    #[serde(default)]
    pub reorder_quantity: String,
    #[serde(default)]
    pub supplier: String,
    /// Only on the edit form: no longer stocked.
    #[serde(default)]
    pub retired: Option<String>,
}

/// Validated item details.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ItemDetails {
    pub name: String,
    pub sku: String,
    pub unit: String,
    pub category: String,
    pub cost_minor: i64,
    pub sale_price_minor: Option<i64>,
    pub reorder_level: i32,
    pub reorder_quantity: i32,
    pub supplier: String,
    pub active: bool,
}

/// A free-text detail that may be blank.
fn optional(field: &str, what: &str, raw: &str, max: usize) -> Result<String, FieldError> {
    if raw.trim().is_empty() {
        Ok(String::new())
    } else {
        label(field, what, raw, max)
    }
}

/// A whole number of units, `0..=1,000,000`; blank is `0`.
fn count(field: &str, raw: &str) -> Result<i32, FieldError> {
    match raw.trim() {
        "" => Ok(0),
        text => text
            .parse::<i32>()
            .ok()
            .filter(|n| (0..=1_000_000).contains(n))
            .ok_or_else(|| FieldError::new(field, "Enter a whole number from 0 to 1,000,000.")),
    }
}

impl ItemForm {
    pub fn parse(&self, currency: &str) -> Result<ItemDetails, AppError> {
        let amount = |field: &str, raw: &str| match raw.trim() {
            "" => Ok(None),
            text => parse_amount(field, text, currency).map(Some),
        };
        let unit = if self.unit.trim().is_empty() {
            "unit"
        } else {
            &self.unit
        };
        let (name, sku, unit, category, supplier) = (
            label("name", "the item's name", &self.name, 200),
            optional("sku", "a SKU", &self.sku, 64),
            label("unit", "a unit", unit, 32),
            optional("category", "a category", &self.category, 100),
            optional("supplier", "a supplier", &self.supplier, 200),
        );
        let (cost, sale_price, level, quantity) = (
            amount("cost", &self.cost),
            amount("sale_price", &self.sale_price),
            count("reorder_level", &self.reorder_level),
            count("reorder_quantity", &self.reorder_quantity),
        );
        match (name, sku, unit, category, supplier, cost, sale_price, level, quantity) {
            (
                Ok(name),
                Ok(sku),
                Ok(unit),
                Ok(category),
                Ok(supplier),
                Ok(cost),
                Ok(sale_price),
                Ok(level),
                Ok(quantity),
            ) => Ok(ItemDetails {
                name,
                sku,
                unit,
                category,
                cost_minor: cost.unwrap_or(0),
                sale_price_minor: sale_price,
                reorder_level: level,
                reorder_quantity: quantity,
                supplier,
                active: self.retired.is_none(),
            }),
            (a, b, c, d, e, f, g, h, i) => Err(AppError::Validation(
                [
                    a.err(),
                    b.err(),
                    c.err(),
                    d.err(),
                    e.err(),
                    f.err(),
                    g.err(),
                    h.err(),
                    i.err(),
                ]
                .into_iter()
                .flatten()
                .collect(),
            )),
        }
    }
}

/// What staff record by hand on the item's page, each with its own form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ByHand {
    Receive,
    Adjust,
    Transfer,
}

/// A movement form as posted (which one, the server function says).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MovementForm {
    pub quantity: String,
    /// Receive: what one unit cost.
    #[serde(default)]
    pub unit_cost: String,
    /// Adjust: why (a count, breakage, expiry).
    #[serde(default)]
    pub reason: String,
    /// Transfer: to which branch.
    #[serde(default)]
    pub to_branch: String,
}

/// A validated movement from the form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StockChange {
    /// Units in, at a cost each.
    Receive { quantity: i32, unit_cost_minor: i64 },
    /// Units found (+) or lost (−), with a reason.
    Adjust { quantity: i32 },
    /// Units sent to another branch.
    Transfer { quantity: i32, to_branch: Uuid },
}

impl MovementForm {
    /// The change, and the reason to record with it.
    pub fn parse(&self, kind: ByHand, currency: &str) -> Result<(StockChange, String), AppError> {
        let quantity = |allow_negative: bool| {
            let hint = if allow_negative {
                "Enter a whole number of units other than 0: 5 more, or -2 fewer."
            } else {
                "Enter a whole number of units, 1 or more."
            };
            self.quantity
                .trim()
                .parse::<i32>()
                .ok()
                .filter(|n| *n != 0 && n.abs() <= 1_000_000 && (allow_negative || *n > 0))
                .ok_or_else(|| FieldError::new("quantity", hint))
        };
        let reason = self.reason.split_whitespace().collect::<Vec<_>>().join(" ");
        if reason.chars().count() > 500 {
            return Err(AppError::field("reason", "Keep the reason to 500 characters or fewer."));
        }
        let change = match kind {
            ByHand::Receive => {
                let cost = parse_amount("unit_cost", &self.unit_cost, currency);
                match (quantity(false), cost) {
                    (Ok(quantity), Ok(unit_cost_minor)) => StockChange::Receive {
                        quantity,
                        unit_cost_minor,
                    },
                    (q, c) => return Err(AppError::Validation([q.err(), c.err()].into_iter().flatten().collect())),
                }
            }
            ByHand::Adjust => {
                let why = (!reason.is_empty()).then_some(()).ok_or_else(|| {
                    FieldError::new("reason", "Say why the count changed: a stock count, breakage, expiry.")
                });
                match (quantity(true), why) {
                    (Ok(quantity), Ok(())) => StockChange::Adjust { quantity },
                    (q, w) => return Err(AppError::Validation([q.err(), w.err()].into_iter().flatten().collect())),
                }
            }
            ByHand::Transfer => {
                let to = Uuid::parse_str(self.to_branch.trim())
                    .map_err(|_| FieldError::new("to_branch", "Choose the branch it goes to."));
                match (quantity(false), to) {
                    (Ok(quantity), Ok(to_branch)) => StockChange::Transfer { quantity, to_branch },
                    (q, t) => return Err(AppError::Validation([q.err(), t.err()].into_iter().flatten().collect())),
                }
            }
        };
        Ok((change, reason))
    }
}

/// The refusal when a movement would take more than a branch holds.
pub fn not_enough(on_hand: i32, unit: &str, wanted: i32) -> AppError {
    AppError::Conflict {
        field: Some("quantity".into()),
        message: format!(
            "Only {on_hand} {unit} in stock here, so {wanted} cannot be taken. Record what arrived first, or let stock go below zero in Settings → Organization."
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn movement(quantity: &str) -> MovementForm {
        MovementForm {
            quantity: quantity.into(),
            ..Default::default()
        }
    }

    #[test]
    fn an_item_needs_a_name_and_reads_its_prices_in_the_currency() {
        let form = ItemForm {
            name: "  Acupuncture   needles ".into(),
            unit: "".into(),
            cost: "0.12".into(),
            reorder_level: "200".into(),
            ..Default::default()
        };
        let item = form.parse("GBP").unwrap();
        assert_eq!(
            (
                item.name.as_str(),
                item.unit.as_str(),
                item.cost_minor,
                item.sale_price_minor
            ),
            ("Acupuncture needles", "unit", 12, None)
        );
        assert_eq!(item.reorder_level, 200);
        let bad = ItemForm {
            name: " ".into(),
            cost: "0.125".into(),
            reorder_level: "-1".into(),
            ..Default::default()
        };
        let Err(AppError::Validation(errors)) = bad.parse("GBP") else {
            panic!("refused")
        };
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["name", "cost", "reorder_level"]);
    }

    #[test]
    fn movements_have_the_sign_and_the_facts_their_kind_needs() {
        let receive = MovementForm {
            unit_cost: "4.50".into(),
            ..movement("10")
        };
        assert_eq!(
            receive.parse(ByHand::Receive, "EUR").unwrap().0,
            StockChange::Receive {
                quantity: 10,
                unit_cost_minor: 450
            }
        );
        assert!(
            movement("-3").parse(ByHand::Receive, "EUR").is_err(),
            "nothing is received negative"
        );
        assert!(
            movement("3").parse(ByHand::Receive, "EUR").is_err(),
            "a receipt has a cost"
        );

        let Err(AppError::Validation(errors)) = movement("-2").parse(ByHand::Adjust, "EUR") else {
            panic!("an adjustment says why")
        };
        assert_eq!(errors[0].field, "reason");
        let broken = MovementForm {
            reason: " two   broken ".into(),
            ..movement("-2")
        };
        assert_eq!(
            broken.parse(ByHand::Adjust, "EUR").unwrap(),
            (StockChange::Adjust { quantity: -2 }, "two broken".to_owned())
        );
        assert!(movement("0").parse(ByHand::Adjust, "EUR").is_err());

        let to = Uuid::new_v4();
        let transfer = MovementForm {
            to_branch: to.to_string(),
            ..movement("4")
        };
        assert_eq!(
            transfer.parse(ByHand::Transfer, "EUR").unwrap().0,
            StockChange::Transfer {
                quantity: 4,
                to_branch: to
            }
        );
        assert!(
            movement("4").parse(ByHand::Transfer, "EUR").is_err(),
            "a transfer names its branch"
        );
    }

    #[test]
    fn a_row_is_low_at_its_reorder_level_and_worth_its_units_at_cost() {
        let item = Item {
            id: Uuid::nil(),
            name: "Gel".into(),
            sku: String::new(),
            unit: "bottle".into(),
            category: String::new(),
            cost_minor: 350,
            sale_price_minor: None,
            reorder_level: 5,
            reorder_quantity: 20,
            supplier: String::new(),
            active: true,
        };
        let row = |on_hand| StockRow {
            item: item.clone(),
            on_hand,
        };
        assert!(row(5).low() && !row(6).low());
        assert_eq!(row(4).value_minor(), 1400);
        assert_eq!(row(-2).value_minor(), 0);
        let unlevelled = StockRow {
            item: Item {
                reorder_level: 0,
                ..item.clone()
            },
            on_hand: 0,
        };
        assert!(!unlevelled.low());
    }
}
