//! HTTP status codes for server-function errors, and the last line of defence against panics.
//!
//! Leptos answers every failed server function with 500. A client that sent a malformed body,
//! or that is not allowed, must get a 4xx instead; this middleware reads the typed `AppError`
//! from the body and sets its status. Browser form posts are redirects and pass untouched.

use app::error::AppError;
use axum::{body::Body, extract::Request, middleware::Next, response::Response};
use http::{header, StatusCode};

pub async fn api_status(req: Request, next: Next) -> Response {
    let is_api = req.uri().path().starts_with("/api/");
    let res = next.run(req).await;
    if !is_api || res.status() != StatusCode::INTERNAL_SERVER_ERROR {
        return res;
    }
    let (mut parts, body) = res.into_parts();
    let bytes = match axum::body::to_bytes(body, 64 * 1024).await {
        Ok(b) => b,
        Err(_) => return Response::from_parts(parts, Body::empty()),
    };
    if let Ok(err) = serde_json::from_slice::<AppError>(&bytes) {
        parts.status =
            StatusCode::from_u16(err.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    }
    Response::from_parts(parts, Body::from(bytes))
}

/// A panic is a bug: log it and answer 500 with no detail.
pub fn panic_response(err: Box<dyn std::any::Any + Send + 'static>) -> Response {
    let detail = err
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| err.downcast_ref::<&str>().copied())
        .unwrap_or("unknown");
    tracing::error!(panic = detail, "request handler panicked");
    let mut res = Response::new(Body::from(r#"{"Internal":null}"#));
    *res.status_mut() = StatusCode::INTERNAL_SERVER_ERROR;
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        header::HeaderValue::from_static("application/json"),
    );
    res
}
