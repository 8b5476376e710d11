//! Server functions of the status desk: who is asking → parse → one desk call.

use super::model::ElderFile;
use crate::error::AppResult;
use leptos::prelude::*;
#[cfg(feature = "ssr")]
use {
    super::{
        desk::ElderDesk,
        model::{ElderStatus, Refusal, MAX_NOTE},
    },
    crate::{
        account::model::RealName,
        desk::{desk, platform},
        error::{AppError, Code},
        identity::Role,
        rules::{id_number::IdNumber, phone::Phone},
        web::{self, checked_key, Staff},
    },
};

#[cfg(feature = "ssr")]
async fn worker() -> AppResult<Staff> {
    web::require_staff().await?.with_role(Role::CommunityWorker)
}

/// A check id from a form or the address: hex; anything else is a check that is over.
#[cfg(feature = "ssr")]
fn check_id(s: &str) -> AppResult<String> {
    let s = s.trim();
    if s.is_empty() || s.len() > 64 || !s.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(AppError::invalid("check", Refusal::CheckExpired));
    }
    Ok(s.to_owned())
}

#[cfg(feature = "ssr")]
fn status(s: &str) -> AppResult<ElderStatus> {
    ElderStatus::parse(s.trim()).ok_or_else(|| AppError::invalid("status", Refusal::StatusUnknown))
}

/// A note: trimmed, required, at most [`MAX_NOTE`] characters.
#[cfg(feature = "ssr")]
fn note(s: &str, field: &str) -> AppResult<String> {
    let s = s.trim();
    if s.is_empty() {
        return Err(AppError::invalid(field, Refusal::NoteRequired));
    }
    if s.chars().count() > MAX_NOTE {
        return Err(AppError::invalid(field, Code::TooLong));
    }
    Ok(s.to_owned())
}

/// 核验: finds an elder by phone and real name, the ID card checked; goes to their file.
#[server(prefix = "/api", endpoint = "elders/check")]
pub async fn check_elder(
    elder_name: String,
    elder_phone: String,
    elder_id_number: String,
) -> AppResult<()> {
    web::keeping_typed(
        "elders_check",
        &[("elder_name", &elder_name), ("elder_phone", &elder_phone)],
        async {
            let staff = worker().await?;
            let name =
                RealName::parse(&elder_name).map_err(|c| AppError::invalid("elder_name", c))?;
            let phone = Phone::parse(&elder_phone)
                .map_err(|_| AppError::invalid("elder_phone", Code::PhoneInvalid))?;
            let today = platform()?.clock.today();
            let id = IdNumber::parse(&elder_id_number, today)
                .map_err(|e| AppError::invalid("elder_id_number", Code::IdNumber(e)))?;
            let check = desk::<dyn ElderDesk>()?
                .check(&staff, &phone, name.as_str(), &id)
                .await?;
            leptos_axum::redirect(&format!("/staff/elders/{check}"));
            Ok(())
        },
    )
    .await
}

/// The elder of a live check, with every status record.
#[server(prefix = "/api", endpoint = "elders/file")]
pub async fn get_elder_file(check: String) -> AppResult<ElderFile> {
    let staff = worker().await?;
    let mut file = desk::<dyn ElderDesk>()?
        .file(&staff, &check_id(&check)?)
        .await?;
    file.key = web::new_idempotency_key()?;
    Ok(file)
}

/// 确认 a status, with a note of what was seen.
#[server(prefix = "/api", endpoint = "elders/confirm")]
pub async fn confirm_status(
    check: String,
    status: String,
    note: String,
    idem_key: String,
) -> AppResult<()> {
    web::keeping_typed("elders_confirm", &[("note", &note)], async {
        let staff = worker().await?;
        let (check, s, n) = (
            check_id(&check)?,
            self::status(&status)?,
            self::note(&note, "note")?,
        );
        Ok(desk::<dyn ElderDesk>()?
            .confirm(&staff, &check, s, &n, &checked_key(&idem_key)?)
            .await?)
    })
    .await
}

/// 结束 a live status record, with the reason; it stays in the history.
#[server(prefix = "/api", endpoint = "elders/end")]
pub async fn end_status(
    check: String,
    record: String,
    reason: String,
    idem_key: String,
) -> AppResult<()> {
    web::keeping_typed("elders_end", &[("reason", &reason)], async {
        let staff = worker().await?;
        let check = check_id(&check)?;
        let record =
            check_id(&record).map_err(|_| AppError::invalid("record", Refusal::NotLive))?;
        let reason = note(&reason, "reason")?;
        Ok(desk::<dyn ElderDesk>()?
            .end(&staff, &check, &record, &reason, &checked_key(&idem_key)?)
            .await?)
    })
    .await
}
