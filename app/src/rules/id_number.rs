//! 居民身份证号码 — the 18-character resident ID number of GB 11643-1999.

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use std::fmt;

/// Why a string is not a resident ID number. Each maps to one sentence in the user's language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
pub enum IdNumberError {
    #[error("the number must have 18 characters")]
    WrongLength,
    #[error("only digits, and an upper-case X at the end, are allowed")]
    BadCharacter,
    #[error("the birth date in the number does not exist")]
    BadBirthDate,
    #[error("the birth date in the number is in the future")]
    FutureBirthDate,
    #[error("the check digit does not match")]
    BadCheckDigit,
}

/// Sex as encoded in the 17th character (odd: male, even: female).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Sex {
    Male,
    Female,
}

/// A resident ID number that has passed every check of GB 11643: only `parse` makes one.
///
/// The full number is needed by the back end (one number binds one account), but it is never
/// shown: [`IdNumber::masked`] is what pages display.
/// No `Deserialize`: a number only comes into being through `parse`. `Debug` masks it like
/// `Display`, so a stray `{:?}` never prints the whole number.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct IdNumber(String);

impl fmt::Debug for IdNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "IdNumber({})", mask_id_number(&self.0))
    }
}

/// ISO 7064 MOD 11-2 weights for the first 17 characters.
const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
/// Check character for each remainder 0..=10.
const CHECK: [u8; 11] = *b"10X98765432";

impl IdNumber {
    /// Parses and checks a number as typed. Surrounding spaces are forgiven; a lower-case `x`
    /// is not, because the standard prints an upper-case X and the issuing systems compare bytes.
    /// `today` is the date in Asia/Shanghai, injected so the rule never reads a clock.
    pub fn parse(input: &str, today: NaiveDate) -> Result<Self, IdNumberError> {
        let s = input.trim();
        let bytes = s.as_bytes();
        if s.chars().count() != 18 {
            return Err(IdNumberError::WrongLength);
        }
        if !bytes[..17].iter().all(u8::is_ascii_digit)
            || !(bytes[17].is_ascii_digit() || bytes[17] == b'X')
        {
            return Err(IdNumberError::BadCharacter);
        }
        let birth = birth_date_of(bytes).ok_or(IdNumberError::BadBirthDate)?;
        if birth.year() < 1900 {
            return Err(IdNumberError::BadBirthDate);
        }
        if birth > today {
            return Err(IdNumberError::FutureBirthDate);
        }
        if check_character(&s[..17]) != Some(bytes[17] as char) {
            return Err(IdNumberError::BadCheckDigit);
        }
        Ok(Self(s.to_owned()))
    }

    /// The full number, for storage and comparison only.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The date of birth encoded in characters 7–14.
    pub fn birth_date(&self) -> NaiveDate {
        birth_date_of(self.0.as_bytes()).expect("checked by parse")
    }

    /// Sex encoded in the 17th character.
    pub fn sex(&self) -> Sex {
        if (self.0.as_bytes()[16] - b'0') % 2 == 1 {
            Sex::Male
        } else {
            Sex::Female
        }
    }

    /// Age in whole years on `on` (a birthday counts on the day itself; 29 February birthdays
    /// count on 1 March in common years, as the civil registry does).
    pub fn age_on(&self, on: NaiveDate) -> u32 {
        let b = self.birth_date();
        let mut age = on.year() - b.year();
        if (on.month(), on.day()) < (b.month(), b.day()) {
            age -= 1;
        }
        age.max(0) as u32
    }

    /// The form shown everywhere: first four and last four characters, e.g. `3302**********123X`.
    pub fn masked(&self) -> String {
        mask_id_number(&self.0)
    }
}

/// The GB 11643 check character (ISO 7064 MOD 11-2) of the first 17 digits, or `None` when
/// they are not 17 ASCII digits. Test data builders use it to make valid numbers.
pub fn check_character(first17: &str) -> Option<char> {
    let bytes = first17.as_bytes();
    if bytes.len() != 17 || !bytes.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let sum: u32 = bytes
        .iter()
        .zip(WEIGHTS)
        .map(|(b, w)| u32::from(b - b'0') * w)
        .sum();
    Some(CHECK[(sum % 11) as usize] as char)
}

/// Masks a stored number without re-checking it (records written before a rule changed still display).
pub fn mask_id_number(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    if chars.len() < 8 {
        return "*".repeat(chars.len());
    }
    let head: String = chars[..4].iter().collect();
    let tail: String = chars[chars.len() - 4..].iter().collect();
    format!("{head}{}{tail}", "*".repeat(chars.len() - 8))
}

fn birth_date_of(bytes: &[u8]) -> Option<NaiveDate> {
    let digits = std::str::from_utf8(&bytes[6..14]).ok()?;
    let y = digits[0..4].parse().ok()?;
    let m = digits[4..6].parse().ok()?;
    let d = digits[6..8].parse().ok()?;
    NaiveDate::from_ymd_opt(y, m, d)
}

