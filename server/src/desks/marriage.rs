//! `MarriageDesk` in SQL: the registry office's appointment machinery for every counter —
//! marriage, and the divorce and counselling appointments, whose purpose decides the rules
//! (`admit`) and the wording (neutral for divorce). Capacity is enforced by one guarded
//! statement per change (`booked < capacity`), one active appointment per person and counter
//! by a primary key, repeated submissions by the idempotency table, and every status change by
//! a guarded `UPDATE … WHERE status = …`, so a place returns to its slot exactly once, whoever
//! races.

use super::{accounts::insert_message, audit, db, new_id, new_token};
use crate::{db::unique_violation_on, sms::SmsGateway, Db};
use app::{
    account::model::Topic,
    desk::{DeskError, DeskResult},
    error::{AppError, Code},
    marriage::{
        desk::{Actor, BookRequest, MarriageDesk, PartnerOf, SweepReport},
        model::{
            change_deadline, check_couple, eve_of, hold_expires_at, reminder_due_at, slot_start,
            voucher_payload, BookingStatus, BookingView, BookingWindow, ClerkBooking, ClerkDay,
            Counter, DayOutcome, OfficeView, Party, Purpose, SlotView, VoucherCode, VoucherView,
        },
    },
    rules::{
        calendar::WorkCalendar,
        clock::Clock,
        id_number::{mask_id_number, IdNumber},
    },
    staff::model::Role,
};
use chrono::NaiveDate;
use rand::Rng;
use sqlx::Row;
use std::sync::Arc;

pub struct SqlMarriage {
    pub db: Db,
    pub clock: Arc<dyn Clock>,
    pub calendar: Arc<WorkCalendar>,
    pub sms: Arc<dyn SmsGateway>,
}

fn refused(field: &str, code: Code) -> DeskError {
    AppError::invalid(field, code).into()
}

fn day_of(s: &str) -> Result<NaiveDate, DeskError> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|e| DeskError::internal(e.to_string()))
}

fn day_str(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

/// The only SMS text a divorce or counselling appointment ever sends.
pub(crate) const NEUTRAL_SMS: &str = "【民政一件事】您的申请有新进展，请登录“民政一件事”查看。";

const ACTIVE: &str = "('pending_partner', 'confirmed', 'checked_in')";

const BOOKING_COLUMNS: &str =
    "b.id, b.purpose, b.case_id, b.reference, b.office_id, b.slot_id, s.day, s.starts, s.ends, b.status, b.ceremony, \
     b.applicant_id, b.partner_id, b.partner_phone, a.real_name AS applicant_name, a.phone AS applicant_phone, \
     b.partner_name, b.partner_id_number, b.applicant_id_number, b.hold_expires_at, b.voucher_token, \
     o.cutoff_hours";

const BOOKING_FROM: &str = "appointments b JOIN slots s ON s.id = b.slot_id \
     JOIN registry_offices o ON o.unit_id = b.office_id JOIN residents a ON a.id = b.applicant_id";

/// A booking row with what the desk needs beyond the view.
struct Booking {
    view: BookingView,
    applicant_id: String,
    applicant_phone: String,
    applicant_id_number: String,
    partner_id: Option<String>,
    partner_phone: String,
    partner_id_number: String,
    token: String,
}

impl Booking {
    fn from_row(r: &sqlx::any::AnyRow, reader: &str) -> Result<Self, DeskError> {
        let status: String = r.try_get("status").map_err(db)?;
        let purpose: String = r.try_get("purpose").map_err(db)?;
        let partner_id_number: String = r.try_get("partner_id_number").map_err(db)?;
        let ceremony: i64 = r.try_get("ceremony").map_err(db)?;
        let applicant_id: String = r.try_get("applicant_id").map_err(db)?;
        let day = day_of(&r.try_get::<String, _>("day").map_err(db)?)?;
        let starts: String = r.try_get("starts").map_err(db)?;
        let cutoff_hours = r.try_get::<i64, _>("cutoff_hours").map_err(db)? as u32;
        Ok(Self {
            view: BookingView {
                id: r.try_get("id").map_err(db)?,
                purpose: Purpose::parse(&purpose)
                    .ok_or_else(|| DeskError::internal(format!("unknown purpose {purpose}")))?,
                case_id: r.try_get("case_id").map_err(db)?,
                reference: r.try_get("reference").map_err(db)?,
                office_id: r.try_get("office_id").map_err(db)?,
                slot_id: r.try_get("slot_id").map_err(db)?,
                day,
                ends: r.try_get("ends").map_err(db)?,
                status: BookingStatus::parse(&status)
                    .ok_or_else(|| DeskError::internal(format!("unknown status {status}")))?,
                ceremony: ceremony != 0,
                applicant_name: r
                    .try_get::<Option<String>, _>("applicant_name")
                    .map_err(db)?
                    .unwrap_or_default(),
                partner_name: r.try_get("partner_name").map_err(db)?,
                partner_id_number_masked: mask_id_number(&partner_id_number),
                hold_expires_at: r.try_get("hold_expires_at").map_err(db)?,
                role: if applicant_id == reader {
                    Party::Applicant
                } else {
                    Party::Partner
                },
                change_until: change_deadline(day, &starts, cutoff_hours).timestamp(),
                starts,
            },
            applicant_id,
            applicant_phone: r.try_get("applicant_phone").map_err(db)?,
            applicant_id_number: r.try_get("applicant_id_number").map_err(db)?,
            partner_id: r.try_get("partner_id").map_err(db)?,
            partner_phone: r.try_get("partner_phone").map_err(db)?,
            partner_id_number,
            token: r.try_get("voucher_token").map_err(db)?,
        })
    }

    /// The resident ids of both parties that have accounts tied to the booking.
    fn parties(&self) -> Vec<&str> {
        let mut v = vec![self.applicant_id.as_str()];
        v.extend(self.partner_id.as_deref());
        v
    }

    /// The other party's resident id, if they have one on the booking.
    fn other_than(&self, me: &str) -> Option<&str> {
        self.parties().into_iter().find(|p| *p != me)
    }
}

/// The other party of a booking, as typed or as taken from the divorce case.
struct OtherParty {
    name: String,
    id_number: String,
    phone: String,
    resident_id: Option<String>,
    case_id: Option<String>,
}

/// Whether a slot can take a booking today: the window, the calendar, closures, the release.
struct SlotFacts {
    office_id: String,
    counter: Counter,
    day: NaiveDate,
    starts: String,
}

/// Upserts the booking's row in a party's 我的办件.
async fn upsert_affair(
    conn: &mut sqlx::AnyConnection,
    resident_id: &str,
    booking: &BookingView,
    status: BookingStatus,
    now: i64,
) -> DeskResult<()> {
    sqlx::query(
        "INSERT INTO affairs (id, resident_id, service, reference, status, link, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) \
         ON CONFLICT (id) DO UPDATE SET status = excluded.status, updated_at = excluded.updated_at",
    )
    .bind(format!(
        "{}:{}:{resident_id}",
        booking.purpose.service(),
        booking.id
    ))
    .bind(resident_id)
    .bind(booking.purpose.service())
    .bind(&booking.reference)
    .bind(status.as_str())
    .bind(booking.purpose.page(&booking.id))
    .bind(now)
    .execute(&mut *conn)
    .await
    .map_err(db)?;
    Ok(())
}

/// Tells each of `to` about the booking, in their message centre (same transaction). Divorce
/// and counselling appointments say only "your application has an update".
async fn tell(
    conn: &mut sqlx::AnyConnection,
    to: &[&str],
    topic: Topic,
    booking: &BookingView,
    now: i64,
) -> DeskResult<()> {
    if booking.purpose.is_discreet() {
        for resident in to {
            insert_message(conn, resident, Topic::DivorceUpdate, &[], now).await?;
        }
        return Ok(());
    }
    let day = day_str(booking.day);
    let time = format!("{}–{}", booking.starts, booking.ends);
    for resident in to {
        insert_message(
            conn,
            resident,
            topic,
            &[
                ("booking", &booking.id),
                ("ref", &booking.reference),
                ("day", &day),
                ("time", &time),
            ],
            now,
        )
        .await?;
    }
    Ok(())
}

/// Returns a booking's place (and ceremony place) to its slot and frees both parties.
/// Call only from the transaction whose guarded status change ended the booking.
async fn release_place(
    conn: &mut sqlx::AnyConnection,
    booking_id: &str,
    slot_id: &str,
    ceremony: i64,
) -> DeskResult<()> {
    return_place(conn, slot_id, ceremony).await?;
    free_parties(conn, booking_id).await
}

/// Gives one place (and the ceremony place, if it had one) back to a slot.
async fn return_place(
    conn: &mut sqlx::AnyConnection,
    slot_id: &str,
    ceremony: i64,
) -> DeskResult<()> {
    sqlx::query("UPDATE slots SET booked = booked - 1, ceremony_booked = ceremony_booked - $2 WHERE id = $1")
        .bind(slot_id)
        .bind(ceremony)
        .execute(&mut *conn)
        .await
        .map_err(db)?;
    Ok(())
}

async fn free_parties(conn: &mut sqlx::AnyConnection, booking_id: &str) -> DeskResult<()> {
    sqlx::query("DELETE FROM appointment_parties WHERE booking_id = $1")
        .bind(booking_id)
        .execute(&mut *conn)
        .await
        .map_err(db)?;
    Ok(())
}

/// Claims an idempotency key inside `conn`'s transaction. `Some(outcome)` when it was used
/// before (the command already ran), `None` when this is the first time.
async fn claim_key(
    conn: &mut sqlx::AnyConnection,
    owner: &str,
    key: &str,
    now: i64,
) -> DeskResult<Option<Option<String>>> {
    let fresh = sqlx::query("INSERT INTO idempotency (owner, idem_key, created_at) VALUES ($1, $2, $3) ON CONFLICT (owner, idem_key) DO NOTHING")
        .bind(owner)
        .bind(key)
        .bind(now)
        .execute(&mut *conn)
        .await
        .map_err(db)?
        .rows_affected()
        == 1;
    if fresh {
        return Ok(None);
    }
    let outcome: Option<String> =
        sqlx::query_scalar("SELECT outcome FROM idempotency WHERE owner = $1 AND idem_key = $2")
            .bind(owner)
            .bind(key)
            .fetch_one(&mut *conn)
            .await
            .map_err(db)?;
    Ok(Some(outcome))
}

async fn record_outcome_of_key(
    conn: &mut sqlx::AnyConnection,
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

/// Takes one place (and a ceremony place if asked) in a slot, or says why not.
async fn take_place(
    conn: &mut sqlx::AnyConnection,
    slot_id: &str,
    ceremony: i64,
) -> DeskResult<()> {
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
            Code::CeremonyFull
        } else {
            Code::SlotFull
        },
    ))
}

