//! Pure rules of a marriage appointment, shared by the browser (instant feedback) and the
//! server (the decision).

use crate::{
    error::{AppError, Code},
    rules::id_number::{IdNumber, Sex},
};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// 法定婚龄 (Civil Code art. 1047): a man may marry from his 22nd birthday, a woman from her
/// 20th; "不得早于" counts the birthday itself (art. 1259).
pub fn legal_marriage_age(sex: Sex) -> u32 {
    match sex {
        Sex::Male => 22,
        Sex::Female => 20,
    }
}

/// Which of the two people a rule is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Party {
    Applicant,
    Partner,
}

/// Checks the couple for an appointment on `day`: the partner is someone else, and both have
/// reached the legal marriage age on that day (sex and birth date come from the ID numbers).
/// Errors name the form field they belong to: the partner's ID number, or the chosen slot.
pub fn check_couple(
    applicant: &IdNumber,
    partner: &IdNumber,
    day: NaiveDate,
) -> Result<(), AppError> {
    if applicant == partner {
        return Err(AppError::invalid(
            "partner_id_number",
            Code::PartnerIsApplicant,
        ));
    }
    for (who, id, field) in [
        (Party::Applicant, applicant, "slot"),
        (Party::Partner, partner, "partner_id_number"),
    ] {
        let min = legal_marriage_age(id.sex());
        if id.age_on(day) < min {
            return Err(AppError::invalid(
                field,
                Code::UnderMarriageAge { party: who, min },
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    /// A valid number for a birth date and sex (17th digit odd for men, even for women).
    fn id(birth: &str, sex: Sex) -> IdNumber {
        let seq = if sex == Sex::Male { "011" } else { "022" };
        let body = format!("330203{}{seq}", birth.replace('-', ""));
        let full = format!(
            "{body}{}",
            crate::rules::id_number::check_character(&body).unwrap()
        );
        IdNumber::parse(&full, d("2026-11-23")).unwrap()
    }

    #[test]
    fn both_parties_must_have_reached_the_legal_age_on_the_appointment_day() {
        let man_22_on_12_01 = id("2004-12-01", Sex::Male);
        let woman_20_on_12_10 = id("2006-12-10", Sex::Female);
        let adult_woman = id("1998-05-05", Sex::Female);
        let adult_man = id("1996-05-05", Sex::Male);
        let cases = [
            (
                &man_22_on_12_01,
                &adult_woman,
                "2026-12-01",
                Ok(()),
                "his 22nd birthday counts",
            ),
            (
                &man_22_on_12_01,
                &adult_woman,
                "2026-11-30",
                Err(AppError::invalid(
                    "slot",
                    Code::UnderMarriageAge {
                        party: Party::Applicant,
                        min: 22,
                    },
                )),
                "the day before his 22nd birthday",
            ),
            (
                &adult_man,
                &woman_20_on_12_10,
                "2026-12-10",
                Ok(()),
                "her 20th birthday counts",
            ),
            (
                &adult_man,
                &woman_20_on_12_10,
                "2026-12-09",
                Err(AppError::invalid(
                    "partner_id_number",
                    Code::UnderMarriageAge {
                        party: Party::Partner,
                        min: 20,
                    },
                )),
                "the partner one day short of 20",
            ),
            (
                &adult_man,
                &adult_man,
                "2026-12-10",
                Err(AppError::invalid(
                    "partner_id_number",
                    Code::PartnerIsApplicant,
                )),
                "the partner is the applicant",
            ),
        ];
        for (a, p, day, expected, why) in cases {
            assert_eq!(check_couple(a, p, d(day)), expected, "{why}");
        }
    }

    #[test]
    fn a_woman_of_21_may_marry_but_a_man_of_21_may_not() {
        let man_21 = id("2005-01-01", Sex::Male);
        let woman_21 = id("2005-01-01", Sex::Female);
        let adult_woman = id("1998-05-05", Sex::Female);
        let adult_man = id("1996-05-05", Sex::Male);
        assert!(check_couple(&man_21, &adult_woman, d("2026-12-01")).is_err());
        assert!(check_couple(&woman_21, &adult_man, d("2026-12-01")).is_ok());
    }
}

/// 预约窗口 — how far ahead an office takes bookings, in days from today (default: from
/// tomorrow to 30 days out).
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
}

/// Dates couples favour (情人节, 520, 521, 9-9, 10-10), whose quota an office releases at a
/// published time rather than with the rest of the window. Offices may name more.
pub const DEFAULT_PEAK_DAYS: [(u32, u32); 5] = [(2, 14), (5, 20), (5, 21), (9, 9), (10, 10)];

/// Whether `day` is a peak day, by the default list or the office's own.
pub fn is_peak_day(day: NaiveDate, extra: &[NaiveDate]) -> bool {
    use chrono::Datelike;
    DEFAULT_PEAK_DAYS.contains(&(day.month(), day.day())) || extra.contains(&day)
}

/// When an unconfirmed hold lapses: `hold_hours` after it was made, but never later than the
/// end of the day before the appointment (so the office knows the day's list the evening before).
pub fn hold_expires_at(
    held_at: chrono::DateTime<chrono::Utc>,
    slot_day: NaiveDate,
    hold_hours: u32,
) -> chrono::DateTime<chrono::Utc> {
    let by_hours = held_at + chrono::Duration::hours(i64::from(hold_hours));
    by_hours.min(eve_of(slot_day))
}

/// The end of the day before `day` (midnight at its start, Shanghai): no hold outlives it.
pub fn eve_of(day: NaiveDate) -> chrono::DateTime<chrono::Utc> {
    slot_start(day, "00:00")
}

#[cfg(test)]
mod window_tests {
    use super::*;
    use chrono::{DateTime, Utc};

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
    }

    #[test]
    fn peak_days() {
        assert!(is_peak_day(d("2027-05-20"), &[]));
        assert!(is_peak_day(d("2026-10-10"), &[]));
        assert!(!is_peak_day(d("2026-10-11"), &[]));
        assert!(
            is_peak_day(d("2026-12-12"), &[d("2026-12-12")]),
            "an office's own peak day"
        );
    }

    #[test]
    fn a_hold_lapses_after_a_day_but_never_after_the_eve_of_the_appointment() {
        // Held on Monday 10:00 (Shanghai) for Friday: 24 hours.
        assert_eq!(
            hold_expires_at(t("2026-11-23T02:00:00Z"), d("2026-11-27"), 24),
            t("2026-11-24T02:00:00Z")
        );
        // Held on Monday 10:00 for Tuesday: lapses at midnight before Tuesday.
        assert_eq!(
            hold_expires_at(t("2026-11-23T02:00:00Z"), d("2026-11-24"), 24),
            t("2026-11-23T16:00:00Z")
        );
    }
}

/// What an appointment is for. The registry office's appointment machinery (slots, the
/// two-party booking and confirmation, the voucher, check-in) serves marriage, divorce and
/// family counselling alike; the purpose decides which slots, which rules and which wording.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Purpose {
    /// 结婚登记
    Marriage,
    /// 离婚登记申请: both parties apply together; receipt opens the case.
    DivorceApplication,
    /// 领取离婚证: inside the certificate window of an open case.
    DivorceCertificate,
    /// 婚姻家庭辅导: a free session during the cooling-off period; no second confirmation.
    Counselling,
}

impl Purpose {
    pub const ALL: [Purpose; 4] = [
        Self::Marriage,
        Self::DivorceApplication,
        Self::DivorceCertificate,
        Self::Counselling,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Marriage => "marriage",
            Self::DivorceApplication => "divorce_application",
            Self::DivorceCertificate => "divorce_certificate",
            Self::Counselling => "counselling",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.as_str() == s)
    }

    /// The counter whose slots it books.
    pub fn counter(self) -> Counter {
        match self {
            Self::Marriage => Counter::Marriage,
            Self::DivorceApplication | Self::DivorceCertificate => Counter::Divorce,
            Self::Counselling => Counter::Counselling,
        }
    }

    /// Divorce and counselling speak neutrally in every notice (nothing on a lock screen).
    pub fn is_discreet(self) -> bool {
        self != Self::Marriage
    }

    /// Whether the other party confirms (counselling is confirmed when booked).
    pub fn needs_partner(self) -> bool {
        self != Self::Counselling
    }

    /// The service it belongs to in 我的办件, and where its page is.
    pub fn service(self) -> &'static str {
        if self == Self::Marriage {
            "marriage"
        } else {
            "divorce"
        }
    }

    pub fn page(self, booking_id: &str) -> String {
        match self {
            Self::Marriage => format!("/marriage/booking/{booking_id}"),
            _ => format!("/divorce/appointment/{booking_id}"),
        }
    }
}

