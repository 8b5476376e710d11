//! (ssr) What each service tells the shared pages about itself: its tile on the home page, how
//! its items read in 我的办件, how its messages read in the message centre, and the desks it
//! offers staff. Every service fills one [`ServiceEntry`]; `crate::services` registers them
//! all once at start. The shared pages (home, messages, workbench) read them from here, so they
//! know no service, and the browser never carries them: the server sends the sentences.

use crate::{
    i18n::{Locale, Texts},
    identity::Role,
};
use std::{collections::BTreeMap, sync::OnceLock};

/// A service's tile on the home page.
pub struct Tile {
    pub href: &'static str,
    pub name: fn(&'static Texts) -> &'static str,
    pub body: fn(&'static Texts) -> &'static str,
}

/// A message as the message centre shows it.
pub struct NoticeText {
    pub title: String,
    pub body: String,
    /// Where it leads (the page that acts on it), if anywhere.
    pub link: Option<String>,
}

/// A desk a staff role works at.
pub struct StaffDesk {
    pub role: Role,
    pub href: &'static str,
    pub name: fn(&'static Texts) -> &'static str,
    pub body: fn(&'static Texts) -> &'static str,
}

/// One service, as the shared pages see it.
pub struct ServiceEntry {
    /// The `service` of its 我的办件 items and the prefix of its message topics.
    pub key: &'static str,
    pub tile: Option<Tile>,
    /// 我的办件: the service's name on an item.
    pub affair_title: fn(&'static Texts) -> &'static str,
    /// 我的办件: a stored status in words (from the reader's side).
    pub affair_status: fn(&str, &'static Texts) -> Option<String>,
    /// 我的办件: what the reader does (or waits for) next at this status, if anything.
    pub affair_next: fn(&str, &'static Texts) -> Option<&'static str>,
    /// The message centre: a topic of this service with its parameters, in words.
    pub notice: fn(&str, &BTreeMap<String, String>, Locale) -> Option<NoticeText>,
    pub desks: &'static [StaffDesk],
    /// A life event's progress: what this service's part (`<key>.<part>`, with the values it
    /// stored) did, in words.
    pub life_step: fn(&str, &BTreeMap<String, String>, Locale) -> Option<String>,
}

impl ServiceEntry {
    /// An entry with nothing but its key: services fill what they have and take the rest from
    /// here (`ServiceEntry { key: "x", …, ..ServiceEntry::BASE }`), so a new field of the
    /// shared pages is one line here, not one per service.
    pub const BASE: ServiceEntry = ServiceEntry {
        key: "",
        tile: None,
        affair_title: |_| "",
        affair_status: |_, _| None,
        affair_next: |_, _| None,
        notice: |_, _, _| None,
        desks: &[],
        life_step: |_, _, _| None,
    };
}

static SERVICES: OnceLock<&'static [ServiceEntry]> = OnceLock::new();

/// Registers every service; the first call wins.
pub fn register(all: &'static [ServiceEntry]) {
    let _ = SERVICES.set(all);
}

/// Every registered service, in the order the home page lists them.
pub fn services() -> &'static [ServiceEntry] {
    SERVICES.get().copied().unwrap_or_default()
}

/// A life event's step (`meals.orders`) in words, by the service that did it.
pub fn life_step(step: &str, params: &BTreeMap<String, String>, locale: Locale) -> Option<String> {
    services()
        .iter()
        .find_map(|s| (s.life_step)(step, params, locale))
}

/// The service whose messages' topics start with `<key>_` (the message centre's filter).
pub fn service_of_topic(topic: &str) -> Option<&'static ServiceEntry> {
    services()
        .iter()
        .filter(|s| {
            topic
                .strip_prefix(s.key)
                .is_some_and(|rest| rest.starts_with('_'))
        })
        .max_by_key(|s| s.key.len())
}

/// The service with this key.
pub fn service(key: &str) -> Option<&'static ServiceEntry> {
    services().iter().find(|s| s.key == key)
}

/// A message of any service in words; `None` for a topic no registered service knows (written
/// by a newer build), which the message centre skips.
pub fn notice(
    topic: &str,
    params: &BTreeMap<String, String>,
    locale: Locale,
) -> Option<NoticeText> {
    services()
        .iter()
        .find_map(|s| (s.notice)(topic, params, locale))
}

/// What a rule page's builder returns (it may read a desk, e.g. each office's booking window).
pub type RuleDocFuture = std::pin::Pin<
    Box<
        dyn std::future::Future<
                Output = Result<crate::ui::rule_doc::RuleDoc, crate::error::AppError>,
            > + Send,
    >,
>;

/// A service's 规则说明 page (`/rules/<slug>`), built on the server from the rule data its
/// decisions read. The index of rule pages lists the registered ones, so it knows no service.
pub struct RulesPage {
    pub slug: &'static str,
    pub title: fn(Locale) -> &'static str,
    /// One line for the index: which decisions the page explains.
    pub summary: fn(Locale) -> &'static str,
    pub build: fn(Locale) -> RuleDocFuture,
}

static RULES: OnceLock<&'static [RulesPage]> = OnceLock::new();

/// Registers every service's rule page; the first call wins.
pub fn register_rules(all: &'static [RulesPage]) {
    let _ = RULES.set(all);
}

/// Every registered rule page, in the order the index lists them.
pub fn rules_pages() -> &'static [RulesPage] {
    RULES.get().copied().unwrap_or_default()
}
