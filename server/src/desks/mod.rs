//! The SQL implementations of the desks, one file per service, and what they share: ids and
//! tokens, the audit log, 我的办件 and messages, idempotency keys, human-readable reference
//! numbers. Each service's file also installs it (`install`): its desks, due work and routes.

pub mod accounts;
pub mod after_death;
pub mod appointments;
pub mod divorce;
pub mod elders;
pub mod life;
pub mod marriage;
pub mod meals;
pub mod proxy;
pub mod sessions;
pub mod staff;
pub mod timebank;

use crate::db::WriteTx;
use app::desk::{DeskError, DeskResult};
use rand::Rng;
use sha2::{Digest, Sha256};
use sqlx::AnyConnection;

/// A random 128-bit identifier, hex-encoded.
pub fn new_id() -> String {
    hex::encode(rand::thread_rng().gen::<[u8; 16]>())
}

/// A random 256-bit session token for a cookie.
pub fn new_token() -> String {
    hex::encode(rand::thread_rng().gen::<[u8; 32]>())
}

/// What is stored of a token: its SHA-256.
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Every database failure is internal: logged, never shown.
pub fn db(e: sqlx::Error) -> DeskError {
    DeskError::internal(e)
}

/// A day as stored (`YYYY-MM-DD`).
pub fn day_str(d: chrono::NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

/// A stored day back.
pub fn day_of(s: &str) -> DeskResult<chrono::NaiveDate> {
    chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|e| DeskError::internal(e.to_string()))
}

/// A resident's stored language (`residents.locale`); Chinese when none was kept.
pub fn locale_of(tag: Option<&str>) -> app::i18n::Locale {
    tag.and_then(app::i18n::Locale::from_tag)
        .unwrap_or_default()
}

/// Counts events of `scope` for `subject` since `since` (the brute-force limits).
pub async fn count_events(
    conn: &mut AnyConnection,
    scope: &str,
    subject: &str,
    since: i64,
) -> DeskResult<i64> {
    sqlx::query_scalar::<_, i64>(
        "SELECT COUNT(*) FROM rate_events WHERE scope = $1 AND subject = $2 AND at >= $3",
    )
    .bind(scope)
    .bind(subject)
    .bind(since)
    .fetch_one(&mut *conn)
    .await
    .map_err(db)
}

/// Locks the limit of `scope` for `subject` until the transaction ends, before its events are
/// counted: concurrent requests about one number (or address, or username) then count one after
/// another on either engine. Lock subjects of one command always in the same order.
pub async fn lock_subject(conn: &mut AnyConnection, scope: &str, subject: &str) -> DeskResult<()> {
    sqlx::query(
        "INSERT INTO rate_locks (scope, subject) VALUES ($1, $2) \
         ON CONFLICT (scope, subject) DO UPDATE SET subject = excluded.subject",
    )
    .bind(scope)
    .bind(subject)
    .execute(&mut *conn)
    .await
    .map_err(db)?;
    Ok(())
}

/// Records one event for the brute-force limits, and drops events older than a day.
pub async fn record_event(
    conn: &mut AnyConnection,
    scope: &str,
    subject: &str,
    at: i64,
) -> DeskResult<()> {
    sqlx::query("INSERT INTO rate_events (scope, subject, at) VALUES ($1, $2, $3)")
        .bind(scope)
        .bind(subject)
        .bind(at)
        .execute(&mut *conn)
        .await
        .map_err(db)?;
    sqlx::query("DELETE FROM rate_events WHERE scope = $1 AND subject = $2 AND at < $3")
        .bind(scope)
        .bind(subject)
        .bind(at - 86_400)
        .execute(&mut *conn)
        .await
        .map_err(db)?;
    Ok(())
}

/// Who an audit entry is by.
pub struct AuditActor<'a> {
    pub staff_id: Option<&'a str>,
    pub name: &'a str,
    pub client: &'a str,
}

impl<'a> From<&'a app::web::Staff> for AuditActor<'a> {
    fn from(s: &'a app::web::Staff) -> Self {
        Self {
            staff_id: Some(s.id()),
            name: s.username(),
            client: s.client(),
        }
    }
}

/// Orders rows written in the same second (the audit log, a task's history): the injected
/// clock's sub-second part, then this process's counter.
pub fn seq(at: chrono::DateTime<chrono::Utc>) -> i64 {
    use std::sync::atomic::{AtomicI64, Ordering};
    static COUNTER: AtomicI64 = AtomicI64::new(0);
    i64::from(at.timestamp_subsec_micros()) * 1_000_000
        + COUNTER.fetch_add(1, Ordering::Relaxed) % 1_000_000
}

