//! What travels between the time-bank pages and the server: a resident's accounts and stars,
//! organisations, activities with shifts, needs, the statement, the service record, the
//! organisation's workbench; this service's refusals and its catalogue entry.

use super::policy::Stars;
use crate::i18n::Texts;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// 成员状态 — a resident's standing in an organisation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MemberStatus {
    Pending,
    Approved,
    Declined,
}

impl MemberStatus {
    pub const ALL: [MemberStatus; 3] = [Self::Pending, Self::Approved, Self::Declined];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Approved => "approved",
            Self::Declined => "declined",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.as_str() == s)
    }

    pub fn text(self, t: &'static Texts) -> &'static str {
        let x = t.timebank();
        match self {
            Self::Pending => x.member_pending,
            Self::Approved => x.member_approved,
            Self::Declined => x.member_declined,
        }
    }
}

/// 出勤状态 — a volunteer on a shift, from taking it to its hours banked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AttendanceStatus {
    Taken,
    SignedIn,
    SignedOut,
    Verified,
    Rejected,
}

impl AttendanceStatus {
    pub const ALL: [AttendanceStatus; 5] = [
        Self::Taken,
        Self::SignedIn,
        Self::SignedOut,
        Self::Verified,
        Self::Rejected,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Taken => "taken",
            Self::SignedIn => "signed_in",
            Self::SignedOut => "signed_out",
            Self::Verified => "verified",
            Self::Rejected => "rejected",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.as_str() == s)
    }

    /// From the volunteer's side.
    pub fn text(self, t: &'static Texts) -> &'static str {
        let x = t.timebank();
        match self {
            Self::Taken => x.att_taken,
            Self::SignedIn => x.att_signed_in,
            Self::SignedOut => x.att_signed_out,
            Self::Verified => x.att_verified,
            Self::Rejected => x.att_rejected,
        }
    }
}

/// 需求状态 — an elder's need.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NeedStatus {
    Open,
    Taken,
    Done,
    Cancelled,
}

impl NeedStatus {
    pub const ALL: [NeedStatus; 4] = [Self::Open, Self::Taken, Self::Done, Self::Cancelled];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::Taken => "taken",
            Self::Done => "done",
            Self::Cancelled => "cancelled",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.as_str() == s)
    }

    pub fn text(self, t: &'static Texts) -> &'static str {
        let x = t.timebank();
        match self {
            Self::Open => x.need_open,
            Self::Taken => x.need_taken,
            Self::Done => x.need_done,
            Self::Cancelled => x.need_cancelled,
        }
    }
}

/// 交易类型 — why minutes or points moved.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TxKind {
    Verified,
    NeedHeld,
    NeedPaid,
    NeedRefunded,
    Gift,
    Donation,
    FundGrant,
    Redemption,
    Reversal,
    /// 身后转赠: passed on after the holder's death (to the heir, or the fund).
    Bequest,
}

impl TxKind {
    pub const ALL: [TxKind; 10] = [
        Self::Verified,
        Self::NeedHeld,
        Self::NeedPaid,
        Self::NeedRefunded,
        Self::Gift,
        Self::Donation,
        Self::FundGrant,
        Self::Redemption,
        Self::Reversal,
        Self::Bequest,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Verified => "verified",
            Self::NeedHeld => "need_held",
            Self::NeedPaid => "need_paid",
            Self::NeedRefunded => "need_refunded",
            Self::Gift => "gift",
            Self::Donation => "donation",
            Self::FundGrant => "fund_grant",
            Self::Redemption => "redemption",
            Self::Reversal => "reversal",
            Self::Bequest => "bequest",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.as_str() == s)
    }

    pub fn text(self, t: &'static Texts) -> &'static str {
        let x = t.timebank();
        match self {
            Self::Verified => x.tx_verified,
            Self::NeedHeld => x.tx_need_held,
            Self::NeedPaid => x.tx_need_paid,
            Self::NeedRefunded => x.tx_need_refunded,
            Self::Gift => x.tx_gift,
            Self::Donation => x.tx_donation,
            Self::FundGrant => x.tx_fund_grant,
            Self::Redemption => x.tx_redemption,
            Self::Reversal => x.tx_reversal,
            Self::Bequest => x.tx_bequest,
        }
    }
}

