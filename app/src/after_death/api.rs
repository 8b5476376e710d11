//! Server functions of the after-death one-thing: who is asking → parse into domain types →
//! one desk call. The application is three steps (the deceased, the questionnaire, review and
//! submit); the draft is kept in a short-lived HttpOnly cookie between them, so the ID number
//! never goes into an address and every step works without JavaScript.

use super::model::{ApplyForm, BundleView, PaymentView, QueueItem, StaffTaskView};
use crate::error::AppResult;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};
#[cfg(feature = "ssr")]
use {
    super::{
        desk::{Account, AfterDeathDesk},
        model::{
            ApplicationDraft, ApplyOutcome, DeceasedDraft, DistrictChoice, ItemPreview, NeedView,
            Refusal, Relationship, StaffAction,
        },
        policy::{decide, Answers, BurialForm, Policies},
    },
    crate::{
        account::model::RealName,
        desk::{desk, platform},
        error::{AppError, Code},
        identity::Role,
        rules::{
            bank_card::BankCard,
            dates::{parse_day, DayRange},
            id_number::IdNumber,
            money::parse_yuan,
        },
        web::{self, checked_key},
    },
};

/// A page's data with the server's now (unix seconds), so due dates read by the same clock.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WithNow<T> {
    pub data: T,
    pub now: i64,
}

#[cfg(feature = "ssr")]
const DRAFT_COOKIE: &str = "mz_draft_after_death";

#[cfg(feature = "ssr")]
fn policies() -> &'static Policies {
    static P: std::sync::OnceLock<Policies> = std::sync::OnceLock::new();
    P.get_or_init(Policies::shipped)
}

#[cfg(feature = "ssr")]
fn read_draft() -> Option<ApplicationDraft> {
    let raw = web::cookie(DRAFT_COOKIE)?;
    let bytes = hex::decode(raw).ok()?;
    serde_json::from_slice(&bytes).ok()
}

#[cfg(feature = "ssr")]
fn write_draft(d: &ApplicationDraft) -> AppResult<()> {
    let json = serde_json::to_string(d).map_err(|_| AppError::Internal)?;
    web::set_cookie(DRAFT_COOKIE, &hex::encode(json), 60 * 60, true);
    Ok(())
}

#[cfg(feature = "ssr")]
fn with_now<T>(data: T) -> AppResult<WithNow<T>> {
    Ok(WithNow {
        data,
        now: platform()?.clock.now().timestamp(),
    })
}

/// The resident's bundles.
#[server(prefix = "/api", endpoint = "after-death/mine")]
pub async fn my_bundles() -> AppResult<WithNow<Vec<BundleView>>> {
    let me = web::require_resident().await?;
    with_now(desk::<dyn AfterDeathDesk>()?.my_bundles(&me).await?)
}

/// One bundle and its task list (its applicants only).
#[server(prefix = "/api", endpoint = "after-death/bundle")]
pub async fn bundle(id: String) -> AppResult<WithNow<BundleView>> {
    let me = web::require_resident().await?;
    let mut b = desk::<dyn AfterDeathDesk>()?.bundle(&me, &id).await?;
    let locale = crate::prefs::Prefs::detect().locale;
    b.follow_ups = b.follow_ups.map(|f| f.worded(locale));
    with_now(b)
}

/// What the application's pages need at every step.
#[server(prefix = "/api", endpoint = "after-death/form")]
pub async fn application_form() -> AppResult<ApplyForm> {
    web::require_resident().await?;
    let districts = policies()
        .all()
        .iter()
        .map(|p| DistrictChoice {
            key: p.district.clone(),
            name_zh: p.name_zh.clone(),
            name_en: p.name_en.clone(),
            demo: p.demo,
        })
        .collect();
    let mut draft = read_draft();
    let (mut items, mut needs_account, mut version, mut demo) =
        (vec![], false, String::new(), false);
    if let Some(d) = &draft {
        if let (Some(answers), Some(policy)) =
            (&d.answers, policies().district(&d.deceased.district))
        {
            version = policy.version.clone();
            demo = policy.demo;
            for x in decide(policy, answers) {
                needs_account |= x.applies && x.item.pays;
                items.push(ItemPreview {
                    key: x.item.key.clone(),
                    department: x.item.department,
                    name_zh: x.item.name_zh.clone(),
                    name_en: x.item.name_en.clone(),
                    about_zh: x.item.about_zh.clone(),
                    about_en: x.item.about_en.clone(),
                    applies: x.applies,
                    reasons: x.reasons,
                    amount: x.amount,
                    needs: x.item.needs.iter().map(|n| NeedView::of(n, 0)).collect(),
                    limit: x.item.limit,
                    pays: x.item.pays,
                });
            }
        }
    }
    // The browser never gets the full ID number back.
    if let Some(d) = draft.as_mut() {
        d.deceased.id_number = String::new();
    }
    Ok(ApplyForm {
        districts,
        draft,
        items,
        needs_account,
        policy_version: version,
        policy_demo: demo,
        key: web::new_idempotency_key()?,
    })
}

