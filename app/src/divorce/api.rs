//! Server functions of divorce cases: who is asking → parse → one desk call → result.

use super::model::CaseView;
use crate::error::AppResult;
#[cfg(feature = "ssr")]
use crate::{
    desk::backend,
    error::{AppError, Code},
    marriage::api::require_clerk,
    rules::id_number::IdNumber,
    web,
};
use leptos::prelude::*;

/// 受理: the registry clerk records the receipt of a joint application (default: today).
#[server(prefix = "/api", endpoint = "divorce/receive")]
pub async fn receive(
    party_a_id_number: String,
    party_b_id_number: String,
    received_on: Option<String>,
) -> AppResult<CaseView> {
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
    Ok(b.divorce
        .receive(&clerk.actor(), &a, &p, received_on)
        .await?)
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
    Ok(backend()?.divorce.withdraw(&me.id, &case_id).await?)
}
