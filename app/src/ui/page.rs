//! Page frame and the sign-in guards.

use crate::{
    i18n::use_texts,
    identity::{ResidentView, StaffView},
    session::Session,
};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{components::Redirect, hooks::use_location};

/// The main region of a page, with its one `h1` and the document title.
#[component]
pub fn Page(
    /// The page heading, also used as the document title.
    title: String,
    children: Children,
) -> impl IntoView {
    let t = use_texts();
    let doc_title = format!("{title} - {}", t.common.app_name);
    view! {
        <Title text=doc_title />
        <main id="main" class="mz-page" tabindex="-1">
            <h1 class="mz-page__title">{title}</h1>
            {children()}
        </main>
    }
}

fn here() -> String {
    let loc = use_location();
    let path = loc.pathname.get_untracked();
    let search = loc.search.get_untracked();
    if search.is_empty() {
        path
    } else {
        format!("{path}?{search}")
    }
}

/// Renders `view` with the signed-in resident, or sends the visitor to sign in and back.
#[component]
pub fn RequireResident<F, V>(view: F) -> impl IntoView
where
    F: Fn(ResidentView) -> V + Clone + Send + Sync + 'static,
    V: IntoView + 'static,
{
    let session = expect_context::<Session>();
    let next = here();
    view! {
        <Suspense>
            {move || {
                let view = view.clone();
                let next = next.clone();
                Suspend::new(async move {
                    match session.who.await.map(|w| w.resident) {
                        Ok(Some(r)) => view(r).into_any(),
                        Ok(None) => {
                            let path = format!("/signin?next={}", super::urlencode(&next));
                            view! { <Redirect path=path /> }.into_any()
                        }
                        Err(e) => view! { <p class="mz-alert" role="alert">{e.message(use_texts())}</p> }.into_any(),
                    }
                })
            }}
        </Suspense>
    }
}

/// Renders `view` with the signed-in staff member; residents get a 403 page, visitors the staff sign-in.
#[component]
pub fn RequireStaff<F, V>(view: F) -> impl IntoView
where
    F: Fn(StaffView) -> V + Clone + Send + Sync + 'static,
    V: IntoView + 'static,
{
    let session = expect_context::<Session>();
    let staff = Resource::new(|| (), |_| crate::session::staff_me());
    let next = here();
    view! {
        <Suspense>
            {move || {
                let view = view.clone();
                let next = next.clone();
                Suspend::new(async move {
                    match staff.await {
                        Ok(Some(s)) => view(s).into_any(),
                        Ok(None) => {
                            if matches!(session.who.await, Ok(w) if w.resident.is_some()) {
                                view! { <Forbidden /> }.into_any()
                            } else {
                                let path = format!("/staff/signin?next={}", super::urlencode(&next));
                                view! { <Redirect path=path /> }.into_any()
                            }
                        }
                        Err(e) => view! { <p class="mz-alert" role="alert">{e.message(use_texts())}</p> }.into_any(),
                    }
                })
            }}
        </Suspense>
    }
}

/// Sets the response status while rendering on the server.
pub fn set_status(_code: u16) {
    #[cfg(feature = "ssr")]
    if let Some(res) = use_context::<leptos_axum::ResponseOptions>() {
        res.set_status(http::StatusCode::from_u16(_code).unwrap_or(http::StatusCode::OK));
    }
}

/// The real 404 page (status 404).
#[component]
pub fn NotFound() -> impl IntoView {
    set_status(404);
    let t = use_texts();
    view! {
        <Page title=t.common.not_found_title.to_string()>
            <p>{t.common.not_found_body}</p>
            <p><a class="mz-button" href="/">{t.common.back_home}</a></p>
        </Page>
    }
}

/// The page a signed-in person sees where their role does not reach (status 403).
#[component]
pub fn Forbidden() -> impl IntoView {
    set_status(403);
    let t = use_texts();
    view! {
        <Page title=t.common.forbidden_title.to_string()>
            <p>{t.errors.forbidden}</p>
            <p><a class="mz-button" href="/">{t.common.back_home}</a></p>
        </Page>
    }
}
