//! Money: integer minor units with the organization's currency, never floats.

use super::error::FieldError;

/// Parses an amount as people type it (`45`, `45.5`, `45,50`) into minor units.
pub fn parse_amount(field: &str, raw: &str) -> Result<i64, FieldError> {
    let invalid = || FieldError::new(field, "Enter an amount like 45 or 45.50.");
    let raw = raw.trim().replace(',', ".");
    if raw.is_empty() {
        return Err(invalid());
    }
    let (whole, fraction) = raw.split_once('.').unwrap_or((&raw, ""));
    if whole.is_empty() && fraction.is_empty()
        || !whole.chars().all(|c| c.is_ascii_digit())
        || !fraction.chars().all(|c| c.is_ascii_digit())
        || fraction.len() > 2
        || whole.len() > 9
    {
        return Err(invalid());
    }
    let whole: i64 = if whole.is_empty() {
        0
    } else {
        whole.parse().map_err(|_| invalid())?
    };
    let cents: i64 = format!("{fraction:0<2}").parse().map_err(|_| invalid())?;
    Ok(whole * 100 + cents)
}

/// `€45.50`, `£12.00`, `CHF 8.00`.
pub fn format_minor(minor: i64, currency: &str) -> String {
    let sign = if minor < 0 { "-" } else { "" };
    let minor = minor.unsigned_abs();
    let amount = format!("{}.{:02}", minor / 100, minor % 100);
    match currency {
        "EUR" => format!("{sign}€{amount}"),
        "GBP" => format!("{sign}£{amount}"),
        "USD" => format!("{sign}${amount}"),
        other => format!("{sign}{other} {amount}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_parse_to_minor_units() {
        assert_eq!(parse_amount("p", "45"), Ok(4500));
        assert_eq!(parse_amount("p", "45.5"), Ok(4550));
        assert_eq!(parse_amount("p", " 45,05 "), Ok(4505));
        assert_eq!(parse_amount("p", "0.99"), Ok(99));
        for bad in ["", "-5", "4.555", "abc", "1e3", ".", "12.3.4"] {
            assert!(parse_amount("p", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn amounts_format_with_their_currency() {
        assert_eq!(format_minor(4550, "EUR"), "€45.50");
        assert_eq!(format_minor(1200, "GBP"), "£12.00");
        assert_eq!(format_minor(800, "CHF"), "CHF 8.00");
        assert_eq!(format_minor(-5, "USD"), "-$0.05");
    }
}
