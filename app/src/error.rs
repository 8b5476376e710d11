//! `AppError`: the one error that crosses the wire between a server function and a page.
//!
//! It carries a field name and a message *code*, never text: the page turns the code into a
//! sentence in the reader's language ([`AppError::message`]). Internal failures carry nothing at
//! all; the detail is logged on the server (see `server/src/error.rs` and DESIGN.md §5).

use crate::{
    i18n::{fill, Texts},
    rules::{id_number::IdNumberError, otp::OtpError},
};
use leptos::server_fn::{
    codec::JsonEncoding,
    error::{FromServerFnError, ServerFnErrorErr},
};
use serde::{Deserialize, Serialize};

/// A message the user can act on. Each variant has one sentence per language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Code {
    Required,
    TooLong,
    PhoneInvalid,
    Otp(OtpError),
    OtpFormat,
    /// No code was asked for from this browser (or it was replaced by a newer one).
    OtpMissing,
    /// Too many requests from this number or this address; `minutes` until it may be tried again.
    RateLimited {
        minutes: u32,
    },
    IdNumber(IdNumberError),
    NameInvalid,
    /// The ID number is already bound to another account (一证一号).
    IdNumberTaken,
    /// This account already has a real name; it cannot be changed here.
    AlreadyBound,
    CredentialsInvalid,
    UsernameInvalid,
    UsernameTaken,
    PasswordTooShort,
    ScopeRequired,
    ScopeUnknown,
    /// 结婚登记: the partner's ID number is the applicant's own.
    PartnerIsApplicant,
    /// 结婚登记: one party has not reached the legal marriage age on the appointment day.
    UnderMarriageAge {
        party: crate::marriage::model::Party,
        min: u32,
    },
    /// The service needs the resident's real name first (实名认证).
    RealNameRequired,
    SlotUnknown,
    /// No place left in the slot (约满).
    SlotFull,
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
    /// The booking changed meanwhile (e.g. already checked in); reload and look again.
    StatusChanged,
    /// A closure was asked for a day that still has active bookings.
    DayHasBookings,
    /// A capacity below the places already booked.
    CapacityBelowBooked,
    /// Not a whole number in the allowed range.
    NumberInvalid,
    /// Not a date (YYYY-MM-DD) or a time (HH:MM).
    DateInvalid,
    /// 离婚: nobody with this ID number has a real-name-bound account.
    PartyUnknown,
    /// 离婚: the two ID numbers are the same person.
    SameParty,
    /// 离婚: this person already has an open divorce case.
    PartyHasOpenCase,
    /// 离婚: the cooling-off period is over (or the case is closed), so it cannot be withdrawn.
    WithdrawalClosed,
    /// 离婚: the slot is outside the certificate window (or the window has not opened yet).
    OutsideCertificateWindow,
    /// 离婚: counselling can be booked only during the cooling-off period of an open case.
    CounsellingClosed,
    /// 离婚: the case is not open (withdrawn, deemed withdrawn or finished).
    CaseClosed,
}

/// The typed error of every server function.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum AppError {
    /// Input the user can correct; `field` is the form field's `name`.
    #[error("invalid {field}: {code:?}")]
    Invalid { field: String, code: Code },
    /// The caller must sign in first.
    #[error("sign-in required")]
    SignInRequired,
    /// Signed in, but this is not theirs to see or do.
    #[error("forbidden")]
    Forbidden,
    #[error("not found")]
    NotFound,
    /// The request itself was malformed (what a browser form cannot produce).
    #[error("bad request")]
    BadRequest,
    /// Something broke on our side; the detail is in the server log, never here.
    #[error("internal error")]
    Internal,
}

impl AppError {
    pub fn invalid(field: &str, code: Code) -> Self {
        Self::Invalid {
            field: field.to_owned(),
            code,
        }
    }

    /// The error belongs next to this form field.
    pub fn field(&self) -> Option<&str> {
        match self {
            Self::Invalid { field, .. } => Some(field),
            _ => None,
        }
    }

    /// The HTTP status a non-browser client gets (browsers posting forms get a redirect back).
    pub fn status(&self) -> u16 {
        match self {
            Self::Invalid {
                code: Code::RateLimited { .. },
                ..
            } => 429,
            Self::Invalid { .. } => 422,
            Self::SignInRequired => 401,
            Self::Forbidden => 403,
            Self::NotFound => 404,
            Self::BadRequest => 400,
            Self::Internal => 500,
        }
    }

    /// The sentence shown to the user.
    pub fn message(&self, t: &Texts) -> String {
        let e = &t.errors;
        match self {
            Self::Invalid { code, .. } => code.message(t),
            Self::SignInRequired => e.sign_in_required.into(),
            Self::Forbidden => e.forbidden.into(),
            Self::NotFound => e.not_found.into(),
            Self::BadRequest => e.bad_request.into(),
            Self::Internal => e.internal.into(),
        }
    }
}

