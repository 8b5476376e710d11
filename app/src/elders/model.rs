//! 老人身份: the one vocabulary of the statuses a community worker confirms for an elder, the
//! elder's file as the worker sees it, and the refusals.

use crate::i18n::Texts;
use serde::{Deserialize, Serialize};

/// 老人身份 — a status that changes what an elder is owed: the meal subsidy's tier
/// (`app/policy/meals-*.json`) and the time bank's priority elders (`timebank-*.json`) name
/// these keys and nothing else (their files are checked against [`ElderStatus::parse`]).
/// Counted only while confirmed by a community worker and not ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ElderStatus {
    /// 低保对象 — receives the minimum living allowance (key `dibao`).
    Dibao,
    /// 特困人员 — supported as a person in extreme poverty (key `tekun`).
    Tekun,
    /// 失能老人 — cannot care for themselves in daily life (key `shineng`; not 残疾, a
    /// disability card, which is another office's record).
    Shineng,
    /// 独居老人 — lives alone (key `living_alone`).
    LivingAlone,
}

impl ElderStatus {
    pub const ALL: [ElderStatus; 4] = [
        ElderStatus::Dibao,
        ElderStatus::Tekun,
        ElderStatus::Shineng,
        ElderStatus::LivingAlone,
    ];

    /// The key stored and named in policy files.
    pub fn as_str(self) -> &'static str {
        match self {
            ElderStatus::Dibao => "dibao",
            ElderStatus::Tekun => "tekun",
            ElderStatus::Shineng => "shineng",
            ElderStatus::LivingAlone => "living_alone",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.as_str() == s)
    }

    pub fn text(self, t: &'static Texts) -> &'static str {
        let x = t.elders();
        match self {
            ElderStatus::Dibao => x.st_dibao,
            ElderStatus::Tekun => x.st_tekun,
            ElderStatus::Shineng => x.st_shineng,
            ElderStatus::LivingAlone => x.st_living_alone,
        }
    }
}

/// Checks that a policy file names only statuses of the vocabulary.
pub fn check_keys<'a>(keys: impl IntoIterator<Item = &'a str>) -> Result<(), String> {
    match keys.into_iter().find(|k| ElderStatus::parse(k).is_none()) {
        Some(k) => Err(format!(
            "unknown elder status {k:?} (known: dibao, tekun, shineng, living_alone)"
        )),
        None => Ok(()),
    }
}

/// The longest note kept with a confirmation or an ending.
pub const MAX_NOTE: usize = 200;

/// One confirmation of a status, live or ended (history is kept, never deleted).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusRecord {
    pub id: String,
    pub status: ElderStatus,
    /// Unix seconds.
    pub confirmed_at: i64,
    /// The staff member's display name.
    pub confirmed_by: String,
    pub note: String,
    /// Unix seconds; `None` while live.
    pub ended_at: Option<i64>,
    pub ended_by: Option<String>,
    pub end_note: Option<String>,
}

/// An elder as a community worker sees them during an ID-card check: masked identifiers, the
/// age, and every status record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ElderFile {
    pub check: String,
    pub name_masked: String,
    pub phone_masked: String,
    pub id_number_masked: String,
    pub age: u32,
    /// Until when the check lets the worker act (unix seconds).
    pub check_expires_at: i64,
    /// Live first, then ended, newest first.
    pub records: Vec<StatusRecord>,
    /// An idempotency key for the forms of this view.
    pub key: String,
}

impl ElderFile {
    /// The statuses that count now.
    pub fn live(&self) -> impl Iterator<Item = &StatusRecord> {
        self.records.iter().filter(|r| r.ended_at.is_none())
    }
}

/// How long an ID-card check lets a worker act for the elder before checking again.
pub const CHECK_MINUTES: i64 = 30;

/// Refusals of the status desk (`{"elders": …}` on the wire).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Refusal {
    /// No real-name-bound resident with this phone number and real name.
    NoSuchElder,
    /// The ID number typed from the card is not this elder's.
    IdMismatch,
    /// Not one of the statuses.
    StatusUnknown,
    /// A note is needed (the document seen, the visit).
    NoteRequired,
    /// The status is already confirmed and live.
    AlreadyLive,
    /// The status is not live (ended meanwhile, or never confirmed).
    NotLive,
    /// The check is over (or not this worker's): find the elder again.
    CheckExpired,
}

impl crate::error::Refusal for Refusal {
    const SERVICE: &'static str = "elders";

    fn message(&self, t: &'static Texts) -> String {
        let x = t.elders();
        match self {
            Self::NoSuchElder => x.err_no_such_elder,
            Self::IdMismatch => x.err_id_mismatch,
            Self::StatusUnknown => x.err_status_unknown,
            Self::NoteRequired => x.err_note_required,
            Self::AlreadyLive => x.err_already_live,
            Self::NotLive => x.err_not_live,
            Self::CheckExpired => x.err_check_expired,
        }
        .into()
    }
}

/// How the shared pages show elder statuses: the elder's messages, and the community
/// worker's desk.
#[cfg(feature = "ssr")]
pub const SERVICE: crate::catalogue::ServiceEntry = crate::catalogue::ServiceEntry {
    key: "elders",
    tile: None,
    affair_title: |t| t.elders().title,
    affair_status: |_, _| None,
    notice: |topic, params, locale| {
        let t = locale.texts();
        let x = t.elders();
        let status = params
            .get("status")
            .and_then(|s| ElderStatus::parse(s))
            .map_or("", |s| s.text(t));
        let (title, body) = match topic {
            "elders_status_confirmed" => (x.msg_confirmed_title(status), x.msg_confirmed_body),
            "elders_status_ended" => (x.msg_ended_title(status), x.msg_ended_body),
            _ => return None,
        };
        Some(crate::catalogue::NoticeText {
            title,
            body: body.to_owned(),
            // What a status changes: the price of a meal.
            link: Some("/meals".to_owned()),
        })
    },
    desks: &[
        crate::catalogue::StaffDesk {
            role: crate::identity::Role::CommunityWorker,
            href: "/staff/elders",
            name: |t| t.elders().desk_name,
            body: |t| t.elders().desk_body,
        },
        crate::catalogue::StaffDesk {
            role: crate::identity::Role::CommunityWorker,
            href: "/staff/family",
            name: |t| t.elders().desk_family,
            body: |t| t.elders().desk_family_body,
        },
    ],
    life_step: |step, params, locale| {
        if step != "elders.statuses" {
            return None;
        }
        let t = locale.texts();
        let x = t.elders();
        let names: Vec<&str> = params
            .get("statuses")
            .map(String::as_str)
            .unwrap_or_default()
            .split(',')
            .filter_map(ElderStatus::parse)
            .map(|s| s.text(t))
            .collect();
        if names.is_empty() {
            return Some(x.life_statuses_none.to_owned());
        }
        let from = params
            .get("from")
            .and_then(|d| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
            .map(|d| crate::ui::format::day(d, locale))
            .unwrap_or_default();
        Some(x.life_statuses(&from, &names.join(x.list_join)))
    },
    ..crate::catalogue::ServiceEntry::BASE
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_round_trip_and_policy_keys_are_checked() {
        for s in ElderStatus::ALL {
            assert_eq!(ElderStatus::parse(s.as_str()), Some(s));
            assert_eq!(
                serde_json::to_value(s).unwrap(),
                serde_json::Value::String(s.as_str().into())
            );
        }
        assert!(check_keys(["dibao", "shineng"]).is_ok());
        assert!(check_keys(["dibao", "disabled"]).is_err());
    }
}
