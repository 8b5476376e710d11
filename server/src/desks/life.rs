//! 人生事件 — life events every service follows, once (issue 15). A service that learns of an
//! event (after-death: 民政 accepts a death record) records it with [`record`] in the
//! transaction that accepts it; services that must follow it register a [`LifeStep`] with
//! [`register_step`]; the due-work sweep [`Cascade`] runs each registered step of each pending
//! event in its own write transaction.
//!
//! Durable and idempotent: a step's row in `life_event_steps` is claimed by the transaction that
//! does the step's work (`INSERT … ON CONFLICT DO NOTHING` first, the work after, one commit),
//! so a step is done exactly once; a crash before its commit undoes the claim and the work
//! together, and the next sweep (or another server) picks it up. When every step is done, one
//! guarded update closes the event and tells the family, once. This module knows no service.

use super::{db, insert_message, new_id};
use crate::{
    db::Db,
    jobs::{DueReport, DueWork},
    registry::{Registry, Setup},
};
use app::{
    desk::{DeskError, DeskResult},
    rules::clock::Clock,
};
use chrono::{DateTime, NaiveDate, Utc};
use sqlx::{AnyConnection, Row};
use std::{collections::BTreeMap, sync::Arc};

/// What kind of event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LifeKind {
    /// 死亡: the subject died; their services end and what can be passed on is passed on.
    Death,
}

impl LifeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            LifeKind::Death => "death",
        }
    }

    fn parse(s: &str) -> Option<Self> {
        (s == "death").then_some(LifeKind::Death)
    }
}

/// An event as a step sees it.
#[derive(Debug, Clone)]
pub struct LifeEvent {
    pub id: String,
    pub kind: LifeKind,
    /// The subject's account, if they had one (every step has nothing to do otherwise).
    pub subject_id: Option<String>,
    pub subject_id_number: String,
    pub occurred_on: NaiveDate,
    /// Who receives what can be passed on; `None`: the mutual-aid fund.
    pub heir_id: Option<String>,
    /// The family named when the event was recorded.
    pub family: Vec<String>,
}

impl LifeEvent {
    /// The mark a step leaves on what it ended (`ended_by` columns): `death:<event id>`.
    pub fn mark(&self) -> String {
        format!("{}:{}", self.kind.as_str(), self.id)
    }
}

/// What a step did: the values its service's words are filled with, and the residents it
/// concerned (told once, when the whole event is done).
#[derive(Debug, Clone, Default)]
pub struct StepDone {
    pub params: BTreeMap<String, String>,
    pub notify: Vec<String>,
}

impl StepDone {
    pub fn with(mut self, key: &str, value: impl ToString) -> Self {
        self.params.insert(key.to_owned(), value.to_string());
        self
    }
}

/// A service's part in following a life event. `run` happens inside the step's transaction:
/// it must only write through `conn`, and its guarded statements must tolerate a concurrent
/// sweeper (the claim already orders them, but the work itself stays guarded).
#[async_trait::async_trait]
pub trait LifeStep: Send + Sync {
    /// `<service>.<part>`: stored with the event, and the key of the service's words for it.
    fn key(&self) -> &'static str;
    /// Where the family reads it among the others (smaller first).
    fn rank(&self) -> u16;
    fn follows(&self, kind: LifeKind) -> bool;
    async fn run(
        &self,
        conn: &mut AnyConnection,
        event: &LifeEvent,
        now: DateTime<Utc>,
    ) -> DeskResult<StepDone>;
}

/// Registers a step (called by the service that owns it, before [`install`]).
pub fn register_step(reg: &mut Registry, step: Arc<dyn LifeStep>) {
    reg.extend(step);
}

/// Installs the sweep with every step registered so far.
pub fn install(reg: &mut Registry, setup: &Setup) {
    let cascade = Cascade::new(setup, reg.extensions::<Arc<dyn LifeStep>>());
    reg.due(Arc::new(cascade));
}

