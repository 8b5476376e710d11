//! Wire types and pure rules of resident accounts.

use crate::error::{AppError, Code};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// The signed-in resident, as pages see them: nothing unmasked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResidentView {
    pub id: String,
    pub phone_masked: String,
    /// 实名: set once the resident has bound their real name.
    pub real_name: Option<String>,
    pub id_number_masked: Option<String>,
}

/// What the code page shows after a code was sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingCode {
    pub phone_masked: String,
    /// Only in development mode: the code itself, so a person trying the app can go on.
    pub dev_code: Option<String>,
}

/// 姓名 — a real name as printed on the ID card: 2–30 letters (any script), with the middle
/// dot of minority and transliterated names (·) and single inner spaces allowed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RealName(String);

impl RealName {
    pub fn parse(input: &str) -> Result<Self, Code> {
        let s = input.trim();
        if s.is_empty() {
            return Err(Code::Required);
        }
        let n = s.chars().count();
        if n > 30 {
            return Err(Code::TooLong);
        }
        let ok = n >= 2
            && s.chars()
                .all(|c| c.is_alphabetic() || matches!(c, '·' | '•' | ' '))
            && s.chars().next().is_some_and(char::is_alphabetic)
            && s.chars().last().is_some_and(char::is_alphabetic)
            && !s.contains("  ");
        if ok {
            Ok(Self(s.replace('•', "·")))
        } else {
            Err(Code::NameInvalid)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A six-digit one-time code as typed (full-width digits and spaces forgiven).
pub fn parse_otp(input: &str) -> Result<String, AppError> {
    let digits: String = input
        .chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| match c {
            '０'..='９' => char::from_u32(c as u32 - '０' as u32 + '0' as u32).unwrap_or(c),
            c => c,
        })
        .collect();
    if digits.is_empty() {
        return Err(AppError::invalid("code", Code::Required));
    }
    if digits.len() == 6 && digits.bytes().all(|b| b.is_ascii_digit()) {
        Ok(digits)
    } else {
        Err(AppError::invalid("code", Code::OtpFormat))
    }
}

/// A page the user may be sent back to after signing in: only paths on this site.
pub fn safe_next(next: &str) -> String {
    // Only printable ASCII: browsers percent-encode the rest, and a `Location` header must be ASCII.
    let ok = next.starts_with('/')
        && !next.starts_with("//")
        && !next.contains('\\')
        && next.len() < 512
        && next.bytes().all(|b| b.is_ascii_graphic());
    if ok {
        next.to_owned()
    } else {
        "/".to_owned()
    }
}

/// 站内信 — what a message is about. Stored as a topic and rendered in the reader's language,
/// so the same message reads right after a language switch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Topic {
    Welcome,
    RealNameBound,
    /// 结婚登记: you were named as the partner of a booking; confirm it.
    MarriageInvited,
    /// Both parties confirmed: the voucher is ready.
    MarriageConfirmed,
    /// The day-before reminder.
    MarriageReminder,
    /// The partner did not confirm in time; the place was released.
    MarriageLapsed,
    /// The other party cancelled.
    MarriageCancelled,
    /// The other party moved the appointment.
    MarriageRescheduled,
    /// 离婚: something changed in a divorce case. Deliberately says nothing more (a lock
    /// screen or a shared phone must not reveal it); the case page has the detail.
    DivorceUpdate,
}

impl Topic {
    pub fn as_str(self) -> &'static str {
        match self {
            Topic::Welcome => "welcome",
            Topic::RealNameBound => "real_name_bound",
            Topic::MarriageInvited => "marriage_invited",
            Topic::MarriageConfirmed => "marriage_confirmed",
            Topic::MarriageReminder => "marriage_reminder",
            Topic::MarriageLapsed => "marriage_lapsed",
            Topic::MarriageCancelled => "marriage_cancelled",
            Topic::MarriageRescheduled => "marriage_rescheduled",
            Topic::DivorceUpdate => "divorce_update",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.as_str() == s)
    }

    pub const ALL: [Topic; 9] = [
        Topic::Welcome,
        Topic::RealNameBound,
        Topic::MarriageInvited,
        Topic::MarriageConfirmed,
        Topic::MarriageReminder,
        Topic::MarriageLapsed,
        Topic::MarriageCancelled,
        Topic::MarriageRescheduled,
        Topic::DivorceUpdate,
    ];

    /// Where the message leads, if anywhere (`{ref}`-style parameters are filled by the page).
    pub fn link(self, params: &std::collections::BTreeMap<String, String>) -> Option<String> {
        match self {
            Topic::Welcome | Topic::RealNameBound => None,
            // The service page, not the case: the message itself carries nothing.
            Topic::DivorceUpdate => Some("/divorce".to_owned()),
            _ => params
                .get("booking")
                .map(|b| format!("/marriage/booking/{b}")),
        }
    }
}

/// One entry of the message centre.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Message {
    pub id: String,
    /// Unix seconds on the wire: parsing RFC 3339 in the browser would cost WASM size.
    #[serde(with = "chrono::serde::ts_seconds")]
    pub at: DateTime<Utc>,
    pub topic: Topic,
    /// Values the topic's text is filled with (a booking number, a date), never ID numbers.
    pub params: std::collections::BTreeMap<String, String>,
    pub read: bool,
}

/// 我的办件 — one item of the resident's affairs across services (each service writes its own).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Affair {
    pub id: String,
    pub service: String,
    pub reference: String,
    pub status: String,
    /// Unix seconds on the wire: parsing RFC 3339 in the browser would cost WASM size.
    #[serde(with = "chrono::serde::ts_seconds")]
    pub updated_at: DateTime<Utc>,
    /// Where the resident opens it.
    pub link: String,
}

/// Home page data for a signed-in resident.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HomeSummary {
    pub affairs: Vec<Affair>,
    pub unread_messages: u32,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn real_names_as_printed_on_id_cards() {
        for ok in [
            "张三",
            "欧阳娜娜",
            "买买提·艾力",
            "阿依古丽•吐尔逊",
            "Zhang San",
        ] {
            assert!(RealName::parse(ok).is_ok(), "{ok}");
        }
        assert_eq!(RealName::parse("  ").unwrap_err(), Code::Required);
        assert_eq!(RealName::parse("张").unwrap_err(), Code::NameInvalid);
        assert_eq!(RealName::parse("张3").unwrap_err(), Code::NameInvalid);
        assert_eq!(RealName::parse("·张三").unwrap_err(), Code::NameInvalid);
        assert_eq!(
            RealName::parse(&"张".repeat(31)).unwrap_err(),
            Code::TooLong
        );
        assert_eq!(
            RealName::parse("阿依古丽•吐尔逊").unwrap().as_str(),
            "阿依古丽·吐尔逊"
        );
    }

    #[test]
    fn codes_as_typed() {
        assert_eq!(parse_otp(" 123 456 ").unwrap(), "123456");
        assert_eq!(parse_otp("１２３４５６").unwrap(), "123456");
        assert!(parse_otp("12345").is_err());
        assert!(parse_otp("12345a").is_err());
        assert!(parse_otp("").is_err());
    }

    #[test]
    fn only_local_paths_are_followed_after_sign_in() {
        assert_eq!(safe_next("/messages"), "/messages");
        assert_eq!(safe_next("//evil.example"), "/");
        assert_eq!(safe_next("https://evil.example"), "/");
        assert_eq!(safe_next("/\\evil"), "/");
        assert_eq!(safe_next("/页面"), "/");
        assert_eq!(safe_next("/a b"), "/");
        assert_eq!(safe_next("/a\r\nSet-Cookie: x=1"), "/");
    }
}
