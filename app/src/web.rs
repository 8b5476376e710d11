//! (ssr) The request-side plumbing server functions and pages share: cookies, the caller's
//! address, who is signed in, and keeping what a no-JavaScript form typed after an error.

use crate::{
    account::model::ResidentView,
    desk::backend,
    error::{AppError, AppResult},
    staff::model::StaffView,
};
use axum_extra::extract::cookie::Cookie;
use http::{header, request::Parts, HeaderValue};
use leptos::prelude::*;
use leptos_axum::ResponseOptions;
use std::collections::BTreeMap;

/// Cookie of a resident's session.
pub const RESIDENT_COOKIE: &str = "mz_session";
/// Cookie of a staff member's session (kept apart so a resident cookie never opens the workbench).
pub const STAFF_COOKIE: &str = "mz_staff";
/// Cookie naming the open sign-in challenge of this browser (the phone number never leaves the server).
pub const CHALLENGE_COOKIE: &str = "mz_signin";
/// Cookie holding what a no-JavaScript form typed, for the one page view after an error.
pub const ECHO_COOKIE: &str = "mz_echo";

/// The caller's network address, as the server decided it (see `server/src/lib.rs`).
#[derive(Debug, Clone)]
pub struct ClientAddr(pub String);

fn parts() -> Option<Parts> {
    use_context::<Parts>()
}

/// The value of a request cookie.
pub fn cookie(name: &str) -> Option<String> {
    let parts = parts()?;
    parts
        .headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(Cookie::split_parse)
        .filter_map(Result::ok)
        .find(|c| c.name() == name)
        .map(|c| c.value().to_owned())
}

/// Adds a `Set-Cookie` to the response. `max_age` in seconds; 0 deletes the cookie.
pub fn set_cookie(name: &str, value: &str, max_age: i64, http_only: bool) {
    let secure = use_context::<crate::desk::Backend>().is_some_and(|b| b.secure_cookies);
    // Values are tokens, hex or language tags: nothing that needs quoting.
    let mut c = format!("{name}={value}; Path=/; Max-Age={max_age}; SameSite=Lax");
    if http_only {
        c.push_str("; HttpOnly");
    }
    if secure {
        c.push_str("; Secure");
    }
    if let (Some(res), Ok(v)) = (use_context::<ResponseOptions>(), HeaderValue::from_str(&c)) {
        res.append_header(header::SET_COOKIE, v);
    }
}

/// The caller's address, for per-address limits.
pub fn client_addr() -> String {
    parts()
        .and_then(|p| p.extensions.get::<ClientAddr>().cloned())
        .map(|c| c.0)
        .unwrap_or_else(|| "unknown".into())
}

/// Whether this is a plain browser form post (no JavaScript): it will be redirected back.
pub fn is_plain_form_post() -> bool {
    parts()
        .and_then(|p| {
            p.headers
                .get(header::ACCEPT)
                .and_then(|v| v.to_str().ok())
                .map(|v| v.contains("text/html"))
        })
        .unwrap_or(false)
}

/// The signed-in resident, or `SignInRequired`.
pub async fn require_resident() -> AppResult<ResidentView> {
    current_resident().await?.ok_or(AppError::SignInRequired)
}

/// The signed-in resident, if any.
pub async fn current_resident() -> AppResult<Option<ResidentView>> {
    match cookie(RESIDENT_COOKIE) {
        Some(token) => Ok(backend()?.accounts.resident_session(&token).await?),
        None => Ok(None),
    }
}

/// The signed-in staff member, or `SignInRequired` / `Forbidden` (a resident is not staff).
pub async fn require_staff() -> AppResult<StaffView> {
    match current_staff().await? {
        Some(s) => Ok(s),
        None if cookie(RESIDENT_COOKIE).is_some() => Err(AppError::Forbidden),
        None => Err(AppError::SignInRequired),
    }
}

/// The signed-in staff member, if any.
pub async fn current_staff() -> AppResult<Option<StaffView>> {
    match cookie(STAFF_COOKIE) {
        Some(token) => Ok(backend()?.staff.staff_session(&token).await?),
        None => Ok(None),
    }
}

/// Runs a form's server-side work; if it fails and the form was posted without JavaScript,
/// keeps what was typed in a short-lived HttpOnly cookie so the page shown after the redirect
/// can fill the fields in again. Values never go into the URL (leptos puts only the error there).
pub async fn keeping_typed<T>(
    form: &str,
    values: &[(&str, &str)],
    work: impl std::future::Future<Output = AppResult<T>>,
) -> AppResult<T> {
    let result = work.await;
    if result.is_err() && is_plain_form_post() {
        let map: BTreeMap<&str, &str> = values.iter().copied().collect();
        let payload = serde_json::json!({ "form": form, "values": map }).to_string();
        set_cookie(ECHO_COOKIE, &hex::encode(payload), 120, true);
    }
    result
}

/// What a no-JavaScript form typed before its error, read once while rendering the page.
pub fn typed_values(form: &str) -> BTreeMap<String, String> {
    let Some(raw) = cookie(ECHO_COOKIE) else {
        return BTreeMap::new();
    };
    let parsed = hex::decode(raw)
        .ok()
        .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok());
    let Some(v) = parsed else {
        return BTreeMap::new();
    };
    if v.get("form").and_then(|f| f.as_str()) != Some(form) {
        return BTreeMap::new();
    }
    // Shown once: the next page view starts clean.
    set_cookie(ECHO_COOKIE, "", 0, true);
    v.get("values")
        .and_then(|m| m.as_object())
        .map(|m| {
            m.iter()
                .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_owned())))
                .collect()
        })
        .unwrap_or_default()
}
