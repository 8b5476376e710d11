//! `GET /marriage/booking/{id}/voucher.ics`: the appointment as a calendar file, for the two
//! parties only. A plain route rather than a server function, because a calendar app wants a
//! file with its own media type, not JSON.

use app::{desk::Backend, i18n::ZH_CN, marriage::model::ics, web::RESIDENT_COOKIE};
use axum::{
    extract::{Path, State},
    response::{IntoResponse, Response},
};
use axum_extra::extract::CookieJar;
use http::{header, StatusCode};

pub async fn voucher_ics(
    State(backend): State<Backend>,
    Path(id): Path<String>,
    jar: CookieJar,
) -> Response {
    let Some(token) = jar.get(RESIDENT_COOKIE).map(|c| c.value().to_owned()) else {
        return StatusCode::UNAUTHORIZED.into_response();
    };
    let resident = match backend.accounts.resident_session(&token).await {
        Ok(Some(r)) => r,
        Ok(None) => return StatusCode::UNAUTHORIZED.into_response(),
        Err(e) => return failed(e),
    };
    match backend.marriage.voucher(&resident.id, &id).await {
        Ok(v) => {
            let body = ics(
                &v.booking,
                &v.office,
                ZH_CN.marriage.title,
                backend.clock.now().timestamp(),
            );
            (
                [
                    (header::CONTENT_TYPE, "text/calendar; charset=utf-8"),
                    (
                        header::CONTENT_DISPOSITION,
                        "attachment; filename=\"marriage-appointment.ics\"",
                    ),
                    (header::CACHE_CONTROL, "private, no-store"),
                ],
                body,
            )
                .into_response()
        }
        Err(e) => failed(e),
    }
}

fn failed(e: app::desk::DeskError) -> Response {
    let e: app::error::AppError = e.into();
    StatusCode::from_u16(e.status())
        .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
        .into_response()
}
