//! Content-Security-Policy: every HTML answer allows only the scripts that carry a nonce drawn
//! fresh for that answer, and what those scripts load themselves (`'strict-dynamic'`: the app's
//! JS module and, on first visit of a page, its lazily loaded WASM chunk, fetched by `import()`).
//!
//! [`content_security_policy`] draws the nonce before the page is rendered and puts it in the
//! request; [`provide_request_nonce`], run in the app's context, hands that same nonce to
//! Leptos, which writes it on its hydration scripts and on every inline script it streams. The
//! header is set on the way out, on HTML answers only.
//!
//! The app has no inline event handler, inline script or `style=` attribute of its own, so
//! neither `script-src` nor `style-src` needs `'unsafe-inline'`; styles come from `/pkg` only.

use axum::{extract::Request, middleware::Next, response::Response};
use http::{header, request::Parts, HeaderValue};
use leptos::{nonce::Nonce, prelude::*};

/// The policy for an HTML answer whose scripts carry `nonce`.
pub fn policy(nonce: &str) -> String {
    format!(
        "default-src 'self'; \
         script-src 'nonce-{nonce}' 'strict-dynamic' 'wasm-unsafe-eval'; \
         style-src 'self'; \
         img-src 'self'; \
         object-src 'none'; \
         base-uri 'none'; \
         frame-ancestors 'none'; \
         form-action 'self'"
    )
}

/// Draws a nonce for the request and sets the policy with it on an HTML answer.
pub async fn content_security_policy(mut req: Request, next: Next) -> Response {
    let nonce = Nonce::new();
    req.extensions_mut().insert(nonce.clone());
    let mut res = next.run(req).await;
    let is_html = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    if is_html {
        if let Ok(v) = HeaderValue::from_str(&policy(&nonce)) {
            res.headers_mut().insert(header::CONTENT_SECURITY_POLICY, v);
        }
    }
    res
}

/// In the app's context (pages and server functions): the request's nonce replaces the one
/// Leptos drew itself, so the scripts carry the nonce the header names.
pub fn provide_request_nonce() {
    if let Some(nonce) = use_context::<Parts>().and_then(|p| p.extensions.get::<Nonce>().cloned()) {
        provide_context(nonce);
    }
}
