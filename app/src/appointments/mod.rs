//! 预约 — the appointment machinery every counter of a registry office shares: offices, slots
//! with places, the two-party booking and the partner's confirmation (online, or by the clerk
//! at the counter), the voucher (QR code and calendar file), reschedule and cancel, check-in
//! and outcomes, and the clerk's counter day.
//!
//! It knows no service. Marriage and divorce each describe their purposes (`PurposeSpec`) and,
//! on the server, what a purpose admits and what its outcome means (`PurposeRules`); neither
//! imports the other.

pub mod api;
#[cfg(feature = "ssr")]
pub mod desk;
#[cfg(feature = "ssr")]
pub mod ics;
pub mod model;
pub mod pages;
pub mod peak;
