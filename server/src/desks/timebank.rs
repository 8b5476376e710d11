//! 时间银行 in SQL. Every movement of minutes or points is one `tb_transactions` row with its
//! legs in `tb_entries` (they sum to zero: `ledger::Posting` builds only such sets). A leg is
//! written by a guarded `UPDATE tb_accounts SET balance = balance + $a … WHERE balance + $a >= 0`
//! that returns the new balance and version, so no resident account goes below zero
//! under any concurrency on either engine (the table's CHECK says the same; entries and
//! transactions refuse UPDATE and DELETE by trigger, see `db::connect`). Legs are written in
//! account order, so two transactions lock accounts in the same order. Banking into a
//! resident's account first locks the resident (the storage cap is read, then applied).
//! Places on shifts and needs are taken with guarded updates; each attendance is verified once.

use super::{
    audit, day_of, day_str, db, idempotency, insert_message, lock_subject, new_id,
    proxy::{acting_for, elders_of},
    seq, upsert_affair, AffairItem, AuditActor,
};
use crate::{
    calendar_files::{attachment, failed, resident},
    db::Db,
    registry::{Registry, Setup},
};
use app::{
    desk::{refused, DeskError, DeskResult},
    error::AppError,
    identity::Role,
    proxy::model::Scope,
    rules::{clock::Clock, id_number::IdNumber, name::mask_name, phone::Phone},
    timebank::{
        desk::{RecordDocument, TimebankDesk},
        ledger::{AccountKey, AccountKind, Posting},
        model::{
            Accounts, ActivityView, AttendanceStatus, CatalogueItem, MemberStatus, NeedKindView,
            NeedStatus, NeedView, NewActivity, NewNeed, OrgCard, OrgDesk, Person, PublicRecord,
            Refusal, ShiftView, StaffActivity, StaffAttendance, StaffShift, Statement,
            StatementLine, TimebankHome, TxKind, Volunteer,
        },
        policy::{bank, is_priority, points_for, proposed_minutes, stars, Policies, Policy},
    },
    web::{Resident, Sessions, Staff},
};
use axum::{
    extract::{Path, Query, State},
    response::{IntoResponse, Response},
    routing::get,
};
use axum_extra::extract::CookieJar;
use chrono::{Datelike, NaiveDate};
use rand::Rng;
use sqlx::{AnyConnection, Row};
use std::sync::Arc;

pub fn install(reg: &mut Registry, setup: &Setup) {
    let tb = Arc::new(SqlTimebank::new(setup));
    super::life::register_step(reg, Arc::new(PassOnAtDeath(tb.clone())));
    let desk: Arc<dyn TimebankDesk> = tb;
    reg.provide(desk.clone());
    reg.route(
        axum::Router::new()
            .route("/timebank/statement.csv", get(statement_csv))
            .route("/timebank/record/{file}", get(record_pdf))
            .with_state(Routes {
                desk,
                sessions: super::sessions::sessions(setup),
                https: setup.config.secure_cookies,
            }),
    );
}

#[derive(Clone)]
struct Routes {
    desk: Arc<dyn TimebankDesk>,
    sessions: Arc<dyn Sessions>,
    /// Served over https (the cookies are `Secure`).
    https: bool,
}

impl Routes {
    /// This site's address as the browser reached it (`Host`), for addresses printed on a
    /// document; a host that is not a plain name or address gives `localhost`.
    fn origin(&self, headers: &axum::http::HeaderMap) -> String {
        let host = headers
            .get(axum::http::header::HOST)
            .and_then(|h| h.to_str().ok())
            .filter(|h| {
                !h.is_empty()
                    && h.len() <= 255
                    && h.bytes().all(|b| {
                        b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b':' | b'[' | b']')
                    })
            })
            .unwrap_or("localhost");
        let scheme = if self.https { "https" } else { "http" };
        format!("{scheme}://{host}")
    }
}

#[derive(serde::Deserialize)]
struct StatementQuery {
    of: Option<String>,
    points: Option<String>,
}

/// `GET /timebank/statement.csv[?of=<elder>][&points=1]`: every entry with its counterpart and
/// reason, as CSV (UTF-8 with a byte-order mark), for the account's owner or a granted proxy.
async fn statement_csv(
    State(r): State<Routes>,
    Query(q): Query<StatementQuery>,
    jar: CookieJar,
) -> Response {
    let who = match resident(&*r.sessions, &jar).await {
        Ok(w) => w,
        Err(res) => return res,
    };
    let owner = q.of.unwrap_or_else(|| who.id().to_owned());
    let points = q.points.is_some_and(|p| p == "1");
    let st = match r.desk.statement(&who, &owner, points).await {
        Ok(s) => s,
        Err(e) => return failed(e),
    };
    match statement_bytes(&st) {
        Ok(bytes) => attachment(bytes, "text/csv; charset=utf-8", "timebank-statement.csv"),
        Err(e) => failed(internal(e)),
    }
}

/// `GET /timebank/record/{code}.pdf`: the volunteer's own service record as a PDF (others:
/// not found). The check address is this site's, as the browser reached it.
async fn record_pdf(
    State(r): State<Routes>,
    Path(file): Path<String>,
    headers: axum::http::HeaderMap,
    jar: CookieJar,
) -> Response {
    let who = match resident(&*r.sessions, &jar).await {
        Ok(w) => w,
        Err(res) => return res,
    };
    let Some(code) = file.strip_suffix(".pdf") else {
        return axum::http::StatusCode::NOT_FOUND.into_response();
    };
    let doc = match r.desk.record_document(&who, code).await {
        Ok(d) => d,
        Err(e) => return failed(e),
    };
    let issued_on = chrono::DateTime::from_timestamp(doc.issued_at, 0)
        .map(app::rules::clock::shanghai_date)
        .unwrap_or_default();
    let check_url = format!("{}/timebank/verify/{}", r.origin(&headers), doc.code);
    let pdf = crate::record_pdf::render(&crate::record_pdf::Record {
        code: &doc.code,
        name: &doc.name,
        orgs: &doc.orgs_zh,
        minutes: doc.minutes,
        period: doc.period,
        issued_on,
        check_url: &check_url,
        issuer: "民政一件事 · 时间银行",
    });
    attachment(
        pdf,
        "application/pdf",
        &format!("volunteer-record-{}.pdf", doc.code),
    )
}

fn statement_bytes(st: &Statement) -> Result<Vec<u8>, csv::Error> {
    let mut out = Vec::from(&b"\xEF\xBB\xBF"[..]);
    {
        let mut w = csv::Writer::from_writer(&mut out);
        let unit = if st.points { "积分" } else { "分钟" };
        w.write_record([
            "时间",
            "交易号",
            "类型",
            &format!("变动（{unit}）"),
            &format!("余额（{unit}）"),
            "对方",
            "说明",
        ])?;
        for l in &st.lines {
            let at = chrono::DateTime::from_timestamp(l.at, 0)
                .map(|t| {
                    t.with_timezone(&app::rules::clock::shanghai())
                        .format("%Y-%m-%d %H:%M")
                        .to_string()
                })
                .unwrap_or_default();
            w.write_record([
                &at,
                &l.tx_id,
                l.kind.as_str(),
                &l.amount.to_string(),
                &l.balance_after.to_string(),
                &l.counterpart,
                &l.reason,
            ])?;
        }
        w.flush()?;
    }
    Ok(out)
}

fn internal(e: impl std::fmt::Display) -> DeskError {
    DeskError::internal(e.to_string())
}

fn key(kind: AccountKind, owner: &str) -> AccountKey {
    AccountKey::new(kind, owner)
}

fn account_id(k: &AccountKey) -> String {
    format!("{}:{}", k.kind.as_str(), k.owner)
}

/// A posting's failure: a leg would take its account below zero.
enum PostError {
    Insufficient,
    Failed(DeskError),
}

impl From<DeskError> for PostError {
    fn from(e: DeskError) -> Self {
        Self::Failed(e)
    }
}

/// What a transaction records beside its legs.
struct TxMeta<'a> {
    kind: TxKind,
    reason: &'a str,
    reverses: Option<&'a str>,
    actor: &'a str,
    org: Option<&'a str>,
}

