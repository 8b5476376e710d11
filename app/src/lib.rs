//! 民政一件事 — the Leptos app, rendered on the server and hydrated in the browser.
//!
//! Each service owns its routes, server functions, pages and texts (`marriage/`, `divorce/`,
//! …) over shared machinery (`appointments/`, `ui/`, `rules/`); `services.rs` is the one
//! place that lists them. See ARCHITECTURE.md for the map.

pub mod account;
pub mod after_death;
pub mod appointments;
#[cfg(feature = "ssr")]
pub mod catalogue;
#[cfg(feature = "ssr")]
pub mod desk;
pub mod divorce;
pub mod elders;
pub mod error;
pub mod home;
pub mod i18n;
pub mod identity;
pub mod life;
pub mod marriage;
pub mod meals;
pub mod prefs;
pub mod proxy;
pub mod rulebook;
pub mod rules;
pub mod services;
pub mod session;
pub mod staff;
pub mod timebank;
pub mod ui;
#[cfg(feature = "ssr")]
pub mod web;

use i18n::use_texts;
use leptos::prelude::*;
use leptos_meta::{provide_meta_context, HashedStylesheet, Link, Meta, MetaTags};
use leptos_router::{
    components::{Route, Router, Routes},
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
                {prefs.elder.then(|| read_aloud_script(prefs.locale))}
                <HashedStylesheet options id="leptos" root />
                <MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

/// 朗读 in elder mode: `public/read-aloud.js` adds the control to the header, only where the
/// browser can speak (so nothing to tap in vain without JavaScript or speech), and reads the
/// page's main text in its language. A plain script rather than WASM (the main module has no
/// room for it); its words travel as data attributes, so it needs no texts of its own. Only
/// the server renders the shell: none of this reaches the WASM.
fn read_aloud_script(locale: i18n::Locale) -> impl IntoView {
    let x = locale.texts().read_aloud();
    view! {
        <script src="/read-aloud.js" defer=true nonce=leptos::nonce::use_nonce()
            data-group=x.group data-read=x.read data-pause=x.pause data-resume=x.resume
            data-stop=x.stop></script>
    }
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
            <session::SessionProvider>
                <a class="mz-skip" href="#main">{t.common.skip_to_content}</a>
                <prefs::Header />
                <Routes fallback=|| view! { <ui::NotFound /> }>
                    <Route path=path!("/") view=home::HomePage ssr=SsrMode::Async />
                    <services::ServiceRoutes />
                </Routes>
                <footer class="mz-footer">
                    <p>{t.common.footer}</p>
                    <p><a href="/rules">{t.common.rules_link}</a></p>
                </footer>
            </session::SessionProvider>
        </Router>
    }
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

#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    services::init();
    // `hydrate_lazy`: some routes are lazily loaded WASM chunks (see `lazy_page!`).
    leptos::mount::hydrate_lazy(App);
}

/// Slack at the end of the WASM's read-only data. Nothing refers to it, so the splitter drops it
/// from every module it emits, and the room it leaves absorbs the alignment padding the splitter
/// adds when it hands each lazily loaded chunk its own strings; without it the splitter finds
/// the segment "overlong after relocation" and keeps every string of every page in the main
/// module (see ARCHITECTURE.md, "Texts and the first page").
#[cfg(feature = "hydrate")]
#[used]
static SPLIT_SLACK: [u8; 4096] = [0x5a; 4096];
