//! Demo data: one unit of each kind and a staff account for every role, so a newcomer can try
//! both sides at once. Loading twice changes nothing.

use crate::desks::staff::SqlStaff;
use app::staff::{
    desk::NewStaff,
    model::{Role, StaffSummary, UnitKind},
};

pub const BUREAU: &str = "bureau-haishu";
pub const OFFICE: &str = "office-haishu";
pub const CANTEEN: &str = "canteen-ximen";
pub const ORGANISATION: &str = "org-aixin";

/// The password of every demo staff account (printed at start; demo data is for trying out only).
pub const DEMO_PASSWORD: &str = "demo-password-2026";

pub const DEMO_STAFF: [(&str, &str, Role, &str); 6] = [
    ("admin", "系统管理员 王芳", Role::Administrator, BUREAU),
    ("clerk", "婚姻登记员 李娜", Role::RegistryClerk, OFFICE),
    (
        "reviewer",
        "殡葬补贴审核员 陈刚",
        Role::FuneralReviewer,
        BUREAU,
    ),
    ("canteen", "助餐点运营 周敏", Role::CanteenOperator, CANTEEN),
    (
        "volunteer",
        "志愿组织管理员 孙磊",
        Role::OrganisationAdmin,
        ORGANISATION,
    ),
    ("auditor", "审计员 赵静", Role::Auditor, BUREAU),
];

pub async fn ensure_bureau(staff: &SqlStaff) -> anyhow::Result<()> {
    staff
        .ensure_unit(
            BUREAU,
            UnitKind::Bureau,
            "海曙区民政局",
            "Haishu District Civil Affairs Bureau",
        )
        .await
        .map_err(err)?;
    Ok(())
}

pub async fn load(staff: &SqlStaff) -> anyhow::Result<()> {
    ensure_bureau(staff).await?;
    staff
        .ensure_unit(
            OFFICE,
            UnitKind::Office,
            "海曙区婚姻登记处",
            "Haishu Marriage Registry",
        )
        .await
        .map_err(err)?;
    staff
        .ensure_unit(
            CANTEEN,
            UnitKind::Canteen,
            "西门街道老年食堂",
            "Ximen Street Elder Canteen",
        )
        .await
        .map_err(err)?;
    staff
        .ensure_unit(
            ORGANISATION,
            UnitKind::Organisation,
            "爱心时间银行志愿服务队",
            "Aixin Time Bank Volunteers",
        )
        .await
        .map_err(err)?;
    println!("Demo staff accounts (password for all: {DEMO_PASSWORD}) at /staff/signin:");
    for (username, name, role, unit) in DEMO_STAFF {
        if !staff.exists(username).await.map_err(err)? {
            let new = NewStaff {
                username: username.into(),
                display_name: name.into(),
                password: DEMO_PASSWORD.into(),
                role,
                unit_id: unit.into(),
            };
            staff.insert_staff(None, new, "demo").await.map_err(err)?;
        }
        println!("  {username:<10} {}", role.as_str());
    }
    Ok(())
}

pub async fn create_admin(
    staff: &SqlStaff,
    username: &str,
    display_name: &str,
    password: &str,
) -> anyhow::Result<StaffSummary> {
    let username = app::staff::model::parse_username(username)
        .map_err(|c| anyhow::anyhow!("invalid username: {c:?}"))?;
    app::staff::model::check_password(password)
        .map_err(|c| anyhow::anyhow!("password rejected: {c:?}"))?;
    let new = NewStaff {
        username,
        display_name: display_name.into(),
        password: password.into(),
        role: Role::Administrator,
        unit_id: BUREAU.into(),
    };
    staff.insert_staff(None, new, "cli").await.map_err(err)
}

fn err(e: app::desk::DeskError) -> anyhow::Error {
    anyhow::anyhow!("{e:?}")
}