/// Writes `posting` as one transaction: its row, then each leg in lock order through the
/// guarded balance update. On `Insufficient` the caller drops the transaction (nothing stays).
async fn post(
    conn: &mut AnyConnection,
    posting: &Posting,
    meta: TxMeta<'_>,
    at: chrono::DateTime<chrono::Utc>,
) -> Result<String, PostError> {
    let tx_id = new_id();
    sqlx::query(
        "INSERT INTO tb_transactions (id, kind, reason, reverses, actor, org_id, created_at, seq) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(&tx_id)
    .bind(meta.kind.as_str())
    .bind(meta.reason)
    .bind(meta.reverses)
    .bind(meta.actor)
    .bind(meta.org)
    .bind(at.timestamp())
    .bind(seq(at))
    .execute(&mut *conn)
    .await
    .map_err(db)?;
    for leg in posting.legs_in_lock_order() {
        let id = account_id(&leg.account);
        sqlx::query(
            "INSERT INTO tb_accounts (id, kind, owner) VALUES ($1, $2, $3) ON CONFLICT (id) DO NOTHING",
        )
        .bind(&id)
        .bind(leg.account.kind.as_str())
        .bind(&leg.account.owner)
        .execute(&mut *conn)
        .await
        .map_err(db)?;
        let row = sqlx::query(
            "UPDATE tb_accounts SET balance = balance + $1, version = version + 1 \
             WHERE id = $2 AND (balance + $1 >= 0 OR kind IN ('issuer', 'points_issuer')) \
             RETURNING balance, version",
        )
        .bind(leg.amount)
        .bind(&id)
        .fetch_optional(&mut *conn)
        .await
        .map_err(db)?;
        let Some(row) = row else {
            return Err(PostError::Insufficient);
        };
        sqlx::query(
            "INSERT INTO tb_entries (tx_id, account_id, amount, balance_after, version) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(&tx_id)
        .bind(&id)
        .bind(leg.amount)
        .bind(row.get::<i64, _>(0))
        .bind(row.get::<i64, _>(1))
        .execute(&mut *conn)
        .await
        .map_err(db)?;
    }
    Ok(tx_id)
}

/// `post`, with a shortfall answered as `refusal` on `field`.
async fn post_or(
    conn: &mut AnyConnection,
    posting: &Posting,
    meta: TxMeta<'_>,
    at: chrono::DateTime<chrono::Utc>,
    field: &str,
    refusal: Refusal,
) -> DeskResult<String> {
    match post(conn, posting, meta, at).await {
        Ok(id) => Ok(id),
        Err(PostError::Insufficient) => Err(refused(field, refusal)),
        Err(PostError::Failed(e)) => Err(e),
    }
}

fn posting(
    p: Result<Posting, app::timebank::ledger::NotAPosting>,
    field: &str,
) -> DeskResult<Posting> {
    p.map_err(|_| refused(field, Refusal::MinutesInvalid))
}

async fn balance(conn: &mut AnyConnection, k: &AccountKey) -> DeskResult<i64> {
    let b: Option<i64> = sqlx::query_scalar("SELECT balance FROM tb_accounts WHERE id = $1")
        .bind(account_id(k))
        .fetch_optional(&mut *conn)
        .await
        .map_err(db)?;
    Ok(b.unwrap_or(0))
}

fn staff_actor(s: &Staff) -> String {
    format!("staff:{}", s.id())
}

/// The time-bank desk over a setup.
pub struct SqlTimebank {
    db: Db,
    clock: Arc<dyn Clock>,
    policies: Arc<Policies>,
}

impl SqlTimebank {
    /// 一键审核: every signed-out attendance of the organisation that `filter` (a condition on
    /// `a` the attendance, `s` its shift, with `$1`) selects, each verified once, in one
    /// transaction; how many were banked now.
    async fn verify_all(&self, staff: &Staff, filter: &str, id: &str) -> DeskResult<u32> {
        let mut tx = self.db.begin_write().await.map_err(db)?;
        let org = self.org_of(&mut tx, staff).await?;
        let ids: Vec<String> = sqlx::query_scalar(&format!(
            "SELECT a.id FROM tb_attendance a JOIN tb_shifts s ON s.id = a.shift_id JOIN tb_activities t ON t.id = s.activity_id \
             WHERE {filter} AND t.org_id = $2 AND a.status = 'signed_out' ORDER BY a.id"
        ))
        .bind(id)
        .bind(&org)
        .fetch_all(&mut *tx)
        .await
        .map_err(db)?;
        let mut n = 0;
        for id in ids {
            if self.verify_in(&mut tx, staff, &org, &id).await? {
                n += 1;
            }
        }
        tx.commit().await.map_err(db)?;
        Ok(n)
    }

    pub fn new(setup: &Setup) -> Self {
        Self {
            db: setup.db.clone(),
            clock: setup.clock.clone(),
            policies: Arc::new(Policies::shipped()),
        }
    }

    async fn org_district(
        &self,
        conn: &mut AnyConnection,
        org: &str,
    ) -> DeskResult<Option<String>> {
        sqlx::query_scalar("SELECT district FROM tb_orgs WHERE unit_id = $1")
            .bind(org)
            .fetch_optional(&mut *conn)
            .await
            .map_err(db)
    }

    /// The policy of an organisation's district (the demo's one district otherwise).
    async fn policy_of(&self, conn: &mut AnyConnection, org: &str) -> DeskResult<&Policy> {
        let district = self
            .org_district(conn, org)
            .await?
            .ok_or_else(|| refused("org", Refusal::NoSuchOrg))?;
        self.policies
            .district(&district)
            .ok_or_else(|| internal(format!("no time-bank policy for {district}")))
    }

    fn default_policy(&self) -> DeskResult<&Policy> {
        self.policies
            .district("haishu")
            .ok_or_else(|| internal("no time-bank policy"))
    }

    /// The admin's organisation (their unit), or `Forbidden`.
    async fn org_of(&self, conn: &mut AnyConnection, staff: &Staff) -> DeskResult<String> {
        if staff.role() != Role::OrganisationAdmin {
            return Err(AppError::Forbidden.into());
        }
        let org: Option<String> =
            sqlx::query_scalar("SELECT unit_id FROM tb_orgs WHERE unit_id = $1")
                .bind(staff.unit_id())
                .fetch_optional(&mut *conn)
                .await
                .map_err(db)?;
        org.ok_or_else(|| AppError::Forbidden.into())
    }

    async fn member_status(
        &self,
        conn: &mut AnyConnection,
        org: &str,
        who: &str,
    ) -> DeskResult<Option<MemberStatus>> {
        let s: Option<String> = sqlx::query_scalar(
            "SELECT status FROM tb_members WHERE org_id = $1 AND resident_id = $2",
        )
        .bind(org)
        .bind(who)
        .fetch_optional(&mut *conn)
        .await
        .map_err(db)?;
        Ok(s.as_deref().and_then(MemberStatus::parse))
    }

    async fn accounts(
        &self,
        conn: &mut AnyConnection,
        who: &str,
        p: &Policy,
    ) -> DeskResult<Accounts> {
        let rows = sqlx::query(
            "SELECT kind, balance, served_minutes FROM tb_accounts WHERE owner = $1 AND kind IN ('resident', 'points')",
        )
        .bind(who)
        .fetch_all(&mut *conn)
        .await
        .map_err(db)?;
        let (mut balance, mut points, mut served) = (0, 0, 0);
        for r in rows {
            match r.get::<String, _>(0).as_str() {
                "resident" => {
                    balance = r.get(1);
                    served = r.get(2);
                }
                _ => points = r.get(1),
            }
        }
        let held: Vec<i64> = sqlx::query_scalar(
            "SELECT minutes FROM tb_needs WHERE payer_id = $1 AND status IN ('open', 'taken')",
        )
        .bind(who)
        .fetch_all(&mut *conn)
        .await
        .map_err(db)?;
        Ok(Accounts {
            balance,
            held: held.iter().sum(),
            points,
            served,
            stars: stars(served, &p.stars),
            cap: p.storage_cap_minutes,
        })
    }

    /// Whether `who` may see `owner`'s accounts: themselves, or a live grant (time bank or records).
    async fn may_see(&self, who: &str, owner: &str) -> DeskResult<bool> {
        if who == owner {
            return Ok(true);
        }
        // After a death the family keeps reading the record (stars, statement).
        if super::life::is_family_of_deceased(self.db.pool(), who, owner).await? {
            return Ok(true);
        }
        let today = self.clock.today();
        for scope in [Scope::TimeBank, Scope::Records] {
            if elders_of(self.db.pool(), who, scope, today)
                .await?
                .iter()
                .any(|(id, _, _)| id == owner)
            {
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// Family linked to `who` by a live grant either way: (id, masked name).
    async fn family(
        &self,
        conn: &mut AnyConnection,
        who: &str,
    ) -> DeskResult<Vec<(String, String)>> {
        let today = day_str(self.clock.today());
        let rows = sqlx::query(
            "SELECT CASE WHEN g.elder_id = $1 THEN g.proxy_id ELSE g.elder_id END AS other, r.real_name \
             FROM proxy_grants g JOIN residents r ON r.id = (CASE WHEN g.elder_id = $1 THEN g.proxy_id ELSE g.elder_id END) \
             WHERE (g.elder_id = $1 OR g.proxy_id = $1) AND g.status = 'active' AND g.ends_on >= $2 ORDER BY g.created_at",
        )
        .bind(who)
        .bind(&today)
        .fetch_all(&mut *conn)
        .await
        .map_err(db)?;
        let mut out: Vec<(String, String)> = vec![];
        for r in rows {
            let id: String = r.get(0);
            if !out.iter().any(|(i, _)| *i == id) {
                out.push((
                    id,
                    mask_name(&r.get::<Option<String>, _>(1).unwrap_or_default()),
                ));
            }
        }
        Ok(out)
    }

    async fn need_views(
        &self,
        conn: &mut AnyConnection,
        who: &str,
        filter: &str,
        p: &Policy,
    ) -> DeskResult<Vec<NeedView>> {
        let rows = sqlx::query(&format!(
            "SELECT n.id, n.kind, n.day, n.minutes, n.note, n.status, n.elder_id, n.payer_id, n.volunteer_id, r.real_name \
             FROM tb_needs n JOIN residents r ON r.id = n.elder_id WHERE {filter} ORDER BY n.day, n.created_at LIMIT 50"
        ))
        .bind(who)
        .bind(day_str(self.clock.today()))
        .fetch_all(&mut *conn)
        .await
        .map_err(db)?;
        let mut out = vec![];
        for r in rows {
            let kind: String = r.get(1);
            let k = p.need(&kind);
            let elder: String = r.get(6);
            let payer: String = r.get(7);
            out.push(NeedView {
                id: r.get(0),
                kind_zh: k.map(|k| k.name_zh.clone()).unwrap_or_else(|| kind.clone()),
                kind_en: k.map(|k| k.name_en.clone()).unwrap_or(kind),
                day: day_of(&r.get::<String, _>(2))?,
                minutes: r.get(3),
                note: r.get(4),
                status: NeedStatus::parse(&r.get::<String, _>(5)).unwrap_or(NeedStatus::Cancelled),
                elder_masked: mask_name(&r.get::<Option<String>, _>(9).unwrap_or_default()),
                mine: elder == who || payer == who,
                taken_by_me: r.get::<Option<String>, _>(8).as_deref() == Some(who),
            });
        }
        Ok(out)
    }

    /// Banks `minutes` for `volunteer` under the cap (the excess to `org`'s fund) as one
    /// transaction from `from`; the resident is locked first. (tx id, to the fund).
    #[allow(clippy::too_many_arguments)]
    async fn bank_for(
        &self,
        conn: &mut AnyConnection,
        from: AccountKey,
        volunteer: &str,
        org: &str,
        minutes: i64,
        cap: i64,
        meta: TxMeta<'_>,
    ) -> DeskResult<(String, i64)> {
        lock_subject(conn, "timebank", volunteer).await?;
        let to = key(AccountKind::Resident, volunteer);
        let b = bank(minutes, balance(conn, &to).await?, cap);
        let p = posting(
            Posting::split(
                from,
                &[
                    (to, b.to_volunteer),
                    (key(AccountKind::Fund, org), b.to_fund),
                ],
            ),
            "minutes",
        )?;
        let id = post_or(
            conn,
            &p,
            meta,
            self.clock.now(),
            "minutes",
            Refusal::Insufficient,
        )
        .await?;
        Ok((id, b.to_fund))
    }

    /// The attendance with its org, status, minutes and volunteer, if it is `org`'s.
    async fn attendance_of(
        &self,
        conn: &mut AnyConnection,
        id: &str,
        org: &str,
    ) -> DeskResult<(String, AttendanceStatus, i64, String)> {
        let row = sqlx::query(
            "SELECT a.volunteer_id, a.status, a.minutes, t.title FROM tb_attendance a JOIN tb_shifts s ON s.id = a.shift_id \
             JOIN tb_activities t ON t.id = s.activity_id WHERE a.id = $1 AND t.org_id = $2",
        )
        .bind(id)
        .bind(org)
        .fetch_optional(&mut *conn)
        .await
        .map_err(db)?
        .ok_or_else(|| refused("attendance", Refusal::NoSuchAttendance))?;
        Ok((
            row.get(0),
            AttendanceStatus::parse(&row.get::<String, _>(1)).ok_or_else(|| internal("status"))?,
            row.get(2),
            row.get(3),
        ))
    }

    /// Verifies one signed-out attendance inside `conn`: marks it once, banks the minutes and
    /// the points, tells the volunteer. `false` if it was not waiting.
    async fn verify_in(
        &self,
        conn: &mut AnyConnection,
        staff: &Staff,
        org: &str,
        id: &str,
    ) -> DeskResult<bool> {
        let (volunteer, status, minutes, title) = self.attendance_of(conn, id, org).await?;
        if status != AttendanceStatus::SignedOut {
            return Ok(false);
        }
        let marked = sqlx::query(
            "UPDATE tb_attendance SET status = 'verified', decided_by = $1 WHERE id = $2 AND status = 'signed_out'",
        )
        .bind(staff.id())
        .bind(id)
        .execute(&mut *conn)
        .await
        .map_err(db)?
        .rows_affected();
        if marked != 1 || minutes <= 0 {
            return Ok(marked == 1);
        }
        let p = self.policy_of(conn, org).await?;
        let (cap, per_hour) = (p.storage_cap_minutes, p.points_per_hour);
        let actor = staff_actor(staff);
        let (tx_id, to_fund) = self
            .bank_for(
                conn,
                key(AccountKind::Issuer, org),
                &volunteer,
                org,
                minutes,
                cap,
                TxMeta {
                    kind: TxKind::Verified,
                    reason: &title,
                    reverses: None,
                    actor: &actor,
                    org: Some(org),
                },
            )
            .await?;
        let points = points_for(minutes, per_hour);
        let points_tx = if points > 0 {
            let p = posting(
                Posting::transfer(
                    key(AccountKind::PointsIssuer, org),
                    key(AccountKind::Points, &volunteer),
                    points,
                ),
                "minutes",
            )?;
            Some(
                post_or(
                    conn,
                    &p,
                    TxMeta {
                        kind: TxKind::Verified,
                        reason: &title,
                        reverses: None,
                        actor: &actor,
                        org: Some(org),
                    },
                    self.clock.now(),
                    "minutes",
                    Refusal::Insufficient,
                )
                .await?,
            )
        } else {
            None
        };
        sqlx::query("UPDATE tb_attendance SET tx_id = $1, points_tx_id = $2 WHERE id = $3")
            .bind(&tx_id)
            .bind(&points_tx)
            .bind(id)
            .execute(&mut *conn)
            .await
            .map_err(db)?;
        sqlx::query("UPDATE tb_accounts SET served_minutes = served_minutes + $1 WHERE id = $2")
            .bind(minutes)
            .bind(account_id(&key(AccountKind::Resident, &volunteer)))
            .execute(&mut *conn)
            .await
            .map_err(db)?;
        let now = self.clock.now();
        let m = minutes.to_string();
        insert_message(
            conn,
            &volunteer,
            "timebank_verified",
            &[("minutes", &m), ("activity", &title)],
            now.timestamp(),
        )
        .await?;
        if to_fund > 0 {
            let f = to_fund.to_string();
            insert_message(
                conn,
                &volunteer,
                "timebank_over_cap",
                &[("minutes", &f)],
                now.timestamp(),
            )
            .await?;
        }
        audit(conn, now, AuditActor::from(staff), "timebank.verify", id).await?;
        Ok(true)
    }
}

/// 身后事: the deceased's open needs are cancelled (held hours back to whoever paid them),
/// their shifts not yet served are given back, and their banked hours and points pass on as
/// the policy says: to the heir the family named (up to the heir's storage cap, the rest to
/// the fund), or to the mutual-aid fund of the organisation they served with. Stars and
/// records stay, readable by the family.
struct PassOnAtDeath(Arc<SqlTimebank>);

#[async_trait::async_trait]
impl super::life::LifeStep for PassOnAtDeath {
    fn key(&self) -> &'static str {
        "timebank.balance"
    }

    fn rank(&self) -> u16 {
        30
    }

    fn follows(&self, kind: super::life::LifeKind) -> bool {
        kind == super::life::LifeKind::Death
    }

    async fn run(
        &self,
        conn: &mut AnyConnection,
        event: &super::life::LifeEvent,
        now: chrono::DateTime<chrono::Utc>,
    ) -> DeskResult<super::life::StepDone> {
        let tb = &self.0;
        let subject = event.subject_id.as_deref().unwrap_or_default();
        let actor = event.mark();
        let mut done = super::life::StepDone::default();
        lock_subject(conn, "timebank", subject).await?;
        // Open needs for or paid by the deceased: cancelled, each hold back to its payer.
        let needs: Vec<(String, String, String, i64, String, Option<String>)> = sqlx::query_as(
            "SELECT id, payer_id, status, minutes, org_id, volunteer_id FROM tb_needs \
             WHERE (elder_id = $1 OR payer_id = $1) AND status IN ('open', 'taken') ORDER BY id",
        )
        .bind(subject)
        .fetch_all(&mut *conn)
        .await
        .map_err(db)?;
        let mut needs_cancelled = 0;
        for (id, payer, status, minutes, org, volunteer) in needs {
            let changed = sqlx::query(
                "UPDATE tb_needs SET status = 'cancelled', updated_at = $1 WHERE id = $2 AND status = $3",
            )
            .bind(now.timestamp())
            .bind(&id)
            .bind(&status)
            .execute(&mut *conn)
            .await
            .map_err(db)?
            .rows_affected();
            if changed != 1 {
                continue;
            }
            need_affairs(conn, &id, now.timestamp()).await?;
            let p = posting(
                Posting::transfer(
                    key(AccountKind::Hold, &id),
                    key(AccountKind::Resident, &payer),
                    minutes,
                ),
                "need",
            )?;
            post_or(
                conn,
                &p,
                TxMeta {
                    kind: TxKind::NeedRefunded,
                    reason: "",
                    reverses: None,
                    actor: &actor,
                    org: Some(&org),
                },
                now,
                "need",
                Refusal::Insufficient,
            )
            .await?;
            needs_cancelled += 1;
            for r in [Some(payer), volunteer].into_iter().flatten() {
                if r != subject && !done.notify.contains(&r) {
                    done.notify.push(r);
                }
            }
        }
        // Shifts taken but not yet served: the places go back.
        let shifts: Vec<(String, String)> = sqlx::query_as(
            "SELECT id, shift_id FROM tb_attendance WHERE volunteer_id = $1 AND status = 'taken' ORDER BY id",
        )
        .bind(subject)
        .fetch_all(&mut *conn)
        .await
        .map_err(db)?;
        for (id, shift) in shifts {
            let changed = sqlx::query(
                "UPDATE tb_attendance SET status = 'withdrawn' WHERE id = $1 AND status = 'taken'",
            )
            .bind(&id)
            .execute(&mut *conn)
            .await
            .map_err(db)?
            .rows_affected();
            if changed == 1 {
                sqlx::query("UPDATE tb_shifts SET taken = taken - 1 WHERE id = $1 AND taken > 0")
                    .bind(&shift)
                    .execute(&mut *conn)
                    .await
                    .map_err(db)?;
            }
        }
        // The organisation whose fund receives what the heir cannot: the one they joined first,
        // else the last one that moved hours for them.
        let org: Option<String> = match sqlx::query_scalar(
            "SELECT org_id FROM tb_members WHERE resident_id = $1 AND status = 'approved' ORDER BY decided_at, org_id LIMIT 1",
        )
        .bind(subject)
        .fetch_optional(&mut *conn)
        .await
        .map_err(db)?
        {
            Some(o) => Some(o),
            None => sqlx::query_scalar(
                "SELECT t.org_id FROM tb_transactions t JOIN tb_entries e ON e.tx_id = t.id \
                 WHERE e.account_id = $1 AND t.org_id IS NOT NULL ORDER BY t.created_at DESC, t.seq DESC LIMIT 1",
            )
            .bind(account_id(&key(AccountKind::Resident, subject)))
            .fetch_optional(&mut *conn)
            .await
            .map_err(db)?,
        };
        let from = key(AccountKind::Resident, subject);
        let minutes = balance(conn, &from).await?;
        let (mut to_heir, mut to_fund) = (0, 0);
        if minutes > 0 {
            let heir = event.heir_id.as_deref().filter(|h| *h != subject);
            let cap = match &org {
                Some(o) => tb.policy_of(conn, o).await?.storage_cap_minutes,
                None => tb.default_policy()?.storage_cap_minutes,
            };
            let meta = TxMeta {
                kind: TxKind::Bequest,
                reason: "",
                reverses: None,
                actor: &actor,
                org: org.as_deref(),
            };
            match (heir, &org) {
                (Some(h), Some(o)) => {
                    let (_, fund) = tb.bank_for(conn, from, h, o, minutes, cap, meta).await?;
                    to_fund = fund;
                    to_heir = minutes - fund;
                }
                (Some(h), None) => {
                    // No fund to take the excess: the heir receives what fits under the cap.
                    lock_subject(conn, "timebank", h).await?;
                    let room = (cap - balance(conn, &key(AccountKind::Resident, h)).await?).max(0);
                    to_heir = minutes.min(room);
                    if to_heir > 0 {
                        let p = posting(
                            Posting::transfer(from, key(AccountKind::Resident, h), to_heir),
                            "minutes",
                        )?;
                        post_or(conn, &p, meta, now, "minutes", Refusal::Insufficient).await?;
                    }
                }
                (None, Some(o)) => {
                    let p = posting(
                        Posting::transfer(from, key(AccountKind::Fund, o), minutes),
                        "minutes",
                    )?;
                    post_or(conn, &p, meta, now, "minutes", Refusal::Insufficient).await?;
                    to_fund = minutes;
                }
                (None, None) => {}
            }
            if to_heir > 0 {
                if let Some(h) = heir {
                    if !done.notify.iter().any(|n| n == h) {
                        done.notify.push(h.to_owned());
                    }
                }
            }
        }
        // Points: to the heir, else back where points come from.
        let points_from = key(AccountKind::Points, subject);
        let points = balance(conn, &points_from).await?;
        let mut points_moved = 0;
        if points > 0 {
            let to = match (event.heir_id.as_deref().filter(|h| *h != subject), &org) {
                (Some(h), _) => Some(key(AccountKind::Points, h)),
                (None, Some(o)) => Some(key(AccountKind::PointsIssuer, o)),
                (None, None) => None,
            };
            if let Some(to) = to {
                let p = posting(Posting::transfer(points_from, to, points), "points")?;
                post_or(
                    conn,
                    &p,
                    TxMeta {
                        kind: TxKind::Bequest,
                        reason: "",
                        reverses: None,
                        actor: &actor,
                        org: org.as_deref(),
                    },
                    now,
                    "points",
                    Refusal::Insufficient,
                )
                .await?;
                points_moved = points;
            }
        }
        Ok(done
            .with("to_heir", to_heir)
            .with("to_fund", to_fund)
            .with("kept", minutes - to_heir - to_fund)
            .with("points", points_moved)
            .with("needs", needs_cancelled))
    }
}

/// A membership application's line in the volunteer's 我的办件 (`member_<status>`).
async fn member_affair(
    conn: &mut AnyConnection,
    org: &str,
    resident: &str,
    status: &str,
    now: i64,
) -> DeskResult<()> {
    let reference: String = sqlx::query_scalar("SELECT name_zh FROM units WHERE id = $1")
        .bind(org)
        .fetch_one(&mut *conn)
        .await
        .map_err(db)?;
    upsert_affair(
        conn,
        resident,
        &AffairItem {
            service: "timebank",
            record_id: &format!("member-{org}"),
            reference: &reference,
            status,
            link: "/timebank",
            next_at: None,
        },
        now,
    )
    .await
}

/// A need's line in the 我的办件 of the elder, the one who pays and the volunteer who took it;
/// while open or taken its next step is on its day.
async fn need_affairs(conn: &mut AnyConnection, need_id: &str, now: i64) -> DeskResult<()> {
    let (elder, payer, volunteer, status, day): (String, String, Option<String>, String, String) =
        sqlx::query_as(
            "SELECT elder_id, payer_id, volunteer_id, status, day FROM tb_needs WHERE id = $1",
        )
        .bind(need_id)
        .fetch_one(&mut *conn)
        .await
        .map_err(db)?;
    let next_at = matches!(status.as_str(), "open" | "taken")
        .then(|| day_of(&day).ok())
        .flatten()
        .map(|d| app::appointments::model::slot_start(d, "00:00").timestamp());
    let reference = format!("XQ{}", need_id.get(..8).unwrap_or(need_id).to_uppercase());
    let link = "/timebank".to_owned();
    let mut parties = vec![elder, payer];
    parties.extend(volunteer);
    parties.dedup();
    for (i, r) in parties.iter().enumerate() {
        if parties[..i].contains(r) {
            continue;
        }
        upsert_affair(
            conn,
            r,
            &AffairItem {
                service: "timebank",
                record_id: need_id,
                reference: &reference,
                status: &status,
                link: &link,
                next_at,
            },
            now,
        )
        .await?;
    }
    Ok(())
}

fn owner_label(
    kind: &str,
    owner: &str,
    names: &std::collections::HashMap<String, String>,
) -> String {
    let name = names.get(owner).cloned().unwrap_or_default();
    match kind {
        "resident" | "points" => name,
        "fund" => format!("{name} 互助基金"),
        "hold" => "需求托管".into(),
        _ => name,
    }
}

#[async_trait::async_trait]
impl TimebankDesk for SqlTimebank {
    async fn home(&self, who: &Resident) -> DeskResult<TimebankHome> {
        let mut conn = self.db.pool().acquire().await.map_err(db)?;
        let p = self.default_policy()?;
        let me = who.id();
        let accounts = self.accounts(&mut conn, me, p).await?;
        let today = self.clock.today();
        let rows = sqlx::query(
            "SELECT o.unit_id, u.name_zh, u.name_en, m.status FROM tb_orgs o JOIN units u ON u.id = o.unit_id \
             LEFT JOIN tb_members m ON m.org_id = o.unit_id AND m.resident_id = $1 ORDER BY u.name_zh",
        )
        .bind(me)
        .fetch_all(&mut *conn)
        .await
        .map_err(db)?;
        let orgs: Vec<OrgCard> = rows
            .iter()
            .map(|r| OrgCard {
                id: r.get(0),
                name_zh: r.get(1),
                name_en: r.get(2),
                member: r
                    .get::<Option<String>, _>(3)
                    .as_deref()
                    .and_then(MemberStatus::parse),
            })
            .collect();
        let acts = sqlx::query(
            "SELECT t.id, u.name_zh, u.name_en, t.title, t.place, t.day, s.id, s.starts_minute, s.ends_minute, s.places, s.taken, a.status, a.minutes \
             FROM tb_activities t JOIN units u ON u.id = t.org_id JOIN tb_shifts s ON s.activity_id = t.id \
             JOIN tb_members m ON m.org_id = t.org_id AND m.resident_id = $1 AND m.status = 'approved' \
             LEFT JOIN tb_attendance a ON a.shift_id = s.id AND a.volunteer_id = $1 \
             WHERE t.day >= $2 OR a.status IN ('signed_in', 'signed_out') \
             ORDER BY t.day, s.starts_minute, t.id LIMIT 60",
        )
        .bind(me)
        .bind(day_str(today - chrono::Days::new(7)))
        .fetch_all(&mut *conn)
        .await
        .map_err(db)?;
        let mut activities: Vec<ActivityView> = vec![];
        for r in acts {
            let id: String = r.get(0);
            let day = day_of(&r.get::<String, _>(5))?;
            let mine = r
                .get::<Option<String>, _>(11)
                .as_deref()
                .and_then(AttendanceStatus::parse);
            if day < today && mine.is_none() {
                continue;
            }
            let shift = ShiftView {
                id: r.get(6),
                starts_minute: r.get(7),
                ends_minute: r.get(8),
                places: r.get(9),
                taken: r.get(10),
                mine,
                my_minutes: r.get::<Option<i64>, _>(12).unwrap_or(0),
            };
            match activities.iter_mut().find(|a| a.id == id) {
                Some(a) => a.shifts.push(shift),
                None => activities.push(ActivityView {
                    id,
                    org_zh: r.get(1),
                    org_en: r.get(2),
                    title: r.get(3),
                    place: r.get(4),
                    day,
                    shifts: vec![shift],
                }),
            }
        }
        let open_needs = self
            .need_views(
                &mut conn,
                me,
                "n.status = 'open' AND n.day >= $2 AND n.elder_id <> $1 AND n.payer_id <> $1 AND n.org_id IN \
                 (SELECT org_id FROM tb_members WHERE resident_id = $1 AND status = 'approved')",
                p,
            )
            .await?;
        let my_needs = self
            .need_views(
                &mut conn,
                me,
                "(n.elder_id = $1 OR n.payer_id = $1 OR n.volunteer_id = $1) AND (n.status IN ('open', 'taken') OR n.day >= $2)",
                p,
            )
            .await?;
        let mut people = vec![];
        let granted_tb = elders_of(self.db.pool(), me, Scope::TimeBank, today).await?;
        let granted_rec = elders_of(self.db.pool(), me, Scope::Records, today).await?;
        for (id, name) in self.family(&mut conn, me).await? {
            let may_post = granted_tb.iter().any(|(e, _, _)| *e == id);
            let may_see = may_post || granted_rec.iter().any(|(e, _, _)| *e == id);
            let balance = if may_see {
                Some(balance(&mut conn, &key(AccountKind::Resident, &id)).await?)
            } else {
                None
            };
            people.push(Person {
                id,
                name_masked: name,
                balance,
                may_post,
            });
        }
        let catalogue = sqlx::query(
            "SELECT id, name_zh, name_en, points, stock FROM tb_catalogue ORDER BY points, id",
        )
        .fetch_all(&mut *conn)
        .await
        .map_err(db)?
        .iter()
        .map(|r| CatalogueItem {
            id: r.get(0),
            name_zh: r.get(1),
            name_en: r.get(2),
            points: r.get(3),
            stock: r.get(4),
        })
        .collect();
        Ok(TimebankHome {
            real_name_bound: who.is_real_name_bound(),
            accounts,
            orgs,
            activities,
            open_needs,
            my_needs,
            people,
            catalogue,
            need_kinds: p
                .needs
                .iter()
                .map(|n| NeedKindView {
                    key: n.key.clone(),
                    name_zh: n.name_zh.clone(),
                    name_en: n.name_en.clone(),
                })
                .collect(),
            max_need_minutes: p.max_need_minutes,
            max_gift_minutes: p.max_gift_minutes,
            key: String::new(),
        })
    }

    async fn join(&self, who: &Resident, org_id: &str) -> DeskResult<()> {
        if !who.is_real_name_bound() {
            return Err(refused("org", Refusal::RealNameRequired));
        }
        let mut tx = self.db.begin_write().await.map_err(db)?;
        self.org_district(&mut tx, org_id)
            .await?
            .ok_or_else(|| refused("org", Refusal::NoSuchOrg))?;
        let now = self.clock.now().timestamp();
        let fresh = sqlx::query(
            "INSERT INTO tb_members (org_id, resident_id, status, created_at) VALUES ($1, $2, 'pending', $3) \
             ON CONFLICT (org_id, resident_id) DO UPDATE SET status = 'pending', created_at = excluded.created_at \
             WHERE tb_members.status = 'declined'",
        )
        .bind(org_id)
        .bind(who.id())
        .bind(now)
        .execute(&mut *tx)
        .await
        .map_err(db)?
        .rows_affected();
        if fresh != 1 {
            return Err(refused("org", Refusal::AlreadyMember));
        }
        member_affair(&mut tx, org_id, who.id(), "member_pending", now).await?;
        tx.commit().await.map_err(db)
    }

    async fn take_shift(&self, who: &Resident, shift_id: &str) -> DeskResult<()> {
        let mut tx = self.db.begin_write().await.map_err(db)?;
        let row = sqlx::query(
            "SELECT t.org_id, t.day FROM tb_shifts s JOIN tb_activities t ON t.id = s.activity_id WHERE s.id = $1",
        )
        .bind(shift_id)
        .fetch_optional(&mut *tx)
        .await
        .map_err(db)?
        .ok_or_else(|| refused("shift", Refusal::NoSuchShift))?;
        let (org, day): (String, String) = (row.get(0), row.get(1));
        if self.member_status(&mut tx, &org, who.id()).await? != Some(MemberStatus::Approved) {
            return Err(refused("shift", Refusal::NotVolunteer));
        }
        if day_of(&day)? < self.clock.today() {
            return Err(refused("shift", Refusal::NotToday));
        }
        let inserted = sqlx::query(
            "INSERT INTO tb_attendance (id, shift_id, volunteer_id, status, created_at) VALUES ($1, $2, $3, 'taken', $4) \
             ON CONFLICT (shift_id, volunteer_id) DO NOTHING",
        )
        .bind(new_id())
        .bind(shift_id)
        .bind(who.id())
        .bind(self.clock.now().timestamp())
        .execute(&mut *tx)
        .await
        .map_err(db)?
        .rows_affected();
        if inserted != 1 {
            return Err(refused("shift", Refusal::AlreadyOnShift));
        }
        let took =
            sqlx::query("UPDATE tb_shifts SET taken = taken + 1 WHERE id = $1 AND taken < places")
                .bind(shift_id)
                .execute(&mut *tx)
                .await
                .map_err(db)?
                .rows_affected();
        if took != 1 {
            return Err(refused("shift", Refusal::ShiftFull));
        }
        tx.commit().await.map_err(db)
    }

    async fn sign(&self, who: &Resident, shift_id: &str, code: &str, out: bool) -> DeskResult<()> {
        let mut tx = self.db.begin_write().await.map_err(db)?;
        let row = sqlx::query(
            "SELECT s.sign_code, t.day, s.starts_minute, s.ends_minute, a.status, a.signed_in_at, a.id \
             FROM tb_shifts s JOIN tb_activities t ON t.id = s.activity_id \
             JOIN tb_attendance a ON a.shift_id = s.id AND a.volunteer_id = $2 WHERE s.id = $1",
        )
        .bind(shift_id)
        .bind(who.id())
        .fetch_optional(&mut *tx)
        .await
        .map_err(db)?
        .ok_or_else(|| refused("shift", Refusal::NoSuchShift))?;
        if day_of(&row.get::<String, _>(1))? != self.clock.today() {
            return Err(refused("code", Refusal::NotToday));
        }
        let expected: String = row.get(0);
        if code.trim() != expected {
            return Err(refused("code", Refusal::WrongCode));
        }
        let now = self.clock.now().timestamp();
        let id: String = row.get(6);
        let changed = if out {
            let Some(signed_in) = row.get::<Option<i64>, _>(5) else {
                return Err(refused("code", Refusal::NotSignedIn));
            };
            let length = row.get::<i64, _>(3) - row.get::<i64, _>(2);
            sqlx::query(
                "UPDATE tb_attendance SET status = 'signed_out', signed_out_at = $1, minutes = $2 WHERE id = $3 AND status = 'signed_in'",
            )
            .bind(now)
            .bind(proposed_minutes(signed_in, now, length))
            .bind(&id)
        } else {
            sqlx::query(
                "UPDATE tb_attendance SET status = 'signed_in', signed_in_at = $1 WHERE id = $2 AND status = 'taken'",
            )
            .bind(now)
            .bind(&id)
        }
        .execute(&mut *tx)
        .await
        .map_err(db)?
        .rows_affected();
        if changed != 1 {
            return Err(refused("code", Refusal::NotSignedIn));
        }
        tx.commit().await.map_err(db)
    }

    async fn post_need(&self, who: &Resident, need: &NewNeed, key_: &str) -> DeskResult<String> {
        let owner = format!("timebank:{}", who.id());
        if let Some(id) = idempotency::seen(self.db.pool(), &owner, key_).await? {
            return Ok(id);
        }
        let now = self.clock.now();
        let today = self.clock.today();
        if need.day < today || need.day > today + chrono::Days::new(60) {
            return Err(refused("day", Refusal::DayInvalid));
        }
        let mut tx = self.db.begin_write().await.map_err(db)?;
        if let idempotency::Claim::Seen(outcome) =
            idempotency::claim(&mut tx, &owner, key_, now.timestamp()).await?
        {
            return outcome.ok_or_else(|| AppError::BadRequest.into());
        }
        acting_for(
            &mut tx,
            who.id(),
            &need.elder_id,
            Scope::TimeBank,
            today,
            "elder",
        )
        .await?;
        let p = self.policy_of(&mut tx, &need.org_id).await?;
        if p.need(&need.kind).is_none() {
            return Err(refused("kind", Refusal::NeedKindUnknown));
        }
        if need.minutes <= 0 || need.minutes > p.max_need_minutes {
            return Err(refused("hours", Refusal::MinutesInvalid));
        }
        let id = new_id();
        sqlx::query(
            "INSERT INTO tb_needs (id, elder_id, payer_id, org_id, kind, day, minutes, note, status, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'open', $9, $9)",
        )
        .bind(&id)
        .bind(&need.elder_id)
        .bind(who.id())
        .bind(&need.org_id)
        .bind(&need.kind)
        .bind(day_str(need.day))
        .bind(need.minutes)
        .bind(&need.note)
        .bind(now.timestamp())
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        let reason = p
            .need(&need.kind)
            .map(|k| k.name_zh.clone())
            .unwrap_or_default();
        let hold = posting(
            Posting::transfer(
                key(AccountKind::Resident, who.id()),
                key(AccountKind::Hold, &id),
                need.minutes,
            ),
            "hours",
        )?;
        post_or(
            &mut tx,
            &hold,
            TxMeta {
                kind: TxKind::NeedHeld,
                reason: &reason,
                reverses: None,
                actor: who.id(),
                org: None,
            },
            now,
            "hours",
            Refusal::Insufficient,
        )
        .await?;
        need_affairs(&mut tx, &id, now.timestamp()).await?;
        idempotency::record(&mut tx, &owner, key_, &id).await?;
        tx.commit().await.map_err(db)?;
        Ok(id)
    }

    async fn take_need(&self, who: &Resident, need_id: &str) -> DeskResult<()> {
        let mut tx = self.db.begin_write().await.map_err(db)?;
        let row = sqlx::query(
            "SELECT org_id, elder_id, payer_id, status, day FROM tb_needs WHERE id = $1",
        )
        .bind(need_id)
        .fetch_optional(&mut *tx)
        .await
        .map_err(db)?
        .ok_or_else(|| refused("need", Refusal::NoSuchNeed))?;
        let (org, elder, payer): (String, String, String) = (row.get(0), row.get(1), row.get(2));
        if self.member_status(&mut tx, &org, who.id()).await? != Some(MemberStatus::Approved) {
            return Err(refused("need", Refusal::NotVolunteer));
        }
        if elder == who.id() || payer == who.id() {
            return Err(refused("need", Refusal::OwnNeed));
        }
        let took = sqlx::query(
            "UPDATE tb_needs SET status = 'taken', volunteer_id = $1, updated_at = $2 WHERE id = $3 AND status = 'open'",
        )
        .bind(who.id())
        .bind(self.clock.now().timestamp())
        .bind(need_id)
        .execute(&mut *tx)
        .await
        .map_err(db)?
        .rows_affected();
        if took != 1 {
            return Err(refused("need", Refusal::NeedNotOpen));
        }
        let now = self.clock.now().timestamp();
        for to in [&elder, &payer] {
            insert_message(&mut tx, to, "timebank_need_taken", &[], now).await?;
            if elder == payer {
                break;
            }
        }
        need_affairs(&mut tx, need_id, now).await?;
        tx.commit().await.map_err(db)
    }

    async fn close_need(
        &self,
        who: &Resident,
        need_id: &str,
        done: bool,
        key_: &str,
    ) -> DeskResult<()> {
        let owner = format!("timebank:{}", who.id());
        if idempotency::seen(self.db.pool(), &owner, key_)
            .await?
            .is_some()
        {
            return Ok(());
        }
        let now = self.clock.now();
        let mut tx = self.db.begin_write().await.map_err(db)?;
        if let idempotency::Claim::Seen(_) =
            idempotency::claim(&mut tx, &owner, key_, now.timestamp()).await?
        {
            return Ok(());
        }
        let row = sqlx::query("SELECT org_id, elder_id, payer_id, status, volunteer_id, minutes, kind FROM tb_needs WHERE id = $1")
            .bind(need_id)
            .fetch_optional(&mut *tx)
            .await
            .map_err(db)?
            .ok_or_else(|| refused("need", Refusal::NoSuchNeed))?;
        let (org, elder, payer): (String, String, String) = (row.get(0), row.get(1), row.get(2));
        if elder != who.id() && payer != who.id() {
            return Err(refused("need", Refusal::NoSuchNeed));
        }
        let (from, to) = if done {
            ("taken", "done")
        } else {
            ("open", "cancelled")
        };
        let changed = sqlx::query(
            "UPDATE tb_needs SET status = $1, updated_at = $2 WHERE id = $3 AND status = $4",
        )
        .bind(to)
        .bind(now.timestamp())
        .bind(need_id)
        .bind(from)
        .execute(&mut *tx)
        .await
        .map_err(db)?
        .rows_affected();
        if changed != 1 {
            return Err(refused(
                "need",
                if done {
                    Refusal::NeedNotTaken
                } else {
                    Refusal::NeedNotOpen
                },
            ));
        }
        let minutes: i64 = row.get(5);
        let p = self.policy_of(&mut tx, &org).await?;
        let reason = p
            .need(&row.get::<String, _>(6))
            .map(|k| k.name_zh.clone())
            .unwrap_or_default();
        let hold = key(AccountKind::Hold, need_id);
        if done {
            let volunteer: String = row
                .get::<Option<String>, _>(4)
                .ok_or_else(|| internal("volunteer"))?;
            let cap = p.storage_cap_minutes;
            self.bank_for(
                &mut tx,
                hold,
                &volunteer,
                &org,
                minutes,
                cap,
                TxMeta {
                    kind: TxKind::NeedPaid,
                    reason: &reason,
                    reverses: None,
                    actor: who.id(),
                    org: None,
                },
            )
            .await?;
        } else {
            let p = posting(
                Posting::transfer(hold, key(AccountKind::Resident, &payer), minutes),
                "need",
            )?;
            post_or(
                &mut tx,
                &p,
                TxMeta {
                    kind: TxKind::NeedRefunded,
                    reason: &reason,
                    reverses: None,
                    actor: who.id(),
                    org: None,
                },
                now,
                "need",
                Refusal::Insufficient,
            )
            .await?;
        }
        need_affairs(&mut tx, need_id, now.timestamp()).await?;
        idempotency::record(&mut tx, &owner, key_, need_id).await?;
        tx.commit().await.map_err(db)
    }

    async fn give(&self, who: &Resident, to: &str, minutes: i64, key_: &str) -> DeskResult<()> {
        let p = self.default_policy()?;
        if minutes <= 0 || minutes > p.max_gift_minutes {
            return Err(refused("gift_hours", Refusal::MinutesInvalid));
        }
        let owner = format!("timebank:{}", who.id());
        if idempotency::seen(self.db.pool(), &owner, key_)
            .await?
            .is_some()
        {
            return Ok(());
        }
        let now = self.clock.now();
        let mut tx = self.db.begin_write().await.map_err(db)?;
        if let idempotency::Claim::Seen(_) =
            idempotency::claim(&mut tx, &owner, key_, now.timestamp()).await?
        {
            return Ok(());
        }
        if !self
            .family(&mut tx, who.id())
            .await?
            .iter()
            .any(|(id, _)| id == to)
        {
            return Err(refused("to", Refusal::NotFamily));
        }
        lock_subject(&mut tx, "timebank", to).await?;
        let receiver = key(AccountKind::Resident, to);
        if balance(&mut tx, &receiver).await? + minutes > p.storage_cap_minutes {
            return Err(refused("gift_hours", Refusal::OverCap));
        }
        let posting_ = posting(
            Posting::transfer(key(AccountKind::Resident, who.id()), receiver, minutes),
            "gift_hours",
        )?;
        let tx_id = post_or(
            &mut tx,
            &posting_,
            TxMeta {
                kind: TxKind::Gift,
                reason: "",
                reverses: None,
                actor: who.id(),
                org: None,
            },
            now,
            "gift_hours",
            Refusal::Insufficient,
        )
        .await?;
        let m = minutes.to_string();
        insert_message(
            &mut tx,
            to,
            "timebank_gift",
            &[("minutes", &m)],
            now.timestamp(),
        )
        .await?;
        idempotency::record(&mut tx, &owner, key_, &tx_id).await?;
        tx.commit().await.map_err(db)
    }

    async fn donate(
        &self,
        who: &Resident,
        org_id: &str,
        minutes: i64,
        key_: &str,
    ) -> DeskResult<()> {
        if minutes <= 0 || minutes > 1_000_000 {
            return Err(refused("donation_hours", Refusal::MinutesInvalid));
        }
        let owner = format!("timebank:{}", who.id());
        if idempotency::seen(self.db.pool(), &owner, key_)
            .await?
            .is_some()
        {
            return Ok(());
        }
        let now = self.clock.now();
        let mut tx = self.db.begin_write().await.map_err(db)?;
        if let idempotency::Claim::Seen(_) =
            idempotency::claim(&mut tx, &owner, key_, now.timestamp()).await?
        {
            return Ok(());
        }
        self.org_district(&mut tx, org_id)
            .await?
            .ok_or_else(|| refused("org", Refusal::NoSuchOrg))?;
        let p = posting(
            Posting::transfer(
                key(AccountKind::Resident, who.id()),
                key(AccountKind::Fund, org_id),
                minutes,
            ),
            "donation_hours",
        )?;
        let tx_id = post_or(
            &mut tx,
            &p,
            TxMeta {
                kind: TxKind::Donation,
                reason: "",
                reverses: None,
                actor: who.id(),
                org: Some(org_id),
            },
            now,
            "donation_hours",
            Refusal::Insufficient,
        )
        .await?;
        idempotency::record(&mut tx, &owner, key_, &tx_id).await?;
        tx.commit().await.map_err(db)
    }

    async fn redeem(&self, who: &Resident, item_id: &str, key_: &str) -> DeskResult<()> {
        let owner = format!("timebank:{}", who.id());
        if idempotency::seen(self.db.pool(), &owner, key_)
            .await?
            .is_some()
        {
            return Ok(());
        }
        let now = self.clock.now();
        let mut tx = self.db.begin_write().await.map_err(db)?;
        if let idempotency::Claim::Seen(_) =
            idempotency::claim(&mut tx, &owner, key_, now.timestamp()).await?
        {
            return Ok(());
        }
        let row = sqlx::query("SELECT org_id, name_zh, points FROM tb_catalogue WHERE id = $1")
            .bind(item_id)
            .fetch_optional(&mut *tx)
            .await
            .map_err(db)?
            .ok_or_else(|| refused("item", Refusal::NoSuchItem))?;
        let (org, name, points): (String, String, i64) = (row.get(0), row.get(1), row.get(2));
        let sold =
            sqlx::query("UPDATE tb_catalogue SET stock = stock - 1 WHERE id = $1 AND stock > 0")
                .bind(item_id)
                .execute(&mut *tx)
                .await
                .map_err(db)?
                .rows_affected();
        if sold != 1 {
            return Err(refused("item", Refusal::OutOfStock));
        }
        let p = posting(
            Posting::transfer(
                key(AccountKind::Points, who.id()),
                key(AccountKind::PointsIssuer, &org),
                points,
            ),
            "item",
        )?;
        let tx_id = post_or(
            &mut tx,
            &p,
            TxMeta {
                kind: TxKind::Redemption,
                reason: &name,
                reverses: None,
                actor: who.id(),
                org: Some(&org),
            },
            now,
            "item",
            Refusal::NotEnoughPoints,
        )
        .await?;
        idempotency::record(&mut tx, &owner, key_, &tx_id).await?;
        tx.commit().await.map_err(db)
    }

    async fn statement(&self, who: &Resident, owner: &str, points: bool) -> DeskResult<Statement> {
        if !self.may_see(who.id(), owner).await? {
            return Err(AppError::NotFound.into());
        }
        let mut conn = self.db.pool().acquire().await.map_err(db)?;
        let k = key(
            if points {
                AccountKind::Points
            } else {
                AccountKind::Resident
            },
            owner,
        );
        let id = account_id(&k);
        let rows = sqlx::query(
            "SELECT e.tx_id, t.created_at, t.kind, e.amount, e.balance_after, t.reason, \
               (SELECT MIN(o.account_id) FROM tb_entries o WHERE o.tx_id = e.tx_id AND o.account_id <> e.account_id) \
             FROM tb_entries e JOIN tb_transactions t ON t.id = e.tx_id WHERE e.account_id = $1 ORDER BY e.version DESC LIMIT 500",
        )
        .bind(&id)
        .fetch_all(&mut *conn)
        .await
        .map_err(db)?;
        let mut names = std::collections::HashMap::new();
        let mut lines = vec![];
        for r in rows {
            let other: Option<String> = r.get(6);
            let (okind, oowner) = other
                .as_deref()
                .and_then(|o| o.split_once(':'))
                .map(|(a, b)| (a.to_owned(), b.to_owned()))
                .unwrap_or_default();
            if !oowner.is_empty() && !names.contains_key(&oowner) {
                let n: Option<String> = if okind == "resident" || okind == "points" {
                    sqlx::query_scalar("SELECT real_name FROM residents WHERE id = $1")
                        .bind(&oowner)
                        .fetch_optional(&mut *conn)
                        .await
                        .map_err(db)?
                        .flatten()
                        .map(|n: String| mask_name(&n))
                } else {
                    sqlx::query_scalar("SELECT name_zh FROM units WHERE id = $1")
                        .bind(&oowner)
                        .fetch_optional(&mut *conn)
                        .await
                        .map_err(db)?
                };
                names.insert(oowner.clone(), n.unwrap_or_default());
            }
            lines.push(StatementLine {
                tx_id: r.get(0),
                at: r.get(1),
                kind: TxKind::parse(&r.get::<String, _>(2)).unwrap_or(TxKind::Reversal),
                amount: r.get(3),
                balance_after: r.get(4),
                counterpart: owner_label(&okind, &oowner, &names),
                reason: r.get(5),
            });
        }
        let owner_name: Option<String> =
            sqlx::query_scalar("SELECT real_name FROM residents WHERE id = $1")
                .bind(owner)
                .fetch_optional(&mut *conn)
                .await
                .map_err(db)?
                .flatten();
        Ok(Statement {
            owner_masked: mask_name(&owner_name.unwrap_or_default()),
            points,
            balance: balance(&mut conn, &k).await?,
            lines,
        })
    }

    async fn issue_record(&self, who: &Resident) -> DeskResult<String> {
        if !who.is_real_name_bound() {
            return Err(refused("record", Refusal::RealNameRequired));
        }
        let mut tx = self.db.begin_write().await.map_err(db)?;
        let rows = sqlx::query(
            "SELECT u.name_zh, u.name_en FROM tb_attendance a JOIN tb_shifts s ON s.id = a.shift_id \
             JOIN tb_activities t ON t.id = s.activity_id JOIN units u ON u.id = t.org_id \
             WHERE a.volunteer_id = $1 AND a.status = 'verified' \
             AND a.tx_id NOT IN (SELECT reverses FROM tb_transactions WHERE reverses IS NOT NULL) \
             GROUP BY u.name_zh, u.name_en ORDER BY u.name_zh",
        )
        .bind(who.id())
        .fetch_all(&mut *tx)
        .await
        .map_err(db)?;
        let total: i64 = sqlx::query_scalar("SELECT served_minutes FROM tb_accounts WHERE id = $1")
            .bind(account_id(&key(AccountKind::Resident, who.id())))
            .fetch_optional(&mut *tx)
            .await
            .map_err(db)?
            .unwrap_or(0);
        if total <= 0 || rows.is_empty() {
            return Err(refused("record", Refusal::NothingServed));
        }
        let zh: Vec<String> = rows.iter().map(|r| r.get(0)).collect();
        let en: Vec<String> = rows.iter().map(|r| r.get(1)).collect();
        // The period the record covers: the first and last day of the verified service.
        let period = sqlx::query(
            "SELECT MIN(t.day), MAX(t.day) FROM tb_attendance a JOIN tb_shifts s ON s.id = a.shift_id \
             JOIN tb_activities t ON t.id = s.activity_id \
             WHERE a.volunteer_id = $1 AND a.status = 'verified' \
             AND a.tx_id NOT IN (SELECT reverses FROM tb_transactions WHERE reverses IS NOT NULL)",
        )
        .bind(who.id())
        .fetch_one(&mut *tx)
        .await
        .map_err(db)?;
        let (from, to): (Option<String>, Option<String>) = (period.get(0), period.get(1));
        let code: String = {
            const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
            let mut rng = rand::thread_rng();
            (0..12)
                .map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char)
                .collect()
        };
        sqlx::query(
            "INSERT INTO tb_records (code, resident_id, name_masked, orgs_zh, orgs_en, minutes, issued_at, period_from, period_to) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(&code)
        .bind(who.id())
        .bind(mask_name(who.view().real_name.as_deref().unwrap_or_default()))
        .bind(zh.join("、"))
        .bind(en.join(", "))
        .bind(total)
        .bind(self.clock.now().timestamp())
        .bind(from)
        .bind(to)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        tx.commit().await.map_err(db)?;
        Ok(code)
    }

    async fn record_document(&self, who: &Resident, code: &str) -> DeskResult<RecordDocument> {
        let code = code.trim().to_ascii_uppercase();
        if code.len() != 12 || !code.chars().all(|c| c.is_ascii_alphanumeric()) {
            return Err(AppError::NotFound.into());
        }
        // The owner's only: another resident's code is not found, as if it did not exist.
        let row = sqlx::query(
            "SELECT r.code, s.real_name, r.orgs_zh, r.minutes, r.period_from, r.period_to, r.issued_at \
             FROM tb_records r JOIN residents s ON s.id = r.resident_id WHERE r.code = $1 AND r.resident_id = $2",
        )
        .bind(&code)
        .bind(who.id())
        .fetch_optional(self.db.pool())
        .await
        .map_err(db)?
        .ok_or(AppError::NotFound)?;
        let day = |s: Option<String>| s.as_deref().map(day_of).transpose();
        let period = day(row.get(4))?.zip(day(row.get(5))?);
        Ok(RecordDocument {
            code: row.get(0),
            name: row.get::<Option<String>, _>(1).unwrap_or_default(),
            orgs_zh: row.get(2),
            minutes: row.get(3),
            period,
            issued_at: row.get(6),
        })
    }

    async fn public_record(&self, code: &str) -> DeskResult<PublicRecord> {
        let code = code.trim().to_ascii_uppercase();
        if code.len() != 12 || !code.chars().all(|c| c.is_ascii_alphanumeric()) {
            return Err(refused("code", Refusal::NoSuchRecord));
        }
        let row = sqlx::query("SELECT code, name_masked, orgs_zh, orgs_en, minutes, issued_at FROM tb_records WHERE code = $1")
            .bind(&code)
            .fetch_optional(self.db.pool())
            .await
            .map_err(db)?
            .ok_or_else(|| refused("code", Refusal::NoSuchRecord))?;
        Ok(PublicRecord {
            code: row.get(0),
            name_masked: row.get(1),
            orgs_zh: row.get(2),
            orgs_en: row.get(3),
            minutes: row.get(4),
            issued_at: row.get(5),
        })
    }

    async fn org_desk(&self, staff: &Staff) -> DeskResult<OrgDesk> {
        let mut tx = self.db.begin_write().await.map_err(db)?;
        let org = self.org_of(&mut tx, staff).await?;
        let p = self.policy_of(&mut tx, &org).await?;
        let (org_zh, org_en): (String, String) = {
            let r = sqlx::query("SELECT name_zh, name_en FROM units WHERE id = $1")
                .bind(&org)
                .fetch_one(&mut *tx)
                .await
                .map_err(db)?;
            (r.get(0), r.get(1))
        };
        let today = self.clock.today();
        let shifts = sqlx::query(
            "SELECT s.id, t.title, t.day, s.starts_minute, s.ends_minute, s.places, s.taken, s.sign_code \
             FROM tb_shifts s JOIN tb_activities t ON t.id = s.activity_id WHERE t.org_id = $1 AND t.day >= $2 \
             ORDER BY t.day, s.starts_minute LIMIT 40",
        )
        .bind(&org)
        .bind(day_str(today - chrono::Days::new(14)))
        .fetch_all(&mut *tx)
        .await
        .map_err(db)?
        .iter()
        .map(|r| {
            Ok(StaffShift {
                id: r.get(0),
                activity: r.get(1),
                day: day_of(&r.get::<String, _>(2))?,
                starts_minute: r.get(3),
                ends_minute: r.get(4),
                places: r.get(5),
                taken: r.get(6),
                sign_code: r.get(7),
            })
        })
        .collect::<DeskResult<Vec<_>>>()?;
        let activities = sqlx::query(
            "SELECT t.id, t.title, t.day, COUNT(a.id) FROM tb_activities t JOIN tb_shifts s ON s.activity_id = t.id \
             JOIN tb_attendance a ON a.shift_id = s.id AND a.status = 'signed_out' \
             WHERE t.org_id = $1 GROUP BY t.id, t.title, t.day ORDER BY t.day, t.id LIMIT 40",
        )
        .bind(&org)
        .fetch_all(&mut *tx)
        .await
        .map_err(db)?
        .iter()
        .map(|r| {
            Ok(StaffActivity {
                id: r.get(0),
                title: r.get(1),
                day: day_of(&r.get::<String, _>(2))?,
                waiting: r.get(3),
            })
        })
        .collect::<DeskResult<Vec<_>>>()?;
        let attendance = sqlx::query(
            "SELECT a.id, t.title, t.day, a.shift_id, r.real_name, a.status, a.minutes, a.tx_id, \
               (SELECT COUNT(*) FROM tb_transactions x WHERE x.reverses = a.tx_id), s.ends_minute - s.starts_minute \
             FROM tb_attendance a JOIN tb_shifts s ON s.id = a.shift_id JOIN tb_activities t ON t.id = s.activity_id \
             JOIN residents r ON r.id = a.volunteer_id WHERE t.org_id = $1 AND (a.status IN ('signed_in', 'signed_out') OR t.day >= $2) \
             ORDER BY CASE a.status WHEN 'signed_out' THEN 0 WHEN 'signed_in' THEN 1 ELSE 2 END, t.day DESC, a.created_at LIMIT 200",
        )
        .bind(&org)
        .bind(day_str(today - chrono::Days::new(31)))
        .fetch_all(&mut *tx)
        .await
        .map_err(db)?
        .iter()
        .map(|r| {
            let day = day_of(&r.get::<String, _>(2))?;
            let status = AttendanceStatus::parse(&r.get::<String, _>(5)).ok_or_else(|| internal("status"))?;
            Ok(StaffAttendance {
                id: r.get(0),
                activity: r.get(1),
                day,
                shift_id: r.get(3),
                volunteer_masked: mask_name(&r.get::<Option<String>, _>(4).unwrap_or_default()),
                status,
                minutes: r.get(6),
                tx_id: r.get(7),
                reversed: r.get::<i64, _>(8) > 0,
                shift_minutes: r.get(9),
                recordable: day <= today
                    && matches!(status, AttendanceStatus::Taken | AttendanceStatus::SignedIn),
            })
        })
        .collect::<DeskResult<Vec<_>>>()?;
        let volunteers = sqlx::query(
            "SELECT m.resident_id, r.real_name, m.status, COALESCE(a.served_minutes, 0) FROM tb_members m \
             JOIN residents r ON r.id = m.resident_id LEFT JOIN tb_accounts a ON a.id = ('resident:' || m.resident_id) \
             WHERE m.org_id = $1 AND m.status <> 'declined' ORDER BY CASE m.status WHEN 'pending' THEN 0 ELSE 1 END, m.created_at LIMIT 500",
        )
        .bind(&org)
        .fetch_all(&mut *tx)
        .await
        .map_err(db)?
        .iter()
        .map(|r| {
            let served: i64 = r.get(3);
            Volunteer {
                id: r.get(0),
                name_masked: mask_name(&r.get::<Option<String>, _>(1).unwrap_or_default()),
                status: MemberStatus::parse(&r.get::<String, _>(2)).unwrap_or(MemberStatus::Pending),
                served,
                stars: stars(served, &p.stars).stars,
            }
        })
        .collect();
        // Verified minutes per month of the last six months (issuance net of reversals).
        let first = NaiveDate::from_ymd_opt(today.year(), today.month(), 1)
            .ok_or_else(|| internal("month"))?;
        let start = first - chrono::Months::new(5);
        let since = start
            .and_hms_opt(0, 0, 0)
            .map(|t| t.and_utc().timestamp() - 8 * 3600)
            .unwrap_or(0);
        let issued = sqlx::query(
            "SELECT t.created_at, e.amount FROM tb_entries e JOIN tb_transactions t ON t.id = e.tx_id \
             WHERE e.account_id = $1 AND t.created_at >= $2",
        )
        .bind(account_id(&key(AccountKind::Issuer, &org)))
        .bind(since)
        .fetch_all(&mut *tx)
        .await
        .map_err(db)?;
        let mut months: Vec<(String, i64)> = (0..6)
            .map(|i| {
                (
                    (start + chrono::Months::new(i)).format("%Y-%m").to_string(),
                    0,
                )
            })
            .collect();
        for r in issued {
            let at = chrono::DateTime::from_timestamp(r.get::<i64, _>(0), 0).unwrap_or_default();
            let m = at
                .with_timezone(&app::rules::clock::shanghai())
                .format("%Y-%m")
                .to_string();
            if let Some(slot) = months.iter_mut().find(|(k, _)| *k == m) {
                slot.1 -= r.get::<i64, _>(1);
            }
        }
        let this_month = months.last().map_or(0, |m| m.1);
        let fund = balance(&mut tx, &key(AccountKind::Fund, &org)).await?;
        audit(
            &mut tx,
            self.clock.now(),
            AuditActor::from(staff),
            "timebank.desk",
            &org,
        )
        .await?;
        tx.commit().await.map_err(db)?;
        Ok(OrgDesk {
            org_zh,
            org_en,
            fund,
            shifts,
            activities,
            attendance,
            volunteers,
            months,
            this_month,
            key: String::new(),
        })
    }

    async fn decide_member(
        &self,
        staff: &Staff,
        resident_id: &str,
        approve: bool,
    ) -> DeskResult<()> {
        let mut tx = self.db.begin_write().await.map_err(db)?;
        let org = self.org_of(&mut tx, staff).await?;
        let now = self.clock.now();
        let changed = sqlx::query(
            "UPDATE tb_members SET status = $1, decided_at = $2 WHERE org_id = $3 AND resident_id = $4 AND status = 'pending'",
        )
        .bind(if approve { "approved" } else { "declined" })
        .bind(now.timestamp())
        .bind(&org)
        .bind(resident_id)
        .execute(&mut *tx)
        .await
        .map_err(db)?
        .rows_affected();
        if changed != 1 {
            return Err(refused("member", Refusal::NoSuchMember));
        }
        insert_message(
            &mut tx,
            resident_id,
            "timebank_member",
            &[],
            now.timestamp(),
        )
        .await?;
        let status = if approve {
            "member_approved"
        } else {
            "member_declined"
        };
        member_affair(&mut tx, &org, resident_id, status, now.timestamp()).await?;
        audit(
            &mut tx,
            now,
            AuditActor::from(staff),
            if approve {
                "timebank.member.approve"
            } else {
                "timebank.member.decline"
            },
            resident_id,
        )
        .await?;
        tx.commit().await.map_err(db)
    }

    async fn add_activity(&self, staff: &Staff, a: &NewActivity) -> DeskResult<String> {
        let today = self.clock.today();
        if a.day < today || a.day > today + chrono::Days::new(120) {
            return Err(refused("day", Refusal::DayInvalid));
        }
        let mut tx = self.db.begin_write().await.map_err(db)?;
        let org = self.org_of(&mut tx, staff).await?;
        let id = new_id();
        let now = self.clock.now();
        sqlx::query("INSERT INTO tb_activities (id, org_id, title, place, day, created_at) VALUES ($1, $2, $3, $4, $5, $6)")
            .bind(&id)
            .bind(&org)
            .bind(&a.title)
            .bind(&a.place)
            .bind(day_str(a.day))
            .bind(now.timestamp())
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        let code = format!("{:04}", rand::thread_rng().gen_range(0..10_000));
        sqlx::query(
            "INSERT INTO tb_shifts (id, activity_id, starts_minute, ends_minute, places, sign_code) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(new_id())
        .bind(&id)
        .bind(a.starts_minute)
        .bind(a.ends_minute)
        .bind(a.places)
        .bind(&code)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        audit(
            &mut tx,
            now,
            AuditActor::from(staff),
            "timebank.activity.add",
            &id,
        )
        .await?;
        tx.commit().await.map_err(db)?;
        Ok(id)
    }

    async fn verify(&self, staff: &Staff, attendance_id: &str, approve: bool) -> DeskResult<()> {
        let mut tx = self.db.begin_write().await.map_err(db)?;
        let org = self.org_of(&mut tx, staff).await?;
        let (_, status, _, _) = self.attendance_of(&mut tx, attendance_id, &org).await?;
        match (status, approve) {
            (AttendanceStatus::Verified, true) | (AttendanceStatus::Rejected, false) => {
                return Ok(())
            }
            (AttendanceStatus::Verified | AttendanceStatus::Rejected, _) => {
                return Err(refused("attendance", Refusal::AlreadyDecided))
            }
            (AttendanceStatus::SignedOut, _) => {}
            _ => return Err(refused("attendance", Refusal::NotSignedIn)),
        }
        if approve {
            self.verify_in(&mut tx, staff, &org, attendance_id).await?;
        } else {
            sqlx::query("UPDATE tb_attendance SET status = 'rejected', decided_by = $1 WHERE id = $2 AND status = 'signed_out'")
                .bind(staff.id())
                .bind(attendance_id)
                .execute(&mut *tx)
                .await
                .map_err(db)?;
            audit(
                &mut tx,
                self.clock.now(),
                AuditActor::from(staff),
                "timebank.reject",
                attendance_id,
            )
            .await?;
        }
        tx.commit().await.map_err(db)
    }

    async fn record(&self, staff: &Staff, attendance_id: &str, minutes: i64) -> DeskResult<()> {
        let mut tx = self.db.begin_write().await.map_err(db)?;
        let org = self.org_of(&mut tx, staff).await?;
        let row = sqlx::query(
            "SELECT a.status, t.day, s.ends_minute - s.starts_minute FROM tb_attendance a \
             JOIN tb_shifts s ON s.id = a.shift_id JOIN tb_activities t ON t.id = s.activity_id \
             WHERE a.id = $1 AND t.org_id = $2",
        )
        .bind(attendance_id)
        .bind(&org)
        .fetch_optional(&mut *tx)
        .await
        .map_err(db)?
        .ok_or_else(|| refused("attendance", Refusal::NoSuchAttendance))?;
        match AttendanceStatus::parse(&row.get::<String, _>(0)).ok_or_else(|| internal("status"))? {
            AttendanceStatus::Taken | AttendanceStatus::SignedIn => {}
            AttendanceStatus::SignedOut => {
                return Err(refused("attendance", Refusal::AlreadyRecorded))
            }
            _ => return Err(refused("attendance", Refusal::AlreadyDecided)),
        }
        if day_of(&row.get::<String, _>(1))? > self.clock.today() {
            return Err(refused("attendance", Refusal::NotHeldYet));
        }
        if minutes <= 0 || minutes > row.get::<i64, _>(2) {
            return Err(refused("hours", Refusal::MinutesInvalid));
        }
        let changed = sqlx::query(
            "UPDATE tb_attendance SET status = 'signed_out', signed_out_at = $1, minutes = $2 \
             WHERE id = $3 AND status IN ('taken', 'signed_in')",
        )
        .bind(self.clock.now().timestamp())
        .bind(minutes)
        .bind(attendance_id)
        .execute(&mut *tx)
        .await
        .map_err(db)?
        .rows_affected();
        if changed != 1 {
            return Err(refused("attendance", Refusal::AlreadyRecorded));
        }
        audit(
            &mut tx,
            self.clock.now(),
            AuditActor::from(staff),
            "timebank.attendance.record",
            attendance_id,
        )
        .await?;
        tx.commit().await.map_err(db)
    }

    async fn verify_shift(&self, staff: &Staff, shift_id: &str) -> DeskResult<u32> {
        self.verify_all(staff, "a.shift_id = $1", shift_id).await
    }

    async fn verify_activity(&self, staff: &Staff, activity_id: &str) -> DeskResult<u32> {
        self.verify_all(staff, "s.activity_id = $1", activity_id)
            .await
    }

    async fn reverse(
        &self,
        staff: &Staff,
        tx_id: &str,
        reason: &str,
        key_: &str,
    ) -> DeskResult<()> {
        if reason.trim().is_empty() {
            return Err(refused("reason", Refusal::ReasonRequired));
        }
        let owner = format!("timebank-staff:{}", staff.id());
        if idempotency::seen(self.db.pool(), &owner, key_)
            .await?
            .is_some()
        {
            return Ok(());
        }
        let now = self.clock.now();
        let mut tx = self.db.begin_write().await.map_err(db)?;
        let org = self.org_of(&mut tx, staff).await?;
        if let idempotency::Claim::Seen(_) =
            idempotency::claim(&mut tx, &owner, key_, now.timestamp()).await?
        {
            return Ok(());
        }
        let row = sqlx::query("SELECT kind, org_id FROM tb_transactions WHERE id = $1")
            .bind(tx_id)
            .fetch_optional(&mut *tx)
            .await
            .map_err(db)?
            .filter(|r| r.get::<Option<String>, _>(1).as_deref() == Some(org.as_str()))
            .ok_or_else(|| refused("tx", Refusal::NoSuchTransaction))?;
        let kind = TxKind::parse(&row.get::<String, _>(0)).ok_or_else(|| internal("kind"))?;
        if !matches!(kind, TxKind::Verified | TxKind::FundGrant) {
            return Err(refused("tx", Refusal::AlreadyReversed));
        }
        // A verification's minutes and its points go back together.
        let att = sqlx::query(
            "SELECT id, volunteer_id, minutes, points_tx_id FROM tb_attendance WHERE tx_id = $1",
        )
        .bind(tx_id)
        .fetch_optional(&mut *tx)
        .await
        .map_err(db)?;
        let mut targets = vec![tx_id.to_owned()];
        if let Some(p) = att.as_ref().and_then(|a| a.get::<Option<String>, _>(3)) {
            targets.push(p);
        }
        let actor = staff_actor(staff);
        for target in &targets {
            let legs = sqlx::query(
                "SELECT a.kind, a.owner, e.amount FROM tb_entries e JOIN tb_accounts a ON a.id = e.account_id WHERE e.tx_id = $1",
            )
            .bind(target)
            .fetch_all(&mut *tx)
            .await
            .map_err(db)?
            .iter()
            .map(|r| {
                Ok(app::timebank::ledger::Leg {
                    account: AccountKey::new(
                        AccountKind::parse(&r.get::<String, _>(0)).ok_or_else(|| internal("kind"))?,
                        &r.get::<String, _>(1),
                    ),
                    amount: r.get(2),
                })
            })
            .collect::<DeskResult<Vec<_>>>()?;
            let original =
                Posting::from_legs(legs).ok_or_else(|| internal("unbalanced transaction"))?;
            let reversal = original.reversal();
            let written = post(
                &mut tx,
                &reversal,
                TxMeta {
                    kind: TxKind::Reversal,
                    reason: reason.trim(),
                    reverses: Some(target),
                    actor: &actor,
                    org: Some(&org),
                },
                now,
            )
            .await;
            match written {
                Ok(_) => {}
                Err(PostError::Insufficient) => return Err(refused("tx", Refusal::CannotReverse)),
                Err(PostError::Failed(e)) => {
                    // The unique key on `reverses`: reversed already (by another tap or clerk).
                    let reversed: i64 = sqlx::query_scalar(
                        "SELECT COUNT(*) FROM tb_transactions WHERE reverses = $1",
                    )
                    .bind(target)
                    .fetch_one(self.db.pool())
                    .await
                    .map_err(db)?;
                    return Err(if reversed > 0 {
                        refused("tx", Refusal::AlreadyReversed)
                    } else {
                        e
                    });
                }
            }
        }
        let mut tell = None;
        if let Some(a) = &att {
            let volunteer: String = a.get(1);
            let minutes: i64 = a.get(2);
            sqlx::query(
                "UPDATE tb_accounts SET served_minutes = CASE WHEN served_minutes < $1 THEN 0 ELSE served_minutes - $1 END WHERE id = $2",
            )
            .bind(minutes)
            .bind(account_id(&key(AccountKind::Resident, &volunteer)))
            .execute(&mut *tx)
            .await
            .map_err(db)?;
            tell = Some(volunteer);
        } else {
            let to: Option<String> = sqlx::query_scalar(
                "SELECT a.owner FROM tb_entries e JOIN tb_accounts a ON a.id = e.account_id WHERE e.tx_id = $1 AND a.kind = 'resident'",
            )
            .bind(tx_id)
            .fetch_optional(&mut *tx)
            .await
            .map_err(db)?;
            tell = tell.or(to);
        }
        if let Some(r) = tell {
            insert_message(
                &mut tx,
                &r,
                "timebank_reversed",
                &[("reason", reason.trim())],
                now.timestamp(),
            )
            .await?;
        }
        audit(
            &mut tx,
            now,
            AuditActor::from(staff),
            "timebank.reverse",
            &format!("{tx_id} {}", reason.trim()),
        )
        .await?;
        idempotency::record(&mut tx, &owner, key_, tx_id).await?;
        tx.commit().await.map_err(db)
    }

    async fn fund_grant(
        &self,
        staff: &Staff,
        phone: &Phone,
        name: &str,
        minutes: i64,
        key_: &str,
    ) -> DeskResult<()> {
        let elder_id = bound_by_phone(&self.db, phone, name)
            .await?
            .ok_or_else(|| refused("phone", Refusal::NotPriority))?;
        let elder_id = elder_id.as_str();
        let owner = format!("timebank-staff:{}", staff.id());
        if idempotency::seen(self.db.pool(), &owner, key_)
            .await?
            .is_some()
        {
            return Ok(());
        }
        let now = self.clock.now();
        let today = self.clock.today();
        let mut tx = self.db.begin_write().await.map_err(db)?;
        let org = self.org_of(&mut tx, staff).await?;
        if let idempotency::Claim::Seen(_) =
            idempotency::claim(&mut tx, &owner, key_, now.timestamp()).await?
        {
            return Ok(());
        }
        let p = self.policy_of(&mut tx, &org).await?;
        if minutes <= 0 || minutes > p.max_gift_minutes {
            return Err(refused("hours", Refusal::MinutesInvalid));
        }
        let number: Option<Option<String>> =
            sqlx::query_scalar("SELECT id_number FROM residents WHERE id = $1")
                .bind(elder_id)
                .fetch_optional(&mut *tx)
                .await
                .map_err(db)?;
        let Some(Some(number)) = number else {
            return Err(refused("elder", Refusal::NotPriority));
        };
        let age = IdNumber::parse(&number, today)
            .map_err(|e| internal(format!("{e:?}")))?
            .age_on(today);
        let statuses = super::elders::live_statuses(&mut tx, elder_id).await?;
        if !is_priority(age, &statuses, &p.priority) {
            return Err(refused("elder", Refusal::NotPriority));
        }
        let cap = p.storage_cap_minutes;
        lock_subject(&mut tx, "timebank", elder_id).await?;
        let to = key(AccountKind::Resident, elder_id);
        if balance(&mut tx, &to).await? + minutes > cap {
            return Err(refused("hours", Refusal::OverCap));
        }
        let actor = staff_actor(staff);
        let posting_ = posting(
            Posting::transfer(key(AccountKind::Fund, &org), to, minutes),
            "hours",
        )?;
        let tx_id = post_or(
            &mut tx,
            &posting_,
            TxMeta {
                kind: TxKind::FundGrant,
                reason: "",
                reverses: None,
                actor: &actor,
                org: Some(&org),
            },
            now,
            "hours",
            Refusal::Insufficient,
        )
        .await?;
        let m = minutes.to_string();
        insert_message(
            &mut tx,
            elder_id,
            "timebank_gift",
            &[("minutes", &m)],
            now.timestamp(),
        )
        .await?;
        audit(
            &mut tx,
            now,
            AuditActor::from(staff),
            "timebank.fund_grant",
            &format!("{elder_id} {minutes}"),
        )
        .await?;
        idempotency::record(&mut tx, &owner, key_, &tx_id).await?;
        tx.commit().await.map_err(db)
    }
}

/// The resident a phone number belongs to, if real-name bound (the fund grant's form types the
/// elder's phone and name).
pub async fn bound_by_phone(db_: &Db, phone: &Phone, name: &str) -> DeskResult<Option<String>> {
    sqlx::query_scalar(
        "SELECT id FROM residents WHERE phone = $1 AND real_name = $2 AND id_number IS NOT NULL",
    )
    .bind(phone.as_str())
    .bind(name)
    .fetch_optional(db_.pool())
    .await
    .map_err(db)
}

/// Demo data: the organisation's district and join code, two activities over the coming week
/// with two shifts each, a points catalogue; a second organisation (for the cross-organisation
/// checks). Idempotent.
pub async fn load_demo(setup: &Setup, org: &str, other: &str) -> anyhow::Result<()> {
    let mut tx = setup.db.begin_write().await?;
    for o in [org, other] {
        sqlx::query("INSERT INTO tb_orgs (unit_id, district, join_code) VALUES ($1, 'haishu', 'AIXIN') ON CONFLICT (unit_id) DO NOTHING")
            .bind(o)
            .execute(&mut *tx)
            .await?;
    }
    let today = setup.clock.today();
    let now = setup.clock.now().timestamp();
    let has: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM tb_activities WHERE org_id = $1")
        .bind(org)
        .fetch_one(&mut *tx)
        .await?;
    if has == 0 {
        for (i, (title, place, ahead, shifts)) in [
            (
                "社区助老探访",
                "西门街道望春社区服务中心",
                0_u64,
                [(9 * 60, 11 * 60, 5_i64), (14 * 60, 16 * 60, 5)],
            ),
            (
                "助餐点帮厨送餐",
                "西门街道老年食堂",
                2,
                [(10 * 60, 12 * 60, 4), (16 * 60, 18 * 60, 4)],
            ),
        ]
        .into_iter()
        .enumerate()
        {
            let id = format!("demo-activity-{i}");
            sqlx::query("INSERT INTO tb_activities (id, org_id, title, place, day, created_at) VALUES ($1, $2, $3, $4, $5, $6)")
                .bind(&id)
                .bind(org)
                .bind(title)
                .bind(place)
                .bind(day_str(today + chrono::Days::new(ahead)))
                .bind(now)
                .execute(&mut *tx)
                .await?;
            for (j, (from, until, places)) in shifts.into_iter().enumerate() {
                sqlx::query(
                    "INSERT INTO tb_shifts (id, activity_id, starts_minute, ends_minute, places, sign_code) VALUES ($1, $2, $3, $4, $5, $6)",
                )
                .bind(format!("demo-shift-{i}-{j}"))
                .bind(&id)
                .bind(from)
                .bind(until)
                .bind(places)
                .bind(format!("{}", 2468 + i * 10 + j))
                .execute(&mut *tx)
                .await?;
            }
        }
        for (id, zh, en, points, stock) in [
            (
                "demo-item-1",
                "理发券一张",
                "A haircut voucher",
                20_i64,
                30_i64,
            ),
            ("demo-item-2", "鸡蛋一盒", "A box of eggs", 30, 20),
            (
                "demo-item-3",
                "体检一次(演示)",
                "A health check (demo)",
                200,
                3,
            ),
        ] {
            sqlx::query(
                "INSERT INTO tb_catalogue (id, org_id, name_zh, name_en, points, stock) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (id) DO NOTHING",
            )
            .bind(id)
            .bind(org)
            .bind(zh)
            .bind(en)
            .bind(points)
            .bind(stock)
            .execute(&mut *tx)
            .await?;
        }
    }
    tx.commit().await?;
    Ok(())
}
