//! The district's time-bank rules as data (`app/policy/timebank-<district>.json`, demo values
//! marked) and the pure rules over them: star levels from served minutes, how verified
//! minutes are banked under the storage cap, who is a priority elder for the mutual-aid fund.

use serde::{Deserialize, Serialize};

/// The shipped rule files. Read on the server only: pages get what they show in their views.
#[cfg(feature = "ssr")]
pub const SHIPPED: [&str; 1] = [include_str!("../../policy/timebank-haishu.json")];

/// 星级门槛 — a star level and the served minutes it takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct StarStep {
    pub stars: u8,
    pub minutes: i64,
}

/// 优先受助老人 — who the fund may grant hours to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Priority {
    /// 80+ and living alone (or any status of `with_any_status`).
    pub min_age: u32,
    pub with_any_status: Vec<String>,
    /// … or every status of this list, at any age (低保 and 失能).
    pub or_all_statuses: Vec<String>,
    #[serde(default)]
    pub demo: bool,
}

/// A kind of help an elder can ask for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NeedKind {
    pub key: String,
    pub name_zh: String,
    pub name_en: String,
}

/// One district's rules.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Policy {
    pub district: String,
    pub version: String,
    pub demo: bool,
    pub name_zh: String,
    pub name_en: String,
    /// 存储上限: what a resident's account may hold; verified minutes above it go to the
    /// organisation's mutual-aid fund (Nanjing: 1,500 hours).
    pub storage_cap_minutes: i64,
    pub stars: Vec<StarStep>,
    /// 公益积分 earned per verified hour.
    pub points_per_hour: i64,
    /// The points rate is a demo value (pages say so beside it).
    #[serde(default)]
    pub demo_points_per_hour: bool,
    /// The most one gift may move.
    pub max_gift_minutes: i64,
    /// The longest one need may ask for.
    pub max_need_minutes: i64,
    pub priority: Priority,
    pub needs: Vec<NeedKind>,
}

impl Policy {
    /// What a file must satisfy before the server starts with it.
    pub fn validate(&self) -> Result<(), String> {
        if self.storage_cap_minutes <= 0 || self.max_gift_minutes <= 0 || self.max_need_minutes <= 0
        {
            return Err(format!("{}: limits must be positive", self.district));
        }
        if self.points_per_hour < 0 {
            return Err(format!("{}: negative points rate", self.district));
        }
        let rising = self
            .stars
            .windows(2)
            .all(|w| w[0].stars < w[1].stars && w[0].minutes < w[1].minutes);
        if self.stars.is_empty() || !rising || self.stars[0].minutes <= 0 {
            return Err(format!(
                "{}: star steps must rise in both stars and minutes",
                self.district
            ));
        }
        if self.needs.is_empty() {
            return Err(format!("{}: no kinds of need", self.district));
        }
        let p = &self.priority;
        crate::elders::model::check_keys(
            p.with_any_status
                .iter()
                .chain(&p.or_all_statuses)
                .map(String::as_str),
        )
        .map_err(|e| format!("{}: {e}", self.district))?;
        Ok(())
    }

    pub fn need(&self, key: &str) -> Option<&NeedKind> {
        self.needs.iter().find(|n| n.key == key)
    }
}

/// Every shipped district.
#[derive(Debug, Clone)]
pub struct Policies(Vec<Policy>);

impl Policies {
    #[cfg(feature = "ssr")]
    pub fn shipped() -> Self {
        Self::from_files(&SHIPPED).expect("the shipped time-bank rules are valid")
    }

    pub fn from_files(files: &[&str]) -> Result<Self, String> {
        let mut all: Vec<Policy> = vec![];
        for text in files {
            let p: Policy = serde_json::from_str(text).map_err(|e| e.to_string())?;
            p.validate()?;
            if all.iter().any(|q| q.district == p.district) {
                return Err(format!("district {} is given twice", p.district));
            }
            all.push(p);
        }
        Ok(Self(all))
    }

    pub fn district(&self, key: &str) -> Option<&Policy> {
        self.0.iter().find(|p| p.district == key)
    }

    /// Every district's rules, in file order.
    pub fn all(&self) -> &[Policy] {
        &self.0
    }
}

/// A volunteer's stars and the way to the next.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stars {
    pub stars: u8,
    /// The next level and the served minutes still needed, if there is one.
    pub next: Option<(u8, i64)>,
}

/// 星级: from cumulative verified service minutes only (spending and giving never lower it).
pub fn stars(served_minutes: i64, steps: &[StarStep]) -> Stars {
    let stars = steps
        .iter()
        .filter(|s| served_minutes >= s.minutes)
        .map(|s| s.stars)
        .max()
        .unwrap_or(0);
    let next = steps
        .iter()
        .find(|s| served_minutes < s.minutes)
        .map(|s| (s.stars, s.minutes - served_minutes));
    Stars { stars, next }
}

/// How verified minutes are banked: what the volunteer's account takes (up to the cap) and
/// what goes to the organisation's mutual-aid fund.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Banking {
    pub to_volunteer: i64,
    pub to_fund: i64,
}

