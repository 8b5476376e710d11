//! 离婚登记 · 离婚冷静期 — divorce registration by appointment and the cooling-off period.
//!
//! Started (issue 4): the pure schedule of a case (both periods, the phase at an instant,
//! which certificate visits the window admits, the reminders, the explanation of each date).
//! The case after receipt (withdrawal, deemed withdrawal, reminders) has its desk and server
//! functions; the appointments, the certificate, counselling and the pages follow.

pub mod api;
#[cfg(feature = "ssr")]
pub mod desk;
pub mod model;