/// A resident's two accounts and stars.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Accounts {
    /// Banked minutes (可用时长).
    pub balance: i64,
    /// Minutes set aside for needs not yet done.
    pub held: i64,
    pub points: i64,
    /// Cumulative verified service minutes (累计服务时长), what stars count.
    pub served: i64,
    pub stars: Stars,
    pub cap: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrgCard {
    pub id: String,
    pub name_zh: String,
    pub name_en: String,
    /// The reader's membership, if any.
    pub member: Option<MemberStatus>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShiftView {
    pub id: String,
    pub starts_minute: i64,
    pub ends_minute: i64,
    pub places: i64,
    pub taken: i64,
    /// The reader's attendance on it.
    pub mine: Option<AttendanceStatus>,
    /// Minutes proposed or verified for the reader.
    pub my_minutes: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActivityView {
    pub id: String,
    pub org_zh: String,
    pub org_en: String,
    pub title: String,
    pub place: String,
    pub day: NaiveDate,
    pub shifts: Vec<ShiftView>,
}

/// A kind of need as the pages offer it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NeedKindView {
    pub key: String,
    pub name_zh: String,
    pub name_en: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NeedView {
    pub id: String,
    pub kind_zh: String,
    pub kind_en: String,
    pub day: NaiveDate,
    pub minutes: i64,
    pub note: String,
    pub status: NeedStatus,
    pub elder_masked: String,
    /// The reader posted it (or it is for them): they may confirm it done or cancel it.
    pub mine: bool,
    /// The reader is its volunteer.
    pub taken_by_me: bool,
}

/// Someone the reader may act for or give to: an elder who granted them, or a family member.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Person {
    pub id: String,
    pub name_masked: String,
    /// Their balance, when the reader may see it (a grant with the time-bank or records scope).
    pub balance: Option<i64>,
    /// The reader may post needs for them.
    pub may_post: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CatalogueItem {
    pub id: String,
    pub name_zh: String,
    pub name_en: String,
    pub points: i64,
    pub stock: i64,
}

/// The resident's time bank: what `/timebank` shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimebankHome {
    pub real_name_bound: bool,
    pub accounts: Accounts,
    pub orgs: Vec<OrgCard>,
    pub activities: Vec<ActivityView>,
    /// Needs of the reader's organisations a volunteer may take.
    pub open_needs: Vec<NeedView>,
    /// Needs the reader posted, is the elder of, or took.
    pub my_needs: Vec<NeedView>,
    pub people: Vec<Person>,
    pub catalogue: Vec<CatalogueItem>,
    pub need_kinds: Vec<NeedKindView>,
    pub max_need_minutes: i64,
    pub max_gift_minutes: i64,
    /// This page's idempotency key (each form adds its own suffix).
    pub key: String,
}

/// One line of a statement: an entry with its counterpart and reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatementLine {
    pub tx_id: String,
    pub at: i64,
    pub kind: TxKind,
    pub amount: i64,
    pub balance_after: i64,
    /// Who or what is on the other side (an organisation, a masked name, the fund, a need).
    pub counterpart: String,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Statement {
    pub owner_masked: String,
    /// Minutes, or points.
    pub points: bool,
    pub balance: i64,
    pub lines: Vec<StatementLine>,
}

/// 志愿服务记录证明 as the public page shows it: nothing beyond these fields.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublicRecord {
    pub code: String,
    pub name_masked: String,
    pub orgs_zh: String,
    pub orgs_en: String,
    pub minutes: i64,
    pub issued_at: i64,
}

/// An attendance as the organisation sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StaffAttendance {
    pub id: String,
    pub activity: String,
    pub day: NaiveDate,
    pub shift_id: String,
    pub volunteer_masked: String,
    pub status: AttendanceStatus,
    pub minutes: i64,
    pub tx_id: Option<String>,
    pub reversed: bool,
    /// The shift's length: the most the organiser can record for it.
    pub shift_minutes: i64,
    /// Taken (or signed in only) on a shift held today or earlier: the organiser can record it.
    pub recordable: bool,
}

