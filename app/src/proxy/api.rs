//! Server functions of proxy grants: who is asking → parse → one desk call.

use super::model::Grants;
use crate::error::AppResult;
use leptos::prelude::*;
#[cfg(feature = "ssr")]
use {
    super::{
        desk::{GrantRequest, ProxyDesk},
        model::{FamilyWay, Refusal, Relation, Scope, MAX_DAYS},
    },
    crate::{
        account::model::RealName,
        desk::{desk, platform},
        error::{AppError, Code},
        rules::{
            dates::{parse_day, DayRange},
            id_number::IdNumber,
            phone::Phone,
        },
        web,
    },
};

/// The scopes ticked (`scopes[0]`, `scopes[1]`…) and the last day, parsed.
#[cfg(feature = "ssr")]
fn terms(scopes: Option<Vec<String>>, ends_on: &str) -> AppResult<(Vec<Scope>, chrono::NaiveDate)> {
    let mut scopes: Vec<Scope> = scopes
        .unwrap_or_default()
        .iter()
        .filter_map(|s| Scope::parse(s))
        .collect();
    scopes.sort();
    scopes.dedup();
    if scopes.is_empty() {
        return Err(AppError::invalid("scopes", Refusal::ScopeRequired));
    }
    let today = platform()?.clock.today();
    let range = DayRange {
        back: 0,
        ahead: MAX_DAYS as u32,
    };
    let ends_on = parse_day(ends_on, today, range)
        .filter(|d| *d > today)
        .ok_or_else(|| AppError::invalid("ends_on", Refusal::EndsOnInvalid))?;
    Ok((scopes, ends_on))
}

#[cfg(feature = "ssr")]
fn grant_request(
    elder_phone: &str,
    elder_name: &str,
    relation: &str,
    scopes: Option<Vec<String>>,
    ends_on: &str,
) -> AppResult<GrantRequest> {
    let elder_phone = Phone::parse(elder_phone)
        .map_err(|_| AppError::invalid("elder_phone", Code::PhoneInvalid))?;
    let elder_name = RealName::parse(elder_name)
        .map_err(|c| AppError::invalid("elder_name", c))?
        .as_str()
        .to_owned();
    let relation =
        Relation::parse(relation).ok_or_else(|| AppError::invalid("relation", Code::Required))?;
    let (scopes, ends_on) = terms(scopes, ends_on)?;
    Ok(GrantRequest {
        elder_phone,
        elder_name,
        relation,
        scopes,
        ends_on,
    })
}

/// The signed-in resident's grants, given and held.
#[server(prefix = "/api", endpoint = "proxy/mine")]
pub async fn my_grants() -> AppResult<Grants> {
    let me = web::require_resident().await?;
    Ok(desk::<dyn ProxyDesk>()?.grants(&me).await?)
}

/// A family member asks to act for an elder. The scopes come as `scopes[0]`, `scopes[1]`.
#[server(prefix = "/api", endpoint = "proxy/request")]
pub async fn request_grant(
    elder_phone: String,
    elder_name: String,
    relation: String,
    scopes: Option<Vec<String>>,
    ends_on: String,
) -> AppResult<()> {
    web::keeping_typed(
        "proxy_request",
        &[
            ("elder_phone", &elder_phone),
            ("elder_name", &elder_name),
            ("ends_on", &ends_on),
        ],
        async {
            let me = web::require_resident().await?;
            let req = grant_request(&elder_phone, &elder_name, &relation, scopes, &ends_on)?;
            desk::<dyn ProxyDesk>()?.request(&me, &req).await?;
            Ok(())
        },
    )
    .await
}

/// A grant between the resident and a family member the platform knows of (`link`):
/// `way=give` lets them act for the resident, `way=ask` asks to act for them.
#[server(prefix = "/api", endpoint = "proxy/family")]
pub async fn family_grant(
    link: String,
    way: String,
    scopes: Option<Vec<String>>,
    ends_on: String,
) -> AppResult<()> {
    web::keeping_typed("proxy_family", &[("ends_on", &ends_on)], async {
        let me = web::require_resident().await?;
        let way = match way.as_str() {
            "give" => FamilyWay::Give,
            "ask" => FamilyWay::Ask,
            _ => return Err(AppError::BadRequest),
        };
        let (scopes, ends_on) = terms(scopes, &ends_on)?;
        desk::<dyn ProxyDesk>()?
            .family_grant(&me, link.trim(), way, &scopes, ends_on)
            .await?;
        Ok(())
    })
    .await
}

/// The elder confirms (`answer=yes`) or declines a request.
#[server(prefix = "/api", endpoint = "proxy/answer")]
pub async fn answer_grant(grant: String, answer: String) -> AppResult<()> {
    let me = web::require_resident().await?;
    let yes = match answer.as_str() {
        "yes" => true,
        "no" => false,
        _ => return Err(AppError::BadRequest),
    };
    desk::<dyn ProxyDesk>()?
        .answer(&me, grant.trim(), yes)
        .await?;
    Ok(())
}

/// Either side ends a grant.
#[server(prefix = "/api", endpoint = "proxy/revoke")]
pub async fn revoke_grant(grant: String) -> AppResult<()> {
    let me = web::require_resident().await?;
    desk::<dyn ProxyDesk>()?.revoke(&me, grant.trim()).await?;
    Ok(())
}

/// A canteen operator or community worker records a grant for an elder without a phone of their own
/// to confirm on, after checking the elder's ID card.
#[server(prefix = "/api", endpoint = "proxy/record")]
#[allow(clippy::too_many_arguments)]
pub async fn record_grant(
    elder_phone: String,
    elder_name: String,
    elder_id_number: String,
    proxy_phone: String,
    relation: String,
    scopes: Option<Vec<String>>,
    ends_on: String,
) -> AppResult<()> {
    web::keeping_typed(
        "proxy_record",
        &[
            ("elder_phone", &elder_phone),
            ("elder_name", &elder_name),
            ("proxy_phone", &proxy_phone),
            ("ends_on", &ends_on),
        ],
        async {
            let staff = web::require_staff().await?;
            if !super::model::may_record(staff.role()) {
                return Err(AppError::Forbidden);
            }
            let req = grant_request(&elder_phone, &elder_name, &relation, scopes, &ends_on)?;
            let today = platform()?.clock.today();
            let id = IdNumber::parse(&elder_id_number, today)
                .map_err(|e| AppError::invalid("elder_id_number", Code::IdNumber(e)))?;
            let proxy_phone = Phone::parse(&proxy_phone)
                .map_err(|_| AppError::invalid("proxy_phone", Code::PhoneInvalid))?;
            desk::<dyn ProxyDesk>()?
                .record(&staff, &req, &id, &proxy_phone)
                .await?;
            Ok(())
        },
    )
    .await
}
