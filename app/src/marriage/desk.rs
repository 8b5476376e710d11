//! (ssr) The marriage desk: what the marriage server functions need from the back end.

use super::model::{BookingView, SlotView};
use crate::{
    account::model::RealName,
    desk::DeskResult,
    rules::{id_number::IdNumber, phone::Phone},
};
use chrono::NaiveDate;

/// A booking as the applicant submits it, already parsed.
pub struct BookRequest {
    pub slot_id: String,
    pub partner_name: RealName,
    pub partner_id_number: IdNumber,
    pub partner_phone: Phone,
    pub ceremony: bool,
    /// The form's idempotency key: a repeat returns the first outcome.
    pub idempotency_key: String,
}

#[async_trait::async_trait]
pub trait MarriageDesk: Send + Sync {
    /// The slots of an office between two days, with places left.
    async fn slots(
        &self,
        office_id: &str,
        from: NaiveDate,
        to: NaiveDate,
    ) -> DeskResult<Vec<SlotView>>;
    /// Holds a place for the couple (pending the partner's confirmation). Never overbooks; a
    /// repeated idempotency key returns the first booking.
    async fn book(&self, applicant_id: &str, request: BookRequest) -> DeskResult<BookingView>;
    /// Cancels the resident's own active booking; its place returns to the slot once.
    async fn cancel(&self, resident_id: &str, booking_id: &str) -> DeskResult<()>;
    /// The resident's bookings, as applicant or partner.
    async fn my_bookings(&self, resident_id: &str) -> DeskResult<Vec<BookingView>>;
}
