//! Server functions of marriage appointments: who is asking → parse → one desk call → result.
//! Confirming, moving, cancelling and the clerk's day are every appointment's
//! (`crate::appointments::api`).

use crate::{
    appointments::model::{BookingView, PickerData, SlotView},
    error::AppResult,
};
use chrono::NaiveDate;
use leptos::prelude::*;
#[cfg(feature = "ssr")]
use {
    super::model::MARRIAGE,
    crate::{
        account::model::RealName,
        appointments::desk::{AppointmentDesk, BookRequest, PartnerOf},
        desk::{desk, platform},
        error::{AppError, Code},
        rules::{id_number::IdNumber, phone::Phone},
        web::{self, checked_key},
    },
};

/// The offices, and the marriage slots of one (the first when none is chosen) over its
/// booking window.
#[server(prefix = "/api", endpoint = "marriage/picker")]
pub async fn picker(office_id: Option<String>) -> AppResult<PickerData> {
    let me = web::require_resident().await?;
    Ok(desk::<dyn AppointmentDesk>()?
        .picker(
            &me,
            MARRIAGE.key,
            None,
            office_id.as_deref(),
            web::new_idempotency_key()?,
        )
        .await?)
}

/// The marriage slots of an office between two days (at most 62), with places left.
#[server(prefix = "/api", endpoint = "marriage/slots")]
pub async fn slots(office_id: String, from: NaiveDate, to: NaiveDate) -> AppResult<Vec<SlotView>> {
    if to < from || (to - from).num_days() > 62 {
        return Err(AppError::BadRequest);
    }
    Ok(desk::<dyn AppointmentDesk>()?
        .slots(&office_id, MARRIAGE.counter, from, to)
        .await?)
}

/// 预约: the applicant holds a place for the couple.
#[server(prefix = "/api", endpoint = "marriage/book")]
pub async fn book(
    slot_id: Option<String>,
    partner_name: String,
    partner_id_number: String,
    partner_phone: String,
    ceremony: Option<String>,
    partner_at_counter: Option<String>,
    idempotency_key: String,
) -> AppResult<BookingView> {
    let typed_slot = slot_id.clone().unwrap_or_default();
    let typed_ceremony = ceremony.clone().unwrap_or_default();
    let typed_counter = partner_at_counter.clone().unwrap_or_default();
    web::keeping_typed(
        "marriage_book",
        &[
            ("partner_name", &partner_name),
            ("partner_id_number", &partner_id_number),
            ("partner_phone", &partner_phone),
            ("slot", &typed_slot),
            ("ceremony", &typed_ceremony),
            ("partner_at_counter", &typed_counter),
        ],
        async {
            let me = web::require_resident().await?;
            let today = platform()?.clock.today();
            let slot_id = slot_id
                .filter(|s| !s.is_empty())
                .ok_or_else(|| AppError::invalid("slot", Code::Required))?;
            let partner_name =
                RealName::parse(&partner_name).map_err(|c| AppError::invalid("partner_name", c))?;
            let partner_id_number = IdNumber::parse(&partner_id_number, today)
                .map_err(|e| AppError::invalid("partner_id_number", Code::IdNumber(e)))?;
            let partner_phone = Phone::parse(&partner_phone)
                .map_err(|_| AppError::invalid("partner_phone", Code::PhoneInvalid))?;
            let ticked =
                |v: Option<String>| v.is_some_and(|c| c == "on" || c == "1" || c == "true");
            let request = BookRequest {
                purpose: MARRIAGE.key,
                slot_id,
                partner: PartnerOf::Typed {
                    name: partner_name,
                    id_number: partner_id_number,
                    phone: partner_phone,
                },
                ceremony: ticked(ceremony),
                partner_at_counter: ticked(partner_at_counter),
                idempotency_key: checked_key(&idempotency_key)?,
            };
            let booking = desk::<dyn AppointmentDesk>()?.book(&me, request).await?;
            leptos_axum::redirect(&booking.page);
            Ok(booking)
        },
    )
    .await
}
