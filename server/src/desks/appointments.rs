//! `AppointmentDesk` in SQL: the registry office's appointment machinery for every counter.
//! Capacity is enforced by one guarded statement per change (`booked < capacity`), one active
//! appointment per person and counter by a primary key, repeated submissions by the
//! idempotency table, and every status change by a guarded `UPDATE … WHERE status = …`, so a
//! place returns to its slot exactly once, whoever races.
//!
//! It knows no service: each purpose's rules ([`PurposeRules`]) are registered by the service
//! that owns it (marriage, divorce) and say what a booking admits, how its notices read and
//! what "registered" means at the counter.

use super::{
    audit, day_of, day_str, db, idempotency, insert_message, new_id, new_token, reference,
    upsert_affair, AffairItem, Due,
};
use crate::{
    admission::{Admission, Full, Outcome},
    db::{unique_violation_on, Db},
    jobs::{DueReport, DueWork},
    registry::{Registry, Setup},
    sms::SmsGateway,
};
use app::{
    appointments::{
        desk::{AppointmentDesk, BookRequest, PartnerOf, Publication},
        model::{
            change_deadline, eve_of, hold_expires_at, reminder_due_at, slot_start, voucher_payload,
            BookingStatus, BookingView, BookingWindow, CheckedIn, ClerkBooking, ClerkDay,
            DayOutcome, OfficeRules, OfficeView, Party, PickerData, PurposeSpec, Refusal, SlotView,
            VoucherCode, VoucherView,
        },
        peak::PeakDays,
    },
    desk::{refused, DeskError, DeskResult},
    error::{AppError, Code},
    identity::Role,
    rules::{
        calendar::WorkCalendar,
        clock::Clock,
        id_number::{mask_id_number, IdNumber},
    },
    web::{Resident, Staff},
};
use chrono::{DateTime, NaiveDate, Utc};
use sqlx::{AnyConnection, Row};
use std::sync::Arc;

/// Statuses that still hold a place.
const ACTIVE: &str = "('pending_partner', 'confirmed', 'checked_in')";

/// A slot as a rule sees it.
pub struct SlotFacts {
    pub id: String,
    pub office_id: String,
    pub counter: String,
    pub day: NaiveDate,
    pub starts: String,
    /// The instant it starts.
    pub starts_at: DateTime<Utc>,
    pub capacity: i64,
    pub booked: i64,
}

/// Who books: the signed-in applicant's bound facts.
pub struct Applicant {
    pub resident_id: String,
    pub phone: String,
    pub id_number: IdNumber,
}

/// The other party of a booking, as the purpose decided it.
pub struct OtherParty {
    pub name: String,
    pub id_number: String,
    pub phone: String,
    /// Their account, when the purpose knows it (a divorce case's other party).
    pub resident_id: Option<String>,
    /// The service record the appointment is for (a divorce case), linked by the purpose.
    pub record: Option<String>,
}

/// What a purpose admits for one booking or one picker: the office (a divorce case books at
/// its own), and a rule every slot must pass (e.g. "inside this case's certificate window").
pub struct SlotRule {
    pub office: Option<String>,
    #[allow(clippy::type_complexity)]
    pub admits: Box<dyn Fn(&SlotFacts) -> DeskResult<()> + Send + Sync>,
}

impl SlotRule {
    /// Any slot of any office.
    pub fn any() -> Self {
        Self {
            office: None,
            admits: Box::new(|_| Ok(())),
        }
    }

    pub fn check(&self, slot: &SlotFacts) -> DeskResult<()> {
        if self.office.as_ref().is_some_and(|o| *o != slot.office_id) {
            return Err(refused("slot", Refusal::SlotUnknown));
        }
        (self.admits)(slot)
    }
}

/// Whom a slot rule is for.
pub enum RuleScope<'a> {
    /// A new booking by a resident, for a record of theirs (a divorce case) if the purpose has one.
    New {
        resident_id: &'a str,
        record: Option<&'a str>,
    },
    /// A booking being moved.
    Move { booking: &'a Booking },
}

/// What happened to a booking, for its notices.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event {
    Invited,
    Confirmed,
    Reminder,
    Lapsed,
    Cancelled,
    Rescheduled,
    Registered,
}

/// The audit line of a purpose's outcome (when it means more than "registered").
pub struct AuditNote {
    pub action: String,
    pub target: String,
}

