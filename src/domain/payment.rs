//! Payments, refunds and a patient's account: what they owe and the credit they have.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{
    error::{AppError, FieldError},
    money::parse_amount,
};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PaymentMethod {
    Cash,
    Card,
    BankTransfer,
    Insurance,
    Other,
}

impl PaymentMethod {
    pub const ALL: [PaymentMethod; 5] = [
        PaymentMethod::Cash,
        PaymentMethod::Card,
        PaymentMethod::BankTransfer,
        PaymentMethod::Insurance,
        PaymentMethod::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            PaymentMethod::Cash => "cash",
            PaymentMethod::Card => "card",
            PaymentMethod::BankTransfer => "bank_transfer",
            PaymentMethod::Insurance => "insurance",
            PaymentMethod::Other => "other",
        }
    }

    pub fn parse(value: &str) -> Option<PaymentMethod> {
        PaymentMethod::ALL.into_iter().find(|m| m.as_str() == value)
    }

    pub fn label(self) -> &'static str {
        match self {
            PaymentMethod::Cash => "Cash",
            PaymentMethod::Card => "Card",
            PaymentMethod::BankTransfer => "Bank transfer",
            PaymentMethod::Insurance => "Insurance",
            PaymentMethod::Other => "Other",
        }
    }
}

fn method(field: &str, raw: &str) -> Result<PaymentMethod, FieldError> {
    PaymentMethod::parse(raw.trim()).ok_or_else(|| FieldError::new(field, "Choose how it was paid."))
}

/// A payment as the form posts it. `key` is the form's own id: sent twice, it records
/// one payment.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentForm {
    pub method: String,
    pub amount: String,
    #[serde(default)]
    pub reference: String,
    pub key: String,
    /// How it is spread, when the person chose: `share_invoice[]` ids beside
    /// `share_amount[]` amounts. All blank: this invoice first, then the oldest.
    #[serde(default)]
    pub share_invoice: Vec<String>,
    #[serde(default)]
    pub share_amount: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewPayment {
    pub method: PaymentMethod,
    pub amount: i64,
    pub reference: String,
    pub key: Uuid,
    /// The amounts chosen per invoice; `None` spreads it automatically.
    pub shares: Option<Vec<(Uuid, i64)>>,
}

/// An open invoice a payment can go to: its number and what it still owes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpenInvoice {
    pub id: Uuid,
    pub number_label: String,
    pub owed: i64,
}

impl PaymentForm {
    pub fn parse(&self, currency: &str) -> Result<NewPayment, AppError> {
        let mut errors = Vec::new();
        let method = method("method", &self.method).map_err(|e| errors.push(e)).ok();
        let amount = parse_amount("amount", &self.amount, currency)
            .and_then(|a| {
                if a > 0 {
                    Ok(a)
                } else {
                    Err(FieldError::new("amount", "Enter the amount received."))
                }
            })
            .map_err(|e| errors.push(e))
            .ok();
        let reference = self.reference.trim();
        if reference.chars().count() > 200 {
            errors.push(FieldError::new("reference", "Keep the reference under 200 characters."));
        }
        let stale = || AppError::BadRequest("The form is out of date. Reload the page and try again.".into());
        let key = Uuid::parse_str(self.key.trim()).map_err(|_| stale())?;
        if self.share_invoice.len() != self.share_amount.len() {
            return Err(stale());
        }
        let mut shares = Vec::new();
        for (id, raw) in self.share_invoice.iter().zip(&self.share_amount) {
            if raw.trim().is_empty() {
                continue;
            }
            let id = Uuid::parse_str(id.trim()).map_err(|_| stale())?;
            match parse_amount("share_amount", raw, currency) {
                Ok(share) if share >= 0 => shares.push((id, share)),
                Ok(_) => errors.push(FieldError::new(
                    "share_amount",
                    "An invoice's amount cannot be negative.",
                )),
                Err(e) => errors.push(e),
            }
        }
        match (method, amount) {
            (Some(method), Some(amount)) if errors.is_empty() => Ok(NewPayment {
                method,
                amount,
                reference: reference.to_owned(),
                key,
                // Some amounts chosen: the blank ones get nothing.
                shares: (!shares.is_empty()).then_some(shares),
            }),
            _ => Err(AppError::Validation(errors)),
        }
    }
}

/// A refund as the form posts it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefundForm {
    pub amount: String,
    pub method: String,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewRefund {
    pub amount: i64,
    pub method: PaymentMethod,
    pub reason: String,
}

impl RefundForm {
    pub fn parse(&self, currency: &str) -> Result<NewRefund, AppError> {
        let mut errors = Vec::new();
        let amount = parse_amount("amount", &self.amount, currency)
            .and_then(|a| {
                if a > 0 {
                    Ok(a)
                } else {
                    Err(FieldError::new("amount", "Enter the amount to refund."))
                }
            })
            .map_err(|e| errors.push(e))
            .ok();
        let method = method("method", &self.method).map_err(|e| errors.push(e)).ok();
        let reason = self.reason.trim();
        if reason.is_empty() || reason.chars().count() > 300 {
            errors.push(FieldError::new(
                "reason",
                "Give a reason for the refund (up to 300 characters).",
            ));
        }
        match (amount, method) {
            (Some(amount), Some(method)) if errors.is_empty() => Ok(NewRefund {
                amount,
                method,
                reason: reason.to_owned(),
            }),
            _ => Err(AppError::Validation(errors)),
        }
    }
}

