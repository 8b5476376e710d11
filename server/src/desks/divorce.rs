//! `DivorceDesk` in SQL. Every change of a case is a guarded `UPDATE … WHERE status = 'open'`
//! (and, for the sweep, `… AND <instant> <= now`), so a withdrawal racing the deemed
//! withdrawal, or two sweepers, change a case once; one open case per person is a primary key.

use super::{accounts::insert_message, audit, db, new_id};
use crate::{db::unique_violation_on, sms::SmsGateway, Db};
use app::{
    account::model::Topic,
    desk::{DeskError, DeskResult},
    divorce::{
        desk::{DivorceDesk, DivorceSweep},
        model::{refreshed_edges, reminders, schedule, CaseStatus, CaseView},
    },
    error::{AppError, Code},
    marriage::desk::Actor,
    rules::{calendar::WorkCalendar, clock::Clock, id_number::IdNumber},
    staff::model::Role,
};
use chrono::{DateTime, Datelike, NaiveDate, NaiveTime, Utc};
use rand::Rng;
use sqlx::Row;
use std::{collections::HashMap, sync::Arc};

pub struct SqlDivorce {
    pub db: Db,
    pub clock: Arc<dyn Clock>,
    pub calendar: Arc<WorkCalendar>,
    pub sms: Arc<dyn SmsGateway>,
}

fn refused(field: &str, code: Code) -> DeskError {
    AppError::invalid(field, code).into()
}

const COLUMNS: &str = "id, reference, status, received_on, cooling_ends_at, window_ends_at, withdrawn_by, party_a, party_b, office_id";

fn at(unix: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(unix, 0).unwrap_or_default()
}

fn case_from_row(r: &sqlx::any::AnyRow, reader: &str) -> DeskResult<CaseView> {
    let status: String = r.try_get("status").map_err(db)?;
    let received: String = r.try_get("received_on").map_err(db)?;
    let received_on = NaiveDate::parse_from_str(&received, "%Y-%m-%d")
        .map_err(|e| DeskError::internal(e.to_string()))?;
    let cooling_ends_at: i64 = r.try_get("cooling_ends_at").map_err(db)?;
    let withdrawn_by: Option<String> = r.try_get("withdrawn_by").map_err(db)?;
    let cooling_last_day = app::rules::clock::shanghai_date(at(cooling_ends_at));
    Ok(CaseView {
        id: r.try_get("id").map_err(db)?,
        reference: r.try_get("reference").map_err(db)?,
        status: CaseStatus::parse(&status)
            .ok_or_else(|| DeskError::internal(format!("unknown status {status}")))?,
        received_on,
        cooling_ends_at,
        window_first_day: cooling_last_day + chrono::Duration::days(1),
        window_ends_at: r.try_get("window_ends_at").map_err(db)?,
        withdrawn_by_me: withdrawn_by.as_deref() == Some(reader),
        office_id: r.try_get("office_id").map_err(db)?,
        cooling_steps: vec![],
        window_steps: vec![],
        unsure_years: vec![],
    })
}

/// The office's closing time on a day: its hours for that weekday (an adjusted working day at
/// the weekend keeps Monday's, see `office_hours`); an office without hours closes at 17:00.
async fn closing_times(
    conn: &mut sqlx::AnyConnection,
    office_id: &str,
) -> DeskResult<impl Fn(NaiveDate) -> NaiveTime> {
    let rows = sqlx::query("SELECT weekday, closes FROM office_hours WHERE office_id = $1")
        .bind(office_id)
        .fetch_all(&mut *conn)
        .await
        .map_err(db)?;
    let mut closes = HashMap::new();
    for r in rows {
        let weekday: i64 = r.try_get("weekday").map_err(db)?;
        let at: String = r.try_get("closes").map_err(db)?;
        if let Ok(t) = NaiveTime::parse_from_str(&at, "%H:%M") {
            closes.insert(weekday as u32, t);
        }
    }
    Ok(move |d: NaiveDate| {
        let wd = d.weekday().number_from_monday();
        closes
            .get(&wd)
            .or_else(|| closes.get(&1))
            .copied()
            .unwrap_or_else(|| NaiveTime::from_hms_opt(17, 0, 0).expect("valid"))
    })
}

async fn parties_of(conn: &mut sqlx::AnyConnection, id: &str) -> DeskResult<[String; 2]> {
    let r = sqlx::query("SELECT party_a, party_b FROM divorce_cases WHERE id = $1")
        .bind(id)
        .fetch_one(&mut *conn)
        .await
        .map_err(db)?;
    Ok([
        r.try_get("party_a").map_err(db)?,
        r.try_get("party_b").map_err(db)?,
    ])
}