/// What one purpose admits and means. Registered by the service that owns it.
#[async_trait::async_trait]
pub trait PurposeRules: Send + Sync {
    fn spec(&self) -> &'static PurposeSpec;
    /// The rule slots must pass (for the picker, a booking and a move).
    async fn slot_rule(&self, scope: RuleScope<'_>) -> DeskResult<SlotRule>;
    /// Who the other party is for a new booking at `slot`, decided before the booking's
    /// transaction (the primary keys decide the races).
    async fn admit(
        &self,
        applicant: &Applicant,
        partner: PartnerOf,
        slot: &SlotFacts,
    ) -> DeskResult<OtherParty>;
    /// In the booking's transaction, after the appointment's row: link it to the record.
    async fn booked(
        &self,
        _conn: &mut AnyConnection,
        _booking_id: &str,
        _other: &OtherParty,
    ) -> DeskResult<()> {
        Ok(())
    }
    /// In the outcome's transaction, after the guarded change to registered: what it means
    /// for this purpose (a divorce application's receipt opens the case).
    async fn registered(
        &self,
        _conn: &mut AnyConnection,
        _booking: &Booking,
        _now: i64,
    ) -> DeskResult<Option<AuditNote>> {
        Ok(None)
    }
    /// The message topic of an event (`marriage_confirmed`; a discreet purpose's one neutral
    /// topic), and whether it carries the booking's number, day and time.
    fn topic(&self, event: Event) -> (&'static str, bool);
    /// The SMS of an event in the recipient's language, if it sends one.
    fn sms(&self, event: Event, booking: &BookingView, locale: app::i18n::Locale)
        -> Option<String>;
}

/// Every registered purpose, by key.
#[derive(Clone, Default)]
pub struct Purposes(Vec<Arc<dyn PurposeRules>>);

impl Purposes {
    pub fn of(rules: Vec<Arc<dyn PurposeRules>>) -> Self {
        Self(rules)
    }

    pub fn get(&self, key: &str) -> DeskResult<&Arc<dyn PurposeRules>> {
        self.0
            .iter()
            .find(|p| p.spec().key == key)
            .ok_or_else(|| DeskError::internal(format!("unknown purpose {key}")))
    }
}

/// Registers a purpose's rules (called by the service that owns it, before [`install`]).
pub fn register_purpose(reg: &mut Registry, rules: Arc<dyn PurposeRules>) {
    reg.extend(rules);
}

/// Installs the appointment desk with every purpose registered so far, its due work and the
/// voucher's calendar file route.
pub fn install(reg: &mut Registry, setup: &Setup) {
    let desk = Arc::new(SqlAppointments {
        db: setup.db.clone(),
        clock: setup.clock.clone(),
        calendar: setup.calendar.clone(),
        sms: setup.sms.clone(),
        peak_days: setup.peak_days.clone(),
        purposes: Purposes(reg.extensions::<Arc<dyn PurposeRules>>()),
        gate: Admission::default(),
    });
    let as_desk: Arc<dyn AppointmentDesk> = desk.clone();
    reg.provide(as_desk);
    reg.due(desk.clone());
    super::life::register_step(
        reg,
        Arc::new(CancelOnDeath {
            purposes: desk.purposes.clone(),
        }),
    );
    reg.route(voucher_routes(
        desk.clone(),
        super::sessions::sessions(setup),
        setup.clock.clone(),
        desk.purposes
            .0
            .iter()
            .map(|p| p.spec().page_prefix)
            .collect(),
    ));
}

pub struct SqlAppointments {
    pub db: Db,
    pub clock: Arc<dyn Clock>,
    pub calendar: Arc<WorkCalendar>,
    pub sms: Arc<dyn SmsGateway>,
    pub peak_days: Arc<PeakDays>,
    pub purposes: Purposes,
    /// Lets no more bookings of one slot into the write path than it has places left.
    pub gate: Admission,
}

/// An appointment's row, joined with its slot, office and applicant.
#[derive(sqlx::FromRow)]
pub struct BookingRow {
    id: String,
    purpose: String,
    reference: String,
    office_id: String,
    slot_id: String,
    day: String,
    starts: String,
    ends: String,
    counter: String,
    status: String,
    ceremony: i64,
    at_counter: i64,
    applicant_id: String,
    partner_id: Option<String>,
    partner_phone: String,
    applicant_name: Option<String>,
    applicant_phone: String,
    partner_name: String,
    partner_id_number: String,
    applicant_id_number: String,
    hold_expires_at: i64,
    voucher_token: String,
    cutoff_hours: i64,
    checked_in_at: Option<i64>,
}

const BOOKING_COLUMNS: &str = "b.id, b.purpose, b.reference, b.office_id, b.slot_id, s.day, s.starts, s.ends, s.counter, \
     b.status, b.ceremony, b.at_counter, b.applicant_id, b.partner_id, b.partner_phone, a.real_name AS applicant_name, \
     a.phone AS applicant_phone, b.partner_name, b.partner_id_number, b.applicant_id_number, b.hold_expires_at, \
     b.voucher_token, o.cutoff_hours, b.checked_in_at";

const BOOKING_FROM: &str = "appointments b JOIN slots s ON s.id = b.slot_id \
     JOIN registry_offices o ON o.unit_id = b.office_id JOIN residents a ON a.id = b.applicant_id";

/// A booking with what the desk needs beyond the view.
pub struct Booking {
    pub view: BookingView,
    pub counter: String,
    pub applicant_id: String,
    pub applicant_phone: String,
    pub applicant_id_number: String,
    pub partner_id: Option<String>,
    pub partner_phone: String,
    pub partner_id_number: String,
    token: String,
    checked_in_at: Option<i64>,
}

impl Booking {
    fn from_row(r: BookingRow, reader: &str, purposes: &Purposes) -> DeskResult<Self> {
        let spec = purposes.get(&r.purpose)?.spec();
        let day = day_of(&r.day)?;
        Ok(Self {
            view: BookingView {
                page: spec.page(&r.id),
                service: spec.service.to_owned(),
                discreet: spec.discreet,
                purpose: r.purpose,
                reference: r.reference,
                office_id: r.office_id,
                slot_id: r.slot_id,
                day,
                change_until: change_deadline(day, &r.starts, r.cutoff_hours as u32).timestamp(),
                starts: r.starts,
                ends: r.ends,
                status: BookingStatus::parse(&r.status)
                    .ok_or_else(|| DeskError::internal(format!("unknown status {}", r.status)))?,
                ceremony: r.ceremony != 0,
                at_counter: r.at_counter != 0,
                applicant_name: r.applicant_name.unwrap_or_default(),
                partner_name: r.partner_name,
                partner_id_number_masked: mask_id_number(&r.partner_id_number),
                hold_expires_at: r.hold_expires_at,
                role: if r.applicant_id == reader {
                    Party::Applicant
                } else {
                    Party::Partner
                },
                id: r.id,
            },
            counter: r.counter,
            applicant_id: r.applicant_id,
            applicant_phone: r.applicant_phone,
            applicant_id_number: r.applicant_id_number,
            partner_id: r.partner_id,
            partner_phone: r.partner_phone,
            partner_id_number: r.partner_id_number,
            token: r.voucher_token,
            checked_in_at: r.checked_in_at,
        })
    }

    /// The resident ids of both parties that have accounts tied to the booking.
    pub fn parties(&self) -> Vec<&str> {
        let mut v = vec![self.applicant_id.as_str()];
        v.extend(self.partner_id.as_deref());
        v
    }

    /// The other party's resident id, if they have one on the booking.
    fn other_than(&self, me: &str) -> Option<&str> {
        self.parties().into_iter().find(|p| *p != me)
    }

    fn is_party(&self, resident_id: &str) -> bool {
        self.applicant_id == resident_id || self.partner_id.as_deref() == Some(resident_id)
    }
}

async fn load_booking(
    conn: &mut AnyConnection,
    id: &str,
    reader: &str,
    purposes: &Purposes,
) -> DeskResult<Option<Booking>> {
    let row: Option<BookingRow> = sqlx::query_as(&format!(
        "SELECT {BOOKING_COLUMNS} FROM {BOOKING_FROM} WHERE b.id = $1"
    ))
    .bind(id)
    .fetch_optional(&mut *conn)
    .await
    .map_err(db)?;
    row.map(|r| Booking::from_row(r, reader, purposes))
        .transpose()
}

/// A booking's line in its parties' 我的办件; its next step is the partner's confirmation
/// (until the hold ends) or the visit itself.
async fn upsert_affairs(conn: &mut AnyConnection, b: &Booking, now: i64) -> DeskResult<()> {
    let next_at = match b.view.status {
        BookingStatus::PendingPartner => Some(b.view.hold_expires_at),
        BookingStatus::Confirmed => {
            Some(app::appointments::model::slot_start(b.view.day, &b.view.starts).timestamp())
        }
        _ => None,
    };
    for p in b.parties() {
        upsert_affair(
            conn,
            p,
            &AffairItem {
                service: &b.view.service,
                record_id: &b.view.id,
                reference: &b.view.reference,
                status: b.view.status.as_str(),
                link: &b.view.page,
                next_at,
            },
            now,
        )
        .await?;
    }
    Ok(())
}

/// 身后事: the deceased's active appointments (as applicant or partner) are cancelled and
/// their places returned; the other party is told with the family.
struct CancelOnDeath {
    purposes: Purposes,
}

#[async_trait::async_trait]
impl super::life::LifeStep for CancelOnDeath {
    fn key(&self) -> &'static str {
        "appointments.cancel"
    }

    fn rank(&self) -> u16 {
        40
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
        let now = now.timestamp();
        let rows: Vec<(String, String, i64, String)> = sqlx::query_as(
            "SELECT id, slot_id, ceremony, applicant_id FROM appointments \
             WHERE status IN ('pending_partner', 'confirmed') AND (applicant_id_number = $1 OR partner_id_number = $1) ORDER BY id",
        )
        .bind(&event.subject_id_number)
        .fetch_all(&mut *conn)
        .await
        .map_err(db)?;
        let mut done = super::life::StepDone::default();
        let mut cancelled = 0;
        for (id, slot_id, ceremony, applicant) in rows {
            let changed = sqlx::query(
                "UPDATE appointments SET status = 'cancelled', updated_at = $1 \
                 WHERE id = $2 AND status IN ('pending_partner', 'confirmed')",
            )
            .bind(now)
            .bind(&id)
            .execute(&mut *conn)
            .await
            .map_err(db)?
            .rows_affected();
            if changed != 1 {
                continue;
            }
            release_place(conn, &id, &slot_id, ceremony).await?;
            if let Some(b) = load_booking(conn, &id, &applicant, &self.purposes).await? {
                upsert_affairs(conn, &b, now).await?;
                for p in b.parties() {
                    if Some(p) != event.subject_id.as_deref() && !done.notify.iter().any(|n| n == p)
                    {
                        done.notify.push(p.to_owned());
                    }
                }
            }
            cancelled += 1;
        }
        Ok(done.with("appointments", cancelled))
    }
}

/// Returns a booking's place (and ceremony place) to its slot and frees both parties. Call
/// only from the transaction whose guarded status change ended the booking.
async fn release_place(
    conn: &mut AnyConnection,
    booking_id: &str,
    slot_id: &str,
    ceremony: i64,
) -> DeskResult<()> {
    return_place(conn, slot_id, ceremony).await?;
    free_parties(conn, booking_id).await
}

/// Gives one place (and the ceremony place, if it had one) back to a slot.
async fn return_place(conn: &mut AnyConnection, slot_id: &str, ceremony: i64) -> DeskResult<()> {
    sqlx::query(
        "UPDATE slots SET booked = booked - 1, ceremony_booked = ceremony_booked - $2 WHERE id = $1",
    )
    .bind(slot_id)
    .bind(ceremony)
    .execute(&mut *conn)
    .await
    .map_err(db)?;
    Ok(())
}

async fn free_parties(conn: &mut AnyConnection, booking_id: &str) -> DeskResult<()> {
    sqlx::query("DELETE FROM appointment_parties WHERE booking_id = $1")
        .bind(booking_id)
        .execute(&mut *conn)
        .await
        .map_err(db)?;
    Ok(())
}

/// Takes one place (and a ceremony place if asked) in a slot, or says why not.
async fn take_place(conn: &mut AnyConnection, slot_id: &str, ceremony: i64) -> DeskResult<()> {
    let taken = sqlx::query(
        "UPDATE slots SET booked = booked + 1, ceremony_booked = ceremony_booked + $2 \
         WHERE id = $1 AND booked < capacity AND ceremony_booked + $2 <= ceremony_capacity",
    )
    .bind(slot_id)
    .bind(ceremony)
    .execute(&mut *conn)
    .await
    .map_err(db)?
    .rows_affected();
    if taken == 1 {
        return Ok(());
    }
    // Tell a full slot from a full ceremony (the caller drops the transaction).
    let left: i64 = sqlx::query_scalar("SELECT capacity - booked FROM slots WHERE id = $1")
        .bind(slot_id)
        .fetch_one(&mut *conn)
        .await
        .map_err(db)?;
    Err(refused(
        "slot",
        if left > 0 {
            Refusal::CeremonyFull
        } else {
            Refusal::SlotFull
        },
    ))
}

/// Inside a booking's transaction, after its write: a closure committed meanwhile wins.
async fn still_open(conn: &mut AnyConnection, office_id: &str, day: NaiveDate) -> DeskResult<()> {
    let closures: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM office_closures WHERE office_id = $1 AND day = $2",
    )
    .bind(office_id)
    .bind(day_str(day))
    .fetch_one(&mut *conn)
    .await
    .map_err(db)?;
    if closures > 0 {
        return Err(refused("slot", Refusal::DayClosed));
    }
    Ok(())
}

/// Cancels linked appointments that are still active, in the caller's transaction (a divorce
/// case that ends cancels its certificate and counselling visits); each place returns once
/// (the status guard), and the parties' 我的办件 says so. Returns how many were cancelled.
pub async fn cancel_active(conn: &mut AnyConnection, ids: &[String], now: i64) -> DeskResult<u32> {
    let mut cancelled = 0;
    for id in ids {
        let row = sqlx::query(&format!(
            "UPDATE appointments SET status = 'cancelled', updated_at = $1 \
             WHERE id = $2 AND status IN {ACTIVE} RETURNING slot_id, ceremony, reference"
        ))
        .bind(now)
        .bind(id)
        .fetch_optional(&mut *conn)
        .await
        .map_err(db)?;
        let Some(r) = row else { continue };
        let slot_id: String = r.try_get("slot_id").map_err(db)?;
        let reference: String = r.try_get("reference").map_err(db)?;
        release_place(conn, id, &slot_id, r.try_get("ceremony").map_err(db)?).await?;
        sqlx::query(
            "UPDATE affairs SET status = 'cancelled', updated_at = $1 WHERE reference = $2",
        )
        .bind(now)
        .bind(&reference)
        .execute(&mut *conn)
        .await
        .map_err(db)?;
        cancelled += 1;
    }
    Ok(cancelled)
}

