//! Staff roles, their scopes, and the wire types of the workbench.

use crate::error::Code;
pub use crate::identity::{Role, StaffView, Unit, UnitKind};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// A row of the staff list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StaffSummary {
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub unit: Unit,
    pub active: bool,
}

/// A desk a staff member works at, as the workbench links it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeskLink {
    pub href: String,
    pub name: String,
    pub body: String,
}

/// A notice to the staff member's unit (a canteen told an elder's orders were cancelled), in
/// the reader's words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnitNotice {
    pub id: String,
    pub at: i64,
    pub title: String,
    pub body: String,
    pub link: Option<String>,
    pub read: bool,
}

/// One audited staff action.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    /// Unix seconds on the wire: parsing RFC 3339 in the browser would cost WASM size.
    #[serde(with = "chrono::serde::ts_seconds")]
    pub at: DateTime<Utc>,
    pub actor: String,
    pub action: String,
    /// The action in words, in Chinese and in English ([`audit_action`], on the server, where
    /// the catalogue of services is).
    pub action_zh: String,
    pub action_en: String,
    /// What it was done to, with unit ids in Chinese names (`target_en`: in English names).
    pub target: String,
    pub target_en: String,
    /// The address the action came from (empty for the command line and demo data).
    pub client: String,
}

/// An audited action in words ("marriage.check_in" → "结婚登记预约 · 核验入场"): the verb (all
/// after the first dot) from the staff texts, the service's name where the scope is one; an
/// action no build knows yet keeps its code.
#[cfg(feature = "ssr")]
pub fn audit_action(action: &str, t: &'static crate::i18n::Texts) -> String {
    let (scope, verb) = action.split_once('.').unwrap_or(("", action));
    let x = t.staff();
    let words = match verb {
        "check_in" => x.act_check_in,
        "day_list" => x.act_day_list,
        "set_capacity" => x.act_set_capacity,
        "publish" => x.act_publish,
        "close_day" => x.act_close_day,
        "reopen_day" => x.act_reopen_day,
        "set_release" => x.act_set_release,
        "receive" => x.act_receive,
        "certificate_issued" => x.act_certificate_issued,
        "confirm_at_counter" => x.act_confirm_at_counter,
        "registered" => x.act_registered,
        "no_show" => x.act_no_show,
        "sign_in" => x.act_sign_in,
        "sign_in_failed" => x.act_sign_in_failed,
        "sign_out" => x.act_sign_out,
        "create" => x.act_create,
        "read" => x.act_read,
        "view_document" | "document.read" => x.act_view_document,
        "batch.download" => x.act_batch_download,
        "task.read" => x.act_task_read,
        "payments.read" => x.act_payments_read,
        "payment.second_approval" => x.act_second_approval,
        "payment.paid" => x.act_paid,
        "day" => x.act_canteen_day,
        "menu_add" => x.act_menu_add,
        "settlement_read" => x.act_settlement_read,
        "settlement_approve" => x.act_settlement_approve,
        "desk" => x.act_org_desk,
        "member.approve" => x.act_member_approve,
        "member.decline" => x.act_member_decline,
        "activity.add" => x.act_activity_add,
        "verify" => x.act_verify_hours,
        "reject" => x.act_reject_hours,
        "record" => x.act_proxy_record,
        "attendance.record" => x.act_record_hours,
        "reverse" => x.act_reverse,
        "fund_grant" => x.act_fund_grant,
        "task.accepted" => x.act_task_accepted,
        "task.returned" => x.act_task_returned,
        "task.approved" => x.act_task_approved,
        "task.rejected" => x.act_task_rejected,
        "task.done" => x.act_task_done,
        "served" => x.act_meal_served,
        "notices.read" => x.act_notices_read,
        "check" => x.act_elder_check,
        "card_mismatch" => x.act_card_mismatch,
        "status.confirm" => x.act_status_confirm,
        "status.end" => x.act_status_end,
        _ => return action.to_owned(),
    };
    match crate::catalogue::service(scope) {
        Some(e) => format!("{} · {words}", (e.affair_title)(t)),
        None => words.to_owned(),
    }
}

