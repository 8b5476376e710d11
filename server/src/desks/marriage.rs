//! `MarriageDesk` in SQL. Capacity is enforced by one guarded statement per change
//! (`booked < capacity`), one active booking per person by a primary key, and repeated
//! submissions by the idempotency table — all inside the booking's one transaction.

use super::{db, new_id, new_token};
use crate::{db::unique_violation_on, Db};
use app::{
    desk::{DeskError, DeskResult},
    error::{AppError, Code},
    marriage::{
        desk::{BookRequest, MarriageDesk},
        model::{
            check_couple, hold_expires_at, BookingStatus, BookingView, BookingWindow, SlotView,
        },
    },
    rules::{
        calendar::WorkCalendar,
        clock::Clock,
        id_number::{mask_id_number, IdNumber},
    },
};
use chrono::NaiveDate;
use rand::Rng;
use sqlx::Row;
use std::sync::Arc;

pub struct SqlMarriage {
    pub db: Db,
    pub clock: Arc<dyn Clock>,
    pub calendar: Arc<WorkCalendar>,
}

fn refused(field: &str, code: Code) -> DeskError {
    AppError::invalid(field, code).into()
}

fn day_of(s: &str) -> Result<NaiveDate, DeskError> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|e| DeskError::internal(e.to_string()))
}

const BOOKING_COLUMNS: &str =
    "b.id, b.reference, b.office_id, b.slot_id, s.day, s.starts, s.ends, b.status, b.ceremony, \
     b.partner_name, b.partner_id_number, b.hold_expires_at";

fn booking_from_row(r: &sqlx::any::AnyRow) -> Result<BookingView, DeskError> {
    let status: String = r.try_get("status").map_err(db)?;
    let partner_id: String = r.try_get("partner_id_number").map_err(db)?;
    let ceremony: i64 = r.try_get("ceremony").map_err(db)?;
    Ok(BookingView {
        id: r.try_get("id").map_err(db)?,
        reference: r.try_get("reference").map_err(db)?,
        office_id: r.try_get("office_id").map_err(db)?,
        slot_id: r.try_get("slot_id").map_err(db)?,
        day: day_of(&r.try_get::<String, _>("day").map_err(db)?)?,
        starts: r.try_get("starts").map_err(db)?,
        ends: r.try_get("ends").map_err(db)?,
        status: BookingStatus::parse(&status)
            .ok_or_else(|| DeskError::internal(format!("unknown status {status}")))?,
        ceremony: ceremony != 0,
        partner_name: r.try_get("partner_name").map_err(db)?,
        partner_id_number_masked: mask_id_number(&partner_id),
        hold_expires_at: r.try_get("hold_expires_at").map_err(db)?,
    })
}

impl SqlMarriage {
    async fn booking(&self, conn: &mut sqlx::AnyConnection, id: &str) -> DeskResult<BookingView> {
        let row = sqlx::query(&format!(
            "SELECT {BOOKING_COLUMNS} FROM marriage_bookings b JOIN marriage_slots s ON s.id = b.slot_id WHERE b.id = $1"
        ))
        .bind(id)
        .fetch_one(&mut *conn)
        .await
        .map_err(db)?;
        booking_from_row(&row)
    }
}

#[async_trait::async_trait]
impl MarriageDesk for SqlMarriage {
    async fn slots(
        &self,
        office_id: &str,
        from: NaiveDate,
        to: NaiveDate,
    ) -> DeskResult<Vec<SlotView>> {
        let now = self.clock.now().timestamp();
        let rows = sqlx::query(
            "SELECT id, day, starts, ends, capacity, booked, ceremony_capacity, ceremony_booked, release_at \
             FROM marriage_slots WHERE office_id = $1 AND day >= $2 AND day <= $3 ORDER BY day, starts",
        )
        .bind(office_id)
        .bind(from.format("%Y-%m-%d").to_string())
        .bind(to.format("%Y-%m-%d").to_string())
        .fetch_all(&self.db)
        .await
        .map_err(db)?;
        rows.iter()
            .map(|r| {
                let left = |cap: &str, used: &str| -> Result<u32, DeskError> {
                    let c: i64 = r.try_get(cap).map_err(db)?;
                    let u: i64 = r.try_get(used).map_err(db)?;
                    Ok((c - u).max(0) as u32)
                };
                let release_at: Option<i64> = r.try_get("release_at").map_err(db)?;
                let opens_at = release_at.filter(|t| *t > now);
                let closed = opens_at.is_some();
                Ok(SlotView {
                    id: r.try_get("id").map_err(db)?,
                    day: day_of(&r.try_get::<String, _>("day").map_err(db)?)?,
                    starts: r.try_get("starts").map_err(db)?,
                    ends: r.try_get("ends").map_err(db)?,
                    left: if closed {
                        0
                    } else {
                        left("capacity", "booked")?
                    },
                    ceremony_left: if closed {
                        0
                    } else {
                        left("ceremony_capacity", "ceremony_booked")?
                    },
                    opens_at,
                })
            })
            .collect()
    }

