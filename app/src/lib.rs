//! 民政一件事 — the Leptos app, rendered on the server and hydrated in the browser.
//!
//! Each service owns its routes, server functions and pages (`account/`, `staff/`, …);
//! `App` lists one routes block per service. Pure rules shared by browser and server are in
//! `rules/`; `desk.rs` is the back-end interface the server functions call.

pub mod account;
#[cfg(feature = "ssr")]
pub mod desk;
pub mod divorce;
pub mod error;
pub mod home;
pub mod i18n;
pub mod marriage;
pub mod prefs;
pub mod rules;
pub mod staff;
pub mod ui;
#[cfg(feature = "ssr")]
pub mod web;

use account::model::ResidentView;
use error::AppResult;
use i18n::use_texts;
use leptos::prelude::*;
use leptos_meta::{provide_meta_context, HashedStylesheet, Link, Meta, MetaTags};
use leptos_router::{
    components::{Route, Router, Routes},
    hooks::use_location,
    path, SsrMode,
};
use prefs::Prefs;

/// Where pages link the built assets (`/pkg/…`) from: a prefix naming the build
/// (`/v/<build>`), so browsers may keep them for good. The server provides it; empty, they
/// are linked at `/pkg/…`.
#[derive(Debug, Clone, Default)]
pub struct AssetRoot(pub String);

/// The HTML document around the app. The language and elder mode come from cookies, so the
/// first byte is already in the reader's language and size. The hydration scripts carry the
/// request's CSP nonce (Leptos takes it from the context the server provides).
pub fn shell(options: LeptosOptions) -> impl IntoView {
    let prefs = Prefs::detect();
    let root = use_context::<AssetRoot>().unwrap_or_default().0;
    view! {
        <!DOCTYPE html>
        <html lang=prefs.locale.tag() data-mode=prefs.mode_attr()>
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <HydrationScripts options=options.clone() root=root.clone() />
                <HashedStylesheet options id="leptos" root />
                <MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

/// Who is signed in, fetched once per navigation and shared by the header and the guards.
#[derive(Clone, Copy)]
pub struct Session {
    pub resident: Resource<AppResult<Option<ResidentView>>>,
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    #[cfg(feature = "hydrate")]
    provide_form_error_from_url();
    let prefs = Prefs::detect();
    provide_context(prefs);
    provide_context(prefs.locale);
    let t = use_texts();

    view! {
        <Link rel="manifest" href="/manifest.webmanifest" />
        <Link rel="icon" href="/icons/icon.svg" type_="image/svg+xml" />
        <Link rel="apple-touch-icon" href="/icons/icon-192.png" />
        <Meta name="theme-color" content="#b3261e" />
        <Meta name="description" content=t.common.app_tagline />
        <Router>
            <SessionProvider>
                <a class="mz-skip" href="#main">{t.common.skip_to_content}</a>
                <prefs::Header />
                <Routes fallback=|| view! { <ui::NotFound /> }>
                    <Route path=path!("/") view=home::HomePage ssr=SsrMode::Async />
                    <account::pages::AccountRoutes />
                    <staff::pages::StaffRoutes />
                    <marriage::pages::MarriageRoutes />
                    <divorce::pages::DivorceRoutes />
                </Routes>
                <footer class="mz-footer">
                    <p>{t.common.footer}</p>
                </footer>
            </SessionProvider>
        </Router>
    }
}

/// Puts the [`Session`] into context, refetched whenever the path changes (sign-in and
/// sign-out change it).
#[component]
fn SessionProvider(children: Children) -> impl IntoView {
    let location = use_location();
    let resident = Resource::new(move || location.pathname.get(), |_| account::api::me());
    provide_context(Session { resident });
    children()
}

/// Without JavaScript, leptos puts a failed form's error in the URL and reads it while
/// rendering on the server. After hydration the browser must see the same error, or the page
/// it hydrates would differ from the page the server sent.
#[cfg(feature = "hydrate")]
fn provide_form_error_from_url() {
    let search = web_sys::window()
        .and_then(|w| w.location().search().ok())
        .unwrap_or_default();
    let mut path = None;
    let mut err = None;
    for pair in search.trim_start_matches('?').split('&') {
        let mut kv = pair.splitn(2, '=');
        match (kv.next(), kv.next()) {
            (Some("__path"), Some(v)) => {
                path = js_sys::decode_uri_component(v)
                    .ok()
                    .and_then(|s| s.as_string())
            }
            (Some("__err"), Some(v)) => {
                err = js_sys::decode_uri_component(v)
                    .ok()
                    .and_then(|s| s.as_string())
            }
            _ => {}
        }
    }
    if let (Some(p), Some(e)) = (path, err) {
        provide_context(leptos::server::ServerActionError::new(&p, &e));
    }
}

/// Percent-encodes a value for a query string.
pub fn urlencode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    // `hydrate_lazy`: some routes are lazily loaded WASM chunks (see `lazy_page!`).
    leptos::mount::hydrate_lazy(App);
}

/// Today's date in Asia/Shanghai as the browser sees it, for courtesy checks only.
pub fn browser_today() -> chrono::NaiveDate {
    #[cfg(feature = "hydrate")]
    {
        let now = js_sys::Date::now();
        if let Some(t) = chrono::DateTime::from_timestamp_millis(now as i64) {
            return rules::clock::shanghai_date(t);
        }
    }
    chrono::NaiveDate::MAX
}
