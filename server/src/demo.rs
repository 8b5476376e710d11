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
/// 社区: the community whose worker confirms elders' statuses.
pub const COMMUNITY: &str = "community-ximen";
/// A second volunteer organisation (its admin must not touch the first one's hours).
pub const ORGANISATION_2: &str = "org-yinling";

/// The password of every demo staff account (printed at start; demo data is for trying out only).
pub const DEMO_PASSWORD: &str = "demo-password-2026";

/// The demo district's departments an after-death bundle routes items to (民政 items go to the
/// bureau's funeral reviewers): unit id, department, names.
pub const DEPARTMENTS: [(&str, &str, &str, &str); 7] = [
    (
        "dept-police-haishu",
        "public_security",
        "海曙区公安分局户政科",
        "Haishu Public Security, Household Registration",
    ),
    (
        "dept-hrss-haishu",
        "human_resources",
        "海曙区人力资源和社会保障局",
        "Haishu Human Resources and Social Security",
    ),
    (
        "dept-medical-haishu",
        "medical_insurance",
        "海曙区医疗保障局",
        "Haishu Medical Insurance",
    ),
    (
        "dept-disabled-haishu",
        "disabled_persons",
        "海曙区残疾人联合会",
        "Haishu Disabled Persons' Federation",
    ),
    (
        "dept-fund-haishu",
        "housing_fund",
        "宁波市住房公积金管理中心海曙分中心",
        "Ningbo Housing Provident Fund, Haishu",
    ),
    (
        "dept-veterans-haishu",
        "veterans_affairs",
        "海曙区退役军人事务局",
        "Haishu Veterans Affairs",
    ),
    (
        "dept-funeral-haishu",
        "funeral_home",
        "宁波市殡仪馆",
        "Ningbo Funeral Home",
    ),
];

pub const DEMO_STAFF: [(&str, &str, Role, &str); 12] = [
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
    (
        "volunteer2",
        "志愿组织管理员 钱悦",
        Role::OrganisationAdmin,
        ORGANISATION_2,
    ),
    ("auditor", "审计员 赵静", Role::Auditor, BUREAU),
    ("finance", "财务人员 吴霞", Role::FinanceOfficer, BUREAU),
    (
        "police",
        "户籍民警 林涛",
        Role::DepartmentOfficer,
        "dept-police-haishu",
    ),
    (
        "hrss",
        "社保经办 郑红",
        Role::DepartmentOfficer,
        "dept-hrss-haishu",
    ),
    (
        "funeral",
        "殡仪馆 何平",
        Role::DepartmentOfficer,
        "dept-funeral-haishu",
    ),
    (
        "community",
        "社区工作人员 冯丽",
        Role::CommunityWorker,
        COMMUNITY,
    ),
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
    ensure_registry_office(&staff.db).await?;
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
            COMMUNITY,
            UnitKind::Community,
            "西门街道西门社区居委会",
            "Ximen Community Residents' Committee",
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
    staff
        .ensure_unit(
            ORGANISATION_2,
            UnitKind::Organisation,
            "银龄互助志愿服务社",
            "Yinling Mutual Aid Volunteers",
        )
        .await
        .map_err(err)?;
    for (id, department, zh, en) in DEPARTMENTS {
        staff
            .ensure_unit(id, UnitKind::Department, zh, en)
            .await
            .map_err(err)?;
        sqlx::query("INSERT INTO department_units (unit_id, department) VALUES ($1, $2) ON CONFLICT (unit_id) DO NOTHING")
            .bind(id)
            .bind(department)
            .execute(staff.db.pool())
            .await?;
    }
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

/// Creates an administrator (`server admin create`).
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

/// The demo registry office's address, settings and opening hours (Monday to Friday 9:00–17:00).
async fn ensure_registry_office(db: &crate::Db) -> anyhow::Result<()> {
    let db = db.pool();
    sqlx::query(
        "INSERT INTO registry_offices (unit_id, address_zh, address_en, phone) VALUES ($1, $2, $3, $4) ON CONFLICT (unit_id) DO NOTHING",
    )
    .bind(OFFICE)
    .bind("宁波市海曙区望春街道民政服务中心二楼")
    .bind("2F, Wangchun Civil Affairs Service Centre, Haishu, Ningbo")
    .bind("0574-12345678")
    .execute(db)
    .await?;
    for weekday in 1..=5_i64 {
        sqlx::query("INSERT INTO office_hours (office_id, weekday, opens, closes) VALUES ($1, $2, '09:00', '17:00') ON CONFLICT (office_id, weekday) DO NOTHING")
            .bind(OFFICE)
            .bind(weekday)
            .execute(db)
            .await?;
    }
    Ok(())
}

/// Publishes the demo office's half-day slots (10 places, 3 ceremonies each) on every working
/// day of the booking window, so the marriage service can be tried at once. A peak day's
/// places open at the instant the peak-day table gives, as the clerk's publishing does.
pub async fn publish_demo_slots(setup: &crate::registry::Setup) -> anyhow::Result<()> {
    let today = setup.clock.today();
    let now = setup.clock.now().timestamp();
    let mut tx = setup.db.begin_write().await?;
    // 75 days: a divorce case's certificate window opens 30 days (or more) after receipt.
    for ahead in 1..=75_u64 {
        let day = today + chrono::Days::new(ahead);
        if !setup.calendar.is_working_day(day) {
            continue;
        }
        let release_at = setup
            .peak_days
            .release_at(day)
            .map(|t| t.timestamp())
            .filter(|t| *t > now);
        // (counter, starts, ends, places, ceremony places)
        for (counter, starts, ends, places, ceremonies) in [
            ("marriage", "09:00", "12:00", 10, 3),
            ("marriage", "13:30", "17:00", 10, 3),
            ("divorce", "09:00", "11:30", 4, 0),
            ("divorce", "14:00", "16:30", 4, 0),
            ("counselling", "15:00", "16:00", 2, 0),
        ] {
            if counter == "marriage" && ahead > 30 {
                continue;
            }
            let release = release_at.filter(|_| counter == "marriage");
            crate::desks::appointments::publish_slot(
                &mut tx,
                OFFICE,
                counter,
                day,
                (starts, ends),
                (places, ceremonies),
                release,
            )
            .await
            .map_err(err)?;
        }
    }
    tx.commit().await?;
    Ok(())
}
