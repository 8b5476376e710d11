//! 结婚登记预约 — marriage registration appointments: the booking and the partner's
//! confirmation, the voucher, reschedule and cancel, and the registry clerk's desk, on the
//! shared appointment machinery (`crate::appointments`). What is marriage's own: the legal
//! marriage age, the ceremony, and how its notices read (server side: `PurposeRules` in
//! `server/src/desks/marriage.rs`).

pub mod api;
pub mod model;
pub mod pages;
#[cfg(feature = "ssr")]
pub mod rules;

/// What a marriage page registers when it first renders (from its own WASM chunk): how its
/// refusals read.
pub fn on_page() {
    crate::error::register_explainers(&[
        crate::error::explain::<crate::appointments::model::Refusal>,
        crate::error::explain::<model::Refusal>,
    ]);
}