/// Every divorce notice is the same neutral "your application has an update".
async fn tell(conn: &mut sqlx::AnyConnection, to: &[&str], now: i64) -> DeskResult<()> {
    for resident in to {
        insert_message(conn, resident, Topic::DivorceUpdate, &[], now).await?;
    }
    Ok(())
}

/// Whether the person with this ID number is a party to an open case.
pub(crate) async fn in_open_case(pool: &Db, id_number: &str) -> DeskResult<bool> {
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM divorce_open_parties p JOIN residents r ON r.id = p.resident_id WHERE r.id_number = $1",
    )
    .bind(id_number)
    .fetch_one(pool)
    .await
    .map_err(db)?;
    Ok(n > 0)
}

/// A case as an appointment for it needs it: its edges, and the other party.
pub(crate) struct CaseTerms {
    pub status: CaseStatus,
    pub cooling_ends_at: i64,
    pub window_ends_at: i64,
    pub other_id: String,
    pub other_name: String,
    pub other_id_number: String,
    pub other_phone: String,
}

/// The case seen by one of its parties; anyone else gets "not found".
pub(crate) async fn case_terms(
    conn: &mut sqlx::AnyConnection,
    case_id: &str,
    resident_id: &str,
) -> DeskResult<CaseTerms> {
    let r = sqlx::query(
        "SELECT c.status, c.cooling_ends_at, c.window_ends_at, o.id AS other_id, o.real_name, o.id_number, o.phone \
         FROM divorce_cases c JOIN residents o ON o.id = CASE WHEN c.party_a = $2 THEN c.party_b ELSE c.party_a END \
         WHERE c.id = $1 AND (c.party_a = $2 OR c.party_b = $2)",
    )
    .bind(case_id)
    .bind(resident_id)
    .fetch_optional(&mut *conn)
    .await
    .map_err(db)?
    .ok_or(AppError::NotFound)?;
    let status: String = r.try_get("status").map_err(db)?;
    Ok(CaseTerms {
        status: CaseStatus::parse(&status)
            .ok_or_else(|| DeskError::internal(format!("unknown status {status}")))?,
        cooling_ends_at: r.try_get("cooling_ends_at").map_err(db)?,
        window_ends_at: r.try_get("window_ends_at").map_err(db)?,
        other_id: r.try_get("other_id").map_err(db)?,
        other_name: r
            .try_get::<Option<String>, _>("real_name")
            .map_err(db)?
            .unwrap_or_default(),
        other_id_number: r
            .try_get::<Option<String>, _>("id_number")
            .map_err(db)?
            .unwrap_or_default(),
        other_phone: r.try_get("phone").map_err(db)?,
    })
}

/// 受理 inside the caller's transaction: computes both edges from the office's calendar and
/// hours, stores them as instants, claims both parties (one open case per person), tells both.
pub(crate) async fn open_case(
    conn: &mut sqlx::AnyConnection,
    calendar: &WorkCalendar,
    office_id: &str,
    parties: [&str; 2],
    received_on: NaiveDate,
    now: i64,
    // Where a party's refusal shows: the ID-number fields of the in-person form, or the
    // appointment's row on the clerk's day list.
    fields: [&str; 2],
) -> DeskResult<CaseView> {
    let closing = closing_times(conn, office_id).await?;
    let s = schedule(received_on, calendar, closing);
    let [r1, r2, r3] = s.reminders();
    let id = new_id();
    let mut reference = String::new();
    for _ in 0..20 {
        let candidate = format!(
            "LH{}{:06}",
            received_on.format("%Y%m%d"),
            rand::thread_rng().gen_range(0..1_000_000)
        );
        let inserted = sqlx::query(
            "INSERT INTO divorce_cases (id, reference, office_id, party_a, party_b, status, received_on, \
             cooling_ends_at, window_ends_at, reminder_1_at, reminder_2_at, reminder_3_at, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, 'open', $6, $7, $8, $9, $10, $11, $12, $12) \
             ON CONFLICT (reference) DO NOTHING",
        )
        .bind(&id)
        .bind(&candidate)
        .bind(office_id)
        .bind(parties[0])
        .bind(parties[1])
        .bind(received_on.format("%Y-%m-%d").to_string())
        .bind(s.cooling_off.ends_at.timestamp())
        .bind(s.window.ends_at.timestamp())
        .bind(r1.1.timestamp())
        .bind(r2.1.timestamp())
        .bind(r3.1.timestamp())
        .bind(now)
        .execute(&mut *conn)
        .await
        .map_err(db)?
        .rows_affected();
        if inserted == 1 {
            reference = candidate;
            break;
        }
    }
    if reference.is_empty() {
        return Err(DeskError::internal("no free case number after 20 draws"));
    }
    for (resident, field) in [(parties[0], fields[0]), (parties[1], fields[1])] {
        let claimed =
            sqlx::query("INSERT INTO divorce_open_parties (resident_id, case_id) VALUES ($1, $2)")
                .bind(resident)
                .bind(&id)
                .execute(&mut *conn)
                .await;
        match claimed {
            Ok(_) => {}
            Err(e) if unique_violation_on(&e, "resident_id") => {
                return Err(refused(field, Code::PartyHasOpenCase))
            }
            Err(e) => return Err(db(e)),
        }
    }
    tell(conn, &parties, now).await?;
    let row = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM divorce_cases WHERE id = $1"
    ))
    .bind(&id)
    .fetch_one(&mut *conn)
    .await
    .map_err(db)?;
    case_from_row(&row, "")
}

