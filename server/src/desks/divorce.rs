//! Divorce in SQL: the cases after receipt (`DivorceDesk`), its three purposes on the
//! appointment machinery (the application, the certificate visit, counselling), its due work
//! (the deemed withdrawal at the window's end, the reminders) and, at start, moving open
//! deadlines when a new holiday notice is loaded. Every change of a case is a guarded
//! `UPDATE … WHERE status = 'open'` (and, for the sweep, `… AND <instant> <= now`), so a
//! withdrawal racing the deemed withdrawal, or two sweepers, change a case once; one open case
//! per person is a primary key. Every notice is the same neutral one.

use super::{
    appointments::{
        cancel_active, register_purpose, Applicant, AuditNote, Booking, Event, OtherParty,
        PurposeRules, RuleScope, SlotFacts, SlotRule,
    },
    audit, day_str, db, insert_message, new_id, reference, Due,
};
use crate::{
    calendar_files::{calendar_file, failed, resident},
    db::{unique_violation_on, Db},
    jobs::{DueReport, DueWork, StartWork},
    registry::{Registry, Setup},
    sms::SmsGateway,
};
use app::{
    appointments::{
        desk::PartnerOf,
        model::{BookingView, PurposeSpec, Refusal as AppointmentRefusal},
    },
    desk::{refused, DeskError, DeskResult},
    divorce::{
        desk::DivorceDesk,
        model::{
            case_ics, refreshed_edges, reminders, schedule, CaseStatus, CaseView, Refusal,
            APPLICATION, CERTIFICATE, COUNSELLING,
        },
    },
    error::AppError,
    i18n::Locale,
    identity::Role,
    rules::{calendar::WorkCalendar, clock::Clock, id_number::IdNumber},
    web::{Resident, Sessions, Staff},
};
use axum::{
    extract::{Path, State},
    response::{IntoResponse, Response},
    routing::get,
};
use axum_extra::extract::CookieJar;
use chrono::{DateTime, Datelike, NaiveDate, NaiveTime, Utc};
use http::StatusCode;
use sqlx::{AnyConnection, Row};
use std::{collections::HashMap, sync::Arc};

/// The one neutral message topic (and the one neutral SMS, `divorce.sms_neutral`).
const TOPIC: &str = "divorce_update";

/// Installs the divorce desk, its three purposes, its due work, the deadline refresh at start
/// and the case's calendar file.
pub fn install(reg: &mut Registry, setup: &Setup) {
    for spec in &PURPOSE_SPECS {
        register_purpose(
            reg,
            Arc::new(DivorceRules {
                spec,
                db: setup.db.clone(),
                clock: setup.clock.clone(),
                calendar: setup.calendar.clone(),
            }),
        );
    }
    let desk = Arc::new(SqlDivorce::of(setup));
    let as_desk: Arc<dyn DivorceDesk> = desk.clone();
    reg.provide(as_desk);
    reg.due(desk.clone());
    reg.on_start(desk.clone());
    reg.route(
        axum::Router::new()
            .route("/divorce/case/{id}/dates.ics", get(case_dates_ics))
            .with_state(CaseFiles {
                desk,
                sessions: super::sessions::sessions(setup),
            }),
    );
}

/// The purposes with a `'static` address (the rules hand out `&'static PurposeSpec`).
static PURPOSE_SPECS: [PurposeSpec; 3] = [APPLICATION, CERTIFICATE, COUNSELLING];

pub struct SqlDivorce {
    pub db: Db,
    pub clock: Arc<dyn Clock>,
    pub calendar: Arc<WorkCalendar>,
    pub sms: Arc<dyn SmsGateway>,
}

impl SqlDivorce {
    /// The divorce desk of a setup (tests make a second one to play a restarted server).
    pub fn of(setup: &Setup) -> Self {
        Self {
            db: setup.db.clone(),
            clock: setup.clock.clone(),
            calendar: setup.calendar.clone(),
            sms: setup.sms.clone(),
        }
    }
}

const COLUMNS: &str = "id, reference, status, received_on, cooling_ends_at, window_ends_at, withdrawn_by, party_a, party_b, office_id";

