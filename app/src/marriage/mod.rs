//! 结婚登记预约 — marriage registration appointments.
//!
//! Started with the pure rules both parties' booking must pass; the offices, slots, booking
//! desk and pages follow in issue 3.

pub mod model;
