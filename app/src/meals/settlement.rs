//! 月度结算 — a canteen's month as the civil-affairs office pays it: the meals served by tier
//! and the subsidy owed. Pure: the desk passes the served orders; the totals are the sums of
//! the rows, and the rows the sums of the orders (a property test holds it).

use crate::rules::money::Fen;
use serde::{Deserialize, Serialize};

/// A served order as the settlement counts it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Served {
    /// The tier that applied, `None` for a meal without subsidy.
    pub tier: Option<String>,
    pub subsidy: Fen,
    /// What the elder paid at the counter or on delivery.
    pub paid: Fen,
}

/// One tier's line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TierRow {
    /// The tier key (`age80`), or empty for meals without subsidy.
    pub tier: String,
    pub meals: u32,
    pub subsidy: Fen,
    pub paid: Fen,
}

/// A month's settlement.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Settlement {
    pub rows: Vec<TierRow>,
    pub meals: u32,
    pub subsidy: Fen,
    pub paid: Fen,
}

/// Sums served orders by tier (tiers in key order, meals without subsidy last).
pub fn settle(served: &[Served]) -> Settlement {
    let mut rows: Vec<TierRow> = vec![];
    for s in served {
        let key = s.tier.clone().unwrap_or_default();
        let row = match rows.iter_mut().find(|r| r.tier == key) {
            Some(r) => r,
            None => {
                rows.push(TierRow {
                    tier: key,
                    meals: 0,
                    subsidy: Fen::ZERO,
                    paid: Fen::ZERO,
                });
                rows.last_mut().expect("just pushed")
            }
        };
        row.meals += 1;
        row.subsidy = Fen(row.subsidy.0.saturating_add(s.subsidy.0));
        row.paid = Fen(row.paid.0.saturating_add(s.paid.0));
    }
    rows.sort_by(|a, b| (a.tier.is_empty(), &a.tier).cmp(&(b.tier.is_empty(), &b.tier)));
    Settlement {
        meals: rows.iter().map(|r| r.meals).sum(),
        subsidy: rows.iter().map(|r| r.subsidy).sum(),
        paid: rows.iter().map(|r| r.paid).sum(),
        rows,
    }
}

/// A month as stored and typed: `YYYY-MM`.
pub fn parse_month(s: &str) -> Option<(i32, u32)> {
    let (y, m) = s.trim().split_once('-')?;
    if y.len() != 4 || m.len() != 2 {
        return None;
    }
    let (y, m): (i32, u32) = (y.parse().ok()?, m.parse().ok()?);
    ((2000..=2100).contains(&y) && (1..=12).contains(&m)).then_some((y, m))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn served(tier: Option<&str>, subsidy: i64, paid: i64) -> Served {
        Served {
            tier: tier.map(str::to_owned),
            subsidy: Fen(subsidy),
            paid: Fen(paid),
        }
    }

    #[test]
    fn rows_by_tier_and_totals() {
        let s = settle(&[
            served(Some("age80"), 500, 1000),
            served(None, 0, 1500),
            served(Some("age60"), 200, 1300),
            served(Some("age80"), 500, 700),
        ]);
        let tiers: Vec<&str> = s.rows.iter().map(|r| r.tier.as_str()).collect();
        assert_eq!(tiers, ["age60", "age80", ""]);
        assert_eq!((s.meals, s.subsidy, s.paid), (4, Fen(1200), Fen(4500)));
        assert_eq!(s.rows[1].meals, 2);
        assert_eq!(settle(&[]), Settlement::default());
    }

    #[test]
    fn months_are_four_digits_a_dash_and_two() {
        assert_eq!(parse_month("2026-11"), Some((2026, 11)));
        for bad in [
            "2026-13",
            "2026-1",
            "26-11",
            "+262142-12",
            "2026-00",
            "",
            "2026/11",
        ] {
            assert_eq!(parse_month(bad), None, "{bad}");
        }
    }

    proptest! {
        /// The totals equal the sum of the served orders, and of the rows.
        #[test]
        fn totals_equal_the_sum_of_served_orders(
            orders in prop::collection::vec((prop::option::of(prop::sample::select(vec!["age60", "age75", "age80"])), 0i64..2_000, 0i64..5_000), 0..200)
        ) {
            let served: Vec<Served> = orders.iter().map(|(t, s, p)| served(*t, *s, *p)).collect();
            let s = settle(&served);
            prop_assert_eq!(s.meals as usize, served.len());
            prop_assert_eq!(s.subsidy.0, orders.iter().map(|o| o.1).sum::<i64>());
            prop_assert_eq!(s.paid.0, orders.iter().map(|o| o.2).sum::<i64>());
            prop_assert_eq!(s.meals, s.rows.iter().map(|r| r.meals).sum::<u32>());
        }
    }
}
