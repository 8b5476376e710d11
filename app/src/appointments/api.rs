//! Server functions every appointment shares, whatever its purpose: the voucher, the partner's
//! confirmation, reschedule and cancel, and the registry clerk's counter day. Each: who is
//! asking → parse → one desk call → result. Booking itself is the owning service's (it names
//! the purpose and parses the other party).

use super::model::{BookingView, CheckedIn, ClerkDay, PickerData, VoucherView};
use crate::error::AppResult;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};
#[cfg(feature = "ssr")]
use {
    super::{
        desk::{AppointmentDesk, Publication},
        model::DayOutcome,
    },
    crate::{
        account::model::safe_next,
        desk::{desk, platform},
        error::{AppError, Code},
        identity::Role,
        rules::{
            dates::{parse_day, parse_hhmm, parse_local_instant, DayRange},
            id_number::IdNumber,
        },
        web::{self, checked_key, Staff},
    },
};

#[cfg(feature = "ssr")]
fn appointments() -> AppResult<std::sync::Arc<dyn AppointmentDesk>> {
    desk::<dyn AppointmentDesk>()
}

/// 双方确认: the invited partner confirms. A second tap lands on the confirmed booking.
#[server(prefix = "/api", endpoint = "appointments/confirm")]
pub async fn confirm(booking_id: String) -> AppResult<BookingView> {
    let me = web::require_resident().await?;
    let booking = appointments()?.confirm(&me, &booking_id).await?;
    leptos_axum::redirect(&booking.page);
    Ok(booking)
}

/// The slots a booking may move to: its office's, for its purpose, minus its own.
#[server(prefix = "/api", endpoint = "appointments/move_picker")]
pub async fn move_picker(booking_id: String) -> AppResult<(VoucherView, PickerData)> {
    let me = web::require_resident().await?;
    Ok(appointments()?
        .move_picker(&me, &booking_id, web::new_idempotency_key()?)
        .await?)
}

/// 改约: moves the booking to another slot of its office.
#[server(prefix = "/api", endpoint = "appointments/reschedule")]
pub async fn reschedule(
    booking_id: String,
    slot_id: Option<String>,
    idempotency_key: String,
) -> AppResult<BookingView> {
    let me = web::require_resident().await?;
    let slot_id = slot_id
        .filter(|s| !s.is_empty())
        .ok_or_else(|| AppError::invalid("slot", Code::Required))?;
    let booking = appointments()?
        .reschedule(&me, &booking_id, &slot_id, &checked_key(&idempotency_key)?)
        .await?;
    leptos_axum::redirect(&booking.page);
    Ok(booking)
}

/// 取消预约, with the resident's explicit confirmation (a ticked box). A second tap lands on
/// the cancelled booking.
#[server(prefix = "/api", endpoint = "appointments/cancel")]
pub async fn cancel(booking_id: String, confirm_cancel: Option<String>) -> AppResult<()> {
    let me = web::require_resident().await?;
    if confirm_cancel.is_none_or(|c| c.is_empty()) {
        return Err(AppError::invalid("confirm_cancel", Code::Required));
    }
    let cancelled = appointments()?.cancel(&me, &booking_id).await?;
    leptos_axum::redirect(&cancelled.page);
    Ok(())
}

/// The signed-in resident's appointments and invitations of one service.
#[server(prefix = "/api", endpoint = "appointments/mine")]
pub async fn my_bookings(service: String) -> AppResult<Vec<BookingView>> {
    let me = web::require_resident().await?;
    Ok(appointments()?.my_bookings(&me, &service).await?)
}

/// One booking with its voucher, for its parties only.
#[server(prefix = "/api", endpoint = "appointments/voucher")]
pub async fn voucher(booking_id: String) -> AppResult<VoucherView> {
    let me = web::require_resident().await?;
    Ok(appointments()?.voucher(&me, &booking_id).await?)
}

/// A registry clerk, signed in; anyone else is refused.
#[cfg(feature = "ssr")]
pub async fn require_clerk() -> AppResult<Staff> {
    web::require_staff().await?.with_role(Role::RegistryClerk)
}

