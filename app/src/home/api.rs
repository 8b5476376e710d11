//! The home page's data: the services' tiles and, for a signed-in resident, 我的办件 and the
//! unread count, all in the reader's language.

use crate::error::AppResult;
use chrono::{DateTime, Utc};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// A service tile.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TileView {
    pub href: String,
    pub name: String,
    pub body: String,
}

/// One item of 我的办件 in words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AffairLine {
    pub service: String,
    pub service_name: String,
    pub reference: String,
    /// The stored status, and the same in words from the reader's side.
    pub status: String,
    pub status_text: String,
    #[serde(with = "chrono::serde::ts_seconds")]
    pub updated_at: DateTime<Utc>,
    pub link: String,
    /// What comes next, from the reader's side, and when (unix seconds).
    pub next: Option<String>,
    pub next_at: Option<i64>,
    /// An elder's item seen through a grant (代办): the elder's masked name.
    pub for_elder: Option<String>,
}

/// A signed-in resident's part of the home page: the first few items of 我的办件.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MyHome {
    pub affairs: Vec<AffairLine>,
    /// How many items 我的办件 holds in all.
    pub total: u32,
    pub unread_messages: u32,
}

/// A service 我的办件 or the message centre can be filtered by: its key, its name, how many
/// items it has and how many of its messages are unread.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServiceFilter {
    pub key: String,
    pub name: String,
    pub items: u32,
    pub unread: u32,
}

/// 我的办件, whole: every item (own, and those of elders the resident acts for), and the
/// services they are from with their unread messages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AffairsView {
    pub items: Vec<AffairLine>,
    pub services: Vec<ServiceFilter>,
    pub unread_total: u32,
}

/// How many items of 我的办件 the home page shows.
pub const HOME_AFFAIRS: usize = 5;

/// An item of 我的办件 in the reader's words (its service says how).
#[cfg(feature = "ssr")]
pub fn affair_line(a: crate::account::model::Affair, t: &'static crate::i18n::Texts) -> AffairLine {
    let entry = crate::catalogue::service(&a.service);
    AffairLine {
        service_name: entry
            .map(|e| (e.affair_title)(t))
            .unwrap_or_default()
            .to_owned(),
        status_text: entry
            .and_then(|e| (e.affair_status)(&a.status, t))
            .unwrap_or_else(|| a.status.clone()),
        next: entry
            .and_then(|e| (e.affair_next)(&a.status, t))
            .map(str::to_owned),
        next_at: a.next_at,
        for_elder: a.for_elder,
        service: a.service,
        reference: a.reference,
        status: a.status,
        updated_at: a.updated_at,
        link: a.link,
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HomeView {
    pub tiles: Vec<TileView>,
    /// `None` for a visitor who has not signed in.
    pub mine: Option<MyHome>,
}

/// The home page for whoever is asking.
#[server(prefix = "/api", endpoint = "account/home")]
pub async fn home_data() -> AppResult<HomeView> {
    use crate::{account::desk::AccountDesk, catalogue, desk::desk};
    let t = crate::prefs::Prefs::detect().locale.texts();
    let tiles = catalogue::services()
        .iter()
        .filter_map(|s| s.tile.as_ref())
        .map(|tile| TileView {
            href: tile.href.to_owned(),
            name: (tile.name)(t).to_owned(),
            body: (tile.body)(t).to_owned(),
        })
        .collect();
    let mine = match crate::web::current_resident().await? {
        Some(me) => {
            let home = desk::<dyn AccountDesk>()?.home(&me).await?;
            Some(MyHome {
                total: home.affairs.len() as u32,
                affairs: home
                    .affairs
                    .into_iter()
                    .take(HOME_AFFAIRS)
                    .map(|a| affair_line(a, t))
                    .collect(),
                unread_messages: home.unread_messages,
            })
        }
        None => None,
    };
    Ok(HomeView { tiles, mine })
}