/// Step one, 逝者信息: checks who died and who applies, keeps it, goes to the questionnaire.
#[server(prefix = "/api", endpoint = "after-death/deceased")]
pub async fn deceased_step(
    deceased_name: String,
    deceased_id_number: String,
    died_on: String,
    certificate_no: String,
    relationship: String,
    district: String,
) -> AppResult<()> {
    web::keeping_typed(
        "after_death_deceased",
        &[
            ("deceased_name", &deceased_name),
            ("deceased_id_number", &deceased_id_number),
            ("died_on", &died_on),
            ("certificate_no", &certificate_no),
            ("relationship", &relationship),
            ("district", &district),
        ],
        async {
            let me = web::require_resident().await?;
            if !me.is_real_name_bound() {
                return Err(AppError::invalid(
                    "deceased_name",
                    Refusal::RealNameRequired,
                ));
            }
            let today = platform()?.clock.today();
            let name = RealName::parse(&deceased_name)
                .map_err(|c| AppError::invalid("deceased_name", c))?;
            let id = IdNumber::parse(&deceased_id_number, today)
                .map_err(|e| AppError::invalid("deceased_id_number", Code::IdNumber(e)))?;
            let died = parse_day(&died_on, today, DayRange::LIFETIME)
                .ok_or_else(|| AppError::invalid("died_on", Code::DateInvalid))?;
            if died > today || died < id.birth_date() {
                return Err(AppError::invalid("died_on", Refusal::DiedOnInvalid));
            }
            let cert: String = certificate_no
                .chars()
                .filter(|c| !c.is_whitespace())
                .collect::<String>()
                .to_uppercase();
            if !(6..=30).contains(&cert.len()) || !cert.bytes().all(|b| b.is_ascii_alphanumeric()) {
                return Err(AppError::invalid(
                    "certificate_no",
                    Refusal::CertificateNoInvalid,
                ));
            }
            let relationship = Relationship::parse(&relationship)
                .ok_or_else(|| AppError::invalid("relationship", Code::Required))?;
            if policies().district(&district).is_none() {
                return Err(AppError::invalid("district", Refusal::DistrictUnknown));
            }
            let previous = read_draft().and_then(|d| d.answers);
            write_draft(&ApplicationDraft {
                deceased: DeceasedDraft {
                    name: name.as_str().to_owned(),
                    id_number_masked: id.masked(),
                    id_number: id.as_str().to_owned(),
                    died_on: died,
                    certificate_no: cert,
                    relationship,
                    district: district.clone(),
                },
                answers: previous,
            })?;
            leptos_axum::redirect("/after-death/apply?step=questions");
            Ok(())
        },
    )
    .await
}

/// Step two, 情况问卷: what the applicant knows of the deceased decides which items apply.
#[server(prefix = "/api", endpoint = "after-death/questions")]
#[allow(clippy::too_many_arguments)]
pub async fn questions_step(
    pension: Option<String>,
    medical_insurance: Option<String>,
    dibao: Option<String>,
    tekun: Option<String>,
    aged_allowance: Option<String>,
    disability_card: Option<String>,
    veteran: Option<String>,
    housing_fund: Option<String>,
    burial: String,
) -> AppResult<()> {
    web::require_resident().await?;
    let mut draft =
        read_draft().ok_or_else(|| AppError::invalid("burial", Refusal::DraftExpired))?;
    let yes = |v: &Option<String>| v.as_deref().is_some_and(|v| !v.is_empty());
    let burial =
        BurialForm::parse(&burial).ok_or_else(|| AppError::invalid("burial", Code::Required))?;
    draft.answers = Some(Answers {
        pension: yes(&pension),
        medical_insurance: yes(&medical_insurance),
        dibao: yes(&dibao),
        tekun: yes(&tekun),
        aged_allowance: yes(&aged_allowance),
        disability_card: yes(&disability_card),
        veteran: yes(&veteran),
        housing_fund: yes(&housing_fund),
        burial,
    });
    write_draft(&draft)?;
    leptos_axum::redirect("/after-death/apply?step=review");
    Ok(())
}