fn at(unix: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(unix, 0).unwrap_or_default()
}

/// Every divorce notice is the same neutral "your application has an update".
async fn tell(conn: &mut AnyConnection, to: &[&str], now: i64) -> DeskResult<()> {
    for resident in to {
        insert_message(conn, resident, TOPIC, &[], now).await?;
    }
    Ok(())
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
    conn: &mut AnyConnection,
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

async fn parties_of(conn: &mut AnyConnection, id: &str) -> DeskResult<[String; 2]> {
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

/// Whether the person with this ID number is a party to an open case.
async fn in_open_case(pool: &sqlx::AnyPool, id_number: &str) -> DeskResult<bool> {
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
struct CaseTerms {
    status: CaseStatus,
    office_id: String,
    cooling_ends_at: i64,
    window_ends_at: i64,
    other_id: String,
    other_name: String,
    other_id_number: String,
    other_phone: String,
}

/// The case seen by one of its parties; anyone else gets "not found".
async fn case_terms(
    conn: &mut AnyConnection,
    case_id: &str,
    resident_id: &str,
) -> DeskResult<CaseTerms> {
    let r = sqlx::query(
        "SELECT c.status, c.office_id, c.cooling_ends_at, c.window_ends_at, o.id AS other_id, o.real_name, o.id_number, o.phone \
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
        office_id: r.try_get("office_id").map_err(db)?,
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
async fn open_case(
    conn: &mut AnyConnection,
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
    let mut draws = reference::draws("LH", received_on);
    loop {
        let candidate = draws.next_or_fail()?;
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
        .bind(day_str(received_on))
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
            break;
        }
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
                return Err(refused(field, Refusal::PartyHasOpenCase))
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
async fn certificate_issued(conn: &mut AnyConnection, case_id: &str, now: i64) -> DeskResult<()> {
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
        return Err(refused("booking", Refusal::CaseClosed));
    }
    Ok(())
}

/// The case an appointment was booked for.
async fn case_of_appointment(conn: &mut AnyConnection, booking_id: &str) -> DeskResult<String> {
    sqlx::query_scalar("SELECT case_id FROM divorce_case_appointments WHERE appointment_id = $1")
        .bind(booking_id)
        .fetch_optional(&mut *conn)
        .await
        .map_err(db)?
        .ok_or_else(|| DeskError::internal("a case appointment without its case"))
}

/// After the guarded update that closed a case, in its transaction: both parties are free to
/// open another, the case's open appointments are cancelled (their places return), and the
/// parties (all, or all but the one who acted) are told.
async fn ended(
    conn: &mut AnyConnection,
    case_id: &str,
    now: i64,
    except: Option<&str>,
) -> DeskResult<()> {
    sqlx::query("DELETE FROM divorce_open_parties WHERE case_id = $1")
        .bind(case_id)
        .execute(&mut *conn)
        .await
        .map_err(db)?;
    let linked: Vec<String> = sqlx::query_scalar(
        "SELECT appointment_id FROM divorce_case_appointments WHERE case_id = $1",
    )
    .bind(case_id)
    .fetch_all(&mut *conn)
    .await
    .map_err(db)?;
    cancel_active(conn, &linked, now).await?;
    let parties = parties_of(conn, case_id).await?;
    let to: Vec<&str> = parties
        .iter()
        .map(String::as_str)
        .filter(|p| Some(*p) != except)
        .collect();
    tell(conn, &to, now).await
}

/// What one divorce purpose admits and means.
struct DivorceRules {
    spec: &'static PurposeSpec,
    db: Db,
    clock: Arc<dyn Clock>,
    calendar: Arc<WorkCalendar>,
}

impl DivorceRules {
    fn is(&self, spec: &PurposeSpec) -> bool {
        self.spec.key == spec.key
    }

    /// A certificate visit must lie inside the case's certificate window; counselling inside
    /// its cooling-off period. The case must be open and the resident one of its parties.
    async fn case_rule(&self, case_id: &str, resident_id: &str) -> DeskResult<SlotRule> {
        let mut conn = self.db.pool().acquire().await.map_err(db)?;
        let terms = case_terms(&mut conn, case_id, resident_id).await?;
        if terms.status != CaseStatus::Open {
            return Err(refused("slot", Refusal::CaseClosed));
        }
        let (cooling, window) = (terms.cooling_ends_at, terms.window_ends_at);
        let now = self.clock.now().timestamp();
        let certificate = self.is(&CERTIFICATE);
        Ok(SlotRule {
            office: Some(terms.office_id),
            admits: Box::new(move |slot: &SlotFacts| {
                let starts = slot.starts_at.timestamp();
                let fits = if certificate {
                    starts >= cooling && starts < window
                } else {
                    now < cooling && starts < cooling
                };
                if fits {
                    Ok(())
                } else {
                    Err(refused(
                        "slot",
                        if certificate {
                            Refusal::OutsideCertificateWindow
                        } else {
                            Refusal::CounsellingClosed
                        },
                    ))
                }
            }),
        })
    }
}

#[async_trait::async_trait]
impl PurposeRules for DivorceRules {
    fn spec(&self) -> &'static PurposeSpec {
        self.spec
    }

    async fn slot_rule(&self, scope: RuleScope<'_>) -> DeskResult<SlotRule> {
        if self.is(&APPLICATION) {
            return Ok(SlotRule::any());
        }
        match scope {
            RuleScope::New {
                resident_id,
                record: Some(case_id),
            } => self.case_rule(case_id, resident_id).await,
            RuleScope::New { record: None, .. } => Err(AppError::NotFound.into()),
            RuleScope::Move { booking } => {
                let mut conn = self.db.pool().acquire().await.map_err(db)?;
                let case_id = case_of_appointment(&mut conn, &booking.view.id).await?;
                drop(conn);
                self.case_rule(&case_id, &booking.applicant_id).await
            }
        }
    }

    async fn admit(
        &self,
        applicant: &Applicant,
        partner: PartnerOf,
        _slot: &SlotFacts,
    ) -> DeskResult<OtherParty> {
        match partner {
            PartnerOf::Typed {
                name,
                id_number,
                phone,
            } if self.is(&APPLICATION) => {
                if phone.as_str() == applicant.phone {
                    return Err(refused(
                        "partner_phone",
                        AppointmentRefusal::PartnerPhoneIsOwn,
                    ));
                }
                if id_number == applicant.id_number {
                    return Err(refused("partner_id_number", Refusal::SameParty));
                }
                // One open case per couple: neither may already be in one.
                for (number, field) in [
                    (applicant.id_number.as_str(), "slot"),
                    (id_number.as_str(), "partner_id_number"),
                ] {
                    if in_open_case(self.db.pool(), number).await? {
                        return Err(refused(field, Refusal::PartyHasOpenCase));
                    }
                }
                Ok(OtherParty {
                    name: name.as_str().to_owned(),
                    id_number: id_number.as_str().to_owned(),
                    phone: phone.as_str().to_owned(),
                    resident_id: None,
                    record: None,
                })
            }
            PartnerOf::Record(case_id) if !self.is(&APPLICATION) => {
                let mut conn = self.db.pool().acquire().await.map_err(db)?;
                let terms = case_terms(&mut conn, &case_id, &applicant.resident_id).await?;
                Ok(OtherParty {
                    name: terms.other_name,
                    id_number: terms.other_id_number,
                    phone: terms.other_phone,
                    resident_id: Some(terms.other_id),
                    record: Some(case_id),
                })
            }
            _ => Err(AppError::BadRequest.into()),
        }
    }

    async fn booked(
        &self,
        conn: &mut AnyConnection,
        booking_id: &str,
        other: &OtherParty,
    ) -> DeskResult<()> {
        if let Some(case_id) = &other.record {
            sqlx::query(
                "INSERT INTO divorce_case_appointments (appointment_id, case_id) VALUES ($1, $2)",
            )
            .bind(booking_id)
            .bind(case_id)
            .execute(&mut *conn)
            .await
            .map_err(db)?;
        }
        Ok(())
    }

    async fn registered(
        &self,
        conn: &mut AnyConnection,
        b: &Booking,
        now: i64,
    ) -> DeskResult<Option<AuditNote>> {
        if self.is(&APPLICATION) {
            // 受理 at the counter: the case opens, received today.
            let partner = b
                .partner_id
                .as_deref()
                .ok_or_else(|| DeskError::internal("checked in without the partner"))?;
            let case = open_case(
                conn,
                &self.calendar,
                &b.view.office_id,
                [&b.applicant_id, partner],
                self.clock.today(),
                now,
                ["booking", "booking"],
            )
            .await?;
            return Ok(Some(AuditNote {
                action: "divorce.receive".into(),
                target: format!("{} {}", b.view.reference, case.reference),
            }));
        }
        if self.is(&CERTIFICATE) {
            // 颁证: the case ends as divorced; its other appointments are cancelled.
            let case_id = case_of_appointment(conn, &b.view.id).await?;
            certificate_issued(conn, &case_id, now).await?;
            ended(conn, &case_id, now, None).await?;
            // The two are no longer family: their grants and their family link end.
            let (a, b_): (String, String) =
                sqlx::query_as("SELECT party_a, party_b FROM divorce_cases WHERE id = $1")
                    .bind(&case_id)
                    .fetch_one(&mut *conn)
                    .await
                    .map_err(db)?;
            super::proxy::end_between(conn, &a, &b_, &format!("divorce:{case_id}"), now).await?;
            return Ok(Some(AuditNote {
                action: "divorce.certificate_issued".into(),
                target: b.view.reference.clone(),
            }));
        }
        Ok(None)
    }

    fn topic(&self, _: Event) -> (&'static str, bool) {
        (TOPIC, false)
    }

    fn sms(&self, event: Event, _: &BookingView, locale: Locale) -> Option<String> {
        let counselling = self.is(&COUNSELLING);
        let neutral = || locale.texts().divorce().sms_neutral.to_owned();
        match event {
            Event::Invited | Event::Reminder => Some(neutral()),
            Event::Registered if !counselling => Some(neutral()),
            Event::Confirmed => Some(neutral()),
            _ => None,
        }
    }
}

impl SqlDivorce {
    /// The neutral SMS to the parties of a case (all, or all but `except`), after the change
    /// committed: at most once; the message centre already has it exactly once.
    async fn text_parties(&self, case_id: &str, except: Option<&str>) {
        let phones: Result<Vec<(String, String, Option<String>)>, _> = sqlx::query_as(
            "SELECT r.id, r.phone, r.locale FROM divorce_cases c JOIN residents r ON r.id IN (c.party_a, c.party_b) WHERE c.id = $1",
        )
        .bind(case_id)
        .fetch_all(self.db.pool())
        .await;
        for (id, phone, locale) in phones.unwrap_or_default() {
            if except == Some(id.as_str()) {
                continue;
            }
            let text = super::locale_of(locale.as_deref())
                .texts()
                .divorce()
                .sms_neutral;
            if let Err(e) = self.sms.send_notice(&phone, text).await {
                tracing::warn!(error = %e, "SMS notice failed");
            }
        }
    }

    async fn resident_by_number(&self, number: &IdNumber, field: &str) -> DeskResult<String> {
        sqlx::query_scalar("SELECT id FROM residents WHERE id_number = $1")
            .bind(number.as_str())
            .fetch_optional(self.db.pool())
            .await
            .map_err(db)?
            .ok_or_else(|| refused(field, Refusal::PartyUnknown))
    }

    async fn case_row(
        &self,
        conn: &mut AnyConnection,
        id: &str,
        reader: &str,
    ) -> DeskResult<CaseView> {
        let row = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM divorce_cases WHERE id = $1"
        ))
        .bind(id)
        .fetch_one(&mut *conn)
        .await
        .map_err(db)?;
        case_from_row(&row, reader)
    }

    async fn deemed_withdrawn_due(&self, now: i64) -> DeskResult<u32> {
        // 视为撤回 at the window's end instant, not a second before.
        let mut due = Due::find(
            &self.db,
            "SELECT id FROM divorce_cases WHERE status = 'open' AND window_ends_at <= $1",
            now,
        )
        .await?;
        let mut done = 0;
        while let Some((mut tx, id)) = due.next().await? {
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
            done += 1;
        }
        Ok(done)
    }

    async fn reminders_due(&self, now: i64) -> DeskResult<u32> {
        let mut sent = 0;
        // Each column pair is "due at" and "sent at", set by the guarded update in the same
        // transaction as the messages it sends.
        for n in 1..=3 {
            let mut due = Due::find(
                &self.db,
                &format!(
                    "SELECT id FROM divorce_cases WHERE status = 'open' AND reminder_{n}_sent IS NULL AND reminder_{n}_at <= $1"
                ),
                now,
            )
            .await?;
            while let Some((mut tx, id)) = due.next().await? {
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
                let parties = parties_of(&mut tx, &id).await?;
                tell(&mut tx, &[&parties[0], &parties[1]], now).await?;
                tx.commit().await.map_err(db)?;
                self.text_parties(&id, None).await;
                sent += 1;
            }
        }
        Ok(sent)
    }
}

#[async_trait::async_trait]
impl DivorceDesk for SqlDivorce {
    #[tracing::instrument(name = "Receive divorce application", skip_all)]
    async fn receive(
        &self,
        clerk: &Staff,
        party_a: &IdNumber,
        party_b: &IdNumber,
        received_on: NaiveDate,
    ) -> DeskResult<CaseView> {
        if clerk.role() != Role::RegistryClerk {
            return Err(AppError::Forbidden.into());
        }
        if party_a == party_b {
            return Err(refused("party_b_id_number", Refusal::SameParty));
        }
        let a = self
            .resident_by_number(party_a, "party_a_id_number")
            .await?;
        let b = self
            .resident_by_number(party_b, "party_b_id_number")
            .await?;
        let now = self.clock.now();
        let mut tx = self.db.begin_write().await.map_err(db)?;
        let view = open_case(
            &mut tx,
            &self.calendar,
            clerk.unit_id(),
            [&a, &b],
            received_on,
            now.timestamp(),
            ["party_a_id_number", "party_b_id_number"],
        )
        .await?;
        audit(
            &mut tx,
            now,
            clerk.into(),
            "divorce.receive",
            &view.reference,
        )
        .await?;
        tx.commit().await.map_err(db)?;
        self.text_parties(&view.id, None).await;
        Ok(view)
    }

    async fn my_cases(&self, who: &Resident) -> DeskResult<Vec<CaseView>> {
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM divorce_cases WHERE party_a = $1 OR party_b = $1 ORDER BY created_at DESC"
        ))
        .bind(who.id())
        .fetch_all(self.db.pool())
        .await
        .map_err(db)?;
        let mut conn = self.db.pool().acquire().await.map_err(db)?;
        let mut out = Vec::with_capacity(rows.len());
        for r in &rows {
            let mut case = case_from_row(r, who.id())?;
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
    async fn withdraw(&self, who: &Resident, case_id: &str) -> DeskResult<CaseView> {
        let now = self.clock.now().timestamp();
        let mut tx = self.db.begin_write().await.map_err(db)?;
        // Only a party, only while open, only before the cooling-off period ends.
        let changed = sqlx::query(
            "UPDATE divorce_cases SET status = 'withdrawn', withdrawn_by = $1, updated_at = $2 \
             WHERE id = $3 AND (party_a = $1 OR party_b = $1) AND status = 'open' AND cooling_ends_at > $2",
        )
        .bind(who.id())
        .bind(now)
        .bind(case_id)
        .execute(&mut *tx)
        .await
        .map_err(db)?
        .rows_affected();
        if changed != 1 {
            let row = sqlx::query(
                "SELECT status, withdrawn_by FROM divorce_cases WHERE id = $1 AND (party_a = $2 OR party_b = $2)",
            )
            .bind(case_id)
            .bind(who.id())
            .fetch_optional(&mut *tx)
            .await
            .map_err(db)?
            .ok_or(AppError::NotFound)?;
            let by: Option<String> = row.try_get("withdrawn_by").map_err(db)?;
            // The same person's second tap: answer with the withdrawn case.
            if by.as_deref() == Some(who.id()) {
                return self.case_row(&mut tx, case_id, who.id()).await;
            }
            return Err(refused("confirm_withdraw", Refusal::WithdrawalClosed));
        }
        ended(&mut tx, case_id, now, Some(who.id())).await?;
        let view = self.case_row(&mut tx, case_id, who.id()).await?;
        tx.commit().await.map_err(db)?;
        self.text_parties(case_id, Some(who.id())).await;
        Ok(view)
    }
}

#[async_trait::async_trait]
impl DueWork for SqlDivorce {
    fn name(&self) -> &'static str {
        "divorce"
    }

    /// Cases whose certificate window ended are deemed withdrawn at that instant; the three
    /// reminders go out once each.
    async fn run(&self) -> DeskResult<DueReport> {
        let now = self.clock.now().timestamp();
        let mut r = DueReport::default();
        r.add("deemed_withdrawn", self.deemed_withdrawn_due(now).await?);
        r.add("reminders", self.reminders_due(now).await?);
        Ok(r)
    }
}

#[async_trait::async_trait]
impl StartWork for SqlDivorce {
    fn name(&self) -> &'static str {
        "divorce deadlines"
    }

    /// After the working-day calendar changed (next year's holiday notice loaded): the edges
    /// of open cases that the calendar now puts later move there, and both parties are told;
    /// no edge moves earlier than they were told, nor once it has passed. Safe to run twice
    /// and on two servers starting together.
    #[tracing::instrument(name = "Refresh divorce deadlines", skip_all)]
    async fn run(&self) -> DeskResult<DueReport> {
        let now = self.clock.now();
        let open = sqlx::query(
            "SELECT id, office_id, received_on, cooling_ends_at, window_ends_at FROM divorce_cases \
             WHERE status = 'open' AND window_ends_at > $1",
        )
        .bind(now.timestamp())
        .fetch_all(self.db.pool())
        .await
        .map_err(db)?;
        let mut conn = self.db.pool().acquire().await.map_err(db)?;
        let mut moved = 0;
        for r in open {
            let id: String = r.try_get("id").map_err(db)?;
            let office_id: String = r.try_get("office_id").map_err(db)?;
            let received: String = r.try_get("received_on").map_err(db)?;
            let received = super::day_of(&received)?;
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
            let mut tx = self.db.begin_write().await.map_err(db)?;
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
            let parties = parties_of(&mut tx, &id).await?;
            tell(&mut tx, &[&parties[0], &parties[1]], now.timestamp()).await?;
            tx.commit().await.map_err(db)?;
            self.text_parties(&id, None).await;
            moved += 1;
        }
        let mut report = DueReport::default();
        report.add("moved", moved);
        Ok(report)
    }
}

#[derive(Clone)]
struct CaseFiles {
    desk: Arc<SqlDivorce>,
    sessions: Arc<dyn Sessions>,
}

/// `GET /divorce/case/{id}/dates.ics`: both edges of a case, for its parties only.
async fn case_dates_ics(
    State(s): State<CaseFiles>,
    Path(id): Path<String>,
    headers: http::HeaderMap,
    jar: CookieJar,
) -> Response {
    let locale = crate::calendar_files::locale(&jar, &headers);
    let me = match resident(&*s.sessions, &jar).await {
        Ok(me) => me,
        Err(r) => return r,
    };
    match s.desk.my_cases(&me).await {
        Ok(cases) => match cases.iter().find(|c| c.id == id) {
            Some(c) => calendar_file(
                case_ics(c, locale, s.desk.clock.now().timestamp()),
                "dates.ics",
            ),
            None => StatusCode::NOT_FOUND.into_response(),
        },
        Err(e) => failed(e),
    }
}
