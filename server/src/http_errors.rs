//! HTTP status codes for server-function errors, the body and time limits every request
//! meets, and the last line of defence against panics.
//!
//! Leptos answers every failed server function with 500. A client that sent a malformed body,
//! or that is not allowed, must get a 4xx instead; [`api_status`] reads the typed `AppError`
//! from the body and sets its status. Browser form posts are redirects and pass untouched.
//!
//! [`body_and_time_limits`] answers every request, whatever the client does: a body over the
//! limit gets 413 whether it declared its length or came chunked, a body that does not arrive
//! in time gets 408, and a request the server cannot finish in time gets 503. Pages get a short
//! page in Chinese and English, server functions the `AppError` JSON their callers read.

use app::error::AppError;
use axum::{
    body::{Body, Bytes, HttpBody},
    extract::Request,
    middleware::Next,
    response::Response,
};
use http::{header, HeaderValue, StatusCode};
use std::{future::poll_fn, pin::Pin, time::Duration};
use tokio::time::{timeout_at, Instant};

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

/// Where uploads are posted: the only paths with the larger body limit.
pub const UPLOADS: &str = "/upload/";

/// The limits of [`body_and_time_limits`].
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Largest request body, in bytes (`MAX_BODY_BYTES`).
    pub max_body_bytes: usize,
    /// Largest body of an upload (a path under [`UPLOADS`]): the document and its small form.
    pub upload_body_bytes: usize,
    /// Longest time from a request's arrival to the head of its answer (`REQUEST_TIMEOUT_SECS`).
    pub timeout: Duration,
}

/// How much of a refused chunked body is still read (and thrown away) before the 413, so the
/// client, still sending, gets to read the answer: a server that closes a connection with
/// unread bytes in it resets it, and the client's system may drop the answer with it. Past
/// these, the answer goes out anyway and the connection is closed.
const DRAIN_BYTES: usize = 1 << 20;
const DRAIN_TIME: Duration = Duration::from_secs(5);

/// Reads the request body first, up to the limit and within the time allowed, then runs the
/// request with what is left of that time.
///
/// A body that declares a length over the limit is refused at once. A chunked body (no
/// `Content-Length`) is read up to the limit; one byte more and it is refused with the same
/// 413, after reading what is left of it (see [`DRAIN_BYTES`]). Before this, such a body
/// reached the server function, which failed to read it: 400, or a reset connection and no
/// answer at all when the client was still sending. Server-function bodies are small forms, so
/// holding one in memory costs at most `max_body_bytes`.
pub async fn body_and_time_limits(limits: Limits, req: Request, next: Next) -> Response {
    let deadline = Instant::now() + limits.timeout;
    let wants = Wants::of(&req);
    let (mut parts, mut body) = req.into_parts();
    let limit = if parts.uri.path().starts_with(UPLOADS) {
        limits.upload_body_bytes
    } else {
        limits.max_body_bytes
    };
    let declared = parts
        .headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        return too_large(wants, true);
    }
    let body = if body.is_end_stream() {
        body
    } else {
        match timeout_at(deadline, read_body(&mut body, limit)).await {
            Err(_) => {
                tracing::warn!(method = %parts.method, path = parts.uri.path(), "request body not received in time");
                return answer(wants, Answer::BodyTimedOut);
            }
            Ok(ReadBody::Complete(bytes)) => {
                parts.headers.remove(header::TRANSFER_ENCODING);
                parts
                    .headers
                    .insert(header::CONTENT_LENGTH, HeaderValue::from(bytes.len()));
                Body::from(bytes)
            }
            Ok(ReadBody::TooLarge) => {
                let drain_until = deadline.min(Instant::now() + DRAIN_TIME);
                let drained = timeout_at(drain_until, drain(&mut body, DRAIN_BYTES))
                    .await
                    .unwrap_or(false);
                return too_large(wants, !drained);
            }
            Ok(ReadBody::Broken) => return answer(wants, Answer::BodyBroken),
        }
    };
    let (method, path) = (parts.method.clone(), parts.uri.path().to_owned());
    match timeout_at(deadline, next.run(Request::from_parts(parts, body))).await {
        Ok(res) => res,
        Err(_) => {
            tracing::warn!(%method, path, "request timed out");
            answer(wants, Answer::TimedOut)
        }
    }
}

enum ReadBody {
    Complete(Bytes),
    TooLarge,
    /// The client broke the framing or went away.
    Broken,
}

/// The next data frame of `body` (trailers are skipped).
async fn next_data(body: &mut Body) -> Option<Result<Bytes, axum::Error>> {
    loop {
        match poll_fn(|cx| Pin::new(&mut *body).poll_frame(cx)).await? {
            Ok(frame) => {
                if let Ok(data) = frame.into_data() {
                    return Some(Ok(data));
                }
            }
            Err(e) => return Some(Err(e)),
        }
    }
}

