//! Proxy grants as the pages see them, the pure rule of what a grant permits, and the
//! refusals.

use crate::i18n::Texts;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// 授权范围 — what a grant lets the family member do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    /// 代订餐: order and cancel meals.
    Meals,
    /// 查看记录: see orders, hours and statements.
    Records,
    /// 代办时间银行: see the elder's hours and post needs for them, paid with one's own hours.
    TimeBank,
}

impl Scope {
    pub const ALL: [Scope; 3] = [Scope::Meals, Scope::Records, Scope::TimeBank];

    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Meals => "meals",
            Scope::Records => "records",
            Scope::TimeBank => "timebank",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.as_str() == s)
    }

    /// Scopes from their stored comma list (unknown words dropped).
    pub fn list(s: &str) -> Vec<Scope> {
        s.split(',')
            .filter_map(|w| Scope::parse(w.trim()))
            .collect()
    }

    pub fn text(self, t: &'static Texts) -> &'static str {
        match self {
            Scope::Meals => t.proxy().scope_meals,
            Scope::Records => t.proxy().scope_records,
            Scope::TimeBank => t.proxy().scope_timebank,
        }
    }
}

/// 关系 — who the family member is to the elder.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Relation {
    /// 子女
    Child,
    /// 配偶
    Spouse,
    /// 孙子女
    Grandchild,
    /// 兄弟姐妹
    Sibling,
    /// 其他亲友
    Other,
}

impl Relation {
    pub const ALL: [Relation; 5] = [
        Relation::Child,
        Relation::Spouse,
        Relation::Grandchild,
        Relation::Sibling,
        Relation::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Relation::Child => "child",
            Relation::Spouse => "spouse",
            Relation::Grandchild => "grandchild",
            Relation::Sibling => "sibling",
            Relation::Other => "other",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.as_str() == s)
    }

    pub fn text(self, t: &'static Texts) -> &'static str {
        let x = t.proxy();
        match self {
            Relation::Child => x.rel_child,
            Relation::Spouse => x.rel_spouse,
            Relation::Grandchild => x.rel_grandchild,
            Relation::Sibling => x.rel_sibling,
            Relation::Other => x.rel_other,
        }
    }
}

/// Where a grant stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GrantStatus {
    /// Asked by the family member, waiting for the elder.
    Requested,
    Active,
    /// Ended by either side.
    Revoked,
    /// The elder said no.
    Declined,
}

impl GrantStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            GrantStatus::Requested => "requested",
            GrantStatus::Active => "active",
            GrantStatus::Revoked => "revoked",
            GrantStatus::Declined => "declined",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Self::Requested, Self::Active, Self::Revoked, Self::Declined]
            .into_iter()
            .find(|x| x.as_str() == s)
    }
}

/// Who records a grant for an elder without a phone, the ID card checked: the canteen's
/// operator or a community worker (社区工作人员).
pub fn may_record(role: crate::identity::Role) -> bool {
    use crate::identity::Role;
    matches!(role, Role::CanteenOperator | Role::CommunityWorker)
}

/// The longest a grant may run: a year, renewed by asking again.
pub const MAX_DAYS: i64 = 366;

/// Whether a grant lets its holder do `scope` for the elder on `today`: active, with the
/// scope, and `today` not after its last day.
pub fn permits(
    status: GrantStatus,
    scopes: &[Scope],
    ends_on: NaiveDate,
    scope: Scope,
    today: NaiveDate,
) -> bool {
    status == GrantStatus::Active && scopes.contains(&scope) && today <= ends_on
}

/// A grant as either side sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GrantView {
    pub id: String,
    /// The other side's masked name (张*) and masked phone.
    pub other_name: String,
    pub other_phone: String,
    /// The other side's resident id (the elder's, on grants received, to order for them).
    pub other_id: String,
    pub relation: Relation,
    pub scopes: Vec<Scope>,
    pub ends_on: NaiveDate,
    pub status: GrantStatus,
    /// Recorded at a counter by staff.
    pub at_counter: bool,
    /// Whether it permits anything today (active and not past its last day).
    pub live: bool,
}

/// A family member the platform knows of (a spouse from a marriage registered at the
/// counter): either may grant the other, or ask, without typing numbers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FamilyMember {
    pub link_id: String,
    pub relation: Relation,
    /// Their masked name (张*).
    pub name_masked: String,
    /// Since when (the registration day).
    pub since: NaiveDate,
    /// Whether they use the platform (a grant needs their account).
    pub has_account: bool,
}

/// A resident's grants: those they gave as an elder, and those they hold for elders; and the
/// family members they may grant or ask with one tap.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Grants {
    pub given: Vec<GrantView>,
    pub held: Vec<GrantView>,
    pub family: Vec<FamilyMember>,
}