/// A booking number people can read out on the phone: `JH`, the appointment day and six random
/// digits, drawn again while taken. Called under the booking's write lock (SQLite), so the
/// number checked free is still free when inserted.
async fn free_reference(
    conn: &mut sqlx::AnyConnection,
    day: NaiveDate,
    purpose: Purpose,
) -> DeskResult<String> {
    // Divorce and counselling numbers say nothing about what they are for.
    let prefix = if purpose.is_discreet() { "YY" } else { "JH" };
    for _ in 0..20 {
        let candidate = format!(
            "{prefix}{}{:06}",
            day.format("%Y%m%d"),
            rand::thread_rng().gen_range(0..1_000_000)
        );
        let taken: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM appointments WHERE reference = $1")
                .bind(&candidate)
                .fetch_one(&mut *conn)
                .await
                .map_err(db)?;
        if taken == 0 {
            return Ok(candidate);
        }
    }
    Err(DeskError::internal("no free booking number after 20 draws"))
}

/// Inside the booking's transaction, after its write: a closure committed meanwhile wins.
async fn still_open(
    conn: &mut sqlx::AnyConnection,
    office_id: &str,
    day: NaiveDate,
) -> DeskResult<()> {
    let closures: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM office_closures WHERE office_id = $1 AND day = $2",
    )
    .bind(office_id)
    .bind(day_str(day))
    .fetch_one(&mut *conn)
    .await
    .map_err(db)?;
    if closures > 0 {
        return Err(refused("slot", Code::DayClosed));
    }
    Ok(())
}

async fn load_booking(
    conn: &mut sqlx::AnyConnection,
    id: &str,
    reader: &str,
) -> DeskResult<Option<Booking>> {
    let row = sqlx::query(&format!(
        "SELECT {BOOKING_COLUMNS} FROM {BOOKING_FROM} WHERE b.id = $1"
    ))
    .bind(id)
    .fetch_optional(&mut *conn)
    .await
    .map_err(db)?;
    row.map(|r| Booking::from_row(&r, reader)).transpose()
}

/// A case that ends (withdrawn, deemed withdrawn) cancels its open certificate or counselling
/// appointments in the same transaction; each place returns once (the status guard).
pub(crate) async fn cancel_case_appointments(
    conn: &mut sqlx::AnyConnection,
    case_id: &str,
    now: i64,
) -> DeskResult<()> {
    let rows = sqlx::query(&format!(
        "UPDATE appointments SET status = 'cancelled', updated_at = $1 \
         WHERE case_id = $2 AND status IN {ACTIVE} RETURNING id, slot_id, ceremony"
    ))
    .bind(now)
    .bind(case_id)
    .fetch_all(&mut *conn)
    .await
    .map_err(db)?;
    for r in rows {
        let id: String = r.try_get("id").map_err(db)?;
        let slot_id: String = r.try_get("slot_id").map_err(db)?;
        release_place(conn, &id, &slot_id, r.try_get("ceremony").map_err(db)?).await?;
        if let Some(b) = load_booking(conn, &id, "").await? {
            for p in b.parties() {
                upsert_affair(conn, p, &b.view, BookingStatus::Cancelled, now).await?;
            }
        }
    }
    Ok(())
}