async fn read_body(body: &mut Body, max: usize) -> ReadBody {
    let mut buf = Vec::new();
    while let Some(data) = next_data(body).await {
        match data {
            Ok(data) if buf.len() + data.len() > max => return ReadBody::TooLarge,
            Ok(data) => buf.extend_from_slice(&data),
            Err(_) => return ReadBody::Broken,
        }
    }
    ReadBody::Complete(buf.into())
}

/// Reads and drops the rest of `body`, up to `max` bytes; true if it ended.
async fn drain(body: &mut Body, max: usize) -> bool {
    let mut seen = 0usize;
    while let Some(data) = next_data(body).await {
        match data {
            Ok(data) => {
                seen += data.len();
                if seen > max {
                    return false;
                }
            }
            Err(_) => return false,
        }
    }
    true
}

/// What kind of answer the caller can read: a page for a browser, the `AppError` JSON for a
/// server-function call, plain text otherwise.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Wants {
    Page,
    Json,
    Text,
}

impl Wants {
    fn of(req: &Request) -> Self {
        let accept = req
            .headers()
            .get(header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        if accept.contains("text/html") {
            Self::Page
        } else if req.uri().path().starts_with("/api/") {
            Self::Json
        } else {
            Self::Text
        }
    }
}

#[derive(Debug, Clone, Copy)]
enum Answer {
    TooLarge,
    BodyTimedOut,
    BodyBroken,
    TimedOut,
}

fn too_large(wants: Wants, close: bool) -> Response {
    let mut res = answer(wants, Answer::TooLarge);
    if close {
        res.headers_mut()
            .insert(header::CONNECTION, HeaderValue::from_static("close"));
    }
    res
}

fn answer(wants: Wants, what: Answer) -> Response {
    let (status, error, zh, en) = match what {
        Answer::TooLarge => (
            StatusCode::PAYLOAD_TOO_LARGE,
            AppError::BadRequest,
            ("提交的内容太大", "这次提交的内容超过了允许的大小，没有被处理。"),
            ("Too much was sent", "What was sent is larger than allowed, so it was not processed."),
        ),
        Answer::BodyTimedOut => (
            StatusCode::REQUEST_TIMEOUT,
            AppError::BadRequest,
            ("请求没有及时送达", "您提交的内容没有及时传到服务器，可能是网络太慢。请检查网络后再试一次。"),
            ("The request did not arrive in time", "What you sent did not reach the server in time; the network may be slow. Please check it and try again."),
        ),
        Answer::BodyBroken => (
            StatusCode::BAD_REQUEST,
            AppError::BadRequest,
            ("请求不完整", "您提交的内容没有完整传到服务器。请再试一次。"),
            ("The request was incomplete", "What you sent did not reach the server whole. Please try again."),
        ),
        Answer::TimedOut => (
            StatusCode::SERVICE_UNAVAILABLE,
            AppError::Internal,
            ("服务器暂时忙不过来", "服务器没能及时处理这次请求。请稍后再试；如果刚才是在提交，请先查看是否已经成功，再决定是否重新提交。"),
            ("The server is busy", "The server could not finish this request in time. Please try again shortly; if you were submitting something, check first whether it went through."),
        ),
    };
    let (content_type, body) = match wants {
        Wants::Page => ("text/html; charset=utf-8", small_page(zh, en)),
        Wants::Json => (
            "application/json",
            serde_json::to_string(&error).unwrap_or_default(),
        ),
        Wants::Text => ("text/plain; charset=utf-8", format!("{}\n{}\n", zh.0, en.0)),
    };
    let mut res = Response::new(Body::from(body));
    *res.status_mut() = status;
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    match what {
        Answer::TimedOut => {
            h.insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
        }
        Answer::BodyTimedOut | Answer::BodyBroken => {
            h.insert(header::CONNECTION, HeaderValue::from_static("close"));
        }
        Answer::TooLarge => {}
    }
    res
}

/// A page that needs nothing else: no script, no style, no other file.
fn small_page(zh: (&str, &str), en: (&str, &str)) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{} · {}</title></head><body><main>\
         <h1>{}</h1><p>{}</p>\
         <h2 lang=\"en\">{}</h2><p lang=\"en\">{}</p>\
         <p><a href=\"/\">返回首页</a> · <a href=\"/\" lang=\"en\">Home</a></p>\
         </main></body></html>\n",
        zh.0, en.0, zh.0, zh.1, en.0, en.1
    )
}