/// The slot columns a [`SlotView`] and [`SlotFacts`] are made from.
#[derive(sqlx::FromRow)]
struct SlotRow {
    id: String,
    office_id: String,
    counter: String,
    day: String,
    starts: String,
    ends: String,
    capacity: i64,
    booked: i64,
    ceremony_capacity: i64,
    ceremony_booked: i64,
    release_at: Option<i64>,
}

const SLOT_COLUMNS: &str =
    "s.id, s.office_id, s.counter, s.day, s.starts, s.ends, s.capacity, s.booked, \
     s.ceremony_capacity, s.ceremony_booked, s.release_at";

impl SlotRow {
    fn facts(&self) -> DeskResult<SlotFacts> {
        let day = day_of(&self.day)?;
        Ok(SlotFacts {
            id: self.id.clone(),
            office_id: self.office_id.clone(),
            counter: self.counter.clone(),
            day,
            starts_at: slot_start(day, &self.starts),
            starts: self.starts.clone(),
            capacity: self.capacity,
            booked: self.booked,
        })
    }

    fn view(&self, now: i64) -> DeskResult<SlotView> {
        let opens_at = self.release_at.filter(|t| *t > now);
        let closed = opens_at.is_some();
        Ok(SlotView {
            id: self.id.clone(),
            day: day_of(&self.day)?,
            starts: self.starts.clone(),
            ends: self.ends.clone(),
            left: if closed {
                0
            } else {
                (self.capacity - self.booked).max(0) as u32
            },
            ceremony_left: if closed {
                0
            } else {
                (self.ceremony_capacity - self.ceremony_booked).max(0) as u32
            },
            booked: self.booked.max(0) as u32,
            capacity: self.capacity as u32,
            ceremony_capacity: self.ceremony_capacity as u32,
            opens_at,
        })
    }
}

impl SqlAppointments {
    async fn load(
        &self,
        conn: &mut AnyConnection,
        id: &str,
        reader: &str,
    ) -> DeskResult<Option<Booking>> {
        load_booking(conn, id, reader, &self.purposes).await
    }

    /// A booking the resident may see: as applicant, as the confirmed partner, or as the
    /// number invited while it waits for the partner. Anything else is "not found".
    async fn load_for(
        &self,
        conn: &mut AnyConnection,
        id: &str,
        who: &Resident,
    ) -> DeskResult<Booking> {
        let phone = phone_of(conn, who.id()).await?;
        let booking = self
            .load(conn, id, who.id())
            .await?
            .ok_or(AppError::NotFound)?;
        let invited = booking.partner_id.is_none()
            && booking.view.status == BookingStatus::PendingPartner
            && booking.partner_phone == phone;
        if booking.is_party(who.id()) || invited {
            Ok(booking)
        } else {
            Err(AppError::NotFound.into())
        }
    }

    /// The booking as one of its parties sees it, read from the pool.
    async fn read_for(&self, id: &str, who: &Resident) -> DeskResult<Booking> {
        let mut conn = self.db.pool().acquire().await.map_err(db)?;
        self.load_for(&mut conn, id, who).await
    }

    /// A slot and whether it can take a booking today: the office's window, the calendar,
    /// closures, the peak-day release. Read without the write lock.
    async fn bookable(&self, slot_id: &str) -> DeskResult<SlotFacts> {
        let now = self.clock.now();
        let today = self.clock.today();
        let row = sqlx::query(&format!(
            "SELECT {SLOT_COLUMNS}, o.window_first_day, o.window_last_day, \
             (SELECT COUNT(*) FROM office_closures c WHERE c.office_id = s.office_id AND c.day = s.day) AS closures \
             FROM slots s JOIN registry_offices o ON o.unit_id = s.office_id WHERE s.id = $1"
        ))
        .bind(slot_id)
        .fetch_optional(self.db.pool())
        .await
        .map_err(db)?
        .ok_or_else(|| refused("slot", Refusal::SlotUnknown))?;
        let slot = <SlotRow as sqlx::FromRow<_>>::from_row(&row).map_err(db)?;
        let window = BookingWindow {
            first_day: row.try_get::<i64, _>("window_first_day").map_err(db)? as u32,
            last_day: row.try_get::<i64, _>("window_last_day").map_err(db)? as u32,
        };
        let closures: i64 = row.try_get("closures").map_err(db)?;
        let facts = slot.facts()?;
        if !window.contains(today, facts.day) {
            return Err(refused("slot", Refusal::OutsideWindow));
        }
        if !self.calendar.is_working_day(facts.day) || closures > 0 {
            return Err(refused("slot", Refusal::DayClosed));
        }
        if slot.release_at.is_some_and(|t| t > now.timestamp()) {
            return Err(refused("slot", Refusal::NotYetReleased));
        }
        Ok(facts)
    }

    async fn office(&self, id: &str) -> DeskResult<OfficeView> {
        let r = sqlx::query(
            "SELECT u.id, u.name_zh, u.name_en, o.address_zh, o.address_en, o.phone, \
             o.window_first_day, o.window_last_day, o.hold_hours, o.cutoff_hours \
             FROM registry_offices o JOIN units u ON u.id = o.unit_id WHERE o.unit_id = $1",
        )
        .bind(id)
        .fetch_optional(self.db.pool())
        .await
        .map_err(db)?
        .ok_or(AppError::NotFound)?;
        let hours: Vec<(i64, String, String)> = sqlx::query_as(
            "SELECT weekday, opens, closes FROM office_hours WHERE office_id = $1 ORDER BY weekday",
        )
        .bind(id)
        .fetch_all(self.db.pool())
        .await
        .map_err(db)?;
        Ok(OfficeView {
            id: r.try_get("id").map_err(db)?,
            name_zh: r.try_get("name_zh").map_err(db)?,
            name_en: r.try_get("name_en").map_err(db)?,
            address_zh: r.try_get("address_zh").map_err(db)?,
            address_en: r.try_get("address_en").map_err(db)?,
            phone: r.try_get("phone").map_err(db)?,
            hours: hours
                .into_iter()
                .map(|(d, o, c)| (d as u32, o, c))
                .collect(),
            rules: OfficeRules {
                window: BookingWindow {
                    first_day: r.try_get::<i64, _>("window_first_day").map_err(db)? as u32,
                    last_day: r.try_get::<i64, _>("window_last_day").map_err(db)? as u32,
                },
                hold_hours: r.try_get::<i64, _>("hold_hours").map_err(db)? as u32,
                cutoff_hours: r.try_get::<i64, _>("cutoff_hours").map_err(db)? as u32,
            },
        })
    }

    /// The open slots of an office's counter inside its own booking window, for today.
    async fn window_slots(&self, office_id: &str, counter: &str) -> DeskResult<Vec<SlotRow>> {
        let (first, last): (i64, i64) = sqlx::query_as(
            "SELECT window_first_day, window_last_day FROM registry_offices WHERE unit_id = $1",
        )
        .bind(office_id)
        .fetch_optional(self.db.pool())
        .await
        .map_err(db)?
        .ok_or(AppError::NotFound)?;
        let (from, to) = BookingWindow {
            first_day: first as u32,
            last_day: last as u32,
        }
        .days(self.clock.today());
        self.slot_rows(office_id, counter, from, to).await
    }

    async fn slot_rows(
        &self,
        office_id: &str,
        counter: &str,
        from: NaiveDate,
        to: NaiveDate,
    ) -> DeskResult<Vec<SlotRow>> {
        let rows: Vec<SlotRow> = sqlx::query_as(&format!(
            "SELECT {SLOT_COLUMNS} FROM slots s WHERE s.office_id = $1 AND s.counter = $4 AND s.day >= $2 AND s.day <= $3 \
             AND NOT EXISTS (SELECT 1 FROM office_closures c WHERE c.office_id = s.office_id AND c.day = s.day) \
             ORDER BY s.day, s.starts"
        ))
        .bind(office_id)
        .bind(day_str(from))
        .bind(day_str(to))
        .bind(counter)
        .fetch_all(self.db.pool())
        .await
        .map_err(db)?;
        Ok(rows
            .into_iter()
            .filter(|r| day_of(&r.day).is_ok_and(|d| self.calendar.is_working_day(d)))
            .collect())
    }

    /// The picker: slots of `office` passing `rule`, with the offices.
    async fn picker_of(
        &self,
        office_id: &str,
        counter: &str,
        rule: &SlotRule,
        idempotency_key: String,
    ) -> DeskResult<PickerData> {
        let offices = self.offices().await?;
        let now = self.clock.now().timestamp();
        let hold_hours: i64 =
            sqlx::query_scalar("SELECT hold_hours FROM registry_offices WHERE unit_id = $1")
                .bind(office_id)
                .fetch_optional(self.db.pool())
                .await
                .map_err(db)?
                .ok_or(AppError::NotFound)?;
        let mut slots = vec![];
        for row in self.window_slots(office_id, counter).await? {
            if rule.check(&row.facts()?).is_ok() {
                slots.push(row.view(now)?);
            }
        }
        Ok(PickerData {
            offices,
            office_id: office_id.to_owned(),
            slots,
            idempotency_key,
            hold_hours: hold_hours as u32,
            now,
        })
    }

