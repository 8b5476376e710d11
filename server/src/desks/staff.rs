//! `StaffDesk` in SQL: password sign-in (argon2), staff accounts, units and the audit log.
//! Every action taken for a staff member writes its audit entry in the same transaction.

use super::{
    audit, count_events, db, lock_subject, new_id, new_token, record_event, token_hash, AuditActor,
};
use crate::{
    db::{unique_violation_on, Db},
    registry::{Registry, Setup},
};
use app::{
    desk::{DeskError, DeskResult},
    error::{AppError, Code},
    rules::clock::Clock,
    staff::{
        desk::{NewStaff, NewStaffSession, StaffDesk},
        model::{AuditEntry, Role, StaffSummary, StaffView, Unit, UnitKind},
    },
    web::Staff,
};
use argon2::{
    password_hash::{rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString},
    Argon2,
};
use chrono::DateTime;
use sqlx::Row;
use std::sync::{Arc, OnceLock};

/// Installs the staff desk.
pub fn install(reg: &mut Registry, setup: &Setup) {
    let desk: Arc<dyn StaffDesk> = Arc::new(staff_desk(setup));
    reg.provide(desk);
}

/// The staff desk of a setup (also used by the demo data and `server admin`).
pub fn staff_desk(setup: &Setup) -> SqlStaff {
    SqlStaff {
        db: setup.db.clone(),
        clock: setup.clock.clone(),
        session_seconds: 12 * 3600,
    }
}

pub struct SqlStaff {
    pub db: Db,
    pub clock: Arc<dyn Clock>,
    pub session_seconds: i64,
}

/// Failed sign-ins allowed per username, and per address, in 15 minutes.
const FAILS_PER_USERNAME: i64 = 10;
const FAILS_PER_ADDRESS: i64 = 50;

/// Hashes a password with argon2id (off the async runtime: it is slow on purpose).
pub async fn hash_password(password: String) -> DeskResult<String> {
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
    })
    .await
    .map_err(DeskError::internal)?
    .map_err(|e| DeskError::internal(e.to_string()))
}

async fn verify_password(password: String, hash: String) -> bool {
    tokio::task::spawn_blocking(move || {
        PasswordHash::new(&hash).is_ok_and(|h| {
            Argon2::default()
                .verify_password(password.as_bytes(), &h)
                .is_ok()
        })
    })
    .await
    .unwrap_or(false)
}

/// A hash to check unknown usernames against, so a wrong username costs as long as a wrong password.
fn dummy_hash() -> String {
    static H: OnceLock<String> = OnceLock::new();
    H.get_or_init(|| {
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default()
            .hash_password(b"not a password", &salt)
            .map(|h| h.to_string())
            .unwrap_or_default()
    })
    .clone()
}

pub(crate) const STAFF_COLUMNS: &str = "s.id, s.username, s.display_name, s.role, s.active, u.id AS unit_id, u.kind, u.name_zh, u.name_en";

fn unit_from_row(r: &sqlx::any::AnyRow, id_col: &str) -> Result<Unit, sqlx::Error> {
    let kind: String = r.try_get("kind")?;
    Ok(Unit {
        id: r.try_get(id_col)?,
        kind: UnitKind::parse(&kind).unwrap_or(UnitKind::Bureau),
        name_zh: r.try_get("name_zh")?,
        name_en: r.try_get("name_en")?,
    })
}

pub(crate) fn staff_from_row(r: &sqlx::any::AnyRow) -> Result<(StaffView, bool), sqlx::Error> {
    let role: String = r.try_get("role")?;
    let active: i64 = r.try_get("active")?;
    Ok((
        StaffView {
            id: r.try_get("id")?,
            username: r.try_get("username")?,
            display_name: r.try_get("display_name")?,
            role: Role::parse(&role)
                .ok_or_else(|| sqlx::Error::Decode(format!("unknown role {role}").into()))?,
            unit: unit_from_row(r, "unit_id")?,
        },
        active != 0,
    ))
}

