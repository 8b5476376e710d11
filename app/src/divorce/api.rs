//! Server functions of divorce cases and their appointments: who is asking → parse → one desk
//! call → result. The appointments (application, certificate, counselling) go through the
//! appointment desk with this service's purposes; which slots a purpose admits is decided
//! there, by this service's rules (`server/src/desks/divorce.rs`), for the picker and the
//! booking alike.

use super::model::CaseView;
use crate::{
    appointments::model::{BookingView, PickerData},
    error::AppResult,
};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};
#[cfg(feature = "ssr")]
use {
    super::{
        desk::DivorceDesk,
        model::{APPLICATION, PURPOSES},
    },
    crate::{
        account::model::RealName,
        appointments::{
            api::require_clerk,
            desk::{AppointmentDesk, BookRequest, PartnerOf},
            model::PurposeSpec,
        },
        desk::{desk, platform},
        error::{AppError, Code},
        rules::{
            dates::{parse_day, DayRange},
            id_number::IdNumber,
            phone::Phone,
        },
        web::{self, checked_key},
    },
};

/// The resident's cases, with the server's now (unix seconds): the page decides each case's
/// phase by the same clock.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CasesView {
    pub cases: Vec<CaseView>,
    pub now: i64,
}

/// The signed-in resident's divorce cases.
#[server(prefix = "/api", endpoint = "divorce/mine")]
pub async fn my_cases() -> AppResult<Vec<CaseView>> {
    let me = web::require_resident().await?;
    Ok(desk::<dyn DivorceDesk>()?.my_cases(&me).await?)
}

/// The divorce page's cases, with the server's now.
#[server(prefix = "/api", endpoint = "divorce/overview")]
pub async fn overview() -> AppResult<CasesView> {
    let me = web::require_resident().await?;
    let cases = desk::<dyn DivorceDesk>()?.my_cases(&me).await?;
    Ok(CasesView {
        cases,
        now: platform()?.clock.now().timestamp(),
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
            let today = platform()?.clock.today();
            let parse = |v: &str, field: &str| {
                IdNumber::parse(v, today).map_err(|e| AppError::invalid(field, Code::IdNumber(e)))
            };
            let a = parse(&party_a_id_number, "party_a_id_number")?;
            let p = parse(&party_b_id_number, "party_b_id_number")?;
            let received_on = match received_on.filter(|d| !d.trim().is_empty()) {
                Some(d) => parse_day(&d, today, DayRange::RECEIPT)
                    .ok_or_else(|| AppError::invalid("received_on", Code::DateInvalid))?,
                None => today,
            };
            let case = desk::<dyn DivorceDesk>()?
                .receive(&clerk, &a, &p, received_on)
                .await?;
            leptos_axum::redirect("/staff/divorce?received=1");
            Ok(case)
        },
    )
    .await
}

/// 撤回, with the resident's explicit confirmation (a ticked box).
#[server(prefix = "/api", endpoint = "divorce/withdraw")]
pub async fn withdraw(case_id: String, confirm_withdraw: Option<String>) -> AppResult<CaseView> {
    let me = web::require_resident().await?;
    if confirm_withdraw.is_none_or(|c| c.is_empty()) {
        return Err(AppError::invalid("confirm_withdraw", Code::Required));
    }
    let case = desk::<dyn DivorceDesk>()?.withdraw(&me, &case_id).await?;
    leptos_axum::redirect("/divorce");
    Ok(case)
}

/// One of this service's purposes, by its key.
#[cfg(feature = "ssr")]
fn purpose_of(key: &str) -> AppResult<&'static PurposeSpec> {
    PURPOSES
        .iter()
        .find(|p| p.key == key)
        .ok_or(AppError::BadRequest)
}

/// The slots a purpose may book: at the divorce counter of the chosen office for an
/// application; for a certificate or counselling, at the case's office, and only those the
/// case admits (the certificate window, the cooling-off period).
#[server(prefix = "/api", endpoint = "divorce/picker")]
pub async fn appointment_picker(
    purpose: String,
    case_id: Option<String>,
    office_id: Option<String>,
) -> AppResult<PickerData> {
    let me = web::require_resident().await?;
    let purpose = purpose_of(&purpose)?;
    let case_id = case_id.filter(|c| !c.is_empty());
    Ok(desk::<dyn AppointmentDesk>()?
        .picker(
            &me,
            purpose.key,
            case_id.as_deref(),
            office_id.as_deref(),
            web::new_idempotency_key()?,
        )
        .await?)
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
            let today = platform()?.clock.today();
            let slot_id = slot_id
                .filter(|s| !s.is_empty())
                .ok_or_else(|| AppError::invalid("slot", Code::Required))?;
            let partner = if purpose.key == APPLICATION.key {
                PartnerOf::Typed {
                    name: RealName::parse(&name)
                        .map_err(|c| AppError::invalid("partner_name", c))?,
                    id_number: IdNumber::parse(&number, today)
                        .map_err(|e| AppError::invalid("partner_id_number", Code::IdNumber(e)))?,
                    phone: Phone::parse(&phone)
                        .map_err(|_| AppError::invalid("partner_phone", Code::PhoneInvalid))?,
                }
            } else {
                PartnerOf::Record(
                    case_id
                        .filter(|c| !c.is_empty())
                        .ok_or(AppError::BadRequest)?,
                )
            };
            let booking = desk::<dyn AppointmentDesk>()?
                .book(
                    &me,
                    BookRequest {
                        purpose: purpose.key,
                        slot_id,
                        partner,
                        ceremony: false,
                        partner_at_counter: false,
                        idempotency_key: checked_key(&idempotency_key)?,
                    },
                )
                .await?;
            leptos_axum::redirect(&booking.page);
            Ok(booking)
        },
    )
    .await
}