impl SqlMarriage {
    async fn load(
        &self,
        conn: &mut sqlx::AnyConnection,
        id: &str,
        reader: &str,
    ) -> DeskResult<Option<Booking>> {
        load_booking(conn, id, reader).await
    }

    /// A booking the resident may see: as applicant, as the confirmed partner, or as the
    /// number invited while it waits for the partner. Anything else is "not found".
    async fn load_for(
        &self,
        conn: &mut sqlx::AnyConnection,
        id: &str,
        resident_id: &str,
    ) -> DeskResult<Booking> {
        let phone = self.phone_of(conn, resident_id).await?;
        let booking = self
            .load(conn, id, resident_id)
            .await?
            .ok_or(AppError::NotFound)?;
        let invited = booking.partner_id.is_none()
            && booking.view.status == BookingStatus::PendingPartner
            && booking.partner_phone == phone;
        let party = booking.applicant_id == resident_id
            || booking.partner_id.as_deref() == Some(resident_id);
        if party || invited {
            Ok(booking)
        } else {
            Err(AppError::NotFound.into())
        }
    }

    async fn phone_of(
        &self,
        conn: &mut sqlx::AnyConnection,
        resident_id: &str,
    ) -> DeskResult<String> {
        sqlx::query_scalar("SELECT phone FROM residents WHERE id = $1")
            .bind(resident_id)
            .fetch_optional(&mut *conn)
            .await
            .map_err(db)?
            .ok_or_else(|| AppError::SignInRequired.into())
    }

    /// Checks that `slot_id` can be booked now (window, calendar, closures, release).
    async fn bookable(&self, slot_id: &str) -> DeskResult<SlotFacts> {
        let now = self.clock.now();
        let today = self.clock.today();
        let slot = sqlx::query(
            "SELECT s.office_id, s.counter, s.day, s.starts, s.release_at, o.window_first_day, o.window_last_day, \
             (SELECT COUNT(*) FROM office_closures c WHERE c.office_id = s.office_id AND c.day = s.day) AS closures \
             FROM slots s JOIN registry_offices o ON o.unit_id = s.office_id WHERE s.id = $1",
        )
        .bind(slot_id)
        .fetch_optional(&self.db)
        .await
        .map_err(db)?
        .ok_or_else(|| refused("slot", Code::SlotUnknown))?;
        let day = day_of(&slot.try_get::<String, _>("day").map_err(db)?)?;
        let window = BookingWindow {
            first_day: slot.try_get::<i64, _>("window_first_day").map_err(db)? as u32,
            last_day: slot.try_get::<i64, _>("window_last_day").map_err(db)? as u32,
        };
        let closures: i64 = slot.try_get("closures").map_err(db)?;
        let release_at: Option<i64> = slot.try_get("release_at").map_err(db)?;
        if !window.contains(today, day) {
            return Err(refused("slot", Code::OutsideWindow));
        }
        if !self.calendar.is_working_day(day) || closures > 0 {
            return Err(refused("slot", Code::DayClosed));
        }
        if release_at.is_some_and(|t| t > now.timestamp()) {
            return Err(refused("slot", Code::NotYetReleased));
        }
        let counter: String = slot.try_get("counter").map_err(db)?;
        Ok(SlotFacts {
            office_id: slot.try_get("office_id").map_err(db)?,
            counter: Counter::parse(&counter)
                .ok_or_else(|| DeskError::internal(format!("unknown counter {counter}")))?,
            day,
            starts: slot.try_get("starts").map_err(db)?,
        })
    }

    /// The rules of each purpose for who the other party is and which slot fits, before the
    /// booking's transaction; the primary keys decide the races.
    async fn admit(
        &self,
        applicant_id: &str,
        applicant_phone: &str,
        applicant: &IdNumber,
        purpose: Purpose,
        partner: PartnerOf,
        slot: &SlotFacts,
    ) -> DeskResult<OtherParty> {
        match (purpose, partner) {
            (
                Purpose::Marriage | Purpose::DivorceApplication,
                PartnerOf::Typed {
                    name,
                    id_number,
                    phone,
                },
            ) => {
                if phone.as_str() == applicant_phone {
                    return Err(refused("partner_phone", Code::PartnerPhoneIsOwn));
                }
                if purpose == Purpose::Marriage {
                    check_couple(applicant, &id_number, slot.day)?;
                } else {
                    if &id_number == applicant {
                        return Err(refused("partner_id_number", Code::SameParty));
                    }
                    // One open case per couple: neither may already be in one.
                    for (number, field) in [
                        (applicant.as_str(), "slot"),
                        (id_number.as_str(), "partner_id_number"),
                    ] {
                        if super::divorce::in_open_case(&self.db, number).await? {
                            return Err(refused(field, Code::PartyHasOpenCase));
                        }
                    }
                }
                Ok(OtherParty {
                    name: name.as_str().to_owned(),
                    id_number: id_number.as_str().to_owned(),
                    phone: phone.as_str().to_owned(),
                    resident_id: None,
                    case_id: None,
                })
            }
            (Purpose::DivorceCertificate | Purpose::Counselling, PartnerOf::Case(case_id)) => {
                let terms = self
                    .case_admits(purpose, &case_id, applicant_id, slot)
                    .await?;
                Ok(OtherParty {
                    name: terms.other_name,
                    id_number: terms.other_id_number,
                    phone: terms.other_phone,
                    resident_id: Some(terms.other_id),
                    case_id: Some(case_id),
                })
            }
            _ => Err(AppError::BadRequest.into()),
        }
    }

    /// A certificate visit must lie inside the case's certificate window; counselling inside
    /// its cooling-off period. The case must be open and the resident one of its parties.
    async fn case_admits(
        &self,
        purpose: Purpose,
        case_id: &str,
        resident_id: &str,
        slot: &SlotFacts,
    ) -> DeskResult<super::divorce::CaseTerms> {
        let mut conn = self.db.acquire().await.map_err(db)?;
        let terms = super::divorce::case_terms(&mut conn, case_id, resident_id).await?;
        if terms.status != app::divorce::model::CaseStatus::Open {
            return Err(refused("slot", Code::CaseClosed));
        }
        let starts = slot_start(slot.day, &slot.starts).timestamp();
        let now = self.clock.now().timestamp();
        let fits = match purpose {
            Purpose::DivorceCertificate => {
                starts >= terms.cooling_ends_at && starts < terms.window_ends_at
            }
            _ => now < terms.cooling_ends_at && starts < terms.cooling_ends_at,
        };
        if !fits {
            return Err(refused(
                "slot",
                if purpose == Purpose::DivorceCertificate {
                    Code::OutsideCertificateWindow
                } else {
                    Code::CounsellingClosed
                },
            ));
        }
        Ok(terms)
    }

