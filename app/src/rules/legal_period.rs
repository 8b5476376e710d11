//! 期间 — legal periods counted in days (Civil Code arts. 201 and 203; DESIGN.md §7).
//!
//! A period counts from the day after the event. If its last day is a statutory rest day
//! (法定休假日: a public holiday, or a weekend day that is not an adjusted working day), the
//! last day moves to the next working day. The last day ends when the office closes.
//! Every deadline carries the steps that reached it, so a page can explain its date.

use super::calendar::WorkCalendar;
use chrono::{DateTime, Datelike, Days, NaiveDate, NaiveTime, TimeZone, Utc};

/// One step of the explanation of a deadline, in order.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum PeriodStep {
    /// The event the period counts from (e.g. 收到申请).
    Event(NaiveDate),
    /// The `days`-th day, counted from the day after the event.
    Counted { days: u32, date: NaiveDate },
    /// That day is a rest day: a named holiday, or a weekend (`None`).
    RestDay {
        date: NaiveDate,
        holiday: Option<String>,
    },
    /// So the last day moves to this working day.
    MovedTo(NaiveDate),
    /// The period ends at this instant (the office's closing time on the last day). On the
    /// wire as unix seconds: the browser never parses a date-time string.
    EndsAt(#[serde(with = "chrono::serde::ts_seconds")] DateTime<Utc>),
    /// The period ends at this instant, as the parties were told, although the calendar (changed
    /// since) now gives another end: a told end never moves earlier, and a later one takes
    /// effect when the server moves it.
    Kept(#[serde(with = "chrono::serde::ts_seconds")] DateTime<Utc>),
}

/// When a period ends, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Deadline {
    /// The `days`-th day before any moving.
    pub nominal_last_day: NaiveDate,
    /// The last day after moving past rest days.
    pub last_day: NaiveDate,
    /// The closing time of the office on the last day, Asia/Shanghai.
    pub ends_at: DateTime<Utc>,
    pub steps: Vec<PeriodStep>,
    /// A year the period ends in whose holiday notice the calendar lacks: only weekends were
    /// counted as rest days there, so the date may still move when the notice is loaded.
    pub unsure_year: Option<i32>,
}

impl Deadline {
    /// The steps that explain an end the parties were `told`: these steps, and where the
    /// calendar now gives another end, that the told one stands.
    pub fn steps_to(&self, told: DateTime<Utc>) -> Vec<PeriodStep> {
        let mut steps = self.steps.clone();
        if told != self.ends_at {
            steps.push(PeriodStep::Kept(told));
        }
        steps
    }
}