/// The counters of a registry office; each publishes its own slots.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Counter {
    Marriage,
    Divorce,
    Counselling,
}

impl Counter {
    pub const ALL: [Counter; 3] = [Self::Marriage, Self::Divorce, Self::Counselling];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Marriage => "marriage",
            Self::Divorce => "divorce",
            Self::Counselling => "counselling",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == s)
    }
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
        [
            Self::PendingPartner,
            Self::Confirmed,
            Self::CheckedIn,
            Self::Registered,
            Self::Cancelled,
            Self::Lapsed,
            Self::NoShow,
        ]
        .into_iter()
        .find(|x| x.as_str() == s)
    }

    /// Still holds a place in its slot.
    pub fn is_active(self) -> bool {
        matches!(
            self,
            Self::PendingPartner | Self::Confirmed | Self::CheckedIn
        )
    }
}

/// A booking as its parties see it: the partner's ID number masked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BookingView {
    pub id: String,
    pub purpose: Purpose,
    /// The divorce case a certificate or counselling appointment belongs to.
    pub case_id: Option<String>,
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
    /// Which side of the booking the reader is on.
    pub role: Party,
    /// Until when it may be rescheduled or cancelled (unix seconds; the office's cut-off).
    pub change_until: i64,
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
        let r = s.to_ascii_uppercase();
        // JH: marriage; YY: divorce and counselling (a prefix that says nothing).
        let ok = (r.starts_with("JH") || r.starts_with("YY"))
            && (8..=24).contains(&r.len())
            && r.bytes().all(|b| b.is_ascii_alphanumeric());
        ok.then_some(Self::Reference(r))
    }
}

