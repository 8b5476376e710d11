//! Server functions of the staff workbench. Authorization is decided by the desk on every call;
//! the pages only hide what a role cannot use.

use super::model::{AuditEntry, StaffSummary, StaffView, Unit};
use crate::error::AppResult;
use leptos::prelude::*;
#[cfg(feature = "ssr")]
use {
    super::{
        desk::NewStaff,
        model::{check_password, parse_username, Role},
    },
    crate::{
        account::model::safe_next,
        desk::backend,
        error::{AppError, Code},
        web::{self, STAFF_COOKIE},
    },
};

/// How long a staff session lasts: one working day.
#[cfg(feature = "ssr")]
const STAFF_SESSION_SECONDS: i64 = 12 * 3600;

/// The signed-in staff member, if any.
#[server(prefix = "/api", endpoint = "staff/me")]
pub async fn staff_me() -> AppResult<Option<StaffView>> {
    web::current_staff().await
}

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
        let s = backend()?
            .staff
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
    if let (Some(me), Some(token)) = (web::current_staff().await?, web::cookie(STAFF_COOKIE)) {
        backend()?
            .staff
            .sign_out(&me, &token, &web::client_addr())
            .await?;
    }
    web::set_cookie(STAFF_COOKIE, "", 0, true);
    leptos_axum::redirect("/staff/signin");
    Ok(())
}

/// The units staff can be scoped to.
#[server(prefix = "/api", endpoint = "staff/units")]
pub async fn units() -> AppResult<Vec<Unit>> {
    web::require_staff().await?;
    Ok(backend()?.staff.units().await?)
}

/// Staff accounts (administrators).
#[server(prefix = "/api", endpoint = "staff/list")]
pub async fn list_staff() -> AppResult<Vec<StaffSummary>> {
    let me = web::require_staff().await?;
    Ok(backend()?.staff.list_staff(&me).await?)
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
            Ok(backend()?
                .staff
                .create_staff(&me, new, &web::client_addr())
                .await?)
        },
    )
    .await
}

/// 审计日志 (auditors and administrators).
#[server(prefix = "/api", endpoint = "staff/audit")]
pub async fn audit_log() -> AppResult<Vec<AuditEntry>> {
    let me = web::require_staff().await?;
    Ok(backend()?
        .staff
        .audit_log(&me, 200, &web::client_addr())
        .await?)
}