    /// Sends SMS notices after the change committed; a failed send is logged, not fatal (the
    /// message centre already has it).
    async fn text(&self, phones: &[&str], text: &str) {
        for phone in phones {
            if let Err(e) = self.sms.send_notice(phone, text).await {
                tracing::warn!(error = %e, "SMS notice failed");
            }
        }
    }

    /// Tells each of `to` about the booking in their message centre (same transaction).
    async fn tell(
        &self,
        conn: &mut AnyConnection,
        to: &[&str],
        event: Event,
        b: &BookingView,
        now: i64,
    ) -> DeskResult<()> {
        let (topic, with_params) = self.purposes.get(&b.purpose)?.topic(event);
        let day = day_str(b.day);
        let time = format!("{}–{}", b.starts, b.ends);
        let params: Vec<(&str, &str)> = if with_params {
            vec![
                ("booking", &b.id),
                ("ref", &b.reference),
                ("day", &day),
                ("time", &time),
            ]
        } else {
            vec![]
        };
        for resident in to {
            insert_message(conn, resident, topic, &params, now).await?;
        }
        Ok(())
    }

    /// The SMS of an event, to `phones`, after the commit, each in its reader's language (the
    /// language of the account on that number; Chinese for a number without one).
    async fn text_event(&self, event: Event, b: &BookingView, phones: &[&str]) {
        let Ok(rules) = self.purposes.get(&b.purpose) else {
            return;
        };
        for phone in phones {
            let locale: Option<Option<String>> =
                sqlx::query_scalar("SELECT locale FROM residents WHERE phone = $1")
                    .bind(phone)
                    .fetch_optional(self.db.pool())
                    .await
                    .unwrap_or_default();
            let locale = super::locale_of(locale.flatten().as_deref());
            if let Some(text) = rules.sms(event, b, locale) {
                self.text(&[phone], &text).await;
            }
        }
    }

    /// A clerk may act only on their own office.
    fn clerk_office<'a>(&self, clerk: &'a Staff) -> DeskResult<&'a str> {
        if clerk.role() != Role::RegistryClerk {
            return Err(AppError::Forbidden.into());
        }
        Ok(clerk.unit_id())
    }

    /// Returns the booking `id` as its parties see it now (a repeat answered by its outcome).
    async fn current(&self, id: &str, who: &Resident) -> DeskResult<BookingView> {
        Ok(self.read_for(id, who).await?.view)
    }

    async fn lapse_due(&self) -> DeskResult<u32> {
        let now = self.clock.now().timestamp();
        let mut due = Due::find(
            &self.db,
            "SELECT id FROM appointments WHERE status = 'pending_partner' AND hold_expires_at <= $1",
            now,
        )
        .await?;
        let mut lapsed = 0;
        while let Some((mut tx, id)) = due.next().await? {
            // The guard: only the transaction that moves it out of pending gives the place back.
            let row = sqlx::query(
                "UPDATE appointments SET status = 'lapsed', updated_at = $1 \
                 WHERE id = $2 AND status = 'pending_partner' AND hold_expires_at <= $1 RETURNING slot_id, ceremony",
            )
            .bind(now)
            .bind(&id)
            .fetch_optional(&mut *tx)
            .await
            .map_err(db)?;
            let Some(row) = row else { continue };
            let slot_id: String = row.try_get("slot_id").map_err(db)?;
            let ceremony: i64 = row.try_get("ceremony").map_err(db)?;
            release_place(&mut tx, &id, &slot_id, ceremony).await?;
            if let Some(b) = self.load(&mut tx, &id, "").await? {
                upsert_affairs(&mut tx, &b, now).await?;
                self.tell(&mut tx, &[&b.applicant_id], Event::Lapsed, &b.view, now)
                    .await?;
            }
            tx.commit().await.map_err(db)?;
            lapsed += 1;
        }
        Ok(lapsed)
    }

    async fn remind_due(&self) -> DeskResult<u32> {
        let now = self.clock.now().timestamp();
        let mut due = Due::find(
            &self.db,
            "SELECT id FROM appointments WHERE status = 'confirmed' AND reminded_at IS NULL AND remind_at <= $1",
            now,
        )
        .await?;
        let mut reminded = 0;
        while let Some((mut tx, id)) = due.next().await? {
            let marked = sqlx::query(
                "UPDATE appointments SET reminded_at = $1 WHERE id = $2 AND status = 'confirmed' AND reminded_at IS NULL",
            )
            .bind(now)
            .bind(&id)
            .execute(&mut *tx)
            .await
            .map_err(db)?
            .rows_affected();
            if marked != 1 {
                continue;
            }
            let Some(b) = self.load(&mut tx, &id, "").await? else {
                continue;
            };
            // A reminder for a slot that already began (the server was down) is not sent, but
            // it is marked so it is never sent later.
            let upcoming = slot_start(b.view.day, &b.view.starts).timestamp() > now;
            if upcoming {
                self.tell(&mut tx, &b.parties(), Event::Reminder, &b.view, now)
                    .await?;
            }
            tx.commit().await.map_err(db)?;
            if upcoming {
                self.text_event(
                    Event::Reminder,
                    &b.view,
                    &[&b.applicant_phone, &b.partner_phone],
                )
                .await;
                reminded += 1;
            }
        }
        Ok(reminded)
    }

    /// The peak-day release instant a new slot on `day` gets, if it is a peak day and the
    /// instant is still ahead.
    fn release_for(&self, day: NaiveDate) -> Option<i64> {
        self.peak_days
            .release_at(day)
            .map(|t| t.timestamp())
            .filter(|t| *t > self.clock.now().timestamp())
    }
}

async fn phone_of(conn: &mut AnyConnection, resident_id: &str) -> DeskResult<String> {
    sqlx::query_scalar("SELECT phone FROM residents WHERE id = $1")
        .bind(resident_id)
        .fetch_optional(&mut *conn)
        .await
        .map_err(db)?
        .ok_or_else(|| AppError::SignInRequired.into())
}

#[async_trait::async_trait]
impl DueWork for SqlAppointments {
    fn name(&self) -> &'static str {
        "appointments"
    }

    /// Lapses unconfirmed holds past their time and sends the day-before reminders.
    async fn run(&self) -> DeskResult<DueReport> {
        let mut r = DueReport::default();
        r.add("lapsed", self.lapse_due().await?);
        r.add("reminded", self.remind_due().await?);
        Ok(r)
    }
}

