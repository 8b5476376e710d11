//! 工作人员工作台 — staff: sign-in, the workbench, staff accounts and the audit log.

pub mod api;
#[cfg(feature = "ssr")]
pub mod desk;
pub mod model;
pub mod pages;

/// What this service's pages register when they first render: nothing (its refusals are the
/// shared ones).
pub fn on_page() {}