/// The instant a slot starts (its day and `HH:MM` in Asia/Shanghai).
pub fn slot_start(day: NaiveDate, starts: &str) -> chrono::DateTime<chrono::Utc> {
    use chrono::TimeZone;
    let time = chrono::NaiveTime::parse_from_str(starts, "%H:%M").unwrap_or_default();
    crate::rules::clock::shanghai()
        .from_local_datetime(&day.and_time(time))
        .single()
        .expect("UTC+8 has no gaps")
        .to_utc()
}

/// Until when a booking may be rescheduled or cancelled: `cutoff_hours` before its slot.
pub fn change_deadline(
    day: NaiveDate,
    starts: &str,
    cutoff_hours: u32,
) -> chrono::DateTime<chrono::Utc> {
    slot_start(day, starts) - chrono::Duration::hours(i64::from(cutoff_hours))
}

/// When the reminder for a confirmed booking goes out: 09:00 the day before (Shanghai).
pub fn reminder_due_at(day: NaiveDate) -> chrono::DateTime<chrono::Utc> {
    slot_start(day - chrono::Duration::days(1), "09:00")
}

/// A calendar file (RFC 5545) for the appointment, with the booking number and the office;
/// no ID numbers. Times are written in UTC so every calendar reads them the same way.
pub fn ics(booking: &BookingView, office: &OfficeView, summary: &str, now: i64) -> String {
    ics_calendar(
        &[IcsEvent {
            uid: format!("{}@mz.appointment", booking.id),
            starts: slot_start(booking.day, &booking.starts),
            ends: slot_start(booking.day, &booking.ends),
            summary: format!("{summary} {}", booking.reference),
            location: format!("{} {}", office.name_zh, office.address_zh),
            description: format!("{} {}", booking.reference, office.phone),
        }],
        now,
    )
}

/// One event of a calendar file.
pub struct IcsEvent {
    pub uid: String,
    pub starts: chrono::DateTime<chrono::Utc>,
    pub ends: chrono::DateTime<chrono::Utc>,
    pub summary: String,
    pub location: String,
    pub description: String,
}

/// A calendar file (RFC 5545) of `events`, times in UTC.
pub fn ics_calendar(events: &[IcsEvent], now: i64) -> String {
    let fmt = |t: chrono::DateTime<chrono::Utc>| t.format("%Y%m%dT%H%M%SZ").to_string();
    let stamp = chrono::DateTime::from_timestamp(now, 0).unwrap_or_default();
    // RFC 5545 §3.3.11: backslash, semicolon and comma are escaped in text values.
    let esc = |s: &str| {
        s.replace('\\', "\\\\")
            .replace(';', "\\;")
            .replace(',', "\\,")
            .replace('\n', "\\n")
    };
    let mut lines = vec![
        "BEGIN:VCALENDAR".to_owned(),
        "VERSION:2.0".to_owned(),
        "PRODID:-//mz//appointments//ZH".to_owned(),
        "METHOD:PUBLISH".to_owned(),
    ];
    for e in events {
        lines.extend([
            "BEGIN:VEVENT".to_owned(),
            format!("UID:{}", e.uid),
            format!("DTSTAMP:{}", fmt(stamp)),
            format!("DTSTART:{}", fmt(e.starts)),
            format!("DTEND:{}", fmt(e.ends)),
            format!("SUMMARY:{}", esc(&e.summary)),
        ]);
        if !e.location.is_empty() {
            lines.push(format!("LOCATION:{}", esc(&e.location)));
        }
        lines.extend([
            format!("DESCRIPTION:{}", esc(&e.description)),
            "END:VEVENT".to_owned(),
        ]);
    }
    lines.push("END:VCALENDAR".to_owned());
    lines.join("\r\n") + "\r\n"
}

