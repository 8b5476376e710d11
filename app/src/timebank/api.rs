//! Server functions of the time bank: who is asking → parse into domain types → one desk call.

use super::model::{OrgDesk, PublicRecord, Statement, TimebankHome};
use crate::error::AppResult;
use leptos::prelude::*;
#[cfg(feature = "ssr")]
use {
    super::{
        desk::TimebankDesk,
        model::{parse_clock, parse_hours, NewActivity, NewNeed, Refusal},
    },
    crate::{
        desk::{desk, platform},
        error::AppError,
        identity::Role,
        rules::{
            dates::{parse_day, DayRange},
            phone::Phone,
        },
        web::{self, checked_key, Staff},
    },
};

/// A short id from a form (ids are hex or `demo-…`); anything else is a bad request.
#[cfg(feature = "ssr")]
fn id(s: &str) -> AppResult<String> {
    let s = s.trim();
    if s.is_empty() || s.len() > 64 || !s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
        return Err(AppError::BadRequest);
    }
    Ok(s.to_owned())
}

#[cfg(feature = "ssr")]
fn hours(s: &str, field: &str) -> AppResult<i64> {
    parse_hours(s).ok_or_else(|| AppError::invalid(field, Refusal::MinutesInvalid))
}

#[cfg(feature = "ssr")]
async fn admin() -> AppResult<Staff> {
    web::require_staff()
        .await?
        .with_role(Role::OrganisationAdmin)
}

/// The signed-in resident's time bank.
#[server(prefix = "/api", endpoint = "timebank/home")]
pub async fn home() -> AppResult<TimebankHome> {
    let me = web::require_resident().await?;
    let mut home = desk::<dyn TimebankDesk>()?.home(&me).await?;
    home.key = web::new_idempotency_key()?;
    Ok(home)
}

/// 申请加入 an organisation as a volunteer.
#[server(prefix = "/api", endpoint = "timebank/join")]
pub async fn join(org: String) -> AppResult<()> {
    let me = web::require_resident().await?;
    Ok(desk::<dyn TimebankDesk>()?.join(&me, &id(&org)?).await?)
}

/// 报名 a shift.
#[server(prefix = "/api", endpoint = "timebank/take-shift")]
pub async fn take_shift(shift: String) -> AppResult<()> {
    let me = web::require_resident().await?;
    Ok(desk::<dyn TimebankDesk>()?
        .take_shift(&me, &id(&shift)?)
        .await?)
}

/// 签到 (`dir=in`) or 签退 (`dir=out`) with the organiser's code.
#[server(prefix = "/api", endpoint = "timebank/sign")]
pub async fn sign(shift: String, code: String, dir: String) -> AppResult<()> {
    web::keeping_typed("timebank_sign", &[("code", &code)], async {
        let me = web::require_resident().await?;
        let out = match dir.as_str() {
            "in" => false,
            "out" => true,
            _ => return Err(AppError::BadRequest),
        };
        let code = code.trim();
        if code.is_empty() || code.len() > 8 || !code.bytes().all(|b| b.is_ascii_digit()) {
            return Err(AppError::invalid("code", Refusal::WrongCode));
        }
        Ok(desk::<dyn TimebankDesk>()?
            .sign(&me, &id(&shift)?, code, out)
            .await?)
    })
    .await
}

/// 发布需求 for oneself or for an elder who granted the time bank.
#[server(prefix = "/api", endpoint = "timebank/post-need")]
#[allow(clippy::too_many_arguments)]
pub async fn post_need(
    elder: String,
    org: String,
    kind: String,
    day: String,
    hours: String,
    note: Option<String>,
    idem_key: String,
) -> AppResult<()> {
    let note = note.unwrap_or_default();
    web::keeping_typed(
        "timebank_need",
        &[("day", &day), ("hours", &hours), ("note", &note)],
        async {
            let me = web::require_resident().await?;
            let key = checked_key(&idem_key)?;
            let today = platform()?.clock.today();
            let need = NewNeed {
                elder_id: if elder.is_empty() {
                    me.id().to_owned()
                } else {
                    id(&elder)?
                },
                org_id: id(&org).map_err(|_| AppError::invalid("org", Refusal::NoSuchOrg))?,
                kind: id(&kind).map_err(|_| AppError::invalid("kind", Refusal::NeedKindUnknown))?,
                day: parse_day(&day, today, DayRange { back: 0, ahead: 60 })
                    .ok_or_else(|| AppError::invalid("day", Refusal::DayInvalid))?,
                minutes: self::hours(&hours, "hours")?,
                note: note.trim().chars().take(200).collect(),
            };
            desk::<dyn TimebankDesk>()?
                .post_need(&me, &need, &key)
                .await?;
            leptos_axum::redirect("/timebank?posted=1");
            Ok(())
        },
    )
    .await
}

/// 接单: a volunteer takes an open need.
#[server(prefix = "/api", endpoint = "timebank/take-need")]
pub async fn take_need(need: String) -> AppResult<()> {
    let me = web::require_resident().await?;
    Ok(desk::<dyn TimebankDesk>()?
        .take_need(&me, &id(&need)?)
        .await?)
}