#[async_trait::async_trait]
impl AppointmentDesk for SqlAppointments {
    async fn offices(&self) -> DeskResult<Vec<OfficeView>> {
        let ids: Vec<String> =
            sqlx::query_scalar("SELECT unit_id FROM registry_offices ORDER BY unit_id")
                .fetch_all(self.db.pool())
                .await
                .map_err(db)?;
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            out.push(self.office(&id).await?);
        }
        Ok(out)
    }

    async fn picker(
        &self,
        who: &Resident,
        purpose: &str,
        record: Option<&str>,
        office_id: Option<&str>,
        idempotency_key: String,
    ) -> DeskResult<PickerData> {
        let rules = self
            .purposes
            .get(purpose)
            .map_err(|_| AppError::BadRequest)?;
        let rule = rules
            .slot_rule(RuleScope::New {
                resident_id: who.id(),
                record,
            })
            .await?;
        // A purpose tied to a record books at the record's office.
        let offices = self.offices().await?;
        let office = rule
            .office
            .clone()
            .or_else(|| {
                office_id
                    .filter(|id| offices.iter().any(|o| o.id == *id))
                    .map(str::to_owned)
            })
            .or_else(|| offices.first().map(|o| o.id.clone()))
            .ok_or(AppError::NotFound)?;
        self.picker_of(&office, rules.spec().counter, &rule, idempotency_key)
            .await
    }

    async fn move_picker(
        &self,
        who: &Resident,
        booking_id: &str,
        idempotency_key: String,
    ) -> DeskResult<(VoucherView, PickerData)> {
        let v = self.voucher(who, booking_id).await?;
        let b = self.read_for(booking_id, who).await?;
        let rules = self.purposes.get(&b.view.purpose)?;
        let rule = rules.slot_rule(RuleScope::Move { booking: &b }).await?;
        let mut p = self
            .picker_of(&b.view.office_id, &b.counter, &rule, idempotency_key)
            .await?;
        p.slots.retain(|s| s.id != b.view.slot_id);
        Ok((v, p))
    }

    async fn slots(
        &self,
        office_id: &str,
        counter: &str,
        from: NaiveDate,
        to: NaiveDate,
    ) -> DeskResult<Vec<SlotView>> {
        let now = self.clock.now().timestamp();
        self.slot_rows(office_id, counter, from, to)
            .await?
            .iter()
            .map(|r| r.view(now))
            .collect()
    }

    #[tracing::instrument(name = "Book appointment", skip_all, fields(slot_id = %request.slot_id, purpose = request.purpose))]
    async fn book(&self, who: &Resident, request: BookRequest) -> DeskResult<BookingView> {
        let now = self.clock.now();
        let today = self.clock.today();
        let rules = self.purposes.get(request.purpose)?.clone();
        let spec = rules.spec();
        // A double tap is answered by reading: the key was used, the booking exists.
        if let Some(booking_id) =
            idempotency::seen(self.db.pool(), who.id(), &request.idempotency_key).await?
        {
            return self.current(&booking_id, who).await;
        }
        let slot = self.bookable(&request.slot_id).await?;
        if slot.counter != spec.counter {
            return Err(refused("slot", Refusal::SlotUnknown));
        }
        // A full slot is told so by reading, without queueing for the write lock, and before
        // anything else is read: in a burst most attempts end here.
        if slot.booked >= slot.capacity {
            return Err(refused("slot", Refusal::SlotFull));
        }
        // In a burst, the attempts beyond the places left wait here, before reading anything
        // more and without the write lock. An attempt refused below for a reason of its own
        // (the dropped permit) frees its turn for the next.
        let permit = self
            .gate
            .admit(&slot.id, slot.capacity - slot.booked)
            .await
            .map_err(|Full| refused("slot", Refusal::SlotFull))?;
        let applicant = sqlx::query("SELECT id_number, phone FROM residents WHERE id = $1")
            .bind(who.id())
            .fetch_optional(self.db.pool())
            .await
            .map_err(db)?
            .ok_or(AppError::SignInRequired)?;
        let applicant_number: Option<String> = applicant.try_get("id_number").map_err(db)?;
        let applicant_phone: String = applicant.try_get("phone").map_err(db)?;
        let applicant_number =
            applicant_number.ok_or_else(|| refused("slot", Code::RealNameRequired))?;
        // Stored numbers were checked when bound; parse again to get sex and age.
        let applicant_id_number = IdNumber::parse(&applicant_number, today)
            .map_err(|_| refused("slot", Code::RealNameRequired))?;
        let record = match &request.partner {
            PartnerOf::Record(r) => Some(r.clone()),
            PartnerOf::Typed { .. } => None,
        };
        let rule = rules
            .slot_rule(RuleScope::New {
                resident_id: who.id(),
                record: record.as_deref(),
            })
            .await?;
        rule.check(&slot)?;
        let applicant = Applicant {
            resident_id: who.id().to_owned(),
            phone: applicant_phone,
            id_number: applicant_id_number,
        };
        let other = rules.admit(&applicant, request.partner, &slot).await?;
        let hold_hours: i64 =
            sqlx::query_scalar("SELECT hold_hours FROM registry_offices WHERE unit_id = $1")
                .bind(&slot.office_id)
                .fetch_one(self.db.pool())
                .await
                .map_err(db)?;
        let at_counter = spec.needs_partner && request.partner_at_counter;

        // `Ok(Err(id))`: a tap racing this one booked first; this one replays its outcome.
        let held: DeskResult<Result<Booking, String>> = async {
        let mut tx = self.db.begin_write().await.map_err(db)?;
        // The key is claimed inside the transaction too: of two taps racing, one books and
        // the other replays its outcome.
        if let idempotency::Claim::Seen(outcome) =
            idempotency::claim(&mut tx, who.id(), &request.idempotency_key, now.timestamp()).await?
        {
            drop(tx);
            let booking_id =
                outcome.ok_or_else(|| DeskError::internal("idempotency key without outcome"))?;
            return Ok(Err(booking_id));
        }
        let ceremony = i64::from(spec.ceremony && request.ceremony);
        take_place(&mut tx, &slot.id, ceremony).await?;
        still_open(&mut tx, &slot.office_id, slot.day).await?;
        let booking_id = new_id();
        // Counselling needs no second confirmation: it is confirmed as booked.
        let (status, partner_id, confirmed_at, remind_at) = if spec.needs_partner {
            (BookingStatus::PendingPartner, None, None, None)
        } else {
            (
                BookingStatus::Confirmed,
                other.resident_id.clone(),
                Some(now.timestamp()),
                Some(reminder_due_at(slot.day).timestamp()),
            )
        };
        let hold = hold_expires_at(now, slot.day, &slot.starts, hold_hours as u32, at_counter);
        let token = new_token();
        let mut draws = reference::draws(spec.reference_prefix, slot.day);
        loop {
            let candidate = draws.next_or_fail()?;
            let inserted = sqlx::query(
                "INSERT INTO appointments (id, purpose, reference, office_id, slot_id, applicant_id, applicant_id_number, partner_name, \
                 partner_id_number, partner_phone, partner_id, ceremony, at_counter, status, hold_expires_at, voucher_token, created_at, updated_at, \
                 confirmed_at, remind_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $17, $18, $19) \
                 ON CONFLICT (reference) DO NOTHING",
            )
            .bind(&booking_id)
            .bind(spec.key)
            .bind(&candidate)
            .bind(&slot.office_id)
            .bind(&slot.id)
            .bind(who.id())
            .bind(applicant.id_number.as_str())
            .bind(&other.name)
            .bind(&other.id_number)
            .bind(&other.phone)
            .bind(&partner_id)
            .bind(ceremony)
            .bind(i64::from(at_counter))
            .bind(status.as_str())
            .bind(hold.timestamp())
            .bind(&token)
            .bind(now.timestamp())
            .bind(confirmed_at)
            .bind(remind_at)
            .execute(&mut *tx)
            .await
            .map_err(db)?
            .rows_affected();
            if inserted == 1 {
                break;
            }
        }
        // Each party may hold one active booking per counter; the primary key decides races.
        for (number, field, code) in [
            (
                applicant.id_number.as_str(),
                "slot",
                Refusal::ApplicantHasBooking,
            ),
            (
                other.id_number.as_str(),
                "partner_id_number",
                Refusal::PartnerHasBooking,
            ),
        ] {
            let claimed = sqlx::query(
                "INSERT INTO appointment_parties (id_number, counter, booking_id) VALUES ($1, $2, $3)",
            )
            .bind(number)
            .bind(spec.counter)
            .bind(&booking_id)
            .execute(&mut *tx)
            .await;
            match claimed {
                Ok(_) => {}
                Err(e) if unique_violation_on(&e, "id_number") => return Err(refused(field, code)),
                Err(e) => return Err(db(e)),
            }
        }
        rules.booked(&mut tx, &booking_id, &other).await?;
        idempotency::record(&mut tx, who.id(), &request.idempotency_key, &booking_id).await?;
        let b = self
            .load(&mut tx, &booking_id, who.id())
            .await?
            .ok_or(AppError::NotFound)?;
        upsert_affairs(&mut tx, &b, now.timestamp()).await?;
        // The partner hears of it in their message centre if they already have an account.
        let partner_account: Option<String> = match &partner_id {
            Some(id) => Some(id.clone()),
            None => sqlx::query_scalar("SELECT id FROM residents WHERE phone = $1")
                .bind(&other.phone)
                .fetch_optional(&mut *tx)
                .await
                .map_err(db)?,
        };
        if let Some(p) = &partner_account {
            self.tell(&mut tx, &[p], Event::Invited, &b.view, now.timestamp())
                .await?;
        }
        tx.commit().await.map_err(db)?;
        Ok(Ok(b))
        }
        .await;
        permit.finish(match &held {
            Ok(Ok(_)) => Outcome::Held,
            Err(DeskError::Refused(AppError::Invalid { code, .. }))
                if code == &Code::from(Refusal::SlotFull) =>
            {
                Outcome::Full
            }
            Ok(Err(_)) | Err(_) => Outcome::Other,
        });
        let b = match held? {
            Ok(b) => b,
            Err(booking_id) => return self.current(&booking_id, who).await,
        };
        // The invitation asks the partner to sign in and confirm; one confirmed at the counter
        // (no smartphone) is told once the clerk has confirmed them, not asked to do the impossible.
        if !b.view.at_counter {
            self.text_event(Event::Invited, &b.view, &[other.phone.as_str()])
                .await;
        }
        Ok(b.view)
    }

    #[tracing::instrument(name = "Confirm appointment", skip_all)]
    async fn confirm(&self, who: &Resident, booking_id: &str) -> DeskResult<BookingView> {
        let now = self.clock.now();
        let b = self.read_for(booking_id, who).await?;
        if b.partner_id.as_deref() == Some(who.id())
            && b.view.status != BookingStatus::PendingPartner
        {
            return Ok(b.view); // confirmed already: a double tap lands on the booking
        }
        if b.applicant_id == who.id() {
            return Err(refused("confirm", Code::StatusChanged));
        }
        match b.view.status {
            BookingStatus::PendingPartner if b.view.hold_expires_at > now.timestamp() => {}
            BookingStatus::PendingPartner | BookingStatus::Lapsed => {
                return Err(refused("confirm", Refusal::HoldLapsed))
            }
            _ => return Err(refused("confirm", Refusal::Closed)),
        }
        let me = sqlx::query("SELECT real_name, id_number FROM residents WHERE id = $1")
            .bind(who.id())
            .fetch_one(self.db.pool())
            .await
            .map_err(db)?;
        let (name, number): (Option<String>, Option<String>) = (
            me.try_get("real_name").map_err(db)?,
            me.try_get("id_number").map_err(db)?,
        );
        let (Some(name), Some(number)) = (name, number) else {
            return Err(refused("confirm", Code::RealNameRequired));
        };
        if name != b.view.partner_name || number != b.partner_id_number {
            return Err(refused("confirm", Refusal::PartnerMismatch));
        }
        let mut tx = self.db.begin_write().await.map_err(db)?;
        let changed = sqlx::query(
            "UPDATE appointments SET status = 'confirmed', partner_id = $1, confirmed_at = $2, remind_at = $3, updated_at = $2 \
             WHERE id = $4 AND status = 'pending_partner' AND hold_expires_at > $2",
        )
        .bind(who.id())
        .bind(now.timestamp())
        .bind(reminder_due_at(b.view.day).timestamp())
        .bind(booking_id)
        .execute(&mut *tx)
        .await
        .map_err(db)?
        .rows_affected();
        if changed != 1 {
            drop(tx);
            // Another tap of the same person got there first: answer with its outcome.
            let now_b = self.read_for(booking_id, who).await?;
            return if now_b.partner_id.as_deref() == Some(who.id()) {
                Ok(now_b.view)
            } else {
                Err(refused("confirm", Refusal::HoldLapsed))
            };
        }
        let b = self
            .load(&mut tx, booking_id, who.id())
            .await?
            .ok_or(AppError::NotFound)?;
        upsert_affairs(&mut tx, &b, now.timestamp()).await?;
        self.tell(
            &mut tx,
            &b.parties(),
            Event::Confirmed,
            &b.view,
            now.timestamp(),
        )
        .await?;
        tx.commit().await.map_err(db)?;
        Ok(b.view)
    }

    #[tracing::instrument(name = "Reschedule appointment", skip_all)]
    async fn reschedule(
        &self,
        who: &Resident,
        booking_id: &str,
        slot_id: &str,
        idempotency_key: &str,
    ) -> DeskResult<BookingView> {
        let now = self.clock.now();
        if idempotency::seen(self.db.pool(), who.id(), idempotency_key)
            .await?
            .is_some()
        {
            return self.current(booking_id, who).await;
        }
        let b = self.read_for(booking_id, who).await?;
        if !b.is_party(who.id()) {
            return Err(AppError::NotFound.into());
        }
        let old_slot = b.view.slot_id.clone();
        if !matches!(
            b.view.status,
            BookingStatus::PendingPartner | BookingStatus::Confirmed
        ) {
            return Err(refused("slot", Refusal::Closed));
        }
        if now.timestamp() >= b.view.change_until {
            return Err(refused("slot", Refusal::PastCutoff));
        }
        if slot_id == old_slot {
            return Err(refused("slot", Refusal::SameSlot));
        }
        let slot = self.bookable(slot_id).await?;
        if slot.office_id != b.view.office_id || slot.counter != b.counter {
            return Err(refused("slot", Refusal::SlotUnknown));
        }
        if slot.booked >= slot.capacity {
            return Err(refused("slot", Refusal::SlotFull));
        }
        let rules = self.purposes.get(&b.view.purpose)?;
        rules
            .slot_rule(RuleScope::Move { booking: &b })
            .await?
            .check(&slot)?;
        let mut tx = self.db.begin_write().await.map_err(db)?;
        if let idempotency::Claim::Seen(_) =
            idempotency::claim(&mut tx, who.id(), idempotency_key, now.timestamp()).await?
        {
            drop(tx);
            return self.current(booking_id, who).await;
        }
        let ceremony = i64::from(b.view.ceremony);
        take_place(&mut tx, slot_id, ceremony).await?;
        still_open(&mut tx, &slot.office_id, slot.day).await?;
        // Moved only if it is still where we read it and still active: the guard that makes
        // the old place return exactly once. A move never extends an unconfirmed hold, and it
        // still ends by the eve of the new day (or its start, confirmed at the counter).
        let limit = if b.view.at_counter {
            slot.starts_at
        } else {
            eve_of(slot.day)
        };
        let hold = b.view.hold_expires_at.min(limit.timestamp());
        let moved = sqlx::query(
            "UPDATE appointments SET slot_id = $1, hold_expires_at = $2, remind_at = $3, reminded_at = NULL, updated_at = $4 \
             WHERE id = $5 AND slot_id = $6 AND status IN ('pending_partner', 'confirmed')",
        )
        .bind(slot_id)
        .bind(hold)
        .bind(reminder_due_at(slot.day).timestamp())
        .bind(now.timestamp())
        .bind(booking_id)
        .bind(&old_slot)
        .execute(&mut *tx)
        .await
        .map_err(db)?
        .rows_affected();
        if moved != 1 {
            return Err(refused("slot", Code::StatusChanged));
        }
        return_place(&mut tx, &old_slot, ceremony).await?;
        idempotency::record(&mut tx, who.id(), idempotency_key, booking_id).await?;
        let moved = self
            .load(&mut tx, booking_id, who.id())
            .await?
            .ok_or(AppError::NotFound)?;
        upsert_affairs(&mut tx, &moved, now.timestamp()).await?;
        if let Some(other) = moved.other_than(who.id()) {
            self.tell(
                &mut tx,
                &[other],
                Event::Rescheduled,
                &moved.view,
                now.timestamp(),
            )
            .await?;
        }
        tx.commit().await.map_err(db)?;
        Ok(moved.view)
    }

    #[tracing::instrument(name = "Cancel appointment", skip_all)]
    async fn cancel(&self, who: &Resident, booking_id: &str) -> DeskResult<BookingView> {
        let now = self.clock.now().timestamp();
        let b = self.read_for(booking_id, who).await?;
        if !b.is_party(who.id()) {
            return Err(AppError::NotFound.into());
        }
        if b.view.status == BookingStatus::Cancelled {
            return Ok(b.view); // a repeat lands on the cancelled booking
        }
        if !b.view.status.is_active() {
            return Err(refused("booking", Refusal::Closed));
        }
        if now >= b.view.change_until {
            return Err(refused("booking", Refusal::PastCutoff));
        }
        let mut tx = self.db.begin_write().await.map_err(db)?;
        // The status change is the guard: only the transaction that moves an active booking
        // to cancelled gives its place back, so a place returns exactly once.
        let row = sqlx::query(
            "UPDATE appointments SET status = 'cancelled', updated_at = $1 \
             WHERE id = $2 AND status IN ('pending_partner', 'confirmed') AND (applicant_id = $3 OR partner_id = $3) \
             RETURNING slot_id, ceremony",
        )
        .bind(now)
        .bind(booking_id)
        .bind(who.id())
        .fetch_optional(&mut *tx)
        .await
        .map_err(db)?;
        let Some(row) = row else {
            drop(tx);
            // Cancelled by a tap a moment before (or changed at the counter): say what it is now.
            let current = self.current(booking_id, who).await?;
            return if current.status == BookingStatus::Cancelled {
                Ok(current)
            } else {
                Err(refused("booking", Code::StatusChanged))
            };
        };
        let slot_id: String = row.try_get("slot_id").map_err(db)?;
        let ceremony: i64 = row.try_get("ceremony").map_err(db)?;
        release_place(&mut tx, booking_id, &slot_id, ceremony).await?;
        let cancelled = self
            .load(&mut tx, booking_id, who.id())
            .await?
            .ok_or(AppError::NotFound)?;
        upsert_affairs(&mut tx, &cancelled, now).await?;
        if let Some(other) = cancelled.other_than(who.id()) {
            self.tell(&mut tx, &[other], Event::Cancelled, &cancelled.view, now)
                .await?;
        }
        tx.commit().await.map_err(db)?;
        Ok(cancelled.view)
    }

    async fn my_bookings(&self, who: &Resident, service: &str) -> DeskResult<Vec<BookingView>> {
        let mut conn = self.db.pool().acquire().await.map_err(db)?;
        let phone = phone_of(&mut conn, who.id()).await?;
        let keys: Vec<&str> = self
            .purposes
            .0
            .iter()
            .map(|p| p.spec())
            .filter(|s| s.service == service)
            .map(|s| s.key)
            .collect();
        let rows: Vec<BookingRow> = sqlx::query_as(&format!(
            "SELECT {BOOKING_COLUMNS} FROM {BOOKING_FROM} \
             WHERE b.applicant_id = $1 OR b.partner_id = $1 \
             OR (b.partner_phone = $2 AND b.partner_id IS NULL AND b.status = 'pending_partner') \
             ORDER BY b.created_at DESC"
        ))
        .bind(who.id())
        .bind(&phone)
        .fetch_all(&mut *conn)
        .await
        .map_err(db)?;
        rows.into_iter()
            .filter(|r| keys.contains(&r.purpose.as_str()))
            .map(|r| Booking::from_row(r, who.id(), &self.purposes).map(|b| b.view))
            .collect()
    }

    async fn voucher(&self, who: &Resident, booking_id: &str) -> DeskResult<VoucherView> {
        let b = self.read_for(booking_id, who).await?;
        let office = self.office(&b.view.office_id).await?;
        // The QR code only once both confirmed: before that there is nothing to check in.
        let qr_svg = if matches!(
            b.view.status,
            BookingStatus::Confirmed | BookingStatus::CheckedIn
        ) {
            app::appointments::model::qr_svg(&voucher_payload(&b.token))
                .map_err(DeskError::internal)?
        } else {
            String::new()
        };
        let can_change = matches!(
            b.view.status,
            BookingStatus::PendingPartner | BookingStatus::Confirmed
        ) && self.clock.now().timestamp() < b.view.change_until;
        Ok(VoucherView {
            can_change,
            booking: b.view,
            office,
            qr_svg,
        })
    }

    async fn clerk_day(
        &self,
        clerk: &Staff,
        counter: &str,
        day: NaiveDate,
    ) -> DeskResult<ClerkDay> {
        let office_id = self.clerk_office(clerk)?.to_owned();
        let now = self.clock.now();
        let mut tx = self.db.begin_write().await.map_err(db)?;
        // Reading the day list shows names and (masked) numbers: it is audited like any action.
        audit(
            &mut tx,
            now,
            clerk.into(),
            &format!("{counter}.day_list"),
            &format!("{office_id} {}", day_str(day)),
        )
        .await?;
        let closed_reason: Option<String> = sqlx::query_scalar(
            "SELECT reason FROM office_closures WHERE office_id = $1 AND day = $2",
        )
        .bind(&office_id)
        .bind(day_str(day))
        .fetch_optional(&mut *tx)
        .await
        .map_err(db)?;
        let slots: Vec<SlotRow> = sqlx::query_as(&format!(
            "SELECT {SLOT_COLUMNS} FROM slots s WHERE s.office_id = $1 AND s.day = $2 AND s.counter = $3 ORDER BY s.starts"
        ))
        .bind(&office_id)
        .bind(day_str(day))
        .bind(counter)
        .fetch_all(&mut *tx)
        .await
        .map_err(db)?;
        let slots = slots
            .iter()
            .map(|r| r.view(now.timestamp()))
            .collect::<DeskResult<Vec<_>>>()?;
        let rows: Vec<BookingRow> = sqlx::query_as(&format!(
            "SELECT {BOOKING_COLUMNS} FROM {BOOKING_FROM} WHERE b.office_id = $1 AND s.day = $2 AND s.counter = $3 \
             AND b.status IN ('pending_partner', 'confirmed', 'checked_in', 'registered', 'no_show') ORDER BY s.starts, b.reference"
        ))
        .bind(&office_id)
        .bind(day_str(day))
        .bind(counter)
        .fetch_all(&mut *tx)
        .await
        .map_err(db)?;
        let bookings = rows
            .into_iter()
            .map(|r| {
                let b = Booking::from_row(r, "", &self.purposes)?;
                Ok(ClerkBooking {
                    applicant_id_masked: mask_id_number(&b.applicant_id_number),
                    checked_in_at: b.checked_in_at,
                    id: b.view.id,
                    purpose: b.view.purpose,
                    reference: b.view.reference,
                    slot_id: b.view.slot_id,
                    starts: b.view.starts,
                    ends: b.view.ends,
                    status: b.view.status,
                    ceremony: b.view.ceremony,
                    at_counter: b.view.at_counter,
                    applicant_name: b.view.applicant_name,
                    partner_name: b.view.partner_name,
                    partner_id_masked: b.view.partner_id_number_masked,
                })
            })
            .collect::<DeskResult<Vec<_>>>()?;
        let (name_zh, name_en): (String, String) =
            sqlx::query_as("SELECT name_zh, name_en FROM units WHERE id = $1")
                .bind(&office_id)
                .fetch_one(&mut *tx)
                .await
                .map_err(db)?;
        tx.commit().await.map_err(db)?;
        Ok(ClerkDay {
            day,
            counter: counter.to_owned(),
            office_name_zh: name_zh,
            office_name_en: name_en,
            closed_reason,
            working_day: self.calendar.is_working_day(day),
            slots,
            bookings,
        })
    }

    async fn check_in(&self, clerk: &Staff, code: &str) -> DeskResult<CheckedIn> {
        let office_id = self.clerk_office(clerk)?.to_owned();
        let now = self.clock.now();
        let code =
            VoucherCode::parse(code).ok_or_else(|| refused("code", Refusal::VoucherUnknown))?;
        let (column, value) = match code {
            VoucherCode::Token(t) => ("voucher_token", t),
            VoucherCode::Reference(r) => ("reference", r),
        };
        let row = sqlx::query(&format!(
            "SELECT b.id FROM appointments b WHERE b.{column} = $1 AND b.office_id = $2"
        ))
        .bind(&value)
        .bind(&office_id)
        .fetch_optional(self.db.pool())
        .await
        .map_err(db)?
        .ok_or_else(|| refused("code", Refusal::VoucherUnknown))?;
        let id: String = row.try_get("id").map_err(db)?;
        let mut tx = self.db.begin_write().await.map_err(db)?;
        let b = self
            .load(&mut tx, &id, "")
            .await?
            .ok_or(AppError::NotFound)?;
        if b.view.day != self.clock.today() {
            return Err(refused("code", Refusal::VoucherNotToday));
        }
        let changed = sqlx::query(
            "UPDATE appointments SET status = 'checked_in', checked_in_at = $1, updated_at = $1 WHERE id = $2 AND status = 'confirmed'",
        )
        .bind(now.timestamp())
        .bind(&id)
        .execute(&mut *tx)
        .await
        .map_err(db)?
        .rows_affected();
        if changed != 1 {
            // Read again: on PostgreSQL the row read above may predate a tap that committed
            // while this update waited for its lock.
            let b = self
                .load(&mut tx, &id, "")
                .await?
                .ok_or(AppError::NotFound)?;
            return Err(match b.view.status {
                BookingStatus::CheckedIn | BookingStatus::Registered => refused(
                    "code",
                    Refusal::AlreadyCheckedIn {
                        at: b.checked_in_at.unwrap_or_default(),
                    },
                ),
                BookingStatus::PendingPartner => refused("code", Refusal::NotConfirmed),
                _ => refused("code", Refusal::Closed),
            });
        }
        let b = self
            .load(&mut tx, &id, "")
            .await?
            .ok_or(AppError::NotFound)?;
        upsert_affairs(&mut tx, &b, now.timestamp()).await?;
        audit(
            &mut tx,
            now,
            clerk.into(),
            &format!("{}.check_in", b.view.service),
            &b.view.reference,
        )
        .await?;
        tx.commit().await.map_err(db)?;
        Ok(CheckedIn {
            booking_id: id,
            reference: b.view.reference,
            counter: b.counter,
            starts: b.view.starts,
            applicant_name: b.view.applicant_name,
            partner_name: b.view.partner_name,
        })
    }

    async fn confirm_at_counter(
        &self,
        clerk: &Staff,
        booking_id: &str,
        card: &IdNumber,
    ) -> DeskResult<BookingView> {
        let office_id = self.clerk_office(clerk)?.to_owned();
        let now = self.clock.now();
        let mut tx = self.db.begin_write().await.map_err(db)?;
        let b = self
            .load(&mut tx, booking_id, "")
            .await?
            .filter(|b| b.view.office_id == office_id)
            .ok_or(AppError::NotFound)?;
        if card.as_str() != b.partner_id_number {
            // A card that does not match is a staff action too: audited, nothing else changes.
            audit(
                &mut tx,
                now,
                clerk.into(),
                &format!("{}.card_mismatch", b.view.service),
                &b.view.reference,
            )
            .await?;
            tx.commit().await.map_err(db)?;
            return Err(refused("partner_id_number", Refusal::CardMismatch));
        }
        if b.view.status == BookingStatus::Confirmed {
            return Ok(b.view); // confirmed a moment before: a double tap
        }
        let changed = sqlx::query(
            "UPDATE appointments SET status = 'confirmed', confirmed_at = $1, remind_at = $2, updated_at = $1 \
             WHERE id = $3 AND status = 'pending_partner' AND hold_expires_at > $1",
        )
        .bind(now.timestamp())
        .bind(reminder_due_at(b.view.day).timestamp())
        .bind(booking_id)
        .execute(&mut *tx)
        .await
        .map_err(db)?
        .rows_affected();
        if changed != 1 {
            // Read again: another tap may have committed while this update waited (PostgreSQL).
            let b = self
                .load(&mut tx, booking_id, "")
                .await?
                .ok_or(AppError::NotFound)?;
            if b.view.status == BookingStatus::Confirmed {
                return Ok(b.view);
            }
            return Err(refused(
                "partner_id_number",
                if b.view.status == BookingStatus::PendingPartner
                    || b.view.status == BookingStatus::Lapsed
                {
                    Refusal::HoldLapsed
                } else {
                    Refusal::Closed
                },
            ));
        }
        let b = self
            .load(&mut tx, booking_id, "")
            .await?
            .ok_or(AppError::NotFound)?;
        upsert_affairs(&mut tx, &b, now.timestamp()).await?;
        self.tell(
            &mut tx,
            &b.parties(),
            Event::Confirmed,
            &b.view,
            now.timestamp(),
        )
        .await?;
        audit(
            &mut tx,
            now,
            clerk.into(),
            &format!("{}.confirm_at_counter", b.view.service),
            &b.view.reference,
        )
        .await?;
        tx.commit().await.map_err(db)?;
        self.text_event(
            Event::Confirmed,
            &b.view,
            &[&b.applicant_phone, &b.partner_phone],
        )
        .await;
        Ok(b.view)
    }

    async fn record_outcome(
        &self,
        clerk: &Staff,
        booking_id: &str,
        outcome: DayOutcome,
    ) -> DeskResult<()> {
        let office_id = self.clerk_office(clerk)?.to_owned();
        let now = self.clock.now();
        let today = self.clock.today();
        let (to, from) = match outcome {
            DayOutcome::Registered => ("registered", "checked_in"),
            DayOutcome::NoShow => ("no_show", "confirmed"),
        };
        let mut tx = self.db.begin_write().await.map_err(db)?;
        // No-show only from the day itself on; registered only after check-in.
        let changed = sqlx::query(
            "UPDATE appointments SET status = $1, updated_at = $2 WHERE id = $3 AND office_id = $4 AND status = $5 \
             AND (SELECT day FROM slots s WHERE s.id = appointments.slot_id) <= $6",
        )
        .bind(to)
        .bind(now.timestamp())
        .bind(booking_id)
        .bind(&office_id)
        .bind(from)
        .bind(day_str(today))
        .execute(&mut *tx)
        .await
        .map_err(db)?
        .rows_affected();
        if changed != 1 {
            return Err(refused("booking", Code::StatusChanged));
        }
        free_parties(&mut tx, booking_id).await?;
        let b = self
            .load(&mut tx, booking_id, "")
            .await?
            .ok_or(AppError::NotFound)?;
        let rules = self.purposes.get(&b.view.purpose)?.clone();
        let mut note = AuditNote {
            action: format!("{}.{to}", b.view.purpose),
            target: b.view.reference.clone(),
        };
        if outcome == DayOutcome::Registered {
            if let Some(n) = rules.registered(&mut tx, &b, now.timestamp()).await? {
                note = n;
            }
        }
        upsert_affairs(&mut tx, &b, now.timestamp()).await?;
        audit(&mut tx, now, clerk.into(), &note.action, &note.target).await?;
        tx.commit().await.map_err(db)?;
        if outcome == DayOutcome::Registered {
            self.text_event(
                Event::Registered,
                &b.view,
                &[&b.applicant_phone, &b.partner_phone],
            )
            .await;
        }
        Ok(())
    }

    async fn set_capacity(
        &self,
        clerk: &Staff,
        slot_id: &str,
        capacity: u32,
        ceremony_capacity: u32,
    ) -> DeskResult<()> {
        let office_id = self.clerk_office(clerk)?.to_owned();
        let mut tx = self.db.begin_write().await.map_err(db)?;
        let counter: Option<String> = sqlx::query_scalar(
            "UPDATE slots SET capacity = $1, ceremony_capacity = $2 \
             WHERE id = $3 AND office_id = $4 AND booked <= $1 AND ceremony_booked <= $2 RETURNING counter",
        )
        .bind(i64::from(capacity))
        .bind(i64::from(ceremony_capacity))
        .bind(slot_id)
        .bind(&office_id)
        .fetch_optional(&mut *tx)
        .await
        .map_err(db)?;
        let Some(counter) = counter else {
            let exists: i64 =
                sqlx::query_scalar("SELECT COUNT(*) FROM slots WHERE id = $1 AND office_id = $2")
                    .bind(slot_id)
                    .bind(&office_id)
                    .fetch_one(&mut *tx)
                    .await
                    .map_err(db)?;
            return Err(if exists == 0 {
                AppError::NotFound.into()
            } else {
                refused("capacity", Refusal::CapacityBelowBooked)
            });
        };
        audit(
            &mut tx,
            self.clock.now(),
            clerk.into(),
            &format!("{counter}.set_capacity"),
            &format!("{slot_id} {capacity}/{ceremony_capacity}"),
        )
        .await?;
        tx.commit().await.map_err(db)?;
        Ok(())
    }

    async fn publish_day(&self, clerk: &Staff, p: Publication) -> DeskResult<u32> {
        let office_id = self.clerk_office(clerk)?.to_owned();
        let today = self.clock.today();
        if p.day <= today || (p.day - today).num_days() > 180 {
            return Err(refused("day", Refusal::OutsideWindow));
        }
        if !self.calendar.is_working_day(p.day) {
            return Err(refused("day", Refusal::DayClosed));
        }
        // A peak day's places open at its release instant (the peak-day table).
        let release_at = self.release_for(p.day);
        let mut tx = self.db.begin_write().await.map_err(db)?;
        let mut created = 0;
        for (starts, ends) in &p.times {
            created += publish_slot(
                &mut tx,
                &office_id,
                &p.counter,
                p.day,
                (starts, ends),
                (p.capacity, p.ceremony_capacity),
                release_at,
            )
            .await?;
        }
        audit(
            &mut tx,
            self.clock.now(),
            clerk.into(),
            &format!("{}.publish", p.counter),
            &format!("{} +{created}", day_str(p.day)),
        )
        .await?;
        tx.commit().await.map_err(db)?;
        Ok(created)
    }

    async fn close_day(&self, clerk: &Staff, day: NaiveDate, reason: &str) -> DeskResult<()> {
        let office_id = self.clerk_office(clerk)?.to_owned();
        let mut tx = self.db.begin_write().await.map_err(db)?;
        // The day's slots are locked first (a write: SQLite's lock, PostgreSQL's row locks),
        // then the closure is written and the day checked for bookings: a booking that took a
        // place first is seen here, one that comes later waits for this and then sees the
        // closure (it checks again inside its own transaction).
        sqlx::query("UPDATE slots SET booked = booked WHERE office_id = $1 AND day = $2")
            .bind(&office_id)
            .bind(day_str(day))
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        sqlx::query(
            "INSERT INTO office_closures (office_id, day, reason) VALUES ($1, $2, $3) \
             ON CONFLICT (office_id, day) DO UPDATE SET reason = excluded.reason",
        )
        .bind(&office_id)
        .bind(day_str(day))
        .bind(reason)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        let active: i64 = sqlx::query_scalar(&format!(
            "SELECT COUNT(*) FROM appointments b JOIN slots s ON s.id = b.slot_id \
             WHERE b.office_id = $1 AND s.day = $2 AND b.status IN {ACTIVE}"
        ))
        .bind(&office_id)
        .bind(day_str(day))
        .fetch_one(&mut *tx)
        .await
        .map_err(db)?;
        if active > 0 {
            return Err(refused("day", Refusal::DayHasBookings));
        }
        audit(
            &mut tx,
            self.clock.now(),
            clerk.into(),
            "office.close_day",
            &format!("{} {reason}", day_str(day)),
        )
        .await?;
        tx.commit().await.map_err(db)?;
        Ok(())
    }

    async fn reopen_day(&self, clerk: &Staff, day: NaiveDate) -> DeskResult<()> {
        let office_id = self.clerk_office(clerk)?.to_owned();
        let mut tx = self.db.begin_write().await.map_err(db)?;
        sqlx::query("DELETE FROM office_closures WHERE office_id = $1 AND day = $2")
            .bind(&office_id)
            .bind(day_str(day))
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        audit(
            &mut tx,
            self.clock.now(),
            clerk.into(),
            "office.reopen_day",
            &day_str(day),
        )
        .await?;
        tx.commit().await.map_err(db)?;
        Ok(())
    }

    async fn set_release(
        &self,
        clerk: &Staff,
        day: NaiveDate,
        release_at: Option<i64>,
    ) -> DeskResult<()> {
        let office_id = self.clerk_office(clerk)?.to_owned();
        let mut tx = self.db.begin_write().await.map_err(db)?;
        sqlx::query(
            "UPDATE slots SET release_at = $1 WHERE office_id = $2 AND day = $3 AND counter = 'marriage'",
        )
        .bind(release_at)
        .bind(&office_id)
        .bind(day_str(day))
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        let when = release_at
            .map(|t| t.to_string())
            .unwrap_or_else(|| "now".into());
        audit(
            &mut tx,
            self.clock.now(),
            clerk.into(),
            "marriage.set_release",
            &format!("{} {when}", day_str(day)),
        )
        .await?;
        tx.commit().await.map_err(db)?;
        Ok(())
    }
}