/// 存储上限: `minutes` verified for a volunteer whose account holds `balance`.
pub fn bank(minutes: i64, balance: i64, cap: i64) -> Banking {
    let room = (cap - balance).max(0);
    let to_volunteer = minutes.clamp(0, room);
    Banking {
        to_volunteer,
        to_fund: minutes.max(0) - to_volunteer,
    }
}

/// 公益积分 earned by `minutes` of verified service (whole points, rounded down).
pub fn points_for(minutes: i64, per_hour: i64) -> i64 {
    minutes.max(0) * per_hour / 60
}

/// Whether an elder of `age` with confirmed `statuses` may receive hours from the fund.
pub fn is_priority(age: u32, statuses: &[String], p: &Priority) -> bool {
    let has = |s: &String| statuses.contains(s);
    (age >= p.min_age && p.with_any_status.iter().any(has))
        || (!p.or_all_statuses.is_empty() && p.or_all_statuses.iter().all(has))
}

/// Minutes proposed for a shift from the sign-in and sign-out instants (seconds), rounded down
/// to whole minutes and never more than the shift's own length plus a quarter hour.
pub fn proposed_minutes(signed_in: i64, signed_out: i64, shift_minutes: i64) -> i64 {
    ((signed_out - signed_in) / 60).clamp(0, shift_minutes + 15)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[cfg(feature = "ssr")]
    fn haishu() -> Policy {
        Policies::shipped().district("haishu").unwrap().clone()
    }

    #[test]
    #[cfg(feature = "ssr")]
    fn the_shipped_rules_are_valid_and_marked_demo() {
        let p = haishu();
        assert!(p.demo && p.priority.demo);
        assert_eq!(p.storage_cap_minutes, 1_500 * 60);
        let hours: Vec<i64> = p.stars.iter().map(|s| s.minutes / 60).collect();
        assert_eq!(hours, [100, 300, 600, 1_000, 1_500]);
    }

    #[test]
    #[cfg(feature = "ssr")]
    fn star_levels_by_table() {
        let p = haishu();
        for (hours, want, next) in [
            (0, 0, Some((1, 100 * 60))),
            (99, 0, Some((1, 60))),
            (100, 1, Some((2, 200 * 60))),
            (599, 2, Some((3, 60))),
            (600, 3, Some((4, 400 * 60))),
            (1_500, 5, None),
            (4_000, 5, None),
        ] {
            let s = stars(hours * 60, &p.stars);
            assert_eq!((s.stars, s.next), (want, next), "{hours} h");
        }
    }

    #[test]
    fn the_cap_sends_the_excess_to_the_fund() {
        let cap = 90_000;
        assert_eq!(
            bank(120, 0, cap),
            Banking {
                to_volunteer: 120,
                to_fund: 0
            }
        );
        assert_eq!(
            bank(120, 89_950, cap),
            Banking {
                to_volunteer: 50,
                to_fund: 70
            }
        );
        assert_eq!(
            bank(120, cap, cap),
            Banking {
                to_volunteer: 0,
                to_fund: 120
            }
        );
        // A balance above a lowered cap keeps what it has; nothing more comes in.
        assert_eq!(
            bank(30, cap + 10, cap),
            Banking {
                to_volunteer: 0,
                to_fund: 30
            }
        );
    }

    #[test]
    fn priority_elders_by_table() {
        let p = Priority {
            min_age: 80,
            with_any_status: vec!["living_alone".into()],
            or_all_statuses: vec!["dibao".into(), "shineng".into()],
            demo: true,
        };
        let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        assert!(is_priority(80, &s(&["living_alone"]), &p));
        assert!(!is_priority(79, &s(&["living_alone"]), &p));
        assert!(!is_priority(90, &s(&[]), &p));
        assert!(is_priority(60, &s(&["dibao", "shineng"]), &p));
        assert!(!is_priority(60, &s(&["dibao"]), &p));
    }

    #[test]
    fn proposed_minutes_are_whole_and_bounded() {
        assert_eq!(proposed_minutes(0, 119 * 60 + 59, 120), 119);
        assert_eq!(proposed_minutes(0, 10 * 3600, 120), 135);
        assert_eq!(proposed_minutes(100, 50, 120), 0);
    }

    proptest! {
        #[test]
        fn banking_keeps_every_minute_and_the_cap(minutes in 0i64..100_000, balance in 0i64..200_000, cap in 1i64..200_000) {
            let b = bank(minutes, balance, cap);
            prop_assert_eq!(b.to_volunteer + b.to_fund, minutes);
            prop_assert!(b.to_volunteer >= 0 && b.to_fund >= 0);
            prop_assert!(balance + b.to_volunteer <= cap.max(balance));
        }

        #[test]
        fn stars_never_fall_as_service_grows(a in 0i64..200_000, more in 0i64..200_000) {
            let steps = [
                StarStep { stars: 1, minutes: 6_000 },
                StarStep { stars: 2, minutes: 18_000 },
                StarStep { stars: 5, minutes: 90_000 },
            ];
            prop_assert!(stars(a + more, &steps).stars >= stars(a, &steps).stars);
        }
    }
}
