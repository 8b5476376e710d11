//! Staff roles, their scopes, and the wire types of the workbench.

use crate::error::Code;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// What kind of unit a role is scoped to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum UnitKind {
    /// 婚姻登记处 — a registry office.
    Office,
    /// 助餐点 — a canteen.
    Canteen,
    /// 志愿服务组织 — a volunteer organisation.
    Organisation,
    /// 民政局 — the civil-affairs bureau itself (district-wide roles).
    Bureau,
}

impl UnitKind {
    pub fn as_str(self) -> &'static str {
        match self {
            UnitKind::Office => "office",
            UnitKind::Canteen => "canteen",
            UnitKind::Organisation => "organisation",
            UnitKind::Bureau => "bureau",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [
            UnitKind::Office,
            UnitKind::Canteen,
            UnitKind::Organisation,
            UnitKind::Bureau,
        ]
        .into_iter()
        .find(|k| k.as_str() == s)
    }
}

/// 岗位 — a staff role. Each role works within one unit of the kind it names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Role {
    /// 婚姻登记员
    RegistryClerk,
    /// 殡葬补贴审核员
    FuneralReviewer,
    /// 助餐点运营
    CanteenOperator,
    /// 志愿组织管理员
    OrganisationAdmin,
    /// 审计员: reads the audit log.
    Auditor,
    /// 系统管理员: creates staff accounts.
    Administrator,
}

impl Role {
    pub const ALL: [Role; 6] = [
        Role::RegistryClerk,
        Role::FuneralReviewer,
        Role::CanteenOperator,
        Role::OrganisationAdmin,
        Role::Auditor,
        Role::Administrator,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::RegistryClerk => "registry_clerk",
            Role::FuneralReviewer => "funeral_reviewer",
            Role::CanteenOperator => "canteen_operator",
            Role::OrganisationAdmin => "organisation_admin",
            Role::Auditor => "auditor",
            Role::Administrator => "administrator",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// The kind of unit this role is scoped to.
    pub fn unit_kind(self) -> UnitKind {
        match self {
            Role::RegistryClerk => UnitKind::Office,
            Role::CanteenOperator => UnitKind::Canteen,
            Role::OrganisationAdmin => UnitKind::Organisation,
            Role::FuneralReviewer | Role::Auditor | Role::Administrator => UnitKind::Bureau,
        }
    }

    pub fn can_manage_staff(self) -> bool {
        self == Role::Administrator
    }

    pub fn can_read_audit(self) -> bool {
        matches!(self, Role::Auditor | Role::Administrator)
    }
}

/// A unit staff can be scoped to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Unit {
    pub id: String,
    pub kind: UnitKind,
    pub name_zh: String,
    pub name_en: String,
}

/// The signed-in staff member.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StaffView {
    pub id: String,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub unit: Unit,
}

/// A row of the staff list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StaffSummary {
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub unit: Unit,
    pub active: bool,
}

/// One audited staff action.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    /// Unix seconds on the wire: parsing RFC 3339 in the browser would cost WASM size.
    #[serde(with = "chrono::serde::ts_seconds")]
    pub at: DateTime<Utc>,
    pub actor: String,
    pub action: String,
    pub target: String,
    /// The address the action came from (empty for the command line and demo data).
    pub client: String,
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

    #[test]
    fn roles_round_trip_and_know_their_scope() {
        for r in Role::ALL {
            assert_eq!(Role::parse(r.as_str()), Some(r));
        }
        assert_eq!(Role::RegistryClerk.unit_kind(), UnitKind::Office);
        assert!(Role::Auditor.can_read_audit() && !Role::Auditor.can_manage_staff());
        assert!(!Role::RegistryClerk.can_read_audit());
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