impl SqlStaff {
    /// Creates a staff account. Used by administrators in the workbench and by `server admin create`.
    pub async fn insert_staff(
        &self,
        actor: Option<&Staff>,
        new: NewStaff,
        client: &str,
    ) -> DeskResult<StaffSummary> {
        let unit = sqlx::query("SELECT id, kind, name_zh, name_en FROM units WHERE id = $1")
            .bind(&new.unit_id)
            .fetch_optional(self.db.pool())
            .await
            .map_err(db)?;
        let unit = match unit {
            Some(r) => unit_from_row(&r, "id").map_err(db)?,
            None => return Err(AppError::invalid("unit_id", Code::ScopeUnknown).into()),
        };
        if unit.kind != new.role.unit_kind() {
            return Err(AppError::invalid("unit_id", Code::ScopeUnknown).into());
        }
        let hash = hash_password(new.password).await?;
        let at = self.clock.now();
        let now = at.timestamp();
        let mut tx = self.db.begin_write().await.map_err(db)?;
        let inserted = sqlx::query(
            "INSERT INTO staff (id, username, display_name, password_hash, role, unit_id, active, created_at) VALUES ($1, $2, $3, $4, $5, $6, 1, $7)",
        )
        .bind(new_id())
        .bind(&new.username)
        .bind(&new.display_name)
        .bind(&hash)
        .bind(new.role.as_str())
        .bind(&unit.id)
        .bind(now)
        .execute(&mut *tx)
        .await;
        match inserted {
            Ok(_) => {}
            Err(e) if unique_violation_on(&e, "username") => {
                return Err(AppError::invalid("username", Code::UsernameTaken).into())
            }
            Err(e) => return Err(db(e)),
        }
        let who = match actor {
            Some(a) => AuditActor::from(a),
            None => AuditActor {
                staff_id: None,
                name: "system",
                client,
            },
        };
        let target = format!("{} ({}, {})", new.username, new.role.as_str(), unit.id);
        audit(&mut tx, at, who, "staff.create", &target).await?;
        tx.commit().await.map_err(db)?;
        Ok(StaffSummary {
            username: new.username,
            display_name: new.display_name,
            role: new.role,
            unit,
            active: true,
        })
    }

    /// Whether a username exists (the demo data and the admin subcommand skip existing ones).
    pub async fn exists(&self, username: &str) -> DeskResult<bool> {
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM staff WHERE username = $1")
            .bind(username)
            .fetch_one(self.db.pool())
            .await
            .map_err(db)?;
        Ok(n > 0)
    }

    /// Inserts a unit if its id is new.
    pub async fn ensure_unit(
        &self,
        id: &str,
        kind: UnitKind,
        name_zh: &str,
        name_en: &str,
    ) -> DeskResult<()> {
        sqlx::query("INSERT INTO units (id, kind, name_zh, name_en, created_at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (id) DO NOTHING")
            .bind(id)
            .bind(kind.as_str())
            .bind(name_zh)
            .bind(name_en)
            .bind(self.clock.now().timestamp())
            .execute(self.db.pool())
            .await
            .map_err(db)?;
        Ok(())
    }
}

