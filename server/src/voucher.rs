//! `GET /marriage/booking/{id}/voucher.ics` (and `/divorce/appointment/{id}/voucher.ics`): the
//! appointment as a calendar file, for the two parties only; `GET /divorce/case/{id}/dates.ics`:
//! both edges of a divorce case. Plain routes rather than server functions, because a calendar
//! app wants a file with its own media type, not JSON. Divorce files have neutral titles.

use app::{
    desk::Backend, divorce::model::case_ics, i18n::ZH_CN, marriage::model::ics,
    web::RESIDENT_COOKIE,
};
use axum::{
    extract::{Path, State},
    response::{IntoResponse, Response},
};
use axum_extra::extract::CookieJar;
use http::{header, StatusCode};

/// The signed-in resident, or the response that says why not.
async fn resident(backend: &Backend, jar: &CookieJar) -> Result<String, Response> {
    let Some(token) = jar.get(RESIDENT_COOKIE).map(|c| c.value().to_owned()) else {
        return Err(StatusCode::UNAUTHORIZED.into_response());
    };
    match backend.accounts.resident_session(&token).await {
        Ok(Some(r)) => Ok(r.id),
        Ok(None) => Err(StatusCode::UNAUTHORIZED.into_response()),
        Err(e) => Err(failed(e)),
    }
}

fn calendar_file(body: String, name: &'static str) -> Response {
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

pub async fn voucher_ics(
    State(backend): State<Backend>,
    Path(id): Path<String>,
    jar: CookieJar,
) -> Response {
    let me = match resident(&backend, &jar).await {
        Ok(me) => me,
        Err(r) => return r,
    };
    match backend.marriage.voucher(&me, &id).await {
        Ok(v) => {
            let discreet = v.booking.purpose.is_discreet();
            let summary = if discreet {
                "民政一件事 预约"
            } else {
                ZH_CN.marriage.title
            };
            let body = ics(
                &v.booking,
                &v.office,
                summary,
                backend.clock.now().timestamp(),
            );
            calendar_file(
                body,
                if discreet {
                    "appointment.ics"
                } else {
                    "marriage-appointment.ics"
                },
            )
        }
        Err(e) => failed(e),
    }
}

pub async fn case_dates_ics(
    State(backend): State<Backend>,
    Path(id): Path<String>,
    jar: CookieJar,
) -> Response {
    let me = match resident(&backend, &jar).await {
        Ok(me) => me,
        Err(r) => return r,
    };
    match backend.divorce.my_cases(&me).await {
        Ok(cases) => match cases.iter().find(|c| c.id == id) {
            Some(c) => calendar_file(case_ics(c, backend.clock.now().timestamp()), "dates.ics"),
            None => StatusCode::NOT_FOUND.into_response(),
        },
        Err(e) => failed(e),
    }
}

fn failed(e: app::desk::DeskError) -> Response {
    let e: app::error::AppError = e.into();
    StatusCode::from_u16(e.status())
        .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
        .into_response()
}