/// 确认完成 (`outcome=done`) or 取消 (`outcome=cancel`) a need one posted or is for.
#[server(prefix = "/api", endpoint = "timebank/close-need")]
pub async fn close_need(need: String, outcome: String, idem_key: String) -> AppResult<()> {
    let me = web::require_resident().await?;
    let done = match outcome.as_str() {
        "done" => true,
        "cancel" => false,
        _ => return Err(AppError::BadRequest),
    };
    Ok(desk::<dyn TimebankDesk>()?
        .close_need(&me, &id(&need)?, done, &checked_key(&idem_key)?)
        .await?)
}

/// 赠送 hours to a family member.
#[server(prefix = "/api", endpoint = "timebank/give")]
pub async fn give(to: String, gift_hours: String, idem_key: String) -> AppResult<()> {
    web::keeping_typed("timebank_give", &[("gift_hours", &gift_hours)], async {
        let me = web::require_resident().await?;
        let to = id(&to).map_err(|_| AppError::invalid("to", Refusal::NotFamily))?;
        Ok(desk::<dyn TimebankDesk>()?
            .give(
                &me,
                &to,
                self::hours(&gift_hours, "gift_hours")?,
                &checked_key(&idem_key)?,
            )
            .await?)
    })
    .await
}

/// 捐赠 hours to an organisation's mutual-aid fund.
#[server(prefix = "/api", endpoint = "timebank/donate")]
pub async fn donate(org: String, donation_hours: String, idem_key: String) -> AppResult<()> {
    web::keeping_typed(
        "timebank_donate",
        &[("donation_hours", &donation_hours)],
        async {
            let me = web::require_resident().await?;
            let org = id(&org).map_err(|_| AppError::invalid("org", Refusal::NoSuchOrg))?;
            Ok(desk::<dyn TimebankDesk>()?
                .donate(
                    &me,
                    &org,
                    self::hours(&donation_hours, "donation_hours")?,
                    &checked_key(&idem_key)?,
                )
                .await?)
        },
    )
    .await
}

/// 兑换 a catalogue item for points.
#[server(prefix = "/api", endpoint = "timebank/redeem")]
pub async fn redeem(item: String, idem_key: String) -> AppResult<()> {
    let me = web::require_resident().await?;
    Ok(desk::<dyn TimebankDesk>()?
        .redeem(&me, &id(&item)?, &checked_key(&idem_key)?)
        .await?)
}

/// The statement of one's minutes (or points, `points=1`), or of an elder's under a grant.
#[server(prefix = "/api", endpoint = "timebank/statement")]
pub async fn get_statement(of: String, points: String) -> AppResult<Statement> {
    let me = web::require_resident().await?;
    let owner = if of.is_empty() {
        me.id().to_owned()
    } else {
        id(&of)?
    };
    Ok(desk::<dyn TimebankDesk>()?
        .statement(&me, &owner, points == "1")
        .await?)
}

/// 开具志愿服务记录证明: issues a record and shows it, with its PDF to download.
#[server(prefix = "/api", endpoint = "timebank/issue-record")]
pub async fn issue_record() -> AppResult<String> {
    let me = web::require_resident().await?;
    let code = desk::<dyn TimebankDesk>()?.issue_record(&me).await?;
    leptos_axum::redirect(&format!("/timebank/verify/{code}?issued=1"));
    Ok(code)
}

/// The public check of a record's code (no sign-in).
#[server(prefix = "/api", endpoint = "timebank/public-record")]
pub async fn get_public_record(code: String) -> AppResult<PublicRecord> {
    Ok(desk::<dyn TimebankDesk>()?.public_record(&code).await?)
}

/// The organisation's workbench.
#[server(prefix = "/api", endpoint = "timebank/org")]
pub async fn get_org_desk() -> AppResult<OrgDesk> {
    let staff = admin().await?;
    let mut d = desk::<dyn TimebankDesk>()?.org_desk(&staff).await?;
    d.key = web::new_idempotency_key()?;
    Ok(d)
}

/// Approves (`decision=approve`) or declines a membership request.
#[server(prefix = "/api", endpoint = "timebank/decide-member")]
pub async fn decide_member(resident: String, decision: String) -> AppResult<()> {
    let staff = admin().await?;
    let approve = match decision.as_str() {
        "approve" => true,
        "decline" => false,
        _ => return Err(AppError::BadRequest),
    };
    Ok(desk::<dyn TimebankDesk>()?
        .decide_member(&staff, &id(&resident)?, approve)
        .await?)
}

