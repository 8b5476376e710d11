//! 工作日历 — which days the offices open: public holidays (法定节假日) are closed, weekends are
//! closed unless they are adjusted working days (调休上班).
//!
//! The calendar is data, one file per year (`app/calendar/cn-YYYY.json`, from the State
//! Council's yearly notice), so offices add next year's file when the notice is published. A
//! year without a file falls back to plain weekends, and [`WorkCalendar::knows_year`] says so,
//! so pages can warn that dates that far ahead may still change.

use chrono::{Datelike, Days, NaiveDate, Weekday};
use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet};

/// The files shipped with the app; a deployment may load newer ones with [`WorkCalendar::from_years`].
pub const SHIPPED_YEARS: [&str; 3] = [
    include_str!("../../calendar/cn-2024.json"),
    include_str!("../../calendar/cn-2025.json"),
    include_str!("../../calendar/cn-2026.json"),
];

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CalendarError {
    #[error("calendar file is not valid JSON: {0}")]
    Json(String),
    #[error("{year}: {date} is not a date of that year")]
    OutsideYear { year: i32, date: String },
    #[error("{year}: the holiday {name} ends before it starts")]
    BadRange { year: i32, name: String },
    #[error("{year}: {date} is both a holiday and an adjusted working day")]
    Conflict { year: i32, date: NaiveDate },
    #[error("{year}: the adjusted working day {date} is not a weekend day")]
    WorkdayNotWeekend { year: i32, date: NaiveDate },
    #[error("the year {0} is given twice")]
    DuplicateYear(i32),
}

#[derive(Deserialize)]
struct YearFile {
    year: i32,
    /// `[first day, last day, name]`, inclusive.
    holidays: Vec<(String, String, String)>,
    workdays: Vec<String>,
}

/// The working-day calendar of mainland China.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WorkCalendar {
    holidays: BTreeMap<NaiveDate, String>,
    workdays: BTreeSet<NaiveDate>,
    years: BTreeSet<i32>,
}

fn date_in(year: i32, s: &str) -> Result<NaiveDate, CalendarError> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .ok()
        .filter(|d| d.year() == year)
        .ok_or_else(|| CalendarError::OutsideYear {
            year,
            date: s.to_owned(),
        })
}

impl WorkCalendar {
    /// The calendar shipped with the app.
    pub fn china() -> Self {
        Self::from_years(&SHIPPED_YEARS).expect("the shipped calendar files are valid")
    }

    /// Builds a calendar from yearly files, checking each for mistakes an editor could make.
    pub fn from_years(files: &[&str]) -> Result<Self, CalendarError> {
        let mut cal = Self::default();
        for text in files {
            let file: YearFile =
                serde_json::from_str(text).map_err(|e| CalendarError::Json(e.to_string()))?;
            let year = file.year;
            if !cal.years.insert(year) {
                return Err(CalendarError::DuplicateYear(year));
            }
            for (from, to, name) in &file.holidays {
                let (from, to) = (date_in(year, from)?, date_in(year, to)?);
                if to < from {
                    return Err(CalendarError::BadRange {
                        year,
                        name: name.clone(),
                    });
                }
                for d in from.iter_days().take_while(|d| *d <= to) {
                    cal.holidays.insert(d, name.clone());
                }
            }
            for w in &file.workdays {
                let d = date_in(year, w)?;
                if cal.holidays.contains_key(&d) {
                    return Err(CalendarError::Conflict { year, date: d });
                }
                if !is_weekend(d) {
                    return Err(CalendarError::WorkdayNotWeekend { year, date: d });
                }
                cal.workdays.insert(d);
            }
        }
        Ok(cal)
    }

    /// Whether the yearly notice for `year` is loaded (otherwise only weekends are known).
    pub fn knows_year(&self, year: i32) -> bool {
        self.years.contains(&year)
    }

    /// A day the offices open: not a holiday, and not a weekend unless it is an adjusted working day.
    pub fn is_working_day(&self, d: NaiveDate) -> bool {
        if self.workdays.contains(&d) {
            return true;
        }
        !self.holidays.contains_key(&d) && !is_weekend(d)
    }

    /// 法定休假日: a public holiday, or a weekend day that is not an adjusted working day.
    pub fn is_rest_day(&self, d: NaiveDate) -> bool {
        !self.is_working_day(d)
    }

    /// The holiday a date belongs to, if any.
    pub fn holiday_name(&self, d: NaiveDate) -> Option<&str> {
        self.holidays.get(&d).map(String::as_str)
    }

    /// 调休上班: a weekend day on which offices open.
    pub fn is_adjusted_working_day(&self, d: NaiveDate) -> bool {
        self.workdays.contains(&d)
    }

    /// The first working day on or after `d`.
    pub fn working_day_on_or_after(&self, d: NaiveDate) -> NaiveDate {
        let mut day = d;
        // A year has no rest run longer than a few weeks; the bound only guards bad data.
        for _ in 0..366 {
            if self.is_working_day(day) {
                return day;
            }
            day = day + Days::new(1);
        }
        day
    }
}

