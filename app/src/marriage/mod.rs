//! 结婚登记预约 — marriage registration appointments: offices and slots, the booking and the
//! partner's confirmation, the voucher, reschedule and cancel, and the registry clerk's desk.

pub mod api;
#[cfg(feature = "ssr")]
pub mod desk;
pub mod model;
pub mod pages;