/// Writes one audit entry; call it inside the transaction of the action it records. `seq`
/// orders entries of the same second (the injected clock's sub-second part, then this
/// process's counter), so the log reads in the order things happened.
pub async fn audit(
    conn: &mut AnyConnection,
    at: chrono::DateTime<chrono::Utc>,
    actor: AuditActor<'_>,
    action: &str,
    target: &str,
) -> DeskResult<()> {
    let seq = seq(at);
    sqlx::query(
        "INSERT INTO audit_log (id, at, seq, staff_id, actor, action, target, client) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(new_id())
    .bind(at.timestamp())
    .bind(seq)
    .bind(actor.staff_id)
    .bind(actor.name)
    .bind(action)
    .bind(target)
    .bind(actor.client)
    .execute(&mut *conn)
    .await
    .map_err(db)?;
    Ok(())
}

/// Writes a message into a resident's message centre (站内信): a topic its service renders
/// (`marriage_confirmed`), and the values it is filled with (never ID numbers).
pub async fn insert_message(
    conn: &mut AnyConnection,
    resident_id: &str,
    topic: &str,
    params: &[(&str, &str)],
    at: i64,
) -> DeskResult<()> {
    let params: std::collections::BTreeMap<&str, &str> = params.iter().copied().collect();
    let params = serde_json::to_string(&params).map_err(DeskError::internal)?;
    sqlx::query("INSERT INTO messages (id, resident_id, topic, params, created_at) VALUES ($1, $2, $3, $4, $5)")
        .bind(new_id())
        .bind(resident_id)
        .bind(topic)
        .bind(params)
        .bind(at)
        .execute(&mut *conn)
        .await
        .map_err(db)?;
    Ok(())
}

/// Writes a notice to a staff unit (a canteen told that an elder's orders were cancelled): a
/// topic its service renders, shown on the unit's workbench until read.
pub async fn insert_unit_notice(
    conn: &mut AnyConnection,
    unit_id: &str,
    topic: &str,
    params: &[(&str, &str)],
    at: i64,
) -> DeskResult<()> {
    let params: std::collections::BTreeMap<&str, &str> = params.iter().copied().collect();
    let params = serde_json::to_string(&params).map_err(DeskError::internal)?;
    sqlx::query("INSERT INTO unit_notices (id, unit_id, topic, params, created_at) VALUES ($1, $2, $3, $4, $5)")
        .bind(new_id())
        .bind(unit_id)
        .bind(topic)
        .bind(params)
        .bind(at)
        .execute(&mut *conn)
        .await
        .map_err(db)?;
    Ok(())
}

/// One item of a resident's 我的办件, as a service writes it.
pub struct AffairItem<'a> {
    /// Unique per service record and resident (`<service>:<record>:<resident>`).
    pub service: &'a str,
    pub record_id: &'a str,
    pub reference: &'a str,
    pub status: &'a str,
    pub link: &'a str,
    /// When its next step is due (an appointment's start, a hold's end, a limit), if known.
    pub next_at: Option<i64>,
}

/// Upserts an item of a resident's 我的办件 (same transaction as the change it shows).
pub async fn upsert_affair(
    conn: &mut AnyConnection,
    resident_id: &str,
    item: &AffairItem<'_>,
    now: i64,
) -> DeskResult<()> {
    sqlx::query(
        "INSERT INTO affairs (id, resident_id, service, reference, status, link, updated_at, next_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
         ON CONFLICT (id) DO UPDATE SET status = excluded.status, link = excluded.link, updated_at = excluded.updated_at, next_at = excluded.next_at",
    )
    .bind(format!("{}:{}:{resident_id}", item.service, item.record_id))
    .bind(resident_id)
    .bind(item.service)
    .bind(item.reference)
    .bind(item.status)
    .bind(item.link)
    .bind(now)
    .bind(item.next_at)
    .execute(&mut *conn)
    .await
    .map_err(db)?;
    Ok(())
}

/// Idempotency keys: every command form carries one; a repeat replays the stored outcome.
pub mod idempotency {
    use super::{db, DeskResult};
    use sqlx::AnyConnection;

    /// What a key says about this attempt.
    pub enum Claim {
        /// First use: go on, and [`record`] the outcome in the same transaction.
        Fresh,
        /// Used before; the command's outcome (e.g. the record it made), if it committed.
        Seen(Option<String>),
    }

    /// The outcome of a key already used by `owner`, read without taking the write lock (a
    /// double tap is answered by reading).
    pub async fn seen(pool: &sqlx::AnyPool, owner: &str, key: &str) -> DeskResult<Option<String>> {
        let outcome: Option<Option<String>> = sqlx::query_scalar(
            "SELECT outcome FROM idempotency WHERE owner = $1 AND idem_key = $2",
        )
        .bind(owner)
        .bind(key)
        .fetch_optional(pool)
        .await
        .map_err(db)?;
        Ok(outcome.flatten())
    }

