//! 银行卡号 — the card a subsidy is paid to. Checked as typed (length and the Luhn check digit,
//! which catches every single mistyped digit and most swapped neighbours) so a payment is not
//! sent to a number that cannot exist. A card number is financial data (个人信息保护法:
//! sensitive), so `Debug` and `Display` show it masked.

use serde::{Deserialize, Serialize};
use std::fmt;

/// A bank card number: 16–19 ASCII digits with a valid Luhn check digit.
///
/// `Deserialize` goes through [`BankCard::parse`], so a card read back from storage or the wire
/// is as valid as one typed.
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct BankCard(String);

/// Why a typed card number was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum BankCardError {
    /// Nothing was typed.
    Empty,
    /// Not 16 to 19 digits.
    Length,
    /// Something other than digits, spaces and hyphens.
    NotDigits,
    /// The last digit does not match the others (a typing mistake).
    CheckDigit,
}

impl fmt::Display for BankCardError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            BankCardError::Empty => "no card number was given",
            BankCardError::Length => "a card number has 16 to 19 digits",
            BankCardError::NotDigits => "a card number has only digits",
            BankCardError::CheckDigit => "the card number has a typing mistake",
        })
    }
}

impl std::error::Error for BankCardError {}

impl BankCard {
    /// 16–19 digits after removing spaces (also the full-width space) and hyphens, Luhn check
    /// digit valid.
    pub fn parse(s: &str) -> Result<BankCard, BankCardError> {
        let digits: String = s
            .chars()
            .filter(|c| !matches!(c, ' ' | '-' | '\u{3000}'))
            .collect();
        if digits.is_empty() {
            return Err(BankCardError::Empty);
        }
        if !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(BankCardError::NotDigits);
        }
        if !(16..=19).contains(&digits.len()) {
            return Err(BankCardError::Length);
        }
        let (body, last) = digits.split_at(digits.len() - 1);
        if luhn_check_digit(body) != last.chars().next() {
            return Err(BankCardError::CheckDigit);
        }
        Ok(BankCard(digits))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The last four digits, the part people recognise their card by.
    pub fn last_four(&self) -> &str {
        &self.0[self.0.len() - 4..]
    }

    /// `6222 **** **** 1234`: first 4 (the bank) and last 4 kept; the same shape for every
    /// length, so the mask does not tell the length either.
    pub fn masked(&self) -> String {
        format!("{} **** **** {}", &self.0[..4], self.last_four())
    }
}

impl TryFrom<String> for BankCard {
    type Error = BankCardError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        BankCard::parse(&s)
    }
}

impl From<BankCard> for String {
    fn from(c: BankCard) -> String {
        c.0
    }
}

impl fmt::Debug for BankCard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "BankCard({})", self.masked())
    }
}

impl fmt::Display for BankCard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.masked())
    }
}

/// The Luhn (mod 10) check digit that completes `body`, or `None` if `body` is empty or not
/// all ASCII digits. Demo data and tests make valid numbers with it.
pub fn luhn_check_digit(body: &str) -> Option<char> {
    if body.is_empty() || !body.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    // Doubling starts at the digit next to the check digit, i.e. the body's last.
    let sum: u32 = body
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| {
            let d = u32::from(b - b'0');
            if i % 2 == 0 {
                let x = d * 2;
                if x > 9 {
                    x - 9
                } else {
                    x
                }
            } else {
                d
            }
        })
        .sum();
    char::from_digit((10 - sum % 10) % 10, 10)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn the_check_digit_matches_known_numbers() {
        // The classic Luhn example and published test card numbers.
        assert_eq!(luhn_check_digit("7992739871"), Some('3'));
        assert_eq!(luhn_check_digit("411111111111111"), Some('1'));
        assert_eq!(luhn_check_digit("622202123456789012"), Some('8'));
        assert_eq!(luhn_check_digit(""), None);
        assert_eq!(luhn_check_digit("12a"), None);
    }

    #[test]
    fn card_numbers_as_people_type_them() {
        let cases: [(&str, Result<&str, BankCardError>); 16] = [
            ("6222021234567890128", Ok("6222021234567890128")),
            ("6222 0212 3456 7890 128", Ok("6222021234567890128")),
            ("6222-0212-3456-7890-128", Ok("6222021234567890128")),
            ("6222\u{3000}0212 3456 7890 128", Ok("6222021234567890128")),
            ("4111111111111111", Ok("4111111111111111")),
            ("62148300000000007", Ok("62148300000000007")),
            ("621483000000000009", Ok("621483000000000009")),
            ("6222021234567890127", Err(BankCardError::CheckDigit)),
            ("6222021234567890182", Err(BankCardError::CheckDigit)),
            ("4111111111111112", Err(BankCardError::CheckDigit)),
            ("411111111111116", Err(BankCardError::Length)),
            ("62220212345678901234", Err(BankCardError::Length)),
            ("6222O21234567890128", Err(BankCardError::NotDigits)),
            ("6222０21234567890128", Err(BankCardError::NotDigits)),
            ("", Err(BankCardError::Empty)),
            (" - ", Err(BankCardError::Empty)),
        ];
        for (input, expected) in cases {
            let got = BankCard::parse(input);
            assert_eq!(
                got.as_ref().map(BankCard::as_str),
                expected.as_ref().map(|s| *s),
                "{input:?}"
            );
        }
    }

    #[test]
    fn a_card_is_shown_masked_and_its_debug_form_does_not_leak_it() {
        let c = BankCard::parse("6222021234567890128").unwrap();
        assert_eq!(c.masked(), "6222 **** **** 0128");
        assert_eq!(c.to_string(), "6222 **** **** 0128");
        assert_eq!(format!("{c:?}"), "BankCard(6222 **** **** 0128)");
        assert_eq!(c.last_four(), "0128");
        let short = BankCard::parse("4111111111111111").unwrap();
        assert_eq!(short.masked(), "4111 **** **** 1111");
    }

    #[test]
    fn a_card_travels_as_its_digits_and_is_checked_when_read_back() {
        let c = BankCard::parse("6222 0212 3456 7890 128").unwrap();
        let json = serde_json::to_string(&c).unwrap();
        assert_eq!(json, "\"6222021234567890128\"");
        assert_eq!(serde_json::from_str::<BankCard>(&json).unwrap(), c);
        assert!(serde_json::from_str::<BankCard>("\"6222021234567890127\"").is_err());
    }

    proptest! {
        #[test]
        fn any_body_completed_by_its_check_digit_parses(body in "[0-9]{15,18}") {
            let full = format!("{body}{}", luhn_check_digit(&body).unwrap());
            prop_assert_eq!(BankCard::parse(&full).map(|c| c.as_str().to_owned()), Ok(full));
        }

        #[test]
        fn changing_any_one_digit_is_caught(body in "[0-9]{15,18}", at in any::<prop::sample::Index>(), by in 1u8..=9) {
            let full = format!("{body}{}", luhn_check_digit(&body).unwrap());
            let i = at.index(full.len());
            let mut bytes = full.into_bytes();
            bytes[i] = b'0' + (bytes[i] - b'0' + by) % 10;
            let changed = String::from_utf8(bytes).unwrap();
            prop_assert_eq!(BankCard::parse(&changed), Err(BankCardError::CheckDigit));
        }

        #[test]
        fn parsing_never_panics_on_any_text(s in ".*") {
            let _ = BankCard::parse(&s);
        }
    }
}