#[async_trait::async_trait]
impl StaffDesk for SqlStaff {
    #[tracing::instrument(name = "Staff sign-in", skip_all)]
    async fn sign_in(
        &self,
        username: &str,
        password: &str,
        client: &str,
    ) -> DeskResult<NewStaffSession> {
        let username = username.trim().to_ascii_lowercase();
        let at = self.clock.now();
        let now = at.timestamp();
        let window = now - 15 * 60;
        {
            let mut conn = self.db.pool().acquire().await.map_err(db)?;
            if count_events(&mut conn, "staff_fail_user", &username, window).await?
                >= FAILS_PER_USERNAME
                || count_events(&mut conn, "staff_fail_addr", client, window).await?
                    >= FAILS_PER_ADDRESS
            {
                return Err(
                    AppError::invalid("username", Code::RateLimited { minutes: 15 }).into(),
                );
            }
        }
        let row = sqlx::query(&format!(
            "SELECT {STAFF_COLUMNS}, s.password_hash FROM staff s JOIN units u ON u.id = s.unit_id WHERE s.username = $1"
        ))
        .bind(&username)
        .fetch_optional(self.db.pool())
        .await
        .map_err(db)?;
        let found = match &row {
            Some(r) => Some((
                staff_from_row(r).map_err(db)?,
                r.try_get::<String, _>("password_hash").map_err(db)?,
            )),
            None => None,
        };
        let hash = found
            .as_ref()
            .map(|(_, h)| h.clone())
            .unwrap_or_else(dummy_hash);
        let ok = verify_password(password.to_owned(), hash).await;
        let mut tx = self.db.begin_write().await.map_err(db)?;
        // Counted again under the subjects' locks: of concurrent guesses, none past the limit
        // can succeed, whatever the first (unlocked) count said.
        lock_subject(&mut tx, "staff_fail_user", &username).await?;
        lock_subject(&mut tx, "staff_fail_addr", client).await?;
        let over = count_events(&mut tx, "staff_fail_user", &username, window).await?
            >= FAILS_PER_USERNAME
            || count_events(&mut tx, "staff_fail_addr", client, window).await? >= FAILS_PER_ADDRESS;
        if over {
            return Err(AppError::invalid("username", Code::RateLimited { minutes: 15 }).into());
        }
        match found {
            Some(((staff, true), _)) if ok => {
                let token = new_token();
                sqlx::query("INSERT INTO sessions (token_hash, kind, subject_id, created_at, expires_at) VALUES ($1, 'staff', $2, $3, $4)")
                    .bind(token_hash(&token))
                    .bind(&staff.id)
                    .bind(now)
                    .bind(now + self.session_seconds)
                    .execute(&mut *tx)
                    .await
                    .map_err(db)?;
                audit(
                    &mut tx,
                    at,
                    AuditActor {
                        staff_id: Some(&staff.id),
                        name: &staff.username,
                        client,
                    },
                    "staff.sign_in",
                    &staff.username,
                )
                .await?;
                tx.commit().await.map_err(db)?;
                Ok(NewStaffSession { token, staff })
            }
            _ => {
                record_event(&mut tx, "staff_fail_user", &username, now).await?;
                record_event(&mut tx, "staff_fail_addr", client, now).await?;
                let shown: String = username.chars().take(32).collect();
                audit(
                    &mut tx,
                    at,
                    AuditActor {
                        staff_id: None,
                        name: &shown,
                        client,
                    },
                    "staff.sign_in_failed",
                    &shown,
                )
                .await?;
                tx.commit().await.map_err(db)?;
                Err(AppError::invalid("password", Code::CredentialsInvalid).into())
            }
        }
    }

    async fn sign_out(&self, actor: &Staff, token: &str) -> DeskResult<()> {
        let mut tx = self.db.begin_write().await.map_err(db)?;
        sqlx::query("DELETE FROM sessions WHERE token_hash = $1 AND kind = 'staff'")
            .bind(token_hash(token))
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        audit(
            &mut tx,
            self.clock.now(),
            actor.into(),
            "staff.sign_out",
            actor.username(),
        )
        .await?;
        tx.commit().await.map_err(db)?;
        Ok(())
    }

    async fn create_staff(&self, actor: &Staff, new: NewStaff) -> DeskResult<StaffSummary> {
        if !actor.role().can_manage_staff() {
            return Err(AppError::Forbidden.into());
        }
        self.insert_staff(Some(actor), new, actor.client()).await
    }

    async fn list_staff(&self, actor: &Staff) -> DeskResult<Vec<StaffSummary>> {
        if !actor.role().can_manage_staff() {
            return Err(AppError::Forbidden.into());
        }
        let rows = sqlx::query(&format!(
            "SELECT {STAFF_COLUMNS} FROM staff s JOIN units u ON u.id = s.unit_id ORDER BY s.username"
        ))
        .fetch_all(self.db.pool())
        .await
        .map_err(db)?;
        rows.iter()
            .map(|r| {
                let (s, active) = staff_from_row(r)?;
                Ok(StaffSummary {
                    username: s.username,
                    display_name: s.display_name,
                    role: s.role,
                    unit: s.unit,
                    active,
                })
            })
            .collect::<Result<_, sqlx::Error>>()
            .map_err(db)
    }

