//! 金额 — money as whole fen (分), never floats: a subsidy of 1,234.50元 is `Fen(123450)`, so
//! sums and caps are exact and the browser and the server agree to the fen.

use serde::{Deserialize, Serialize};
use std::fmt;

/// An amount of renminbi in fen (1元 = 100分).
///
/// Arithmetic through `+` and `Sum` saturates at the ends of `i64` instead of panicking: the
/// amounts a policy allows are many orders of magnitude smaller, and a panic in a page or a
/// desk would be worse than a clamped figure. Use [`Fen::checked_add`] where overflow must be
/// refused.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct Fen(pub i64);

/// The largest amount [`parse_yuan`] accepts: 10^13 fen (一千亿元). Anything a person types above
/// it is a typing mistake, and the bound keeps every accepted amount far from `i64` overflow.
pub const MAX_TYPED: Fen = Fen(10_000_000_000_000);

impl Fen {
    pub const ZERO: Fen = Fen(0);

    /// Whole yuan (元); saturates at the ends of `i64`.
    pub fn yuan(y: i64) -> Fen {
        Fen(y.saturating_mul(100))
    }

    pub fn checked_add(self, o: Fen) -> Option<Fen> {
        self.0.checked_add(o.0).map(Fen)
    }

    pub fn checked_sub(self, o: Fen) -> Option<Fen> {
        self.0.checked_sub(o.0).map(Fen)
    }

    /// The smaller of two amounts (a grant never above its cap).
    pub fn min(self, o: Fen) -> Fen {
        Ord::min(self, o)
    }

    pub fn is_positive(self) -> bool {
        self.0 > 0
    }

    /// `1,234.50`: thousands separators, always two decimals, a leading `-` if negative. The
    /// form [`parse_yuan`] reads back (for non-negative amounts).
    pub fn plain(self) -> String {
        let abs = self.0.unsigned_abs();
        let (yuan, fen) = (abs / 100, abs % 100);
        let digits = yuan.to_string();
        let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 4);
        if self.0 < 0 {
            out.push('-');
        }
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i) % 3 == 0 {
                out.push(',');
            }
            out.push(c);
        }
        out.push('.');
        out.push_str(&format!("{fen:02}"));
        out
    }

    /// zh-CN: `1,234.50元`.
    pub fn zh(self) -> String {
        format!("{}元", self.plain())
    }

    /// en: `¥1,234.50` (`-¥1,234.50` if negative: the sign before the currency, as English writes it).
    pub fn en(self) -> String {
        let p = self.plain();
        match p.strip_prefix('-') {
            Some(rest) => format!("-¥{rest}"),
            None => format!("¥{p}"),
        }
    }
}

/// Saturating, see [`Fen`].
impl std::ops::Add for Fen {
    type Output = Fen;
    fn add(self, o: Fen) -> Fen {
        Fen(self.0.saturating_add(o.0))
    }
}

/// Saturating, see [`Fen`].
impl std::iter::Sum for Fen {
    fn sum<I: Iterator<Item = Fen>>(iter: I) -> Fen {
        iter.fold(Fen::ZERO, |a, b| a + b)
    }
}

impl<'a> std::iter::Sum<&'a Fen> for Fen {
    fn sum<I: Iterator<Item = &'a Fen>>(iter: I) -> Fen {
        iter.copied().sum()
    }
}

/// Why a typed amount was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum MoneyError {
    /// Nothing was typed.
    Empty,
    /// Not an amount: letters, a sign, more than two decimals, misplaced separators.
    Invalid,
    /// Above [`MAX_TYPED`].
    TooLarge,
}

impl fmt::Display for MoneyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            MoneyError::Empty => "no amount was given",
            MoneyError::Invalid => "not an amount in yuan with at most two decimals",
            MoneyError::TooLarge => "the amount is too large",
        })
    }
}

impl std::error::Error for MoneyError {}

/// Parses what a person types as yuan: `1234`, `1234.5`, `1,234.50`, ` 1234.50 `, `¥1234`,
/// `￥1234`, `1234元`. Refuses an empty field, a sign (a claim is never negative), more than two
/// decimals, letters, a dot without digits on both sides (`.5`, `5.`), commas that are not
/// thousands separators (`12,34`), and amounts above [`MAX_TYPED`].
pub fn parse_yuan(s: &str) -> Result<Fen, MoneyError> {
    let mut t = s.trim();
    if let Some(rest) = t.strip_prefix('¥').or_else(|| t.strip_prefix('￥')) {
        t = rest.trim_start();
    }
    if let Some(rest) = t.strip_suffix('元') {
        t = rest.trim_end();
    }
    if t.is_empty() {
        return Err(MoneyError::Empty);
    }
    let (int, frac) = match t.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (t, None),
    };
    if !valid_integer_part(int) {
        return Err(MoneyError::Invalid);
    }
    let frac_fen = match frac {
        None => 0,
        Some(f) if (1..=2).contains(&f.len()) && f.bytes().all(|b| b.is_ascii_digit()) => {
            let v: i64 = f.bytes().fold(0, |a, b| a * 10 + i64::from(b - b'0'));
            if f.len() == 1 {
                v * 10
            } else {
                v
            }
        }
        Some(_) => return Err(MoneyError::Invalid),
    };
    let mut yuan: i64 = 0;
    for b in int.bytes().filter(u8::is_ascii_digit) {
        yuan = yuan
            .checked_mul(10)
            .and_then(|v| v.checked_add(i64::from(b - b'0')))
            .ok_or(MoneyError::TooLarge)?;
    }
    let fen = yuan
        .checked_mul(100)
        .and_then(|v| v.checked_add(frac_fen))
        .ok_or(MoneyError::TooLarge)?;
    if fen > MAX_TYPED.0 {
        return Err(MoneyError::TooLarge);
    }
    Ok(Fen(fen))
}

