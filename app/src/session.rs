//! Who is signed in, as the pages see it: the resident (fetched once per navigation and shared
//! by the header and the guards) and the staff member. Every page depends on this; it depends
//! only on the sign-in layer.

use crate::{
    error::AppResult,
    identity::{ResidentView, StaffView},
};
use leptos::prelude::*;
use leptos_router::hooks::use_location;

/// The signed-in resident, if any.
#[server(prefix = "/api", endpoint = "account/me")]
pub async fn me() -> AppResult<Option<ResidentView>> {
    Ok(crate::web::current_resident()
        .await?
        .map(crate::web::Resident::into_view))
}

/// The signed-in staff member, if any.
#[server(prefix = "/api", endpoint = "staff/me")]
pub async fn staff_me() -> AppResult<Option<StaffView>> {
    crate::web::current_staff().await
}

/// Who is signed in, fetched once per navigation and shared by the header and the guards.
#[derive(Clone, Copy)]
pub struct Session {
    pub resident: Resource<AppResult<Option<ResidentView>>>,
    pub staff: Resource<AppResult<Option<StaffView>>>,
}

/// Puts the [`Session`] into context, refetched whenever the path changes (sign-in and
/// sign-out change it).
#[component]
pub fn SessionProvider(children: Children) -> impl IntoView {
    let location = use_location();
    let resident = Resource::new(move || location.pathname.get(), |_| me());
    // Without a staff cookie this answers at once, without a lookup.
    let staff = Resource::new(move || location.pathname.get(), |_| staff_me());
    provide_context(Session { resident, staff });
    children()
}
