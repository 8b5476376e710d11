//! Server functions of divorce cases and their appointments: who is asking → parse → one desk
//! call → result. The appointments (application, certificate, counselling) go through the
//! registry office's appointment desk with their purpose; confirming and cancelling use the
//! marriage service's functions, which return to the page of the appointment's purpose.

use super::model::CaseView;
#[cfg(feature = "ssr")]
use crate::{
    account::model::RealName,
    desk::backend,
    error::{AppError, Code},
    marriage::{
        api::{checked_key, new_key, require_clerk},
        desk::{BookRequest, PartnerOf},
        model::{slot_start, Purpose},
    },
    rules::{id_number::IdNumber, phone::Phone},
    web,
};
use crate::{
    error::AppResult,
    marriage::{api::PickerData, model::BookingView},
};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// The divorce page: my cases with the explanation of their dates, and my appointments.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DivorceOverview {
    pub cases: Vec<CaseView>,
    pub appointments: Vec<BookingView>,
    /// The server's now (unix seconds): the page decides the phase by the same clock.
    pub now: i64,
}

/// The signed-in resident's cases and divorce appointments.
#[server(prefix = "/api", endpoint = "divorce/overview")]
pub async fn overview() -> AppResult<DivorceOverview> {
    let me = web::require_resident().await?;
    let b = backend()?;
    let cases = b.divorce.my_cases(&me.id).await?;
    let mut appointments = b.marriage.my_bookings(&me.id).await?;
    appointments.retain(|a| a.purpose.service() == "divorce");
    Ok(DivorceOverview {
        cases,
        appointments,
        now: b.clock.now().timestamp(),
    })
}

/// 受理: the registry clerk records the receipt of a joint application (default: today).
#[server(prefix = "/api", endpoint = "divorce/receive")]
pub async fn receive(
    party_a_id_number: String,
    party_b_id_number: String,
    received_on: Option<String>,
) -> AppResult<CaseView> {
    let received = received_on.clone().unwrap_or_default();
    web::keeping_typed(
        "divorce_receive",
        &[
            ("party_a_id_number", &party_a_id_number),
            ("party_b_id_number", &party_b_id_number),
            ("received_on", &received),
        ],
        async {
            let clerk = require_clerk().await?;
            let b = backend()?;
            let today = b.clock.today();
            let parse = |v: &str, field: &str| {
                IdNumber::parse(v, today).map_err(|e| AppError::invalid(field, Code::IdNumber(e)))
            };
            let a = parse(&party_a_id_number, "party_a_id_number")?;
            let p = parse(&party_b_id_number, "party_b_id_number")?;
            let received_on = match received_on.filter(|d| !d.trim().is_empty()) {
                Some(d) => chrono::NaiveDate::parse_from_str(d.trim(), "%Y-%m-%d")
                    .ok()
                    .filter(|d| *d <= today)
                    .ok_or_else(|| AppError::invalid("received_on", Code::DateInvalid))?,
                None => today,
            };
            let case = b
                .divorce
                .receive(&clerk.actor(), &a, &p, received_on)
                .await?;
            leptos_axum::redirect("/staff/divorce?received=1");
            Ok(case)
        },
    )
    .await
}

/// The signed-in resident's divorce cases.
#[server(prefix = "/api", endpoint = "divorce/mine")]
pub async fn my_cases() -> AppResult<Vec<CaseView>> {
    let me = web::require_resident().await?;
    Ok(backend()?.divorce.my_cases(&me.id).await?)
}

/// 撤回, with the resident's explicit confirmation (a ticked box).
#[server(prefix = "/api", endpoint = "divorce/withdraw")]
pub async fn withdraw(case_id: String, confirm_withdraw: Option<String>) -> AppResult<CaseView> {
    let me = web::require_resident().await?;
    if confirm_withdraw.is_none_or(|c| c.is_empty()) {
        return Err(AppError::invalid("confirm_withdraw", Code::Required));
    }
    let case = backend()?.divorce.withdraw(&me.id, &case_id).await?;
    leptos_axum::redirect("/divorce");
    Ok(case)
}

#[cfg(feature = "ssr")]
fn purpose_of(purpose: &str) -> AppResult<Purpose> {
    Purpose::parse(purpose)
        .filter(|p| p.service() == "divorce")
        .ok_or(AppError::BadRequest)
}