/// A payment as an invoice lists it: how much of it went to this invoice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvoicePayment {
    pub payment_id: Uuid,
    pub method: PaymentMethod,
    pub reference: String,
    /// "4 Dec 2026 09:14"
    pub received_local: String,
    pub received_by: String,
    /// What this invoice got of it.
    pub applied: i64,
    /// The whole payment, and what of it was refunded.
    pub amount: i64,
    pub refunded: i64,
}

impl InvoicePayment {
    pub fn refundable(&self) -> i64 {
        self.amount - self.refunded
    }
}

/// A patient's account: what their open invoices still owe, and the credit they have.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct PatientAccount {
    pub owed: i64,
    pub credit: i64,
    pub currency: String,
}

/// One method's money on a day: what came in, what went back.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MethodTakings {
    pub method: PaymentMethod,
    pub payments: i64,
    pub received: i64,
    pub refunded: i64,
}

impl MethodTakings {
    pub fn net(&self) -> i64 {
        self.received - self.refunded
    }
}

/// What one staff member took (or gave back) by one method on a day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StaffTakings {
    pub name: String,
    pub method: PaymentMethod,
    pub received: i64,
    pub refunded: i64,
}

/// A branch's end-of-day report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Takings {
    pub date: chrono::NaiveDate,
    pub branch_name: String,
    pub currency: String,
    /// Every method, in the order of `PaymentMethod::ALL`.
    pub methods: Vec<MethodTakings>,
    pub staff: Vec<StaffTakings>,
}

impl Takings {
    pub fn net(&self) -> i64 {
        self.methods.iter().map(MethodTakings::net).sum()
    }

    /// What the cash drawer should hold beyond its float: cash taken less cash refunded.
    pub fn cash_in_drawer(&self) -> i64 {
        self.methods
            .iter()
            .filter(|m| m.method == PaymentMethod::Cash)
            .map(MethodTakings::net)
            .sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_payment_needs_a_method_a_positive_amount_and_its_form_key() {
        let key = Uuid::new_v4().to_string();
        let ok = PaymentForm {
            method: "card".into(),
            amount: "20".into(),
            reference: " 1234 ".into(),
            key: key.clone(),
            ..PaymentForm::default()
        }
        .parse("GBP")
        .unwrap();
        assert_eq!(
            (ok.method, ok.amount, ok.reference.as_str()),
            (PaymentMethod::Card, 2000, "1234")
        );
        let wrong = PaymentForm {
            method: "cheque".into(),
            amount: "0".into(),
            reference: String::new(),
            key,
            ..PaymentForm::default()
        }
        .parse("GBP")
        .unwrap_err();
        assert!(wrong.field_message("method").is_some());
        assert!(wrong.field_message("amount").is_some());
        let stale = PaymentForm {
            method: "cash".into(),
            amount: "1".into(),
            ..PaymentForm::default()
        };
        assert_eq!(stale.parse("GBP").unwrap_err().status_code(), 400);
        for m in PaymentMethod::ALL {
            assert_eq!(PaymentMethod::parse(m.as_str()), Some(m));
        }
    }

    #[test]
    fn amounts_chosen_per_invoice_are_read_and_blank_ones_mean_automatic() {
        let (a, b) = (Uuid::new_v4(), Uuid::new_v4());
        let form = |amounts: [&str; 2]| PaymentForm {
            method: "cash".into(),
            amount: "50".into(),
            key: Uuid::new_v4().to_string(),
            share_invoice: vec![a.to_string(), b.to_string()],
            share_amount: amounts.map(str::to_owned).to_vec(),
            ..PaymentForm::default()
        };
        assert_eq!(form(["", " "]).parse("GBP").unwrap().shares, None);
        assert_eq!(form(["", "30"]).parse("GBP").unwrap().shares, Some(vec![(b, 3000)]));
        assert!(form(["-1", ""])
            .parse("GBP")
            .unwrap_err()
            .field_message("share_amount")
            .is_some());
        let mut stale = form(["1", ""]);
        stale.share_amount.pop();
        assert_eq!(stale.parse("GBP").unwrap_err().status_code(), 400);
    }

    #[test]
    fn the_drawer_holds_the_cash_taken_less_the_cash_given_back() {
        let takings = Takings {
            date: chrono::NaiveDate::from_ymd_opt(2026, 12, 4).unwrap(),
            branch_name: "Harbour Street".into(),
            currency: "GBP".into(),
            methods: vec![
                MethodTakings {
                    method: PaymentMethod::Cash,
                    payments: 3,
                    received: 15000,
                    refunded: 2000,
                },
                MethodTakings {
                    method: PaymentMethod::Card,
                    payments: 2,
                    received: 9000,
                    refunded: 0,
                },
            ],
            staff: Vec::new(),
        };
        assert_eq!(takings.cash_in_drawer(), 13000);
        assert_eq!(takings.net(), 22000);
    }

    #[test]
    fn a_refund_says_why() {
        let wrong = RefundForm {
            amount: "5".into(),
            method: "cash".into(),
            reason: " ".into(),
        }
        .parse("EUR")
        .unwrap_err();
        assert!(wrong.field_message("reason").is_some());
    }
}