/// Step three, 确认提交: the payment account if a subsidy applies, then one bundle.
#[server(prefix = "/api", endpoint = "after-death/submit")]
pub async fn submit(
    account_name: Option<String>,
    account_card: Option<String>,
    hours_to: Option<String>,
    idem_key: String,
) -> AppResult<()> {
    let name_typed = account_name.clone().unwrap_or_default();
    let card_typed = account_card.clone().unwrap_or_default();
    web::keeping_typed(
        "after_death_submit",
        &[("account_name", &name_typed), ("account_card", &card_typed)],
        async {
            let me = web::require_resident().await?;
            let key = checked_key(&idem_key)?;
            let draft = read_draft()
                .ok_or_else(|| AppError::invalid("account_name", Refusal::DraftExpired))?;
            let answers = draft
                .answers
                .clone()
                .ok_or_else(|| AppError::invalid("account_name", Refusal::DraftExpired))?;
            let account = if name_typed.trim().is_empty() && card_typed.trim().is_empty() {
                None
            } else {
                let name = RealName::parse(&name_typed)
                    .map_err(|c| AppError::invalid("account_name", c))?;
                let card = BankCard::parse(&card_typed)
                    .map_err(|_| AppError::invalid("account_card", Refusal::BankCardInvalid))?;
                Some(Account {
                    name: name.as_str().to_owned(),
                    card,
                })
            };
            let hours_to_fund = match hours_to.as_deref().unwrap_or("me") {
                "me" => false,
                "fund" => true,
                _ => return Err(AppError::invalid("hours_to", Code::Required)),
            };
            match desk::<dyn AfterDeathDesk>()?
                .apply(&me, &draft, &answers, account, hours_to_fund, &key)
                .await?
            {
                ApplyOutcome::Created { case_id } => {
                    web::set_cookie(DRAFT_COOKIE, "", 0, true);
                    leptos_axum::redirect(&format!("/after-death/bundle/{case_id}?new=1"));
                }
                ApplyOutcome::Exists { holder_masked } => {
                    let holder: String = holder_masked
                        .chars()
                        .take(8)
                        .map(|c| {
                            if c.is_alphanumeric() || c == '*' {
                                c
                            } else {
                                '*'
                            }
                        })
                        .collect();
                    leptos_axum::redirect(&format!(
                        "/after-death/apply?step=exists&holder={}",
                        holder
                            .bytes()
                            .map(|b| format!("%{b:02X}"))
                            .collect::<String>()
                    ));
                }
            }
            Ok(())
        },
    )
    .await
}

/// A relative of a deceased person whose bundle another holds asks to be added (the death
/// certificate number from the draft must match the bundle's).
#[server(prefix = "/api", endpoint = "after-death/join")]
pub async fn request_join() -> AppResult<()> {
    let me = web::require_resident().await?;
    let draft = read_draft().ok_or_else(|| AppError::invalid("join", Refusal::DraftExpired))?;
    let today = platform()?.clock.today();
    let id = IdNumber::parse(&draft.deceased.id_number, today)
        .map_err(|e| AppError::invalid("join", Code::IdNumber(e)))?;
    desk::<dyn AfterDeathDesk>()?
        .request_join(
            &me,
            &id,
            &draft.deceased.certificate_no,
            draft.deceased.relationship,
        )
        .await
        .map_err(|e| match AppError::from(e) {
            AppError::Invalid { code, .. } => AppError::Invalid {
                field: "join".into(),
                code,
            },
            e => e,
        })?;
    web::set_cookie(DRAFT_COOKIE, "", 0, true);
    leptos_axum::redirect("/after-death?asked=1");
    Ok(())
}

/// The holder adds a relative who asked.
#[server(prefix = "/api", endpoint = "after-death/accept")]
pub async fn accept_join(case_id: String, resident_id: String) -> AppResult<()> {
    let me = web::require_resident().await?;
    desk::<dyn AfterDeathDesk>()?
        .accept_join(&me, &case_id, &resident_id)
        .await?;
    leptos_axum::redirect(&format!("/after-death/bundle/{case_id}"));
    Ok(())
}