    #[tracing::instrument(name = "Book marriage slot", skip_all, fields(slot_id = %request.slot_id))]
    async fn book(&self, applicant_id: &str, request: BookRequest) -> DeskResult<BookingView> {
        let now = self.clock.now();
        let today = self.clock.today();
        let applicant = sqlx::query("SELECT id_number FROM residents WHERE id = $1")
            .bind(applicant_id)
            .fetch_optional(&self.db)
            .await
            .map_err(db)?;
        let applicant_number: Option<String> = match &applicant {
            Some(r) => r.try_get("id_number").map_err(db)?,
            None => None,
        };
        let applicant_number =
            applicant_number.ok_or_else(|| refused("slot", Code::RealNameRequired))?;
        // Stored numbers were checked when bound; parse again to get sex and age.
        let applicant_id_number = IdNumber::parse(&applicant_number, today)
            .map_err(|_| refused("slot", Code::RealNameRequired))?;

        let slot = sqlx::query(
            "SELECT s.office_id, s.day, s.release_at, o.window_first_day, o.window_last_day, o.hold_hours, \
             (SELECT COUNT(*) FROM office_closures c WHERE c.office_id = s.office_id AND c.day = s.day) AS closures \
             FROM marriage_slots s JOIN registry_offices o ON o.unit_id = s.office_id WHERE s.id = $1",
        )
        .bind(&request.slot_id)
        .fetch_optional(&self.db)
        .await
        .map_err(db)?
        .ok_or_else(|| refused("slot", Code::SlotUnknown))?;
        let office_id: String = slot.try_get("office_id").map_err(db)?;
        let day = day_of(&slot.try_get::<String, _>("day").map_err(db)?)?;
        let window = BookingWindow {
            first_day: slot.try_get::<i64, _>("window_first_day").map_err(db)? as u32,
            last_day: slot.try_get::<i64, _>("window_last_day").map_err(db)? as u32,
        };
        let hold_hours = slot.try_get::<i64, _>("hold_hours").map_err(db)? as u32;
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
        check_couple(&applicant_id_number, &request.partner_id_number, day)?;

        let mut tx = self.db.begin().await.map_err(db)?;
        // The idempotency key first: it is a write, so SQLite takes its write lock here and
        // concurrent bookings queue behind it; a repeat finds the key and replays the outcome.
        let fresh = sqlx::query("INSERT INTO idempotency (owner, idem_key, created_at) VALUES ($1, $2, $3) ON CONFLICT (owner, idem_key) DO NOTHING")
            .bind(applicant_id)
            .bind(&request.idempotency_key)
            .bind(now.timestamp())
            .execute(&mut *tx)
            .await
            .map_err(db)?
            .rows_affected()
            == 1;
        if !fresh {
            let outcome: Option<String> = sqlx::query_scalar(
                "SELECT outcome FROM idempotency WHERE owner = $1 AND idem_key = $2",
            )
            .bind(applicant_id)
            .bind(&request.idempotency_key)
            .fetch_one(&mut *tx)
            .await
            .map_err(db)?;
            let booking_id =
                outcome.ok_or_else(|| DeskError::internal("idempotency key without outcome"))?;
            let view = self.booking(&mut tx, &booking_id).await?;
            tx.commit().await.map_err(db)?;
            return Ok(view);
        }
        let ceremony = i64::from(request.ceremony);
        let taken = sqlx::query(
            "UPDATE marriage_slots SET booked = booked + 1, ceremony_booked = ceremony_booked + $2 \
             WHERE id = $1 AND booked < capacity AND ceremony_booked + $2 <= ceremony_capacity",
        )
        .bind(&request.slot_id)
        .bind(ceremony)
        .execute(&mut *tx)
        .await
        .map_err(db)?
        .rows_affected();
        if taken != 1 {
            // Tell a full slot from a full ceremony (the transaction is dropped, so nothing stays).
            let left: i64 =
                sqlx::query_scalar("SELECT capacity - booked FROM marriage_slots WHERE id = $1")
                    .bind(&request.slot_id)
                    .fetch_one(&mut *tx)
                    .await
                    .map_err(db)?;
            return Err(refused(
                "slot",
                if left > 0 {
                    Code::CeremonyFull
                } else {
                    Code::SlotFull
                },
            ));
        }
        let booking_id = new_id();
        let reference = format!(
            "JH{}{:04}",
            day.format("%Y%m%d"),
            rand::thread_rng().gen_range(0..10_000)
        );
        sqlx::query(
            "INSERT INTO marriage_bookings (id, reference, office_id, slot_id, applicant_id, applicant_id_number, partner_name, \
             partner_id_number, partner_phone, ceremony, status, hold_expires_at, voucher_token, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $14)",
        )
        .bind(&booking_id)
        .bind(format!("{reference}{}", &booking_id[..2].to_uppercase()))
        .bind(&office_id)
        .bind(&request.slot_id)
        .bind(applicant_id)
        .bind(applicant_id_number.as_str())
        .bind(request.partner_name.as_str())
        .bind(request.partner_id_number.as_str())
        .bind(request.partner_phone.as_str())
        .bind(ceremony)
        .bind(BookingStatus::PendingPartner.as_str())
        .bind(hold_expires_at(now, day, hold_hours).timestamp())
        .bind(new_token())
        .bind(now.timestamp())
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        // Each party may hold one active booking; the primary key decides races.
        for (number, field, code) in [
            (
                applicant_id_number.as_str(),
                "slot",
                Code::ApplicantHasBooking,
            ),
            (
                request.partner_id_number.as_str(),
                "partner_id_number",
                Code::PartnerHasBooking,
            ),
        ] {
            let claimed = sqlx::query(
                "INSERT INTO marriage_active_parties (id_number, booking_id) VALUES ($1, $2)",
            )
            .bind(number)
            .bind(&booking_id)
            .execute(&mut *tx)
            .await;
            match claimed {
                Ok(_) => {}
                Err(e) if unique_violation_on(&e, "id_number") => return Err(refused(field, code)),
                Err(e) => return Err(db(e)),
            }
        }
        sqlx::query("UPDATE idempotency SET outcome = $1 WHERE owner = $2 AND idem_key = $3")
            .bind(&booking_id)
            .bind(applicant_id)
            .bind(&request.idempotency_key)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        let view = self.booking(&mut tx, &booking_id).await?;
        tx.commit().await.map_err(db)?;
        Ok(view)
    }

