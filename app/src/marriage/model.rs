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
    use chrono::TimeZone;
    let by_hours = held_at + chrono::Duration::hours(i64::from(hold_hours));
    let eve = crate::rules::clock::shanghai()
        .from_local_datetime(&slot_day.and_hms_opt(0, 0, 0).expect("midnight exists"))
        .single()
        .expect("UTC+8 has no gaps")
        .to_utc();
    by_hours.min(eve)
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
    pub reference: String,
    pub office_id: String,
    pub slot_id: String,
    pub day: NaiveDate,
    pub starts: String,
    pub ends: String,
    pub status: BookingStatus,
    pub ceremony: bool,
    pub partner_name: String,
    pub partner_id_number_masked: String,
    /// When an unconfirmed hold lapses (unix seconds).
    pub hold_expires_at: i64,
}
