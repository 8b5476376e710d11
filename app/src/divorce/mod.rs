//! 离婚登记 · 离婚冷静期 — divorce registration by appointment and the cooling-off period.
//!
//! Started (issue 4): the pure schedule of a case (both periods, the phase at an instant,
//! which certificate visits the window admits, the reminders, the explanation of each date).
//! The case desk, its pages and the clerk's side follow.

pub mod model;
