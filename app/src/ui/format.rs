//! The one way dates, times, ranges and deadlines are written, in both languages.
//!
//! A day a person must act on always carries its weekday and its year: "2026年11月25日 周三",
//! "Wed 25 Nov 2026". Times are 24-hour `HH:MM` in Asia/Shanghai. No chrono formatting here
//! (it would add to the WASM); pages wrap ranges and counts in `mz-nowrap` so a phone never
//! breaks "09:00–12:00" across lines.

use crate::i18n::{Locale, Texts};
use chrono::{DateTime, Datelike, NaiveDate, Timelike, Utc};

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// The weekday's short name (1 = Monday).
pub fn weekday(n: u32, t: &'static Texts) -> &'static str {
    let c = &t.common;
    [
        c.weekday_1,
        c.weekday_2,
        c.weekday_3,
        c.weekday_4,
        c.weekday_5,
        c.weekday_6,
        c.weekday_7,
    ][(n.clamp(1, 7) - 1) as usize]
}

/// A day with its weekday and year: "2026年11月25日 周三" / "Wed 25 Nov 2026".
pub fn day(d: NaiveDate, locale: Locale) -> String {
    let wd = weekday(d.weekday().number_from_monday(), locale.texts());
    match locale {
        Locale::ZhCn => format!("{}年{}月{}日 {wd}", d.year(), d.month(), d.day()),
        Locale::En => format!(
            "{wd} {} {} {}",
            d.day(),
            MONTHS[d.month0() as usize],
            d.year()
        ),
    }
}

/// A time range: "09:00–12:00".
pub fn range(starts: &str, ends: &str) -> String {
    format!("{starts}–{ends}")
}

/// A day and a time range: "2026年11月25日 周三 09:00–12:00" / "Wed 25 Nov 2026, 09:00–12:00".
pub fn day_range(d: NaiveDate, starts: &str, ends: &str, locale: Locale) -> String {
    match locale {
        Locale::ZhCn => format!("{} {}", day(d, locale), range(starts, ends)),
        Locale::En => format!("{}, {}", day(d, locale), range(starts, ends)),
    }
}

fn shanghai(t: DateTime<Utc>) -> chrono::NaiveDateTime {
    (t + chrono::Duration::hours(8)).naive_utc()
}

/// The time of day of an instant (Shanghai): "10:02".
pub fn clock_time(unix: i64) -> String {
    let t = shanghai(DateTime::from_timestamp(unix, 0).unwrap_or_default());
    format!("{:02}:{:02}", t.hour(), t.minute())
}

/// An instant a person must act by or at: "2026年11月24日 周二 09:00" / "Tue 24 Nov 2026, 09:00".
pub fn instant(unix: i64, locale: Locale) -> String {
    instant_at(
        DateTime::from_timestamp(unix, 0).unwrap_or_default(),
        locale,
    )
}

/// [`instant`] of a `DateTime`.
pub fn instant_at(t: DateTime<Utc>, locale: Locale) -> String {
    let local = shanghai(t);
    let time = format!("{:02}:{:02}", local.hour(), local.minute());
    match locale {
        Locale::ZhCn => format!("{} {time}", day(local.date(), locale)),
        Locale::En => format!("{}, {time}", day(local.date(), locale)),
    }
}

/// A deadline: an instant at midnight is the end of the day before, written as that day alone
/// ("2026年12月9日 周三" — by the end of it); any other instant with its time.
pub fn deadline(unix: i64, locale: Locale) -> String {
    let t = DateTime::from_timestamp(unix, 0).unwrap_or_default();
    let local = shanghai(t);
    if local.hour() == 0 && local.minute() == 0 {
        day(local.date().pred_opt().unwrap_or(local.date()), locale)
    } else {
        instant_at(t, locale)
    }
}

/// An amount of money from integer fen: "1,234.50元" / "¥1,234.50".
pub fn money(f: crate::rules::money::Fen, locale: Locale) -> String {
    match locale {
        Locale::ZhCn => f.zh(),
        Locale::En => f.en(),
    }
}

/// The same instant for a `<time datetime>` attribute: `2026-11-23T10:30+08:00`.
pub fn iso_instant(t: DateTime<Utc>) -> String {
    let l = shanghai(t);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}+08:00",
        l.year(),
        l.month(),
        l.day(),
        l.hour(),
        l.minute()
    )
}

