//! Refuses input holding a NUL character (U+0000) with 400 before any handler sees it.
//!
//! No form of this app can produce one, and PostgreSQL cannot take one in a text value: binding
//! it fails the whole statement (`invalid byte sequence for encoding "UTF8": 0x00`, SQLSTATE
//! 22021), which would be a 500 on PostgreSQL where SQLite merely finds no match. Refusing it
//! at the door gives every engine, and every form, the same 4xx answer.

use app::error::AppError;
use axum::{body::Body, extract::Request, middleware::Next, response::Response};
use http::{header, StatusCode};

/// The middleware: the URI (path and query), then the body of a form or JSON request.
pub async fn refuse_nul(req: Request, next: Next) -> Response {
    if has_encoded_nul(req.uri().path().as_bytes())
        || req
            .uri()
            .query()
            .is_some_and(|q| has_encoded_nul(q.as_bytes()))
    {
        return bad_request();
    }
    let kind = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    let json = kind.contains("json");
    let form = kind.is_empty() || kind.starts_with("application/x-www-form-urlencoded");
    if !json && !form {
        return next.run(req).await;
    }
    let (parts, body) = req.into_parts();
    // The body limit layer outside this one bounds what is read here.
    let bytes = match axum::body::to_bytes(body, usize::MAX).await {
        Ok(b) => b,
        Err(_) => {
            let mut res = Response::new(Body::empty());
            *res.status_mut() = StatusCode::PAYLOAD_TOO_LARGE;
            return res;
        }
    };
    let nul =
        bytes.contains(&0) || (form && has_encoded_nul(&bytes)) || (json && has_json_nul(&bytes));
    if nul {
        return bad_request();
    }
    next.run(Request::from_parts(parts, Body::from(bytes)))
        .await
}

fn bad_request() -> Response {
    let body = serde_json::to_string(&AppError::BadRequest).unwrap_or_default();
    let mut res = Response::new(Body::from(body));
    *res.status_mut() = StatusCode::BAD_REQUEST;
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        header::HeaderValue::from_static("application/json"),
    );
    res
}

/// `%00` in percent-encoded text (`%2500` is the text "%00", not a NUL).
fn has_encoded_nul(s: &[u8]) -> bool {
    s.contains(&0) || s.windows(3).any(|w| w == b"%00")
}

/// `\u0000` in JSON text (not preceded by another backslash, which would make it the text).
fn has_json_nul(s: &[u8]) -> bool {
    s.windows(6).enumerate().any(|(i, w)| {
        w.eq_ignore_ascii_case(b"\\u0000") && {
            let backslashes = s[..i].iter().rev().take_while(|b| **b == b'\\').count();
            backslashes % 2 == 0
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nul_is_found_where_it_is_a_nul_and_only_there() {
        assert!(has_encoded_nul(b"a=%00"));
        assert!(has_encoded_nul(b"a=x%00y&b=1"));
        assert!(!has_encoded_nul(b"a=%2500"));
        assert!(!has_encoded_nul(b"a=%20%30%30"));
        assert!(has_json_nul(br#"{"a":"\u0000"}"#));
        assert!(!has_json_nul(br#"{"a":"\\u0000"}"#));
        assert!(has_json_nul(br#"{"a":"\\\u0000"}"#));
        assert!(!has_json_nul(br#"{"a":"u0000"}"#));
    }
}
