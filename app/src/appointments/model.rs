//! Pure rules and wire types of appointments at a registry office's counters: the booking
//! window, holds and cut-offs, slots, bookings and their status, the voucher and its code, the
//! clerk's day. Which purposes exist (marriage, a divorce application, …) is each service's
//! business: a service describes each of its purposes with a [`PurposeSpec`].

use crate::{error::Refusal as RefusalCode, i18n::Texts};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

/// What an appointment is for, as the service that owns it describes it. The appointment
/// machinery reads only these facts; the rules that admit a booking and what an outcome means
/// are the service's (server side: `PurposeRules`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PurposeSpec {
    /// Stored in the appointment (`marriage`, `divorce_application`, …); never changes.
    pub key: &'static str,
    /// The service it belongs to in 我的办件 (`marriage`, `divorce`).
    pub service: &'static str,
    /// The counter whose slots it books (`marriage`, `divorce`, `counselling`).
    pub counter: &'static str,
    /// Every notice about it is neutral (nothing on a lock screen says what it is).
    pub discreet: bool,
    /// The other party confirms it (otherwise it is confirmed when booked).
    pub needs_partner: bool,
    /// A ceremony place can be booked with it (结婚颁证仪式).
    pub ceremony: bool,
    /// The two letters the booking number starts with (a discreet purpose's say nothing).
    pub reference_prefix: &'static str,
    /// Where its page is: the prefix of `<prefix><booking id>`.
    pub page_prefix: &'static str,
}

impl PurposeSpec {
    pub fn page(&self, booking_id: &str) -> String {
        format!("{}{booking_id}", self.page_prefix)
    }
}

/// Which of the two people a rule is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Party {
    Applicant,
    Partner,
}

/// 预约窗口 — how far ahead an office takes bookings, in days from today (default: from
/// tomorrow to 30 days out). Each office stores its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct BookingWindow {
    pub first_day: u32,
    pub last_day: u32,
}

impl Default for BookingWindow {
    fn default() -> Self {
        Self {
            first_day: 1,
            last_day: 30,
        }
    }
}

impl BookingWindow {
    /// Whether `day` can be booked `today` (closed days are the calendar's business).
    pub fn contains(self, today: NaiveDate, day: NaiveDate) -> bool {
        let ahead = (day - today).num_days();
        ahead >= i64::from(self.first_day) && ahead <= i64::from(self.last_day)
    }

    /// The first and last day that can be booked `today`.
    pub fn days(self, today: NaiveDate) -> (NaiveDate, NaiveDate) {
        (
            today + chrono::Days::new(u64::from(self.first_day)),
            today + chrono::Days::new(u64::from(self.last_day)),
        )
    }
}

/// When an unconfirmed hold lapses: `hold_hours` after it was made, but never later than the
/// end of the day before the appointment (so the office knows the day's list the evening
/// before). A partner who will confirm at the counter (no smartphone) keeps the place until
/// the appointment starts.
pub fn hold_expires_at(
    held_at: DateTime<Utc>,
    slot_day: NaiveDate,
    slot_starts: &str,
    hold_hours: u32,
    at_counter: bool,
) -> DateTime<Utc> {
    if at_counter {
        return slot_start(slot_day, slot_starts);
    }
    let by_hours = held_at + chrono::Duration::hours(i64::from(hold_hours));
    by_hours.min(eve_of(slot_day))
}

/// The end of the day before `day` (midnight at its start, Shanghai): no hold outlives it.
pub fn eve_of(day: NaiveDate) -> DateTime<Utc> {
    slot_start(day, "00:00")
}

/// The instant a slot starts (its day and `HH:MM` in Asia/Shanghai).
pub fn slot_start(day: NaiveDate, starts: &str) -> DateTime<Utc> {
    let time = chrono::NaiveTime::parse_from_str(starts, "%H:%M").unwrap_or_default();
    // UTC+8 all year: a fixed offset, so every local time exists exactly once.
    (day.and_time(time) - chrono::Duration::hours(8)).and_utc()
}

/// Until when a booking may be rescheduled or cancelled: `cutoff_hours` before its slot.
pub fn change_deadline(day: NaiveDate, starts: &str, cutoff_hours: u32) -> DateTime<Utc> {
    slot_start(day, starts) - chrono::Duration::hours(i64::from(cutoff_hours))
}

/// When the reminder for a confirmed booking goes out: 09:00 the day before (Shanghai).
pub fn reminder_due_at(day: NaiveDate) -> DateTime<Utc> {
    slot_start(day - chrono::Duration::days(1), "09:00")
}

