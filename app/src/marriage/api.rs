//! Server functions of marriage appointments: who is asking → parse → one desk call → result.

use super::model::{BookingView, ClerkDay, OfficeView, SlotView, VoucherView};
use crate::error::AppResult;
use chrono::NaiveDate;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};
#[cfg(feature = "ssr")]
use {
    super::{
        desk::{Actor, BookRequest, PartnerOf},
        model::{Counter, DayOutcome, Purpose},
    },
    crate::{
        account::model::RealName,
        desk::backend,
        error::{AppError, Code},
        rules::{id_number::IdNumber, phone::Phone},
        staff::model::{Role, StaffView},
        web,
    },
};

/// What the slot picker needs: the offices, the chosen one, its open slots, and a fresh
/// idempotency key for the form (a resubmitted form carries the same key).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PickerData {
    pub offices: Vec<OfficeView>,
    pub office_id: String,
    pub slots: Vec<SlotView>,
    pub idempotency_key: String,
}

/// The offices, and the slots of one (the first when none is chosen) over the booking window.
#[server(prefix = "/api", endpoint = "marriage/picker")]
pub async fn picker(office_id: Option<String>) -> AppResult<PickerData> {
    let b = backend()?;
    let offices = b.marriage.offices().await?;
    let office_id = office_id
        .filter(|id| offices.iter().any(|o| &o.id == id))
        .or_else(|| offices.first().map(|o| o.id.clone()))
        .ok_or(AppError::NotFound)?;
    let today = b.clock.today();
    let slots = b
        .marriage
        .slots(
            &office_id,
            Counter::Marriage,
            today + chrono::Days::new(1),
            today + chrono::Days::new(62),
        )
        .await?;
    Ok(PickerData {
        offices,
        office_id,
        slots,
        idempotency_key: new_key(),
    })
}

#[cfg(feature = "ssr")]
pub(crate) fn new_key() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    // Unique per render: time, a counter and the process id; it is not a secret.
    format!(
        "{nanos:x}-{:x}-{:x}",
        N.fetch_add(1, Ordering::Relaxed),
        std::process::id()
    )
}

/// The slots of an office in a date range.
#[server(prefix = "/api", endpoint = "marriage/slots")]
pub async fn slots(office_id: String, from: NaiveDate, to: NaiveDate) -> AppResult<Vec<SlotView>> {
    if to < from || (to - from).num_days() > 62 {
        return Err(AppError::BadRequest);
    }
    Ok(backend()?
        .marriage
        .slots(&office_id, Counter::Marriage, from, to)
        .await?)
}

#[cfg(feature = "ssr")]
pub(crate) fn checked_key(key: &str) -> AppResult<String> {
    let key = key.trim();
    if key.is_empty() || key.len() > 64 {
        return Err(AppError::BadRequest);
    }
    Ok(key.to_owned())
}

/// 预约: the applicant holds a place for the couple.
#[server(prefix = "/api", endpoint = "marriage/book")]
pub async fn book(
    slot_id: Option<String>,
    partner_name: String,
    partner_id_number: String,
    partner_phone: String,
    ceremony: Option<String>,
    idempotency_key: String,
) -> AppResult<BookingView> {
    let typed_slot = slot_id.clone().unwrap_or_default();
    let typed_ceremony = ceremony.clone().unwrap_or_default();
    web::keeping_typed(
        "marriage_book",
        &[
            ("partner_name", &partner_name),
            ("partner_id_number", &partner_id_number),
            ("partner_phone", &partner_phone),
            ("slot", &typed_slot),
            ("ceremony", &typed_ceremony),
        ],
        async {
            let me = web::require_resident().await?;
            let b = backend()?;
            let slot_id = slot_id
                .filter(|s| !s.is_empty())
                .ok_or_else(|| AppError::invalid("slot", Code::Required))?;
            let partner_name =
                RealName::parse(&partner_name).map_err(|c| AppError::invalid("partner_name", c))?;
            let partner_id_number = IdNumber::parse(&partner_id_number, b.clock.today())
                .map_err(|e| AppError::invalid("partner_id_number", Code::IdNumber(e)))?;
            let partner_phone = Phone::parse(&partner_phone)
                .map_err(|_| AppError::invalid("partner_phone", Code::PhoneInvalid))?;
            let request = BookRequest {
                purpose: Purpose::Marriage,
                slot_id,
                partner: PartnerOf::Typed {
                    name: partner_name,
                    id_number: partner_id_number,
                    phone: partner_phone,
                },
                ceremony: ceremony.is_some_and(|c| c == "on" || c == "1" || c == "true"),
                idempotency_key: checked_key(&idempotency_key)?,
            };
            let booking = b.marriage.book(&me.id, request).await?;
            leptos_axum::redirect(&format!("/marriage/booking/{}", booking.id));
            Ok(booking)
        },
    )
    .await
}