/// Where a clerk form returns: a workbench page (a hidden field), with the day.
#[cfg(feature = "ssr")]
fn back_to_day(back: &Option<String>, day: chrono::NaiveDate) {
    let back = safe_next(back.as_deref().unwrap_or("/staff"));
    let back = if back.starts_with("/staff/") {
        back
    } else {
        "/staff".to_owned()
    };
    // The day this form was about replaces the one the page showed.
    let (path, query) = back.split_once('?').unwrap_or((&back, ""));
    let mut q: Vec<&str> = query
        .split('&')
        .filter(|kv| !kv.is_empty() && !kv.starts_with("day="))
        .collect();
    let day = format!("day={}", crate::ui::format::iso_day(day));
    q.push(&day);
    leptos_axum::redirect(&format!("{path}?{}", q.join("&")));
}

#[cfg(feature = "ssr")]
fn clerk_day_of(s: &str, field: &str) -> AppResult<chrono::NaiveDate> {
    parse_day(s, platform()?.clock.today(), DayRange::CLERK_DAY)
        .ok_or_else(|| AppError::invalid(field, Code::DateInvalid))
}

#[cfg(feature = "ssr")]
fn parse_count(s: &str, field: &str) -> AppResult<u32> {
    s.trim()
        .parse::<u32>()
        .ok()
        .filter(|n| *n <= 500)
        .ok_or_else(|| AppError::invalid(field, Code::NumberInvalid))
}

/// A counter's name as a form sent it (the desk knows which counters exist).
#[cfg(feature = "ssr")]
fn counter_of(counter: &str) -> AppResult<String> {
    let c = counter.trim();
    if c.is_empty() || c.len() > 32 || !c.bytes().all(|b| b.is_ascii_lowercase() || b == b'_') {
        return Err(AppError::BadRequest);
    }
    Ok(c.to_owned())
}

/// 登记员: one day at one counter of the clerk's office (today when no day is given).
#[server(prefix = "/api", endpoint = "appointments/day_list")]
pub async fn day_list(day: Option<String>, counter: Option<String>) -> AppResult<ClerkDay> {
    let clerk = require_clerk().await?;
    let counter = counter_of(counter.as_deref().unwrap_or_default())?;
    let day = match day.filter(|d| !d.trim().is_empty()) {
        Some(d) => clerk_day_of(&d, "day")?,
        None => platform()?.clock.today(),
    };
    Ok(appointments()?.clerk_day(&clerk, &counter, day).await?)
}

/// 核验: check a couple in by their voucher; the page says where and when.
#[server(prefix = "/api", endpoint = "appointments/check_in")]
pub async fn check_in(code: String, back: Option<String>) -> AppResult<CheckedIn> {
    web::keeping_typed("check_in", &[("code", &code)], async {
        let clerk = require_clerk().await?;
        let done = appointments()?.check_in(&clerk, &code).await?;
        let back = super::model::after_check_in(
            back.as_deref().unwrap_or("/staff"),
            &done.counter,
            &done.reference,
        );
        back_to_day(&Some(back), platform()?.clock.today());
        Ok(done)
    })
    .await
}

/// 现场确认: the clerk checked the partner's ID card and confirms the booking for them.
#[server(prefix = "/api", endpoint = "appointments/confirm_at_counter")]
pub async fn confirm_at_counter(
    booking_id: String,
    partner_id_number: String,
    day: String,
    back: Option<String>,
) -> AppResult<BookingView> {
    web::keeping_typed(
        "confirm_at_counter",
        &[
            ("partner_id_number", &partner_id_number),
            ("booking", &booking_id),
        ],
        async {
            let clerk = require_clerk().await?;
            let today = platform()?.clock.today();
            let card = IdNumber::parse(&partner_id_number, today)
                .map_err(|e| AppError::invalid("partner_id_number", Code::IdNumber(e)))?;
            let day = clerk_day_of(&day, "day")?;
            let b = appointments()?
                .confirm_at_counter(&clerk, &booking_id, &card)
                .await?;
            back_to_day(&back, day);
            Ok(b)
        },
    )
    .await
}

