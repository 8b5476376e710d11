//! Calendar files (`.ics`) as plain routes rather than server functions, because a calendar
//! app wants a file with its own media type, not JSON: an appointment's voucher, for its two
//! parties only, and whatever else a service offers (a divorce case's two edges). A discreet
//! purpose's files have neutral titles. Each service registers its own routes.

use crate::desks::appointments::SqlAppointments;
use app::{
    appointments::{desk::AppointmentDesk, ics::ics},
    desk::DeskError,
    i18n::ZH_CN,
    rules::clock::Clock,
    web::{resident_from_token, Resident, Sessions, RESIDENT_COOKIE},
};
use axum::{
    extract::{Path, State},
    response::{IntoResponse, Response},
    routing::get,
    Router,
};
use axum_extra::extract::CookieJar;
use http::{header, StatusCode};
use std::sync::Arc;

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

/// A calendar file download.
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
pub fn failed(e: DeskError) -> Response {
    let e: app::error::AppError = e.into();
    StatusCode::from_u16(e.status())
        .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
        .into_response()
}

#[derive(Clone)]
struct VoucherFiles {
    desk: Arc<SqlAppointments>,
    sessions: Arc<dyn Sessions>,
    clock: Arc<dyn Clock>,
}

/// `GET <page><id>/voucher.ics` for every purpose's page prefix.
pub fn voucher_routes(
    desk: Arc<SqlAppointments>,
    sessions: Arc<dyn Sessions>,
    clock: Arc<dyn Clock>,
    page_prefixes: Vec<&'static str>,
) -> Router {
    let mut router = Router::new();
    let mut seen = vec![];
    for prefix in page_prefixes {
        if seen.contains(&prefix) {
            continue;
        }
        seen.push(prefix);
        router = router.route(&format!("{prefix}{{id}}/voucher.ics"), get(voucher_ics));
    }
    router.with_state(VoucherFiles {
        desk,
        sessions,
        clock,
    })
}

async fn voucher_ics(
    State(s): State<VoucherFiles>,
    Path(id): Path<String>,
    jar: CookieJar,
) -> Response {
    let me = match resident(&*s.sessions, &jar).await {
        Ok(me) => me,
        Err(r) => return r,
    };
    match s.desk.voucher(&me, &id).await {
        Ok(v) => {
            let discreet = v.booking.discreet;
            let summary = if discreet {
                ZH_CN.appointments.calendar_neutral
            } else {
                app::catalogue::service(&v.booking.service)
                    .map(|e| (e.affair_title)(&ZH_CN))
                    .unwrap_or(ZH_CN.appointments.calendar_neutral)
            };
            let body = ics(&v.booking, &v.office, summary, s.clock.now().timestamp());
            let name = if discreet {
                "appointment.ics".to_owned()
            } else {
                format!("{}-appointment.ics", v.booking.service)
            };
            calendar_file(body, &name)
        }
        Err(e) => failed(e),
    }
}