/// 双方确认: the invited partner confirms.
#[server(prefix = "/api", endpoint = "marriage/confirm")]
pub async fn confirm(booking_id: String) -> AppResult<BookingView> {
    let me = web::require_resident().await?;
    let booking = backend()?.marriage.confirm(&me.id, &booking_id).await?;
    leptos_axum::redirect(&booking.purpose.page(&booking.id));
    Ok(booking)
}

/// 改约: moves the booking to another slot of its office.
#[server(prefix = "/api", endpoint = "marriage/reschedule")]
pub async fn reschedule(
    booking_id: String,
    slot_id: Option<String>,
    idempotency_key: String,
) -> AppResult<BookingView> {
    let me = web::require_resident().await?;
    let slot_id = slot_id
        .filter(|s| !s.is_empty())
        .ok_or_else(|| AppError::invalid("slot", Code::Required))?;
    let booking = backend()?
        .marriage
        .reschedule(
            &me.id,
            &booking_id,
            &slot_id,
            &checked_key(&idempotency_key)?,
        )
        .await?;
    leptos_axum::redirect(&booking.purpose.page(&booking.id));
    Ok(booking)
}

/// 取消预约, with the resident's explicit confirmation (a ticked box).
#[server(prefix = "/api", endpoint = "marriage/cancel")]
pub async fn cancel(booking_id: String, confirm_cancel: Option<String>) -> AppResult<()> {
    let me = web::require_resident().await?;
    if confirm_cancel.is_none_or(|c| c.is_empty()) {
        return Err(AppError::invalid("confirm_cancel", Code::Required));
    }
    let cancelled = backend()?.marriage.cancel(&me.id, &booking_id).await?;
    // Back to the appointment's own page: marriage or divorce, by its purpose.
    leptos_axum::redirect(&cancelled.purpose.page(&cancelled.id));
    Ok(())
}

/// The signed-in resident's appointments and invitations for one service
/// (`marriage`, the default, or `divorce`).
#[server(prefix = "/api", endpoint = "marriage/mine")]
pub async fn my_bookings(service: Option<String>) -> AppResult<Vec<BookingView>> {
    let me = web::require_resident().await?;
    let service = service.unwrap_or_else(|| "marriage".into());
    let mut all = backend()?.marriage.my_bookings(&me.id).await?;
    all.retain(|b| b.purpose.service() == service);
    Ok(all)
}

/// One booking with its voucher, for its parties only.
#[server(prefix = "/api", endpoint = "marriage/voucher")]
pub async fn voucher(booking_id: String) -> AppResult<VoucherView> {
    let me = web::require_resident().await?;
    Ok(backend()?.marriage.voucher(&me.id, &booking_id).await?)
}

/// A signed-in registry clerk and the address they act from: who an audited action is by.
#[cfg(feature = "ssr")]
pub(crate) struct Clerk {
    staff: StaffView,
    client: String,
}

#[cfg(feature = "ssr")]
impl Clerk {
    pub(crate) fn actor(&self) -> Actor<'_> {
        Actor {
            staff: &self.staff,
            client: &self.client,
        }
    }
}

