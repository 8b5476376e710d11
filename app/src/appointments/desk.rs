//! (ssr) The appointment desk: what the appointment server functions (and the services that
//! book through it) need from the back end. It serves every purpose of every counter; what a
//! purpose admits and what its outcome means is the owning service's, on the server.

use super::model::{
    BookingView, CheckedIn, ClerkDay, DayOutcome, OfficeView, PickerData, SlotView, VoucherView,
};
use crate::{
    account::model::RealName,
    desk::DeskResult,
    rules::{id_number::IdNumber, phone::Phone},
    web::{Resident, Staff},
};
use chrono::NaiveDate;

/// Who the other party is: typed by the applicant (marriage, a divorce application), or taken
/// from a record of the service the applicant belongs to (a divorce case, by its id).
pub enum PartnerOf {
    Typed {
        name: RealName,
        id_number: IdNumber,
        phone: Phone,
    },
    Record(String),
}

/// A booking as the applicant submits it, already parsed.
pub struct BookRequest {
    /// The purpose's key (a service's `PurposeSpec::key`).
    pub purpose: &'static str,
    pub slot_id: String,
    pub partner: PartnerOf,
    pub ceremony: bool,
    /// The partner has no smartphone: the clerk confirms them at the counter.
    pub partner_at_counter: bool,
    /// The form's idempotency key: a repeat returns the first outcome.
    pub idempotency_key: String,
}

/// A slot publication, already parsed.
pub struct Publication {
    pub counter: String,
    pub day: NaiveDate,
    pub times: Vec<(String, String)>,
    pub capacity: u32,
    pub ceremony_capacity: u32,
}

#[async_trait::async_trait]
pub trait AppointmentDesk: Send + Sync {
    /// The registry offices residents can book at.
    async fn offices(&self) -> DeskResult<Vec<OfficeView>>;
    /// The offices, the chosen one (the first if none or an unknown one is asked for; for a
    /// purpose tied to a record, the record's office) and the slots the purpose may book there
    /// today: inside the office's own booking window and admitted by the purpose's rules.
    /// `record` is what the purpose books for (a divorce case), if anything.
    async fn picker(
        &self,
        who: &Resident,
        purpose: &str,
        record: Option<&str>,
        office_id: Option<&str>,
        idempotency_key: String,
    ) -> DeskResult<PickerData>;
    /// A booking's voucher and the slots it may move to: its office's, admitted for its
    /// purpose, minus its own.
    async fn move_picker(
        &self,
        who: &Resident,
        booking_id: &str,
        idempotency_key: String,
    ) -> DeskResult<(VoucherView, PickerData)>;
    /// The slots of an office's counter between two days, with places left.
    async fn slots(
        &self,
        office_id: &str,
        counter: &str,
        from: NaiveDate,
        to: NaiveDate,
    ) -> DeskResult<Vec<SlotView>>;
    /// Holds a place for the couple (pending the partner's confirmation). Never overbooks; a
    /// repeated idempotency key returns the first booking.
    async fn book(&self, who: &Resident, request: BookRequest) -> DeskResult<BookingView>;
    /// 双方确认: the partner, signed in with the number the applicant entered and bound to the
    /// name and ID number the applicant typed, confirms. A repeat answers the confirmed booking.
    async fn confirm(&self, who: &Resident, booking_id: &str) -> DeskResult<BookingView>;
    /// Moves an active booking to another slot of the same office before the cut-off; the old
    /// place is free at once. A repeated idempotency key does nothing more.
    async fn reschedule(
        &self,
        who: &Resident,
        booking_id: &str,
        slot_id: &str,
        idempotency_key: &str,
    ) -> DeskResult<BookingView>;
    /// Cancels the resident's own active booking before the cut-off; its place returns once.
    /// A repeat answers the cancelled booking.
    async fn cancel(&self, who: &Resident, booking_id: &str) -> DeskResult<BookingView>;
    /// The resident's bookings of one service, as applicant or partner, and invitations to
    /// their number.
    async fn my_bookings(&self, who: &Resident, service: &str) -> DeskResult<Vec<BookingView>>;
    /// One booking with its office and QR code, if the resident is a party to it.
    async fn voucher(&self, who: &Resident, booking_id: &str) -> DeskResult<VoucherView>;

    /// 登记员: one day at one counter of the clerk's own office (reading it is audited).
    async fn clerk_day(&self, clerk: &Staff, counter: &str, day: NaiveDate)
        -> DeskResult<ClerkDay>;
    /// 核验: checks a couple in by the voucher's code (typed booking number or scanned token),
    /// at whichever counter of the office it is for; says where and when.
    async fn check_in(&self, clerk: &Staff, code: &str) -> DeskResult<CheckedIn>;
    /// 现场确认: a partner without a smartphone, confirmed by the clerk after checking the
    /// partner's ID card (the number on it must be the one the applicant typed). Audited; both
    /// parties are told.
    async fn confirm_at_counter(
        &self,
        clerk: &Staff,
        booking_id: &str,
        card: &IdNumber,
    ) -> DeskResult<BookingView>;
    /// Records the outcome of a checked-in (registered) or expected (no-show) booking; what
    /// "registered" means is the purpose's (a divorce application's receipt opens its case).
    async fn record_outcome(
        &self,
        clerk: &Staff,
        booking_id: &str,
        outcome: DayOutcome,
    ) -> DeskResult<()>;
    /// Changes a slot's capacities (never below what is booked).
    async fn set_capacity(
        &self,
        clerk: &Staff,
        slot_id: &str,
        capacity: u32,
        ceremony_capacity: u32,
    ) -> DeskResult<()>;
    /// Publishes slots on a working day (idempotent per start time). A peak day's places open
    /// at the instant the peak-day table gives.
    async fn publish_day(&self, clerk: &Staff, publication: Publication) -> DeskResult<u32>;
    /// Closes the office on a day without active bookings.
    async fn close_day(&self, clerk: &Staff, day: NaiveDate, reason: &str) -> DeskResult<()>;
    /// Reopens a closed day.
    async fn reopen_day(&self, clerk: &Staff, day: NaiveDate) -> DeskResult<()>;
    /// 高峰日: sets (or clears) the instant a day's places are released.
    async fn set_release(
        &self,
        clerk: &Staff,
        day: NaiveDate,
        release_at: Option<i64>,
    ) -> DeskResult<()>;
}