/// 登记完成 / 未到场 (and each purpose's own outcome: receipt, certificate, attended).
#[server(prefix = "/api", endpoint = "appointments/outcome")]
pub async fn record_outcome(
    booking_id: String,
    outcome: String,
    day: String,
    back: Option<String>,
) -> AppResult<()> {
    let clerk = require_clerk().await?;
    let outcome = match outcome.as_str() {
        "registered" => DayOutcome::Registered,
        "no_show" => DayOutcome::NoShow,
        _ => return Err(AppError::BadRequest),
    };
    let day = clerk_day_of(&day, "day")?;
    appointments()?
        .record_outcome(&clerk, &booking_id, outcome)
        .await?;
    back_to_day(&back, day);
    Ok(())
}

/// Changes a slot's places.
#[server(prefix = "/api", endpoint = "appointments/capacity")]
pub async fn set_capacity(
    slot_id: String,
    capacity: String,
    ceremony_capacity: String,
    day: String,
    back: Option<String>,
) -> AppResult<()> {
    let clerk = require_clerk().await?;
    let day = clerk_day_of(&day, "day")?;
    let capacity = parse_count(&capacity, "capacity")?;
    let ceremony_capacity = parse_count(&ceremony_capacity, "capacity")?;
    appointments()?
        .set_capacity(&clerk, &slot_id, capacity, ceremony_capacity)
        .await?;
    back_to_day(&back, day);
    Ok(())
}

/// Publishes one slot on a day at a counter.
#[server(prefix = "/api", endpoint = "appointments/publish")]
pub async fn publish(
    day: String,
    starts: String,
    ends: String,
    capacity: String,
    ceremony_capacity: String,
    counter: String,
    back: Option<String>,
) -> AppResult<u32> {
    web::keeping_typed(
        "publish",
        &[
            ("starts", &starts),
            ("ends", &ends),
            ("capacity", &capacity),
        ],
        async {
            let clerk = require_clerk().await?;
            let counter = counter_of(&counter)?;
            let day = clerk_day_of(&day, "day")?;
            let time = |s: &str, field: &str| {
                use chrono::Timelike;
                parse_hhmm(s)
                    .map(|t| format!("{:02}:{:02}", t.hour(), t.minute()))
                    .ok_or_else(|| AppError::invalid(field, Code::DateInvalid))
            };
            let starts = time(&starts, "starts")?;
            let ends = time(&ends, "ends")?;
            if ends <= starts {
                return Err(AppError::invalid("ends", Code::DateInvalid));
            }
            let capacity = parse_count(&capacity, "capacity")?;
            let ceremony_capacity = parse_count(&ceremony_capacity, "ceremony_capacity")?;
            let n = appointments()?
                .publish_day(
                    &clerk,
                    Publication {
                        counter,
                        day,
                        times: vec![(starts, ends)],
                        capacity,
                        ceremony_capacity,
                    },
                )
                .await?;
            back_to_day(&back, day);
            Ok(n)
        },
    )
    .await
}

/// Closes the office on a day, or reopens it (`reopen` set).
#[server(prefix = "/api", endpoint = "appointments/closure")]
pub async fn closure(
    day: String,
    reason: Option<String>,
    reopen: Option<String>,
    back: Option<String>,
) -> AppResult<()> {
    let reason = reason.unwrap_or_default();
    web::keeping_typed("closure", &[("reason", &reason)], async {
        let clerk = require_clerk().await?;
        let today = platform()?.clock.today();
        let desk = appointments()?;
        if reopen.is_some() {
            let day = clerk_day_of(&day, "day")?;
            desk.reopen_day(&clerk, day).await?;
            back_to_day(&back, day);
        } else {
            let day = parse_day(&day, today, DayRange::PLANNING)
                .ok_or_else(|| AppError::invalid("day", Code::DateInvalid))?;
            let reason = reason.trim();
            if reason.is_empty() {
                return Err(AppError::invalid("reason", Code::Required));
            }
            if reason.chars().count() > 100 {
                return Err(AppError::invalid("reason", Code::TooLong));
            }
            desk.close_day(&clerk, day, reason).await?;
            back_to_day(&back, day);
        }
        Ok(())
    })
    .await
}