/// Publishes one slot (idempotent per office, counter, day and start). Returns 1 if created.
pub async fn publish_slot(
    conn: &mut AnyConnection,
    office_id: &str,
    counter: &str,
    day: NaiveDate,
    (starts, ends): (&str, &str),
    (capacity, ceremony_capacity): (u32, u32),
    release_at: Option<i64>,
) -> DeskResult<u32> {
    Ok(sqlx::query(
        "INSERT INTO slots (id, office_id, counter, day, starts, ends, capacity, booked, ceremony_capacity, ceremony_booked, release_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, 0, $8, 0, $9) ON CONFLICT (office_id, counter, day, starts) DO NOTHING",
    )
    .bind(new_id())
    .bind(office_id)
    .bind(counter)
    .bind(day_str(day))
    .bind(starts)
    .bind(ends)
    .bind(i64::from(capacity))
    .bind(i64::from(ceremony_capacity))
    .bind(release_at)
    .execute(&mut *conn)
    .await
    .map_err(db)?
    .rows_affected() as u32)
}

#[derive(Clone)]
struct VoucherFiles {
    desk: Arc<SqlAppointments>,
    sessions: Arc<dyn app::web::Sessions>,
    clock: Arc<dyn Clock>,
}

/// `GET <page><id>/voucher.ics` for every purpose's page prefix.
pub fn voucher_routes(
    desk: Arc<SqlAppointments>,
    sessions: Arc<dyn app::web::Sessions>,
    clock: Arc<dyn Clock>,
    page_prefixes: Vec<&'static str>,
) -> axum::Router {
    let mut router = axum::Router::new();
    let mut seen = vec![];
    for prefix in page_prefixes {
        if seen.contains(&prefix) {
            continue;
        }
        seen.push(prefix);
        router = router.route(
            &format!("{prefix}{{id}}/voucher.ics"),
            axum::routing::get(voucher_ics),
        );
    }
    router.with_state(VoucherFiles {
        desk,
        sessions,
        clock,
    })
}

