//! 老人身份确认 — the statuses that raise what an elder is owed (低保, 特困, 失能, 独居), confirmed
//! by a community worker after checking the elder's ID card, and ended the same way.
//!
//! One vocabulary ([`model::ElderStatus`]) for every service that reads them: the meal
//! subsidy's tiers and the time bank's priority elders count only live (confirmed, not ended)
//! statuses, read with `server::desks::elders::live_statuses` in the transaction that decides.
//! Ended statuses stay in the history with their end date and note.

pub mod api;
#[cfg(feature = "ssr")]
pub mod desk;
pub mod model;
pub mod pages;

/// What a status page registers when it first renders: how its refusals read.
pub fn on_page() {
    crate::error::register_explainers(&[crate::error::explain::<model::Refusal>]);
}