/// 高峰日放号: when a day's places open (Shanghai time `YYYY-MM-DD HH:MM`; empty: now).
#[server(prefix = "/api", endpoint = "appointments/release")]
pub async fn set_release(day: String, release_at: String, back: Option<String>) -> AppResult<()> {
    web::keeping_typed("release", &[("release_at", &release_at)], async {
        let clerk = require_clerk().await?;
        let today = platform()?.clock.today();
        let day = clerk_day_of(&day, "day")?;
        let release = if release_at.trim().is_empty() {
            None
        } else {
            Some(
                parse_local_instant(&release_at, today, DayRange::PLANNING)
                    .ok_or_else(|| AppError::invalid("release_at", Code::DateInvalid))?,
            )
        };
        appointments()?.set_release(&clerk, day, release).await?;
        back_to_day(&back, day);
        Ok(())
    })
    .await
}

/// The other party as typed in a booking's partner step, kept for its review step (in an
/// HttpOnly cookie of this browser, never in an address). `form` names the booking it is for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartnerDraft {
    pub name: String,
    pub id_number: String,
    pub phone: String,
    pub at_counter: bool,
    pub id_number_masked: String,
    pub phone_masked: String,
}

#[cfg(feature = "ssr")]
fn draft_cookie(form: &str) -> AppResult<String> {
    if form.is_empty()
        || form.len() > 24
        || !form.bytes().all(|b| b.is_ascii_lowercase() || b == b'_')
    {
        return Err(AppError::BadRequest);
    }
    Ok(format!("mz_draft_{form}"))
}

/// 对方信息: checks the other party's name, ID number and phone, keeps them for the review
/// step, and goes on to `next` (a page of this site).
#[server(prefix = "/api", endpoint = "appointments/partner")]
pub async fn partner_step(
    form: String,
    partner_name: String,
    partner_id_number: String,
    partner_phone: String,
    partner_at_counter: Option<String>,
    next: String,
) -> AppResult<()> {
    let counter = partner_at_counter.clone().unwrap_or_default();
    web::keeping_typed(
        &form.clone(),
        &[
            ("partner_name", &partner_name),
            ("partner_id_number", &partner_id_number),
            ("partner_phone", &partner_phone),
            ("partner_at_counter", &counter),
        ],
        async {
            use crate::{account::model::RealName, rules::phone::Phone};
            web::require_resident().await?;
            let cookie = draft_cookie(&form)?;
            let name =
                RealName::parse(&partner_name).map_err(|c| AppError::invalid("partner_name", c))?;
            let id = IdNumber::parse(&partner_id_number, platform()?.clock.today())
                .map_err(|e| AppError::invalid("partner_id_number", Code::IdNumber(e)))?;
            let phone = Phone::parse(&partner_phone)
                .map_err(|_| AppError::invalid("partner_phone", Code::PhoneInvalid))?;
            let draft = PartnerDraft {
                name: name.as_str().to_owned(),
                id_number_masked: id.masked(),
                id_number: id.as_str().to_owned(),
                phone_masked: phone.masked(),
                phone: phone.as_str().to_owned(),
                at_counter: counter == "on",
            };
            let json = serde_json::to_string(&draft).map_err(|_| AppError::Internal)?;
            web::set_cookie(&cookie, &hex::encode(json), 30 * 60, true);
            leptos_axum::redirect(&safe_next(&next));
            Ok(())
        },
    )
    .await
}

/// The partner draft of `form` kept by this browser, if any.
#[server(prefix = "/api", endpoint = "appointments/draft")]
pub async fn read_draft(form: String) -> AppResult<Option<PartnerDraft>> {
    web::require_resident().await?;
    let Some(raw) = web::cookie(&draft_cookie(&form)?) else {
        return Ok(None);
    };
    Ok(hex::decode(raw)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok()))
}
