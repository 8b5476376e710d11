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

/// Who is signed in, as the header says it: the resident, and a staff member's name.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SignedIn {
    pub resident: Option<ResidentView>,
    pub staff_name: Option<String>,
}

/// Who is signed in on this browser (a resident, a staff member, both or neither).
#[server(prefix = "/api", endpoint = "account/whoami")]
pub async fn whoami() -> AppResult<SignedIn> {
    let resident = crate::web::current_resident()
        .await?
        .map(crate::web::Resident::into_view);
    let staff_name = crate::web::current_staff().await?.map(|s| s.display_name);
    Ok(SignedIn {
        resident,
        staff_name,
    })
}

/// The signed-in staff member, if any.
#[server(prefix = "/api", endpoint = "staff/me")]
pub async fn staff_me() -> AppResult<Option<StaffView>> {
    crate::web::current_staff().await
}

/// Who is signed in, fetched once per navigation and shared by the header and the guards.
/// (The workbench's guard asks for the staff member's role itself, from its own chunk.)
#[derive(Clone, Copy)]
pub struct Session {
    pub who: Resource<AppResult<SignedIn>>,
}

/// Puts the [`Session`] into context, refetched whenever the path changes (sign-in and
/// sign-out change it).
#[component]
pub fn SessionProvider(children: Children) -> impl IntoView {
    let location = use_location();
    // Without a session cookie this answers at once, without a lookup.
    let who = Resource::new(move || location.pathname.get(), |_| whoami());
    provide_context(Session { who });
    children()
}