    #[tracing::instrument(name = "Cancel marriage booking", skip_all)]
    async fn cancel(&self, resident_id: &str, booking_id: &str) -> DeskResult<()> {
        let now = self.clock.now().timestamp();
        let mut tx = self.db.begin().await.map_err(db)?;
        // The status change is the guard: only the transaction that moves an active booking to
        // cancelled gives its place back, so a place returns exactly once.
        let row = sqlx::query(
            "UPDATE marriage_bookings SET status = 'cancelled', updated_at = $1 \
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
        sqlx::query("UPDATE marriage_slots SET booked = booked - 1, ceremony_booked = ceremony_booked - $2 WHERE id = $1")
            .bind(&slot_id)
            .bind(ceremony)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        sqlx::query("DELETE FROM marriage_active_parties WHERE booking_id = $1")
            .bind(booking_id)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        tx.commit().await.map_err(db)?;
        Ok(())
    }

    async fn my_bookings(&self, resident_id: &str) -> DeskResult<Vec<BookingView>> {
        let rows = sqlx::query(&format!(
            "SELECT {BOOKING_COLUMNS} FROM marriage_bookings b JOIN marriage_slots s ON s.id = b.slot_id \
             WHERE b.applicant_id = $1 OR b.partner_id = $1 ORDER BY b.created_at DESC"
        ))
        .bind(resident_id)
        .fetch_all(&self.db)
        .await
        .map_err(db)?;
        rows.iter().map(booking_from_row).collect()
    }
}
