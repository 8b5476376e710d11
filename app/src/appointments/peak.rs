//! 高峰日 — peak days (5月20日, 七夕, …): a table per year (`app/policy/peak-days-YYYY.json`,
//! data, not code). Their places open at the instant the table's release rule gives (e.g. seven
//! days before at 09:00), not with the rest of the booking window. A year without a table has
//! no peak days.

use chrono::{DateTime, Days, NaiveDate, Utc};
use serde::Deserialize;

/// The tables the app ships, one per year.
pub const SHIPPED: [&str; 2] = [
    include_str!("../../policy/peak-days-2026.json"),
    include_str!("../../policy/peak-days-2027.json"),
];

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
struct Table {
    year: i32,
    release: Release,
    days: Vec<PeakDay>,
}

/// When a peak day's places open: `days_before` the day, at `at` (Shanghai).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub struct Release {
    pub days_before: u32,
    #[serde(deserialize_with = "hhmm")]
    pub at: chrono::NaiveTime,
    /// The figures are demo values, not a published rule.
    #[serde(default)]
    pub demo: bool,
}

fn hhmm<'de, D: serde::Deserializer<'de>>(d: D) -> Result<chrono::NaiveTime, D::Error> {
    let s = String::deserialize(d)?;
    crate::rules::dates::parse_hhmm(&s).ok_or_else(|| serde::de::Error::custom("HH:MM"))
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct PeakDay {
    pub date: NaiveDate,
    pub name_zh: String,
    pub name_en: String,
}

/// Every peak day the loaded tables know.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PeakDays {
    days: Vec<(PeakDay, Release)>,
}

impl PeakDays {
    /// The shipped tables.
    pub fn shipped() -> Self {
        Self::from_tables(&SHIPPED).expect("the shipped peak-day tables are valid")
    }

    /// Tables from their JSON text; each names its year and only days of that year.
    pub fn from_tables(files: &[&str]) -> Result<Self, String> {
        let mut days = vec![];
        for text in files {
            let t: Table = serde_json::from_str(text).map_err(|e| e.to_string())?;
            for d in t.days {
                if chrono::Datelike::year(&d.date) != t.year {
                    return Err(format!("{} is not in {}", d.date, t.year));
                }
                days.push((d, t.release));
            }
        }
        Ok(Self { days })
    }

    /// Every peak day with its release rule, in the tables' order (for the rule page).
    pub fn days(&self) -> impl Iterator<Item = (&PeakDay, &Release)> {
        self.days.iter().map(|(d, r)| (d, r))
    }

    /// The peak day on `day`, if it is one.
    pub fn on(&self, day: NaiveDate) -> Option<&PeakDay> {
        self.days
            .iter()
            .find(|(d, _)| d.date == day)
            .map(|(d, _)| d)
    }

    /// When the places of `day` open, if it is a peak day.
    pub fn release_at(&self, day: NaiveDate) -> Option<DateTime<Utc>> {
        let (_, r) = self.days.iter().find(|(d, _)| d.date == day)?;
        let opens = day.checked_sub_days(Days::new(u64::from(r.days_before)))?;
        Some((opens.and_time(r.at) - chrono::Duration::hours(8)).and_utc())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn peak_days_come_from_the_yearly_tables_and_open_at_their_release_instant() {
        let p = PeakDays::shipped();
        assert_eq!(
            p.on(d("2027-05-20")).map(|x| x.name_zh.as_str()),
            Some("520")
        );
        assert_eq!(
            p.on(d("2026-08-19")).map(|x| x.name_zh.as_str()),
            Some("七夕")
        );
        assert_eq!(
            p.on(d("2027-08-08")).map(|x| x.name_zh.as_str()),
            Some("七夕")
        );
        assert!(p.on(d("2026-10-11")).is_none());
        assert!(p.on(d("2028-05-20")).is_none(), "no table for 2028 yet");
        // Seven days before at 09:00 Shanghai (demo rule) = 01:00 UTC.
        assert_eq!(
            p.release_at(d("2027-05-20")).unwrap().to_rfc3339(),
            "2027-05-13T01:00:00+00:00"
        );
        assert_eq!(p.release_at(d("2027-05-19")), None);
    }

    #[test]
    fn a_table_with_a_day_of_another_year_is_refused() {
        let bad = r#"{"year":2026,"release":{"days_before":7,"at":"09:00"},"days":[{"date":"2027-05-20","name_zh":"520","name_en":"20 May"}]}"#;
        assert!(PeakDays::from_tables(&[bad]).is_err());
    }
}
