//! 代办 — family proxy grants, shared by every service that lets a family member act for an
//! elder (meals first, the time bank next).
//!
//! A family member asks to act for an elder (the elder's phone number and real name); the
//! elder confirms in the app, or a canteen or community worker records it after checking the
//! elder's ID card (audited). A grant has scopes and a last day, and either side ends it at any
//! time. Whether a grant permits an action is the pure [`model::permits`]; the desks check it in
//! the transaction of every action taken for an elder, and record who acted.

pub mod api;
#[cfg(feature = "ssr")]
pub mod desk;
pub mod model;
pub mod pages;

/// What a proxy page registers when it first renders: how its refusals read.
pub fn on_page() {
    crate::error::register_explainers(&[crate::error::explain::<model::Refusal>]);
}