/// `YYYY-MM-DD`, for form values and addresses.
pub fn iso_day(d: NaiveDate) -> String {
    format!("{:04}-{:02}-{:02}", d.year(), d.month(), d.day())
}

/// Opening hours as people say them: runs of weekdays with the same hours joined,
/// "周一至周五 09:00–17:00" / "Mon–Fri 09:00–17:00"; days with other hours follow.
pub fn opening_hours(hours: &[(u32, String, String)], locale: Locale) -> String {
    let t = locale.texts();
    let mut sorted: Vec<&(u32, String, String)> = hours.iter().collect();
    sorted.sort_by_key(|h| h.0);
    let mut runs: Vec<(u32, u32, &str, &str)> = vec![];
    for (d, o, c) in sorted {
        match runs.last_mut() {
            Some(last) if last.1 + 1 == *d && last.2 == o && last.3 == c => last.1 = *d,
            _ => runs.push((*d, *d, o, c)),
        }
    }
    let sep = match locale {
        Locale::ZhCn => "；",
        Locale::En => "; ",
    };
    runs.iter()
        .map(|(from, to, o, c)| {
            let days = if from == to {
                weekday(*from, t).to_owned()
            } else {
                t.common.weekday_span(weekday(*from, t), weekday(*to, t))
            };
            format!("{days} {}", range(o, c))
        })
        .collect::<Vec<_>>()
        .join(sep)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn at(s: &str) -> i64 {
        DateTime::parse_from_rfc3339(s).unwrap().timestamp()
    }

    #[test]
    fn days_times_and_deadlines_in_both_languages() {
        let zh = Locale::ZhCn;
        let en = Locale::En;
        let cases: &[(String, &str)] = &[
            (day(d("2026-11-25"), zh), "2026年11月25日 周三"),
            (day(d("2026-11-25"), en), "Wed 25 Nov 2026"),
            (day(d("2027-01-01"), zh), "2027年1月1日 周五"),
            (day(d("2028-02-29"), en), "Tue 29 Feb 2028"),
            (
                day_range(d("2026-11-25"), "09:00", "12:00", zh),
                "2026年11月25日 周三 09:00–12:00",
            ),
            (
                day_range(d("2026-11-25"), "09:00", "12:00", en),
                "Wed 25 Nov 2026, 09:00–12:00",
            ),
            // 2026-11-23T16:30Z is 00:30 on the 24th in Shanghai: the date turns there.
            (
                instant(at("2026-11-23T16:30:00Z"), zh),
                "2026年11月24日 周二 00:30",
            ),
            (
                instant(at("2026-11-23T16:30:00Z"), en),
                "Tue 24 Nov 2026, 00:30",
            ),
            (clock_time(at("2026-11-24T02:02:00Z")), "10:02"),
            (iso_day(d("2026-03-04")), "2026-03-04"),
        ];
        for (got, want) in cases {
            assert_eq!(got, want);
        }
        assert_eq!(
            iso_instant(
                DateTime::parse_from_rfc3339("2026-11-23T02:30:00Z")
                    .unwrap()
                    .to_utc()
            ),
            "2026-11-23T10:30+08:00"
        );
    }

    #[test]
    fn opening_hours_join_runs_of_days() {
        let h = |d: u32, o: &str, c: &str| (d, o.to_owned(), c.to_owned());
        let weekdays: Vec<_> = (1..=5).map(|d| h(d, "09:00", "17:00")).collect();
        assert_eq!(
            opening_hours(&weekdays, Locale::ZhCn),
            "周一至周五 09:00–17:00"
        );
        assert_eq!(opening_hours(&weekdays, Locale::En), "Mon–Fri 09:00–17:00");
        let mut odd = weekdays.clone();
        odd[4] = h(5, "09:00", "12:00");
        odd.push(h(6, "09:00", "12:00"));
        assert_eq!(
            opening_hours(&odd, Locale::ZhCn),
            "周一至周四 09:00–17:00；周五至周六 09:00–12:00"
        );
        assert_eq!(
            opening_hours(&[h(3, "09:00", "17:00")], Locale::En),
            "Wed 09:00–17:00"
        );
        assert_eq!(opening_hours(&[], Locale::En), "");
    }
}
