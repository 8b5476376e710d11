//! 老人身份 in SQL: a community worker's ID-card checks (`elder_checks`) and the status records
//! they confirm and end (`elder_status_records`, live while `ended_at` is NULL; the partial
//! unique index `elder_status_live` allows one live record per elder and status). Every other
//! desk reads statuses with [`live_statuses`], in the transaction that decides with them.

use super::{audit, db, idempotency, insert_message, new_id};
use crate::{
    db::Db,
    registry::{Registry, Setup},
};
use app::{
    desk::{refused, DeskResult},
    elders::{
        desk::ElderDesk,
        model::{ElderFile, ElderStatus, Refusal, StatusRecord, CHECK_MINUTES},
    },
    error::AppError,
    identity::Role,
    rules::{
        clock::Clock,
        id_number::{mask_id_number, IdNumber},
        name::mask_name,
        phone::{mask_phone, Phone},
    },
    web::Staff,
};
use sqlx::{AnyConnection, Row};
use std::sync::Arc;

pub fn install(reg: &mut Registry, setup: &Setup) {
    let desk: Arc<dyn ElderDesk> = Arc::new(SqlElders {
        db: setup.db.clone(),
        clock: setup.clock.clone(),
    });
    reg.provide(desk);
    super::life::register_step(reg, Arc::new(StatusesEndOnDeath));
}

/// 身后事: the statuses that raise a subsidy (低保, 特困, 失能, 独居) stop from the first day of
/// the month after the death, as allowances do; the records stay, with their end.
struct StatusesEndOnDeath;

#[async_trait::async_trait]
impl super::life::LifeStep for StatusesEndOnDeath {
    fn key(&self) -> &'static str {
        "elders.statuses"
    }

    fn rank(&self) -> u16 {
        50
    }

    fn follows(&self, kind: super::life::LifeKind) -> bool {
        kind == super::life::LifeKind::Death
    }

    async fn run(
        &self,
        conn: &mut AnyConnection,
        event: &super::life::LifeEvent,
        _now: chrono::DateTime<chrono::Utc>,
    ) -> DeskResult<super::life::StepDone> {
        use chrono::Datelike;
        let subject = event.subject_id.as_deref().unwrap_or_default();
        let d = event.occurred_on;
        let next_month = if d.month() == 12 {
            chrono::NaiveDate::from_ymd_opt(d.year() + 1, 1, 1)
        } else {
            chrono::NaiveDate::from_ymd_opt(d.year(), d.month() + 1, 1)
        }
        .ok_or_else(|| app::desk::DeskError::internal("no next month"))?;
        let from = app::appointments::model::slot_start(next_month, "00:00").timestamp();
        let ended: Vec<String> = sqlx::query_scalar(
            "UPDATE elder_status_records SET ended_at = $1, ended_by = $2, end_note = '逝世 · deceased' \
             WHERE resident_id = $3 AND ended_at IS NULL RETURNING status",
        )
        .bind(from)
        .bind(event.mark())
        .bind(subject)
        .fetch_all(&mut *conn)
        .await
        .map_err(db)?;
        Ok(super::life::StepDone::default()
            .with("statuses", ended.join(","))
            .with("from", super::day_str(next_month)))
    }
}

/// The status keys of an elder that count now (confirmed and not ended).
pub async fn live_statuses(conn: &mut AnyConnection, resident_id: &str) -> DeskResult<Vec<String>> {
    sqlx::query_scalar(
        "SELECT status FROM elder_status_records WHERE resident_id = $1 AND ended_at IS NULL ORDER BY status",
    )
    .bind(resident_id)
    .fetch_all(&mut *conn)
    .await
    .map_err(db)
}

struct SqlElders {
    db: Db,
    clock: Arc<dyn Clock>,
}

/// Only community workers work this desk.
fn worker(staff: &Staff) -> DeskResult<()> {
    if staff.role() == Role::CommunityWorker {
        Ok(())
    } else {
        Err(AppError::Forbidden.into())
    }
}

fn owner(staff: &Staff) -> String {
    format!("staff:{}", staff.id())
}