    /// Claims a key inside the command's transaction.
    pub async fn claim(
        conn: &mut AnyConnection,
        owner: &str,
        key: &str,
        now: i64,
    ) -> DeskResult<Claim> {
        let fresh = sqlx::query(
            "INSERT INTO idempotency (owner, idem_key, created_at) VALUES ($1, $2, $3) \
             ON CONFLICT (owner, idem_key) DO NOTHING",
        )
        .bind(owner)
        .bind(key)
        .bind(now)
        .execute(&mut *conn)
        .await
        .map_err(db)?
        .rows_affected()
            == 1;
        if fresh {
            return Ok(Claim::Fresh);
        }
        let outcome: Option<String> = sqlx::query_scalar(
            "SELECT outcome FROM idempotency WHERE owner = $1 AND idem_key = $2",
        )
        .bind(owner)
        .bind(key)
        .fetch_one(&mut *conn)
        .await
        .map_err(db)?;
        Ok(Claim::Seen(outcome))
    }

    /// Records the outcome of a fresh key (same transaction).
    pub async fn record(
        conn: &mut AnyConnection,
        owner: &str,
        key: &str,
        outcome: &str,
    ) -> DeskResult<()> {
        sqlx::query("UPDATE idempotency SET outcome = $1 WHERE owner = $2 AND idem_key = $3")
            .bind(outcome)
            .bind(owner)
            .bind(key)
            .execute(&mut *conn)
            .await
            .map_err(db)?;
        Ok(())
    }
}

/// Reference numbers people read out on the phone: two letters, the day, six random digits
/// (`JH20261125123456`). One generator for every service: the row is inserted with a drawn
/// number and `ON CONFLICT (reference) DO NOTHING`, and drawn again if it was taken, so the
/// unique key decides even when two servers draw at once:
///
/// ```ignore
/// let mut draws = reference::draws("JH", day);
/// let reference = loop {
///     let candidate = draws.next_or_fail()?;
///     if insert(&candidate).await? == 1 { break candidate; }
/// };
/// ```
pub mod reference {
    use super::{DeskError, DeskResult};
    use rand::Rng;

    /// Up to 20 numbers for `day`.
    pub struct Draws {
        prefix: String,
        day: String,
        left: u32,
    }

    pub fn draws(prefix: &str, day: chrono::NaiveDate) -> Draws {
        Draws {
            prefix: prefix.to_owned(),
            day: day.format("%Y%m%d").to_string(),
            left: 20,
        }
    }

    impl Draws {
        /// The next number to try, or the failure after 20 taken ones.
        pub fn next_or_fail(&mut self) -> DeskResult<String> {
            if self.left == 0 {
                return Err(DeskError::internal(
                    "no free reference number after 20 draws",
                ));
            }
            self.left -= 1;
            Ok(format!(
                "{}{}{:06}",
                self.prefix,
                self.day,
                rand::thread_rng().gen_range(0..1_000_000)
            ))
        }
    }
}

/// The guarded due-work loop every sweep shares: the ids found due now, each in its own write
/// transaction. The caller makes the guarded change (`UPDATE … WHERE <still due>`) and its
/// effects, and commits only if the guard applied (dropping the transaction rolls back), so
/// two sweepers, or a restart, change each item once:
///
/// ```ignore
/// let mut due = Due::find(&self.db, "SELECT id FROM … WHERE … <= $1", now).await?;
/// while let Some((mut tx, id)) = due.next().await? {
///     if guarded_update(&mut tx, &id).await? != 1 { continue; }
///     …effects…;
///     tx.commit().await.map_err(db)?;
/// }
/// ```
pub struct Due<'d> {
    db: &'d crate::db::Db,
    ids: std::vec::IntoIter<String>,
}

impl<'d> Due<'d> {
    /// The ids `select` (one `$1`: now) finds due, read without the write lock.
    pub async fn find(db_: &'d crate::db::Db, select: &str, now: i64) -> DeskResult<Due<'d>> {
        let ids: Vec<String> = sqlx::query_scalar(select)
            .bind(now)
            .fetch_all(db_.pool())
            .await
            .map_err(db)?;
        Ok(Self {
            db: db_,
            ids: ids.into_iter(),
        })
    }

    /// The next due id, with a write transaction for it.
    pub async fn next(&mut self) -> DeskResult<Option<(WriteTx, String)>> {
        match self.ids.next() {
            Some(id) => Ok(Some((self.db.begin_write().await.map_err(db)?, id))),
            None => Ok(None),
        }
    }
}
