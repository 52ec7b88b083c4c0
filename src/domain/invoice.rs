//! Invoice arithmetic, in integer minor units of the organization's currency, shared by
//! the server (which stores what it computes) and the browser (which shows a draft's
//! totals as lines are typed).
//!
//! **The rounding rule.** Each line is rounded once, to the currency's minor unit, half
//! away from zero; the invoice's totals are the sums of its rounded lines. So the lines
//! always add up to the invoice, a credit note (the same lines negated) cancels its
//! invoice to the last cent, and a tax-inclusive price gives back exactly the net that
//! the same tax-exclusive line would have been charged on.
//!
//! A line: `gross = quantity × unit price`, `discount = round(gross × discount%)`,
//! `amount = gross − discount`. With prices exclusive of tax, `net = amount` and
//! `tax = round(net × rate)`; with prices inclusive of tax, `total = amount`,
//! `net = round(total ÷ (1 + rate))` and `tax = total − net`.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::error::{AppError, FieldError};

/// Rates (discount, tax) are kept in basis points: 2,000 is 20 %, 750 is 7.5 %.
pub const BASIS_POINTS: i64 = 10_000;

/// Whether the prices on an organization's invoices include tax (as a shop's do) or have
/// it added (as a business's do).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TaxMode {
    #[default]
    Exclusive,
    Inclusive,
}

impl TaxMode {
    pub fn as_str(self) -> &'static str {
        match self {
            TaxMode::Exclusive => "exclusive",
            TaxMode::Inclusive => "inclusive",
        }
    }

    pub fn parse(value: &str) -> Option<TaxMode> {
        [TaxMode::Exclusive, TaxMode::Inclusive]
            .into_iter()
            .find(|m| m.as_str() == value)
    }
}

/// What a line says: how many, at what price, less what discount, with what tax.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct LineAmounts {
    pub quantity: i64,
    /// Minor units; negative on a credit note.
    pub unit_price: i64,
    pub discount_bp: i64,
    pub tax_bp: i64,
}

/// A line's money, each part rounded once by the rule above.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct LineTotals {
    pub gross: i64,
    pub discount: i64,
    pub net: i64,
    pub tax: i64,
    pub total: i64,
}

/// `numerator ÷ denominator` rounded half away from zero (the denominator is positive).
fn divide_rounded(numerator: i128, denominator: i128) -> i64 {
    let half = denominator / 2;
    let rounded = if numerator >= 0 {
        (numerator + half) / denominator
    } else {
        (numerator - half) / denominator
    };
    i64::try_from(rounded).unwrap_or(if numerator >= 0 { i64::MAX } else { i64::MIN })
}

impl LineAmounts {
    pub fn totals(&self, mode: TaxMode) -> LineTotals {
        let gross = i128::from(self.quantity) * i128::from(self.unit_price);
        let discount = divide_rounded(gross * i128::from(self.discount_bp), i128::from(BASIS_POINTS));
        let gross = i64::try_from(gross).unwrap_or(i64::MAX);
        let amount = gross - discount;
        let (net, tax) = match mode {
            TaxMode::Exclusive => {
                let tax = divide_rounded(i128::from(amount) * i128::from(self.tax_bp), i128::from(BASIS_POINTS));
                (amount, tax)
            }
            TaxMode::Inclusive => {
                let net = divide_rounded(
                    i128::from(amount) * i128::from(BASIS_POINTS),
                    i128::from(BASIS_POINTS + self.tax_bp),
                );
                (net, amount - net)
            }
        };
        LineTotals {
            gross,
            discount,
            net,
            tax,
            total: net + tax,
        }
    }

    /// The line as a credit note repeats it: the same, negated.
    pub fn credited(&self) -> LineAmounts {
        LineAmounts {
            unit_price: -self.unit_price,
            ..*self
        }
    }
}

/// The tax of one rate across an invoice, as the invoice's tax summary lists it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaxBand {
    pub tax_bp: i64,
    pub net: i64,
    pub tax: i64,
}

