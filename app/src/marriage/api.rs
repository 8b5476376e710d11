//! Server functions of marriage appointments: who is asking → parse → one desk call → result.

use super::model::{BookingView, SlotView};
use crate::error::AppResult;
use chrono::NaiveDate;
use leptos::prelude::*;
#[cfg(feature = "ssr")]
use {
    super::desk::BookRequest,
    crate::{
        account::model::RealName,
        desk::backend,
        error::{AppError, Code},
        rules::{id_number::IdNumber, phone::Phone},
        web,
    },
};

/// The slots of an office in a date range.
#[server(prefix = "/api", endpoint = "marriage/slots")]
pub async fn slots(office_id: String, from: NaiveDate, to: NaiveDate) -> AppResult<Vec<SlotView>> {
    if to < from || (to - from).num_days() > 62 {
        return Err(AppError::BadRequest);
    }
    Ok(backend()?.marriage.slots(&office_id, from, to).await?)
}

/// 预约: the applicant holds a place for the couple.
#[server(prefix = "/api", endpoint = "marriage/book")]
pub async fn book(
    slot_id: String,
    partner_name: String,
    partner_id_number: String,
    partner_phone: String,
    ceremony: Option<String>,
    idempotency_key: String,
) -> AppResult<BookingView> {
    web::keeping_typed(
        "marriage_book",
        &[
            ("partner_name", &partner_name),
            ("partner_id_number", &partner_id_number),
            ("partner_phone", &partner_phone),
        ],
        async {
            let me = web::require_resident().await?;
            let b = backend()?;
            let partner_name =
                RealName::parse(&partner_name).map_err(|c| AppError::invalid("partner_name", c))?;
            let partner_id_number = IdNumber::parse(&partner_id_number, b.clock.today())
                .map_err(|e| AppError::invalid("partner_id_number", Code::IdNumber(e)))?;
            let partner_phone = Phone::parse(&partner_phone)
                .map_err(|_| AppError::invalid("partner_phone", Code::PhoneInvalid))?;
            let idempotency_key = idempotency_key.trim().to_owned();
            if idempotency_key.is_empty() || idempotency_key.len() > 64 {
                return Err(AppError::BadRequest);
            }
            let request = BookRequest {
                slot_id,
                partner_name,
                partner_id_number,
                partner_phone,
                ceremony: ceremony.is_some_and(|c| c == "on" || c == "1" || c == "true"),
                idempotency_key,
            };
            Ok(b.marriage.book(&me.id, request).await?)
        },
    )
    .await
}

/// 取消预约.
#[server(prefix = "/api", endpoint = "marriage/cancel")]
pub async fn cancel(booking_id: String) -> AppResult<()> {
    let me = web::require_resident().await?;
    Ok(backend()?.marriage.cancel(&me.id, &booking_id).await?)
}

/// The signed-in resident's marriage bookings.
#[server(prefix = "/api", endpoint = "marriage/mine")]
pub async fn my_bookings() -> AppResult<Vec<BookingView>> {
    let me = web::require_resident().await?;
    Ok(backend()?.marriage.my_bookings(&me.id).await?)
}
