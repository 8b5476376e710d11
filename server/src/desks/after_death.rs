//! 身后事一件事 in SQL: one bundle per deceased person (the `after_death_open` primary key
//! decides between relatives applying at once), its items as tasks in departments' queues
//! (generic `cases` / `case_tasks`), the documents in the file store, and subsidy payments with
//! four-eyes approval that pay once. Every task change is a guarded `UPDATE … WHERE status =
//! <from>` with the transition decided by the pure table (`policy::transition`); every staff
//! action and every staff read of a task or a document is audited in the same transaction.

use super::{audit, db, idempotency, insert_message, new_id, reference, upsert_affair, AffairItem};
use crate::{
    calendar_files::{failed, resident, staff},
    db::Db,
    files::{check_upload, DirStore, FileStore, UploadLimits, UploadRefusal},
    registry::{Registry, Setup},
};
use app::{
    after_death::{
        desk::{Account, AfterDeathDesk},
        model::{
            mask_name, ApplicationDraft, ApplyOutcome, BundleView, DocumentView, JoinRequest,
            NeedView, PaymentView, QueueItem, Refusal, Relationship, StaffAction, StaffTaskView,
            TaskEvent as EventView, TaskView,
        },
        policy::{
            decide, due_at, resume_due, transition, Answers, Department, Need, Policies, Policy,
            TaskEvent, TaskStatus, TimeLimit,
        },
    },
    desk::{refused, DeskError, DeskResult},
    error::AppError,
    identity::Role,
    rules::{
        calendar::WorkCalendar,
        clock::{shanghai_date, Clock},
        id_number::{mask_id_number, IdNumber},
        money::Fen,
    },
    web::{ClientAddr, Resident, Sessions, Staff},
};
use axum::{
    extract::{Multipart, Path, State},
    response::{IntoResponse, Redirect, Response},
    routing::{get, post},
    Extension,
};
use axum_extra::extract::CookieJar;
use chrono::{DateTime, NaiveDate, Utc};
use http::{header, StatusCode};
use sqlx::{AnyConnection, Row};
use std::sync::Arc;

/// The most documents one need of one item may have.
pub const MAX_DOCUMENTS_PER_NEED: i64 = 5;

/// Installs the desk, the document routes and the payment batch downloads.
pub fn install(reg: &mut Registry, setup: &Setup) {
    let files: Arc<dyn FileStore> = match DirStore::new(&setup.config.files_dir) {
        Ok(s) => Arc::new(s),
        Err(e) => {
            // The app still serves everything else; uploads go to a temporary folder.
            tracing::error!(error = %e, dir = setup.config.files_dir, "the document folder cannot be made");
            let fallback = std::env::temp_dir().join("mz-files");
            match DirStore::new(fallback) {
                Ok(s) => Arc::new(s),
                Err(e) => panic!("no folder for documents: {e}"),
            }
        }
    };
    let desk = Arc::new(SqlAfterDeath {
        db: setup.db.clone(),
        clock: setup.clock.clone(),
        calendar: setup.calendar.clone(),
        policies: Arc::new(Policies::shipped()),
        files,
        limits: UploadLimits {
            max_bytes: setup.config.upload_max_bytes,
            ..UploadLimits::default()
        },
    });
    let as_desk: Arc<dyn AfterDeathDesk> = desk.clone();
    reg.provide(as_desk);
    reg.route(
        axum::Router::new()
            .route(
                "/upload/after-death/task/{id}",
                // Axum's own 2 MB default for multipart bodies would refuse a phone photo
                // before the size check could say so in words.
                post(upload).layer(axum::extract::DefaultBodyLimit::max(
                    setup.config.upload_max_bytes + 64 * 1024,
                )),
            )
            .route("/after-death/document/{id}", get(download))
            .route("/staff/after-death/document/{id}", get(staff_download))
            .route("/staff/after-death/payments/{file}", get(batch))
            .with_state(Routes {
                desk,
                sessions: super::sessions::sessions(setup),
            }),
    );
}

pub struct SqlAfterDeath {
    pub db: Db,
    pub clock: Arc<dyn Clock>,
    pub calendar: Arc<WorkCalendar>,
    pub policies: Arc<Policies>,
    pub files: Arc<dyn FileStore>,
    pub limits: UploadLimits,
}

fn internal(e: impl ToString) -> DeskError {
    DeskError::internal(e.to_string())
}

fn status_of(s: &str) -> DeskResult<TaskStatus> {
    TaskStatus::parse(s).ok_or_else(|| internal(format!("unknown task status {s}")))
}

fn day_of(s: &str) -> DeskResult<NaiveDate> {
    super::day_of(s)
}

fn limit_parts(l: TimeLimit) -> (&'static str, i64) {
    match l {
        TimeLimit::WorkingDays(n) => ("working_days", i64::from(n)),
        TimeLimit::Hours(n) => ("hours", i64::from(n)),
    }
}

fn limit_of(kind: &str, value: i64) -> TimeLimit {
    let n = u32::try_from(value).unwrap_or(0);
    if kind == "hours" {
        TimeLimit::Hours(n)
    } else {
        TimeLimit::WorkingDays(n)
    }
}

/// A stored card number as shown: first and last four digits.
fn masked_card(card: &str) -> String {
    app::rules::bank_card::BankCard::parse(card)
        .map(|c| c.masked())
        .unwrap_or_else(|_| "****".to_owned())
}

fn at(unix: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(unix, 0).unwrap_or_default()
}

/// The department a staff member works for, if their role works a queue.
async fn department_of(conn: &mut AnyConnection, staff: &Staff) -> DeskResult<Department> {
    match staff.role() {
        Role::FuneralReviewer => Ok(Department::CivilAffairs),
        Role::DepartmentOfficer => {
            let d: Option<String> =
                sqlx::query_scalar("SELECT department FROM department_units WHERE unit_id = $1")
                    .bind(staff.unit_id())
                    .fetch_optional(&mut *conn)
                    .await
                    .map_err(db)?;
            d.as_deref()
                .and_then(Department::parse)
                .ok_or_else(|| AppError::Forbidden.into())
        }
        _ => Err(AppError::Forbidden.into()),
    }
}

/// `who`'s standing on a case: holder or co-applicant; anyone else is told it does not exist.
async fn applicant_of(
    conn: &mut AnyConnection,
    case_id: &str,
    who: &str,
) -> DeskResult<(bool, Relationship)> {
    let r = sqlx::query(
        "SELECT status, relationship FROM case_applicants WHERE case_id = $1 AND resident_id = $2 AND status IN ('holder', 'co_applicant')",
    )
    .bind(case_id)
    .bind(who)
    .fetch_optional(&mut *conn)
    .await
    .map_err(db)?
    .ok_or(AppError::NotFound)?;
    let status: String = r.try_get("status").map_err(db)?;
    let rel: String = r.try_get("relationship").map_err(db)?;
    Ok((
        status == "holder",
        Relationship::parse(&rel).unwrap_or(Relationship::OtherRelative),
    ))
}

/// The applicants who hear about a case (holder and co-applicants).
async fn applicants(conn: &mut AnyConnection, case_id: &str) -> DeskResult<Vec<String>> {
    sqlx::query_scalar(
        "SELECT resident_id FROM case_applicants WHERE case_id = $1 AND status IN ('holder', 'co_applicant') ORDER BY created_at",
    )
    .bind(case_id)
    .fetch_all(&mut *conn)
    .await
    .map_err(db)
}