/// Which way a grant between family members goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FamilyWay {
    /// I let them act for me (active at once: I am the elder who grants).
    Give,
    /// I ask to act for them (they confirm).
    Ask,
}

/// Refusals of proxy grants (`{"proxy": …}` on the wire).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Refusal {
    /// Both sides must have bound their real names.
    RealNameRequired,
    /// No resident with this phone number and real name.
    NoSuchElder,
    /// One cannot act for oneself.
    OwnAccount,
    /// There is already a grant or a request between the two.
    AlreadyGranted,
    /// At least one scope.
    ScopeRequired,
    /// The last day must be after today and at most a year away.
    EndsOnInvalid,
    /// The grant is not waiting for this (already confirmed, ended, or not yours).
    NotPending,
    /// No valid grant lets you do this for this elder (never granted, ended or expired).
    NoGrant,
    /// The ID number checked at the counter is not this elder's.
    IdMismatch,
    /// Not a family member of yours (or the link has ended).
    NotFamily,
    /// The family member does not use the platform yet (or has not bound a real name).
    FamilyNoAccount,
}

impl crate::error::Refusal for Refusal {
    const SERVICE: &'static str = "proxy";

    fn message(&self, t: &'static Texts) -> String {
        let x = t.proxy();
        match self {
            Self::RealNameRequired => x.err_real_name,
            Self::NoSuchElder => x.err_no_such_elder,
            Self::OwnAccount => x.err_own_account,
            Self::AlreadyGranted => x.err_already_granted,
            Self::ScopeRequired => x.err_scope_required,
            Self::EndsOnInvalid => x.err_ends_on,
            Self::NotPending => x.err_not_pending,
            Self::NoGrant => x.err_no_grant,
            Self::IdMismatch => x.err_id_mismatch,
            Self::NotFamily => x.err_not_family,
            Self::FamilyNoAccount => x.err_family_no_account,
        }
        .into()
    }
}

/// How the shared pages show proxy grants: only messages (no tile, no affairs of its own).
#[cfg(feature = "ssr")]
pub const SERVICE: crate::catalogue::ServiceEntry = crate::catalogue::ServiceEntry {
    key: "proxy",
    tile: None,
    affair_title: |t| t.proxy().title,
    affair_status: |_, _| None,
    notice: |topic, _params, locale| {
        let x = locale.texts().proxy();
        let (title, body) = match topic {
            "proxy_requested" => (x.msg_requested_title, x.msg_requested_body),
            "proxy_confirmed" => (x.msg_confirmed_title, x.msg_confirmed_body),
            "proxy_declined" => (x.msg_declined_title, x.msg_declined_body),
            "proxy_revoked" => (x.msg_revoked_title, x.msg_revoked_body),
            "proxy_recorded" => (x.msg_recorded_title, x.msg_recorded_body),
            "proxy_granted" => (x.msg_granted_title, x.msg_granted_body),
            "proxy_family_linked" => (x.msg_family_title, x.msg_family_body),
            "proxy_family_ended" => (x.msg_family_ended_title, x.msg_family_ended_body),
            _ => return None,
        };
        Some(crate::catalogue::NoticeText {
            title: title.to_owned(),
            body: body.to_owned(),
            link: Some("/family".to_owned()),
        })
    },
    desks: &[],
    life_step: |step, params, locale| {
        let x = locale.texts().proxy();
        (step == "proxy.grants").then(|| match params.get("grants").map(String::as_str) {
            None | Some("0") => x.life_grants_none.to_owned(),
            Some(n) => x.life_grants(n),
        })
    },
    ..crate::catalogue::ServiceEntry::BASE
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_grant_permits_its_scopes_until_its_last_day() {
        let d = |m, day| NaiveDate::from_ymd_opt(2026, m, day).unwrap();
        let meals = [Scope::Meals];
        let end = d(12, 31);
        assert!(permits(
            GrantStatus::Active,
            &meals,
            end,
            Scope::Meals,
            d(12, 31)
        ));
        assert!(!permits(
            GrantStatus::Active,
            &meals,
            end,
            Scope::Meals,
            d(12, 31).succ_opt().unwrap()
        ));
        assert!(!permits(
            GrantStatus::Active,
            &meals,
            end,
            Scope::Records,
            d(12, 1)
        ));
        for s in [
            GrantStatus::Requested,
            GrantStatus::Revoked,
            GrantStatus::Declined,
        ] {
            assert!(!permits(s, &meals, end, Scope::Meals, d(12, 1)), "{s:?}");
        }
        assert_eq!(
            Scope::list("meals, records,junk"),
            vec![Scope::Meals, Scope::Records]
        );
    }
}