/// An invoice's totals: the sums of its rounded lines.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct InvoiceTotals {
    pub discount: i64,
    pub net: i64,
    pub tax: i64,
    pub total: i64,
    /// By tax rate, lowest first.
    pub bands: Vec<TaxBand>,
}

pub fn totals(lines: &[LineAmounts], mode: TaxMode) -> InvoiceTotals {
    let mut sum = InvoiceTotals::default();
    for line in lines {
        let t = line.totals(mode);
        sum.discount += t.discount;
        sum.net += t.net;
        sum.tax += t.tax;
        sum.total += t.total;
        match sum.bands.iter_mut().find(|b| b.tax_bp == line.tax_bp) {
            Some(band) => {
                band.net += t.net;
                band.tax += t.tax;
            }
            None => sum.bands.push(TaxBand {
                tax_bp: line.tax_bp,
                net: t.net,
                tax: t.tax,
            }),
        }
    }
    sum.bands.sort_by_key(|b| b.tax_bp);
    sum
}

/// A percentage as people type it (`20`, `20%`, `7.5`) into basis points, between 0 and
/// `max_percent`.
pub fn parse_percent(field: &str, raw: &str, max_percent: i64) -> Result<i64, FieldError> {
    let invalid = || {
        FieldError::new(
            field,
            format!("Enter a percentage from 0 to {max_percent}, like 20 or 7.5."),
        )
    };
    let raw = raw.trim().trim_end_matches('%').trim().replace(',', ".");
    if raw.is_empty() {
        return Ok(0);
    }
    let (whole, fraction) = raw.split_once('.').unwrap_or((&raw, ""));
    if whole.is_empty() && fraction.is_empty()
        || !whole.chars().all(|c| c.is_ascii_digit())
        || !fraction.chars().all(|c| c.is_ascii_digit())
        || fraction.len() > 2
        || whole.len() > 3
    {
        return Err(invalid());
    }
    let whole: i64 = if whole.is_empty() {
        0
    } else {
        whole.parse().map_err(|_| invalid())?
    };
    let fraction: i64 = format!("{fraction:0<2}").parse().map_err(|_| invalid())?;
    let bp = whole * 100 + fraction;
    if bp > max_percent * 100 {
        return Err(invalid());
    }
    Ok(bp)
}

/// Basis points as a percentage to read: `20%`, `7.5%`, `0%`.
pub fn percent_label(bp: i64) -> String {
    let (whole, fraction) = (bp / 100, bp % 100);
    match fraction {
        0 => format!("{whole}%"),
        f if f % 10 == 0 => format!("{whole}.{}%", f / 10),
        f => format!("{whole}.{f:02}%"),
    }
}

/// draft → issued → partially paid → paid, or void (a discarded draft, or an invoice a
/// credit note cancelled).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InvoiceStatus {
    Draft,
    Issued,
    PartiallyPaid,
    Paid,
    Void,
}

