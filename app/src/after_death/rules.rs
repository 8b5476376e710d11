//! (ssr) 身后事一件事规则: the page behind the review step's "items that apply / do not
//! apply", built from each district's policy file (`app/policy/after-death-*.json`, the
//! [`Policies`] the desk decides with): every item with its department, its condition in
//! words, what it needs (uploaded or shared), its time limit and its amounts, and the payment
//! threshold for a second reviewer.

use super::policy::{Condition, ItemRule, Need, Policies, Policy, Reason, TimeLimit};
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
    slug: "after-death",
    title: |l| l.texts().after_death_rules().title,
    summary: |l| l.texts().after_death_rules().summary,
    build,
};

fn build(locale: Locale) -> RuleDocFuture {
    Box::pin(async move { Ok(doc(Policies::shipped().all(), locale)) })
}

/// A condition in words, whatever the answers: what must be true for the item to apply.
pub fn condition_words(c: &Condition) -> Reason {
    let joined = |cs: &[Condition], zh: &str, en: &str| {
        let parts: Vec<Reason> = cs.iter().map(condition_words).collect();
        Reason::new(
            parts
                .iter()
                .map(|r| r.zh.as_str())
                .collect::<Vec<_>>()
                .join(zh),
            parts
                .iter()
                .map(|r| r.en.as_str())
                .collect::<Vec<_>>()
                .join(en),
        )
    };
    match c {
        Condition::Always => Reason::new("每位逝者都需办理", "Needed for everyone"),
        Condition::Answer(q) => q.reason(true),
        Condition::BurialIn(forms) => {
            let zh: Vec<_> = forms.iter().map(|f| f.name_zh()).collect();
            let en: Vec<_> = forms.iter().map(|f| f.name_en()).collect();
            Reason::new(
                format!("安葬方式为{}", zh.join("、")),
                format!("The burial form is {}", en.join(", ").to_lowercase()),
            )
        }
        Condition::All(cs) => joined(cs, "，并且", "; and "),
        Condition::Any(cs) => joined(cs, "，或者", "; or "),
        Condition::Not(inner) => match &**inner {
            Condition::Always => Reason::new(
                "本区暂不办理此事项",
                "The district does not offer this item for now",
            ),
            Condition::Answer(q) => q.reason(false),
            other => {
                let r = condition_words(other);
                Reason::new(format!("并非：{}", r.zh), format!("Not: {}", r.en))
            }
        },
    }
}

fn limit_words(l: TimeLimit, locale: Locale) -> String {
    match locale {
        Locale::ZhCn => l.zh(),
        Locale::En => l.en(),
    }
}

/// One item as facts: department, condition, limit, what it needs, its amount.
fn item_block(item: &ItemRule, locale: Locale) -> Block {
    let x = locale.texts().after_death_rules();
    let sep = pick(locale, "、", ", ");
    let names = |upload: bool| {
        let v: Vec<&str> = item
            .needs
            .iter()
            .filter_map(|n| match n {
                Need::Upload {
                    name_zh, name_en, ..
                } if upload => Some(pick(locale, name_zh, name_en)),
                Need::Shared { name_zh, name_en } if !upload => {
                    Some(pick(locale, name_zh, name_en))
                }
                _ => None,
            })
            .collect();
        if v.is_empty() {
            x.none.to_owned()
        } else {
            v.join(sep)
        }
    };
    let when = condition_words(&item.when);
    let dept = pick(locale, item.department.name_zh(), item.department.name_en());
    let mut items = vec![
        (x.dept_label.to_owned(), dept.to_owned()),
        (
            x.when_label.to_owned(),
            pick(locale, &when.zh, &when.en).to_owned(),
        ),
        (x.limit_label.to_owned(), limit_words(item.limit, locale)),
        (x.shared_label.to_owned(), names(false)),
        (x.upload_label.to_owned(), names(true)),
    ];
    if let Some(a) = &item.amount {
        let parts = a
            .parts
            .iter()
            .map(|p| {
                format!(
                    "{} {}",
                    pick(locale, &p.name_zh, &p.name_en),
                    format::money(p.fen, locale)
                )
            })
            .collect::<Vec<_>>()
            .join(sep);
        let text = x.amount_total(&parts, &format::money(a.total(), locale));
        items.push((x.amount_label.to_owned(), demo_mark(text, a.demo, locale)));
    }
    for b in &item.by_burial {
        let forms = b
            .forms
            .iter()
            .map(|f| pick(locale, f.name_zh(), f.name_en()))
            .collect::<Vec<_>>()
            .join(sep);
        let text = x.by_burial(&format::money(b.fen, locale), &forms);
        items.push((x.amount_label.to_owned(), demo_mark(text, b.demo, locale)));
    }
    let about = pick(locale, &item.about_zh, &item.about_en);
    let heading = pick(locale, &item.name_zh, &item.name_en);
    Block::Facts {
        heading: Some(heading.to_owned()),
        items: if about.is_empty() {
            items
        } else {
            std::iter::once((x.about_label.to_owned(), about.to_owned()))
                .chain(items)
                .collect()
        },
    }
}

