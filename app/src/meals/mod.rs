//! 老年助餐 — elder meal ordering, with family members ordering for an elder (代办).
//!
//! Canteens publish a menu per day and meal; an elder (or a family member the elder granted,
//! see `crate::proxy`) orders before the meal's cut-off; the district's policy file
//! (`app/policy/meals-<district>.json`) decides the subsidy, shown line by line before ordering
//! and charged as shown. Payment is at the counter or on delivery: there is no prepaid
//! balance. The canteen sees what to cook, who picks up and where to deliver, and marks each
//! order served once.

pub mod api;
#[cfg(feature = "ssr")]
pub mod desk;
pub mod model;
pub mod pages;
pub mod policy;
#[cfg(feature = "ssr")]
pub mod rules;
pub mod settlement;

/// What a meal page registers when it first renders: how its refusals read.
pub fn on_page() {
    crate::error::register_explainers(&[crate::error::explain::<model::Refusal>]);
}