/// An activity with attendance waiting for verification (all its shifts together).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StaffActivity {
    pub id: String,
    pub title: String,
    pub day: NaiveDate,
    /// Signed-out attendances waiting, over all its shifts.
    pub waiting: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StaffShift {
    pub id: String,
    pub activity: String,
    pub day: NaiveDate,
    pub starts_minute: i64,
    pub ends_minute: i64,
    pub places: i64,
    pub taken: i64,
    pub sign_code: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Volunteer {
    pub id: String,
    pub name_masked: String,
    pub status: MemberStatus,
    pub served: i64,
    pub stars: u8,
}

/// The organisation's workbench.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrgDesk {
    pub org_zh: String,
    pub org_en: String,
    pub fund: i64,
    pub shifts: Vec<StaffShift>,
    /// Activities with attendance waiting, to verify at once.
    pub activities: Vec<StaffActivity>,
    pub attendance: Vec<StaffAttendance>,
    pub volunteers: Vec<Volunteer>,
    /// Verified minutes per month, oldest first (`YYYY-MM`, minutes), the last six months.
    pub months: Vec<(String, i64)>,
    pub this_month: i64,
    /// This page's idempotency key (each form adds its own suffix).
    pub key: String,
}

/// A new activity with one shift, as the organisation types it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewActivity {
    pub title: String,
    pub place: String,
    pub day: NaiveDate,
    pub starts_minute: i64,
    pub ends_minute: i64,
    pub places: i64,
}

/// A need as posted: for whom, what, when, how long.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewNeed {
    pub elder_id: String,
    pub org_id: String,
    pub kind: String,
    pub day: NaiveDate,
    pub minutes: i64,
    pub note: String,
}

/// Hours in words: `2小时30分` / `2 h 30 min`.
pub fn hours_text(minutes: i64, t: &'static Texts) -> String {
    let x = t.timebank();
    let sign = if minutes < 0 { "-" } else { "" };
    let m = minutes.unsigned_abs();
    let (h, rest) = (m / 60, m % 60);
    let body = match (h, rest) {
        (0, r) => x.minutes_only(&r.to_string()),
        (h, 0) => x.hours_only(&h.to_string()),
        (h, r) => x.hours_minutes(&h.to_string(), &r.to_string()),
    };
    format!("{sign}{body}")
}

/// Parses hours typed as `2`, `1.5` or `0.25` into whole minutes (at most two decimals, at
/// most 10,000 hours).
pub fn parse_hours(s: &str) -> Option<i64> {
    let s = s.trim();
    if s.is_empty() || s.len() > 8 {
        return None;
    }
    let (whole, frac) = s.split_once('.').unwrap_or((s, ""));
    if !whole.chars().all(|c| c.is_ascii_digit())
        || !frac.chars().all(|c| c.is_ascii_digit())
        || frac.len() > 2
        || (whole.is_empty() && frac.is_empty())
    {
        return None;
    }
    let w: i64 = if whole.is_empty() {
        0
    } else {
        whole.parse().ok()?
    };
    let f: i64 = format!("{frac:0<2}").parse().ok()?;
    let minutes = w.checked_mul(60)? + f * 60 / 100;
    (1..=600_000).contains(&minutes).then_some(minutes)
}

/// `HH:MM` into minutes of the day.
pub fn parse_clock(s: &str) -> Option<i64> {
    let (h, m) = s.trim().split_once(':')?;
    let (h, m): (i64, i64) = (h.parse().ok()?, m.parse().ok()?);
    ((0..=24).contains(&h) && (0..60).contains(&m) && h * 60 + m <= 1440).then_some(h * 60 + m)
}

pub fn clock_text(minute: i64) -> String {
    format!("{:02}:{:02}", minute / 60, minute % 60)
}

