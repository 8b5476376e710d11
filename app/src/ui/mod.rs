//! Shared components. Class names carry the `mz-` prefix.

mod field;
mod page;

pub use field::{field_error, form_error, format_time, iso_time, typed, Field, FormError};
pub use page::{set_status, Forbidden, NotFound, Page, RequireResident, RequireStaff};

/// Declares a lazily loaded route for a page component: with `cargo leptos build --split` its
/// code goes into a separate WASM chunk fetched when the page is first visited, so the home
/// page a phone opens first does not carry the whole app.
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
                view! { <$page /> }.into_any()
            }
        }
    };
}