/// 已补正: the family says a returned item now has what was asked for.
#[server(prefix = "/api", endpoint = "after-death/resubmit")]
pub async fn resubmit(case_id: String, task_id: String) -> AppResult<()> {
    let me = web::require_resident().await?;
    desk::<dyn AfterDeathDesk>()?
        .resubmit(&me, &task_id)
        .await
        .map_err(|e| match AppError::from(e) {
            AppError::Invalid { code, .. } => AppError::Invalid {
                field: format!("resubmit-{task_id}"),
                code,
            },
            e => e,
        })?;
    leptos_axum::redirect(&format!("/after-death/bundle/{case_id}#task-{task_id}"));
    Ok(())
}

/// The staff member's queue (民政 for funeral reviewers, their department for officers).
#[server(prefix = "/api", endpoint = "after-death/queue")]
pub async fn queue() -> AppResult<WithNow<Vec<QueueItem>>> {
    let staff = web::require_staff().await?;
    with_now(desk::<dyn AfterDeathDesk>()?.queue(&staff).await?)
}

/// One task of the staff member's department (audited read).
#[server(prefix = "/api", endpoint = "after-death/task")]
pub async fn staff_task(id: String) -> AppResult<WithNow<StaffTaskView>> {
    let staff = web::require_staff().await?;
    with_now(desk::<dyn AfterDeathDesk>()?.task(&staff, &id).await?)
}

/// A staff decision on a task: `accept`, `return` (with a reason), `approve` (with an amount
/// in yuan), `reject` (with a reason), `complete`.
#[server(prefix = "/api", endpoint = "after-death/act")]
pub async fn act(
    task_id: String,
    action: String,
    reason: Option<String>,
    amount: Option<String>,
    idem_key: String,
) -> AppResult<()> {
    let reason_typed = reason.clone().unwrap_or_default();
    let amount_typed = amount.clone().unwrap_or_default();
    web::keeping_typed(
        "after_death_act",
        &[("reason", &reason_typed), ("amount", &amount_typed)],
        async {
            let staff = web::require_staff().await?;
            let key = checked_key(&idem_key)?;
            let action = match action.as_str() {
                "accept" => StaffAction::Accept,
                "complete" => StaffAction::Complete,
                "return" => StaffAction::Return {
                    reason: reason_typed.clone(),
                },
                "reject" => StaffAction::Reject {
                    reason: reason_typed.clone(),
                },
                "approve" => StaffAction::Approve {
                    fen: parse_yuan(&amount_typed)
                        .map_err(|_| AppError::invalid("amount", Code::NumberInvalid))?,
                },
                _ => return Err(AppError::BadRequest),
            };
            desk::<dyn AfterDeathDesk>()?
                .act(&staff, &task_id, action, &key)
                .await?;
            leptos_axum::redirect(&format!("/staff/after-death/task/{task_id}?done=1"));
            Ok(())
        },
    )
    .await
}

/// The finance office's list: payments awaiting a step, and those paid on `day` (default today).
#[server(prefix = "/api", endpoint = "after-death/payments")]
pub async fn payments(day: Option<String>) -> AppResult<WithNow<Vec<PaymentView>>> {
    let staff = web::require_staff().await?;
    let today = platform()?.clock.today();
    let day = day
        .filter(|d| !d.trim().is_empty())
        .and_then(|d| parse_day(&d, today, DayRange::CLERK_DAY))
        .unwrap_or(today);
    with_now(desk::<dyn AfterDeathDesk>()?.payments(&staff, day).await?)
}

/// 复核: the second approval of a payment above the threshold.
#[server(prefix = "/api", endpoint = "after-death/second")]
pub async fn second_approve(task_id: String) -> AppResult<()> {
    let staff = web::require_staff().await?;
    desk::<dyn AfterDeathDesk>()?
        .second_approve(&staff, &task_id)
        .await?;
    let back = if staff.role() == Role::FinanceOfficer {
        "/staff/after-death/payments".to_owned()
    } else {
        format!("/staff/after-death/task/{task_id}")
    };
    leptos_axum::redirect(&back);
    Ok(())
}

/// 发放: the payment goes out (once).
#[server(prefix = "/api", endpoint = "after-death/pay")]
pub async fn pay(task_id: String) -> AppResult<()> {
    let staff = web::require_staff().await?;
    desk::<dyn AfterDeathDesk>()?.pay(&staff, &task_id).await?;
    leptos_axum::redirect("/staff/after-death/payments?paid=1");
    Ok(())
}
