//! `AppError`: the one error that crosses the wire between a server function and a page.
//!
//! It carries a field name and a message *code*, never text: the page turns the code into a
//! sentence in the reader's language ([`AppError::message`]). Internal failures carry nothing at
//! all; the detail is logged on the server (see `server/src/error.rs` and DESIGN.md §5).

use crate::{
    i18n::Texts,
    rules::{id_number::IdNumberError, otp::OtpError},
};
use leptos::server_fn::{
    codec::JsonEncoding,
    error::{FromServerFnError, ServerFnErrorErr},
};
use serde::{Deserialize, Serialize};

/// A message the user can act on. Each variant has one sentence per language. These are the
/// codes every service shares; a refusal that only one service gives is that service's own
/// (`Code::Service`, see [`Refusal`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
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
    /// The service needs the resident's real name first (实名认证).
    RealNameRequired,
    /// The record changed meanwhile; reload and look again.
    StatusChanged,
    /// Not a whole number in the allowed range.
    NumberInvalid,
    /// Not a date (YYYY-MM-DD) or a time (HH:MM), or one outside the range a person could mean.
    DateInvalid,
    /// The account was closed (its holder has died).
    AccountClosed,
    /// A refusal of one service, `{"<service>": <its refusal>}` on the wire.
    #[serde(untagged)]
    Service(ServiceCode),
}

/// A service's own refusal codes: an enum in the service's `model.rs`, serialised under the
/// service's name, explained by the service's texts. The app registers each service's
/// explanation once (`crate::services`); this module knows no service.
pub trait Refusal: Serialize + serde::de::DeserializeOwned {
    /// The service's name on the wire (`"marriage"`, `"divorce"`, `"appointments"`, …).
    const SERVICE: &'static str;
    /// The sentence shown to the user.
    fn message(&self, t: &'static Texts) -> String;

    fn code(&self) -> Code {
        Code::Service(ServiceCode {
            service: Self::SERVICE.to_owned(),
            refusal: serde_json::to_value(self).unwrap_or_default(),
        })
    }

    /// The refusal, if `code` is one of this service's.
    fn from_code(code: &Code) -> Option<Self> {
        match code {
            Code::Service(c) if c.service == Self::SERVICE => {
                serde_json::from_value(c.refusal.clone()).ok()
            }
            _ => None,
        }
    }
}

/// A refusal of one service as it crosses the wire: the service's name and its code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceCode {
    pub service: String,
    pub refusal: serde_json::Value,
}

impl Serialize for ServiceCode {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut m = s.serialize_map(Some(1))?;
        m.serialize_entry(&self.service, &self.refusal)?;
        m.end()
    }
}

impl<'de> Deserialize<'de> for ServiceCode {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let map = std::collections::BTreeMap::<String, serde_json::Value>::deserialize(d)?;
        let mut entries = map.into_iter();
        match (entries.next(), entries.next()) {
            (Some((service, refusal)), None) => Ok(ServiceCode { service, refusal }),
            _ => Err(serde::de::Error::custom(
                "a service code has exactly one entry",
            )),
        }
    }
}

impl<R: Refusal> From<R> for Code {
    fn from(r: R) -> Self {
        r.code()
    }
}

/// How one service's refusals read.
pub type Explainer = fn(&ServiceCode, &'static Texts) -> Option<String>;

static EXPLAINERS: std::sync::Mutex<Vec<Explainer>> = std::sync::Mutex::new(Vec::new());

/// Registers services' explanations of their refusals (once each, however often asked). The
/// server registers every service's at start; in the browser each service's pages register
/// their own when they first render (`lazy_page!`), so the main WASM module carries none.
pub fn register_explainers(these: &[Explainer]) {
    let mut all = EXPLAINERS.lock().unwrap_or_else(|e| e.into_inner());
    for e in these {
        if !all.iter().any(|x| std::ptr::fn_addr_eq(*x, *e)) {
            all.push(*e);
        }
    }
}

/// The explanation of a service refusal, for a service registered in `all` (helper for
/// [`Explainer`]s: `explain::<marriage::Refusal>`).
pub fn explain<R: Refusal>(code: &ServiceCode, t: &'static Texts) -> Option<String> {
    (code.service == R::SERVICE)
        .then(|| serde_json::from_value::<R>(code.refusal.clone()).ok())
        .flatten()
        .map(|r| r.message(t))
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
    pub fn invalid(field: &str, code: impl Into<Code>) -> Self {
        Self::Invalid {
            field: field.to_owned(),
            code: code.into(),
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
    pub fn message(&self, t: &'static Texts) -> String {
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
    pub fn message(&self, t: &'static Texts) -> String {
        let e = &t.errors;
        match self {
            Code::Required => e.required.into(),
            Code::TooLong => e.too_long.into(),
            Code::PhoneInvalid => e.phone_invalid.into(),
            Code::Otp(OtpError::Expired) => e.otp_expired.into(),
            Code::Otp(OtpError::TooManyAttempts) => e.otp_too_many.into(),
            Code::Otp(OtpError::Wrong { remaining }) => e.otp_wrong(&remaining.to_string()),
            Code::Otp(OtpError::ResendTooSoon { seconds }) => {
                e.otp_resend_wait(&seconds.to_string())
            }
            Code::OtpFormat => e.otp_format.into(),
            Code::OtpMissing => e.otp_missing.into(),
            Code::RateLimited { minutes } => e.rate_limited(&minutes.to_string()),
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
            Code::RealNameRequired => e.real_name_required.into(),
            Code::StatusChanged => e.status_changed.into(),
            Code::NumberInvalid => e.number_invalid.into(),
            Code::DateInvalid => e.date_invalid.into(),
            Code::AccountClosed => e.account_closed.into(),
            Code::Service(c) => EXPLAINERS
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .iter()
                .find_map(|explain| explain(c, t))
                .unwrap_or_else(|| e.refused.into()),
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

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    enum TestRefusal {
        Closed,
        Short { min: u32 },
    }

    impl Refusal for TestRefusal {
        const SERVICE: &'static str = "test";
        fn message(&self, _: &'static Texts) -> String {
            format!("{self:?}")
        }
    }

    #[test]
    fn a_service_refusal_travels_under_its_service_name_and_comes_back_typed() {
        let e = AppError::invalid("slot", TestRefusal::Short { min: 20 });
        let json = serde_json::to_string(&e).unwrap();
        assert_eq!(
            json,
            r#"{"Invalid":{"field":"slot","code":{"test":{"Short":{"min":20}}}}}"#
        );
        let back: AppError = serde_json::from_str(&json).unwrap();
        assert_eq!(back, e);
        let AppError::Invalid { code, .. } = back else {
            panic!("not invalid")
        };
        assert_eq!(
            TestRefusal::from_code(&code),
            Some(TestRefusal::Short { min: 20 })
        );
        let plain = serde_json::to_string(&Code::from(TestRefusal::Closed)).unwrap();
        assert_eq!(plain, r#"{"test":"Closed"}"#);
        // A shared code is still its plain variant.
        assert_eq!(
            serde_json::to_string(&Code::Required).unwrap(),
            r#""Required""#
        );
    }
}
