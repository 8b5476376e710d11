//! 居民账户 — residents: sign-in by mobile number and one-time code, real-name binding, the
//! message centre and "my affairs".

pub mod api;
#[cfg(feature = "ssr")]
pub mod desk;
pub mod model;
pub mod pages;

/// What this service's pages register when they first render: nothing (its refusals are the
/// shared ones).
pub fn on_page() {}