/// 我的办件 for every applicant: "your action is needed" while an item waits on the family,
/// "closed" once every item is final; the next date is the nearest time limit still running.
async fn refresh_affairs(conn: &mut AnyConnection, case_id: &str, now: i64) -> DeskResult<()> {
    let rows: Vec<(String, i64, Option<i64>)> =
        sqlx::query_as("SELECT status, due_at, paused_at FROM case_tasks WHERE case_id = $1")
            .bind(case_id)
            .fetch_all(&mut *conn)
            .await
            .map_err(db)?;
    let mut statuses = Vec::with_capacity(rows.len());
    let mut next_at: Option<i64> = None;
    for (s, due_at, paused_at) in &rows {
        let s = status_of(s)?;
        if !s.is_final() && paused_at.is_none() {
            next_at = Some(next_at.map_or(*due_at, |n| n.min(*due_at)));
        }
        statuses.push(s);
    }
    let status = if statuses.iter().all(|s| s.is_final()) {
        "closed"
    } else if statuses.iter().any(|s| s.waits_on_family()) {
        "action"
    } else {
        "open"
    };
    let reference: String = sqlx::query_scalar("SELECT reference FROM cases WHERE id = $1")
        .bind(case_id)
        .fetch_one(&mut *conn)
        .await
        .map_err(db)?;
    let link = format!("/after-death/bundle/{case_id}");
    for r in applicants(conn, case_id).await? {
        upsert_affair(
            conn,
            &r,
            &AffairItem {
                service: "after_death",
                record_id: case_id,
                reference: &reference,
                status,
                link: &link,
                next_at,
            },
            now,
        )
        .await?;
    }
    if status == "closed" {
        sqlx::query(
            "UPDATE cases SET status = 'closed', updated_at = $1 WHERE id = $2 AND status = 'open'",
        )
        .bind(now)
        .bind(case_id)
        .execute(&mut *conn)
        .await
        .map_err(db)?;
        sqlx::query("DELETE FROM after_death_open WHERE case_id = $1")
            .bind(case_id)
            .execute(&mut *conn)
            .await
            .map_err(db)?;
    }
    Ok(())
}

/// Tells every applicant of a case (the message says what changed and links to the bundle).
async fn tell(conn: &mut AnyConnection, case_id: &str, topic: &str, now: i64) -> DeskResult<()> {
    for r in applicants(conn, case_id).await? {
        insert_message(conn, &r, topic, &[("case", case_id)], now).await?;
    }
    Ok(())
}

/// Tells every applicant of a case about one of its items: the message names the item (in
/// both languages, the reader's is chosen when it is read) and leads to it.
async fn tell_about(
    conn: &mut AnyConnection,
    t: &TaskRow,
    topic: &str,
    now: i64,
) -> DeskResult<()> {
    let params = [
        ("case", t.case_id.as_str()),
        ("task", t.id.as_str()),
        ("item_zh", t.name_zh.as_str()),
        ("item_en", t.name_en.as_str()),
    ];
    for r in applicants(conn, &t.case_id).await? {
        insert_message(conn, &r, topic, &params, now).await?;
    }
    Ok(())
}