    async fn office(&self, id: &str) -> DeskResult<OfficeView> {
        let r = sqlx::query(
            "SELECT u.id, u.name_zh, u.name_en, o.address_zh, o.address_en, o.phone \
             FROM registry_offices o JOIN units u ON u.id = o.unit_id WHERE o.unit_id = $1",
        )
        .bind(id)
        .fetch_optional(&self.db)
        .await
        .map_err(db)?
        .ok_or(AppError::NotFound)?;
        let hours = sqlx::query(
            "SELECT weekday, opens, closes FROM office_hours WHERE office_id = $1 ORDER BY weekday",
        )
        .bind(id)
        .fetch_all(&self.db)
        .await
        .map_err(db)?
        .iter()
        .map(|h| {
            Ok((
                h.try_get::<i64, _>("weekday")? as u32,
                h.try_get("opens")?,
                h.try_get("closes")?,
            ))
        })
        .collect::<Result<Vec<_>, sqlx::Error>>()
        .map_err(db)?;
        Ok(OfficeView {
            id: r.try_get("id").map_err(db)?,
            name_zh: r.try_get("name_zh").map_err(db)?,
            name_en: r.try_get("name_en").map_err(db)?,
            address_zh: r.try_get("address_zh").map_err(db)?,
            address_en: r.try_get("address_en").map_err(db)?,
            phone: r.try_get("phone").map_err(db)?,
            hours,
        })
    }

    /// Sends SMS notices after the change committed; a failed send is logged, not fatal
    /// (the message centre already has it).
    async fn text(&self, phones: &[&str], text: &str) {
        for phone in phones {
            if let Err(e) = self.sms.send_notice(phone, text).await {
                tracing::warn!(error = %e, "SMS notice failed");
            }
        }
    }

    /// A clerk may act only on their own office.
    fn clerk_office<'a>(&self, actor: &'a Actor<'_>) -> DeskResult<&'a str> {
        if actor.staff.role != Role::RegistryClerk {
            return Err(AppError::Forbidden.into());
        }
        Ok(&actor.staff.unit.id)
    }

    async fn audit(
        &self,
        conn: &mut sqlx::AnyConnection,
        actor: &Actor<'_>,
        action: &str,
        target: &str,
    ) -> DeskResult<()> {
        audit(
            conn,
            self.clock.now().timestamp(),
            Some(&actor.staff.id),
            &actor.staff.username,
            action,
            target,
            actor.client,
        )
        .await
    }

    async fn lapse_due(&self) -> DeskResult<u32> {
        let now = self.clock.now().timestamp();
        let due: Vec<String> = sqlx::query_scalar(
            "SELECT id FROM appointments WHERE status = 'pending_partner' AND hold_expires_at <= $1",
        )
        .bind(now)
        .fetch_all(&self.db)
        .await
        .map_err(db)?;
        let mut lapsed = 0;
        for id in due {
            let mut tx = self.db.begin().await.map_err(db)?;
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
                upsert_affair(
                    &mut tx,
                    &b.applicant_id,
                    &b.view,
                    BookingStatus::Lapsed,
                    now,
                )
                .await?;
                tell(
                    &mut tx,
                    &[&b.applicant_id],
                    Topic::MarriageLapsed,
                    &b.view,
                    now,
                )
                .await?;
            }
            tx.commit().await.map_err(db)?;
            lapsed += 1;
        }
        Ok(lapsed)
    }

    async fn remind_due(&self) -> DeskResult<u32> {
        let now = self.clock.now().timestamp();
        let due: Vec<String> = sqlx::query_scalar(
            "SELECT id FROM appointments WHERE status = 'confirmed' AND reminded_at IS NULL AND remind_at <= $1",
        )
        .bind(now)
        .fetch_all(&self.db)
        .await
        .map_err(db)?;
        let mut sent = 0;
        for id in due {
            let mut tx = self.db.begin().await.map_err(db)?;
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
            // A reminder for a slot that already began (the server was down) is not sent.
            let upcoming =
                app::marriage::model::slot_start(b.view.day, &b.view.starts).timestamp() > now;
            if upcoming {
                tell(&mut tx, &b.parties(), Topic::MarriageReminder, &b.view, now).await?;
            }
            tx.commit().await.map_err(db)?;
            if upcoming {
                let text = if b.view.purpose.is_discreet() {
                    NEUTRAL_SMS.to_owned()
                } else {
                    format!(
                        "【民政一件事】提醒：您的结婚登记预约（{}）在明天 {} {}，请双方携带身份证、户口簿按时到场。",
                        b.view.reference, b.view.starts, day_str(b.view.day)
                    )
                };
                self.text(&[&b.applicant_phone, &b.partner_phone], &text)
                    .await;
                sent += 1;
            }
        }
        Ok(sent)
    }
}