/// 颁证: the clerk issued the certificate inside the window; the case ends as divorced.
pub(crate) async fn certificate_issued(
    conn: &mut sqlx::AnyConnection,
    case_id: &str,
    now: i64,
) -> DeskResult<()> {
    let changed = sqlx::query(
        "UPDATE divorce_cases SET status = 'divorced', updated_at = $1 \
         WHERE id = $2 AND status = 'open' AND cooling_ends_at <= $1 AND window_ends_at > $1",
    )
    .bind(now)
    .bind(case_id)
    .execute(&mut *conn)
    .await
    .map_err(db)?
    .rows_affected();
    if changed != 1 {
        return Err(refused("booking", Code::CaseClosed));
    }
    ended(conn, case_id, now, None).await
}

/// After the guarded update that closed a case, in its transaction: both parties are free to
/// open another, the case's open appointments are cancelled (their places return), and the
/// parties (all, or all but the one who acted) are told.
async fn ended(
    conn: &mut sqlx::AnyConnection,
    case_id: &str,
    now: i64,
    except: Option<&str>,
) -> DeskResult<()> {
    sqlx::query("DELETE FROM divorce_open_parties WHERE case_id = $1")
        .bind(case_id)
        .execute(&mut *conn)
        .await
        .map_err(db)?;
    super::marriage::cancel_case_appointments(conn, case_id, now).await?;
    let parties = parties_of(conn, case_id).await?;
    let to: Vec<&str> = parties
        .iter()
        .map(String::as_str)
        .filter(|p| Some(*p) != except)
        .collect();
    tell(conn, &to, now).await
}

impl SqlDivorce {
    /// The neutral SMS to the parties of a case (all, or all but `except`), after the change
    /// committed: at most once; the message centre already has it exactly once.
    async fn text_parties(&self, case_id: &str, except: Option<&str>) {
        let phones: Result<Vec<(String, String)>, _> = sqlx::query_as(
            "SELECT r.id, r.phone FROM divorce_cases c JOIN residents r ON r.id IN (c.party_a, c.party_b) WHERE c.id = $1",
        )
        .bind(case_id)
        .fetch_all(&self.db)
        .await;
        for (id, phone) in phones.unwrap_or_default() {
            if except == Some(id.as_str()) {
                continue;
            }
            if let Err(e) = self
                .sms
                .send_notice(&phone, super::marriage::NEUTRAL_SMS)
                .await
            {
                tracing::warn!(error = %e, "SMS notice failed");
            }
        }
    }

    /// Tells both parties in the transaction of the change, commits it, then texts them.
    async fn tell_both(
        &self,
        mut tx: sqlx::Transaction<'_, sqlx::Any>,
        case_id: &str,
        now: i64,
    ) -> DeskResult<()> {
        let parties = parties_of(&mut tx, case_id).await?;
        tell(&mut tx, &[&parties[0], &parties[1]], now).await?;
        tx.commit().await.map_err(db)?;
        self.text_parties(case_id, None).await;
        Ok(())
    }

    async fn resident_by_number(&self, number: &IdNumber, field: &str) -> DeskResult<String> {
        sqlx::query_scalar("SELECT id FROM residents WHERE id_number = $1")
            .bind(number.as_str())
            .fetch_optional(&self.db)
            .await
            .map_err(db)?
            .ok_or_else(|| refused(field, Code::PartyUnknown))
    }
}

