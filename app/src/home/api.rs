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
}

/// A signed-in resident's part of the home page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MyHome {
    pub affairs: Vec<AffairLine>,
    pub unread_messages: u32,
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
                affairs: home
                    .affairs
                    .into_iter()
                    .map(|a| {
                        let entry = catalogue::service(&a.service);
                        AffairLine {
                            service_name: entry
                                .map(|e| (e.affair_title)(t))
                                .unwrap_or_default()
                                .to_owned(),
                            status_text: entry
                                .and_then(|e| (e.affair_status)(&a.status, t))
                                .unwrap_or_else(|| a.status.clone()),
                            service: a.service,
                            reference: a.reference,
                            status: a.status,
                            updated_at: a.updated_at,
                            link: a.link,
                        }
                    })
                    .collect(),
                unread_messages: home.unread_messages,
            })
        }
        None => None,
    };
    Ok(HomeView { tiles, mine })
}