/// The clerk's outcome for a checked-in couple.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum DayOutcome {
    Registered,
    NoShow,
}

/// A booking on the clerk's day list: names, masked numbers, status.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClerkBooking {
    pub id: String,
    pub purpose: Purpose,
    pub reference: String,
    pub slot_id: String,
    pub starts: String,
    pub ends: String,
    pub status: BookingStatus,
    pub ceremony: bool,
    pub applicant_name: String,
    pub applicant_id_masked: String,
    pub partner_name: String,
    pub partner_id_masked: String,
}

/// The clerk's view of one day at their office.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClerkDay {
    pub day: NaiveDate,
    pub office_name_zh: String,
    pub office_name_en: String,
    pub closed_reason: Option<String>,
    pub working_day: bool,
    pub slots: Vec<SlotView>,
    pub bookings: Vec<ClerkBooking>,
}

#[cfg(test)]
mod voucher_tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
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
        assert_eq!(VoucherCode::parse("XX20261125331603"), None);
        assert_eq!(VoucherCode::parse("drop table"), None);
        assert_eq!(VoucherCode::parse(""), None);
    }

    #[test]
    fn the_calendar_file_carries_the_time_in_utc_and_escapes_text() {
        let b = BookingView {
            id: "b1".into(),
            purpose: Purpose::Marriage,
            case_id: None,
            reference: "JH202611270001AB".into(),
            office_id: "o".into(),
            slot_id: "s".into(),
            day: d("2026-11-27"),
            starts: "09:00".into(),
            ends: "12:00".into(),
            status: BookingStatus::Confirmed,
            ceremony: false,
            applicant_name: "张三".into(),
            partner_name: "李四".into(),
            partner_id_number_masked: "3302**********001X".into(),
            hold_expires_at: 0,
            role: Party::Applicant,
            change_until: 0,
        };
        let o = OfficeView {
            id: "o".into(),
            name_zh: "海曙区婚姻登记处".into(),
            name_en: "Haishu".into(),
            address_zh: "某路1号, 2楼; 东门".into(),
            address_en: String::new(),
            phone: "0574-1".into(),
            hours: vec![],
        };
        let text = ics(&b, &o, "结婚登记", 1_795_000_000);
        assert!(text.contains("DTSTART:20261127T010000Z\r\n"));
        assert!(text.contains("DTEND:20261127T040000Z\r\n"));
        assert!(text.contains("1号\\, 2楼\\; 东门"));
        assert!(!text.contains("李四") && !text.contains("张三"), "no names");
        assert!(text.ends_with("END:VCALENDAR\r\n"));
    }
}

#[cfg(test)]
mod purpose_tests {
    use super::*;

    #[test]
    fn each_purpose_books_its_own_counter_and_divorce_ones_are_discreet() {
        for p in Purpose::ALL {
            assert_eq!(Purpose::parse(p.as_str()), Some(p));
        }
        for c in Counter::ALL {
            assert_eq!(Counter::parse(c.as_str()), Some(c));
        }
        assert_eq!(Purpose::Marriage.counter(), Counter::Marriage);
        assert_eq!(Purpose::DivorceApplication.counter(), Counter::Divorce);
        assert_eq!(Purpose::DivorceCertificate.counter(), Counter::Divorce);
        assert_eq!(Purpose::Counselling.counter(), Counter::Counselling);
        assert!(!Purpose::Marriage.is_discreet());
        assert!(Purpose::ALL[1..].iter().all(|p| p.is_discreet()));
        assert!(!Purpose::Counselling.needs_partner());
        assert_eq!(Purpose::Marriage.page("b1"), "/marriage/booking/b1");
        assert_eq!(
            Purpose::DivorceCertificate.page("b1"),
            "/divorce/appointment/b1"
        );
        assert_eq!(Purpose::parse("wedding"), None);
    }
}