impl fmt::Display for IdNumber {
    /// Displays the masked form, so a stray `{}` in a log line or a page never leaks the number.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.masked())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 23).unwrap()
    }

    /// Builds a valid number from a 17-character body by computing its check character.
    pub(crate) fn with_check(body17: &str) -> String {
        format!("{body17}{}", check_character(body17).unwrap())
    }

    #[test]
    fn the_check_character_table_matches_published_examples() {
        // Example numbers printed in GB 11643-1999 and widely reproduced.
        assert_eq!(with_check("11010519491231002"), "11010519491231002X");
        assert_eq!(with_check("44052418800101001"), "440524188001010014");
    }

    #[test]
    fn valid_and_invalid_numbers() {
        let x_case = with_check("33020319900307123");
        assert!(x_case.ends_with('X') || x_case.len() == 18);
        let cases: Vec<(String, Result<(), IdNumberError>, &str)> = vec![
            (
                "11010519491231002X".into(),
                Ok(()),
                "standard example ending in X",
            ),
            (
                "  11010519491231002X ".into(),
                Ok(()),
                "surrounding spaces are forgiven",
            ),
            (with_check("33020319900307123"), Ok(()), "a Ningbo number"),
            (
                with_check("33020320000229002"),
                Ok(()),
                "born on 29 February of a leap year",
            ),
            (
                "110105194912310021".into(),
                Err(IdNumberError::BadCheckDigit),
                "wrong check digit",
            ),
            (
                "11010519491231002x".into(),
                Err(IdNumberError::BadCharacter),
                "lower-case x",
            ),
            (
                "110105491231002".into(),
                Err(IdNumberError::WrongLength),
                "old 15-digit number",
            ),
            (
                with_check("33020319900231123"),
                Err(IdNumberError::BadBirthDate),
                "31 February",
            ),
            (
                with_check("33020319010229123"),
                Err(IdNumberError::BadBirthDate),
                "29 February 1901",
            ),
            (
                with_check("33020319901301123"),
                Err(IdNumberError::BadBirthDate),
                "month 13",
            ),
            (
                with_check("33020318991231123"),
                Err(IdNumberError::BadBirthDate),
                "born before 1900",
            ),
            (
                with_check("33020320261124123"),
                Err(IdNumberError::FutureBirthDate),
                "born tomorrow",
            ),
            (
                with_check("33020320300101123"),
                Err(IdNumberError::FutureBirthDate),
                "born in 2030",
            ),
            (
                "3302031990030712X3".into(),
                Err(IdNumberError::BadCharacter),
                "X in the middle",
            ),
            (
                "33020319900307１２３X".into(),
                Err(IdNumberError::BadCharacter),
                "full-width digits",
            ),
            ("".into(), Err(IdNumberError::WrongLength), "empty"),
        ];
        for (input, expected, why) in cases {
            let got = IdNumber::parse(&input, today()).map(|_| ());
            assert_eq!(got, expected, "{why}: {input:?}");
        }
    }

    #[test]
    fn born_today_is_accepted() {
        let n = with_check("33020320261123123");
        assert!(IdNumber::parse(&n, today()).is_ok());
    }

    #[test]
    fn sex_birth_date_and_age_come_from_the_number() {
        let man = IdNumber::parse(&with_check("33020320041124001"), today()).unwrap();
        assert_eq!(man.sex(), Sex::Male);
        assert_eq!(
            man.birth_date(),
            NaiveDate::from_ymd_opt(2004, 11, 24).unwrap()
        );
        assert_eq!(man.age_on(today()), 21, "the day before the 22nd birthday");
        assert_eq!(
            man.age_on(NaiveDate::from_ymd_opt(2026, 11, 24).unwrap()),
            22
        );
        let woman = IdNumber::parse(&with_check("33020320060101002"), today()).unwrap();
        assert_eq!(woman.sex(), Sex::Female);
    }

    #[test]
    fn the_number_is_masked_everywhere_it_is_displayed() {
        let n = IdNumber::parse("11010519491231002X", today()).unwrap();
        assert_eq!(n.masked(), "1101**********002X");
        assert_eq!(n.to_string(), "1101**********002X");
        assert!(!format!("{n}").contains("19491231"));
    }
}

#[cfg(test)]
mod debug_tests {
    use super::*;

    #[test]
    fn debug_never_prints_the_whole_number() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
        let body = "33020319900101001";
        let full = format!("{body}{}", check_character(body).unwrap());
        let id = IdNumber::parse(&full, today).unwrap();
        assert!(!format!("{id:?}").contains(&full));
        let phone = crate::rules::phone::Phone::parse("13800001234").unwrap();
        assert!(!format!("{phone:?}").contains("13800001234"));
    }
}