/// A new event, as the service that learnt of it records it.
pub struct NewEvent<'a> {
    pub kind: LifeKind,
    /// Unique per event (`after_death:<case id>`): recording it twice records it once.
    pub source: &'a str,
    pub subject_id_number: &'a str,
    pub occurred_on: NaiveDate,
    pub heir_id: Option<&'a str>,
    pub family: &'a [String],
    pub link: &'a str,
}

/// Records an event in the caller's transaction; `Some(id)` when it is new. The subject's
/// account is looked up by ID number now.
pub async fn record(
    conn: &mut AnyConnection,
    e: &NewEvent<'_>,
    now: i64,
) -> DeskResult<Option<String>> {
    let subject: Option<String> =
        sqlx::query_scalar("SELECT id FROM residents WHERE id_number = $1")
            .bind(e.subject_id_number)
            .fetch_optional(&mut *conn)
            .await
            .map_err(db)?;
    let id = new_id();
    let inserted = sqlx::query(
        "INSERT INTO life_events (id, kind, source, subject_id_number, subject_id, occurred_on, heir_id, link, status, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'pending', $9) ON CONFLICT (source) DO NOTHING",
    )
    .bind(&id)
    .bind(e.kind.as_str())
    .bind(e.source)
    .bind(e.subject_id_number)
    .bind(&subject)
    .bind(super::day_str(e.occurred_on))
    .bind(e.heir_id)
    .bind(e.link)
    .bind(now)
    .execute(&mut *conn)
    .await
    .map_err(db)?
    .rows_affected();
    if inserted != 1 {
        return Ok(None);
    }
    for r in e.family {
        if Some(r) == subject.as_ref() {
            continue;
        }
        sqlx::query(
            "INSERT INTO life_event_family (event_id, resident_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
        )
        .bind(&id)
        .bind(r)
        .execute(&mut *conn)
        .await
        .map_err(db)?;
    }
    Ok(Some(id))
}

/// Adds a family member to the event recorded from `source`, if there is one (a co-applicant
/// the bundle's holder accepts after the death was confirmed): they read what the family reads.
/// The message the family was sent when the cascade ended is not sent again; the bundle's page
/// shows the same progress.
pub async fn join_family(
    conn: &mut AnyConnection,
    source: &str,
    resident_id: &str,
) -> DeskResult<()> {
    sqlx::query(
        "INSERT INTO life_event_family (event_id, resident_id) \
         SELECT id, $2 FROM life_events WHERE source = $1 AND (subject_id IS NULL OR subject_id <> $2) \
         ON CONFLICT DO NOTHING",
    )
    .bind(source)
    .bind(resident_id)
    .execute(&mut *conn)
    .await
    .map_err(db)?;
    Ok(())
}

/// An event's progress as its source shows it to the family.
#[derive(Debug, Clone)]
pub struct Progress {
    pub recorded_at: i64,
    /// When the last step was done (the event closed); `None` while steps remain.
    pub done_at: Option<i64>,
    /// Whether the subject had an account here (nothing to follow otherwise).
    pub had_account: bool,
    /// The steps done so far, in the family's reading order: (step, done at, params).
    pub steps: Vec<(String, i64, BTreeMap<String, String>)>,
}

/// The progress of the event recorded by `source`, if any.
pub async fn progress(conn: &mut AnyConnection, source: &str) -> DeskResult<Option<Progress>> {
    let Some(row) = sqlx::query(
        "SELECT id, created_at, done_at, subject_id FROM life_events WHERE source = $1",
    )
    .bind(source)
    .fetch_optional(&mut *conn)
    .await
    .map_err(db)?
    else {
        return Ok(None);
    };
    let id: String = row.get(0);
    let steps = sqlx::query(
        "SELECT step, done_at, params FROM life_event_steps WHERE event_id = $1 ORDER BY rank, step",
    )
    .bind(&id)
    .fetch_all(&mut *conn)
    .await
    .map_err(db)?
    .into_iter()
    .map(|r| {
        let params: String = r.get(2);
        (
            r.get::<String, _>(0),
            r.get::<i64, _>(1),
            serde_json::from_str(&params).unwrap_or_default(),
        )
    })
    .collect();
    Ok(Some(Progress {
        recorded_at: row.get(1),
        done_at: row.get(2),
        had_account: row.get::<Option<String>, _>(3).is_some(),
        steps,
    }))
}