/// A registry clerk, signed in; anyone else is refused.
#[cfg(feature = "ssr")]
pub(crate) async fn require_clerk() -> AppResult<Clerk> {
    let staff = web::require_staff().await?;
    if staff.role != Role::RegistryClerk {
        return Err(AppError::Forbidden);
    }
    Ok(Clerk {
        staff,
        client: web::client_addr(),
    })
}

#[cfg(feature = "ssr")]
fn parse_day(s: &str, field: &str) -> AppResult<NaiveDate> {
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
        .map_err(|_| AppError::invalid(field, Code::DateInvalid))
}

#[cfg(feature = "ssr")]
fn parse_count(s: &str, field: &str) -> AppResult<u32> {
    s.trim()
        .parse::<u32>()
        .ok()
        .filter(|n| *n <= 500)
        .ok_or_else(|| AppError::invalid(field, Code::NumberInvalid))
}

#[cfg(feature = "ssr")]
fn parse_hhmm(s: &str, field: &str) -> AppResult<String> {
    chrono::NaiveTime::parse_from_str(s.trim(), "%H:%M")
        .map(|t| t.format("%H:%M").to_string())
        .map_err(|_| AppError::invalid(field, Code::DateInvalid))
}

/// The counter a clerk form acts for (a hidden field; marriage when absent).
#[cfg(feature = "ssr")]
fn counter_of(counter: &Option<String>) -> AppResult<Counter> {
    match counter.as_deref().filter(|c| !c.is_empty()) {
        None => Ok(Counter::Marriage),
        Some(c) => Counter::parse(c).ok_or(AppError::BadRequest),
    }
}

/// Back to the clerk's day at the counter's desk page.
#[cfg(feature = "ssr")]
fn back_to_day(counter: Counter, day: NaiveDate) {
    let day = day.format("%Y-%m-%d");
    leptos_axum::redirect(&match counter {
        Counter::Marriage => format!("/staff/marriage?day={day}"),
        c => format!("/staff/divorce?counter={}&day={day}", c.as_str()),
    });
}

/// 登记员: the day at the clerk's office (today when no day is given).
#[server(prefix = "/api", endpoint = "marriage/day_list")]
pub async fn day_list(day: Option<String>, counter: Option<String>) -> AppResult<ClerkDay> {
    let clerk = require_clerk().await?;
    let counter = counter_of(&counter)?;
    let b = backend()?;
    let day = match day.filter(|d| !d.is_empty()) {
        Some(d) => parse_day(&d, "day")?,
        None => b.clock.today(),
    };
    let actor = clerk.actor();
    Ok(b.marriage.clerk_day(&actor, counter, day).await?)
}

/// 核验: check a couple in by their voucher.
#[server(prefix = "/api", endpoint = "marriage/check_in")]
pub async fn check_in(code: String, counter: Option<String>) -> AppResult<String> {
    web::keeping_typed("marriage_check_in", &[("code", &code)], async {
        let clerk = require_clerk().await?;
        let counter = counter_of(&counter)?;
        let b = backend()?;
        let actor = clerk.actor();
        let id = b.marriage.check_in(&actor, &code).await?;
        back_to_day(counter, b.clock.today());
        Ok(id)
    })
    .await
}

/// 登记完成 / 未到场.
#[server(prefix = "/api", endpoint = "marriage/outcome")]
pub async fn record_outcome(
    booking_id: String,
    outcome: String,
    day: String,
    counter: Option<String>,
) -> AppResult<()> {
    let clerk = require_clerk().await?;
    let counter = counter_of(&counter)?;
    let outcome = match outcome.as_str() {
        "registered" => DayOutcome::Registered,
        "no_show" => DayOutcome::NoShow,
        _ => return Err(AppError::BadRequest),
    };
    let day = parse_day(&day, "day")?;
    let actor = clerk.actor();
    backend()?
        .marriage
        .record_outcome(&actor, &booking_id, outcome)
        .await?;
    back_to_day(counter, day);
    Ok(())
}

