//! Dates and times as people type them, parsed into the range a form can mean. A date outside
//! it is refused like any other typing mistake (a field error), so no later arithmetic ever
//! meets year −262143.

use chrono::{Days, NaiveDate, NaiveDateTime, NaiveTime};

/// How far before and after today a typed day may lie.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DayRange {
    pub back: u32,
    pub ahead: u32,
}

impl DayRange {
    /// The clerk's day list: two years back (records), a year ahead (publishing).
    pub const CLERK_DAY: DayRange = DayRange {
        back: 730,
        ahead: 366,
    };
    /// A receipt recorded at the counter: today, or up to 90 days late, never in the future.
    pub const RECEIPT: DayRange = DayRange { back: 90, ahead: 0 };
    /// Closing an office: from today to a year ahead.
    pub const PLANNING: DayRange = DayRange {
        back: 0,
        ahead: 366,
    };

    /// A day in a life: up to 150 years back; a year ahead is still read as a date, so a
    /// form can say in its own words that a date of death cannot be in the future.
    pub const LIFETIME: DayRange = DayRange {
        back: 54_800,
        ahead: 366,
    };

    pub fn contains(self, today: NaiveDate, d: NaiveDate) -> bool {
        let earliest = today.checked_sub_days(Days::new(u64::from(self.back)));
        let latest = today.checked_add_days(Days::new(u64::from(self.ahead)));
        earliest.is_some_and(|e| d >= e) && latest.is_some_and(|l| d <= l)
    }
}

/// A `YYYY-MM-DD` day inside `range` around `today`.
pub fn parse_day(s: &str, today: NaiveDate, range: DayRange) -> Option<NaiveDate> {
    let s = s.trim();
    // Exactly four digits of year: chrono would also take "+262142-12-31".
    if s.len() != 10 || !s.bytes().next().is_some_and(|b| b.is_ascii_digit()) {
        return None;
    }
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .ok()
        .filter(|d| range.contains(today, *d))
}

/// An `HH:MM` time of day.
pub fn parse_hhmm(s: &str) -> Option<NaiveTime> {
    let s = s.trim();
    (s.len() == 5)
        .then(|| NaiveTime::parse_from_str(s, "%H:%M").ok())
        .flatten()
}

/// A local (Shanghai) `YYYY-MM-DD HH:MM` (or with `T`) inside `range` around `today`, as unix
/// seconds.
pub fn parse_local_instant(s: &str, today: NaiveDate, range: DayRange) -> Option<i64> {
    let s = s.trim().replace('T', " ");
    let (day, time) = s.split_once(' ')?;
    let day = parse_day(day, today, range)?;
    let time = parse_hhmm(time)?;
    let local = NaiveDateTime::new(day, time);
    Some((local - chrono::Duration::hours(8)).and_utc().timestamp())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn typed_days_outside_what_a_form_can_mean_are_refused() {
        let today = d("2026-11-23");
        let r = DayRange::CLERK_DAY;
        assert_eq!(parse_day("2026-11-24", today, r), Some(d("2026-11-24")));
        assert_eq!(parse_day(" 2026-11-24 ", today, r), Some(d("2026-11-24")));
        for bad in [
            "+262142-12-31",
            "-262143-01-01",
            "0001-01-01",
            "1900-01-01",
            "2026-02-30",
            "2026-1-1",
            "20261124",
            "",
            "2029-01-01",
        ] {
            assert_eq!(parse_day(bad, today, r), None, "{bad}");
        }
        assert_eq!(
            parse_day("2026-11-24", today, DayRange::RECEIPT),
            None,
            "no future receipt"
        );
        assert_eq!(
            parse_day("2026-11-23", today, DayRange::RECEIPT),
            Some(today)
        );
        // The range itself never overflows, even around the last representable day.
        assert!(!DayRange::CLERK_DAY.contains(NaiveDate::MAX, NaiveDate::MAX));
    }

    #[test]
    fn times_and_local_instants() {
        let today = d("2026-11-23");
        assert_eq!(parse_hhmm("09:30"), NaiveTime::from_hms_opt(9, 30, 0));
        assert_eq!(parse_hhmm("9:30"), None);
        assert_eq!(parse_hhmm("24:00"), None);
        assert_eq!(
            parse_local_instant("2026-11-30 09:00", today, DayRange::PLANNING),
            Some(1_796_000_400) // 2026-11-30T01:00:00Z
        );
        assert_eq!(
            parse_local_instant("+262142-12-31 23:59", today, DayRange::PLANNING),
            None
        );
        assert_eq!(
            parse_local_instant("2026-11-30", today, DayRange::PLANNING),
            None
        );
    }
}
