//! 老年助餐 — the meal subsidy as policy data, and the pure rules over it.
//!
//! Who gets how much off a meal is set locally, so it is data: one file per district
//! (`app/policy/meals-<district>.json`): age tiers with an amount per meal, statuses that raise
//! the tier (低保, 特困, 失能 — once staff have confirmed them), and caps per day and per week.
//! [`quote`] is the one function that prices a meal: the page shows its lines before ordering
//! and the desk charges its result. Also here: the order cut-off instant and the week a day
//! counts in. Pure: the caller passes every fact and instant.

use crate::rules::clock::shanghai;
use crate::rules::money::Fen;
use chrono::{DateTime, Datelike, NaiveDate, NaiveTime, TimeDelta, TimeZone, Utc};
use serde::{Deserialize, Serialize};

/// The policy files the app ships, one per district.
pub const SHIPPED: [&str; 1] = [include_str!("../../policy/meals-haishu.json")];

/// 餐次 — breakfast, lunch or dinner.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Meal {
    /// 早餐
    Breakfast,
    /// 午餐
    Lunch,
    /// 晚餐
    Dinner,
}

impl Meal {
    pub const ALL: [Meal; 3] = [Meal::Breakfast, Meal::Lunch, Meal::Dinner];

    pub fn as_str(self) -> &'static str {
        match self {
            Meal::Breakfast => "breakfast",
            Meal::Lunch => "lunch",
            Meal::Dinner => "dinner",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|m| m.as_str() == s)
    }
}

/// 就餐方式 — how the elder gets the meal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// 堂食
    DineIn,
    /// 自取
    Pickup,
    /// 送餐上门
    Delivery,
}

impl Mode {
    pub const ALL: [Mode; 3] = [Mode::DineIn, Mode::Pickup, Mode::Delivery];

    pub fn as_str(self) -> &'static str {
        match self {
            Mode::DineIn => "dine_in",
            Mode::Pickup => "pickup",
            Mode::Delivery => "delivery",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|m| m.as_str() == s)
    }
}

/// An age tier: from `min_age` (周岁, inclusive: Civil Code art. 1259), `per_meal` off a meal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tier {
    pub key: String,
    pub min_age: u32,
    #[serde(rename = "per_meal_fen")]
    pub per_meal: Fen,
    /// A demo amount, not a published one.
    #[serde(default)]
    pub demo: bool,
}

/// A status that raises the tier by `raise` steps (capped at the top tier) once confirmed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Status {
    pub key: String,
    pub raise: u32,
    pub name_zh: String,
    pub name_en: String,
}

/// How many subsidised meals an elder may have.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Caps {
    pub per_day: u32,
    pub per_week: u32,
}

/// One district's meal subsidy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Policy {
    pub district: String,
    pub version: String,
    pub demo: bool,
    #[serde(default)]
    pub note: String,
    pub name_zh: String,
    pub name_en: String,
    /// Below this age there is no subsidy.
    pub min_age: u32,
    /// Ascending by `min_age`; the first starts at `min_age`.
    pub tiers: Vec<Tier>,
    pub statuses: Vec<Status>,
    pub caps: Caps,
    /// Whether the subsidy may also cover the delivery fee.
    pub delivery_fee_subsidised: bool,
}