#[async_trait::async_trait]
impl MarriageDesk for SqlMarriage {
    async fn offices(&self) -> DeskResult<Vec<OfficeView>> {
        let ids: Vec<String> =
            sqlx::query_scalar("SELECT unit_id FROM registry_offices ORDER BY unit_id")
                .fetch_all(&self.db)
                .await
                .map_err(db)?;
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            out.push(self.office(&id).await?);
        }
        Ok(out)
    }

    async fn slots(
        &self,
        office_id: &str,
        counter: Counter,
        from: NaiveDate,
        to: NaiveDate,
    ) -> DeskResult<Vec<SlotView>> {
        let now = self.clock.now().timestamp();
        let rows = sqlx::query(
            "SELECT id, day, starts, ends, capacity, booked, ceremony_capacity, ceremony_booked, release_at \
             FROM slots s WHERE office_id = $1 AND counter = $4 AND day >= $2 AND day <= $3 \
             AND NOT EXISTS (SELECT 1 FROM office_closures c WHERE c.office_id = s.office_id AND c.day = s.day) \
             ORDER BY day, starts",
        )
        .bind(office_id)
        .bind(day_str(from))
        .bind(day_str(to))
        .bind(counter.as_str())
        .fetch_all(&self.db)
        .await
        .map_err(db)?;
        rows.iter()
            .map(|r| slot_from_row(r, now))
            .filter(|s| !matches!(s, Ok(s) if !self.calendar.is_working_day(s.day)))
            .collect()
    }

    #[tracing::instrument(name = "Book appointment", skip_all, fields(slot_id = %request.slot_id, purpose = request.purpose.as_str()))]
    async fn book(&self, applicant_id: &str, request: BookRequest) -> DeskResult<BookingView> {
        let now = self.clock.now();
        let today = self.clock.today();
        let purpose = request.purpose;
        let applicant = sqlx::query("SELECT id_number, phone FROM residents WHERE id = $1")
            .bind(applicant_id)
            .fetch_optional(&self.db)
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
        let slot = self.bookable(&request.slot_id).await?;
        if slot.counter != purpose.counter() {
            return Err(refused("slot", Code::SlotUnknown));
        }
        let partner = self
            .admit(
                applicant_id,
                &applicant_phone,
                &applicant_id_number,
                purpose,
                request.partner,
                &slot,
            )
            .await?;
        let hold_hours: i64 =
            sqlx::query_scalar("SELECT hold_hours FROM registry_offices WHERE unit_id = $1")
                .bind(&slot.office_id)
                .fetch_one(&self.db)
                .await
                .map_err(db)?;

        let mut tx = self.db.begin().await.map_err(db)?;
        // The idempotency key first: it is a write, so SQLite takes its write lock here and
        // concurrent bookings queue behind it; a repeat finds the key and replays the outcome.
        if let Some(outcome) = claim_key(
            &mut tx,
            applicant_id,
            &request.idempotency_key,
            now.timestamp(),
        )
        .await?
        {
            let booking_id =
                outcome.ok_or_else(|| DeskError::internal("idempotency key without outcome"))?;
            let b = self
                .load(&mut tx, &booking_id, applicant_id)
                .await?
                .ok_or(AppError::NotFound)?;
            tx.commit().await.map_err(db)?;
            return Ok(b.view);
        }
        let ceremony = i64::from(purpose == Purpose::Marriage && request.ceremony);
        take_place(&mut tx, &request.slot_id, ceremony).await?;
        still_open(&mut tx, &slot.office_id, slot.day).await?;
        let booking_id = new_id();
        let reference = free_reference(&mut tx, slot.day, purpose).await?;
        // Counselling needs no second confirmation: it is confirmed as booked.
        let (status, partner_id, confirmed_at, remind_at) = if purpose.needs_partner() {
            (BookingStatus::PendingPartner, None, None, None)
        } else {
            (
                BookingStatus::Confirmed,
                partner.resident_id.clone(),
                Some(now.timestamp()),
                Some(reminder_due_at(slot.day).timestamp()),
            )
        };
        sqlx::query(
            "INSERT INTO appointments (id, purpose, case_id, reference, office_id, slot_id, applicant_id, applicant_id_number, partner_name, \
             partner_id_number, partner_phone, partner_id, ceremony, status, hold_expires_at, voucher_token, created_at, updated_at, \
             confirmed_at, remind_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $17, $18, $19)",
        )
        .bind(&booking_id)
        .bind(purpose.as_str())
        .bind(&partner.case_id)
        .bind(&reference)
        .bind(&slot.office_id)
        .bind(&request.slot_id)
        .bind(applicant_id)
        .bind(applicant_id_number.as_str())
        .bind(&partner.name)
        .bind(&partner.id_number)
        .bind(&partner.phone)
        .bind(&partner_id)
        .bind(ceremony)
        .bind(status.as_str())
        .bind(hold_expires_at(now, slot.day, hold_hours as u32).timestamp())
        .bind(new_token())
        .bind(now.timestamp())
        .bind(confirmed_at)
        .bind(remind_at)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        // Each party may hold one active booking per counter; the primary key decides races.
        for (number, field, code) in [
            (
                applicant_id_number.as_str(),
                "slot",
                Code::ApplicantHasBooking,
            ),
            (
                partner.id_number.as_str(),
                "partner_id_number",
                Code::PartnerHasBooking,
            ),
        ] {
            let claimed = sqlx::query(
                "INSERT INTO appointment_parties (id_number, counter, booking_id) VALUES ($1, $2, $3)",
            )
            .bind(number)
            .bind(purpose.counter().as_str())
            .bind(&booking_id)
            .execute(&mut *tx)
            .await;
            match claimed {
                Ok(_) => {}
                Err(e) if unique_violation_on(&e, "id_number") => return Err(refused(field, code)),
                Err(e) => return Err(db(e)),
            }
        }
        record_outcome_of_key(&mut tx, applicant_id, &request.idempotency_key, &booking_id).await?;
        let b = self
            .load(&mut tx, &booking_id, applicant_id)
            .await?
            .ok_or(AppError::NotFound)?;
        for p in b.parties() {
            upsert_affair(&mut tx, p, &b.view, status, now.timestamp()).await?;
        }
        // The partner hears of it in their message centre if they already have an account.
        let partner_account: Option<String> = match &partner_id {
            Some(id) => Some(id.clone()),
            None => sqlx::query_scalar("SELECT id FROM residents WHERE phone = $1")
                .bind(&partner.phone)
                .fetch_optional(&mut *tx)
                .await
                .map_err(db)?,
        };
        if let Some(p) = &partner_account {
            tell(
                &mut tx,
                &[p],
                Topic::MarriageInvited,
                &b.view,
                now.timestamp(),
            )
            .await?;
        }
        tx.commit().await.map_err(db)?;
        let text = if purpose.is_discreet() {
            NEUTRAL_SMS.to_owned()
        } else {
            format!(
                "【民政一件事】有人预约了与您的结婚登记（预约号 {}），请在 {} 前登录“民政一件事”用本手机号确认。",
                b.view.reference,
                app::rules::clock::shanghai_date(
                    chrono::DateTime::from_timestamp(b.view.hold_expires_at, 0).unwrap_or_default()
                )
            )
        };
        self.text(&[partner.phone.as_str()], &text).await;
        Ok(b.view)
    }

    #[tracing::instrument(name = "Confirm marriage booking", skip_all)]
    async fn confirm(&self, resident_id: &str, booking_id: &str) -> DeskResult<BookingView> {
        let now = self.clock.now();
        let mut conn = self.db.acquire().await.map_err(db)?;
        let b = self.load_for(&mut conn, booking_id, resident_id).await?;
        if b.partner_id.as_deref() == Some(resident_id) && b.view.status == BookingStatus::Confirmed
        {
            return Ok(b.view); // confirmed already: a double tap
        }
        if b.applicant_id == resident_id {
            return Err(refused("confirm", Code::StatusChanged));
        }
        match b.view.status {
            BookingStatus::PendingPartner if b.view.hold_expires_at > now.timestamp() => {}
            BookingStatus::PendingPartner | BookingStatus::Lapsed => {
                return Err(refused("confirm", Code::HoldLapsed))
            }
            _ => return Err(refused("confirm", Code::StatusChanged)),
        }
        let me = sqlx::query("SELECT real_name, id_number FROM residents WHERE id = $1")
            .bind(resident_id)
            .fetch_one(&mut *conn)
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
            return Err(refused("confirm", Code::PartnerMismatch));
        }
        drop(conn);
        let mut tx = self.db.begin().await.map_err(db)?;
        let changed = sqlx::query(
            "UPDATE appointments SET status = 'confirmed', partner_id = $1, confirmed_at = $2, remind_at = $3, updated_at = $2 \
             WHERE id = $4 AND status = 'pending_partner' AND hold_expires_at > $2",
        )
        .bind(resident_id)
        .bind(now.timestamp())
        .bind(reminder_due_at(b.view.day).timestamp())
        .bind(booking_id)
        .execute(&mut *tx)
        .await
        .map_err(db)?
        .rows_affected();
        if changed != 1 {
            return Err(refused("confirm", Code::HoldLapsed));
        }
        let b = self
            .load(&mut tx, booking_id, resident_id)
            .await?
            .ok_or(AppError::NotFound)?;
        for p in b.parties() {
            upsert_affair(
                &mut tx,
                p,
                &b.view,
                BookingStatus::Confirmed,
                now.timestamp(),
            )
            .await?;
        }
        tell(
            &mut tx,
            &b.parties(),
            Topic::MarriageConfirmed,
            &b.view,
            now.timestamp(),
        )
        .await?;
        tx.commit().await.map_err(db)?;
        Ok(b.view)
    }

    #[tracing::instrument(name = "Reschedule marriage booking", skip_all)]
    async fn reschedule(
        &self,
        resident_id: &str,
        booking_id: &str,
        slot_id: &str,
        idempotency_key: &str,
    ) -> DeskResult<BookingView> {
        let now = self.clock.now();
        let mut conn = self.db.acquire().await.map_err(db)?;
        let b = self.load_for(&mut conn, booking_id, resident_id).await?;
        drop(conn);
        if b.applicant_id != resident_id && b.partner_id.as_deref() != Some(resident_id) {
            return Err(AppError::NotFound.into());
        }
        let old_slot = b.view.slot_id.clone();
        if !matches!(
            b.view.status,
            BookingStatus::PendingPartner | BookingStatus::Confirmed
        ) {
            return Err(refused("slot", Code::StatusChanged));
        }
        if now.timestamp() >= b.view.change_until {
            return Err(refused("slot", Code::PastCutoff));
        }
        let slot = self.bookable(slot_id).await?;
        if slot.office_id != b.view.office_id || slot.counter != b.view.purpose.counter() {
            return Err(refused("slot", Code::SlotUnknown));
        }
        let mut tx = self.db.begin().await.map_err(db)?;
        if claim_key(&mut tx, resident_id, idempotency_key, now.timestamp())
            .await?
            .is_some()
        {
            let b = self
                .load(&mut tx, booking_id, resident_id)
                .await?
                .ok_or(AppError::NotFound)?;
            tx.commit().await.map_err(db)?;
            return Ok(b.view);
        }
        if slot_id == old_slot {
            return Err(refused("slot", Code::SameSlot));
        }
        match (b.view.purpose, &b.view.case_id) {
            (Purpose::Marriage, _) => {
                let today = self.clock.today();
                let applicant = IdNumber::parse(&b.applicant_id_number, today)
                    .map_err(|_| DeskError::internal("stored ID number"))?;
                let partner = IdNumber::parse(&b.partner_id_number, today)
                    .map_err(|_| DeskError::internal("stored ID number"))?;
                check_couple(&applicant, &partner, slot.day)?;
            }
            (Purpose::DivorceApplication, _) => {}
            (purpose, Some(case_id)) => {
                self.case_admits(purpose, case_id, resident_id, &slot)
                    .await?;
            }
            (_, None) => return Err(DeskError::internal("case appointment without its case")),
        }
        let ceremony = i64::from(b.view.ceremony);
        take_place(&mut tx, slot_id, ceremony).await?;
        still_open(&mut tx, &slot.office_id, slot.day).await?;
        // Moved only if it is still where we read it and still active: the guard that makes
        // the old place return exactly once.
        // A move never extends an unconfirmed hold, and it still ends by the eve of the new day.
        let hold = b.view.hold_expires_at.min(eve_of(slot.day).timestamp());
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
        record_outcome_of_key(&mut tx, resident_id, idempotency_key, booking_id).await?;
        let moved = self
            .load(&mut tx, booking_id, resident_id)
            .await?
            .ok_or(AppError::NotFound)?;
        for p in moved.parties() {
            upsert_affair(&mut tx, p, &moved.view, moved.view.status, now.timestamp()).await?;
        }
        if let Some(other) = moved.other_than(resident_id) {
            tell(
                &mut tx,
                &[other],
                Topic::MarriageRescheduled,
                &moved.view,
                now.timestamp(),
            )
            .await?;
        }
        tx.commit().await.map_err(db)?;
        Ok(moved.view)
    }

    #[tracing::instrument(name = "Cancel marriage booking", skip_all)]
    async fn cancel(&self, resident_id: &str, booking_id: &str) -> DeskResult<BookingView> {
        let now = self.clock.now().timestamp();
        let mut conn = self.db.acquire().await.map_err(db)?;
        let b = self.load_for(&mut conn, booking_id, resident_id).await?;
        drop(conn);
        if b.applicant_id != resident_id && b.partner_id.as_deref() != Some(resident_id) {
            return Err(AppError::NotFound.into());
        }
        if b.view.status.is_active() && now >= b.view.change_until {
            return Err(refused("booking", Code::PastCutoff));
        }
        let mut tx = self.db.begin().await.map_err(db)?;
        // The status change is the guard: only the transaction that moves an active booking to
        // cancelled gives its place back, so a place returns exactly once.
        let row = sqlx::query(
            "UPDATE appointments SET status = 'cancelled', updated_at = $1 \
             WHERE id = $2 AND status IN ('pending_partner', 'confirmed') AND (applicant_id = $3 OR partner_id = $3) \
             RETURNING slot_id, ceremony",
        )
        .bind(now)
        .bind(booking_id)
        .bind(resident_id)
        .fetch_optional(&mut *tx)
        .await
        .map_err(db)?
        .ok_or(AppError::NotFound)?;
        let slot_id: String = row.try_get("slot_id").map_err(db)?;
        let ceremony: i64 = row.try_get("ceremony").map_err(db)?;
        release_place(&mut tx, booking_id, &slot_id, ceremony).await?;
        for p in b.parties() {
            upsert_affair(&mut tx, p, &b.view, BookingStatus::Cancelled, now).await?;
        }
        if let Some(other) = b.other_than(resident_id) {
            tell(&mut tx, &[other], Topic::MarriageCancelled, &b.view, now).await?;
        }
        tx.commit().await.map_err(db)?;
        Ok(BookingView {
            status: BookingStatus::Cancelled,
            ..b.view
        })
    }

    async fn my_bookings(&self, resident_id: &str) -> DeskResult<Vec<BookingView>> {
        let mut conn = self.db.acquire().await.map_err(db)?;
        let phone = self.phone_of(&mut conn, resident_id).await?;
        let rows = sqlx::query(&format!(
            "SELECT {BOOKING_COLUMNS} FROM {BOOKING_FROM} \
             WHERE b.applicant_id = $1 OR b.partner_id = $1 \
             OR (b.partner_phone = $2 AND b.partner_id IS NULL AND b.status = 'pending_partner') \
             ORDER BY b.created_at DESC"
        ))
        .bind(resident_id)
        .bind(&phone)
        .fetch_all(&mut *conn)
        .await
        .map_err(db)?;
        rows.iter()
            .map(|r| Booking::from_row(r, resident_id).map(|b| b.view))
            .collect()
    }

    async fn voucher(&self, resident_id: &str, booking_id: &str) -> DeskResult<VoucherView> {
        let mut conn = self.db.acquire().await.map_err(db)?;
        let b = self.load_for(&mut conn, booking_id, resident_id).await?;
        drop(conn);
        let office = self.office(&b.view.office_id).await?;
        // The QR code only once both confirmed: before that there is nothing to check in.
        let qr_svg = if matches!(
            b.view.status,
            BookingStatus::Confirmed | BookingStatus::CheckedIn
        ) {
            app::marriage::model::qr_svg(&voucher_payload(&b.token)).map_err(DeskError::internal)?
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

    async fn sweep(&self) -> DeskResult<SweepReport> {
        Ok(SweepReport {
            lapsed: self.lapse_due().await?,
            reminded: self.remind_due().await?,
        })
    }

    async fn clerk_day(
        &self,
        actor: &Actor<'_>,
        counter: Counter,
        day: NaiveDate,
    ) -> DeskResult<ClerkDay> {
        let office_id = self.clerk_office(actor)?.to_owned();
        let now = self.clock.now().timestamp();
        let mut tx = self.db.begin().await.map_err(db)?;
        // Reading the day list shows names and (masked) numbers: it is audited like any action.
        self.audit(
            &mut tx,
            actor,
            &format!("{}.day_list", counter.as_str()),
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
        let slots = sqlx::query(
            "SELECT id, day, starts, ends, capacity, booked, ceremony_capacity, ceremony_booked, release_at \
             FROM slots WHERE office_id = $1 AND day = $2 AND counter = $3 ORDER BY starts",
        )
        .bind(&office_id)
        .bind(day_str(day))
        .bind(counter.as_str())
        .fetch_all(&mut *tx)
        .await
        .map_err(db)?
        .iter()
        .map(|r| slot_from_row(r, now))
        .collect::<Result<Vec<_>, _>>()?;
        let rows = sqlx::query(&format!(
            "SELECT {BOOKING_COLUMNS} FROM {BOOKING_FROM} WHERE b.office_id = $1 AND s.day = $2 AND s.counter = $3 \
             AND b.status IN ('pending_partner', 'confirmed', 'checked_in', 'registered', 'no_show') ORDER BY s.starts, b.reference"
        ))
        .bind(&office_id)
        .bind(day_str(day))
        .bind(counter.as_str())
        .fetch_all(&mut *tx)
        .await
        .map_err(db)?;
        let bookings = rows
            .iter()
            .map(|r| {
                let b = Booking::from_row(r, "")?;
                Ok(ClerkBooking {
                    id: b.view.id,
                    purpose: b.view.purpose,
                    reference: b.view.reference,
                    slot_id: b.view.slot_id,
                    starts: b.view.starts,
                    ends: b.view.ends,
                    status: b.view.status,
                    ceremony: b.view.ceremony,
                    applicant_name: b.view.applicant_name,
                    applicant_id_masked: mask_id_number(&b.applicant_id_number),
                    partner_name: b.view.partner_name,
                    partner_id_masked: b.view.partner_id_number_masked,
                })
            })
            .collect::<Result<Vec<_>, DeskError>>()?;
        let office = sqlx::query("SELECT name_zh, name_en FROM units WHERE id = $1")
            .bind(&office_id)
            .fetch_one(&mut *tx)
            .await
            .map_err(db)?;
        tx.commit().await.map_err(db)?;
        Ok(ClerkDay {
            day,
            office_name_zh: office.try_get("name_zh").map_err(db)?,
            office_name_en: office.try_get("name_en").map_err(db)?,
            closed_reason,
            working_day: self.calendar.is_working_day(day),
            slots,
            bookings,
        })
    }

    async fn check_in(&self, actor: &Actor<'_>, code: &str) -> DeskResult<String> {
        let office_id = self.clerk_office(actor)?.to_owned();
        let now = self.clock.now().timestamp();
        let code = VoucherCode::parse(code).ok_or_else(|| refused("code", Code::VoucherUnknown))?;
        let (column, value) = match code {
            VoucherCode::Token(t) => ("voucher_token", t),
            VoucherCode::Reference(r) => ("reference", r),
        };
        let mut tx = self.db.begin().await.map_err(db)?;
        let row = sqlx::query(&format!(
            "SELECT b.id, b.status, s.day FROM appointments b JOIN slots s ON s.id = b.slot_id \
             WHERE b.{column} = $1 AND b.office_id = $2"
        ))
        .bind(&value)
        .bind(&office_id)
        .fetch_optional(&mut *tx)
        .await
        .map_err(db)?
        .ok_or_else(|| refused("code", Code::VoucherUnknown))?;
        let id: String = row.try_get("id").map_err(db)?;
        let day = day_of(&row.try_get::<String, _>("day").map_err(db)?)?;
        if day != self.clock.today() {
            return Err(refused("code", Code::VoucherNotToday));
        }
        let changed = sqlx::query(
            "UPDATE appointments SET status = 'checked_in', checked_in_at = $1, updated_at = $1 WHERE id = $2 AND status = 'confirmed'",
        )
        .bind(now)
        .bind(&id)
        .execute(&mut *tx)
        .await
        .map_err(db)?
        .rows_affected();
        if changed != 1 {
            return Err(refused("code", Code::StatusChanged));
        }
        let b = self
            .load(&mut tx, &id, "")
            .await?
            .ok_or(AppError::NotFound)?;
        for p in b.parties() {
            upsert_affair(&mut tx, p, &b.view, BookingStatus::CheckedIn, now).await?;
        }
        self.audit(
            &mut tx,
            actor,
            &format!("{}.check_in", b.view.purpose.service()),
            &b.view.reference,
        )
        .await?;
        tx.commit().await.map_err(db)?;
        Ok(id)
    }

    async fn record_outcome(
        &self,
        actor: &Actor<'_>,
        booking_id: &str,
        outcome: DayOutcome,
    ) -> DeskResult<()> {
        let office_id = self.clerk_office(actor)?.to_owned();
        let now = self.clock.now().timestamp();
        let today = self.clock.today();
        let (to, from) = match outcome {
            DayOutcome::Registered => ("registered", "checked_in"),
            DayOutcome::NoShow => ("no_show", "confirmed"),
        };
        let mut tx = self.db.begin().await.map_err(db)?;
        // No-show only from the day itself on; registered only after check-in.
        let changed = sqlx::query(
            "UPDATE appointments SET status = $1, updated_at = $2 WHERE id = $3 AND office_id = $4 AND status = $5 \
             AND (SELECT day FROM slots s WHERE s.id = appointments.slot_id) <= $6",
        )
        .bind(to)
        .bind(now)
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
        // What "registered" means depends on the purpose: the divorce case follows.
        let mut action = format!("{}.{to}", b.view.purpose.as_str());
        let mut target = b.view.reference.clone();
        if outcome == DayOutcome::Registered {
            match b.view.purpose {
                Purpose::DivorceApplication => {
                    let partner = b
                        .partner_id
                        .as_deref()
                        .ok_or_else(|| DeskError::internal("checked in without the partner"))?;
                    let case = super::divorce::open_case(
                        &mut tx,
                        &self.calendar,
                        &office_id,
                        [&b.applicant_id, partner],
                        today,
                        now,
                        ["booking", "booking"],
                    )
                    .await?;
                    action = "divorce.receive".into();
                    target = format!("{} {}", b.view.reference, case.reference);
                }
                Purpose::DivorceCertificate => {
                    let case_id = b
                        .view
                        .case_id
                        .as_deref()
                        .ok_or_else(|| DeskError::internal("certificate without its case"))?;
                    super::divorce::certificate_issued(&mut tx, case_id, now).await?;
                    action = "divorce.certificate_issued".into();
                }
                Purpose::Marriage | Purpose::Counselling => {}
            }
        }
        for p in b.parties() {
            upsert_affair(&mut tx, p, &b.view, b.view.status, now).await?;
        }
        self.audit(&mut tx, actor, &action, &target).await?;
        tx.commit().await.map_err(db)?;
        if outcome == DayOutcome::Registered
            && matches!(
                b.view.purpose,
                Purpose::DivorceApplication | Purpose::DivorceCertificate
            )
        {
            self.text(&[&b.applicant_phone, &b.partner_phone], NEUTRAL_SMS)
                .await;
        }
        Ok(())
    }

    async fn set_capacity(
        &self,
        actor: &Actor<'_>,
        slot_id: &str,
        capacity: u32,
        ceremony_capacity: u32,
    ) -> DeskResult<()> {
        let office_id = self.clerk_office(actor)?.to_owned();
        let mut tx = self.db.begin().await.map_err(db)?;
        let changed = sqlx::query(
            "UPDATE slots SET capacity = $1, ceremony_capacity = $2 \
             WHERE id = $3 AND office_id = $4 AND booked <= $1 AND ceremony_booked <= $2",
        )
        .bind(i64::from(capacity))
        .bind(i64::from(ceremony_capacity))
        .bind(slot_id)
        .bind(&office_id)
        .execute(&mut *tx)
        .await
        .map_err(db)?
        .rows_affected();
        if changed != 1 {
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
                refused("capacity", Code::CapacityBelowBooked)
            });
        }
        self.audit(
            &mut tx,
            actor,
            "marriage.set_capacity",
            &format!("{slot_id} {capacity}/{ceremony_capacity}"),
        )
        .await?;
        tx.commit().await.map_err(db)?;
        Ok(())
    }

    async fn publish_day(
        &self,
        actor: &Actor<'_>,
        counter: Counter,
        day: NaiveDate,
        times: &[(String, String)],
        capacity: u32,
        ceremony_capacity: u32,
        release_at: Option<i64>,
    ) -> DeskResult<u32> {
        let office_id = self.clerk_office(actor)?.to_owned();
        if day <= self.clock.today() || (day - self.clock.today()).num_days() > 180 {
            return Err(refused("day", Code::OutsideWindow));
        }
        if !self.calendar.is_working_day(day) {
            return Err(refused("day", Code::DayClosed));
        }
        let mut tx = self.db.begin().await.map_err(db)?;
        let mut created = 0;
        for (starts, ends) in times {
            created += sqlx::query(
                "INSERT INTO slots (id, office_id, counter, day, starts, ends, capacity, booked, ceremony_capacity, ceremony_booked, release_at) \
                 VALUES ($1, $2, $9, $3, $4, $5, $6, 0, $7, 0, $8) ON CONFLICT (office_id, counter, day, starts) DO NOTHING",
            )
            .bind(new_id())
            .bind(&office_id)
            .bind(day_str(day))
            .bind(starts)
            .bind(ends)
            .bind(i64::from(capacity))
            .bind(i64::from(ceremony_capacity))
            .bind(release_at)
            .bind(counter.as_str())
            .execute(&mut *tx)
            .await
            .map_err(db)?
            .rows_affected() as u32;
        }
        self.audit(
            &mut tx,
            actor,
            &format!("{}.publish", counter.as_str()),
            &format!("{} +{created}", day_str(day)),
        )
        .await?;
        tx.commit().await.map_err(db)?;
        Ok(created)
    }

    async fn close_day(&self, actor: &Actor<'_>, day: NaiveDate, reason: &str) -> DeskResult<()> {
        let office_id = self.clerk_office(actor)?.to_owned();
        let mut tx = self.db.begin().await.map_err(db)?;
        // The closure is written first (SQLite's write lock), then the day is checked for
        // bookings: a booking that commits first is seen here, one that commits later sees
        // the closure (it checks again inside its own transaction).
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
        // PostgreSQL (READ COMMITTED) has no one write lock: touching the day's slots waits for
        // every booking that holds one of their places and makes later ones wait for this
        // closure, so the count below and their `still_open` cannot both miss each other.
        sqlx::query("UPDATE slots SET booked = booked WHERE office_id = $1 AND day = $2")
            .bind(&office_id)
            .bind(day_str(day))
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
            return Err(refused("day", Code::DayHasBookings));
        }
        self.audit(
            &mut tx,
            actor,
            "marriage.close_day",
            &format!("{} {reason}", day_str(day)),
        )
        .await?;
        tx.commit().await.map_err(db)?;
        Ok(())
    }

    async fn reopen_day(&self, actor: &Actor<'_>, day: NaiveDate) -> DeskResult<()> {
        let office_id = self.clerk_office(actor)?.to_owned();
        let mut tx = self.db.begin().await.map_err(db)?;
        sqlx::query("DELETE FROM office_closures WHERE office_id = $1 AND day = $2")
            .bind(&office_id)
            .bind(day_str(day))
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        self.audit(&mut tx, actor, "marriage.reopen_day", &day_str(day))
            .await?;
        tx.commit().await.map_err(db)?;
        Ok(())
    }

    async fn set_release(
        &self,
        actor: &Actor<'_>,
        day: NaiveDate,
        release_at: Option<i64>,
    ) -> DeskResult<()> {
        let office_id = self.clerk_office(actor)?.to_owned();
        let mut tx = self.db.begin().await.map_err(db)?;
        sqlx::query("UPDATE slots SET release_at = $1 WHERE office_id = $2 AND day = $3 AND counter = 'marriage'")
            .bind(release_at)
            .bind(&office_id)
            .bind(day_str(day))
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        let when = release_at
            .map(|t| t.to_string())
            .unwrap_or_else(|| "now".into());
        self.audit(
            &mut tx,
            actor,
            "marriage.set_release",
            &format!("{} {when}", day_str(day)),
        )
        .await?;
        tx.commit().await.map_err(db)?;
        Ok(())
    }
}

fn slot_from_row(r: &sqlx::any::AnyRow, now: i64) -> Result<SlotView, DeskError> {
    let get = |c: &str| -> Result<i64, DeskError> { r.try_get::<i64, _>(c).map_err(db) };
    let release_at: Option<i64> = r.try_get("release_at").map_err(db)?;
    let opens_at = release_at.filter(|t| *t > now);
    let closed = opens_at.is_some();
    let (cap, booked) = (get("capacity")?, get("booked")?);
    let (ccap, cbooked) = (get("ceremony_capacity")?, get("ceremony_booked")?);
    Ok(SlotView {
        id: r.try_get("id").map_err(db)?,
        day: day_of(&r.try_get::<String, _>("day").map_err(db)?)?,
        starts: r.try_get("starts").map_err(db)?,
        ends: r.try_get("ends").map_err(db)?,
        left: if closed {
            0
        } else {
            (cap - booked).max(0) as u32
        },
        ceremony_left: if closed {
            0
        } else {
            (ccap - cbooked).max(0) as u32
        },
        capacity: cap as u32,
        ceremony_capacity: ccap as u32,
        opens_at,
    })
}