impl InvoiceStatus {
    pub const ALL: [InvoiceStatus; 5] = [
        InvoiceStatus::Draft,
        InvoiceStatus::Issued,
        InvoiceStatus::PartiallyPaid,
        InvoiceStatus::Paid,
        InvoiceStatus::Void,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            InvoiceStatus::Draft => "draft",
            InvoiceStatus::Issued => "issued",
            InvoiceStatus::PartiallyPaid => "partially_paid",
            InvoiceStatus::Paid => "paid",
            InvoiceStatus::Void => "void",
        }
    }

    pub fn parse(value: &str) -> Option<InvoiceStatus> {
        InvoiceStatus::ALL.into_iter().find(|s| s.as_str() == value)
    }

    pub fn label(self) -> &'static str {
        match self {
            InvoiceStatus::Draft => "Draft",
            InvoiceStatus::Issued => "Issued",
            InvoiceStatus::PartiallyPaid => "Partly paid",
            InvoiceStatus::Paid => "Paid",
            InvoiceStatus::Void => "Void",
        }
    }

    /// Still owed money: payments can go to it.
    pub fn is_open(self) -> bool {
        matches!(self, InvoiceStatus::Issued | InvoiceStatus::PartiallyPaid)
    }

    /// Where an issued invoice stands once `paid` of its `total` is paid.
    pub fn after_payment(total: i64, paid: i64) -> InvoiceStatus {
        match paid {
            p if p <= 0 && total > 0 => InvoiceStatus::Issued,
            p if p < total => InvoiceStatus::PartiallyPaid,
            _ => InvoiceStatus::Paid,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InvoiceKind {
    Invoice,
    CreditNote,
}

impl InvoiceKind {
    pub fn as_str(self) -> &'static str {
        match self {
            InvoiceKind::Invoice => "invoice",
            InvoiceKind::CreditNote => "credit_note",
        }
    }

    pub fn parse(value: &str) -> Option<InvoiceKind> {
        [InvoiceKind::Invoice, InvoiceKind::CreditNote]
            .into_iter()
            .find(|k| k.as_str() == value)
    }

    pub fn label(self) -> &'static str {
        match self {
            InvoiceKind::Invoice => "Invoice",
            InvoiceKind::CreditNote => "Credit note",
        }
    }
}

/// `INV-2026-000123`: the series' prefix, the year of issue, the number in six digits.
pub fn number_label(prefix: &str, year: i32, number: i64) -> String {
    format!("{prefix}-{year}-{number:06}")
}

/// A product that is not for sale (or not this organization's).
pub const NO_SUCH_PRODUCT: &str = "Choose a product that is for sale: give it a sale price on its stock page.";

/// A line as posted: every field text, as the form sends it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LineForm {
    /// Blank for a product: its name.
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub quantity: String,
    /// Blank for a product: its sale price.
    #[serde(default)]
    pub unit_price: String,
    #[serde(default)]
    pub discount: String,
    #[serde(default)]
    pub tax: String,
    /// The product from stock the line sells (its id), if any.
    #[serde(default)]
    pub item: String,
}

/// What a line selling a product from stock starts from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Product {
    pub name: String,
    pub sale_price: i64,
}

/// A line's description and amounts, validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewLine {
    pub description: String,
    pub amounts: LineAmounts,
}

impl LineForm {
    /// The product the line sells: none, or the id of one (a field error otherwise).
    pub fn item_id(&self) -> Result<Option<Uuid>, AppError> {
        match self.item.trim() {
            "" => Ok(None),
            raw => raw
                .parse()
                .map(Some)
                .map_err(|_| AppError::field("item", NO_SUCH_PRODUCT)),
        }
    }

    /// The line selling `product`: its name and sale price where the form leaves them blank.
    pub fn selling(mut self, product: Option<&Product>, currency: &str) -> Self {
        if let Some(product) = product {
            if self.description.trim().is_empty() {
                self.description = product.name.clone();
            }
            if self.unit_price.trim().is_empty() {
                self.unit_price = super::money::amount_input(product.sale_price, currency);
            }
        }
        self
    }

    pub fn parse(&self, currency: &str) -> Result<NewLine, AppError> {
        let mut errors = Vec::new();
        let description = self.description.trim();
        if description.is_empty() || description.chars().count() > 300 {
            errors.push(FieldError::new(
                "description",
                "Say what the line is for (up to 300 characters).",
            ));
        }
        let quantity = match self.quantity.trim() {
            "" => Some(1),
            raw => raw
                .parse::<i64>()
                .ok()
                .filter(|q| (1..=10_000).contains(q))
                .or_else(|| {
                    errors.push(FieldError::new("quantity", "Enter a whole number from 1 to 10000."));
                    None
                }),
        };
        let unit_price = super::money::parse_amount("unit_price", &self.unit_price, currency)
            .map_err(|e| errors.push(e))
            .ok();
        let discount_bp = parse_percent("discount", &self.discount, 100)
            .map_err(|e| errors.push(e))
            .ok();
        let tax_bp = parse_percent("tax", &self.tax, 100).map_err(|e| errors.push(e)).ok();
        match (quantity, unit_price, discount_bp, tax_bp) {
            (Some(quantity), Some(unit_price), Some(discount_bp), Some(tax_bp)) if errors.is_empty() => Ok(NewLine {
                description: description.to_owned(),
                amounts: LineAmounts {
                    quantity,
                    unit_price,
                    discount_bp,
                    tax_bp,
                },
            }),
            _ => Err(AppError::Validation(errors)),
        }
    }
}