#[async_trait::async_trait]
impl DivorceDesk for SqlDivorce {
    #[tracing::instrument(name = "Receive divorce application", skip_all)]
    async fn receive(
        &self,
        actor: &Actor<'_>,
        party_a: &IdNumber,
        party_b: &IdNumber,
        received_on: NaiveDate,
    ) -> DeskResult<CaseView> {
        if actor.staff.role != Role::RegistryClerk {
            return Err(AppError::Forbidden.into());
        }
        if party_a == party_b {
            return Err(refused("party_b_id_number", Code::SameParty));
        }
        let office_id = actor.staff.unit.id.clone();
        let a = self
            .resident_by_number(party_a, "party_a_id_number")
            .await?;
        let b = self
            .resident_by_number(party_b, "party_b_id_number")
            .await?;
        let now = self.clock.now().timestamp();
        let mut tx = self.db.begin().await.map_err(db)?;
        let view = open_case(
            &mut tx,
            &self.calendar,
            &office_id,
            [&a, &b],
            received_on,
            now,
            ["party_a_id_number", "party_b_id_number"],
        )
        .await?;
        audit(
            &mut tx,
            now,
            Some(&actor.staff.id),
            &actor.staff.username,
            "divorce.receive",
            &view.reference,
            actor.client,
        )
        .await?;
        tx.commit().await.map_err(db)?;
        self.text_parties(&view.id, None).await;
        Ok(view)
    }

