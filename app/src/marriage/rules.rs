//! (ssr) 结婚登记预约规则: the page that explains marriage's decisions, built from what makes
//! them: the legal marriage age ([`legal_marriage_age`]), each office's stored booking window,
//! hold and cut-off (read through the appointment desk), the appointment machinery's hold and
//! reminder rules, and the peak-day tables.

use super::model::legal_marriage_age;
use crate::{
    appointments::{
        desk::AppointmentDesk,
        model::{reminder_due_at, OfficeView},
        peak::PeakDays,
    },
    catalogue::{RuleDocFuture, RulesPage},
    i18n::Locale,
    rules::id_number::Sex,
    ui::{
        format, pick,
        rule_doc::{demo_mark, Block, RuleDoc, RuleSection},
    },
};
use chrono::{Datelike, NaiveDate};

/// Registered in `crate::services`.
pub const PAGE: RulesPage = RulesPage {
    slug: "marriage",
    title: |l| l.texts().marriage_rules().title,
    summary: |l| l.texts().marriage_rules().summary,
    build,
};

fn build(locale: Locale) -> RuleDocFuture {
    Box::pin(async move {
        let offices = crate::desk::desk::<dyn AppointmentDesk>()?
            .offices()
            .await?;
        let today = crate::desk::platform()?.clock.today();
        Ok(doc(&offices, &PeakDays::shipped(), today, locale))
    })
}

/// The page for these offices and peak days, on `today`.
pub fn doc(offices: &[OfficeView], peak: &PeakDays, today: NaiveDate, locale: Locale) -> RuleDoc {
    let x = locale.texts().marriage_rules();
    let age = |sex| x.age_value(&legal_marriage_age(sex).to_string());
    let ages = RuleSection::new(
        "age",
        x.age_h,
        vec![
            Block::Facts {
                heading: None,
                items: vec![
                    (x.age_male.to_owned(), age(Sex::Male)),
                    (x.age_female.to_owned(), age(Sex::Female)),
                ],
            },
            Block::Para(x.age_rule.to_owned()),
        ],
    );
    // The reminder's time of day, from the rule that schedules it.
    let reminder = format::clock_time(reminder_due_at(today).timestamp());
    let mut booking: Vec<Block> = offices
        .iter()
        .map(|o| {
            let r = o.rules;
            let (from, to) = r.window.days(today);
            Block::Facts {
                heading: Some(pick(locale, &o.name_zh, &o.name_en).to_owned()),
                items: vec![
                    (
                        x.window_label.to_owned(),
                        x.window_value(
                            &r.window.first_day.to_string(),
                            &format::day(from, locale),
                            &r.window.last_day.to_string(),
                            &format::day(to, locale),
                        ),
                    ),
                    (
                        x.hold_label.to_owned(),
                        x.hold_value(&r.hold_hours.to_string()),
                    ),
                    (
                        x.cutoff_label.to_owned(),
                        x.cutoff_value(&r.cutoff_hours.to_string()),
                    ),
                    (x.reminder_label.to_owned(), x.reminder_value(&reminder)),
                ],
            }
        })
        .collect();
    if booking.is_empty() {
        booking.push(Block::Para(x.no_offices.to_owned()));
    }
    RuleDoc {
        title: x.title.to_owned(),
        lead: x.lead.to_owned(),
        sections: vec![
            ages,
            RuleSection::new("booking", x.booking_h, booking),
            RuleSection::new("peak", x.peak_h, peak_blocks(peak, today, locale)),
        ],
    }
}

/// The peak days of this year and later, a table per year with its release rule.
fn peak_blocks(peak: &PeakDays, today: NaiveDate, locale: Locale) -> Vec<Block> {
    let x = locale.texts().marriage_rules();
    let mut out = vec![];
    let mut year = None;
    for (day, release) in peak.days().filter(|(d, _)| d.date.year() >= today.year()) {
        if year != Some(day.date.year()) {
            year = Some(day.date.year());
            let rule = x.peak_rule(
                &release.days_before.to_string(),
                &release.at.format("%H:%M").to_string(),
            );
            out.push(Block::Para(demo_mark(rule, release.demo, locale)));
            out.push(Block::Table {
                caption: x.peak_caption(&day.date.year().to_string()),
                head: vec![x.peak_col_day.to_owned(), x.peak_col_name.to_owned()],
                rows: vec![],
            });
        }
        if let Some(Block::Table { rows, .. }) = out.last_mut() {
            rows.push(vec![
                format::day(day.date, locale),
                pick(locale, &day.name_zh, &day.name_en).to_owned(),
            ]);
        }
    }
    if out.is_empty() {
        out.push(Block::Para(x.peak_none.to_owned()));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::appointments::model::{BookingWindow, OfficeRules};

    fn office(first_day: u32, last_day: u32, hold_hours: u32, cutoff_hours: u32) -> OfficeView {
        OfficeView {
            id: "o".into(),
            name_zh: "海曙区婚姻登记处".into(),
            name_en: "Haishu Marriage Registry".into(),
            address_zh: String::new(),
            address_en: String::new(),
            phone: String::new(),
            hours: vec![],
            rules: OfficeRules {
                window: BookingWindow {
                    first_day,
                    last_day,
                },
                hold_hours,
                cutoff_hours,
            },
        }
    }

    fn text(doc: &RuleDoc) -> String {
        format!("{doc:?}")
    }

    #[test]
    fn the_page_shows_the_ages_and_each_office_s_own_window_hold_and_cut_off() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
        let doc = doc(
            &[office(2, 45, 12, 48)],
            &PeakDays::shipped(),
            today,
            Locale::ZhCn,
        );
        let all = text(&doc);
        for want in [
            "年满22周岁",
            "年满20周岁",
            "第2天至第45天",
            "2026年11月25日 周三",
            "2027年1月7日 周四",
            "12小时",
            "预约开始前48小时",
            "预约前一天09:00发送",
        ] {
            assert!(all.contains(want), "{want} in {all}");
        }
        let en = text(&doc_en(today));
        assert!(en.contains("22 years or older"), "{en}");
        assert!(en.contains("From day 1 to day 30 after today"), "{en}");
    }

    fn doc_en(today: NaiveDate) -> RuleDoc {
        doc(
            &[office(1, 30, 24, 24)],
            &PeakDays::shipped(),
            today,
            Locale::En,
        )
    }

    #[test]
    fn peak_days_come_from_this_year_s_table_on_with_the_release_marked_demo() {
        let today = NaiveDate::from_ymd_opt(2027, 1, 5).unwrap();
        let all = text(&doc_en(today));
        assert!(all.contains("Peak days in 2027"), "{all}");
        assert!(
            !all.contains("Peak days in 2026"),
            "a past year's table is left out"
        );
        assert!(
            all.contains("released 7 days before, at 09:00. (demo figure)"),
            "{all}"
        );
        assert!(all.contains("Thu 20 May 2027"), "{all}");
    }
}