/// The end of a period of `days` days after `event`. `closing` gives the office's closing time
/// on a working day.
pub fn period_end(
    event: NaiveDate,
    days: u32,
    calendar: &WorkCalendar,
    closing: impl Fn(NaiveDate) -> NaiveTime,
) -> Deadline {
    let nominal = event + Days::new(u64::from(days));
    let mut steps = vec![
        PeriodStep::Event(event),
        PeriodStep::Counted {
            days,
            date: nominal,
        },
    ];
    let last_day = calendar.working_day_on_or_after(nominal);
    if last_day != nominal {
        steps.push(PeriodStep::RestDay {
            date: nominal,
            holiday: calendar.holiday_name(nominal).map(str::to_owned),
        });
        steps.push(PeriodStep::MovedTo(last_day));
    }
    let local = last_day.and_time(closing(last_day));
    let ends_at = super::clock::shanghai()
        .from_local_datetime(&local)
        .single()
        .expect("UTC+8 has no gaps")
        .to_utc();
    steps.push(PeriodStep::EndsAt(ends_at));
    let unsure_year = [nominal.year(), last_day.year()]
        .into_iter()
        .find(|y| !calendar.knows_year(*y));
    Deadline {
        nominal_last_day: nominal,
        last_day,
        ends_at,
        steps,
        unsure_year,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::clock::shanghai;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn five_pm(_: NaiveDate) -> NaiveTime {
        NaiveTime::from_hms_opt(17, 0, 0).unwrap()
    }

    #[test]
    fn thirty_day_periods_over_month_ends_leap_years_holidays_and_weekends() {
        let cal = WorkCalendar::china();
        // (event, last day, why)
        let cases = [
            (
                "2026-09-01",
                "2026-10-08",
                "day 30 is 1 October: National Day, moved to the Thursday after",
            ),
            (
                "2026-01-16",
                "2026-02-24",
                "day 30 is 15 February: Spring Festival, moved past the whole holiday",
            ),
            (
                "2026-01-29",
                "2026-02-28",
                "day 30 is an adjusted working Saturday: it stays",
            ),
            (
                "2026-11-05",
                "2026-12-07",
                "day 30 is a Saturday: moved to Monday",
            ),
            ("2026-11-23", "2026-12-23", "an ordinary Wednesday"),
            ("2024-01-31", "2024-03-01", "over 29 February 2024"),
            ("2024-01-30", "2024-02-29", "day 30 is the leap day itself"),
            ("2025-01-31", "2025-03-03", "2 March 2025 is a Sunday"),
            (
                "2028-01-30",
                "2028-02-29",
                "leap day 2028 (a Tuesday; no 2028 holiday file yet)",
            ),
            ("2026-12-15", "2027-01-14", "into the next year"),
            (
                "2025-09-08",
                "2025-10-09",
                "day 30 is 8 October 2025, the last day of the combined holiday",
            ),
        ];
        for (event, last, why) in cases {
            let p = period_end(d(event), 30, &cal, five_pm);
            assert_eq!(p.last_day, d(last), "{event}: {why}");
            assert_eq!(
                p.ends_at.with_timezone(&shanghai()).time(),
                five_pm(p.last_day),
                "{event}"
            );
        }
    }

    #[test]
    fn the_explanation_names_each_step() {
        let cal = WorkCalendar::china();
        let p = period_end(d("2026-09-01"), 30, &cal, five_pm);
        assert_eq!(
            p.steps,
            vec![
                PeriodStep::Event(d("2026-09-01")),
                PeriodStep::Counted {
                    days: 30,
                    date: d("2026-10-01")
                },
                PeriodStep::RestDay {
                    date: d("2026-10-01"),
                    holiday: Some("国庆节".into())
                },
                PeriodStep::MovedTo(d("2026-10-08")),
                PeriodStep::EndsAt(
                    DateTime::parse_from_rfc3339("2026-10-08T17:00:00+08:00")
                        .unwrap()
                        .to_utc()
                ),
            ]
        );
    }

    #[test]
    fn a_deadline_in_a_year_without_its_holiday_notice_says_it_may_move() {
        let cal = WorkCalendar::china();
        let known = period_end(d("2026-11-05"), 30, &cal, five_pm);
        assert_eq!(known.unsure_year, None);
        // Day 30 is in 2027, whose notice the shipped calendar does not have yet.
        let ahead = period_end(d("2026-12-15"), 30, &cal, five_pm);
        assert_eq!(ahead.unsure_year, Some(2027));
        // Without the 2026 notice, National Day is an ordinary Thursday.
        let without_2026 =
            WorkCalendar::from_years(&crate::rules::calendar::SHIPPED_YEARS[..2]).unwrap();
        let p = period_end(d("2026-09-01"), 30, &without_2026, five_pm);
        assert_eq!((p.last_day, p.unsure_year), (d("2026-10-01"), Some(2026)));
    }

    /// Every event day of three years: the deadline is never before day 30, falls on a working
    /// day at closing time, and every day skipped on the way is a rest day.
    #[test]
    fn every_deadline_is_a_working_day_at_closing_time_and_only_rest_days_are_skipped() {
        let cal = WorkCalendar::china();
        for event in d("2024-01-01").iter_days().take_while(|x| x.year() <= 2026) {
            let p = period_end(event, 30, &cal, five_pm);
            assert!(p.last_day >= p.nominal_last_day, "{event}");
            assert_eq!(p.nominal_last_day, event + Days::new(30), "{event}");
            assert!(cal.is_working_day(p.last_day), "{event}");
            for skipped in p
                .nominal_last_day
                .iter_days()
                .take_while(|x| *x < p.last_day)
            {
                assert!(cal.is_rest_day(skipped), "{event}: skipped {skipped}");
            }
            let local = p.ends_at.with_timezone(&shanghai());
            assert_eq!(
                (local.date_naive(), local.time()),
                (p.last_day, five_pm(p.last_day)),
                "{event}"
            );
            // A second period counted from the end of the first (the certificate window) never
            // ends before the first.
            let window = period_end(p.last_day, 30, &cal, five_pm);
            assert!(window.ends_at > p.ends_at, "{event}");
        }
    }
}