/// The slots the purpose may book: at the divorce counter of the chosen office for an
/// application; for a certificate or counselling, at the case's office and only inside the
/// certificate window or the cooling-off period (the desk checks again when booking).
#[server(prefix = "/api", endpoint = "divorce/picker")]
pub async fn appointment_picker(
    purpose: String,
    case_id: Option<String>,
    office_id: Option<String>,
) -> AppResult<PickerData> {
    let me = web::require_resident().await?;
    let purpose = purpose_of(&purpose)?;
    let b = backend()?;
    let offices = b.marriage.offices().await?;
    let today = b.clock.today();
    let case = match purpose {
        Purpose::DivorceApplication => None,
        _ => {
            let case_id = case_id
                .filter(|c| !c.is_empty())
                .ok_or(AppError::NotFound)?;
            let cases = b.divorce.my_cases(&me.id).await?;
            Some(
                cases
                    .into_iter()
                    .find(|c| c.id == case_id)
                    .ok_or(AppError::NotFound)?,
            )
        }
    };
    let office_id = match &case {
        Some(c) => c.office_id.clone(),
        None => office_id
            .filter(|id| offices.iter().any(|o| &o.id == id))
            .or_else(|| offices.first().map(|o| o.id.clone()))
            .ok_or(AppError::NotFound)?,
    };
    let mut slots = b
        .marriage
        .slots(
            &office_id,
            purpose.counter(),
            today + chrono::Days::new(1),
            today + chrono::Days::new(62),
        )
        .await?;
    if let Some(c) = &case {
        slots.retain(|s| {
            let at = slot_start(s.day, &s.starts).timestamp();
            match purpose {
                Purpose::DivorceCertificate => at >= c.cooling_ends_at && at < c.window_ends_at,
                _ => at < c.cooling_ends_at,
            }
        });
    }
    Ok(PickerData {
        offices,
        office_id,
        slots,
        idempotency_key: new_key(),
    })
}

/// 预约: an application appointment (with the other party typed), or a certificate or
/// counselling appointment for one of the resident's cases.
#[server(prefix = "/api", endpoint = "divorce/book")]
#[allow(clippy::too_many_arguments)]
pub async fn book_appointment(
    purpose: String,
    case_id: Option<String>,
    slot_id: Option<String>,
    partner_name: Option<String>,
    partner_id_number: Option<String>,
    partner_phone: Option<String>,
    idempotency_key: String,
) -> AppResult<BookingView> {
    let (name, number, phone) = (
        partner_name.unwrap_or_default(),
        partner_id_number.unwrap_or_default(),
        partner_phone.unwrap_or_default(),
    );
    let typed_slot = slot_id.clone().unwrap_or_default();
    web::keeping_typed(
        "divorce_book",
        &[
            ("partner_name", &name),
            ("partner_id_number", &number),
            ("partner_phone", &phone),
            ("slot", &typed_slot),
        ],
        async {
            let me = web::require_resident().await?;
            let purpose = purpose_of(&purpose)?;
            let b = backend()?;
            let slot_id = slot_id
                .filter(|s| !s.is_empty())
                .ok_or_else(|| AppError::invalid("slot", Code::Required))?;
            let partner = if purpose == Purpose::DivorceApplication {
                PartnerOf::Typed {
                    name: RealName::parse(&name)
                        .map_err(|c| AppError::invalid("partner_name", c))?,
                    id_number: IdNumber::parse(&number, b.clock.today())
                        .map_err(|e| AppError::invalid("partner_id_number", Code::IdNumber(e)))?,
                    phone: Phone::parse(&phone)
                        .map_err(|_| AppError::invalid("partner_phone", Code::PhoneInvalid))?,
                }
            } else {
                PartnerOf::Case(
                    case_id
                        .filter(|c| !c.is_empty())
                        .ok_or(AppError::BadRequest)?,
                )
            };
            let booking = b
                .marriage
                .book(
                    &me.id,
                    BookRequest {
                        purpose,
                        slot_id,
                        partner,
                        ceremony: false,
                        idempotency_key: checked_key(&idempotency_key)?,
                    },
                )
                .await?;
            leptos_axum::redirect(&booking.purpose.page(&booking.id));
            Ok(booking)
        },
    )
    .await
}
