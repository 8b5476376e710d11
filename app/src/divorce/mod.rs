//! 离婚登记 · 离婚冷静期 — divorce registration by appointment and the cooling-off period.
//!
//! The pure schedule of a case (both periods, the phase at an instant, which certificate
//! visits the window admits, the reminders, the explanation of each date); the case after
//! receipt (withdrawal, deemed withdrawal, reminders, the certificate); and its appointments
//! (application, certificate visit, counselling), which are the registry office's appointment
//! machinery (`crate::marriage`) with a purpose.

pub mod api;
#[cfg(feature = "ssr")]
pub mod desk;
pub mod model;
pub mod pages;
#[cfg(feature = "ssr")]
pub mod rules;

/// What a divorce page registers when it first renders (from its own WASM chunk): how its
/// refusals read.
pub fn on_page() {
    crate::error::register_explainers(&[
        crate::error::explain::<crate::appointments::model::Refusal>,
        crate::error::explain::<model::Refusal>,
    ]);
}
