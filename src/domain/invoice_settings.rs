//! What an organization's invoices say about it, and how they are numbered and taxed.

use serde::{Deserialize, Serialize};

use super::{
    error::{AppError, FieldError},
    invoice::{parse_percent, TaxMode},
};

/// The organization's invoice settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvoiceSettings {
    pub legal_name: String,
    pub address: String,
    pub tax_id: String,
    pub notes: String,
    pub payment_terms_days: i32,
    pub invoice_prefix: String,
    pub credit_note_prefix: String,
    pub tax_mode: TaxMode,
    pub default_tax_bp: i64,
    /// A receipt goes to the patient by itself when an invoice is paid in full.
    pub send_receipts: bool,
}

/// What an organization starts with (the columns' defaults in `invoice_settings`).
impl Default for InvoiceSettings {
    fn default() -> Self {
        Self {
            legal_name: String::new(),
            address: String::new(),
            tax_id: String::new(),
            notes: String::new(),
            payment_terms_days: 14,
            invoice_prefix: "INV".into(),
            credit_note_prefix: "CN".into(),
            tax_mode: TaxMode::Exclusive,
            default_tax_bp: 0,
            send_receipts: false,
        }
    }
}

/// The settings as posted.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvoiceSettingsForm {
    pub legal_name: String,
    pub address: String,
    pub tax_id: String,
    pub notes: String,
    pub payment_terms_days: String,
    pub invoice_prefix: String,
    pub credit_note_prefix: String,
    pub tax_mode: String,
    pub default_tax: String,
    /// A ticked box (absent when not).
    #[serde(default)]
    pub send_receipts: Option<String>,
}

fn prefix(field: &str, raw: &str) -> Result<String, FieldError> {
    let value = raw.trim().to_uppercase();
    if (1..=10).contains(&value.len()) && value.chars().all(|c| c.is_ascii_alphanumeric()) {
        Ok(value)
    } else {
        Err(FieldError::new(field, "Use 1 to 10 letters or digits, like INV."))
    }
}

impl InvoiceSettingsForm {
    pub fn parse(&self) -> Result<InvoiceSettings, AppError> {
        let mut errors = Vec::new();
        let mut text = |field: &str, raw: &str, max: usize| {
            let value = raw.trim();
            if value.chars().count() > max {
                errors.push(FieldError::new(field, format!("Keep this under {max} characters.")));
            }
            value.to_owned()
        };
        let legal_name = text("legal_name", &self.legal_name, 200);
        let address = text("address", &self.address, 500);
        let tax_id = text("tax_id", &self.tax_id, 50);
        let notes = text("notes", &self.notes, 2000);
        let payment_terms_days = match self.payment_terms_days.trim().parse::<i32>() {
            Ok(days) if (0..=365).contains(&days) => days,
            _ => {
                errors.push(FieldError::new(
                    "payment_terms_days",
                    "Enter the days to pay in, from 0 (on receipt) to 365.",
                ));
                0
            }
        };
        let invoice_prefix = prefix("invoice_prefix", &self.invoice_prefix)
            .map_err(|e| errors.push(e))
            .unwrap_or_default();
        let credit_note_prefix = prefix("credit_note_prefix", &self.credit_note_prefix)
            .map_err(|e| errors.push(e))
            .unwrap_or_default();
        if !invoice_prefix.is_empty() && invoice_prefix == credit_note_prefix {
            errors.push(FieldError::new(
                "credit_note_prefix",
                "Credit notes need a prefix of their own, like CN.",
            ));
        }
        let tax_mode = TaxMode::parse(&self.tax_mode).unwrap_or_else(|| {
            errors.push(FieldError::new("tax_mode", "Choose whether prices include tax."));
            TaxMode::Exclusive
        });
        let default_tax_bp = parse_percent("default_tax", &self.default_tax, 100)
            .map_err(|e| errors.push(e))
            .unwrap_or_default();
        if !errors.is_empty() {
            return Err(AppError::Validation(errors));
        }
        Ok(InvoiceSettings {
            legal_name,
            address,
            tax_id,
            notes,
            payment_terms_days,
            invoice_prefix,
            credit_note_prefix,
            tax_mode,
            default_tax_bp,
            send_receipts: self.send_receipts.is_some(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_need_distinct_prefixes() {
        let form = InvoiceSettingsForm {
            payment_terms_days: "14".into(),
            invoice_prefix: "inv".into(),
            credit_note_prefix: "INV".into(),
            tax_mode: "inclusive".into(),
            default_tax: "20".into(),
            ..InvoiceSettingsForm::default()
        };
        assert!(form.parse().unwrap_err().field_message("credit_note_prefix").is_some());
        let ok = InvoiceSettingsForm {
            credit_note_prefix: "cn".into(),
            ..form
        }
        .parse()
        .unwrap();
        assert_eq!(
            (ok.invoice_prefix.as_str(), ok.credit_note_prefix.as_str()),
            ("INV", "CN")
        );
        assert_eq!((ok.tax_mode, ok.default_tax_bp), (TaxMode::Inclusive, 2000));
    }
}