/// A line as an invoice shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvoiceLine {
    pub id: Uuid,
    pub description: String,
    /// The product from stock it sells, if any.
    pub item_id: Option<Uuid>,
    pub amounts: LineAmounts,
    pub totals: LineTotals,
}

/// An invoice or credit note as its page shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvoiceView {
    pub id: Uuid,
    pub kind: InvoiceKind,
    pub status: InvoiceStatus,
    pub number_label: Option<String>,
    pub patient_id: Uuid,
    pub patient_name: String,
    pub appointment_id: Option<Uuid>,
    /// A credit note's invoice (id, number).
    pub credits: Option<(Uuid, String)>,
    /// The credit notes that cancelled this invoice (id, number).
    pub credited_by: Vec<(Uuid, String)>,
    pub currency: String,
    pub tax_mode: TaxMode,
    /// "4 Dec 2026"
    pub issued_local: Option<String>,
    pub due_on: Option<chrono::NaiveDate>,
    pub seller_name: String,
    pub seller_address: String,
    pub seller_tax_id: String,
    pub notes: String,
    pub lines: Vec<InvoiceLine>,
    pub totals: InvoiceTotals,
    pub paid: i64,
    /// What is still owed.
    pub balance: i64,
    /// The viewer may change the draft, issue it, or credit it.
    pub can_manage: bool,
    /// The tax rate a new line starts with.
    pub default_tax_bp: i64,
    /// The payments that went to it.
    pub payments: Vec<super::payment::InvoicePayment>,
    /// The patient's credit, which can pay it.
    pub patient_credit: i64,
    /// The patient's open invoices at this branch a payment here may go to (this one
    /// first, then oldest first), for those who take payments.
    pub patient_open: Vec<super::payment::OpenInvoice>,
    pub can_take_payments: bool,
    pub can_refund: bool,
    /// The payment form's key (a new one each time the invoice is shown).
    pub payment_key: Uuid,
    /// The products a draft's line may sell, with what the branch holds (for those who
    /// may change the draft).
    pub products: Vec<super::calendar::CalendarColumn>,
}

impl InvoiceView {
    /// Something was paid on it, so it has a receipt.
    pub fn has_receipt(&self) -> bool {
        self.kind == InvoiceKind::Invoice && !self.payments.is_empty()
    }
}

/// An invoice in a list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvoiceSummary {
    pub id: Uuid,
    pub kind: InvoiceKind,
    pub status: InvoiceStatus,
    pub number_label: Option<String>,
    pub patient_name: String,
    /// Issued on, or created on for a draft: "4 Dec 2026".
    pub date_local: String,
    pub total: i64,
    pub balance: i64,
}

/// The invoices page: one page of a filter, and the organization's currency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvoiceList {
    pub invoices: Vec<InvoiceSummary>,
    pub currency: String,
    /// What all the branch's open invoices still owe (not only those listed).
    pub outstanding: i64,
}

/// Which invoices a list shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InvoiceFilter {
    #[default]
    Outstanding,
    Drafts,
    All,
}

impl InvoiceFilter {
    pub fn parse(value: &str) -> InvoiceFilter {
        match value {
            "drafts" => InvoiceFilter::Drafts,
            "all" => InvoiceFilter::All,
            _ => InvoiceFilter::Outstanding,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            InvoiceFilter::Outstanding => "outstanding",
            InvoiceFilter::Drafts => "drafts",
            InvoiceFilter::All => "all",
        }
    }
}

#[cfg(test)]
mod tests;
