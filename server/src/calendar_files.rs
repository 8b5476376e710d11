//! Calendar files (`.ics`) as plain routes rather than server functions, because a calendar
//! app wants a file with its own media type, not JSON: an appointment's voucher, for its two
//! parties only, and whatever else a service offers (a divorce case's two edges). What every
//! such route shares is here; each service registers its own routes with its desk.

use app::{
    desk::DeskError,
    web::{
        resident_from_token, staff_from_token, ClientAddr, Resident, Sessions, Staff,
        RESIDENT_COOKIE, STAFF_COOKIE,
    },
};
use axum::response::{IntoResponse, Response};
use axum_extra::extract::CookieJar;
use http::{header, StatusCode};

/// The signed-in resident, or the response that says why not.
pub async fn resident(sessions: &dyn Sessions, jar: &CookieJar) -> Result<Resident, Response> {
    let Some(token) = jar.get(RESIDENT_COOKIE).map(|c| c.value().to_owned()) else {
        return Err(StatusCode::UNAUTHORIZED.into_response());
    };
    match resident_from_token(sessions, &token).await {
        Ok(Some(r)) => Ok(r),
        Ok(None) => Err(StatusCode::UNAUTHORIZED.into_response()),
        Err(e) => Err(failed(e)),
    }
}

/// The signed-in staff member, with the caller's address for the audit log, or the response
/// that says why not (downloads a staff page links to).
pub async fn staff(
    sessions: &dyn Sessions,
    jar: &CookieJar,
    client: Option<&ClientAddr>,
) -> Result<Staff, Response> {
    let Some(token) = jar.get(STAFF_COOKIE).map(|c| c.value().to_owned()) else {
        return Err(StatusCode::UNAUTHORIZED.into_response());
    };
    let client = client.map_or("-", |c| c.0.as_str());
    match staff_from_token(sessions, &token, client).await {
        Ok(Some(s)) => Ok(s),
        Ok(None) => Err(StatusCode::UNAUTHORIZED.into_response()),
        Err(e) => Err(failed(e)),
    }
}

/// A calendar file download.
/// The language a plain route answers in: the reader's language cookie, then the browser's
/// `Accept-Language` (as pages choose it).
pub fn locale(jar: &CookieJar, headers: &http::HeaderMap) -> app::i18n::Locale {
    let accept = headers
        .get(http::header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok());
    app::i18n::Locale::negotiate(jar.get(app::i18n::LANG_COOKIE).map(|c| c.value()), accept)
}

pub fn calendar_file(body: String, name: &str) -> Response {
    (
        [
            (
                header::CONTENT_TYPE,
                "text/calendar; charset=utf-8".to_owned(),
            ),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
            (header::CACHE_CONTROL, "private, no-store".to_owned()),
        ],
        body,
    )
        .into_response()
}

/// A desk's failure as the status a calendar app understands.
/// A download of private data (a payment batch, a settlement): never cached.
pub fn attachment(bytes: Vec<u8>, mime: &str, filename: &str) -> Response {
    (
        [
            (header::CONTENT_TYPE, mime.to_owned()),
            (header::CACHE_CONTROL, "private, no-store".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{filename}\""),
            ),
        ],
        bytes,
    )
        .into_response()
}

/// The MIME type of the spreadsheets the offices download.
pub const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

pub fn failed(e: DeskError) -> Response {
    let e: app::error::AppError = e.into();
    StatusCode::from_u16(e.status())
        .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
        .into_response()
}
