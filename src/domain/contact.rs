//! Contact details shared by branches, staff and patients.

use serde::{Deserialize, Serialize};

use super::error::FieldError;

/// A phone number as people write it (`+44 20 7946 0958`, `(212) 555-0100`), kept as
/// typed but checked to hold a plausible number of digits.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Phone(String);

impl Phone {
    pub fn parse(field: &str, raw: &str) -> Result<Self, FieldError> {
        let value = raw.split_whitespace().collect::<Vec<_>>().join(" ");
        let digits = value.chars().filter(char::is_ascii_digit).count();
        let allowed = value.chars().all(|c| c.is_ascii_digit() || " +-().".contains(c));
        if !allowed || !(5..=15).contains(&digits) || value.len() > 40 {
            return Err(FieldError::new(
                field,
                "Enter a phone number with 5 to 15 digits, like +44 20 7946 0958.",
            ));
        }
        Ok(Self(value))
    }

    /// An empty field is no number; anything else must parse.
    pub fn parse_optional(field: &str, raw: &str) -> Result<Option<Self>, FieldError> {
        if raw.trim().is_empty() {
            Ok(None)
        } else {
            Self::parse(field, raw).map(Some)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn common_ways_of_writing_numbers_are_accepted() {
        for raw in ["+44 20 7946 0958", "(212) 555-0100", "030  1234567", "112.233.44"] {
            assert!(Phone::parse("phone", raw).is_ok(), "{raw}");
        }
        assert_eq!(Phone::parse("phone", " 030  1234567 ").unwrap().as_str(), "030 1234567");
    }

    #[test]
    fn letters_and_implausible_lengths_are_refused() {
        for raw in ["call me", "123", "+1 234 567 890 123 456 7", "555-CLINIC"] {
            assert!(Phone::parse("phone", raw).is_err(), "{raw}");
        }
        assert_eq!(Phone::parse_optional("phone", "  ").unwrap(), None);
    }
}