/// The page for these districts' policies.
pub fn doc(policies: &[Policy], locale: Locale) -> RuleDoc {
    let x = locale.texts().after_death_rules();
    let (mut items, mut payments) = (vec![], vec![]);
    for p in policies {
        let district = pick(locale, &p.name_zh, &p.name_en);
        items.push(Block::Note(x.version(
            district,
            &format::day(p.effective_from, locale),
            &p.version,
        )));
        let note = pick(locale, &p.note_zh, &p.note_en);
        if !note.is_empty() {
            items.push(Block::Note(note.to_owned()));
        }
        items.extend(p.items.iter().map(|i| item_block(i, locale)));
        payments.push(Block::Para(demo_mark(
            x.second_approval(&format::money(p.payment_second_approval_above, locale)),
            p.demo,
            locale,
        )));
    }
    RuleDoc {
        title: x.title.to_owned(),
        lead: x.lead.to_owned(),
        sections: vec![
            RuleSection::new("items", x.items_h, items),
            RuleSection::new(
                "limits",
                x.limits_h,
                vec![Block::List(vec![
                    x.limit_working_days.to_owned(),
                    x.limit_hours.to_owned(),
                ])],
            ),
            RuleSection::new("payments", x.payments_h, payments),
        ],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::after_death::policy::{BurialForm, Question};

    #[test]
    fn a_condition_reads_as_what_must_be_true_in_both_languages() {
        let cases = [
            (Condition::Always, "每位逝者都需办理", "Needed for everyone"),
            (
                Condition::Answer(Question::Pension),
                "逝者生前领取养老金",
                "The deceased drew a pension",
            ),
            (
                Condition::Any(vec![
                    Condition::Answer(Question::Dibao),
                    Condition::Answer(Question::Tekun),
                ]),
                "逝者生前享受最低生活保障（低保），或者逝者生前为特困供养人员",
                "The deceased received the minimum living allowance (dibao); or The deceased received extreme-poverty support (tekun)",
            ),
            (
                Condition::BurialIn(vec![BurialForm::Sea, BurialForm::Tree]),
                "安葬方式为海葬、树葬",
                "The burial form is sea burial, tree burial",
            ),
            (
                Condition::Not(Box::new(Condition::Answer(Question::Veteran))),
                "逝者不是退役军人",
                "The deceased was not a veteran",
            ),
            (
                Condition::Not(Box::new(Condition::Always)),
                "本区暂不办理此事项",
                "The district does not offer this item for now",
            ),
            (
                Condition::All(vec![
                    Condition::Answer(Question::Pension),
                    Condition::Not(Box::new(Condition::BurialIn(vec![BurialForm::Grave]))),
                ]),
                "逝者生前领取养老金，并且并非：安葬方式为传统墓穴",
                "The deceased drew a pension; and Not: The burial form is traditional grave",
            ),
        ];
        for (c, zh, en) in cases {
            let r = condition_words(&c);
            assert_eq!((r.zh.as_str(), r.en.as_str()), (zh, en), "{c:?}");
        }
    }

    #[test]
    fn every_item_shows_its_department_limit_needs_and_demo_amounts() {
        let shipped = Policies::shipped();
        let all = format!("{:?}", doc(shipped.all(), Locale::ZhCn));
        let p = shipped.district("haishu").unwrap();
        for i in &p.items {
            assert!(all.contains(&i.name_zh), "{} in {all}", i.name_zh);
            assert!(all.contains(&i.limit.zh()), "{all}");
        }
        assert!(all.contains("合计1,600.00元"), "{all}");
        assert!(all.contains("（演示数值）"), "{all}");
        assert!(all.contains("逝者生前领取养老金"), "{all}");
        assert!(all.contains("殡葬服务费用票据"), "{all}");
        let en = format!("{:?}", doc(shipped.all(), Locale::En));
        assert!(en.contains("Human resources and social security"), "{en}");
        assert!(en.contains("5 working days"), "{en}");
    }
}
