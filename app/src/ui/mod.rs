//! Shared components. Class names carry the `mz-` prefix.

mod field;
pub mod format;
mod page;
pub mod rule_doc;

pub use field::{field_error, form_error, typed, Field, FormError};
pub use page::{set_status, Forbidden, NotFound, Page, RequireResident, RequireStaff};

/// The text of the reader's language from a zh/en pair (names that come as data: a
/// canteen's, a department's, a policy item's).
pub fn pick<'a>(locale: crate::i18n::Locale, zh: &'a str, en: &'a str) -> &'a str {
    match locale {
        crate::i18n::Locale::ZhCn => zh,
        crate::i18n::Locale::En => en,
    }
}

/// A failed load, said in the reader's words.
pub fn error_line(
    e: crate::error::AppError,
    t: &'static crate::i18n::Texts,
) -> leptos::prelude::AnyView {
    use leptos::prelude::*;
    view! { <p class="mz-alert" role="alert">{e.message(t)}</p> }.into_any()
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

/// Today's date in Asia/Shanghai as the browser sees it, for courtesy checks only (on the
/// server, where the real check happens, a date no check refuses).
pub fn browser_today() -> chrono::NaiveDate {
    #[cfg(feature = "hydrate")]
    {
        let now = js_sys::Date::now();
        if let Some(t) = chrono::DateTime::from_timestamp_millis(now as i64) {
            return crate::rules::clock::shanghai_date(t);
        }
    }
    chrono::NaiveDate::MAX
}

/// Declares a lazily loaded route for a page component in a named WASM chunk: with
/// `cargo leptos build --split` the code of every page declared with the same chunk name goes
/// into one chunk, fetched when the first of them is visited, so the home page a phone opens
/// first does not carry the whole app and a page needs only a few requests (main, its chunk,
/// and the code its chunk shares with the others). The chunks are by audience (`signin`,
/// `resident`, `staff`): pages one person visits in one sitting travel together. The page's
/// service registers what it needs first (`super::on_page()`: its refusals' texts), from
/// inside the chunk.
///
/// Written by hand rather than with `#[lazy_route]`, which makes one chunk per route (and
/// wasm-split then one more for every set of routes sharing code: 301 files for 24 pages).
#[macro_export]
macro_rules! lazy_page {
    ($chunk:ident, $route:ident, $page:ident) => {
        #[allow(
            non_upper_case_globals,
            reason = "used as a route's view, in the manner of a component"
        )]
        pub const $route: $crate::ui::LazyPage = {
            #[cfg(feature = "hydrate")]
            #[::leptos::wasm_split::wasm_split(
                                                        $chunk,
                                                        wasm_split_path = ::leptos::wasm_split,
                                                        preload(#[doc(hidden)] preload)
                                                    )]
            #[allow(
                non_snake_case,
                reason = "named after its route, so each export is unique"
            )]
            fn $route() -> ::leptos::prelude::AnyView {
                super::on_page();
                ::leptos::prelude::IntoAny::into_any(::leptos::view! { <$page /> })
            }

            #[cfg(not(feature = "hydrate"))]
            #[allow(
                non_snake_case,
                reason = "named after its route, so each export is unique"
            )]
            async fn $route() -> ::leptos::prelude::AnyView {
                // No `prefetch_lazy_fn_on_server`: its `<link rel=preload>` of the chunk's WASM in
                // the head competes with the main module at high priority from the first byte,
                // on a page that reads and works before any WASM; the chunk is fetched when the
                // page hydrates, one round trip later (see ARCHITECTURE.md, Pages and their chunks).
                super::on_page();
                ::leptos::prelude::IntoAny::into_any(::leptos::view! { <$page /> })
            }

            #[cfg(not(feature = "hydrate"))]
            async fn preload() {}

            $crate::ui::LazyPage {
                view: || ::std::boxed::Box::pin($route()),
                // Without this the router renders the page before its chunk is there and
                // again after, during hydration.
                preload: || ::std::boxed::Box::pin(preload()),
            }
        };
    };
}

/// The view of every lazily loaded route (made by [`lazy_page!`]): one type for all of them,
/// so the router's matching and view code is compiled once rather than once per page, as
/// `Lazy<T>` (a type per page) would: 25 KB raw, 2.1 KB gzip less in the main module.
#[derive(Clone, Copy)]
pub struct LazyPage {
    pub view:
        fn() -> std::pin::Pin<Box<dyn std::future::Future<Output = leptos::prelude::AnyView>>>,
    pub preload: fn() -> std::pin::Pin<Box<dyn std::future::Future<Output = ()>>>,
}

impl leptos_router::ChooseView for LazyPage {
    async fn choose(self) -> leptos::prelude::AnyView {
        (self.view)().await
    }

    async fn preload(&self) {
        (self.preload)().await
    }
}