/// Refusals of this service (`{"timebank": …}` on the wire).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Refusal {
    /// Volunteering and banking hours need a bound real name.
    RealNameRequired,
    NoSuchOrg,
    /// Already a member (or waiting for the admin).
    AlreadyMember,
    /// Only approved volunteers of the organisation.
    NotVolunteer,
    NoSuchShift,
    /// No places left on the shift.
    ShiftFull,
    /// Already on this shift.
    AlreadyOnShift,
    /// The shift's day is over (or, for signing in, not today).
    NotToday,
    /// The code the organiser shows does not match.
    WrongCode,
    /// Sign in before signing out; once each.
    NotSignedIn,
    NoSuchAttendance,
    /// Already verified or rejected.
    AlreadyDecided,
    /// The organiser records hours only for a shift held today or earlier.
    NotHeldYet,
    /// Hours already proposed for this attendance (signed out, or recorded before).
    AlreadyRecorded,
    /// Not enough banked hours.
    Insufficient,
    /// The receiver's account would pass the storage cap.
    OverCap,
    /// Hours: a number above zero with at most two decimals, within the limit.
    MinutesInvalid,
    NeedKindUnknown,
    /// A day from today on, within 60 days.
    DayInvalid,
    NoSuchNeed,
    /// The need is no longer open (taken, done or cancelled).
    NeedNotOpen,
    /// A volunteer cannot take a need they posted or that is for them.
    OwnNeed,
    /// Only the elder or whoever posted it, once it was taken.
    NeedNotTaken,
    /// Gifts go to family members linked by a live grant.
    NotFamily,
    NoSuchItem,
    OutOfStock,
    NotEnoughPoints,
    /// The fund grants hours to priority elders only.
    NotPriority,
    /// A reversal needs a reason.
    ReasonRequired,
    NoSuchTransaction,
    /// Already reversed (or itself a reversal).
    AlreadyReversed,
    /// The volunteer has spent the hours: the reversal would take the account below zero.
    CannotReverse,
    NoSuchRecord,
    TitleRequired,
    PlaceRequired,
    /// Times `HH:MM`, the end after the start.
    TimeInvalid,
    /// Places: a whole number from 1 to 500.
    PlacesInvalid,
    NoSuchMember,
    /// No verified hours to put on a record yet.
    NothingServed,
}

impl crate::error::Refusal for Refusal {
    const SERVICE: &'static str = "timebank";

    fn message(&self, t: &'static Texts) -> String {
        let x = t.timebank();
        match self {
            Self::RealNameRequired => x.err_real_name,
            Self::NoSuchOrg => x.err_no_such_org,
            Self::AlreadyMember => x.err_already_member,
            Self::NotVolunteer => x.err_not_volunteer,
            Self::NoSuchShift => x.err_no_such_shift,
            Self::ShiftFull => x.err_shift_full,
            Self::AlreadyOnShift => x.err_already_on_shift,
            Self::NotToday => x.err_not_today,
            Self::WrongCode => x.err_wrong_code,
            Self::NotSignedIn => x.err_not_signed_in,
            Self::NoSuchAttendance => x.err_no_such_attendance,
            Self::AlreadyDecided => x.err_already_decided,
            Self::NotHeldYet => x.err_not_held_yet,
            Self::AlreadyRecorded => x.err_already_recorded,
            Self::Insufficient => x.err_insufficient,
            Self::OverCap => x.err_over_cap,
            Self::MinutesInvalid => x.err_minutes,
            Self::NeedKindUnknown => x.err_need_kind,
            Self::DayInvalid => x.err_day,
            Self::NoSuchNeed => x.err_no_such_need,
            Self::NeedNotOpen => x.err_need_not_open,
            Self::OwnNeed => x.err_own_need,
            Self::NeedNotTaken => x.err_need_not_taken,
            Self::NotFamily => x.err_not_family,
            Self::NoSuchItem => x.err_no_such_item,
            Self::OutOfStock => x.err_out_of_stock,
            Self::NotEnoughPoints => x.err_not_enough_points,
            Self::NotPriority => x.err_not_priority,
            Self::ReasonRequired => x.err_reason,
            Self::NoSuchTransaction => x.err_no_such_tx,
            Self::AlreadyReversed => x.err_already_reversed,
            Self::CannotReverse => x.err_cannot_reverse,
            Self::NoSuchRecord => x.err_no_such_record,
            Self::TitleRequired => x.err_title,
            Self::PlaceRequired => x.err_place,
            Self::TimeInvalid => x.err_time,
            Self::PlacesInvalid => x.err_places,
            Self::NoSuchMember => x.err_no_such_member,
            Self::NothingServed => x.err_nothing_served,
        }
        .into()
    }
}

