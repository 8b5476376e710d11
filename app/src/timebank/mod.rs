//! 时间银行 — volunteer hours banked on an append-only ledger, spent or given.
//!
//! Residents join a volunteer organisation, take places on activities' shifts, sign in and out
//! with the organiser's code; the organisation verifies the proposed minutes and they are
//! banked (`ledger`: double entry, never below zero, the storage cap's excess to the
//! organisation's mutual-aid fund, `policy`). Banked minutes pay for a volunteer's help with a
//! need (held when posted, paid when done), go to family or to the fund; verified service
//! earns points for the catalogue and stars. An elder's family member with a grant
//! (`crate::proxy`) sees the elder's balance and posts needs for them.

pub mod api;
#[cfg(feature = "ssr")]
pub mod desk;
pub mod ledger;
pub mod model;
pub mod pages;
pub mod policy;
#[cfg(feature = "ssr")]
pub mod rules;

/// What a time-bank page registers when it first renders: how its refusals read.
pub fn on_page() {
    crate::error::register_explainers(&[crate::error::explain::<model::Refusal>]);
}