/// Records a task's transition in its history.
async fn record_event(
    conn: &mut AnyConnection,
    task_id: &str,
    actor: &str,
    (from, to): (TaskStatus, TaskStatus),
    reason: Option<&str>,
    now: DateTime<Utc>,
) -> DeskResult<()> {
    sqlx::query(
        "INSERT INTO case_task_events (id, task_id, at, seq, actor, from_status, to_status, reason) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(new_id())
    .bind(task_id)
    .bind(now.timestamp())
    .bind(super::seq(now))
    .bind(actor)
    .bind(from.as_str())
    .bind(to.as_str())
    .bind(reason)
    .execute(&mut *conn)
    .await
    .map_err(db)?;
    Ok(())
}

/// A task row, as the desk reasons about it.
struct TaskRow {
    id: String,
    case_id: String,
    item_key: String,
    department: Department,
    name_zh: String,
    name_en: String,
    status: TaskStatus,
    pays: bool,
    limit: TimeLimit,
    due_at: i64,
    paused_at: Option<i64>,
    cap: Option<Fen>,
    approved: Option<Fen>,
    reason: Option<String>,
}

const TASK_COLUMNS: &str = "id, case_id, item_key, department, name_zh, name_en, status, pays, limit_kind, limit_value, due_at, paused_at, cap_fen, approved_fen, reason";

fn task_row(r: &sqlx::any::AnyRow) -> DeskResult<TaskRow> {
    let dept: String = r.try_get("department").map_err(db)?;
    let status: String = r.try_get("status").map_err(db)?;
    let kind: String = r.try_get("limit_kind").map_err(db)?;
    Ok(TaskRow {
        id: r.try_get("id").map_err(db)?,
        case_id: r.try_get("case_id").map_err(db)?,
        item_key: r.try_get("item_key").map_err(db)?,
        department: Department::parse(&dept)
            .ok_or_else(|| internal(format!("unknown department {dept}")))?,
        name_zh: r.try_get("name_zh").map_err(db)?,
        name_en: r.try_get("name_en").map_err(db)?,
        status: status_of(&status)?,
        pays: r.try_get::<i64, _>("pays").map_err(db)? == 1,
        limit: limit_of(&kind, r.try_get("limit_value").map_err(db)?),
        due_at: r.try_get("due_at").map_err(db)?,
        paused_at: r.try_get("paused_at").map_err(db)?,
        cap: r.try_get::<Option<i64>, _>("cap_fen").map_err(db)?.map(Fen),
        approved: r
            .try_get::<Option<i64>, _>("approved_fen")
            .map_err(db)?
            .map(Fen),
        reason: r.try_get("reason").map_err(db)?,
    })
}

async fn load_task(conn: &mut AnyConnection, task_id: &str) -> DeskResult<TaskRow> {
    let r = sqlx::query(&format!(
        "SELECT {TASK_COLUMNS} FROM case_tasks WHERE id = $1"
    ))
    .bind(task_id)
    .fetch_optional(&mut *conn)
    .await
    .map_err(db)?
    .ok_or(AppError::NotFound)?;
    task_row(&r)
}

impl SqlAfterDeath {
    fn policy(&self, district: &str) -> DeskResult<&Policy> {
        self.policies
            .district(district)
            .ok_or_else(|| refused("district", Refusal::DistrictUnknown))
    }

    /// The tasks of a case with their needs, documents and payments.
    async fn tasks(
        &self,
        conn: &mut AnyConnection,
        case_id: &str,
        district: &str,
    ) -> DeskResult<Vec<TaskView>> {
        let rows = sqlx::query(&format!(
            "SELECT {TASK_COLUMNS} FROM case_tasks WHERE case_id = $1 ORDER BY due_at, item_key"
        ))
        .bind(case_id)
        .fetch_all(&mut *conn)
        .await
        .map_err(db)?;
        let docs = sqlx::query(
            "SELECT id, task_id, need_key, kind, size, uploaded_at FROM case_documents WHERE case_id = $1 ORDER BY uploaded_at, id",
        )
        .bind(case_id)
        .fetch_all(&mut *conn)
        .await
        .map_err(db)?;
        let pays =
            sqlx::query("SELECT task_id, status, paid_on FROM case_payments WHERE case_id = $1")
                .bind(case_id)
                .fetch_all(&mut *conn)
                .await
                .map_err(db)?;
        let policy = self.policies.district(district);
        let mut out = vec![];
        for r in rows {
            let t = task_row(&r)?;
            let mut documents = vec![];
            for d in &docs {
                if d.try_get::<String, _>("task_id").map_err(db)? == t.id {
                    documents.push(DocumentView {
                        id: d.try_get("id").map_err(db)?,
                        need_key: d.try_get("need_key").map_err(db)?,
                        kind: d.try_get("kind").map_err(db)?,
                        size: d.try_get("size").map_err(db)?,
                        uploaded_at: d.try_get("uploaded_at").map_err(db)?,
                    });
                }
            }
            let needs = policy
                .and_then(|p| p.item(&t.item_key))
                .map(|item| {
                    item.needs
                        .iter()
                        .map(|n| {
                            let uploaded = match n {
                                Need::Upload { key, .. } => {
                                    documents.iter().filter(|d| &d.need_key == key).count() as u32
                                }
                                Need::Shared { .. } => 0,
                            };
                            NeedView::of(n, uploaded)
                        })
                        .collect()
                })
                .unwrap_or_default();
            let mut payment_status = None;
            let mut paid_on = None;
            for p in &pays {
                if p.try_get::<String, _>("task_id").map_err(db)? == t.id {
                    payment_status = Some(p.try_get::<String, _>("status").map_err(db)?);
                    paid_on = p
                        .try_get::<Option<String>, _>("paid_on")
                        .map_err(db)?
                        .map(|d| day_of(&d))
                        .transpose()?;
                }
            }
            out.push(TaskView {
                id: t.id,
                item_key: t.item_key,
                department: t.department,
                name_zh: t.name_zh,
                name_en: t.name_en,
                status: t.status,
                pays: t.pays,
                due_at: t.due_at,
                paused: t.paused_at.is_some(),
                cap: t.cap,
                approved: t.approved,
                reason: t.reason,
                paid_on,
                payment_status,
                needs,
                documents,
            });
        }
        Ok(out)
    }

    async fn bundle_view(
        &self,
        conn: &mut AnyConnection,
        case_id: &str,
        who: &str,
    ) -> DeskResult<BundleView> {
        let (holder, relationship) = applicant_of(conn, case_id, who).await?;
        let r = sqlx::query(
            "SELECT c.reference, c.district, c.created_at, b.deceased_name, b.deceased_id_number, b.died_on, b.bank_card \
             FROM cases c JOIN after_death_bundles b ON b.case_id = c.id WHERE c.id = $1",
        )
        .bind(case_id)
        .fetch_one(&mut *conn)
        .await
        .map_err(db)?;
        let district: String = r.try_get("district").map_err(db)?;
        let policy = self.policies.district(&district);
        let join_requests = if holder {
            let rows = sqlx::query(
                "SELECT a.resident_id, a.relationship, r.real_name FROM case_applicants a JOIN residents r ON r.id = a.resident_id \
                 WHERE a.case_id = $1 AND a.status = 'requested' ORDER BY a.created_at",
            )
            .bind(case_id)
            .fetch_all(&mut *conn)
            .await
            .map_err(db)?;
            rows.iter()
                .map(|x| {
                    let rel: String = x.try_get("relationship").map_err(db)?;
                    Ok(JoinRequest {
                        resident_id: x.try_get("resident_id").map_err(db)?,
                        name_masked: mask_name(
                            &x.try_get::<Option<String>, _>("real_name")
                                .map_err(db)?
                                .unwrap_or_default(),
                        ),
                        relationship: Relationship::parse(&rel)
                            .unwrap_or(Relationship::OtherRelative),
                    })
                })
                .collect::<DeskResult<_>>()?
        } else {
            vec![]
        };
        let tasks = self.tasks(conn, case_id, &district).await?;
        let progress = super::life::progress(conn, &format!("after_death:{case_id}")).await?;
        let deceased_account = match &progress {
            Some(p) if p.had_account => {
                sqlx::query_scalar("SELECT id FROM residents WHERE id_number = $1")
                    .bind(r.try_get::<String, _>("deceased_id_number").map_err(db)?)
                    .fetch_optional(&mut *conn)
                    .await
                    .map_err(db)?
            }
            _ => None,
        };
        let follow_ups = progress.map(|p| app::life::model::FollowUps {
            recorded_at: p.recorded_at,
            done_at: p.done_at,
            had_account: p.had_account,
            lines: p
                .steps
                .into_iter()
                .map(|(step, done_at, params)| app::life::model::FollowUpLine {
                    step,
                    params,
                    text: String::new(),
                    done_at,
                })
                .collect(),
        });
        Ok(BundleView {
            id: case_id.to_owned(),
            reference: r.try_get("reference").map_err(db)?,
            deceased_name: r.try_get("deceased_name").map_err(db)?,
            deceased_id_masked: mask_id_number(
                &r.try_get::<String, _>("deceased_id_number").map_err(db)?,
            ),
            died_on: day_of(&r.try_get::<String, _>("died_on").map_err(db)?)?,
            district_zh: policy.map(|p| p.name_zh.clone()).unwrap_or_default(),
            district_en: policy.map(|p| p.name_en.clone()).unwrap_or_default(),
            district,
            holder,
            relationship,
            account_masked: r
                .try_get::<Option<String>, _>("bank_card")
                .map_err(db)?
                .map(|c| masked_card(&c)),
            created_at: r.try_get("created_at").map_err(db)?,
            tasks,
            join_requests,
            follow_ups,
            deceased_account,
        })
    }

    /// Whether accepting `t` is accepting the death record (its item says so in the policy the
    /// bundle was decided by).
    async fn confirms_death(&self, conn: &mut AnyConnection, t: &TaskRow) -> DeskResult<bool> {
        let district: String = sqlx::query_scalar("SELECT district FROM cases WHERE id = $1")
            .bind(&t.case_id)
            .fetch_one(&mut *conn)
            .await
            .map_err(db)?;
        Ok(self
            .policy(&district)?
            .item(&t.item_key)
            .is_some_and(|i| i.confirms_death))
    }

    /// 民政 accepted the death record: the life event every service follows (once per bundle),
    /// with the applicants as the family and the heir they chose. `true` if recorded now.
    async fn record_death(
        &self,
        conn: &mut AnyConnection,
        case_id: &str,
        now: i64,
    ) -> DeskResult<bool> {
        let (id_number, died_on, heir): (String, String, Option<String>) = sqlx::query_as(
            "SELECT deceased_id_number, died_on, heir_id FROM after_death_bundles WHERE case_id = $1",
        )
        .bind(case_id)
        .fetch_one(&mut *conn)
        .await
        .map_err(db)?;
        let family = applicants(conn, case_id).await?;
        let recorded = super::life::record(
            conn,
            &super::life::NewEvent {
                kind: super::life::LifeKind::Death,
                source: &format!("after_death:{case_id}"),
                subject_id_number: &id_number,
                occurred_on: day_of(&died_on)?,
                heir_id: heir.as_deref(),
                family: &family,
                link: &format!("/after-death/bundle/{case_id}"),
            },
            now,
        )
        .await?;
        Ok(recorded.is_some())
    }

    /// A task of `staff`'s department; others are told it does not exist.
    async fn staff_task(
        &self,
        conn: &mut AnyConnection,
        staff: &Staff,
        task_id: &str,
    ) -> DeskResult<TaskRow> {
        let dept = department_of(conn, staff).await?;
        let t = load_task(conn, task_id).await?;
        if t.department != dept {
            return Err(AppError::NotFound.into());
        }
        Ok(t)
    }

    /// Adds a document to a task: checked by content, cleaned, stored, then recorded under a
    /// count guard; if the record does not commit, the stored file is removed again.
    pub async fn add_document(
        &self,
        who: &Resident,
        task_id: &str,
        need_key: &str,
        bytes: &[u8],
    ) -> DeskResult<()> {
        let mut conn = self.db.pool().acquire().await.map_err(db)?;
        let t = load_task(&mut conn, task_id).await?;
        applicant_of(&mut conn, &t.case_id, who.id()).await?;
        drop(conn);
        if !matches!(
            t.status,
            TaskStatus::Submitted | TaskStatus::Accepted | TaskStatus::Returned
        ) {
            return Err(refused("document", Refusal::DocumentNotWanted));
        }
        let district: String = sqlx::query_scalar("SELECT district FROM cases WHERE id = $1")
            .bind(&t.case_id)
            .fetch_one(self.db.pool())
            .await
            .map_err(db)?;
        let wanted = self.policy(&district)?.item(&t.item_key).is_some_and(|i| {
            i.needs
                .iter()
                .any(|n| matches!(n, Need::Upload { key, .. } if key == need_key))
        });
        if !wanted {
            return Err(refused("need", Refusal::DocumentNotWanted));
        }
        let checked = check_upload(bytes, &self.limits).map_err(|r| {
            refused(
                "document",
                match r {
                    UploadRefusal::Empty | UploadRefusal::Damaged => Refusal::DocumentDamaged,
                    UploadRefusal::TooLarge => Refusal::DocumentTooLarge,
                    UploadRefusal::WrongType => Refusal::DocumentType,
                },
            )
        })?;
        let key = crate::files::new_key();
        self.files
            .put(&key, &checked.bytes)
            .await
            .map_err(internal)?;
        let recorded = self
            .record_document(who, &t, need_key, &key, &checked)
            .await;
        if recorded.is_err() {
            if let Err(e) = self.files.delete(&key).await {
                tracing::warn!(error = %e, "an unrecorded document could not be removed");
            }
        }
        recorded
    }

    async fn record_document(
        &self,
        who: &Resident,
        t: &TaskRow,
        need_key: &str,
        key: &str,
        checked: &crate::files::Checked,
    ) -> DeskResult<()> {
        let now = self.clock.now().timestamp();
        let mut tx = self.db.begin_write().await.map_err(db)?;
        // The count below is taken under the need's lock: on PostgreSQL (READ COMMITTED) six
        // uploads at once would otherwise each count four and all land.
        super::lock_subject(&mut tx, "case_documents", &format!("{}:{need_key}", t.id)).await?;
        let inserted = sqlx::query(
            "INSERT INTO case_documents (id, case_id, task_id, need_key, kind, size, file_key, uploaded_by, uploaded_at) \
             SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9 \
             WHERE (SELECT COUNT(*) FROM case_documents WHERE task_id = $3 AND need_key = $4) < $10",
        )
        .bind(new_id())
        .bind(&t.case_id)
        .bind(&t.id)
        .bind(need_key)
        .bind(checked.kind.as_str())
        .bind(checked.bytes.len() as i64)
        .bind(key)
        .bind(who.id())
        .bind(now)
        .bind(MAX_DOCUMENTS_PER_NEED)
        .execute(&mut *tx)
        .await
        .map_err(db)?
        .rows_affected();
        if inserted != 1 {
            return Err(refused("document", Refusal::TooManyDocuments));
        }
        tx.commit().await.map_err(db)?;
        Ok(())
    }

    /// A document's bytes for an applicant of its case.
    pub async fn document_for_resident(
        &self,
        who: &Resident,
        doc_id: &str,
    ) -> DeskResult<(String, Vec<u8>)> {
        let mut conn = self.db.pool().acquire().await.map_err(db)?;
        let (case_id, kind, key) = doc_row(&mut conn, doc_id).await?;
        applicant_of(&mut conn, &case_id, who.id()).await?;
        drop(conn);
        Ok((kind, self.read_file(&key).await?))
    }

    /// A document's bytes for the staff of a department whose task uses it (audited).
    pub async fn document_for_staff(
        &self,
        staff: &Staff,
        doc_id: &str,
    ) -> DeskResult<(String, Vec<u8>)> {
        let mut tx = self.db.begin_write().await.map_err(db)?;
        let dept = department_of(&mut tx, staff).await?;
        let r = sqlx::query(
            "SELECT d.kind, d.file_key, t.department FROM case_documents d JOIN case_tasks t ON t.id = d.task_id WHERE d.id = $1",
        )
        .bind(doc_id)
        .fetch_optional(&mut *tx)
        .await
        .map_err(db)?
        .ok_or(AppError::NotFound)?;
        let task_dept: String = r.try_get("department").map_err(db)?;
        if Department::parse(&task_dept) != Some(dept) {
            return Err(AppError::NotFound.into());
        }
        let now = self.clock.now();
        audit(
            &mut tx,
            now,
            staff.into(),
            "after_death.document.read",
            doc_id,
        )
        .await?;
        tx.commit().await.map_err(db)?;
        let kind: String = r.try_get("kind").map_err(db)?;
        let key: String = r.try_get("file_key").map_err(db)?;
        Ok((kind, self.read_file(&key).await?))
    }

    async fn read_file(&self, key: &str) -> DeskResult<Vec<u8>> {
        self.files
            .get(key)
            .await
            .map_err(internal)?
            .ok_or_else(|| internal("a recorded document is missing from the store"))
    }

    /// The payment batch of a day for the finance office (audited): every payment paid that day.
    pub async fn batch(&self, staff: &Staff, day: NaiveDate) -> DeskResult<Vec<PaymentView>> {
        if staff.role() != Role::FinanceOfficer {
            return Err(AppError::Forbidden.into());
        }
        let mut tx = self.db.begin_write().await.map_err(db)?;
        let rows = payment_rows(&mut tx, "p.paid_on = $1", &super::day_str(day)).await?;
        audit(
            &mut tx,
            self.clock.now(),
            staff.into(),
            "after_death.batch.download",
            &super::day_str(day),
        )
        .await?;
        tx.commit().await.map_err(db)?;
        Ok(rows)
    }
}

async fn doc_row(conn: &mut AnyConnection, doc_id: &str) -> DeskResult<(String, String, String)> {
    let r = sqlx::query("SELECT case_id, kind, file_key FROM case_documents WHERE id = $1")
        .bind(doc_id)
        .fetch_optional(&mut *conn)
        .await
        .map_err(db)?
        .ok_or(AppError::NotFound)?;
    Ok((
        r.try_get("case_id").map_err(db)?,
        r.try_get("kind").map_err(db)?,
        r.try_get("file_key").map_err(db)?,
    ))
}

/// Payments matching `filter` (one `$1`), with the full card number: only the finance office's
/// batch and list read these.
async fn payment_rows(
    conn: &mut AnyConnection,
    filter: &str,
    arg: &str,
) -> DeskResult<Vec<PaymentView>> {
    let rows = sqlx::query(&format!(
        "SELECT p.task_id, p.fen, p.status, p.account_name, p.bank_card, p.paid_on, c.reference, b.deceased_name, t.name_zh, t.name_en, \
         f.display_name AS first_name, s.display_name AS second_name \
         FROM case_payments p JOIN cases c ON c.id = p.case_id JOIN after_death_bundles b ON b.case_id = p.case_id \
         JOIN case_tasks t ON t.id = p.task_id JOIN staff f ON f.id = p.first_by LEFT JOIN staff s ON s.id = p.second_by \
         WHERE {filter} ORDER BY c.reference, t.item_key"
    ))
    .bind(arg)
    .fetch_all(&mut *conn)
    .await
    .map_err(db)?;
    rows.iter()
        .map(|r| {
            let card: String = r.try_get("bank_card").map_err(db)?;
            Ok(PaymentView {
                task_id: r.try_get("task_id").map_err(db)?,
                reference: r.try_get("reference").map_err(db)?,
                deceased_name: r.try_get("deceased_name").map_err(db)?,
                item_zh: r.try_get("name_zh").map_err(db)?,
                item_en: r.try_get("name_en").map_err(db)?,
                fen: Fen(r.try_get("fen").map_err(db)?),
                status: r.try_get("status").map_err(db)?,
                account_name: r.try_get("account_name").map_err(db)?,
                account_masked: masked_card(&card),
                account_full: card,
                first_by: r.try_get("first_name").map_err(db)?,
                second_by: r.try_get("second_name").map_err(db)?,
                paid_on: r
                    .try_get::<Option<String>, _>("paid_on")
                    .map_err(db)?
                    .map(|d| day_of(&d))
                    .transpose()?,
            })
        })
        .collect()
}

#[async_trait::async_trait]
impl AfterDeathDesk for SqlAfterDeath {
    async fn apply(
        &self,
        who: &Resident,
        draft: &ApplicationDraft,
        answers: &Answers,
        account: Option<Account>,
        hours_to_fund: bool,
        key: &str,
    ) -> DeskResult<ApplyOutcome> {
        if !who.is_real_name_bound() {
            return Err(refused("deceased_id_number", Refusal::RealNameRequired));
        }
        let own: Option<String> =
            sqlx::query_scalar("SELECT id_number FROM residents WHERE id = $1")
                .bind(who.id())
                .fetch_optional(self.db.pool())
                .await
                .map_err(db)?
                .flatten();
        if own.as_deref() == Some(draft.deceased.id_number.as_str()) {
            return Err(refused("deceased_id_number", Refusal::OwnIdNumber));
        }
        let owner = format!("after_death:{}", who.id());
        if let Some(case_id) = idempotency::seen(self.db.pool(), &owner, key).await? {
            return Ok(ApplyOutcome::Created { case_id });
        }
        let policy = self.policy(&draft.deceased.district)?;
        let decisions = decide(policy, answers);
        let applying: Vec<_> = decisions.iter().filter(|d| d.applies).collect();
        if applying.iter().any(|d| d.item.pays) && account.is_none() {
            return Err(refused("account_card", Refusal::AccountRequired));
        }
        let now = self.clock.now();
        let mut tx = self.db.begin_write().await.map_err(db)?;
        if let idempotency::Claim::Seen(outcome) =
            idempotency::claim(&mut tx, &owner, key, now.timestamp()).await?
        {
            return match outcome {
                Some(case_id) => Ok(ApplyOutcome::Created { case_id }),
                None => Err(AppError::BadRequest.into()),
            };
        }
        let case_id = new_id();
        let mut draws = reference::draws("SH", shanghai_date(now));
        loop {
            let candidate = draws.next_or_fail()?;
            let inserted = sqlx::query(
                "INSERT INTO cases (id, reference, kind, district, policy_version, holder_id, status, created_at, updated_at) \
                 VALUES ($1, $2, 'after_death', $3, $4, $5, 'open', $6, $6) ON CONFLICT (reference) DO NOTHING",
            )
            .bind(&case_id)
            .bind(&candidate)
            .bind(&policy.district)
            .bind(&policy.version)
            .bind(who.id())
            .bind(now.timestamp())
            .execute(&mut *tx)
            .await
            .map_err(db)?
            .rows_affected();
            if inserted == 1 {
                break;
            }
        }
        let claimed = sqlx::query(
            "INSERT INTO after_death_open (deceased_id_number, case_id) VALUES ($1, $2) ON CONFLICT (deceased_id_number) DO NOTHING",
        )
        .bind(&draft.deceased.id_number)
        .bind(&case_id)
        .execute(&mut *tx)
        .await
        .map_err(db)?
        .rows_affected();
        if claimed != 1 {
            // Another relative's bundle holds this person: nothing of this attempt stays.
            let holder: Option<String> = sqlx::query_scalar(
                "SELECT r.real_name FROM after_death_open o JOIN cases c ON c.id = o.case_id JOIN residents r ON r.id = c.holder_id \
                 WHERE o.deceased_id_number = $1",
            )
            .bind(&draft.deceased.id_number)
            .fetch_optional(&mut *tx)
            .await
            .map_err(db)?
            .flatten();
            drop(tx);
            return Ok(ApplyOutcome::Exists {
                holder_masked: mask_name(&holder.unwrap_or_default()),
            });
        }
        let answers_json = serde_json::to_string(answers).map_err(internal)?;
        sqlx::query(
            "INSERT INTO after_death_bundles (case_id, deceased_name, deceased_id_number, died_on, certificate_no, answers, account_name, bank_card, heir_id) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(&case_id)
        .bind(&draft.deceased.name)
        .bind(&draft.deceased.id_number)
        .bind(super::day_str(draft.deceased.died_on))
        .bind(&draft.deceased.certificate_no)
        .bind(&answers_json)
        .bind(account.as_ref().map(|a| a.name.clone()))
        .bind(account.as_ref().map(|a| a.card.as_str().to_owned()))
        .bind((!hours_to_fund).then(|| who.id()))
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        sqlx::query(
            "INSERT INTO case_applicants (case_id, resident_id, relationship, status, created_at) VALUES ($1, $2, $3, 'holder', $4)",
        )
        .bind(&case_id)
        .bind(who.id())
        .bind(draft.deceased.relationship.as_str())
        .bind(now.timestamp())
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        for d in &applying {
            let (kind, value) = limit_parts(d.item.limit);
            sqlx::query(
                "INSERT INTO case_tasks (id, case_id, item_key, department, name_zh, name_en, status, pays, limit_kind, limit_value, due_at, cap_fen, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, 'submitted', $7, $8, $9, $10, $11, $12)",
            )
            .bind(new_id())
            .bind(&case_id)
            .bind(&d.item.key)
            .bind(d.item.department.as_str())
            .bind(&d.item.name_zh)
            .bind(&d.item.name_en)
            .bind(i64::from(d.item.pays))
            .bind(kind)
            .bind(value)
            .bind(due_at(d.item.limit, now, &self.calendar).timestamp())
            .bind(d.amount.as_ref().map(|a| a.total().0))
            .bind(now.timestamp())
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        }
        refresh_affairs(&mut tx, &case_id, now.timestamp()).await?;
        tell(&mut tx, &case_id, "after_death_submitted", now.timestamp()).await?;
        idempotency::record(&mut tx, &owner, key, &case_id).await?;
        tx.commit().await.map_err(db)?;
        Ok(ApplyOutcome::Created { case_id })
    }

    async fn request_join(
        &self,
        who: &Resident,
        deceased: &IdNumber,
        certificate_no: &str,
        relationship: Relationship,
    ) -> DeskResult<()> {
        if !who.is_real_name_bound() {
            return Err(refused("deceased_id_number", Refusal::RealNameRequired));
        }
        let now = self.clock.now().timestamp();
        let mut tx = self.db.begin_write().await.map_err(db)?;
        let case_id: Option<String> = sqlx::query_scalar(
            "SELECT o.case_id FROM after_death_open o JOIN after_death_bundles b ON b.case_id = o.case_id \
             WHERE o.deceased_id_number = $1 AND b.certificate_no = $2",
        )
        .bind(deceased.as_str())
        .bind(certificate_no)
        .fetch_optional(&mut *tx)
        .await
        .map_err(db)?;
        let case_id = case_id.ok_or_else(|| refused("certificate_no", Refusal::NoSuchBundle))?;
        let inserted = sqlx::query(
            "INSERT INTO case_applicants (case_id, resident_id, relationship, status, created_at) VALUES ($1, $2, $3, 'requested', $4) \
             ON CONFLICT (case_id, resident_id) DO NOTHING",
        )
        .bind(&case_id)
        .bind(who.id())
        .bind(relationship.as_str())
        .bind(now)
        .execute(&mut *tx)
        .await
        .map_err(db)?
        .rows_affected();
        if inserted != 1 {
            return Err(refused("deceased_id_number", Refusal::AlreadyApplicant));
        }
        let holder: String = sqlx::query_scalar("SELECT holder_id FROM cases WHERE id = $1")
            .bind(&case_id)
            .fetch_one(&mut *tx)
            .await
            .map_err(db)?;
        insert_message(
            &mut tx,
            &holder,
            "after_death_join",
            &[("case", &case_id)],
            now,
        )
        .await?;
        tx.commit().await.map_err(db)?;
        Ok(())
    }

    async fn accept_join(
        &self,
        who: &Resident,
        case_id: &str,
        resident_id: &str,
    ) -> DeskResult<()> {
        let now = self.clock.now().timestamp();
        let mut tx = self.db.begin_write().await.map_err(db)?;
        let (holder, _) = applicant_of(&mut tx, case_id, who.id()).await?;
        if !holder {
            return Err(AppError::Forbidden.into());
        }
        let changed = sqlx::query(
            "UPDATE case_applicants SET status = 'co_applicant' WHERE case_id = $1 AND resident_id = $2 AND status = 'requested'",
        )
        .bind(case_id)
        .bind(resident_id)
        .execute(&mut *tx)
        .await
        .map_err(db)?
        .rows_affected();
        if changed == 1 {
            super::life::join_family(&mut tx, &format!("after_death:{case_id}"), resident_id)
                .await?;
            insert_message(
                &mut tx,
                resident_id,
                "after_death_joined",
                &[("case", case_id)],
                now,
            )
            .await?;
            refresh_affairs(&mut tx, case_id, now).await?;
            tx.commit().await.map_err(db)?;
        }
        Ok(())
    }

    async fn my_bundles(&self, who: &Resident) -> DeskResult<Vec<BundleView>> {
        let mut conn = self.db.pool().acquire().await.map_err(db)?;
        let ids: Vec<String> = sqlx::query_scalar(
            "SELECT a.case_id FROM case_applicants a JOIN cases c ON c.id = a.case_id \
             WHERE a.resident_id = $1 AND a.status IN ('holder', 'co_applicant') AND c.kind = 'after_death' ORDER BY c.created_at DESC",
        )
        .bind(who.id())
        .fetch_all(&mut *conn)
        .await
        .map_err(db)?;
        let mut out = vec![];
        for id in ids {
            out.push(self.bundle_view(&mut conn, &id, who.id()).await?);
        }
        Ok(out)
    }

    async fn bundle(&self, who: &Resident, case_id: &str) -> DeskResult<BundleView> {
        let mut conn = self.db.pool().acquire().await.map_err(db)?;
        self.bundle_view(&mut conn, case_id, who.id()).await
    }

    async fn resubmit(&self, who: &Resident, task_id: &str) -> DeskResult<()> {
        let now = self.clock.now();
        let mut tx = self.db.begin_write().await.map_err(db)?;
        let t = load_task(&mut tx, task_id).await?;
        applicant_of(&mut tx, &t.case_id, who.id()).await?;
        let to = transition(t.status, TaskEvent::Resubmit, t.pays)
            .ok_or_else(|| refused("task", Refusal::IllegalTransition))?;
        let due = resume_due(
            t.limit,
            at(t.due_at),
            at(t.paused_at.unwrap_or(t.due_at)),
            now,
            &self.calendar,
        );
        let changed = sqlx::query(
            "UPDATE case_tasks SET status = $1, due_at = $2, paused_at = NULL, updated_at = $3 WHERE id = $4 AND status = $5",
        )
        .bind(to.as_str())
        .bind(due.timestamp())
        .bind(now.timestamp())
        .bind(task_id)
        .bind(t.status.as_str())
        .execute(&mut *tx)
        .await
        .map_err(db)?
        .rows_affected();
        if changed != 1 {
            return Err(refused("task", Refusal::IllegalTransition));
        }
        record_event(&mut tx, task_id, who.id(), (t.status, to), None, now).await?;
        refresh_affairs(&mut tx, &t.case_id, now.timestamp()).await?;
        tx.commit().await.map_err(db)?;
        Ok(())
    }

    async fn queue(&self, staff: &Staff) -> DeskResult<Vec<QueueItem>> {
        let mut conn = self.db.pool().acquire().await.map_err(db)?;
        let dept = department_of(&mut conn, staff).await?;
        let now = self.clock.now().timestamp();
        let rows = sqlx::query(
            "SELECT t.id, t.name_zh, t.name_en, t.status, t.due_at, t.paused_at, c.reference, b.deceased_name \
             FROM case_tasks t JOIN cases c ON c.id = t.case_id JOIN after_death_bundles b ON b.case_id = t.case_id \
             WHERE t.department = $1 AND t.status NOT IN ('rejected', 'done') ORDER BY t.due_at, c.reference",
        )
        .bind(dept.as_str())
        .fetch_all(&mut *conn)
        .await
        .map_err(db)?;
        let mut items = rows
            .iter()
            .map(|r| {
                let paused = r
                    .try_get::<Option<i64>, _>("paused_at")
                    .map_err(db)?
                    .is_some();
                let due_at: i64 = r.try_get("due_at").map_err(db)?;
                Ok(QueueItem {
                    task_id: r.try_get("id").map_err(db)?,
                    reference: r.try_get("reference").map_err(db)?,
                    deceased_name: r.try_get("deceased_name").map_err(db)?,
                    name_zh: r.try_get("name_zh").map_err(db)?,
                    name_en: r.try_get("name_en").map_err(db)?,
                    status: status_of(&r.try_get::<String, _>("status").map_err(db)?)?,
                    due_at,
                    paused,
                    overdue: !paused && due_at < now,
                })
            })
            .collect::<DeskResult<Vec<_>>>()?;
        // Overdue first (most overdue at the top), then by due instant; waiting ones last.
        items.sort_by_key(|i| (!i.overdue, i.paused, i.due_at));
        Ok(items)
    }

    async fn task(&self, staff: &Staff, task_id: &str) -> DeskResult<StaffTaskView> {
        let mut tx = self.db.begin_write().await.map_err(db)?;
        let t = self.staff_task(&mut tx, staff, task_id).await?;
        let r = sqlx::query(
            "SELECT c.reference, c.district, b.deceased_name, b.deceased_id_number, b.died_on, b.certificate_no, b.bank_card, \
             r.real_name, a.relationship FROM cases c JOIN after_death_bundles b ON b.case_id = c.id \
             JOIN case_applicants a ON a.case_id = c.id AND a.status = 'holder' JOIN residents r ON r.id = a.resident_id WHERE c.id = $1",
        )
        .bind(&t.case_id)
        .fetch_one(&mut *tx)
        .await
        .map_err(db)?;
        let district: String = r.try_get("district").map_err(db)?;
        let tasks = self.tasks(&mut tx, &t.case_id, &district).await?;
        let task = tasks
            .into_iter()
            .find(|x| x.id == t.id)
            .ok_or_else(|| internal("task vanished"))?;
        let history = sqlx::query(
            "SELECT at, from_status, to_status, reason FROM case_task_events WHERE task_id = $1 ORDER BY at, seq",
        )
        .bind(task_id)
        .fetch_all(&mut *tx)
        .await
        .map_err(db)?
        .iter()
        .map(|e| {
            Ok(EventView {
                at: e.try_get("at").map_err(db)?,
                from: status_of(&e.try_get::<String, _>("from_status").map_err(db)?)?,
                to: status_of(&e.try_get::<String, _>("to_status").map_err(db)?)?,
                reason: e.try_get("reason").map_err(db)?,
            })
        })
        .collect::<DeskResult<Vec<_>>>()?;
        let rel: String = r.try_get("relationship").map_err(db)?;
        let view = StaffTaskView {
            reference: r.try_get("reference").map_err(db)?,
            deceased_name: r.try_get("deceased_name").map_err(db)?,
            deceased_id_masked: mask_id_number(
                &r.try_get::<String, _>("deceased_id_number").map_err(db)?,
            ),
            died_on: day_of(&r.try_get::<String, _>("died_on").map_err(db)?)?,
            certificate_no: r.try_get("certificate_no").map_err(db)?,
            applicant_masked: mask_name(
                &r.try_get::<Option<String>, _>("real_name")
                    .map_err(db)?
                    .unwrap_or_default(),
            ),
            relationship: Relationship::parse(&rel).unwrap_or(Relationship::OtherRelative),
            account_masked: r
                .try_get::<Option<String>, _>("bank_card")
                .map_err(db)?
                .map(|c| masked_card(&c)),
            task,
            history,
            second_approval_above: self
                .policies
                .district(&district)
                .map(|p| p.payment_second_approval_above)
                .unwrap_or(Fen::ZERO),
            confirms_death: self
                .policies
                .district(&district)
                .and_then(|p| p.item(&t.item_key))
                .is_some_and(|i| i.confirms_death),
        };
        audit(
            &mut tx,
            self.clock.now(),
            staff.into(),
            "after_death.task.read",
            task_id,
        )
        .await?;
        tx.commit().await.map_err(db)?;
        Ok(view)
    }

    async fn act(
        &self,
        staff: &Staff,
        task_id: &str,
        action: StaffAction,
        key: &str,
    ) -> DeskResult<()> {
        let owner = format!("after_death_staff:{}", staff.id());
        if idempotency::seen(self.db.pool(), &owner, key)
            .await?
            .is_some()
        {
            return Ok(());
        }
        let now = self.clock.now();
        let mut tx = self.db.begin_write().await.map_err(db)?;
        if let idempotency::Claim::Seen(_) =
            idempotency::claim(&mut tx, &owner, key, now.timestamp()).await?
        {
            return Ok(());
        }
        let t = self.staff_task(&mut tx, staff, task_id).await?;
        let (event, reason, fen) = match &action {
            StaffAction::Accept => (TaskEvent::Accept, None, None),
            StaffAction::Complete => (TaskEvent::Complete, None, None),
            StaffAction::Return { reason } | StaffAction::Reject { reason } => {
                let reason = reason.trim();
                if reason.is_empty() || reason.chars().count() > 500 {
                    return Err(refused("reason", Refusal::ReasonRequired));
                }
                let e = if matches!(action, StaffAction::Return { .. }) {
                    TaskEvent::Return
                } else {
                    TaskEvent::Reject
                };
                (e, Some(reason.to_owned()), None)
            }
            StaffAction::Approve { fen } => (TaskEvent::Approve, None, Some(*fen)),
        };
        let to = transition(t.status, event, t.pays)
            .ok_or_else(|| refused("task", Refusal::IllegalTransition))?;
        if let Some(fen) = fen {
            if fen <= Fen::ZERO || t.cap.is_none_or(|cap| fen > cap) {
                return Err(refused("amount", Refusal::AmountAboveCap));
            }
        }
        let paused_at = (to == TaskStatus::Returned).then_some(now.timestamp());
        let changed = sqlx::query(
            "UPDATE case_tasks SET status = $1, paused_at = $2, reason = COALESCE($3, reason), approved_fen = COALESCE($4, approved_fen), updated_at = $5 \
             WHERE id = $6 AND status = $7",
        )
        .bind(to.as_str())
        .bind(paused_at)
        .bind(reason.as_deref())
        .bind(fen.map(|f| f.0))
        .bind(now.timestamp())
        .bind(task_id)
        .bind(t.status.as_str())
        .execute(&mut *tx)
        .await
        .map_err(db)?
        .rows_affected();
        if changed != 1 {
            return Err(refused("task", Refusal::IllegalTransition));
        }
        if let Some(fen) = fen {
            let account = sqlx::query(
                "SELECT account_name, bank_card FROM after_death_bundles WHERE case_id = $1",
            )
            .bind(&t.case_id)
            .fetch_one(&mut *tx)
            .await
            .map_err(db)?;
            let name: Option<String> = account.try_get("account_name").map_err(db)?;
            let card: Option<String> = account.try_get("bank_card").map_err(db)?;
            let (Some(name), Some(card)) = (name, card) else {
                return Err(refused("amount", Refusal::AccountRequired));
            };
            let district: String = sqlx::query_scalar("SELECT district FROM cases WHERE id = $1")
                .bind(&t.case_id)
                .fetch_one(&mut *tx)
                .await
                .map_err(db)?;
            let threshold = self.policy(&district)?.payment_second_approval_above;
            let status = if fen > threshold {
                "awaiting_second"
            } else {
                "authorised"
            };
            sqlx::query(
                "INSERT INTO case_payments (task_id, case_id, fen, status, account_name, bank_card, first_by, first_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .bind(task_id)
            .bind(&t.case_id)
            .bind(fen.0)
            .bind(status)
            .bind(name)
            .bind(card)
            .bind(staff.id())
            .bind(now.timestamp())
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        }
        record_event(
            &mut tx,
            task_id,
            staff.id(),
            (t.status, to),
            reason.as_deref(),
            now,
        )
        .await?;
        let action_name = format!("after_death.task.{}", to.as_str());
        audit(&mut tx, now, staff.into(), &action_name, task_id).await?;
        let topic = match to {
            TaskStatus::Returned => Some("after_death_returned"),
            TaskStatus::Approved | TaskStatus::Rejected | TaskStatus::Done => {
                Some("after_death_decided")
            }
            _ => None,
        };
        if let Some(topic) = topic {
            tell_about(&mut tx, &t, topic, now.timestamp()).await?;
        }
        let death_recorded = to == TaskStatus::Accepted
            && self.confirms_death(&mut tx, &t).await?
            && self
                .record_death(&mut tx, &t.case_id, now.timestamp())
                .await?;
        refresh_affairs(&mut tx, &t.case_id, now.timestamp()).await?;
        idempotency::record(&mut tx, &owner, key, to.as_str()).await?;
        tx.commit().await.map_err(db)?;
        if death_recorded {
            // Every service the deceased used follows now, not at the sweep's next tick.
            crate::jobs::wake();
        }
        Ok(())
    }

    async fn payments(&self, staff: &Staff, day: NaiveDate) -> DeskResult<Vec<PaymentView>> {
        if !matches!(staff.role(), Role::FinanceOfficer | Role::FuneralReviewer) {
            return Err(AppError::Forbidden.into());
        }
        let mut tx = self.db.begin_write().await.map_err(db)?;
        let mut rows = payment_rows(&mut tx, "p.status <> $1", "paid").await?;
        rows.extend(payment_rows(&mut tx, "p.paid_on = $1", &super::day_str(day)).await?);
        audit(
            &mut tx,
            self.clock.now(),
            staff.into(),
            "after_death.payments.read",
            &super::day_str(day),
        )
        .await?;
        tx.commit().await.map_err(db)?;
        Ok(rows)
    }

    async fn second_approve(&self, staff: &Staff, task_id: &str) -> DeskResult<()> {
        if !matches!(staff.role(), Role::FinanceOfficer | Role::FuneralReviewer) {
            return Err(AppError::Forbidden.into());
        }
        let now = self.clock.now();
        let mut tx = self.db.begin_write().await.map_err(db)?;
        let changed = sqlx::query(
            "UPDATE case_payments SET status = 'authorised', second_by = $1, second_at = $2 \
             WHERE task_id = $3 AND status = 'awaiting_second' AND first_by <> $1",
        )
        .bind(staff.id())
        .bind(now.timestamp())
        .bind(task_id)
        .execute(&mut *tx)
        .await
        .map_err(db)?
        .rows_affected();
        if changed != 1 {
            let r = sqlx::query(
                "SELECT status, first_by, second_by FROM case_payments WHERE task_id = $1",
            )
            .bind(task_id)
            .fetch_optional(&mut *tx)
            .await
            .map_err(db)?
            .ok_or(AppError::NotFound)?;
            let status: String = r.try_get("status").map_err(db)?;
            let first: String = r.try_get("first_by").map_err(db)?;
            let second: Option<String> = r.try_get("second_by").map_err(db)?;
            if second.as_deref() == Some(staff.id()) {
                return Ok(()); // the same approval, clicked twice
            }
            if status == "awaiting_second" && first == staff.id() {
                return Err(refused("payment", Refusal::SameApprover));
            }
            return Err(refused("payment", Refusal::PaymentNotReady));
        }
        audit(
            &mut tx,
            now,
            staff.into(),
            "after_death.payment.second_approval",
            task_id,
        )
        .await?;
        tx.commit().await.map_err(db)?;
        Ok(())
    }

    async fn pay(&self, staff: &Staff, task_id: &str) -> DeskResult<()> {
        if staff.role() != Role::FinanceOfficer {
            return Err(AppError::Forbidden.into());
        }
        let now = self.clock.now();
        let mut tx = self.db.begin_write().await.map_err(db)?;
        let changed = sqlx::query(
            "UPDATE case_payments SET status = 'paid', paid_by = $1, paid_at = $2, paid_on = $3 WHERE task_id = $4 AND status = 'authorised'",
        )
        .bind(staff.id())
        .bind(now.timestamp())
        .bind(super::day_str(shanghai_date(now)))
        .bind(task_id)
        .execute(&mut *tx)
        .await
        .map_err(db)?
        .rows_affected();
        if changed != 1 {
            let status: Option<String> =
                sqlx::query_scalar("SELECT status FROM case_payments WHERE task_id = $1")
                    .bind(task_id)
                    .fetch_optional(&mut *tx)
                    .await
                    .map_err(db)?;
            return match status.as_deref() {
                Some("paid") => Ok(()), // paid once; the second click changes nothing
                Some(_) => Err(refused("payment", Refusal::PaymentNotReady)),
                None => Err(AppError::NotFound.into()),
            };
        }
        let t = load_task(&mut tx, task_id).await?;
        let to = transition(t.status, TaskEvent::Pay, t.pays)
            .ok_or_else(|| internal("a paid task was not approved"))?;
        let moved = sqlx::query(
            "UPDATE case_tasks SET status = $1, updated_at = $2 WHERE id = $3 AND status = $4",
        )
        .bind(to.as_str())
        .bind(now.timestamp())
        .bind(task_id)
        .bind(t.status.as_str())
        .execute(&mut *tx)
        .await
        .map_err(db)?
        .rows_affected();
        if moved != 1 {
            return Err(internal("a paid task moved meanwhile"));
        }
        record_event(&mut tx, task_id, staff.id(), (t.status, to), None, now).await?;
        audit(
            &mut tx,
            now,
            staff.into(),
            "after_death.payment.paid",
            task_id,
        )
        .await?;
        tell_about(&mut tx, &t, "after_death_paid", now.timestamp()).await?;
        refresh_affairs(&mut tx, &t.case_id, now.timestamp()).await?;
        tx.commit().await.map_err(db)?;
        Ok(())
    }
}

/// What the plain routes share.
#[derive(Clone)]
struct Routes {
    desk: Arc<SqlAfterDeath>,
    sessions: Arc<dyn Sessions>,
}

/// The answer to an upload the page sent in the background (it asked for JSON): `{}` when
/// stored, else the refusal as every server function gives it (the page says it by the field).
fn answer_json(outcome: Result<(), AppError>) -> Response {
    match outcome {
        Ok(()) => (
            [(header::CONTENT_TYPE, "application/json")],
            "{}".to_owned(),
        )
            .into_response(),
        Err(e) => (
            StatusCode::from_u16(e.status()).unwrap_or(StatusCode::BAD_REQUEST),
            [(header::CONTENT_TYPE, "application/json")],
            serde_json::to_string(&e).unwrap_or_else(|_| "{}".to_owned()),
        )
            .into_response(),
    }
}

/// Whether the request asked for JSON rather than a page (the upload sent with progress).
fn wants_json(headers: &header::HeaderMap) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"))
}

/// Where an upload's answer leads: back to the bundle, at the task, with the refusal's name
/// (`upload_error=DocumentType`) for the page to say next to the field; a refusal that is not
/// the form's (not signed in, not theirs) is its status.
fn back_to(case_id: &str, task_id: &str, outcome: Result<(), AppError>) -> Response {
    let page = format!("/after-death/bundle/{case_id}");
    match outcome {
        Ok(()) => {
            Redirect::to(&format!("{page}?uploaded={task_id}#task-{task_id}")).into_response()
        }
        Err(AppError::Invalid {
            code: app::error::Code::Service(c),
            ..
        }) if c.service == "after_death" => {
            let name = c.refusal.as_str().unwrap_or("DocumentDamaged");
            let name: String = name.chars().filter(char::is_ascii_alphanumeric).collect();
            Redirect::to(&format!(
                "{page}?task={task_id}&upload_error={name}#task-{task_id}"
            ))
            .into_response()
        }
        Err(e) => StatusCode::from_u16(e.status())
            .unwrap_or(StatusCode::BAD_REQUEST)
            .into_response(),
    }
}

/// `POST /upload/after-death/task/{id}` (multipart: `need`, `document`): works as a plain
/// form post (a redirect back); with JavaScript the page sends the same form in the background,
/// shows progress and asks for JSON (`Accept: application/json`).
async fn upload(
    State(r): State<Routes>,
    Path(task_id): Path<String>,
    jar: CookieJar,
    headers: header::HeaderMap,
    mut form: Multipart,
) -> Response {
    let json = wants_json(&headers);
    let who = match resident(&*r.sessions, &jar).await {
        Ok(w) => w,
        Err(res) => return res,
    };
    let case_id: Option<String> =
        sqlx::query_scalar("SELECT case_id FROM case_tasks WHERE id = $1")
            .bind(&task_id)
            .fetch_optional(r.desk.db.pool())
            .await
            .ok()
            .flatten();
    let Some(case_id) = case_id else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let mut need = None;
    let mut bytes = None;
    loop {
        match form.next_field().await {
            Ok(Some(field)) => {
                let name = field.name().unwrap_or_default().to_owned();
                match field.bytes().await {
                    Ok(b) if name == "need" => {
                        need = Some(String::from_utf8_lossy(&b).into_owned())
                    }
                    Ok(b) if name == "document" => bytes = Some(b),
                    Ok(_) => {}
                    Err(_) => return StatusCode::BAD_REQUEST.into_response(),
                }
            }
            Ok(None) => break,
            Err(_) => return StatusCode::BAD_REQUEST.into_response(),
        }
    }
    let outcome = match (need, bytes) {
        (Some(need), Some(bytes)) => r
            .desk
            .add_document(&who, &task_id, need.trim(), &bytes)
            .await
            .map_err(AppError::from),
        (Some(_), None) => Err(AppError::invalid("document", Refusal::DocumentDamaged)),
        _ => Err(AppError::BadRequest),
    };
    if json {
        return answer_json(outcome);
    }
    back_to(&case_id, &task_id, outcome)
}

fn document_response(kind: &str, bytes: Vec<u8>) -> Response {
    let kind = crate::files::DocKind::parse(kind);
    let mime = kind.map(|k| k.mime()).unwrap_or("application/octet-stream");
    (
        [
            (header::CONTENT_TYPE, mime.to_owned()),
            (header::CACHE_CONTROL, "private, no-store".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!(
                    "inline; filename=\"document.{}\"",
                    kind.map(|k| k.extension()).unwrap_or("bin")
                ),
            ),
        ],
        bytes,
    )
        .into_response()
}

/// `GET /after-death/document/{id}`: for the bundle's applicants.
async fn download(State(r): State<Routes>, Path(id): Path<String>, jar: CookieJar) -> Response {
    let who = match resident(&*r.sessions, &jar).await {
        Ok(w) => w,
        Err(res) => return res,
    };
    match r.desk.document_for_resident(&who, &id).await {
        Ok((kind, bytes)) => document_response(&kind, bytes),
        Err(e) => failed(e),
    }
}

/// `GET /staff/after-death/document/{id}`: for the department whose task uses it (audited).
async fn staff_download(
    State(r): State<Routes>,
    Path(id): Path<String>,
    jar: CookieJar,
    client: Option<Extension<ClientAddr>>,
) -> Response {
    let staff = match staff(&*r.sessions, &jar, client.as_deref()).await {
        Ok(s) => s,
        Err(res) => return res,
    };
    match r.desk.document_for_staff(&staff, &id).await {
        Ok((kind, bytes)) => document_response(&kind, bytes),
        Err(e) => failed(e),
    }
}

/// `GET /staff/after-death/payments/{YYYY-MM-DD}.csv` (or `.xlsx`): the day's payment batch.
async fn batch(
    State(r): State<Routes>,
    Path(file): Path<String>,
    jar: CookieJar,
    client: Option<Extension<ClientAddr>>,
) -> Response {
    let staff = match staff(&*r.sessions, &jar, client.as_deref()).await {
        Ok(s) => s,
        Err(res) => return res,
    };
    let (day, ext) = file.rsplit_once('.').unwrap_or((&file, ""));
    let Ok(day) = NaiveDate::parse_from_str(day, "%Y-%m-%d") else {
        return StatusCode::NOT_FOUND.into_response();
    };
    if !matches!(ext, "csv" | "xlsx") {
        return StatusCode::NOT_FOUND.into_response();
    }
    let rows = match r.desk.batch(&staff, day).await {
        Ok(rows) => rows,
        Err(e) => return failed(e),
    };
    let built = if ext == "csv" {
        crate::payment_batch::csv(day, &lines(&rows))
            .map(|b| (b, "text/csv; charset=utf-8"))
            .map_err(|e| e.to_string())
    } else {
        crate::payment_batch::xlsx(day, &lines(&rows))
            .map(|b| (b, crate::calendar_files::XLSX))
            .map_err(|e| e.to_string())
    };
    match built {
        Ok((bytes, mime)) => {
            crate::calendar_files::attachment(bytes, mime, &format!("payments-{day}.{ext}"))
        }
        Err(e) => {
            tracing::error!(error = %e, "payment batch failed");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

/// The batch's lines: what the bank transfer needs, and who approved it.
fn lines(rows: &[PaymentView]) -> Vec<crate::payment_batch::Line> {
    rows.iter()
        .map(|p| crate::payment_batch::Line {
            reference: p.reference.clone(),
            item: p.item_zh.clone(),
            payee: p.account_name.clone(),
            card: p.account_full.clone(),
            fen: p.fen,
            first_by: p.first_by.clone(),
            second_by: p.second_by.clone().unwrap_or_default(),
        })
        .collect()
}