impl SqlElders {
    /// The elder of `check` if it is this worker's and has not expired.
    async fn checked(
        &self,
        conn: &mut AnyConnection,
        staff: &Staff,
        check: &str,
        now: i64,
    ) -> DeskResult<(String, i64)> {
        let row = sqlx::query(
            "SELECT elder_id, expires_at FROM elder_checks WHERE id = $1 AND staff_id = $2 AND expires_at > $3",
        )
        .bind(check)
        .bind(staff.id())
        .bind(now)
        .fetch_optional(&mut *conn)
        .await
        .map_err(db)?;
        row.map(|r| (r.get(0), r.get(1)))
            .ok_or_else(|| refused("check", Refusal::CheckExpired))
    }
}

#[async_trait::async_trait]
impl ElderDesk for SqlElders {
    #[tracing::instrument(skip_all)]
    async fn check(
        &self,
        staff: &Staff,
        phone: &Phone,
        name: &str,
        id_checked: &IdNumber,
    ) -> DeskResult<String> {
        worker(staff)?;
        let now = self.clock.now();
        let mut tx = self.db.begin_write().await.map_err(db)?;
        let row = sqlx::query(
            "SELECT id, id_number FROM residents WHERE phone = $1 AND real_name = $2 AND id_number IS NOT NULL",
        )
        .bind(phone.as_str())
        .bind(name)
        .fetch_optional(&mut *tx)
        .await
        .map_err(db)?;
        let Some(row) = row else {
            return Err(refused("elder_phone", Refusal::NoSuchElder));
        };
        let (elder, number): (String, String) = (row.get(0), row.get(1));
        if number != id_checked.as_str() {
            // A card that does not match is audited too (who tried which elder), then refused.
            audit(&mut tx, now, staff.into(), "elders.card_mismatch", &elder).await?;
            tx.commit().await.map_err(db)?;
            return Err(refused("elder_id_number", Refusal::IdMismatch));
        }
        let id = new_id();
        sqlx::query(
            "INSERT INTO elder_checks (id, staff_id, elder_id, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(&id)
        .bind(staff.id())
        .bind(&elder)
        .bind(now.timestamp())
        .bind(now.timestamp() + CHECK_MINUTES * 60)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        audit(&mut tx, now, staff.into(), "elders.check", &elder).await?;
        tx.commit().await.map_err(db)?;
        Ok(id)
    }

    #[tracing::instrument(skip_all)]
    async fn file(&self, staff: &Staff, check: &str) -> DeskResult<ElderFile> {
        worker(staff)?;
        let now = self.clock.now();
        let today = self.clock.today();
        let mut tx = self.db.begin_write().await.map_err(db)?;
        let (elder, expires) = self.checked(&mut tx, staff, check, now.timestamp()).await?;
        let row = sqlx::query("SELECT real_name, phone, id_number FROM residents WHERE id = $1")
            .bind(&elder)
            .fetch_one(&mut *tx)
            .await
            .map_err(db)?;
        let name: Option<String> = row.get(0);
        let phone: String = row.get(1);
        let number: Option<String> = row.get(2);
        let age = number
            .as_deref()
            .and_then(|n| IdNumber::parse(n, today).ok())
            .map_or(0, |n| n.age_on(today));
        let rows = sqlx::query(
            "SELECT r.id, r.status, r.note, r.confirmed_at, COALESCE(c.display_name, r.confirmed_by), \
             r.ended_at, COALESCE(e.display_name, r.ended_by), r.end_note \
             FROM elder_status_records r LEFT JOIN staff c ON c.id = r.confirmed_by LEFT JOIN staff e ON e.id = r.ended_by \
             WHERE r.resident_id = $1 \
             ORDER BY CASE WHEN r.ended_at IS NULL THEN 0 ELSE 1 END, COALESCE(r.ended_at, r.confirmed_at) DESC, r.id",
        )
        .bind(&elder)
        .fetch_all(&mut *tx)
        .await
        .map_err(db)?;
        let records = rows
            .iter()
            .filter_map(|r| {
                Some(StatusRecord {
                    id: r.get(0),
                    status: ElderStatus::parse(&r.get::<String, _>(1))?,
                    note: r.get(2),
                    confirmed_at: r.get(3),
                    confirmed_by: r.get(4),
                    ended_at: r.get(5),
                    ended_by: r.get(6),
                    end_note: r.get(7),
                })
            })
            .collect();
        audit(&mut tx, now, staff.into(), "elders.read", &elder).await?;
        tx.commit().await.map_err(db)?;
        Ok(ElderFile {
            check: check.to_owned(),
            name_masked: mask_name(name.as_deref().unwrap_or_default()),
            phone_masked: mask_phone(&phone),
            id_number_masked: mask_id_number(number.as_deref().unwrap_or_default()),
            age,
            check_expires_at: expires,
            records,
            key: String::new(),
        })
    }

    #[tracing::instrument(skip_all)]
    async fn confirm(
        &self,
        staff: &Staff,
        check: &str,
        status: ElderStatus,
        note: &str,
        idem_key: &str,
    ) -> DeskResult<()> {
        worker(staff)?;
        let owner = owner(staff);
        if idempotency::seen(self.db.pool(), &owner, idem_key)
            .await?
            .is_some()
        {
            return Ok(());
        }
        let now = self.clock.now();
        let mut tx = self.db.begin_write().await.map_err(db)?;
        let (elder, _) = self.checked(&mut tx, staff, check, now.timestamp()).await?;
        if let idempotency::Claim::Seen(_) =
            idempotency::claim(&mut tx, &owner, idem_key, now.timestamp()).await?
        {
            return Ok(());
        }
        let id = new_id();
        // One live record per elder and status: a second confirmation is refused, not doubled.
        let inserted = sqlx::query(
            "INSERT INTO elder_status_records (id, resident_id, status, note, confirmed_by, confirmed_at) \
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING",
        )
        .bind(&id)
        .bind(&elder)
        .bind(status.as_str())
        .bind(note)
        .bind(staff.id())
        .bind(now.timestamp())
        .execute(&mut *tx)
        .await
        .map_err(db)?
        .rows_affected();
        if inserted != 1 {
            return Err(refused("status", Refusal::AlreadyLive));
        }
        idempotency::record(&mut tx, &owner, idem_key, &id).await?;
        audit(&mut tx, now, staff.into(), "elders.status.confirm", &id).await?;
        insert_message(
            &mut tx,
            &elder,
            "elders_status_confirmed",
            &[("status", status.as_str())],
            now.timestamp(),
        )
        .await?;
        tx.commit().await.map_err(db)?;
        Ok(())
    }

    #[tracing::instrument(skip_all)]
    async fn end(
        &self,
        staff: &Staff,
        check: &str,
        record: &str,
        reason: &str,
        idem_key: &str,
    ) -> DeskResult<()> {
        worker(staff)?;
        let owner = owner(staff);
        if idempotency::seen(self.db.pool(), &owner, idem_key)
            .await?
            .is_some()
        {
            return Ok(());
        }
        let now = self.clock.now();
        let mut tx = self.db.begin_write().await.map_err(db)?;
        let (elder, _) = self.checked(&mut tx, staff, check, now.timestamp()).await?;
        if let idempotency::Claim::Seen(_) =
            idempotency::claim(&mut tx, &owner, idem_key, now.timestamp()).await?
        {
            return Ok(());
        }
        // Ends once: the record stays, with who ended it, when and why.
        let status: Option<String> = sqlx::query_scalar(
            "UPDATE elder_status_records SET ended_at = $1, ended_by = $2, end_note = $3 \
             WHERE id = $4 AND resident_id = $5 AND ended_at IS NULL RETURNING status",
        )
        .bind(now.timestamp())
        .bind(staff.id())
        .bind(reason)
        .bind(record)
        .bind(&elder)
        .fetch_optional(&mut *tx)
        .await
        .map_err(db)?;
        let Some(status) = status else {
            return Err(refused("record", Refusal::NotLive));
        };
        idempotency::record(&mut tx, &owner, idem_key, record).await?;
        audit(&mut tx, now, staff.into(), "elders.status.end", record).await?;
        insert_message(
            &mut tx,
            &elder,
            "elders_status_ended",
            &[("status", &status)],
            now.timestamp(),
        )
        .await?;
        tx.commit().await.map_err(db)?;
        Ok(())
    }
}