impl Code {
    pub fn message(&self, t: &Texts) -> String {
        let e = &t.errors;
        match *self {
            Code::Required => e.required.into(),
            Code::TooLong => e.too_long.into(),
            Code::PhoneInvalid => e.phone_invalid.into(),
            Code::Otp(OtpError::Expired) => e.otp_expired.into(),
            Code::Otp(OtpError::TooManyAttempts) => e.otp_too_many.into(),
            Code::Otp(OtpError::Wrong { remaining }) => {
                fill(e.otp_wrong, &[("n", &remaining.to_string())])
            }
            Code::Otp(OtpError::ResendTooSoon { seconds }) => {
                fill(e.otp_resend_wait, &[("s", &seconds.to_string())])
            }
            Code::OtpFormat => e.otp_format.into(),
            Code::OtpMissing => e.otp_missing.into(),
            Code::RateLimited { minutes } => fill(e.rate_limited, &[("m", &minutes.to_string())]),
            Code::IdNumber(IdNumberError::WrongLength) => e.id_length.into(),
            Code::IdNumber(IdNumberError::BadCharacter) => e.id_character.into(),
            Code::IdNumber(IdNumberError::BadBirthDate) => e.id_birth_date.into(),
            Code::IdNumber(IdNumberError::FutureBirthDate) => e.id_future.into(),
            Code::IdNumber(IdNumberError::BadCheckDigit) => e.id_check_digit.into(),
            Code::NameInvalid => e.name_invalid.into(),
            Code::IdNumberTaken => e.id_taken.into(),
            Code::AlreadyBound => e.already_bound.into(),
            Code::CredentialsInvalid => e.credentials_invalid.into(),
            Code::UsernameInvalid => e.username_invalid.into(),
            Code::UsernameTaken => e.username_taken.into(),
            Code::PasswordTooShort => e.password_too_short.into(),
            Code::ScopeRequired => e.scope_required.into(),
            Code::ScopeUnknown => e.scope_unknown.into(),
            Code::PartnerIsApplicant => e.partner_is_applicant.into(),
            Code::UnderMarriageAge { party, min } => {
                let who = match party {
                    crate::marriage::model::Party::Applicant => e.party_applicant,
                    crate::marriage::model::Party::Partner => e.party_partner,
                };
                fill(
                    e.under_marriage_age,
                    &[("who", who), ("min", &min.to_string())],
                )
            }
            Code::RealNameRequired => e.real_name_required.into(),
            Code::SlotUnknown => e.slot_unknown.into(),
            Code::SlotFull => e.slot_full.into(),
            Code::CeremonyFull => e.ceremony_full.into(),
            Code::DayClosed => e.day_closed.into(),
            Code::OutsideWindow => e.outside_window.into(),
            Code::NotYetReleased => e.not_yet_released.into(),
            Code::ApplicantHasBooking => e.applicant_has_booking.into(),
            Code::PartnerHasBooking => e.partner_has_booking.into(),
            Code::PartnerPhoneIsOwn => e.partner_phone_is_own.into(),
            Code::PartnerMismatch => e.partner_mismatch.into(),
            Code::HoldLapsed => e.hold_lapsed.into(),
            Code::PastCutoff => e.past_cutoff.into(),
            Code::SameSlot => e.same_slot.into(),
            Code::VoucherUnknown => e.voucher_unknown.into(),
            Code::VoucherNotToday => e.voucher_not_today.into(),
            Code::StatusChanged => e.status_changed.into(),
            Code::DayHasBookings => e.day_has_bookings.into(),
            Code::CapacityBelowBooked => e.capacity_below_booked.into(),
            Code::NumberInvalid => e.number_invalid.into(),
            Code::DateInvalid => e.date_invalid.into(),
            Code::PartyUnknown => e.party_unknown.into(),
            Code::SameParty => e.same_party.into(),
            Code::PartyHasOpenCase => e.party_has_open_case.into(),
            Code::WithdrawalClosed => e.withdrawal_closed.into(),
            Code::OutsideCertificateWindow => e.outside_certificate_window.into(),
            Code::CounsellingClosed => e.counselling_closed.into(),
            Code::CaseClosed => e.case_closed.into(),
        }
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    /// Failures of the server-function machinery itself. Decoding failures are the client's
    /// fault (400); the rest are ours. No text is kept: it could echo what the client sent.
    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        match value {
            ServerFnErrorErr::Args(_)
            | ServerFnErrorErr::Deserialization(_)
            | ServerFnErrorErr::MissingArg(_)
            | ServerFnErrorErr::UnsupportedRequestMethod(_) => AppError::BadRequest,
            #[cfg(feature = "ssr")]
            other => {
                tracing::error!(error = %other, "server function machinery failed");
                AppError::Internal
            }
            #[cfg(not(feature = "ssr"))]
            _ => AppError::Internal,
        }
    }
}

/// The result type of server functions.
pub type AppResult<T> = Result<T, AppError>;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::{EN, ZH_CN};

    #[test]
    fn every_error_reads_as_a_sentence_in_both_languages() {
        let e = AppError::invalid("code", Code::Otp(OtpError::Wrong { remaining: 3 }));
        assert!(e.message(&ZH_CN).contains('3'));
        assert!(e.message(&EN).contains('3'));
        assert_ne!(e.message(&ZH_CN), e.message(&EN));
        assert_eq!(e.status(), 422);
        assert_eq!(
            AppError::invalid("phone", Code::RateLimited { minutes: 5 }).status(),
            429
        );
    }

    #[test]
    fn the_wire_form_names_the_field_and_code_only() {
        let e = AppError::invalid("id_number", Code::IdNumber(IdNumberError::BadCheckDigit));
        let json = serde_json::to_string(&e).unwrap();
        assert_eq!(
            json,
            r#"{"Invalid":{"field":"id_number","code":{"IdNumber":"BadCheckDigit"}}}"#
        );
        assert_eq!(serde_json::from_str::<AppError>(&json).unwrap(), e);
    }
}
