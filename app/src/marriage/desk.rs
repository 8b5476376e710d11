//! (ssr) The marriage desk: what the marriage server functions need from the back end. Its
//! offices, slots, two-party bookings, vouchers and check-in also serve the divorce and
//! counselling appointments (`BookRequest::purpose`).

use super::model::{
    BookingView, ClerkDay, Counter, DayOutcome, OfficeView, Purpose, SlotView, VoucherView,
};
use crate::{
    account::model::RealName,
    desk::DeskResult,
    rules::{id_number::IdNumber, phone::Phone},
    staff::model::StaffView,
};
use chrono::NaiveDate;

/// Who the other party is: typed by the applicant (marriage, a divorce application), or the
/// other party of a divorce case the applicant belongs to (certificate, counselling).
pub enum PartnerOf {
    Typed {
        name: RealName,
        id_number: IdNumber,
        phone: Phone,
    },
    Case(String),
}

/// A booking as the applicant submits it, already parsed.
pub struct BookRequest {
    pub purpose: Purpose,
    pub slot_id: String,
    pub partner: PartnerOf,
    pub ceremony: bool,
    /// The form's idempotency key: a repeat returns the first outcome.
    pub idempotency_key: String,
}

/// What one run of the due-work sweep did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct SweepReport {
    pub lapsed: u32,
    pub reminded: u32,
}

/// Who did a staff action, and from where (for the audit log).
pub struct Actor<'a> {
    pub staff: &'a StaffView,
    pub client: &'a str,
}

#[async_trait::async_trait]
pub trait MarriageDesk: Send + Sync {
    /// The registry offices residents can book at.
    async fn offices(&self) -> DeskResult<Vec<OfficeView>>;
    /// The slots of an office between two days, with places left.
    async fn slots(
        &self,
        office_id: &str,
        counter: Counter,
        from: NaiveDate,
        to: NaiveDate,
    ) -> DeskResult<Vec<SlotView>>;
    /// Holds a place for the couple (pending the partner's confirmation). Never overbooks; a
    /// repeated idempotency key returns the first booking.
    async fn book(&self, applicant_id: &str, request: BookRequest) -> DeskResult<BookingView>;
    /// 双方确认: the partner, signed in with the number the applicant entered and bound to the
    /// name and ID number the applicant typed, confirms.
    async fn confirm(&self, resident_id: &str, booking_id: &str) -> DeskResult<BookingView>;
    /// Moves an active booking to another slot of the same office before the cut-off; the old
    /// place is free at once. A repeated idempotency key does nothing more.
    async fn reschedule(
        &self,
        resident_id: &str,
        booking_id: &str,
        slot_id: &str,
        idempotency_key: &str,
    ) -> DeskResult<BookingView>;
    /// Cancels the resident's own active booking before the cut-off; its place returns once.
    /// Returns what was cancelled (its purpose says which page to show next).
    async fn cancel(&self, resident_id: &str, booking_id: &str) -> DeskResult<BookingView>;
    /// The resident's bookings, as applicant or partner, and invitations to their number.
    async fn my_bookings(&self, resident_id: &str) -> DeskResult<Vec<BookingView>>;
    /// One booking with its office and QR code, if the resident is a party to it.
    async fn voucher(&self, resident_id: &str, booking_id: &str) -> DeskResult<VoucherView>;
    /// Due work: lapses unconfirmed holds past their time and sends the day-before reminders.
    /// Safe to run concurrently and again after a restart: each change happens once.
    async fn sweep(&self) -> DeskResult<SweepReport>;

    /// 登记员: the day at the clerk's own office.
    async fn clerk_day(
        &self,
        actor: &Actor<'_>,
        counter: Counter,
        day: NaiveDate,
    ) -> DeskResult<ClerkDay>;
    /// 核验: checks a couple in by the voucher's code (typed booking number or scanned token).
    async fn check_in(&self, actor: &Actor<'_>, code: &str) -> DeskResult<String>;
    /// Records the outcome of a checked-in (registered) or expected (no-show) booking. For a
    /// divorce application "registered" is the receipt (the case opens, received today); for
    /// a certificate visit it is the certificate issued (the case closes as divorced).
    async fn record_outcome(
        &self,
        actor: &Actor<'_>,
        booking_id: &str,
        outcome: DayOutcome,
    ) -> DeskResult<()>;
    /// Changes a slot's capacities (never below what is booked).
    async fn set_capacity(
        &self,
        actor: &Actor<'_>,
        slot_id: &str,
        capacity: u32,
        ceremony_capacity: u32,
    ) -> DeskResult<()>;
    /// Publishes slots on a working day (idempotent per start time).
    async fn publish_day(
        &self,
        actor: &Actor<'_>,
        counter: Counter,
        day: NaiveDate,
        times: &[(String, String)],
        capacity: u32,
        ceremony_capacity: u32,
        release_at: Option<i64>,
    ) -> DeskResult<u32>;
    /// Closes the office on a day without active bookings.
    async fn close_day(&self, actor: &Actor<'_>, day: NaiveDate, reason: &str) -> DeskResult<()>;
    /// Reopens a closed day.
    async fn reopen_day(&self, actor: &Actor<'_>, day: NaiveDate) -> DeskResult<()>;
    /// 高峰日: sets (or clears) the instant a day's places are released.
    async fn set_release(
        &self,
        actor: &Actor<'_>,
        day: NaiveDate,
        release_at: Option<i64>,
    ) -> DeskResult<()>;
}