/// The English name of a holiday as the yearly notice names it in Chinese.
pub fn english_holiday_name(zh: &str) -> Option<&'static str> {
    Some(match zh {
        "元旦" => "New Year's Day",
        "春节" => "Spring Festival",
        "清明节" => "Qingming Festival",
        "劳动节" => "Labour Day",
        "端午节" => "Dragon Boat Festival",
        "中秋节" => "Mid-Autumn Festival",
        "国庆节" => "National Day",
        "国庆节、中秋节" => "National Day and Mid-Autumn Festival",
        _ => return None,
    })
}

fn is_weekend(d: NaiveDate) -> bool {
    matches!(d.weekday(), Weekday::Sat | Weekday::Sun)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn holidays_weekends_and_adjusted_working_days() {
        let cal = WorkCalendar::china();
        let cases = [
            ("2026-10-01", false, "National Day"),
            ("2026-10-07", false, "last day of National Day"),
            ("2026-10-08", true, "Thursday after National Day"),
            ("2026-10-10", true, "adjusted working Saturday"),
            ("2026-10-11", false, "ordinary Sunday"),
            (
                "2026-02-14",
                true,
                "adjusted working Saturday before the Spring Festival",
            ),
            ("2026-02-17", false, "Spring Festival"),
            ("2026-11-23", true, "ordinary Monday"),
            ("2026-11-28", false, "ordinary Saturday"),
            ("2024-02-29", true, "leap day, a Thursday"),
        ];
        for (date, working, why) in cases {
            assert_eq!(cal.is_working_day(d(date)), working, "{date}: {why}");
        }
        assert_eq!(cal.holiday_name(d("2026-02-17")), Some("春节"));
        assert!(cal.is_adjusted_working_day(d("2026-02-28")));
        assert_eq!(
            cal.working_day_on_or_after(d("2026-10-01")),
            d("2026-10-08")
        );
        assert_eq!(
            cal.working_day_on_or_after(d("2026-11-28")),
            d("2026-11-30")
        );
    }

    #[test]
    fn every_shipped_holiday_has_an_english_name() {
        let cal = WorkCalendar::china();
        for name in cal.holidays.values() {
            assert!(english_holiday_name(name).is_some(), "{name}");
        }
    }

    #[test]
    fn a_year_without_a_file_falls_back_to_weekends_and_says_so() {
        let cal = WorkCalendar::china();
        assert!(cal.knows_year(2026) && !cal.knows_year(2028));
        assert!(cal.is_working_day(d("2028-01-03")) && !cal.is_working_day(d("2028-01-08")));
    }

    #[test]
    fn mistakes_in_a_calendar_file_are_refused() {
        let bad = [
            (
                r#"{"year":2027,"holidays":[["2027-10-07","2027-10-01","国庆节"]],"workdays":[]}"#,
                "range backwards",
            ),
            (
                r#"{"year":2027,"holidays":[["2026-10-01","2026-10-07","国庆节"]],"workdays":[]}"#,
                "wrong year",
            ),
            (
                r#"{"year":2027,"holidays":[["2027-10-01","2027-10-07","国庆节"]],"workdays":["2027-10-02"]}"#,
                "holiday and workday",
            ),
            (
                r#"{"year":2027,"holidays":[],"workdays":["2027-10-13"]}"#,
                "workday on a Wednesday",
            ),
            (
                r#"{"year":2027,"holidays":[["2027-02-30","2027-03-01","x"]],"workdays":[]}"#,
                "30 February",
            ),
            (r#"{"year":2027}"#, "missing fields"),
        ];
        for (text, why) in bad {
            assert!(WorkCalendar::from_years(&[text]).is_err(), "{why}");
        }
        let twice = SHIPPED_YEARS[2];
        assert_eq!(
            WorkCalendar::from_years(&[twice, twice]),
            Err(CalendarError::DuplicateYear(2026))
        );
    }

    /// Cross-checks every day of every shipped year against the independent copy of the
    /// holiday data in `../shared/data/holiday-cn/` (the NateScarlet/holiday-cn data set).
    #[test]
    fn the_shipped_calendar_agrees_with_the_independent_holiday_data() {
        #[derive(Deserialize)]
        struct Ref {
            days: Vec<RefDay>,
        }
        #[derive(Deserialize)]
        struct RefDay {
            date: String,
            #[serde(rename = "isOffDay")]
            is_off_day: bool,
        }
        let dir =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/data/holiday-cn");
        let cal = WorkCalendar::china();
        for year in cal.years.iter().copied() {
            let path = dir.join(format!("{year}.json"));
            let text = std::fs::read_to_string(&path)
                .unwrap_or_else(|e| panic!("the cross-check needs {}: {e}", path.display()));
            let reference: Ref = serde_json::from_str(&text).unwrap();
            let listed: BTreeMap<NaiveDate, bool> = reference
                .days
                .iter()
                .map(|r| (d(&r.date), r.is_off_day))
                .collect();
            let mut differences = vec![];
            for day in d(&format!("{year}-01-01"))
                .iter_days()
                .take_while(|x| x.year() == year)
            {
                let theirs = match listed.get(&day) {
                    Some(off) => !off,
                    None => !is_weekend(day),
                };
                if cal.is_working_day(day) != theirs {
                    differences.push(day);
                }
            }
            assert!(
                differences.is_empty(),
                "{year}: our calendar differs on {differences:?}"
            );
        }
    }
}
