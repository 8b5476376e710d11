//! Server functions of the staff workbench. Authorization is decided by the desk on every call;
//! the pages only hide what a role cannot use.

use super::model::{AuditEntry, DeskLink, StaffSummary, Unit};
use crate::error::AppResult;
use leptos::prelude::*;
#[cfg(feature = "ssr")]
use {
    super::{
        desk::{NewStaff, StaffDesk},
        model::{check_password, parse_username, Role},
    },
    crate::{
        account::model::safe_next,
        desk::desk,
        error::{AppError, Code},
        web::{self, STAFF_COOKIE},
    },
};

#[cfg(feature = "ssr")]
fn staff() -> AppResult<std::sync::Arc<dyn StaffDesk>> {
    desk::<dyn StaffDesk>()
}

/// How long a staff session lasts: one working day.
#[cfg(feature = "ssr")]
const STAFF_SESSION_SECONDS: i64 = 12 * 3600;

/// 工作人员登录.
#[server(prefix = "/api", endpoint = "staff/sign_in")]
pub async fn staff_sign_in(username: String, password: String, next: String) -> AppResult<()> {
    web::keeping_typed("staff_signin", &[("username", &username)], async {
        if username.trim().is_empty() {
            return Err(AppError::invalid("username", Code::Required));
        }
        if password.is_empty() {
            return Err(AppError::invalid("password", Code::Required));
        }
        let s = staff()?
            .sign_in(&username, &password, &web::client_addr())
            .await?;
        web::set_cookie(STAFF_COOKIE, &s.token, STAFF_SESSION_SECONDS, true);
        let next = safe_next(&next);
        leptos_axum::redirect(if next.starts_with("/staff") {
            &next
        } else {
            "/staff"
        });
        Ok(())
    })
    .await
}

#[server(prefix = "/api", endpoint = "staff/sign_out")]
pub async fn staff_sign_out() -> AppResult<()> {
    if let Some(token) = web::cookie(STAFF_COOKIE) {
        match web::require_staff().await {
            Ok(me) => staff()?.sign_out(&me, &token).await?,
            Err(AppError::SignInRequired | AppError::Forbidden) => {}
            Err(e) => return Err(e),
        }
    }
    web::set_cookie(STAFF_COOKIE, "", 0, true);
    leptos_axum::redirect("/staff/signin");
    Ok(())
}

/// The units staff can be scoped to.
#[server(prefix = "/api", endpoint = "staff/units")]
pub async fn units() -> AppResult<Vec<Unit>> {
    web::require_staff().await?;
    Ok(staff()?.units().await?)
}

/// Staff accounts (administrators).
#[server(prefix = "/api", endpoint = "staff/list")]
pub async fn list_staff() -> AppResult<Vec<StaffSummary>> {
    let me = web::require_staff().await?;
    Ok(staff()?.list_staff(&me).await?)
}

/// Creates a staff account (administrators).
#[server(prefix = "/api", endpoint = "staff/create")]
pub async fn create_staff(
    username: String,
    display_name: String,
    password: String,
    role: String,
    unit_id: String,
) -> AppResult<StaffSummary> {
    web::keeping_typed(
        "create_staff",
        &[
            ("username", &username),
            ("display_name", &display_name),
            ("role", &role),
            ("unit_id", &unit_id),
        ],
        async {
            let me = web::require_staff().await?;
            let username =
                parse_username(&username).map_err(|c| AppError::invalid("username", c))?;
            let display_name = display_name.trim().to_owned();
            if display_name.is_empty() {
                return Err(AppError::invalid("display_name", Code::Required));
            }
            if display_name.chars().count() > 40 {
                return Err(AppError::invalid("display_name", Code::TooLong));
            }
            check_password(&password).map_err(|c| AppError::invalid("password", c))?;
            let role =
                Role::parse(&role).ok_or_else(|| AppError::invalid("role", Code::Required))?;
            if unit_id.trim().is_empty() {
                return Err(AppError::invalid("unit_id", Code::ScopeRequired));
            }
            let new = NewStaff {
                username,
                display_name,
                password,
                role,
                unit_id: unit_id.trim().to_owned(),
            };
            Ok(staff()?.create_staff(&me, new).await?)
        },
    )
    .await
}

/// 审计日志 (auditors and administrators).
#[server(prefix = "/api", endpoint = "staff/audit")]
pub async fn audit_log() -> AppResult<Vec<AuditEntry>> {
    let me = web::require_staff().await?;
    Ok(staff()?.audit_log(&me, 200).await?)
}

/// The desks the signed-in staff member works at (each service offers its own), in the
/// reader's language.
#[server(prefix = "/api", endpoint = "staff/desks")]
pub async fn desks() -> AppResult<Vec<DeskLink>> {
    let me = web::require_staff().await?;
    let t = crate::prefs::Prefs::detect().locale.texts();
    Ok(crate::catalogue::services()
        .iter()
        .flat_map(|s| s.desks.iter())
        .filter(|d| d.role == me.role())
        .map(|d| DeskLink {
            href: d.href.to_owned(),
            name: (d.name)(t).to_owned(),
            body: (d.body)(t).to_owned(),
        })
        .collect())
}

/// The notices to the signed-in staff member's unit, in the reader's language.
#[server(prefix = "/api", endpoint = "staff/notices")]
pub async fn notices() -> AppResult<Vec<super::model::UnitNotice>> {
    let me = web::require_staff().await?;
    let locale = crate::prefs::Prefs::detect().locale;
    Ok(staff()?
        .unit_notices(&me)
        .await?
        .into_iter()
        .filter_map(|m| {
            let text = crate::catalogue::notice(&m.topic, &m.params, locale)?;
            Some(super::model::UnitNotice {
                id: m.id,
                at: m.at.timestamp(),
                title: text.title,
                body: text.body,
                link: text.link,
                read: m.read,
            })
        })
        .collect())
}

/// Marks the unit's notices read.
#[server(prefix = "/api", endpoint = "staff/notices_read")]
pub async fn mark_notices_read() -> AppResult<()> {
    let me = web::require_staff().await?;
    staff()?.mark_unit_notices_read(&me).await?;
    Ok(())
}