/// How the shared pages show this service.
#[cfg(feature = "ssr")]
pub const SERVICE: crate::catalogue::ServiceEntry = crate::catalogue::ServiceEntry {
    key: "timebank",
    tile: Some(crate::catalogue::Tile {
        href: "/timebank",
        name: |t| t.timebank().title,
        body: |t| t.timebank().tile_body,
    }),
    affair_title: |t| t.timebank().title,
    affair_status: |status, t| {
        let x = t.timebank();
        match status {
            "member_pending" => Some(x.member_pending.to_owned()),
            "member_approved" => Some(x.member_approved.to_owned()),
            "member_declined" => Some(x.member_declined.to_owned()),
            _ => NeedStatus::parse(status).map(|s| s.text(t).to_owned()),
        }
    },
    notice: |topic, params, locale| {
        let x = locale.texts().timebank();
        let (title, body) = match topic {
            "timebank_verified" => (x.msg_verified_title, x.msg_verified_body),
            "timebank_over_cap" => (x.msg_over_cap_title, x.msg_over_cap_body),
            "timebank_reversed" => (x.msg_reversed_title, x.msg_reversed_body),
            "timebank_gift" => (x.msg_gift_title, x.msg_gift_body),
            "timebank_need_taken" => (x.msg_need_taken_title, x.msg_need_taken_body),
            "timebank_member" => (x.msg_member_title, x.msg_member_body),
            _ => return None,
        };
        let _ = params;
        Some(crate::catalogue::NoticeText {
            title: title.to_owned(),
            body: body.to_owned(),
            link: Some("/timebank".into()),
        })
    },
    desks: &[crate::catalogue::StaffDesk {
        role: crate::identity::Role::OrganisationAdmin,
        href: "/staff/timebank",
        name: |t| t.timebank().desk_name,
        body: |t| t.timebank().desk_body,
    }],
    affair_next: |status, t| match status {
        "member_pending" => Some(t.timebank().next_member_pending),
        "member_approved" => Some(t.timebank().next_member_approved),
        _ => match NeedStatus::parse(status)? {
            NeedStatus::Open => Some(t.timebank().next_open),
            NeedStatus::Taken => Some(t.timebank().next_taken),
            _ => None,
        },
    },
    life_step: |step, params, locale| {
        (step == "timebank.balance").then(|| life_balance(params, locale))
    },
};

/// What the time bank did at a death, in words: where the hours went, the needs cancelled.
#[cfg(feature = "ssr")]
fn life_balance(
    params: &std::collections::BTreeMap<String, String>,
    locale: crate::i18n::Locale,
) -> String {
    let t = locale.texts();
    let x = t.timebank();
    let n = |k: &str| {
        params
            .get(k)
            .and_then(|v| v.parse::<i64>().ok())
            .unwrap_or(0)
    };
    let mut parts = vec![];
    if n("to_heir") > 0 {
        parts.push(x.life_to_heir(&hours_text(n("to_heir"), t)));
    }
    if n("to_fund") > 0 {
        parts.push(x.life_to_fund(&hours_text(n("to_fund"), t)));
    }
    if n("kept") > 0 {
        parts.push(x.life_kept(&hours_text(n("kept"), t)));
    }
    if n("points") > 0 {
        parts.push(x.life_points(&n("points").to_string()));
    }
    if n("needs") > 0 {
        parts.push(x.life_needs(&n("needs").to_string()));
    }
    if parts.is_empty() {
        return x.life_nothing.to_owned();
    }
    parts.join(x.life_join)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hours_parse_into_whole_minutes() {
        for (s, m) in [
            ("2", Some(120)),
            ("1.5", Some(90)),
            ("0.25", Some(15)),
            (".5", Some(30)),
            ("0", None),
            ("-1", None),
            ("1.234", None),
            ("abc", None),
            ("", None),
            ("99999999", None),
            ("1e3", None),
        ] {
            assert_eq!(parse_hours(s), m, "{s}");
        }
    }

    #[test]
    fn clocks_parse_within_a_day() {
        assert_eq!(parse_clock("09:30"), Some(570));
        assert_eq!(parse_clock("24:00"), Some(1440));
        assert_eq!(parse_clock("24:01"), None);
        assert_eq!(parse_clock("9:60"), None);
        assert_eq!(clock_text(570), "09:30");
    }
}
