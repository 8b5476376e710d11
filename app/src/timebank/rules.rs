//! (ssr) 时间银行规则: the page behind the star progress and the storage-cap note, built from
//! each district's rules file (`app/policy/timebank-*.json`, the [`Policies`] the desk keeps its
//! books with): the star thresholds ([`stars`]), the storage cap ([`bank`]), the points rate,
//! the gift and request limits, and who is a priority elder ([`is_priority`]), in words.
//!
//! [`stars`]: super::policy::stars
//! [`bank`]: super::policy::bank
//! [`is_priority`]: super::policy::is_priority

use super::{
    model::hours_text,
    policy::{Policies, Policy, Priority},
};
use crate::{
    catalogue::{RuleDocFuture, RulesPage},
    i18n::Locale,
    ui::{
        pick,
        rule_doc::{demo_mark, Block, RuleDoc, RuleSection},
    },
};

/// Registered in `crate::services`.
pub const PAGE: RulesPage = RulesPage {
    slug: "timebank",
    title: |l| l.texts().timebank_rules().title,
    summary: |l| l.texts().timebank_rules().summary,
    build,
};

fn build(locale: Locale) -> RuleDocFuture {
    Box::pin(async move { Ok(doc(Policies::shipped().all(), locale)) })
}

/// A confirmed status (as `elder_statuses` stores it) in words; an unknown key as it is.
fn status_words(key: &str, locale: Locale) -> String {
    let x = locale.texts().timebank_rules();
    match key {
        "living_alone" => x.status_living_alone,
        "dibao" => x.status_dibao,
        "disabled" => x.status_disabled,
        "tekun" => x.status_tekun,
        other => other,
    }
    .to_owned()
}

/// [`is_priority`](super::policy::is_priority) in words: one line per way to qualify.
pub fn priority_in_words(p: &Priority, locale: Locale) -> Vec<String> {
    let x = locale.texts().timebank_rules();
    let join = |keys: &[String], zh: &str, en: &str| {
        keys.iter()
            .map(|k| status_words(k, locale))
            .collect::<Vec<_>>()
            .join(pick(locale, zh, en))
    };
    let mut out = vec![];
    if !p.with_any_status.is_empty() {
        out.push(x.priority_age_any(
            &p.min_age.to_string(),
            &join(&p.with_any_status, "或", " or "),
        ));
    }
    if !p.or_all_statuses.is_empty() {
        out.push(x.priority_all(&join(&p.or_all_statuses, "、", ", ")));
    }
    out
}

/// The page for these districts' rules.
pub fn doc(policies: &[Policy], locale: Locale) -> RuleDoc {
    let t = locale.texts();
    let x = t.timebank_rules();
    let (mut stars, mut cap, mut limits, mut priority, mut needs) =
        (vec![], vec![], vec![], vec![], vec![]);
    for p in policies {
        let name = pick(locale, &p.name_zh, &p.name_en).to_owned();
        let heading = (policies.len() > 1).then(|| name.clone());
        stars.push(Block::Table {
            caption: x.stars_caption(&name),
            head: vec![x.col_stars.to_owned(), x.col_hours.to_owned()],
            rows: p
                .stars
                .iter()
                .map(|s| {
                    vec![
                        format!(
                            "{} {}",
                            "★".repeat(usize::from(s.stars)),
                            x.stars_value(&s.stars.to_string())
                        ),
                        x.hours_from(&hours_text(s.minutes, t)),
                    ]
                })
                .collect(),
        });
        cap.push(Block::Facts {
            heading: heading.clone(),
            items: vec![(x.cap_label.to_owned(), hours_text(p.storage_cap_minutes, t))],
        });
        limits.push(Block::Facts {
            heading: heading.clone(),
            items: vec![
                (
                    x.points_label.to_owned(),
                    demo_mark(
                        x.points_value(&p.points_per_hour.to_string()),
                        p.demo_points_per_hour,
                        locale,
                    ),
                ),
                (
                    x.gift_label.to_owned(),
                    x.gift_value(&hours_text(p.max_gift_minutes, t)),
                ),
                (
                    x.need_label.to_owned(),
                    x.need_value(&hours_text(p.max_need_minutes, t)),
                ),
            ],
        });
        priority.push(Block::Para(x.priority_rule.to_owned()));
        priority.push(Block::List(
            priority_in_words(&p.priority, locale)
                .into_iter()
                .map(|l| demo_mark(l, p.priority.demo, locale))
                .collect(),
        ));
        needs.push(Block::List(
            p.needs
                .iter()
                .map(|n| pick(locale, &n.name_zh, &n.name_en).to_owned())
                .collect(),
        ));
        needs.push(Block::Note(x.version(&name, &p.version)));
        if p.demo {
            needs.push(Block::Note(x.demo.to_owned()));
        }
    }
    stars.push(Block::Para(x.stars_rule.to_owned()));
    cap.push(Block::Para(x.cap_rule.to_owned()));
    RuleDoc {
        title: x.title.to_owned(),
        lead: x.lead.to_owned(),
        sections: vec![
            RuleSection::new("stars", x.stars_h, stars),
            RuleSection::new("cap", x.cap_h, cap),
            RuleSection::new("limits", x.limits_h, limits),
            RuleSection::new("priority", x.priority_h, priority),
            RuleSection::new("needs", x.needs_h, needs),
        ],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_priority_rule_reads_as_its_two_ways_to_qualify() {
        let p = Priority {
            min_age: 80,
            with_any_status: vec!["living_alone".into(), "tekun".into()],
            or_all_statuses: vec!["dibao".into(), "disabled".into()],
            demo: true,
        };
        assert_eq!(
            priority_in_words(&p, Locale::ZhCn),
            [
                "年满80周岁，且为：独居老人或特困人员",
                "同时为：低保对象、残疾人"
            ]
        );
        assert_eq!(
            priority_in_words(&p, Locale::En),
            [
                "80 or older, and living alone or in extreme poverty",
                "All of: receiving the minimum living allowance, disabled"
            ]
        );
        let only_age = Priority {
            or_all_statuses: vec![],
            ..p
        };
        assert_eq!(priority_in_words(&only_age, Locale::ZhCn).len(), 1);
    }

    #[test]
    fn the_stars_cap_and_points_come_from_the_rules_file() {
        let shipped = Policies::shipped();
        let all = format!("{:?}", doc(shipped.all(), Locale::ZhCn));
        let p = shipped.district("haishu").unwrap();
        for s in &p.stars {
            assert!(all.contains(&format!("满{}小时", s.minutes / 60)), "{all}");
        }
        assert!(all.contains("1500小时"), "{all}");
        assert!(
            all.contains(&format!(
                "每服务1小时得{}积分（演示数值）",
                p.points_per_hour
            )),
            "{all}"
        );
        assert!(all.contains("陪同就医"), "{all}");
    }
}
