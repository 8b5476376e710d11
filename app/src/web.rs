//! (ssr) The request-side plumbing server functions and pages share: cookies, the caller's
//! address, who is signed in, and keeping what a no-JavaScript form typed after an error.
//!
//! This is the sign-in layer: [`Resident`] and [`Staff`] — the principals every desk takes —
//! can only be made here, from a live session, so a desk cannot be called for someone who did
//! not sign in.

use crate::{
    desk::{platform, DeskResult},
    error::{AppError, AppResult},
    identity::{ResidentView, Role, StaffView},
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
    let secure = platform().is_ok_and(|p| p.secure_cookies);
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

/// Looks sessions up: the accounts and staff desks implement it (server), and the sign-in
/// layer alone turns what it finds into a principal.
#[async_trait::async_trait]
pub trait Sessions: Send + Sync {
    async fn resident_session(&self, token: &str) -> DeskResult<Option<ResidentView>>;
    async fn staff_session(&self, token: &str) -> DeskResult<Option<StaffView>>;
}

/// A signed-in resident: proof that the request carried a live resident session. Made only by
/// the sign-in layer ([`require_resident`], [`resident_from_token`]).
#[derive(Debug, Clone)]
pub struct Resident(ResidentView);

impl Resident {
    pub fn id(&self) -> &str {
        &self.0.id
    }

    pub fn view(&self) -> &ResidentView {
        &self.0
    }

    pub fn into_view(self) -> ResidentView {
        self.0
    }

    /// Bound to a real name (实名): the services that need it refuse otherwise.
    pub fn is_real_name_bound(&self) -> bool {
        self.0.real_name.is_some()
    }
}

/// A signed-in staff member and the address the request came from: who an audited action is
/// by. Made only by the sign-in layer ([`require_staff`]).
#[derive(Debug, Clone)]
pub struct Staff {
    view: StaffView,
    client: String,
}

impl Staff {
    pub fn id(&self) -> &str {
        &self.view.id
    }

    pub fn username(&self) -> &str {
        &self.view.username
    }

    pub fn role(&self) -> Role {
        self.view.role
    }

    /// The unit the staff member is scoped to.
    pub fn unit_id(&self) -> &str {
        &self.view.unit.id
    }

    pub fn view(&self) -> &StaffView {
        &self.view
    }

    /// The caller's address, for the audit log.
    pub fn client(&self) -> &str {
        &self.client
    }

    /// The staff member if they hold `role`, else `Forbidden`.
    pub fn with_role(self, role: Role) -> AppResult<Self> {
        if self.view.role == role {
            Ok(self)
        } else {
            Err(AppError::Forbidden)
        }
    }
}

fn sessions() -> AppResult<std::sync::Arc<dyn Sessions>> {
    crate::desk::desk::<dyn Sessions>()
}

/// The signed-in resident, or `SignInRequired`.
pub async fn require_resident() -> AppResult<Resident> {
    current_resident().await?.ok_or(AppError::SignInRequired)
}

/// The signed-in resident, if any.
pub async fn current_resident() -> AppResult<Option<Resident>> {
    match cookie(RESIDENT_COOKIE) {
        Some(token) => Ok(resident_from_token(&*sessions()?, &token).await?),
        None => Ok(None),
    }
}

/// The resident behind a session token (for routes outside the server functions, such as the
/// calendar files).
pub async fn resident_from_token(
    sessions: &dyn Sessions,
    token: &str,
) -> DeskResult<Option<Resident>> {
    Ok(sessions.resident_session(token).await?.map(Resident))
}

/// The staff member behind a session token, with the caller's address (for routes outside the
/// server functions, such as the payment batch download).
pub async fn staff_from_token(
    sessions: &dyn Sessions,
    token: &str,
    client: &str,
) -> DeskResult<Option<Staff>> {
    Ok(sessions.staff_session(token).await?.map(|view| Staff {
        view,
        client: client.to_owned(),
    }))
}

/// The signed-in staff member, or `SignInRequired` / `Forbidden` (a resident is not staff).
pub async fn require_staff() -> AppResult<Staff> {
    match current_staff().await? {
        Some(s) => Ok(Staff {
            view: s,
            client: client_addr(),
        }),
        None if cookie(RESIDENT_COOKIE).is_some() => Err(AppError::Forbidden),
        None => Err(AppError::SignInRequired),
    }
}

/// The signed-in staff member's view, if any (what the pages show; acting needs [`require_staff`]).
pub async fn current_staff() -> AppResult<Option<StaffView>> {
    match cookie(STAFF_COOKIE) {
        Some(token) => Ok(sessions()?.staff_session(&token).await?),
        None => Ok(None),
    }
}

/// A new idempotency key for a command form: unique per render (a process-wide counter, the
/// clock and the process id); it is not a secret. A resubmitted form carries the same key.
pub fn new_idempotency_key() -> AppResult<String> {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    let now = platform()?.clock.now().timestamp_micros();
    Ok(format!(
        "{now:x}-{:x}-{:x}",
        N.fetch_add(1, Ordering::Relaxed),
        std::process::id()
    ))
}

/// An idempotency key as a form sent it: 1–64 printable characters.
pub fn checked_key(key: &str) -> AppResult<String> {
    let key = key.trim();
    if key.is_empty() || key.len() > 64 || !key.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(AppError::BadRequest);
    }
    Ok(key.to_owned())
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
    if result.is_err() {
        keep_typed(form, values);
    }
    result
}

/// Keeps values of a form posted without JavaScript for the page shown after the redirect
/// (read once with [`typed_values`]): what was typed before an error, or what a search asked
/// for. Nothing is kept for a post made by the hydrated page (it has the answer itself).
pub fn keep_typed(form: &str, values: &[(&str, &str)]) {
    if is_plain_form_post() {
        let map: BTreeMap<&str, &str> = values.iter().copied().collect();
        let payload = serde_json::json!({ "form": form, "values": map }).to_string();
        set_cookie(ECHO_COOKIE, &hex::encode(payload), 120, true);
    }
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