impl Policy {
    fn validate(&self) -> Result<(), String> {
        let d = &self.district;
        if d.is_empty() || self.version.is_empty() || self.name_zh.is_empty() {
            return Err(format!(
                "{d}: district, version and names must not be empty"
            ));
        }
        if self.tiers.is_empty() {
            return Err(format!("{d}: no tiers"));
        }
        if self.tiers[0].min_age != self.min_age {
            return Err(format!("{d}: the first tier must start at min_age"));
        }
        for w in self.tiers.windows(2) {
            if w[1].min_age <= w[0].min_age {
                return Err(format!("{d}: tiers must ascend by min_age ({})", w[1].key));
            }
            if w[1].per_meal < w[0].per_meal {
                return Err(format!("{d}: an older tier pays less ({})", w[1].key));
            }
        }
        for t in &self.tiers {
            if !t.per_meal.is_positive() {
                return Err(format!("{d}: tier {} pays nothing", t.key));
            }
            if t.demo && !self.demo {
                return Err(format!(
                    "{d}: demo amount {} in a file not marked demo",
                    t.key
                ));
            }
        }
        let mut keys: Vec<&str> = self.tiers.iter().map(|t| t.key.as_str()).collect();
        keys.extend(self.statuses.iter().map(|s| s.key.as_str()));
        let n = keys.len();
        keys.sort_unstable();
        keys.dedup();
        if keys.len() != n {
            return Err(format!("{d}: a tier or status key is given twice"));
        }
        crate::elders::model::check_keys(self.statuses.iter().map(|s| s.key.as_str()))
            .map_err(|e| format!("{d}: {e}"))?;
        if self.statuses.iter().any(|s| s.raise == 0) {
            return Err(format!("{d}: a status raises nothing"));
        }
        if self.caps.per_day == 0 || self.caps.per_week < self.caps.per_day {
            return Err(format!(
                "{d}: caps must be per_day ≥ 1 and per_week ≥ per_day"
            ));
        }
        Ok(())
    }

    pub fn status(&self, key: &str) -> Option<&Status> {
        self.statuses.iter().find(|s| s.key == key)
    }
}

/// The shipped policies, checked.
#[derive(Debug, Clone)]
pub struct Policies {
    policies: Vec<Policy>,
}

impl Policies {
    /// The shipped files (tested valid).
    pub fn shipped() -> Self {
        Self::from_files(&SHIPPED).expect("the shipped meal policies are valid")
    }

    pub fn from_files(files: &[&str]) -> Result<Self, String> {
        let mut policies: Vec<Policy> = vec![];
        for text in files {
            let p: Policy = serde_json::from_str(text).map_err(|e| e.to_string())?;
            p.validate()?;
            if policies.iter().any(|q| q.district == p.district) {
                return Err(format!("district {} is given twice", p.district));
            }
            policies.push(p);
        }
        Ok(Self { policies })
    }

    pub fn district(&self, key: &str) -> Option<&Policy> {
        self.policies.iter().find(|p| p.district == key)
    }

    /// Every district's policy, in file order.
    pub fn all(&self) -> &[Policy] {
        &self.policies
    }
}

/// What the price depends on about the elder: their age on the meal's day (from the bound ID
/// number) and the statuses staff confirmed.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Elder {
    pub age: u32,
    pub statuses: Vec<String>,
}

/// The elder's subsidised meals already ordered (not cancelled) around this one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Usage {
    /// Another order of the same day and meal already has the subsidy.
    pub this_meal: bool,
    pub today: u32,
    pub this_week: u32,
}

/// One line of the reason for a price, in the order it is read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Line {
    /// 年满{min_age}周岁 每餐补贴{per_meal}
    Age { min_age: u32, per_meal: Fen },
    /// {status}: 补贴提高至每餐{per_meal}
    Status {
        name_zh: String,
        name_en: String,
        per_meal: Fen,
    },
    /// 未满{min_age}周岁, no subsidy.
    UnderAge { min_age: u32 },
    /// This day's meal already has the subsidy on another order.
    ThisMealUsed,
    /// 今天已用补贴{used}次 (the daily cap).
    DayCapReached { used: u32 },
    /// 本周已用补贴{used}次 (the weekly cap).
    WeekCapReached { used: u32 },
    /// 本周已用补贴{used}次,还可用{left}次 (after this meal).
    WeekLeft { used: u32, left: u32 },
    /// The subsidy is never more than the meal: {subsidy}.
    CappedAtPrice { subsidy: Fen },
    /// 送餐费{fee}, outside the subsidy.
    DeliveryFee { fee: Fen },
}

/// A meal's price: what the food costs, what the subsidy takes off, the delivery fee, and
/// what the elder pays at the counter or on delivery (never prepaid).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Quote {
    pub food: Fen,
    pub subsidy: Fen,
    pub delivery: Fen,
    pub pay: Fen,
    /// The tier that applied, if the subsidy did.
    pub tier: Option<String>,
    pub lines: Vec<Line>,
}

