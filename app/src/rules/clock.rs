//! Time in the civil-affairs sense: every date a resident sees is a date in Asia/Shanghai.
//!
//! "Now" is never read here. The server owns a [`Clock`]; tests inject a fixed one.

use chrono::{DateTime, FixedOffset, NaiveDate, Utc};

/// China Standard Time has been UTC+8 all year round since 1991, so a fixed offset is exact.
pub fn shanghai() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).expect("valid offset")
}

/// The calendar date in Asia/Shanghai at instant `t`.
pub fn shanghai_date(t: DateTime<Utc>) -> NaiveDate {
    t.with_timezone(&shanghai()).date_naive()
}

/// Where "now" comes from. The server uses the system clock; tests and demos inject one.
pub trait Clock: Send + Sync + 'static {
    fn now(&self) -> DateTime<Utc>;

    /// Today's date in Asia/Shanghai.
    fn today(&self) -> NaiveDate {
        shanghai_date(self.now())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_date_turns_at_midnight_in_shanghai_not_in_utc() {
        let t = DateTime::parse_from_rfc3339("2026-11-23T16:00:00Z")
            .unwrap()
            .to_utc();
        assert_eq!(
            shanghai_date(t),
            NaiveDate::from_ymd_opt(2026, 11, 24).unwrap()
        );
        let t = DateTime::parse_from_rfc3339("2026-11-23T15:59:59Z")
            .unwrap()
            .to_utc();
        assert_eq!(
            shanghai_date(t),
            NaiveDate::from_ymd_opt(2026, 11, 23).unwrap()
        );
    }
}
