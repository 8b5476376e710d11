//! 首页 — the catalogue of services, "my affairs" and the message centre.
//!
//! Each service adds its own tile (its `ServiceEntry` in `crate::catalogue`) when it works end
//! to end; there are no placeholder tiles for services that do not exist yet. The server sends
//! the tiles and the items in the reader's language, so this page knows no service.

pub mod api;

use crate::{
    i18n::{use_texts, Locale, Texts},
    ui::{format, Page},
};
use leptos::prelude::*;

/// One item of 我的办件: its service and number, its status in words, what comes next and
/// when; an elder's item seen through a grant says whose it is. A plain function, not a
/// component: the server draws the home page's items with it ([`api::MyHome::affairs_html`]),
/// the affairs page (in the resident chunk) draws all of them.
pub fn affair_item(a: api::AffairLine, t: &'static Texts, locale: Locale) -> impl IntoView {
    let when = a
        .next_at
        .and_then(|n| chrono::DateTime::from_timestamp(n, 0))
        .map(|n| format::instant_at(n, locale));
    view! {
        <li class="mz-list__item">
            <a href=a.link>{a.service_name}" "<span class="mz-nowrap">{a.reference}</span></a>
            {a.for_elder.map(|n| view! { " "<span class="mz-badge">{t.home.for_elder(&n)}</span> })}
            <span class="mz-list__meta">{a.status_text}
                {match (a.next, when) {
                    (Some(n), Some(w)) => format!(" · {n} · {w}"),
                    (Some(n), None) => format!(" · {n}"),
                    (None, _) => format!(" · {}", format::instant_at(a.updated_at, locale)),
                }}
            </span>
        </li>
    }
}

#[component]
pub fn HomePage() -> impl IntoView {
    let t = use_texts();
    let data = Resource::new(|| (), |_| api::home_data());
    view! {
        <Page title=t.home.title.to_string()>
            <p class="mz-lead">{t.common.app_tagline}</p>
            <Suspense>
                {move || Suspend::new(async move {
                    match data.await {
                        Ok(d) => view! {
                            <section class="mz-section" aria-labelledby="services-h">
                                <h2 id="services-h">{t.home.services}</h2>
                                <div class="mz-fragment" inner_html=d.tiles_html></div>
                            </section>
                            <section class="mz-section" aria-labelledby="affairs-h">
                                <h2 id="affairs-h">{t.home.my_affairs}</h2>
                                {match d.mine {
                                    Some(mine) => view! {
                                        {if mine.total == 0 {
                                            view! { <p class="mz-empty">{t.home.no_affairs}</p> }.into_any()
                                        } else {
                                            view! {
                                                <div class="mz-fragment" inner_html=mine.affairs_html></div>
                                                <p><a class="mz-link" href="/affairs">{t.home.all_affairs(&mine.total.to_string())}</a></p>
                                            }.into_any()
                                        }}
                                        <p>
                                            <a class="mz-button" href="/messages">
                                                {t.home.message_centre}
                                                {(mine.unread_messages > 0).then(|| view! {
                                                    " "<span class="mz-badge">{t.home.unread_count(&mine.unread_messages.to_string())}</span>
                                                })}
                                            </a>
                                        </p>
                                    }.into_any(),
                                    None => view! {
                                        <p class="mz-empty">{t.home.sign_in_for_affairs}</p>
                                        <p><a class="mz-button mz-button--primary" href="/signin">{t.common.sign_in}</a></p>
                                    }.into_any(),
                                }}
                            </section>
                        }.into_any(),
                        Err(e) => view! { <p role="alert">{e.message(t)}</p> }.into_any(),
                    }
                })}
            </Suspense>
        </Page>
    }
}
