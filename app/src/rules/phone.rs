//! 手机号码 — mainland China mobile numbers, the resident's sign-in name.

use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
pub enum PhoneError {
    #[error("a mobile number has 11 digits and starts with 1")]
    Invalid,
}

/// An 11-digit mainland mobile number (first digit 1, second 3–9). Spaces, dashes and a
/// leading +86 / 86 are accepted as typed and removed.
/// No `Deserialize`: a number only comes into being through `parse`. `Debug` masks it like
/// `Display`, so a stray `{:?}` never prints the whole number.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Phone(String);

impl fmt::Debug for Phone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Phone({})", mask_phone(&self.0))
    }
}

impl Phone {
    pub fn parse(input: &str) -> Result<Self, PhoneError> {
        let mut digits: String = input
            .chars()
            .filter(|c| !matches!(c, ' ' | '-' | '\u{3000}'))
            .collect();
        if let Some(rest) = digits.strip_prefix("+86") {
            digits = rest.to_owned();
        } else if digits.len() == 13 && digits.starts_with("86") {
            digits = digits[2..].to_owned();
        }
        let b = digits.as_bytes();
        let ok = b.len() == 11
            && b.iter().all(u8::is_ascii_digit)
            && b[0] == b'1'
            && (b'3'..=b'9').contains(&b[1]);
        if ok {
            Ok(Self(digits))
        } else {
            Err(PhoneError::Invalid)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// `138****1234`: enough for the owner to recognise, too little for anyone else.
    pub fn masked(&self) -> String {
        mask_phone(&self.0)
    }
}

/// Masks a stored phone number for display.
pub fn mask_phone(s: &str) -> String {
    if s.len() == 11 {
        format!("{}****{}", &s[..3], &s[7..])
    } else {
        "*".repeat(s.len())
    }
}

impl fmt::Display for Phone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.masked())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phone_numbers_as_people_type_them() {
        let cases = [
            ("13812345678", Some("13812345678")),
            ("138 1234 5678", Some("13812345678")),
            ("138-1234-5678", Some("13812345678")),
            ("+86 138 1234 5678", Some("13812345678")),
            ("8613812345678", Some("13812345678")),
            ("19912345678", Some("19912345678")),
            ("12812345678", None),
            ("1381234567", None),
            ("138123456789", None),
            ("23812345678", None),
            ("1381234567a", None),
            ("", None),
        ];
        for (input, expected) in cases {
            let got = Phone::parse(input).ok();
            assert_eq!(got.as_ref().map(Phone::as_str), expected, "{input:?}");
        }
    }

    #[test]
    fn display_is_masked() {
        let p = Phone::parse("13812345678").unwrap();
        assert_eq!(p.to_string(), "138****5678");
    }
}
