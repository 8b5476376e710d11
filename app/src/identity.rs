//! Who is asking: the resident and staff views the sign-in layer hands out, staff roles and the
//! units they are scoped to. Every service depends on these; they depend on nothing but serde.

use serde::{Deserialize, Serialize};

/// The signed-in resident, as pages see them: nothing unmasked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResidentView {
    pub id: String,
    pub phone_masked: String,
    /// 实名: set once the resident has bound their real name.
    pub real_name: Option<String>,
    pub id_number_masked: Option<String>,
}

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
    /// 部门 — another department a one-thing bundle routes items to (公安, 人社, 殡仪馆, …).
    Department,
    /// 社区 — a community (居委会 / 街道社区服务中心), whose workers know its elders.
    Community,
}

impl UnitKind {
    pub fn as_str(self) -> &'static str {
        match self {
            UnitKind::Office => "office",
            UnitKind::Canteen => "canteen",
            UnitKind::Organisation => "organisation",
            UnitKind::Bureau => "bureau",
            UnitKind::Department => "department",
            UnitKind::Community => "community",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [
            UnitKind::Office,
            UnitKind::Canteen,
            UnitKind::Organisation,
            UnitKind::Bureau,
            UnitKind::Department,
            UnitKind::Community,
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
    /// 部门经办人: works the queue of one department's tasks.
    DepartmentOfficer,
    /// 财务人员: the second approval of large payments, and the day's payment batch.
    FinanceOfficer,
    /// 社区工作人员: confirms an elder's statuses (低保, 特困, 失能, 独居) after checking the ID
    /// card, and records family proxies for elders without a phone.
    CommunityWorker,
}

impl Role {
    pub const ALL: [Role; 9] = [
        Role::RegistryClerk,
        Role::FuneralReviewer,
        Role::CanteenOperator,
        Role::OrganisationAdmin,
        Role::Auditor,
        Role::Administrator,
        Role::DepartmentOfficer,
        Role::FinanceOfficer,
        Role::CommunityWorker,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::RegistryClerk => "registry_clerk",
            Role::FuneralReviewer => "funeral_reviewer",
            Role::CanteenOperator => "canteen_operator",
            Role::OrganisationAdmin => "organisation_admin",
            Role::Auditor => "auditor",
            Role::Administrator => "administrator",
            Role::DepartmentOfficer => "department_officer",
            Role::FinanceOfficer => "finance_officer",
            Role::CommunityWorker => "community_worker",
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
            Role::DepartmentOfficer => UnitKind::Department,
            Role::CommunityWorker => UnitKind::Community,
            Role::FuneralReviewer | Role::Auditor | Role::Administrator | Role::FinanceOfficer => {
                UnitKind::Bureau
            }
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
