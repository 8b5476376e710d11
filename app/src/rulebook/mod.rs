//! 规则说明 — the rules explained: the index of every service's rule page, and the page that
//! shows one. Each service builds its page on the server from the rule data its decisions read
//! (`<service>/rules.rs`) and registers it (`crate::services`, `catalogue::RulesPage`); this
//! module knows no service.

pub mod api;
pub mod pages;

/// Nothing to register: a rule page has no refusals of its own.
pub fn on_page() {}