/// Digits, or digits grouped by commas in threes after a first group of one to three.
fn valid_integer_part(int: &str) -> bool {
    if int.is_empty() {
        return false;
    }
    let mut groups = int.split(',');
    let first = groups.next().unwrap_or_default();
    let digits = |g: &str| g.bytes().all(|b| b.is_ascii_digit());
    if !int.contains(',') {
        return digits(int);
    }
    (1..=3).contains(&first.len()) && digits(first) && groups.all(|g| g.len() == 3 && digits(g))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn amounts_as_people_type_them() {
        let cases: [(&str, Result<Fen, MoneyError>); 31] = [
            ("1234", Ok(Fen(123_400))),
            ("1234.5", Ok(Fen(123_450))),
            ("1234.50", Ok(Fen(123_450))),
            ("1234.05", Ok(Fen(123_405))),
            ("1,234.50", Ok(Fen(123_450))),
            ("1,234,567", Ok(Fen(123_456_700))),
            (" 1234.50 ", Ok(Fen(123_450))),
            ("¥1234", Ok(Fen(123_400))),
            ("￥ 1234", Ok(Fen(123_400))),
            ("1234元", Ok(Fen(123_400))),
            ("¥1,234.50元", Ok(Fen(123_450))),
            ("0", Ok(Fen::ZERO)),
            ("0.01", Ok(Fen(1))),
            ("007", Ok(Fen(700))),
            ("100000000000", Ok(MAX_TYPED)),
            ("100000000000.01", Err(MoneyError::TooLarge)),
            ("99999999999999999999999", Err(MoneyError::TooLarge)),
            ("", Err(MoneyError::Empty)),
            ("   ", Err(MoneyError::Empty)),
            ("¥", Err(MoneyError::Empty)),
            ("元", Err(MoneyError::Empty)),
            ("-5", Err(MoneyError::Invalid)),
            ("+5", Err(MoneyError::Invalid)),
            ("1.234", Err(MoneyError::Invalid)),
            ("12a", Err(MoneyError::Invalid)),
            ("1.2.3", Err(MoneyError::Invalid)),
            (".5", Err(MoneyError::Invalid)),
            ("5.", Err(MoneyError::Invalid)),
            ("12,34", Err(MoneyError::Invalid)),
            ("1234,567", Err(MoneyError::Invalid)),
            ("1 234", Err(MoneyError::Invalid)),
        ];
        for (input, expected) in cases {
            assert_eq!(parse_yuan(input), expected, "{input:?}");
        }
    }

    #[test]
    fn amounts_are_shown_with_separators_and_two_decimals_in_both_languages() {
        let cases = [
            (Fen(0), "0.00", "0.00元", "¥0.00"),
            (Fen(5), "0.05", "0.05元", "¥0.05"),
            (Fen(123_450), "1,234.50", "1,234.50元", "¥1,234.50"),
            (Fen(99_999), "999.99", "999.99元", "¥999.99"),
            (Fen(100_000), "1,000.00", "1,000.00元", "¥1,000.00"),
            (Fen(-123_450), "-1,234.50", "-1,234.50元", "-¥1,234.50"),
            (
                Fen::yuan(1_000_000),
                "1,000,000.00",
                "1,000,000.00元",
                "¥1,000,000.00",
            ),
        ];
        for (f, plain, zh, en) in cases {
            assert_eq!(f.plain(), plain);
            assert_eq!(f.zh(), zh);
            assert_eq!(f.en(), en);
        }
        assert_eq!(Fen(i64::MIN).plain(), "-92,233,720,368,547,758.08");
    }

    #[test]
    fn addition_and_sums_saturate_instead_of_panicking() {
        assert_eq!(Fen(i64::MAX) + Fen(1), Fen(i64::MAX));
        assert_eq!(Fen(i64::MIN) + Fen(-1), Fen(i64::MIN));
        assert_eq!(
            [Fen(i64::MAX), Fen(5)].into_iter().sum::<Fen>(),
            Fen(i64::MAX)
        );
        assert_eq!([Fen(1), Fen(2)].iter().sum::<Fen>(), Fen(3));
        assert_eq!(Fen(i64::MAX).checked_add(Fen(1)), None);
        assert_eq!(Fen(i64::MIN).checked_sub(Fen(1)), None);
        assert_eq!(Fen(5).checked_sub(Fen(7)), Some(Fen(-2)));
        assert_eq!(Fen::yuan(i64::MAX), Fen(i64::MAX));
        assert_eq!(Fen(3).min(Fen(2)), Fen(2));
    }

    #[test]
    fn fen_travels_as_a_bare_integer() {
        assert_eq!(serde_json::to_string(&Fen(123_450)).unwrap(), "123450");
        assert_eq!(serde_json::from_str::<Fen>("60000").unwrap(), Fen(60_000));
    }

    proptest! {
        #[test]
        fn every_shown_amount_reads_back_as_itself(f in 0i64..=1_000_000_000_000) {
            let f = Fen(f);
            prop_assert_eq!(parse_yuan(&f.plain()), Ok(f));
            prop_assert_eq!(parse_yuan(&f.zh()), Ok(f));
            prop_assert_eq!(parse_yuan(&f.en()), Ok(f));
        }

        #[test]
        fn parsing_never_panics_on_any_text(s in ".*") {
            let _ = parse_yuan(&s);
        }

        #[test]
        fn parsing_never_panics_on_text_that_looks_like_money(s in "[¥￥ ]?[0-9,.]{0,30}元?") {
            if let Ok(f) = parse_yuan(&s) {
                prop_assert!(f >= Fen::ZERO && f <= MAX_TYPED);
            }
        }
    }
}