    async fn units(&self) -> DeskResult<Vec<Unit>> {
        let rows =
            sqlx::query("SELECT id, kind, name_zh, name_en FROM units ORDER BY kind, name_zh")
                .fetch_all(self.db.pool())
                .await
                .map_err(db)?;
        rows.iter()
            .map(|r| unit_from_row(r, "id"))
            .collect::<Result<_, _>>()
            .map_err(db)
    }

    async fn unit_notices(&self, actor: &Staff) -> DeskResult<Vec<app::account::model::Message>> {
        let rows: Vec<(String, i64, String, String, Option<i64>)> = sqlx::query_as(
            "SELECT id, created_at, topic, params, read_at FROM unit_notices WHERE unit_id = $1 ORDER BY created_at DESC, id LIMIT 50",
        )
        .bind(actor.unit_id())
        .fetch_all(self.db.pool())
        .await
        .map_err(db)?;
        Ok(rows
            .into_iter()
            .map(
                |(id, at, topic, params, read_at)| app::account::model::Message {
                    id,
                    at: chrono::DateTime::from_timestamp(at, 0).unwrap_or_default(),
                    topic,
                    params: serde_json::from_str(&params).unwrap_or_default(),
                    read: read_at.is_some(),
                },
            )
            .collect())
    }

    async fn mark_unit_notices_read(&self, actor: &Staff) -> DeskResult<()> {
        let now = self.clock.now();
        let mut tx = self.db.begin_write().await.map_err(db)?;
        sqlx::query("UPDATE unit_notices SET read_at = $1 WHERE unit_id = $2 AND read_at IS NULL")
            .bind(now.timestamp())
            .bind(actor.unit_id())
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        audit(
            &mut tx,
            now,
            actor.into(),
            "staff.notices.read",
            actor.unit_id(),
        )
        .await?;
        tx.commit().await.map_err(db)
    }

    async fn audit_log(&self, actor: &Staff, limit: u32) -> DeskResult<Vec<AuditEntry>> {
        if !actor.role().can_read_audit() {
            return Err(AppError::Forbidden.into());
        }
        let mut tx = self.db.begin_write().await.map_err(db)?;
        audit(&mut tx, self.clock.now(), actor.into(), "audit.read", "").await?;
        let rows = sqlx::query(
            "SELECT at, actor, action, target, client FROM audit_log ORDER BY at DESC, seq DESC LIMIT $1",
        )
        .bind(i64::from(limit))
        .fetch_all(&mut *tx)
        .await
        .map_err(db)?;
        // Unit ids in a target ("office-haishu 2026-11-25") are shown by their names.
        let units: Vec<(String, String, String)> =
            sqlx::query_as("SELECT id, name_zh, name_en FROM units")
                .fetch_all(&mut *tx)
                .await
                .map_err(db)?;
        tx.commit().await.map_err(db)?;
        let named = |target: &str, en: bool| {
            target
                .split(' ')
                .map(|w| {
                    units.iter().find(|u| u.0 == w).map_or(w, |u| {
                        if en {
                            u.2.as_str()
                        } else {
                            u.1.as_str()
                        }
                    })
                })
                .collect::<Vec<_>>()
                .join(" ")
        };
        rows.iter()
            .map(|r| {
                let target: String = r.try_get("target")?;
                let action: String = r.try_get("action")?;
                Ok(AuditEntry {
                    action_zh: app::staff::model::audit_action(&action, &app::i18n::ZH_CN),
                    action_en: app::staff::model::audit_action(&action, &app::i18n::EN),
                    at: DateTime::from_timestamp(r.try_get("at")?, 0).unwrap_or_default(),
                    actor: r.try_get("actor")?,
                    action,
                    target_en: named(&target, true),
                    target: named(&target, false),
                    client: r.try_get("client")?,
                })
            })
            .collect::<Result<_, sqlx::Error>>()
            .map_err(db)
    }
}
