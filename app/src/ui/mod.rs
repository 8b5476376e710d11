//! Shared components. Class names carry the `mz-` prefix.

mod field;
pub mod format;
mod page;

pub use field::{field_error, form_error, typed, Field, FormError};
pub use page::{set_status, Forbidden, NotFound, Page, RequireResident, RequireStaff};

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

/// Declares a lazily loaded route for a page component: with `cargo leptos build --split` its
/// code goes into a separate WASM chunk fetched when the page is first visited, so the home
/// page a phone opens first does not carry the whole app. The page's service registers what
/// it needs first (`super::on_page()`: its refusals' texts), from inside the chunk.
#[macro_export]
macro_rules! lazy_page {
    ($route:ident, $page:ident) => {
        #[derive(Clone, Copy)]
        pub struct $route;

        #[lazy_route]
        impl LazyRoute for $route {
            fn data() -> Self {
                Self
            }

            fn view(_this: Self) -> AnyView {
                super::on_page();
                view! { <$page /> }.into_any()
            }
        }
    };
}