/// The tier for an elder: the age tier, raised by their highest confirmed status.
fn tier_of<'p>(policy: &'p Policy, elder: &Elder) -> Option<(&'p Tier, Option<&'p Status>)> {
    let base = policy.tiers.iter().rposition(|t| elder.age >= t.min_age)?;
    let status = elder
        .statuses
        .iter()
        .filter_map(|k| policy.status(k))
        .max_by_key(|s| s.raise);
    let raised = status.map_or(0, |s| s.raise as usize);
    let i = (base + raised).min(policy.tiers.len() - 1);
    Some((&policy.tiers[i], status.filter(|_| i != base)))
}

/// Prices one meal: `food` (the dishes), `delivery` (the fee of delivery mode, else zero).
/// The subsidy is the tier's amount if the elder is old enough and no cap is reached, never
/// more than the food (nor the food and fee where the fee is subsidised).
pub fn quote(policy: &Policy, elder: &Elder, food: Fen, delivery: Fen, usage: Usage) -> Quote {
    let food = food.max(Fen::ZERO);
    let delivery = delivery.max(Fen::ZERO);
    let mut lines = vec![];
    let mut subsidy = Fen::ZERO;
    let mut tier = None;
    match tier_of(policy, elder) {
        None => lines.push(Line::UnderAge {
            min_age: policy.min_age,
        }),
        Some((t, status)) => {
            let age_tier = policy
                .tiers
                .iter()
                .rfind(|x| elder.age >= x.min_age)
                .unwrap_or(t);
            lines.push(Line::Age {
                min_age: age_tier.min_age,
                per_meal: age_tier.per_meal,
            });
            if let Some(s) = status {
                lines.push(Line::Status {
                    name_zh: s.name_zh.clone(),
                    name_en: s.name_en.clone(),
                    per_meal: t.per_meal,
                });
            }
            let caps = policy.caps;
            if usage.this_meal {
                lines.push(Line::ThisMealUsed);
            } else if usage.today >= caps.per_day {
                lines.push(Line::DayCapReached { used: usage.today });
            } else if usage.this_week >= caps.per_week {
                lines.push(Line::WeekCapReached {
                    used: usage.this_week,
                });
            } else {
                let coverable = if policy.delivery_fee_subsidised {
                    food.saturating_add(delivery)
                } else {
                    food
                };
                subsidy = t.per_meal.min(coverable);
                if subsidy < t.per_meal {
                    lines.push(Line::CappedAtPrice { subsidy });
                }
                tier = Some(t.key.clone());
                lines.push(Line::WeekLeft {
                    used: usage.this_week,
                    left: caps.per_week - usage.this_week - 1,
                });
            }
        }
    }
    if delivery.is_positive() {
        lines.push(Line::DeliveryFee { fee: delivery });
    }
    let pay = food.saturating_add(delivery).saturating_sub(subsidy);
    Quote {
        food,
        subsidy,
        delivery,
        pay,
        tier,
        lines,
    }
}

/// 截止时间 of a meal: `days_before` days before the meal's day, at `at` (Asia/Shanghai).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cutoff {
    pub days_before: u32,
    /// Minutes after midnight (09:30 is 570).
    pub at_minute: u32,
}

impl Cutoff {
    /// The instant ordering (and cancelling) closes for `day`; `None` for a day so far out
    /// that the instant cannot be written.
    pub fn instant(self, day: NaiveDate) -> Option<DateTime<Utc>> {
        let date = day.checked_sub_days(chrono::Days::new(u64::from(self.days_before)))?;
        let time = NaiveTime::from_hms_opt(0, 0, 0)?
            .overflowing_add_signed(TimeDelta::minutes(i64::from(self.at_minute.min(1439))))
            .0;
        shanghai()
            .from_local_datetime(&date.and_time(time))
            .single()
            .map(|t| t.with_timezone(&Utc))
    }

    /// Whether `day`'s meal can still be ordered or cancelled at `now`: open until the
    /// instant, closed at it.
    pub fn is_open(self, day: NaiveDate, now: DateTime<Utc>) -> bool {
        self.instant(day).is_some_and(|c| now < c)
    }
}

/// The week a day counts in for the weekly cap: Monday to Sunday (ISO), as `2026-W49`.
pub fn week_of(day: NaiveDate) -> String {
    let w = day.iso_week();
    format!("{}-W{:02}", w.year(), w.week())
}

