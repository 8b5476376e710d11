//! The home page's data: the services' tiles and, for a signed-in resident, 我的办件 and the
//! unread count, all in the reader's language.

use crate::error::AppResult;
use chrono::{DateTime, Utc};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

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
    /// The first items of 我的办件 ([`HOME_AFFAIRS`]) as HTML the server drew with
    /// [`super::affair_item`] (escaped as every view is): the page shows them as they are, so
    /// the main module, which every first visit loads, carries no code to decode or draw them.
    pub affairs_html: String,
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
    /// The services' tiles as HTML the server drew (as [`MyHome::affairs_html`]).
    pub tiles_html: String,
    /// `None` for a visitor who has not signed in.
    pub mine: Option<MyHome>,
}

/// The home page for whoever is asking.
#[server(prefix = "/api", endpoint = "account/home")]
pub async fn home_data() -> AppResult<HomeView> {
    use crate::{account::desk::AccountDesk, catalogue, desk::desk};
    use leptos::tachys::view::RenderHtml;
    let locale = crate::prefs::Prefs::detect().locale;
    let t = locale.texts();
    let tiles_html = view! {
        <ul class="mz-tiles">
            {catalogue::services().iter().filter_map(|s| s.tile.as_ref()).map(|tile| view! {
                <li class="mz-tile">
                    <a class="mz-tile__link" href=tile.href>
                        <span class="mz-tile__name">{(tile.name)(t)}</span>
                        <span class="mz-tile__body">{(tile.body)(t)}</span>
                    </a>
                </li>
            }).collect_view()}
        </ul>
    }
    .to_html();
    let mine = match crate::web::current_resident().await? {
        Some(me) => {
            let home = desk::<dyn AccountDesk>()?.home(&me).await?;
            let total = home.affairs.len() as u32;
            let first = home.affairs.into_iter().take(HOME_AFFAIRS);
            Some(MyHome {
                total,
                affairs_html: view! {
                    <ul class="mz-list">
                        {first.map(|a| super::affair_item(affair_line(a, t), t, locale)).collect_view()}
                    </ul>
                }
                .to_html(),
                unread_messages: home.unread_messages,
            })
        }
        None => None,
    };
    Ok(HomeView { tiles_html, mine })
}
