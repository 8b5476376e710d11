//! Wire types and pure rules of resident accounts.

use crate::error::{AppError, Code};
pub use crate::identity::ResidentView;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

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

/// 站内信 — one message as stored: a topic (`<service>_<event>`, e.g. `marriage_confirmed`)
/// and the values its text is filled with (a booking number, a date; never ID numbers). It is
/// rendered in the reader's language when read, so it reads right after a language switch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Message {
    pub id: String,
    /// Unix seconds on the wire: parsing RFC 3339 in the browser would cost WASM size.
    #[serde(with = "chrono::serde::ts_seconds")]
    pub at: DateTime<Utc>,
    pub topic: String,
    pub params: std::collections::BTreeMap<String, String>,
    pub read: bool,
}

/// A message as the message centre shows it: in the reader's language, with where it leads.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessageView {
    pub id: String,
    #[serde(with = "chrono::serde::ts_seconds")]
    pub at: DateTime<Utc>,
    pub topic: String,
    /// The service it is from (the key, and its name in the reader's language), for filters.
    pub service: String,
    pub service_name: String,
    pub title: String,
    pub body: String,
    pub link: Option<String>,
    pub read: bool,
}

/// The account's own messages.
pub const TOPIC_WELCOME: &str = "welcome";
pub const TOPIC_REAL_NAME_BOUND: &str = "real_name_bound";

/// What the shared pages show of accounts: no tile (real-name binding has its own), its two
/// messages.
#[cfg(feature = "ssr")]
pub const SERVICE: crate::catalogue::ServiceEntry = crate::catalogue::ServiceEntry {
    key: "account",
    tile: Some(crate::catalogue::Tile {
        href: "/account/realname",
        name: |t| t.home.tile_real_name,
        body: |t| t.home.tile_real_name_body,
    }),
    affair_title: |t| t.account().my_account,
    affair_status: |_, _| None,
    notice: |topic, _, locale| {
        let a = locale.texts().account();
        let (title, body) = match topic {
            TOPIC_WELCOME => (a.msg_welcome_title, a.msg_welcome_body),
            TOPIC_REAL_NAME_BOUND => (a.msg_real_name_title, a.msg_real_name_body),
            _ => return None,
        };
        Some(crate::catalogue::NoticeText {
            title: title.to_owned(),
            body: body.to_owned(),
            link: None,
        })
    },
    desks: &[],
    ..crate::catalogue::ServiceEntry::BASE
};

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
    /// When its next step is due (unix seconds), if the service said.
    pub next_at: Option<i64>,
    /// Set when it is an elder's item seen through a grant (代办): the elder's masked name.
    pub for_elder: Option<String>,
}

/// Home page data for a signed-in resident.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HomeSummary {
    /// Own items and those of the elders the resident may see (a live grant to see records):
    /// items with a next step first (soonest first), then the rest (latest first).
    pub affairs: Vec<Affair>,
    pub unread_messages: u32,
    /// The topics of the unread messages (counted by service on the pages).
    pub unread_topics: Vec<String>,
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