/// Publishes an activity with one shift.
#[server(prefix = "/api", endpoint = "timebank/add-activity")]
pub async fn add_activity(
    title: String,
    place: String,
    day: String,
    starts: String,
    ends: String,
    places: String,
) -> AppResult<()> {
    web::keeping_typed(
        "timebank_activity",
        &[
            ("title", &title),
            ("place", &place),
            ("day", &day),
            ("starts", &starts),
            ("ends", &ends),
            ("places", &places),
        ],
        async {
            let staff = admin().await?;
            let text = |s: &str, field: &str, code: Refusal| {
                let s = s.trim();
                if s.is_empty() || s.chars().count() > 60 {
                    Err(AppError::invalid(field, code))
                } else {
                    Ok(s.to_owned())
                }
            };
            let today = platform()?.clock.today();
            let starts_minute = parse_clock(&starts)
                .filter(|m| *m < 1440)
                .ok_or_else(|| AppError::invalid("starts", Refusal::TimeInvalid))?;
            let ends_minute = parse_clock(&ends)
                .filter(|m| *m > starts_minute)
                .ok_or_else(|| AppError::invalid("ends", Refusal::TimeInvalid))?;
            let a = NewActivity {
                title: text(&title, "title", Refusal::TitleRequired)?,
                place: text(&place, "place", Refusal::PlaceRequired)?,
                day: parse_day(
                    &day,
                    today,
                    DayRange {
                        back: 0,
                        ahead: 120,
                    },
                )
                .ok_or_else(|| AppError::invalid("day", Refusal::DayInvalid))?,
                starts_minute,
                ends_minute,
                places: places
                    .trim()
                    .parse()
                    .ok()
                    .filter(|p| (1..=500).contains(p))
                    .ok_or_else(|| AppError::invalid("places", Refusal::PlacesInvalid))?,
            };
            desk::<dyn TimebankDesk>()?.add_activity(&staff, &a).await?;
            Ok(())
        },
    )
    .await
}

/// 审核 one attendance: `decision=approve` banks the minutes, `reject` does not.
#[server(prefix = "/api", endpoint = "timebank/verify")]
pub async fn verify(attendance: String, decision: String) -> AppResult<()> {
    let staff = admin().await?;
    let approve = match decision.as_str() {
        "approve" => true,
        "reject" => false,
        _ => return Err(AppError::BadRequest),
    };
    Ok(desk::<dyn TimebankDesk>()?
        .verify(&staff, &id(&attendance)?, approve)
        .await?)
}

/// 代为登记: the organiser records the hours of a volunteer who could not sign with the code.
#[server(prefix = "/api", endpoint = "timebank/record")]
pub async fn record_hours(attendance: String, hours: String) -> AppResult<()> {
    web::keeping_typed("timebank_record", &[("hours", &hours)], async {
        let staff = admin().await?;
        let minutes = self::hours(&hours, "hours")?;
        Ok(desk::<dyn TimebankDesk>()?
            .record(&staff, &id(&attendance)?, minutes)
            .await?)
    })
    .await
}

/// 一键审核: every signed-out attendance of a shift.
#[server(prefix = "/api", endpoint = "timebank/verify-shift")]
pub async fn verify_shift(shift: String) -> AppResult<u32> {
    let staff = admin().await?;
    Ok(desk::<dyn TimebankDesk>()?
        .verify_shift(&staff, &id(&shift)?)
        .await?)
}

/// 一键审核 a whole activity: every signed-out attendance of all its shifts.
#[server(prefix = "/api", endpoint = "timebank/verify-activity")]
pub async fn verify_activity(activity: String) -> AppResult<u32> {
    let staff = admin().await?;
    Ok(desk::<dyn TimebankDesk>()?
        .verify_activity(&staff, &id(&activity)?)
        .await?)
}

/// 冲正 a transaction of the organisation with a reason.
#[server(prefix = "/api", endpoint = "timebank/reverse")]
pub async fn reverse(tx: String, reason: String, idem_key: String) -> AppResult<()> {
    web::keeping_typed("timebank_reverse", &[("reason", &reason)], async {
        let staff = admin().await?;
        let reason: String = reason.trim().chars().take(200).collect();
        if reason.is_empty() {
            return Err(AppError::invalid("reason", Refusal::ReasonRequired));
        }
        Ok(desk::<dyn TimebankDesk>()?
            .reverse(&staff, &id(&tx)?, &reason, &checked_key(&idem_key)?)
            .await?)
    })
    .await
}

/// 基金发放 to a priority elder, found by phone and real name.
#[server(prefix = "/api", endpoint = "timebank/fund-grant")]
pub async fn fund_grant(
    phone: String,
    name: String,
    hours: String,
    idem_key: String,
) -> AppResult<()> {
    web::keeping_typed(
        "timebank_grant",
        &[("phone", &phone), ("name", &name), ("hours", &hours)],
        async {
            let staff = admin().await?;
            let phone = Phone::parse(&phone)
                .map_err(|_| AppError::invalid("phone", crate::error::Code::PhoneInvalid))?;
            let name = name.trim();
            if name.is_empty() || name.chars().count() > 30 {
                return Err(AppError::invalid("name", Refusal::NotPriority));
            }
            Ok(desk::<dyn TimebankDesk>()?
                .fund_grant(
                    &staff,
                    &phone,
                    name,
                    self::hours(&hours, "hours")?,
                    &checked_key(&idem_key)?,
                )
                .await?)
        },
    )
    .await
}