/// Whether `reader` is family of `subject` by a recorded death (what stays readable after a
/// death, e.g. the time-bank record, is readable to them).
pub async fn is_family_of_deceased(
    pool: &sqlx::AnyPool,
    reader: &str,
    subject: &str,
) -> DeskResult<bool> {
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM life_events e JOIN life_event_family f ON f.event_id = e.id \
         WHERE e.kind = 'death' AND e.subject_id = $1 AND f.resident_id = $2",
    )
    .bind(subject)
    .bind(reader)
    .fetch_one(pool)
    .await
    .map_err(db)?;
    Ok(n > 0)
}

/// Where a sweep stops on purpose: the tests' stand-in for a crash.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// The process dies right after the `n`-th step (0-based, in rank order) committed.
    CrashAfter(usize),
    /// The `n`-th step does its work, then fails before its commit.
    FailInside(usize),
}

/// The sweep that follows pending events (see the module's doc).
pub struct Cascade {
    db: Db,
    clock: Arc<dyn Clock>,
    steps: Vec<Arc<dyn LifeStep>>,
    fault: Option<Fault>,
}

impl Cascade {
    pub fn new(setup: &Setup, mut steps: Vec<Arc<dyn LifeStep>>) -> Self {
        steps.sort_by_key(|s| (s.rank(), s.key()));
        Self {
            db: setup.db.clone(),
            clock: setup.clock.clone(),
            steps,
            fault: None,
        }
    }

    /// The same sweep, failing on purpose where `fault` says (tests).
    pub fn with_fault(mut self, fault: Fault) -> Self {
        self.fault = Some(fault);
        self
    }

