//! (ssr) 老年助餐补贴规则: the page behind "为什么是这个价格?", built from each district's
//! subsidy file (`app/policy/meals-*.json`, the [`Policies`] the desk prices with): the age
//! tiers and amounts, the statuses that raise a tier, the caps, and the rules of [`quote`].
//!
//! [`quote`]: super::policy::quote

use super::policy::{Policies, Policy};
use crate::{
    catalogue::{RuleDocFuture, RulesPage},
    i18n::Locale,
    ui::{
        format, pick,
        rule_doc::{demo_mark, Block, RuleDoc, RuleSection},
    },
};

/// Registered in `crate::services`.
pub const PAGE: RulesPage = RulesPage {
    slug: "meals",
    title: |l| l.texts().meals_rules().title,
    summary: |l| l.texts().meals_rules().summary,
    build,
};

fn build(locale: Locale) -> RuleDocFuture {
    Box::pin(async move { Ok(doc(Policies::shipped().all(), locale)) })
}

/// The page for these districts' policies.
pub fn doc(policies: &[Policy], locale: Locale) -> RuleDoc {
    let x = locale.texts().meals_rules();
    let (mut tiers, mut statuses, mut caps, mut price) = (vec![], vec![], vec![], vec![]);
    for p in policies {
        let name = pick(locale, &p.name_zh, &p.name_en).to_owned();
        tiers.push(Block::Table {
            caption: x.tiers_caption(&name),
            head: vec![x.col_age.to_owned(), x.col_amount.to_owned()],
            rows: p
                .tiers
                .iter()
                .map(|t| {
                    vec![
                        x.age_from(&t.min_age.to_string()),
                        demo_mark(format::money(t.per_meal, locale), t.demo, locale),
                    ]
                })
                .collect(),
        });
        tiers.push(Block::Para(x.under_age(&p.min_age.to_string())));
        tiers.push(Block::Para(x.age_rule.to_owned()));
        statuses.push(if p.statuses.is_empty() {
            Block::Para(x.no_statuses.to_owned())
        } else {
            Block::Facts {
                heading: (policies.len() > 1).then(|| name.clone()),
                items: p
                    .statuses
                    .iter()
                    .map(|s| {
                        (
                            pick(locale, &s.name_zh, &s.name_en).to_owned(),
                            x.status_value(&s.raise.to_string()),
                        )
                    })
                    .collect(),
            }
        });
        caps.push(Block::Facts {
            heading: (policies.len() > 1).then(|| name.clone()),
            items: vec![
                (x.cap_meal_label.to_owned(), x.cap_meal_value.to_owned()),
                (
                    x.cap_day_label.to_owned(),
                    demo_mark(x.cap_value(&p.caps.per_day.to_string()), p.demo, locale),
                ),
                (
                    x.cap_week_label.to_owned(),
                    demo_mark(x.cap_value(&p.caps.per_week.to_string()), p.demo, locale),
                ),
            ],
        });
        price.push(Block::List(vec![
            x.price_capped.to_owned(),
            if p.delivery_fee_subsidised {
                x.delivery_yes
            } else {
                x.delivery_not
            }
            .to_owned(),
            x.pay.to_owned(),
        ]));
        price.push(Block::Note(x.version(&name, &p.version)));
        if p.demo {
            price.push(Block::Note(x.demo.to_owned()));
        }
    }
    statuses.push(Block::Para(x.status_rule.to_owned()));
    RuleDoc {
        title: x.title.to_owned(),
        lead: x.lead.to_owned(),
        sections: vec![
            RuleSection::new("tiers", x.tiers_h, tiers),
            RuleSection::new("statuses", x.statuses_h, statuses),
            RuleSection::new("caps", x.caps_h, caps),
            RuleSection::new("price", x.price_h, price),
        ],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_tier_amount_and_cap_comes_from_the_policy_file_marked_demo() {
        let shipped = Policies::shipped();
        let all = format!("{:?}", doc(shipped.all(), Locale::ZhCn));
        let p = shipped.district("haishu").unwrap();
        for t in &p.tiers {
            let want = format!("{}（演示数值）", t.per_meal.zh());
            assert!(all.contains(&format!("年满{}周岁", t.min_age)), "{all}");
            assert!(all.contains(&want), "{want} in {all}");
        }
        assert!(
            all.contains(&format!("最多补贴{}餐", p.caps.per_week)),
            "{all}"
        );
        assert!(all.contains("特困人员") && all.contains("提高2档"), "{all}");
        assert!(all.contains("送餐费不在补贴范围内"), "{all}");
        let en = format!("{:?}", doc(shipped.all(), Locale::En));
        assert!(en.contains("Under 60: no subsidy."), "{en}");
        assert!(en.contains("Person in extreme poverty"), "{en}");
    }
}
