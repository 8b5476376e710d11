//! Server functions of resident accounts. Each: who is asking → parse → one desk call → result.

use super::model::{MessageView, PendingCode, ResidentView};
use crate::error::AppResult;
use crate::home::api::AffairsView;
use leptos::prelude::*;
#[cfg(feature = "ssr")]
use {
    super::{
        desk::AccountDesk,
        model::{parse_otp, safe_next, RealName},
    },
    crate::{
        desk::{desk, platform},
        error::{AppError, Code},
        rules::{id_number::IdNumber, phone::Phone},
        ui::urlencode,
        web::{self, CHALLENGE_COOKIE, RESIDENT_COOKIE},
    },
};

#[cfg(feature = "ssr")]
fn accounts() -> AppResult<std::sync::Arc<dyn AccountDesk>> {
    desk::<dyn AccountDesk>()
}

/// How long a resident stays signed in.
#[cfg(feature = "ssr")]
const SESSION_SECONDS: i64 = 7 * 24 * 3600;

/// Step 1 of sign-in: send a one-time code to a mobile number.
#[server(prefix = "/api", endpoint = "account/request_code")]
pub async fn request_code(phone: String, next: String) -> AppResult<()> {
    web::keeping_typed("signin", &[("phone", &phone)], async {
        let phone =
            Phone::parse(&phone).map_err(|_| AppError::invalid("phone", Code::PhoneInvalid))?;
        let challenge = accounts()?
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
    let fresh = accounts()?
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
    let dev_mode = platform()?.dev_mode;
    let pending = accounts()?.pending_sign_in(&challenge).await?;
    Ok(pending.map(|p| PendingCode {
        dev_code: p.dev_code.filter(|_| dev_mode),
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
        let locale = crate::prefs::Prefs::detect().locale;
        let session = accounts()?
            .verify_code(&challenge, &code, &web::client_addr(), locale)
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
            let real_name = RealName::parse(&name).map_err(|c| AppError::invalid("name", c))?;
            let id = IdNumber::parse(&id_number, platform()?.clock.today())
                .map_err(|e| AppError::invalid("id_number", Code::IdNumber(e)))?;
            let bound = accounts()?.bind_real_name(&me, &real_name, &id).await?;
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
        accounts()?.sign_out(&token).await?;
    }
    web::set_cookie(RESIDENT_COOKIE, "", 0, true);
    leptos_axum::redirect("/");
    Ok(())
}

/// 站内信: the resident's messages, newest first, in the reader's language.
#[server(prefix = "/api", endpoint = "account/messages")]
pub async fn messages() -> AppResult<Vec<MessageView>> {
    let me = web::require_resident().await?;
    let locale = crate::prefs::Prefs::detect().locale;
    let stored = accounts()?.messages(&me).await?;
    // A topic no registered service knows (written by a newer build) is skipped, not fatal.
    Ok(stored
        .into_iter()
        .filter_map(|m| {
            let text = crate::catalogue::notice(&m.topic, &m.params, locale)?;
            let service = crate::catalogue::service_of_topic(&m.topic);
            Some(MessageView {
                id: m.id,
                at: m.at,
                service: service.map(|s| s.key).unwrap_or_default().to_owned(),
                service_name: service
                    .map(|s| (s.affair_title)(locale.texts()))
                    .unwrap_or_default()
                    .to_owned(),
                topic: m.topic,
                title: text.title,
                body: text.body,
                link: text.link,
                read: m.read,
            })
        })
        .collect())
}

/// 我的办件: every item of the resident's (and of the elders they act for), in words, with
/// the services they come from and their unread messages (the page filters by service).
#[server(prefix = "/api", endpoint = "account/affairs")]
pub async fn affairs() -> AppResult<AffairsView> {
    use crate::home::api::ServiceFilter;
    let me = web::require_resident().await?;
    let t = crate::prefs::Prefs::detect().locale.texts();
    let home = accounts()?.home(&me).await?;
    let items: Vec<_> = home
        .affairs
        .into_iter()
        .map(|a| crate::home::api::affair_line(a, t))
        .collect();
    let unread_of = |key: &str| {
        home.unread_topics
            .iter()
            .filter(|topic| crate::catalogue::service_of_topic(topic).is_some_and(|s| s.key == key))
            .count() as u32
    };
    let services = crate::catalogue::services()
        .iter()
        .map(|s| ServiceFilter {
            key: s.key.to_owned(),
            name: (s.affair_title)(t).to_owned(),
            items: items.iter().filter(|i| i.service == s.key).count() as u32,
            unread: unread_of(s.key),
        })
        .filter(|f| f.items > 0 || f.unread > 0)
        .collect();
    Ok(AffairsView {
        items,
        services,
        unread_total: home.unread_messages,
    })
}

/// Marks every message read.
#[server(prefix = "/api", endpoint = "account/messages_read")]
pub async fn mark_messages_read() -> AppResult<()> {
    let me = web::require_resident().await?;
    Ok(accounts()?.mark_messages_read(&me).await?)
}