/// Changes a slot's places.
#[server(prefix = "/api", endpoint = "marriage/capacity")]
pub async fn set_capacity(
    slot_id: String,
    capacity: String,
    ceremony_capacity: String,
    day: String,
    counter: Option<String>,
) -> AppResult<()> {
    let clerk = require_clerk().await?;
    let counter = counter_of(&counter)?;
    let day = parse_day(&day, "day")?;
    let capacity = parse_count(&capacity, "capacity")?;
    let ceremony_capacity = parse_count(&ceremony_capacity, "capacity")?;
    let actor = clerk.actor();
    backend()?
        .marriage
        .set_capacity(&actor, &slot_id, capacity, ceremony_capacity)
        .await?;
    back_to_day(counter, day);
    Ok(())
}

/// Publishes one slot on a day.
#[server(prefix = "/api", endpoint = "marriage/publish")]
pub async fn publish(
    day: String,
    starts: String,
    ends: String,
    capacity: String,
    ceremony_capacity: String,
    counter: Option<String>,
) -> AppResult<u32> {
    web::keeping_typed(
        "marriage_publish",
        &[
            ("starts", &starts),
            ("ends", &ends),
            ("capacity", &capacity),
        ],
        async {
            let clerk = require_clerk().await?;
            let counter = counter_of(&counter)?;
            let day = parse_day(&day, "day")?;
            let starts = parse_hhmm(&starts, "starts")?;
            let ends = parse_hhmm(&ends, "ends")?;
            if ends <= starts {
                return Err(AppError::invalid("ends", Code::DateInvalid));
            }
            let capacity = parse_count(&capacity, "capacity")?;
            let ceremony_capacity = parse_count(&ceremony_capacity, "ceremony_capacity")?;
            let actor = clerk.actor();
            let n = backend()?
                .marriage
                .publish_day(
                    &actor,
                    counter,
                    day,
                    &[(starts, ends)],
                    capacity,
                    ceremony_capacity,
                    None,
                )
                .await?;
            back_to_day(counter, day);
            Ok(n)
        },
    )
    .await
}

/// Closes the office on a day, or reopens it (`reopen` set).
#[server(prefix = "/api", endpoint = "marriage/closure")]
pub async fn closure(day: String, reason: Option<String>, reopen: Option<String>) -> AppResult<()> {
    let reason = reason.unwrap_or_default();
    web::keeping_typed("marriage_closure", &[("reason", &reason)], async {
        let clerk = require_clerk().await?;
        let day = parse_day(&day, "day")?;
        let actor = clerk.actor();
        let b = backend()?;
        if reopen.is_some() {
            b.marriage.reopen_day(&actor, day).await?;
        } else {
            let reason = reason.trim();
            if reason.is_empty() {
                return Err(AppError::invalid("reason", Code::Required));
            }
            if reason.chars().count() > 100 {
                return Err(AppError::invalid("reason", Code::TooLong));
            }
            b.marriage.close_day(&actor, day, reason).await?;
        }
        back_to_day(Counter::Marriage, day);
        Ok(())
    })
    .await
}

/// 高峰日放号: when a day's places open (Shanghai time `YYYY-MM-DD HH:MM`; empty: now).
#[server(prefix = "/api", endpoint = "marriage/release")]
pub async fn set_release(day: String, release_at: String) -> AppResult<()> {
    web::keeping_typed("marriage_release", &[("release_at", &release_at)], async {
        let clerk = require_clerk().await?;
        let day = parse_day(&day, "day")?;
        let at = release_at.trim().replace('T', " ");
        let release = if at.is_empty() {
            None
        } else {
            let local = chrono::NaiveDateTime::parse_from_str(&at, "%Y-%m-%d %H:%M")
                .map_err(|_| AppError::invalid("release_at", Code::DateInvalid))?;
            Some(
                local
                    .and_local_timezone(crate::rules::clock::shanghai())
                    .single()
                    .ok_or_else(|| AppError::invalid("release_at", Code::DateInvalid))?
                    .timestamp(),
            )
        };
        let actor = clerk.actor();
        backend()?
            .marriage
            .set_release(&actor, day, release)
            .await?;
        back_to_day(Counter::Marriage, day);
        Ok(())
    })
    .await
}