/// 用户名: 3–32 lower-case letters, digits, `.`, `_` or `-`, starting with a letter.
pub fn parse_username(s: &str) -> Result<String, Code> {
    let s = s.trim().to_ascii_lowercase();
    if s.is_empty() {
        return Err(Code::Required);
    }
    let ok = (3..=32).contains(&s.len())
        && s.starts_with(|c: char| c.is_ascii_lowercase())
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-'));
    if ok {
        Ok(s)
    } else {
        Err(Code::UsernameInvalid)
    }
}

/// Passwords: at least 10 characters (a pass phrase is welcome), at most 128.
pub fn check_password(s: &str) -> Result<(), Code> {
    match s.chars().count() {
        0 => Err(Code::Required),
        1..=9 => Err(Code::PasswordTooShort),
        129.. => Err(Code::TooLong),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::Locale;

    #[test]
    fn roles_round_trip_and_know_their_scope() {
        for r in Role::ALL {
            assert_eq!(Role::parse(r.as_str()), Some(r));
        }
        assert_eq!(Role::RegistryClerk.unit_kind(), UnitKind::Office);
        assert!(Role::Auditor.can_read_audit() && !Role::Auditor.can_manage_staff());
        assert!(!Role::RegistryClerk.can_read_audit());
    }

    /// Every action the desks write reads as words in both languages; the list is taken from
    /// the server's source so that a new audited action without words fails here.
    #[cfg(feature = "ssr")]
    #[test]
    fn every_audited_action_reads_as_words() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../server/src/desks");
        let mut actions: Vec<String> = Vec::new();
        for entry in std::fs::read_dir(dir).unwrap() {
            let src = std::fs::read_to_string(entry.unwrap().path()).unwrap();
            for (i, _) in src.match_indices("audit(") {
                let call = &src[i..(i + 400).min(src.len())];
                for lit in call.split('"').skip(1).step_by(2).take(1) {
                    if lit.contains('.') && !lit.contains(' ') && !lit.contains('{') {
                        actions.push(lit.to_owned());
                    }
                }
            }
        }
        // Actions built with `format!` from a service or a status.
        for v in [
            "check_in",
            "day_list",
            "set_capacity",
            "publish",
            "confirm_at_counter",
            "card_mismatch",
        ] {
            actions.push(format!("marriage.{v}"));
        }
        for v in ["registered", "no_show"] {
            actions.push(format!("divorce.{v}"));
        }
        for v in ["accepted", "returned", "approved", "rejected", "done"] {
            actions.push(format!("after_death.task.{v}"));
        }
        for v in ["served", "no_show"] {
            actions.push(format!("meals.{v}"));
        }
        actions.push("divorce.receive".into());
        actions.push("divorce.certificate_issued".into());
        assert!(actions.len() > 30, "{actions:?}");
        for locale in [Locale::ZhCn, Locale::En] {
            for a in &actions {
                let words = audit_action(a, locale.texts());
                assert!(!words.contains(['.', '_']), "{a} in {locale:?}: {words}");
            }
        }
        // The verb is everything after the first dot (once read as the audit log's own verb).
        assert_eq!(
            audit_action("after_death.document.read", Locale::En.texts()),
            "Viewed a document"
        );
    }

    #[test]
    fn usernames_and_passwords() {
        assert_eq!(parse_username(" Clerk.Li ").unwrap(), "clerk.li");
        assert_eq!(parse_username("ab").unwrap_err(), Code::UsernameInvalid);
        assert_eq!(parse_username("1abc").unwrap_err(), Code::UsernameInvalid);
        assert_eq!(parse_username("").unwrap_err(), Code::Required);
        assert_eq!(check_password("short").unwrap_err(), Code::PasswordTooShort);
        assert!(check_password("correct horse").is_ok());
    }
}
