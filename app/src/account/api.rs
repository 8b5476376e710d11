//! Server functions of resident accounts. Each: who is asking → parse → one desk call → result.

use super::model::{HomeSummary, Message, PendingCode, ResidentView};
use crate::error::AppResult;
use leptos::prelude::*;
#[cfg(feature = "ssr")]
use {
    super::model::{parse_otp, safe_next, RealName},
    crate::{
        desk::backend,
        error::{AppError, Code},
        rules::{id_number::IdNumber, phone::Phone},
        urlencode,
        web::{self, CHALLENGE_COOKIE, RESIDENT_COOKIE},
    },
};

/// How long a resident stays signed in.
#[cfg(feature = "ssr")]
const SESSION_SECONDS: i64 = 7 * 24 * 3600;

/// The signed-in resident, if any.
#[server(prefix = "/api", endpoint = "account/me")]
pub async fn me() -> AppResult<Option<ResidentView>> {
    web::current_resident().await
}

/// Step 1 of sign-in: send a one-time code to a mobile number.
#[server(prefix = "/api", endpoint = "account/request_code")]
pub async fn request_code(phone: String, next: String) -> AppResult<()> {
    web::keeping_typed("signin", &[("phone", &phone)], async {
        let phone =
            Phone::parse(&phone).map_err(|_| AppError::invalid("phone", Code::PhoneInvalid))?;
        let challenge = backend()?
            .accounts
            .request_code(&phone, &web::client_addr())
            .await?;
        web::set_cookie(CHALLENGE_COOKIE, &challenge, 15 * 60, true);
        leptos_axum::redirect(&format!(
            "/signin/code?next={}",
            urlencode(&safe_next(&next))
        ));
        Ok(())
    })
    .await
}

/// Sends a fresh code to the number of this browser's open sign-in.
#[server(prefix = "/api", endpoint = "account/resend_code")]
pub async fn resend_code(next: String) -> AppResult<()> {
    let challenge =
        web::cookie(CHALLENGE_COOKIE).ok_or_else(|| AppError::invalid("code", Code::OtpMissing))?;
    let fresh = backend()?
        .accounts
        .resend_code(&challenge, &web::client_addr())
        .await?;
    web::set_cookie(CHALLENGE_COOKIE, &fresh, 15 * 60, true);
    leptos_axum::redirect(&format!(
        "/signin/code?next={}",
        urlencode(&safe_next(&next))
    ));
    Ok(())
}

/// The sign-in waiting for a code in this browser (masked number; the code itself in dev mode).
#[server(prefix = "/api", endpoint = "account/pending")]
pub async fn pending_sign_in() -> AppResult<Option<PendingCode>> {
    let Some(challenge) = web::cookie(CHALLENGE_COOKIE) else {
        return Ok(None);
    };
    let b = backend()?;
    let pending = b.accounts.pending_sign_in(&challenge).await?;
    Ok(pending.map(|p| PendingCode {
        dev_code: p.dev_code.filter(|_| b.dev_mode),
        ..p
    }))
}

/// Step 2 of sign-in: check the code and open a session.
#[server(prefix = "/api", endpoint = "account/verify_code")]
pub async fn verify_code(code: String, next: String) -> AppResult<()> {
    web::keeping_typed("signin_code", &[("code", &code)], async {
        let challenge = web::cookie(CHALLENGE_COOKIE)
            .ok_or_else(|| AppError::invalid("code", Code::OtpMissing))?;
        let code = parse_otp(&code)?;
        let session = backend()?
            .accounts
            .verify_code(&challenge, &code, &web::client_addr())
            .await?;
        web::set_cookie(RESIDENT_COOKIE, &session.token, SESSION_SECONDS, true);
        web::set_cookie(CHALLENGE_COOKIE, "", 0, true);
        let next = safe_next(&next);
        if session.resident.real_name.is_none() {
            leptos_axum::redirect(&format!("/account/realname?next={}", urlencode(&next)));
        } else {
            leptos_axum::redirect(&next);
        }
        Ok(())
    })
    .await
}

/// 实名绑定: bind name and resident ID number to the signed-in account.
#[server(prefix = "/api", endpoint = "account/bind_real_name")]
pub async fn bind_real_name(
    name: String,
    id_number: String,
    next: String,
) -> AppResult<ResidentView> {
    web::keeping_typed(
        "realname",
        &[("name", &name), ("id_number", &id_number)],
        async {
            let me = web::require_resident().await?;
            let b = backend()?;
            let real_name = RealName::parse(&name).map_err(|c| AppError::invalid("name", c))?;
            let id = IdNumber::parse(&id_number, b.clock.today())
                .map_err(|e| AppError::invalid("id_number", Code::IdNumber(e)))?;
            let bound = b.accounts.bind_real_name(&me.id, &real_name, &id).await?;
            leptos_axum::redirect(&safe_next(&next));
            Ok(bound)
        },
    )
    .await
}

/// Signs the resident out.
#[server(prefix = "/api", endpoint = "account/sign_out")]
pub async fn sign_out() -> AppResult<()> {
    if let Some(token) = web::cookie(RESIDENT_COOKIE) {
        backend()?.accounts.sign_out(&token).await?;
    }
    web::set_cookie(RESIDENT_COOKIE, "", 0, true);
    leptos_axum::redirect("/");
    Ok(())
}

/// Home page data (my affairs and the unread count) for the signed-in resident.
#[server(prefix = "/api", endpoint = "account/home")]
pub async fn home_data() -> AppResult<Option<HomeSummary>> {
    match web::current_resident().await? {
        Some(me) => Ok(Some(backend()?.accounts.home(&me.id).await?)),
        None => Ok(None),
    }
}

/// 站内信: the resident's messages, newest first.
#[server(prefix = "/api", endpoint = "account/messages")]
pub async fn messages() -> AppResult<Vec<Message>> {
    let me = web::require_resident().await?;
    Ok(backend()?.accounts.messages(&me.id).await?)
}

/// Marks every message read.
#[server(prefix = "/api", endpoint = "account/messages_read")]
pub async fn mark_messages_read() -> AppResult<()> {
    let me = web::require_resident().await?;
    Ok(backend()?.accounts.mark_messages_read(&me.id).await?)
}