async fn voucher_ics(
    axum::extract::State(s): axum::extract::State<VoucherFiles>,
    axum::extract::Path(id): axum::extract::Path<String>,
    headers: http::HeaderMap,
    jar: axum_extra::extract::CookieJar,
) -> axum::response::Response {
    let locale = crate::calendar_files::locale(&jar, &headers);
    let t = locale.texts();
    let me = match crate::calendar_files::resident(&*s.sessions, &jar).await {
        Ok(me) => me,
        Err(r) => return r,
    };
    match s.desk.voucher(&me, &id).await {
        Ok(v) => {
            let discreet = v.booking.discreet;
            let summary = if discreet {
                t.appointments().calendar_neutral
            } else {
                app::catalogue::service(&v.booking.service)
                    .map(|e| (e.affair_title)(t))
                    .unwrap_or(t.appointments().calendar_neutral)
            };
            let body = app::appointments::ics::ics(
                &v.booking,
                &v.office,
                summary,
                locale,
                s.clock.now().timestamp(),
            );
            let name = if discreet {
                "appointment.ics".to_owned()
            } else {
                format!("{}-appointment.ics", v.booking.service)
            };
            crate::calendar_files::calendar_file(body, &name)
        }
        Err(e) => crate::calendar_files::failed(e),
    }
}