trait SaturatingFen {
    fn saturating_add(self, o: Fen) -> Fen;
    fn saturating_sub(self, o: Fen) -> Fen;
}

impl SaturatingFen for Fen {
    fn saturating_add(self, o: Fen) -> Fen {
        Fen(self.0.saturating_add(o.0))
    }
    fn saturating_sub(self, o: Fen) -> Fen {
        Fen(self.0.saturating_sub(o.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn policy() -> Policy {
        Policies::shipped().district("haishu").unwrap().clone()
    }

    fn elder(age: u32, statuses: &[&str]) -> Elder {
        Elder {
            age,
            statuses: statuses.iter().map(|s| s.to_string()).collect(),
        }
    }

    #[test]
    fn price_after_subsidy_over_a_table() {
        let p = policy();
        let none = Usage::default();
        let week3 = Usage {
            this_week: 3,
            ..Usage::default()
        };
        // (age, statuses, food, usage, subsidy, pay, tier)
        type Row<'a> = (u32, &'a [&'a str], i64, Usage, i64, i64, Option<&'a str>);
        let table: &[Row] = &[
            (59, &[], 1500, none, 0, 1500, None),
            (60, &[], 1500, none, 200, 1300, Some("age60")),
            (74, &[], 1500, none, 200, 1300, Some("age60")),
            (75, &[], 1500, none, 300, 1200, Some("age75")),
            (80, &[], 1500, week3, 500, 1000, Some("age80")),
            (94, &[], 1500, none, 800, 700, Some("age90")),
            (95, &[], 1500, none, 1000, 500, Some("age95")),
            (110, &[], 1500, none, 1000, 500, Some("age95")),
            // statuses raise the tier, the highest raise counts, capped at the top
            (60, &["dibao"], 1500, none, 300, 1200, Some("age75")),
            (
                60,
                &["tekun", "dibao"],
                1500,
                none,
                500,
                1000,
                Some("age80"),
            ),
            (95, &["tekun"], 1500, none, 1000, 500, Some("age95")),
            // a status alone gives nothing under the minimum age
            (59, &["tekun"], 1500, none, 0, 1500, None),
            // an unknown status is ignored
            (60, &["vip"], 1500, none, 200, 1300, Some("age60")),
            // never more than the food
            (95, &[], 600, none, 600, 0, Some("age95")),
            (95, &[], 0, none, 0, 0, Some("age95")),
        ];
        for &(age, statuses, food, usage, subsidy, pay, tier) in table {
            let q = quote(&p, &elder(age, statuses), Fen(food), Fen::ZERO, usage);
            assert_eq!(
                (q.subsidy, q.pay, q.tier.as_deref()),
                (Fen(subsidy), Fen(pay), tier),
                "age {age} {statuses:?} food {food} {usage:?}"
            );
        }
    }

    #[test]
    fn caps_stop_the_subsidy_and_say_why() {
        let p = policy();
        let e = elder(80, &[]);
        let q = quote(
            &p,
            &e,
            Fen(1500),
            Fen::ZERO,
            Usage {
                this_week: 3,
                ..Usage::default()
            },
        );
        assert_eq!(
            q.lines,
            vec![
                Line::Age {
                    min_age: 80,
                    per_meal: Fen(500)
                },
                Line::WeekLeft { used: 3, left: 1 }
            ]
        );
        let week_full = Usage {
            this_week: 5,
            ..Usage::default()
        };
        let q = quote(&p, &e, Fen(1500), Fen::ZERO, week_full);
        assert_eq!(q.subsidy, Fen::ZERO);
        assert!(q.lines.contains(&Line::WeekCapReached { used: 5 }));
        let day_full = Usage {
            today: 1,
            this_week: 1,
            ..Usage::default()
        };
        let q = quote(&p, &e, Fen(1500), Fen::ZERO, day_full);
        assert_eq!(q.subsidy, Fen::ZERO);
        assert!(q.lines.contains(&Line::DayCapReached { used: 1 }));
        let same_meal = Usage {
            this_meal: true,
            today: 1,
            this_week: 1,
        };
        assert!(quote(&p, &e, Fen(1500), Fen::ZERO, same_meal)
            .lines
            .contains(&Line::ThisMealUsed));
    }

    #[test]
    fn the_delivery_fee_is_outside_the_subsidy() {
        let p = policy();
        let q = quote(&p, &elder(95, &[]), Fen(600), Fen(300), Usage::default());
        assert_eq!((q.subsidy, q.pay), (Fen(600), Fen(300)));
        assert!(q.lines.contains(&Line::DeliveryFee { fee: Fen(300) }));
        assert!(q.lines.contains(&Line::CappedAtPrice { subsidy: Fen(600) }));
    }

    #[test]
    fn the_cut_off_instant_is_open_until_it_and_closed_at_it() {
        let lunch = Cutoff {
            days_before: 0,
            at_minute: 9 * 60 + 30,
        };
        let day = NaiveDate::from_ymd_opt(2026, 12, 4).unwrap();
        let at = lunch.instant(day).unwrap();
        assert_eq!(at.to_rfc3339(), "2026-12-04T01:30:00+00:00");
        assert!(lunch.is_open(day, at - TimeDelta::seconds(1)));
        assert!(!lunch.is_open(day, at));
        let day_before = Cutoff {
            days_before: 1,
            at_minute: 17 * 60,
        };
        assert_eq!(
            day_before.instant(day).unwrap().to_rfc3339(),
            "2026-12-03T09:00:00+00:00"
        );
        assert!(!lunch.is_open(NaiveDate::MIN, at));
        assert!(Cutoff {
            days_before: u32::MAX,
            at_minute: u32::MAX
        }
        .instant(day)
        .is_none());
    }

    #[test]
    fn the_week_runs_monday_to_sunday() {
        let d = |m, day| NaiveDate::from_ymd_opt(2026, m, day).unwrap();
        assert_eq!(week_of(d(11, 30)), week_of(d(12, 6))); // Monday .. Sunday
        assert_ne!(week_of(d(12, 6)), week_of(d(12, 7))); // Sunday | Monday
        assert_eq!(week_of(d(12, 31)), "2026-W53");
        assert_eq!(
            week_of(NaiveDate::from_ymd_opt(2027, 1, 1).unwrap()),
            "2026-W53"
        );
    }

    #[test]
    fn malformed_files_are_refused() {
        let good = SHIPPED[0];
        let mut v: serde_json::Value = serde_json::from_str(good).unwrap();
        v["tiers"][1]["min_age"] = 60.into();
        assert!(Policies::from_files(&[&v.to_string()]).is_err());
        let mut v: serde_json::Value = serde_json::from_str(good).unwrap();
        v["demo"] = false.into();
        assert!(Policies::from_files(&[&v.to_string()]).is_err());
        let mut v: serde_json::Value = serde_json::from_str(good).unwrap();
        v["caps"]["per_week"] = 0.into();
        assert!(Policies::from_files(&[&v.to_string()]).is_err());
        let mut v: serde_json::Value = serde_json::from_str(good).unwrap();
        v["tiers"][0]["per_meal_fen"] = 0.into();
        assert!(Policies::from_files(&[&v.to_string()]).is_err());
        assert!(Policies::from_files(&[good, good]).is_err());
    }

    proptest! {
        /// Whatever the facts: the subsidy is between zero and the food, what is paid adds
        /// up, and a subsidy is given only under the caps.
        #[test]
        fn a_quote_always_adds_up(
            age in 0u32..130,
            status in prop::sample::select(vec!["", "dibao", "tekun", "shineng"]),
            food in 0i64..100_000,
            fee in 0i64..2_000,
            today in 0u32..3,
            week in 0u32..8,
            this_meal: bool,
        ) {
            let p = policy();
            let e = elder(age, if status.is_empty() { &[] } else { std::slice::from_ref(&status) });
            let usage = Usage { this_meal, today, this_week: week.max(today) };
            let q = quote(&p, &e, Fen(food), Fen(fee), usage);
            prop_assert!(q.subsidy >= Fen::ZERO && q.subsidy <= Fen(food));
            prop_assert_eq!(q.pay.0, food + fee - q.subsidy.0);
            if q.subsidy.is_positive() {
                prop_assert!(age >= p.min_age);
                prop_assert!(!this_meal && today < p.caps.per_day && usage.this_week < p.caps.per_week);
            }
        }
    }
}
