//! (ssr) 离婚冷静期规则: the page that explains a divorce case's dates, built from what gives
//! them: the period lengths ([`COOLING_OFF_DAYS`], [`CERTIFICATE_WINDOW_DAYS`],
//! [`REMINDER_LEAD_DAYS`]), the legal-period rule ([`crate::rules::legal_period`]) on the
//! working-day calendar, and worked examples the same [`schedule`] computes.

use super::model::{
    explain, schedule, CERTIFICATE_WINDOW_DAYS, COOLING_OFF_DAYS, REMINDER_LEAD_DAYS,
};
use crate::{
    appointments::{desk::AppointmentDesk, model::OfficeView},
    catalogue::{RuleDocFuture, RulesPage},
    i18n::Locale,
    rules::{
        calendar::WorkCalendar,
        legal_period::{period_end, PeriodStep},
    },
    ui::{
        format, pick,
        rule_doc::{Block, RuleDoc, RuleSection},
    },
};
use chrono::{Datelike, Days, NaiveDate, NaiveTime};

/// Registered in `crate::services`.
pub const PAGE: RulesPage = RulesPage {
    slug: "divorce",
    title: |l| l.texts().divorce_rules().title,
    summary: |l| l.texts().divorce_rules().summary,
    build,
};

fn build(locale: Locale) -> RuleDocFuture {
    Box::pin(async move {
        let offices = crate::desk::desk::<dyn AppointmentDesk>()?
            .offices()
            .await?;
        let today = crate::desk::platform()?.clock.today();
        Ok(doc(offices.first(), &WorkCalendar::china(), today, locale))
    })
}

/// The office's closing time on a day, as the divorce desk reads its hours: that weekday's,
/// else Monday's (an adjusted working weekend day), else 17:00.
fn closing_of(office: Option<&OfficeView>) -> impl Fn(NaiveDate) -> NaiveTime + '_ {
    move |d| {
        let hours = office.map(|o| o.hours.as_slice()).unwrap_or_default();
        let of = |wd: u32| {
            hours
                .iter()
                .find(|(w, _, _)| *w == wd)
                .and_then(|(_, _, c)| NaiveTime::parse_from_str(c, "%H:%M").ok())
        };
        of(d.weekday().number_from_monday())
            .or_else(|| of(1))
            .unwrap_or(NaiveTime::from_hms_opt(17, 0, 0).unwrap_or_default())
    }
}

/// The receipt day nearest to `today` (within a year either side, later first) whose
/// cooling-off period ends on a holiday and so is moved: the example that shows the moving.
pub fn holiday_example(today: NaiveDate, calendar: &WorkCalendar) -> Option<NaiveDate> {
    let moved = |d: &NaiveDate| {
        period_end(*d, COOLING_OFF_DAYS, calendar, |_| NaiveTime::MIN)
            .steps
            .iter()
            .any(|s| {
                matches!(
                    s,
                    PeriodStep::RestDay {
                        holiday: Some(_),
                        ..
                    }
                )
            })
    };
    (0..=366u64)
        .flat_map(|k| {
            [
                today.checked_add_days(Days::new(k)),
                today.checked_sub_days(Days::new(k)),
            ]
        })
        .flatten()
        .find(moved)
}

/// The page, with its examples at `office` (the first office; none: 17:00) on `calendar`.
pub fn doc(
    office: Option<&OfficeView>,
    calendar: &WorkCalendar,
    today: NaiveDate,
    locale: Locale,
) -> RuleDoc {
    let t = locale.texts();
    let (x, d) = (t.divorce_rules(), t.divorce());
    let periods = RuleSection::new(
        "periods",
        x.periods_h,
        vec![Block::Facts {
            heading: None,
            items: vec![
                (
                    x.cooling_label.to_owned(),
                    x.cooling_value(&COOLING_OFF_DAYS.to_string()),
                ),
                (
                    x.window_label.to_owned(),
                    x.window_value(&CERTIFICATE_WINDOW_DAYS.to_string()),
                ),
                (
                    x.reminder_label.to_owned(),
                    x.reminder_value(&REMINDER_LEAD_DAYS.to_string()),
                ),
            ],
        }],
    );
    let sep = if locale == Locale::ZhCn { "、" } else { ", " };
    let years = (today.year() - 3..=today.year() + 3)
        .filter(|y| calendar.knows_year(*y))
        .map(|y| y.to_string())
        .collect::<Vec<_>>()
        .join(sep);
    let counting = RuleSection::new(
        "counting",
        x.counting_h,
        vec![Block::List(vec![
            x.rule_next_day.to_owned(),
            x.rule_rest_day.to_owned(),
            x.rule_closing.to_owned(),
            x.rule_calendar(&years),
        ])],
    );
    let closing = closing_of(office);
    let example = |received: NaiveDate, heading: String| {
        let s = schedule(received, calendar, &closing);
        Block::Facts {
            heading: Some(heading),
            items: vec![
                (
                    x.cooling.to_owned(),
                    explain(&s.cooling_off, d.received, t, locale),
                ),
                (
                    x.window.to_owned(),
                    explain(&s.window, d.cooling_off_ended, t, locale),
                ),
            ],
        }
    };
    let mut examples = vec![];
    if let Some(o) = office {
        let name = pick(locale, &o.name_zh, &o.name_en);
        examples.push(Block::Para(x.example_office(name)));
    }
    examples.push(example(today, x.example_today(&format::day(today, locale))));
    if let Some(day) = holiday_example(today, calendar) {
        examples.push(example(day, x.example_holiday(&format::day(day, locale))));
    }
    RuleDoc {
        title: x.title.to_owned(),
        lead: x.lead.to_owned(),
        sections: vec![
            periods,
            counting,
            RuleSection::new("example", x.example_h, examples),
        ],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn the_holiday_example_is_the_first_receipt_day_whose_period_ends_on_a_holiday() {
        let cal = WorkCalendar::china();
        // 2027 has no holiday notice yet, so the nearest is before: day 30 is 7 October.
        assert_eq!(
            holiday_example(d("2026-11-23"), &cal),
            Some(d("2026-09-07"))
        );
        // Day 30 after 2026-09-01 is 1 October (National Day), moved to the 8th.
        assert_eq!(
            holiday_example(d("2026-09-01"), &cal),
            Some(d("2026-09-01"))
        );
    }

    #[test]
    fn the_page_gives_the_periods_from_the_constants_and_counts_the_examples() {
        let cal = WorkCalendar::china();
        let doc = doc(None, &cal, d("2026-09-01"), Locale::ZhCn);
        let all = format!("{doc:?}");
        for want in [
            "30日，从收到申请的次日起算",
            "冷静期届满前3天",
            "收到申请 9月1日 → 第30日为10月1日 → 国庆节假期 → 顺延至10月8日 → 17:00 截止",
            "2026",
        ] {
            assert!(all.contains(want), "{want} in {all}");
        }
        let en = format!("{:?}", super::doc(None, &cal, d("2026-11-23"), Locale::En));
        assert!(
            en.contains("An application received today (Mon 23 Nov 2026)"),
            "{en}"
        );
        assert!(en.contains("received on Mon 7 Sep 2026"), "{en}");
    }
}