    /// The registered steps' keys, in order.
    pub fn step_keys(&self) -> Vec<&'static str> {
        self.steps.iter().map(|s| s.key()).collect()
    }

    async fn load(&self, id: &str) -> DeskResult<LifeEvent> {
        let row = sqlx::query(
            "SELECT kind, subject_id, subject_id_number, occurred_on, heir_id FROM life_events WHERE id = $1",
        )
        .bind(id)
        .fetch_one(self.db.pool())
        .await
        .map_err(db)?;
        let family = sqlx::query_scalar(
            "SELECT resident_id FROM life_event_family WHERE event_id = $1 ORDER BY resident_id",
        )
        .bind(id)
        .fetch_all(self.db.pool())
        .await
        .map_err(db)?;
        Ok(LifeEvent {
            id: id.to_owned(),
            kind: LifeKind::parse(&row.get::<String, _>(0))
                .ok_or_else(|| DeskError::internal("unknown life event kind"))?,
            subject_id: row.get(1),
            subject_id_number: row.get(2),
            occurred_on: super::day_of(&row.get::<String, _>(3))?,
            heir_id: row.get(4),
            family,
        })
    }

    /// Follows one event to its end: each step not yet done, then the close.
    async fn follow(&self, id: &str, report: &mut DueReport) -> DeskResult<()> {
        let event = self.load(id).await?;
        let steps = self.steps.iter().filter(|s| s.follows(event.kind));
        for (i, step) in steps.enumerate() {
            let now = self.clock.now();
            let mut tx = self.db.begin_write().await.map_err(db)?;
            let claimed = sqlx::query(
                "INSERT INTO life_event_steps (event_id, step, rank, done_at, params, notify) \
                 VALUES ($1, $2, $3, $4, '{}', '[]') ON CONFLICT (event_id, step) DO NOTHING",
            )
            .bind(id)
            .bind(step.key())
            .bind(i64::from(step.rank()))
            .bind(now.timestamp())
            .execute(&mut *tx)
            .await
            .map_err(db)?
            .rows_affected();
            if claimed != 1 {
                continue; // done before (or by another sweeper just now)
            }
            let done = match &event.subject_id {
                Some(_) => step.run(&mut tx, &event, now).await?,
                None => StepDone::default(),
            };
            if self.fault == Some(Fault::FailInside(i)) {
                return Err(DeskError::internal(format!(
                    "fault injected inside step {}",
                    step.key()
                )));
            }
            sqlx::query(
                "UPDATE life_event_steps SET params = $1, notify = $2 WHERE event_id = $3 AND step = $4",
            )
            .bind(serde_json::to_string(&done.params).map_err(DeskError::internal)?)
            .bind(serde_json::to_string(&done.notify).map_err(DeskError::internal)?)
            .bind(id)
            .bind(step.key())
            .execute(&mut *tx)
            .await
            .map_err(db)?;
            tx.commit().await.map_err(db)?;
            report.add("life steps", 1);
            if self.fault == Some(Fault::CrashAfter(i)) {
                return Err(DeskError::internal(format!(
                    "fault injected after step {}",
                    step.key()
                )));
            }
        }
        self.close(&event, report).await
    }

    /// Closes an event whose steps are all done and tells the family and everyone a step
    /// concerned, once each, in the same transaction as the guarded close.
    async fn close(&self, event: &LifeEvent, report: &mut DueReport) -> DeskResult<()> {
        let now = self.clock.now().timestamp();
        let mut tx = self.db.begin_write().await.map_err(db)?;
        let closed = sqlx::query(
            "UPDATE life_events SET status = 'done', done_at = $1 WHERE id = $2 AND status = 'pending'",
        )
        .bind(now)
        .bind(&event.id)
        .execute(&mut *tx)
        .await
        .map_err(db)?
        .rows_affected();
        if closed != 1 {
            return Ok(());
        }
        let lists: Vec<String> =
            sqlx::query_scalar("SELECT notify FROM life_event_steps WHERE event_id = $1")
                .bind(&event.id)
                .fetch_all(&mut *tx)
                .await
                .map_err(db)?;
        let mut told: std::collections::BTreeSet<String> = event.family.iter().cloned().collect();
        for l in lists {
            told.extend(serde_json::from_str::<Vec<String>>(&l).unwrap_or_default());
        }
        if let Some(subject) = &event.subject_id {
            told.remove(subject);
        }
        let link: String = sqlx::query_scalar("SELECT link FROM life_events WHERE id = $1")
            .bind(&event.id)
            .fetch_one(&mut *tx)
            .await
            .map_err(db)?;
        let family: std::collections::BTreeSet<&String> = event.family.iter().collect();
        for r in &told {
            // The family follows the event on its page; others concerned are told where to
            // look after what changed for them.
            let link = if family.contains(r) {
                link.as_str()
            } else {
                ""
            };
            let topic = format!("life_{}_followed", event.kind.as_str());
            insert_message(&mut tx, r, &topic, &[("link", link)], now).await?;
        }
        tx.commit().await.map_err(db)?;
        report.add("life events followed", 1);
        Ok(())
    }
}

#[async_trait::async_trait]
impl DueWork for Cascade {
    fn name(&self) -> &'static str {
        "life_events"
    }

    async fn run(&self) -> DeskResult<DueReport> {
        let mut report = DueReport::default();
        let ids: Vec<String> = sqlx::query_scalar(
            "SELECT id FROM life_events WHERE status = 'pending' ORDER BY created_at, id",
        )
        .fetch_all(self.db.pool())
        .await
        .map_err(db)?;
        for id in ids {
            self.follow(&id, &mut report).await?;
        }
        Ok(report)
    }
}
