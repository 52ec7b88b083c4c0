//! Money: integer minor units with the organization's currency (ISO 4217), never floats.
//!
//! A currency's minor unit comes from ISO 4217 (`iso_currency`): cents for EUR, none for
//! JPY, thousandths for BHD. Amounts are written the English way, as staff and patients
//! read them on every page: grouped thousands, a decimal point, and the symbol people
//! recognise for the currency (`£1,234.50`), or its code where a symbol would be
//! ambiguous or unknown (`CHF 8.00`).

use iso_currency::{Currency, IntoEnumIterator};

use super::error::FieldError;

/// The currencies an organization can keep its accounts in: every ISO 4217 currency in
/// use (not funds, special units or superseded ones), by code, with its English name.
pub fn currencies() -> Vec<(&'static str, String)> {
    let mut all: Vec<_> = Currency::iter()
        .filter(|c| !c.is_fund() && !c.is_special() && c.is_superseded().is_none())
        .map(|c| (c.code(), c.name().to_owned()))
        .collect();
    all.sort_unstable();
    all
}

/// An ISO 4217 code as typed or posted, if it is one `currencies` offers.
pub fn currency_code(raw: &str) -> Option<&'static str> {
    let code = raw.trim().to_uppercase();
    let currency = Currency::from_code(&code)?;
    (!currency.is_fund() && !currency.is_special() && currency.is_superseded().is_none()).then(|| currency.code())
}

/// Digits after the decimal point: 2 for most currencies, 0 for JPY, 3 for BHD.
pub fn minor_digits(currency: &str) -> u32 {
    Currency::from_code(currency)
        .and_then(Currency::exponent)
        .map_or(2, u32::from)
}

/// The symbol English speakers write before an amount (CLDR's English symbols, where
/// they are unambiguous); other currencies are written with their code.
fn symbol(currency: &str) -> Option<&'static str> {
    Some(match currency {
        "GBP" => "£",
        "EUR" => "€",
        "USD" => "$",
        "JPY" => "¥",
        "AUD" => "A$",
        "CAD" => "CA$",
        "NZD" => "NZ$",
        "HKD" => "HK$",
        "MXN" => "MX$",
        "BRL" => "R$",
        "CNY" => "CN¥",
        "INR" => "₹",
        "ILS" => "₪",
        "KRW" => "₩",
        "PHP" => "₱",
        "VND" => "₫",
        _ => return None,
    })
}

fn ten_to(digits: u32) -> u64 {
    10u64.pow(digits)
}

/// Parses an amount as people type it (`45`, `45.5`, `45,50`, `1,234.50`) into minor
/// units of `currency`; more decimals than the currency has are an error, never rounded.
pub fn parse_amount(field: &str, raw: &str, currency: &str) -> Result<i64, FieldError> {
    let digits = minor_digits(currency);
    let example = match digits {
        0 => "4500".to_owned(),
        d => format!("45 or 45.{}", "5".repeat(d as usize)),
    };
    let invalid = || FieldError::new(field, format!("Enter an amount like {example}."));
    let raw: String = raw.chars().filter(|c| !c.is_whitespace()).collect();
    // A comma is the decimal mark when there is no point and the currency has decimals
    // (`45,50`); otherwise it groups thousands (`1,234.50`, `4,500` yen).
    let raw = if raw.contains('.') || digits == 0 {
        raw.replace(',', "")
    } else {
        raw.replace(',', ".")
    };
    let (whole, fraction) = raw.split_once('.').unwrap_or((&raw, ""));
    if whole.is_empty() && fraction.is_empty()
        || !whole.chars().all(|c| c.is_ascii_digit())
        || !fraction.chars().all(|c| c.is_ascii_digit())
        || fraction.len() > digits as usize
        || whole.len() > 9
    {
        return Err(invalid());
    }
    let whole: u64 = if whole.is_empty() {
        0
    } else {
        whole.parse().map_err(|_| invalid())?
    };
    let fraction: u64 = if fraction.is_empty() {
        0
    } else {
        format!("{fraction:0<width$}", width = digits as usize)
            .parse()
            .map_err(|_| invalid())?
    };
    i64::try_from(whole * ten_to(digits) + fraction).map_err(|_| invalid())
}