    async fn my_cases(&self, resident_id: &str) -> DeskResult<Vec<CaseView>> {
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM divorce_cases WHERE party_a = $1 OR party_b = $1 ORDER BY created_at DESC"
        ))
        .bind(resident_id)
        .fetch_all(&self.db)
        .await
        .map_err(db)?;
        let mut conn = self.db.acquire().await.map_err(db)?;
        let mut out = Vec::with_capacity(rows.len());
        for r in &rows {
            let mut case = case_from_row(r, resident_id)?;
            // The explanation of both dates, recomputed from the same rules that set them.
            let closing = closing_times(&mut conn, &case.office_id).await?;
            let s = schedule(case.received_on, &self.calendar, closing);
            case.cooling_steps = s.cooling_off.steps_to(at(case.cooling_ends_at));
            case.window_steps = s.window.steps_to(at(case.window_ends_at));
            case.unsure_years = s.unsure_years();
            out.push(case);
        }
        Ok(out)
    }

    #[tracing::instrument(name = "Withdraw divorce application", skip_all)]
    async fn withdraw(&self, resident_id: &str, case_id: &str) -> DeskResult<CaseView> {
        let now = self.clock.now().timestamp();
        let mut tx = self.db.begin().await.map_err(db)?;
        // Only a party, only while open, only before the cooling-off period ends.
        let changed = sqlx::query(
            "UPDATE divorce_cases SET status = 'withdrawn', withdrawn_by = $1, updated_at = $2 \
             WHERE id = $3 AND (party_a = $1 OR party_b = $1) AND status = 'open' AND cooling_ends_at > $2",
        )
        .bind(resident_id)
        .bind(now)
        .bind(case_id)
        .execute(&mut *tx)
        .await
        .map_err(db)?
        .rows_affected();
        if changed != 1 {
            let mine: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM divorce_cases WHERE id = $1 AND (party_a = $2 OR party_b = $2)",
            )
            .bind(case_id)
            .bind(resident_id)
            .fetch_one(&mut *tx)
            .await
            .map_err(db)?;
            return Err(if mine == 0 {
                AppError::NotFound.into()
            } else {
                refused("confirm_withdraw", Code::WithdrawalClosed)
            });
        }
        ended(&mut tx, case_id, now, Some(resident_id)).await?;
        let row = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM divorce_cases WHERE id = $1"
        ))
        .bind(case_id)
        .fetch_one(&mut *tx)
        .await
        .map_err(db)?;
        let view = case_from_row(&row, resident_id)?;
        tx.commit().await.map_err(db)?;
        self.text_parties(case_id, Some(resident_id)).await;
        Ok(view)
    }

    async fn sweep(&self) -> DeskResult<DivorceSweep> {
        let now = self.clock.now().timestamp();
        let mut report = DivorceSweep::default();
        // 视为撤回 at the window's end instant, not a second before.
        let due: Vec<String> = sqlx::query_scalar(
            "SELECT id FROM divorce_cases WHERE status = 'open' AND window_ends_at <= $1",
        )
        .bind(now)
        .fetch_all(&self.db)
        .await
        .map_err(db)?;
        for id in due {
            let mut tx = self.db.begin().await.map_err(db)?;
            let changed = sqlx::query(
                "UPDATE divorce_cases SET status = 'deemed_withdrawn', updated_at = $1 \
                 WHERE id = $2 AND status = 'open' AND window_ends_at <= $1",
            )
            .bind(now)
            .bind(&id)
            .execute(&mut *tx)
            .await
            .map_err(db)?
            .rows_affected();
            if changed != 1 {
                continue;
            }
            ended(&mut tx, &id, now, None).await?;
            tx.commit().await.map_err(db)?;
            self.text_parties(&id, None).await;
            report.deemed_withdrawn += 1;
        }
        // The reminders: each column pair is "due at" and "sent at", set by the guarded update
        // in the same transaction as the messages it sends.
        for n in 1..=3 {
            let due: Vec<String> = sqlx::query_scalar(&format!(
                "SELECT id FROM divorce_cases WHERE status = 'open' AND reminder_{n}_sent IS NULL AND reminder_{n}_at <= $1"
            ))
            .bind(now)
            .fetch_all(&self.db)
            .await
            .map_err(db)?;
            for id in due {
                let mut tx = self.db.begin().await.map_err(db)?;
                let marked = sqlx::query(&format!(
                    "UPDATE divorce_cases SET reminder_{n}_sent = $1 WHERE id = $2 AND status = 'open' AND reminder_{n}_sent IS NULL"
                ))
                .bind(now)
                .bind(&id)
                .execute(&mut *tx)
                .await
                .map_err(db)?
                .rows_affected();
                if marked != 1 {
                    continue;
                }
                self.tell_both(tx, &id, now).await?;
                report.reminders += 1;
            }
        }
        Ok(report)
    }

    #[tracing::instrument(name = "Refresh divorce deadlines", skip_all)]
    async fn refresh_deadlines(&self) -> DeskResult<u32> {
        let now = self.clock.now();
        let open = sqlx::query(
            "SELECT id, office_id, received_on, cooling_ends_at, window_ends_at FROM divorce_cases \
             WHERE status = 'open' AND window_ends_at > $1",
        )
        .bind(now.timestamp())
        .fetch_all(&self.db)
        .await
        .map_err(db)?;
        let mut conn = self.db.acquire().await.map_err(db)?;
        let mut moved = 0;
        for r in open {
            let id: String = r.try_get("id").map_err(db)?;
            let office_id: String = r.try_get("office_id").map_err(db)?;
            let received: String = r.try_get("received_on").map_err(db)?;
            let received = NaiveDate::parse_from_str(&received, "%Y-%m-%d")
                .map_err(|e| DeskError::internal(e.to_string()))?;
            let told: (i64, i64) = (
                r.try_get("cooling_ends_at").map_err(db)?,
                r.try_get("window_ends_at").map_err(db)?,
            );
            let closing = closing_times(&mut conn, &office_id).await?;
            let Some((cooling, window)) = refreshed_edges(
                received,
                (at(told.0), at(told.1)),
                now,
                &self.calendar,
                closing,
            ) else {
                continue;
            };
            let [(_, r1), (_, r2), (_, r3)] = reminders(cooling, window);
            let mut tx = self.db.begin().await.map_err(db)?;
            // Guarded by the edges read, so two servers starting together move a case once; a
            // reminder already sent stays sent.
            let changed = sqlx::query(
                "UPDATE divorce_cases SET cooling_ends_at = $1, window_ends_at = $2, \
                 reminder_1_at = CASE WHEN reminder_1_sent IS NULL THEN $3 ELSE reminder_1_at END, \
                 reminder_2_at = CASE WHEN reminder_2_sent IS NULL THEN $4 ELSE reminder_2_at END, \
                 reminder_3_at = CASE WHEN reminder_3_sent IS NULL THEN $5 ELSE reminder_3_at END, \
                 updated_at = $6 \
                 WHERE id = $7 AND status = 'open' AND cooling_ends_at = $8 AND window_ends_at = $9",
            )
            .bind(cooling.timestamp())
            .bind(window.timestamp())
            .bind(r1.timestamp())
            .bind(r2.timestamp())
            .bind(r3.timestamp())
            .bind(now.timestamp())
            .bind(&id)
            .bind(told.0)
            .bind(told.1)
            .execute(&mut *tx)
            .await
            .map_err(db)?
            .rows_affected();
            if changed != 1 {
                continue;
            }
            self.tell_both(tx, &id, now.timestamp()).await?;
            moved += 1;
        }
        Ok(moved)
    }
}
