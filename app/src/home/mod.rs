//! 首页 — the catalogue of services, "my affairs" and the message centre.
//!
//! Each service adds its own tile to [`SERVICES`] when it works end to end; there are no
//! placeholder tiles for services that do not exist yet.

use crate::{
    account::api::home_data,
    i18n::{fill, use_texts, Texts},
    ui::{format_time, Page},
};
use leptos::prelude::*;

/// A service tile of the catalogue: where it lives, and its name and one-line summary.
pub struct ServiceTile {
    pub href: &'static str,
    pub text: fn(&'static Texts) -> (&'static str, &'static str),
}

/// The services residents can use today.
pub const SERVICES: &[ServiceTile] = &[
    ServiceTile {
        href: "/marriage",
        text: |t| (t.home.tile_marriage, t.marriage.tile_body),
    },
    ServiceTile {
        href: "/divorce",
        text: |t| (t.divorce.title, t.divorce.tile_body),
    },
    ServiceTile {
        href: "/account/realname",
        text: |t| (t.home.tile_real_name, t.home.tile_real_name_body),
    },
];

/// The service an affair belongs to, by name.
fn affair_service(service: &str, t: &'static Texts) -> &'static str {
    match service {
        "marriage" => t.marriage.title,
        "divorce" => t.divorce.title,
        _ => "",
    }
}

/// The status of an affair in the reader's language (each service names its own statuses).
fn affair_status(service: &str, status: &str, t: &'static Texts) -> String {
    match service {
        "divorce" if status == "registered" => t.divorce.done.to_owned(),
        "marriage" | "divorce" => crate::marriage::model::BookingStatus::parse(status)
            .map(|s| crate::marriage::pages::status_text(s, t).to_owned())
            .unwrap_or_else(|| status.to_owned()),
        _ => status.to_owned(),
    }
}

#[component]
pub fn HomePage() -> impl IntoView {
    let t = use_texts();
    let data = Resource::new(|| (), |_| home_data());
    view! {
        <Page title=t.home.title.to_string()>
            <p class="mz-lead">{t.common.app_tagline}</p>
            <section class="mz-section" aria-labelledby="services-h">
                <h2 id="services-h">{t.home.services}</h2>
                <ul class="mz-tiles">
                    {SERVICES.iter().map(|s| {
                        let (name, body) = (s.text)(t);
                        view! {
                            <li class="mz-tile">
                                <a class="mz-tile__link" href=s.href>
                                    <span class="mz-tile__name">{name}</span>
                                    <span class="mz-tile__body">{body}</span>
                                </a>
                            </li>
                        }
                    }).collect_view()}
                </ul>
            </section>
            <section class="mz-section" aria-labelledby="affairs-h">
                <h2 id="affairs-h">{t.home.my_affairs}</h2>
                <Suspense>
                    {move || Suspend::new(async move {
                        match data.await {
                            Ok(Some(d)) => view! {
                                {if d.affairs.is_empty() {
                                    view! { <p class="mz-empty">{t.home.no_affairs}</p> }.into_any()
                                } else {
                                    view! {
                                        <ul class="mz-list">
                                            {d.affairs.into_iter().map(|a| view! {
                                                <li class="mz-list__item">
                                                    <a href=a.link.clone()>{affair_service(&a.service, t)}" "{a.reference.clone()}</a>
                                                    <span class="mz-list__meta">{affair_status(&a.service, &a.status, t)}" · "{format_time(a.updated_at)}</span>
                                                </li>
                                            }).collect_view()}
                                        </ul>
                                    }.into_any()
                                }}
                                <p>
                                    <a class="mz-button" href="/messages">
                                        {t.home.message_centre}
                                        {(d.unread_messages > 0).then(|| view! {
                                            " "<span class="mz-badge">{fill(t.home.unread_count, &[("n", &d.unread_messages.to_string())])}</span>
                                        })}
                                    </a>
                                </p>
                            }.into_any(),
                            Ok(None) => view! {
                                <p class="mz-empty">{t.home.sign_in_for_affairs}</p>
                                <p><a class="mz-button mz-button--primary" href="/signin">{t.account.sign_in}</a></p>
                            }.into_any(),
                            Err(e) => view! { <p role="alert">{e.message(t)}</p> }.into_any(),
                        }
                    })}
                </Suspense>
            </section>
        </Page>
    }
}
