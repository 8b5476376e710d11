//! 结婚登记预约 — marriage registration appointments.
//!
//! In progress (issue 3): the pure rules, the booking desk and its server functions exist;
//! the pages, the partner's confirmation, the voucher and the clerk's side follow.

pub mod api;
#[cfg(feature = "ssr")]
pub mod desk;
pub mod model;