/// A slot as the picker shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SlotView {
    pub id: String,
    pub day: NaiveDate,
    /// `HH:MM`, Asia/Shanghai.
    pub starts: String,
    pub ends: String,
    /// Places left; 0 when full or not yet released.
    pub left: u32,
    pub ceremony_left: u32,
    /// Places taken; the clerk's count (`capacity - left` reads "all taken" before a peak day opens).
    pub booked: u32,
    /// What the office published (the clerk's tools show and change these).
    pub capacity: u32,
    pub ceremony_capacity: u32,
    /// Peak days: when the places open (unix seconds), if still in the future.
    pub opens_at: Option<i64>,
}

/// Where a booking stands (pending partner → confirmed → checked in → registered, or ended).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum BookingStatus {
    PendingPartner,
    Confirmed,
    CheckedIn,
    Registered,
    Cancelled,
    Lapsed,
    NoShow,
}

impl BookingStatus {
    pub const ALL: [BookingStatus; 7] = [
        Self::PendingPartner,
        Self::Confirmed,
        Self::CheckedIn,
        Self::Registered,
        Self::Cancelled,
        Self::Lapsed,
        Self::NoShow,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::PendingPartner => "pending_partner",
            Self::Confirmed => "confirmed",
            Self::CheckedIn => "checked_in",
            Self::Registered => "registered",
            Self::Cancelled => "cancelled",
            Self::Lapsed => "lapsed",
            Self::NoShow => "no_show",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.as_str() == s)
    }

    /// Still holds a place in its slot.
    pub fn is_active(self) -> bool {
        matches!(
            self,
            Self::PendingPartner | Self::Confirmed | Self::CheckedIn
        )
    }

    /// The status as the reader of a booking says it: the partner who must confirm reads "请您
    /// 确认", the applicant "等待对方确认".
    pub fn text(self, role: Party, t: &'static Texts) -> &'static str {
        let a = t.appointments();
        match (self, role) {
            (Self::PendingPartner, Party::Partner) => a.status_pending_you,
            (Self::PendingPartner, Party::Applicant) => a.status_pending_partner,
            (Self::Confirmed, _) => a.status_confirmed,
            (Self::CheckedIn, _) => a.status_checked_in,
            (Self::Registered, _) => a.status_registered,
            (Self::Cancelled, _) => a.status_cancelled,
            (Self::Lapsed, _) => a.status_lapsed,
            (Self::NoShow, _) => a.status_no_show,
        }
    }
}

/// A booking as its parties see it: the partner's ID number masked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BookingView {
    pub id: String,
    /// The purpose's key ([`PurposeSpec::key`]).
    pub purpose: String,
    /// The service it belongs to, and its page.
    pub service: String,
    pub page: String,
    pub discreet: bool,
    pub reference: String,
    pub office_id: String,
    pub slot_id: String,
    pub day: NaiveDate,
    pub starts: String,
    pub ends: String,
    pub status: BookingStatus,
    pub ceremony: bool,
    /// The applicant's real name (the partner sees who invited them).
    pub applicant_name: String,
    pub partner_name: String,
    pub partner_id_number_masked: String,
    /// When an unconfirmed hold lapses (unix seconds).
    pub hold_expires_at: i64,
    /// The partner will be confirmed by the clerk at the counter (no smartphone).
    pub at_counter: bool,
    /// Which side of the booking the reader is on.
    pub role: Party,
    /// Until when it may be rescheduled or cancelled (unix seconds; the office's cut-off).
    pub change_until: i64,
}

impl BookingView {
    /// The appointment's calendar file.
    pub fn ics_link(&self) -> String {
        format!("{}/voucher.ics", self.page)
    }
}

/// 婚姻登记处 as residents see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OfficeView {
    pub id: String,
    pub name_zh: String,
    pub name_en: String,
    pub address_zh: String,
    pub address_en: String,
    pub phone: String,
    /// Opening hours per ISO weekday (1 = Monday): (weekday, opens, closes), `HH:MM`.
    pub hours: Vec<(u32, String, String)>,
    /// The office's own booking rules, as stored (its rule page shows them).
    pub rules: OfficeRules,
}

/// What an office sets for its bookings: the days it takes them for, how long an unconfirmed
/// hold is kept ([`hold_expires_at`]) and until when a booking may be changed
/// ([`change_deadline`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct OfficeRules {
    pub window: BookingWindow,
    pub hold_hours: u32,
    pub cutoff_hours: u32,
}