/// The amount as a form field holds it: `45.50`, `4500` for yen; no symbol, no grouping.
pub fn amount_input(minor: i64, currency: &str) -> String {
    let digits = minor_digits(currency);
    let sign = if minor < 0 { "-" } else { "" };
    let (whole, fraction) = (
        minor.unsigned_abs() / ten_to(digits),
        minor.unsigned_abs() % ten_to(digits),
    );
    match digits {
        0 => format!("{sign}{whole}"),
        d => format!("{sign}{whole}.{fraction:0width$}", width = d as usize),
    }
}

/// `€45.50`, `£1,234.00`, `¥4,500`, `CHF 8.00`, `-$0.05`.
pub fn format_minor(minor: i64, currency: &str) -> String {
    let digits = minor_digits(currency);
    let sign = if minor < 0 { "-" } else { "" };
    let whole = (minor.unsigned_abs() / ten_to(digits)).to_string();
    let mut grouped = String::with_capacity(whole.len() + whole.len() / 3);
    for (i, c) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(c);
    }
    let amount = match digits {
        0 => grouped,
        d => format!(
            "{grouped}.{:0width$}",
            minor.unsigned_abs() % ten_to(digits),
            width = d as usize
        ),
    };
    match symbol(currency) {
        Some(symbol) => format!("{sign}{symbol}{amount}"),
        None => format!("{sign}{currency} {amount}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_parse_to_minor_units_of_their_currency() {
        assert_eq!(parse_amount("p", "45", "EUR"), Ok(4500));
        assert_eq!(parse_amount("p", "45.5", "GBP"), Ok(4550));
        assert_eq!(parse_amount("p", " 45,05 ", "EUR"), Ok(4505));
        assert_eq!(parse_amount("p", "1,234.50", "USD"), Ok(123_450));
        assert_eq!(parse_amount("p", "0.99", "CHF"), Ok(99));
        assert_eq!(parse_amount("p", "4500", "JPY"), Ok(4500));
        assert_eq!(parse_amount("p", "4,500", "JPY"), Ok(4500));
        assert_eq!(parse_amount("p", "1.5", "BHD"), Ok(1500));
        for bad in ["", "-5", "4.555", "abc", "1e3", ".", "12.3.4", "1234567890"] {
            assert!(parse_amount("p", bad, "EUR").is_err(), "{bad}");
        }
        let yen = parse_amount("p", "45.50", "JPY").unwrap_err();
        assert_eq!(yen.message, "Enter an amount like 4500.");
    }

    #[test]
    fn amounts_format_with_their_currency() {
        assert_eq!(format_minor(4550, "EUR"), "€45.50");
        assert_eq!(format_minor(123_400, "GBP"), "£1,234.00");
        assert_eq!(format_minor(800, "CHF"), "CHF 8.00");
        assert_eq!(format_minor(-5, "USD"), "-$0.05");
        assert_eq!(format_minor(4500, "JPY"), "¥4,500");
        assert_eq!(format_minor(1_234_567_800, "USD"), "$12,345,678.00");
        assert_eq!(format_minor(1500, "BHD"), "BHD 1.500");
    }

    #[test]
    fn form_fields_hold_amounts_without_symbol_or_grouping() {
        assert_eq!(amount_input(123_450, "GBP"), "1234.50");
        assert_eq!(amount_input(4500, "JPY"), "4500");
        for (minor, currency) in [(99, "EUR"), (4500, "JPY"), (123_450, "USD"), (1500, "BHD")] {
            assert_eq!(parse_amount("p", &amount_input(minor, currency), currency), Ok(minor));
        }
    }

    #[test]
    fn only_currencies_in_use_are_offered() {
        let codes: Vec<_> = currencies().into_iter().map(|(code, _)| code).collect();
        for code in ["EUR", "GBP", "USD", "CHF", "JPY", "KES"] {
            assert!(codes.contains(&code), "{code}");
        }
        for code in ["XAU", "XDR", "BOV", "USN"] {
            assert!(!codes.contains(&code), "{code}");
        }
        assert_eq!(currency_code(" gbp "), Some("GBP"));
        assert_eq!(currency_code("XAU"), None);
        assert_eq!(currency_code("EURO"), None);
    }
}
