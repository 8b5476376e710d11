//! 身后事一件事 · 惠民殡葬 — the after-death one-thing with the funeral subsidy claim.
//!
//! The next of kin files one application per deceased person; the district's policy file
//! (`app/policy/after-death-<district>.json`) decides which items apply and why, their
//! departments, what each needs, its time limit and amount; each item becomes a task in its
//! department's queue, which the family follows to its end. Subsidies are approved at no more
//! than the policy allows and paid once, four-eyes above a threshold.

pub mod api;
#[cfg(feature = "ssr")]
pub mod desk;
pub mod model;
pub mod pages;
pub mod policy;
#[cfg(feature = "ssr")]
pub mod rules;
pub mod upload;

/// What an after-death page registers when it first renders: how its refusals read.
pub fn on_page() {
    crate::error::register_explainers(&[crate::error::explain::<model::Refusal>]);
}