/// 预约凭证: the booking, its office, and the QR code the clerk scans.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VoucherView {
    pub booking: BookingView,
    pub office: OfficeView,
    /// The QR code as an SVG document, drawn on the server. It encodes only the voucher's
    /// random token (see [`voucher_payload`]), never a name or ID number.
    pub qr_svg: String,
    /// Whether it can still be rescheduled or cancelled online (active and before the cut-off).
    pub can_change: bool,
}

/// What the slot picker needs: the offices, the chosen one, the slots the purpose may book
/// there (inside the office's own window, and only those the purpose's rules admit), and a
/// fresh idempotency key for the form (a resubmitted form carries the same key).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PickerData {
    pub offices: Vec<OfficeView>,
    pub office_id: String,
    pub slots: Vec<SlotView>,
    pub idempotency_key: String,
    /// The office's hold (hours an unconfirmed booking is kept) and the server's now (unix
    /// seconds): the review step says when an unconfirmed hold lapses, by the desk's own rule.
    pub hold_hours: u32,
    pub now: i64,
}

impl PickerData {
    /// When a hold made now for `slot` would lapse (unix seconds).
    pub fn hold_until(&self, slot: &SlotView, at_counter: bool) -> i64 {
        let now = DateTime::from_timestamp(self.now, 0).unwrap_or_default();
        hold_expires_at(now, slot.day, &slot.starts, self.hold_hours, at_counter).timestamp()
    }
}

/// What the QR code carries: a prefix that says what it is, and the random token.
pub fn voucher_payload(token: &str) -> String {
    format!("MZJH:{token}")
}

/// Draws a voucher's QR code as a self-contained SVG, on the server (the encoder stays out of
/// the WASM).
#[cfg(feature = "ssr")]
pub fn qr_svg(payload: &str) -> Result<String, String> {
    use qrcode::{render::svg, EcLevel, QrCode};
    let code = QrCode::with_error_correction_level(payload.as_bytes(), EcLevel::M)
        .map_err(|e| e.to_string())?;
    Ok(code
        .render::<svg::Color>()
        .min_dimensions(200, 200)
        .quiet_zone(true)
        .build())
}

/// A code the clerk typed or scanned: the booking number printed on the voucher, or the
/// scanned token (with or without its prefix).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VoucherCode {
    Reference(String),
    Token(String),
}

impl VoucherCode {
    pub fn parse(input: &str) -> Option<Self> {
        let s = input.trim();
        let s = s.strip_prefix("MZJH:").unwrap_or(s);
        if s.len() == 64 && s.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Some(Self::Token(s.to_ascii_lowercase()));
        }
        // Two letters (the purpose's prefix), then digits and letters.
        let r = s.to_ascii_uppercase();
        let ok = r.len() >= 8
            && r.len() <= 24
            && r.bytes().take(2).all(|b| b.is_ascii_uppercase())
            && r.bytes().all(|b| b.is_ascii_alphanumeric());
        ok.then_some(Self::Reference(r))
    }
}

/// The clerk's outcome for a checked-in (or expected) booking.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum DayOutcome {
    Registered,
    NoShow,
}

/// A booking on the clerk's day list: names, masked numbers, status.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClerkBooking {
    pub id: String,
    pub purpose: String,
    pub reference: String,
    pub slot_id: String,
    pub starts: String,
    pub ends: String,
    pub status: BookingStatus,
    pub ceremony: bool,
    pub at_counter: bool,
    pub applicant_name: String,
    pub applicant_id_masked: String,
    pub partner_name: String,
    pub partner_id_masked: String,
    /// When the couple was checked in (unix seconds).
    pub checked_in_at: Option<i64>,
}

/// The clerk's view of one day at one counter of their office.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClerkDay {
    pub day: NaiveDate,
    pub counter: String,
    pub office_name_zh: String,
    pub office_name_en: String,
    pub closed_reason: Option<String>,
    pub working_day: bool,
    pub slots: Vec<SlotView>,
    pub bookings: Vec<ClerkBooking>,
}

/// What a check-in did, said to the clerk: where and when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckedIn {
    pub booking_id: String,
    pub reference: String,
    /// The counter the booking is for (it may not be the one the clerk is looking at).
    pub counter: String,
    pub starts: String,
    pub applicant_name: String,
    pub partner_name: String,
}

/// Refusals of the appointment machinery (`{"appointments": …}` on the wire).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Refusal {
    SlotUnknown,
    /// No place left in the slot (约满).
    SlotFull,
    /// The slot has places, but no ceremony place (颁证仪式约满).
    CeremonyFull,
    /// The office is closed that day (holiday, weekend, closure).
    DayClosed,
    /// The day is outside the office's booking window.
    OutsideWindow,
    /// A peak day whose places are not released yet.
    NotYetReleased,
    ApplicantHasBooking,
    PartnerHasBooking,
    /// The partner's mobile number is the applicant's own.
    PartnerPhoneIsOwn,
    /// 双方确认: the confirming resident's real name or ID number is not what the applicant typed.
    PartnerMismatch,
    /// At the counter, the ID card the clerk checked is not the partner's (worded for the clerk).
    CardMismatch,
    /// The unconfirmed hold has lapsed and its place was given back.
    HoldLapsed,
    /// Too close to the appointment to change it online (the office's cut-off).
    PastCutoff,
    /// The new slot is the one already booked.
    SameSlot,
    /// The clerk's code matches no booking of this office.
    VoucherUnknown,
    /// The booking is for another day.
    VoucherNotToday,
    /// The booking is waiting for the partner's confirmation: nothing to check in yet.
    NotConfirmed,
    /// Already checked in, at this instant (unix seconds).
    AlreadyCheckedIn {
        at: i64,
    },
    /// A closure was asked for a day that still has active bookings.
    DayHasBookings,
    /// A capacity below the places already booked.
    CapacityBelowBooked,
    /// The booking cannot be changed any more (it ended, or the clerk already recorded it).
    Closed,
}

impl RefusalCode for Refusal {
    const SERVICE: &'static str = "appointments";

    fn message(&self, t: &'static Texts) -> String {
        let a = t.appointments();
        match *self {
            Self::SlotUnknown => a.err_slot_unknown.into(),
            Self::SlotFull => a.err_slot_full.into(),
            Self::CeremonyFull => a.err_ceremony_full.into(),
            Self::DayClosed => a.err_day_closed.into(),
            Self::OutsideWindow => a.err_outside_window.into(),
            Self::NotYetReleased => a.err_not_yet_released.into(),
            Self::ApplicantHasBooking => a.err_applicant_has_booking.into(),
            Self::PartnerHasBooking => a.err_partner_has_booking.into(),
            Self::PartnerPhoneIsOwn => a.err_partner_phone_is_own.into(),
            Self::PartnerMismatch => a.err_partner_mismatch.into(),
            Self::CardMismatch => a.err_card_mismatch.into(),
            Self::HoldLapsed => a.err_hold_lapsed.into(),
            Self::PastCutoff => a.err_past_cutoff.into(),
            Self::SameSlot => a.err_same_slot.into(),
            Self::VoucherUnknown => a.err_voucher_unknown.into(),
            Self::VoucherNotToday => a.err_voucher_not_today.into(),
            Self::NotConfirmed => a.err_not_confirmed.into(),
            Self::AlreadyCheckedIn { at } => {
                a.err_already_checked_in(&crate::ui::format::clock_time(at))
            }
            Self::DayHasBookings => a.err_day_has_bookings.into(),
            Self::CapacityBelowBooked => a.err_capacity_below_booked.into(),
            Self::Closed => a.err_closed.into(),
        }
    }
}

/// The clerk's desk page after a check-in: the booking's own counter (a voucher scanned at the
/// wrong counter still checks in at its own, and the clerk is shown that counter's list), with
/// `checked=` naming the booking to announce and `moved=1` when the counter changed.
pub fn after_check_in(back: &str, counter: &str, reference: &str) -> String {
    let (path, query) = back.split_once('?').unwrap_or((back, ""));
    let mut moved = false;
    let mut q: Vec<String> = query
        .split('&')
        .filter(|kv| !kv.is_empty())
        .filter(|kv| !kv.starts_with("checked=") && !kv.starts_with("moved="))
        .map(|kv| match kv.strip_prefix("counter=") {
            Some(c) if c != counter => {
                moved = true;
                format!("counter={counter}")
            }
            _ => kv.to_owned(),
        })
        .collect();
    q.push(format!("checked={reference}"));
    if moved {
        q.push("moved=1".to_owned());
    }
    format!("{path}?{}", q.join("&"))
}

/// The appointment machinery has no page of its own on the shared pages; it only says what it
/// did when a life event cancelled a person's appointments.
#[cfg(feature = "ssr")]
pub const SERVICE: crate::catalogue::ServiceEntry = crate::catalogue::ServiceEntry {
    key: "appointments",
    life_step: |step, params, locale| {
        let x = locale.texts().appointments();
        (step == "appointments.cancel").then(|| {
            match params.get("appointments").map(String::as_str) {
                None | Some("0") => x.life_cancel_none.to_owned(),
                Some(n) => x.life_cancel(n),
            }
        })
    },
    ..crate::catalogue::ServiceEntry::BASE
};

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn t(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().to_utc()
    }

    #[test]
    fn the_default_window_runs_from_tomorrow_to_thirty_days_out() {
        let w = BookingWindow::default();
        let today = d("2026-11-23");
        assert!(!w.contains(today, today), "not today");
        assert!(w.contains(today, d("2026-11-24")), "tomorrow");
        assert!(w.contains(today, d("2026-12-23")), "day 30");
        assert!(!w.contains(today, d("2026-12-24")), "day 31");
        assert!(!w.contains(today, d("2026-11-22")), "the past");
        assert_eq!(w.days(today), (d("2026-11-24"), d("2026-12-23")));
    }

    #[test]
    fn a_hold_lapses_after_a_day_but_never_after_the_eve_of_the_appointment() {
        // Held on Monday 10:00 (Shanghai) for Friday: 24 hours.
        assert_eq!(
            hold_expires_at(
                t("2026-11-23T02:00:00Z"),
                d("2026-11-27"),
                "09:00",
                24,
                false
            ),
            t("2026-11-24T02:00:00Z")
        );
        // Held on Monday 10:00 for Tuesday: lapses at midnight before Tuesday.
        assert_eq!(
            hold_expires_at(
                t("2026-11-23T02:00:00Z"),
                d("2026-11-24"),
                "09:00",
                24,
                false
            ),
            t("2026-11-23T16:00:00Z")
        );
        // Confirmed at the counter: the place is kept until the appointment starts.
        assert_eq!(
            hold_expires_at(
                t("2026-11-23T02:00:00Z"),
                d("2026-11-27"),
                "09:00",
                24,
                true
            ),
            t("2026-11-27T01:00:00Z")
        );
    }

    #[test]
    fn the_cut_off_and_the_reminder_are_in_shanghai_time() {
        // 2026-11-27 09:00 Shanghai is 01:00 UTC; 24 hours before is 11-26 01:00 UTC.
        assert_eq!(
            change_deadline(d("2026-11-27"), "09:00", 24).to_rfc3339(),
            "2026-11-26T01:00:00+00:00"
        );
        assert_eq!(
            reminder_due_at(d("2026-11-27")).to_rfc3339(),
            "2026-11-26T01:00:00+00:00"
        );
    }

    #[test]
    fn voucher_codes_typed_or_scanned() {
        let token = "ab".repeat(32);
        assert_eq!(
            VoucherCode::parse(&format!(" MZJH:{token} ")),
            Some(VoucherCode::Token(token.clone()))
        );
        assert_eq!(
            VoucherCode::parse(&token.to_uppercase()),
            Some(VoucherCode::Token(token))
        );
        assert_eq!(
            VoucherCode::parse(" jh2026112712345a "),
            Some(VoucherCode::Reference("JH2026112712345A".into()))
        );
        assert_eq!(
            VoucherCode::parse("yy20261125331603"),
            Some(VoucherCode::Reference("YY20261125331603".into()))
        );
        assert_eq!(VoucherCode::parse("2026112533160312"), None);
        assert_eq!(VoucherCode::parse("drop table"), None);
        assert_eq!(VoucherCode::parse(""), None);
    }

    #[test]
    fn statuses_round_trip_and_read_from_the_readers_side() {
        for s in BookingStatus::ALL {
            assert_eq!(BookingStatus::parse(s.as_str()), Some(s));
        }
        let t = &crate::i18n::ZH_CN;
        assert_ne!(
            BookingStatus::PendingPartner.text(Party::Partner, t),
            BookingStatus::PendingPartner.text(Party::Applicant, t)
        );
    }

    #[test]
    fn a_check_in_comes_back_to_the_bookings_own_counter() {
        assert_eq!(
            after_check_in("/staff/marriage", "marriage", "JH1"),
            "/staff/marriage?checked=JH1"
        );
        assert_eq!(
            after_check_in("/staff/divorce?counter=divorce", "divorce", "YY1"),
            "/staff/divorce?counter=divorce&checked=YY1"
        );
        assert_eq!(
            after_check_in(
                "/staff/divorce?counter=divorce&checked=YY0&moved=1",
                "counselling",
                "YY2"
            ),
            "/staff/divorce?counter=counselling&checked=YY2&moved=1"
        );
    }
}
