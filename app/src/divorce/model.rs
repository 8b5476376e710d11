//! 离婚冷静期 — the dates of a divorce case, as pure rules (Civil Code arts. 1077, 201, 203).
//!
//! After the office receives a joint application there is a 30-day cooling-off period (冷静期)
//! in which either party may withdraw. After it ends, both must apply in person for the
//! certificate within the next 30 days (the certificate window), or the application is deemed
//! withdrawn. Both are legal periods: counted from the day after their event, moved past a
//! rest day at the end, ending when the office closes on the last day ([`period_end`]).

use crate::{
    appointments::model::PurposeSpec,
    i18n::{Locale, Texts},
    rules::{
        calendar::WorkCalendar,
        legal_period::{period_end, Deadline, PeriodStep},
    },
};
use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveTime, Utc};

/// 离婚登记申请: both parties apply together; the clerk's receipt opens the case.
pub const APPLICATION: PurposeSpec = PurposeSpec {
    key: "divorce_application",
    service: "divorce",
    counter: "divorce",
    discreet: true,
    needs_partner: true,
    ceremony: false,
    reference_prefix: "YY",
    page_prefix: "/divorce/appointment/",
};

/// 领取离婚证: inside the certificate window of an open case.
pub const CERTIFICATE: PurposeSpec = PurposeSpec {
    key: "divorce_certificate",
    ..APPLICATION
};

/// 婚姻家庭辅导: a free session during the cooling-off period; no second confirmation.
pub const COUNSELLING: PurposeSpec = PurposeSpec {
    key: "counselling",
    counter: "counselling",
    needs_partner: false,
    ..APPLICATION
};

/// This service's purposes.
pub const PURPOSES: [PurposeSpec; 3] = [APPLICATION, CERTIFICATE, COUNSELLING];

/// Refusals of this service (`{"divorce": …}` on the wire).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Refusal {
    /// Nobody with this ID number has a real-name-bound account.
    PartyUnknown,
    /// The two ID numbers are the same person.
    SameParty,
    /// This person already has an open divorce case.
    PartyHasOpenCase,
    /// The cooling-off period is over (or the case is closed), so it cannot be withdrawn.
    WithdrawalClosed,
    /// The slot is outside the certificate window (or the window has not opened yet).
    OutsideCertificateWindow,
    /// Counselling can be booked only during the cooling-off period of an open case.
    CounsellingClosed,
    /// The case is not open (withdrawn, deemed withdrawn or finished).
    CaseClosed,
}

impl crate::error::Refusal for Refusal {
    const SERVICE: &'static str = "divorce";

    fn message(&self, t: &'static Texts) -> String {
        let x = t.divorce();
        match self {
            Self::PartyUnknown => x.err_party_unknown,
            Self::SameParty => x.err_same_party,
            Self::PartyHasOpenCase => x.err_party_has_open_case,
            Self::WithdrawalClosed => x.err_withdrawal_closed,
            Self::OutsideCertificateWindow => x.err_outside_certificate_window,
            Self::CounsellingClosed => x.err_counselling_closed,
            Self::CaseClosed => x.err_case_closed,
        }
        .into()
    }
}

/// What the shared pages show of this service: its tile, its items in 我的办件 (neutral), its
/// one neutral message, and the clerk's desk.
#[cfg(feature = "ssr")]
pub const SERVICE: crate::catalogue::ServiceEntry = crate::catalogue::ServiceEntry {
    key: "divorce",
    tile: Some(crate::catalogue::Tile {
        href: "/divorce",
        name: |t| t.divorce().title,
        body: |t| t.divorce().tile_body,
    }),
    affair_title: |t| t.divorce().title,
    affair_status: |status, t| {
        if status == "registered" {
            return Some(t.divorce().done.to_owned());
        }
        crate::appointments::model::BookingStatus::parse(status).map(|s| {
            s.text(crate::appointments::model::Party::Applicant, t)
                .to_owned()
        })
    },
    notice: |topic, _, locale| {
        let x = locale.texts().divorce();
        // Says nothing more on purpose (a lock screen or a shared phone must not reveal it).
        (topic == "divorce_update").then(|| crate::catalogue::NoticeText {
            title: x.msg_update_title.to_owned(),
            body: x.msg_update_body.to_owned(),
            link: Some("/divorce".to_owned()),
        })
    },
    desks: &[crate::catalogue::StaffDesk {
        role: crate::identity::Role::RegistryClerk,
        href: "/staff/divorce",
        name: |t| t.divorce().staff_title,
        body: |t| t.divorce().desk_link,
    }],
    ..crate::catalogue::ServiceEntry::BASE
};

/// 离婚冷静期 (art. 1077 ¶1).
pub const COOLING_OFF_DAYS: u32 = 30;
/// The certificate window after it (art. 1077 ¶2).
pub const CERTIFICATE_WINDOW_DAYS: u32 = 30;
/// Reminders go out this long before each period ends.
pub const REMINDER_LEAD_DAYS: i64 = 3;

/// Every date of a case, from the day the office received the application.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DivorceSchedule {
    pub received: NaiveDate,
    /// The cooling-off period; withdrawal is possible until it ends.
    pub cooling_off: Deadline,
    /// The certificate window. It counts from the day after the cooling-off period's last day
    /// (after any moving: "前款规定期限届满后" is when the period has really expired), so it
    /// opens the moment the cooling-off period ends.
    pub window: Deadline,
}

impl DivorceSchedule {
    /// The first day a certificate appointment may be on.
    pub fn window_first_day(&self) -> NaiveDate {
        self.cooling_off.last_day + Duration::days(1)
    }

    /// The instant the certificate window opens (the cooling-off period's end).
    pub fn window_opens_at(&self) -> DateTime<Utc> {
        self.cooling_off.ends_at
    }

    /// Where the case stands at `now` (if nobody withdrew and no certificate was issued).
    pub fn phase_at(&self, now: DateTime<Utc>) -> Phase {
        if now < self.cooling_off.ends_at {
            Phase::CoolingOff
        } else if now < self.window.ends_at {
            Phase::CertificateWindow
        } else {
            Phase::DeemedWithdrawn
        }
    }

    /// Whether a certificate appointment starting at `starts` (on `day`) lies inside the window.
    pub fn admits_certificate_visit(&self, day: NaiveDate, starts: DateTime<Utc>) -> bool {
        day >= self.window_first_day()
            && day <= self.window.last_day
            && starts >= self.window_opens_at()
            && starts < self.window.ends_at
    }

    /// The three reminders and when each is due, in order.
    pub fn reminders(&self) -> [(Reminder, DateTime<Utc>); 3] {
        reminders(self.cooling_off.ends_at, self.window.ends_at)
    }

    /// The years the two edges fall in whose holiday notice the calendar lacks.
    pub fn unsure_years(&self) -> Vec<i32> {
        let mut years: Vec<i32> = [self.cooling_off.unsure_year, self.window.unsure_year]
            .into_iter()
            .flatten()
            .collect();
        years.dedup();
        years
    }
}

/// The three reminders of a case whose edges end at these instants, in order: before the
/// cooling-off period ends, when the window opens (the same instant), before it closes.
pub fn reminders(
    cooling_ends: DateTime<Utc>,
    window_ends: DateTime<Utc>,
) -> [(Reminder, DateTime<Utc>); 3] {
    let lead = Duration::days(REMINDER_LEAD_DAYS);
    [
        (Reminder::CoolingOffEndsSoon, cooling_ends - lead),
        (Reminder::WindowOpen, cooling_ends),
        (Reminder::WindowClosesSoon, window_ends - lead),
    ]
}

/// The edges of an open case after the calendar changed (a year's holiday notice was
/// loaded), given the edges the couple were `told`. An edge still ahead at `now` moves to the
/// later end the calendar now gives; it never moves earlier than they were told, and a
/// cooling-off period that has ended is not reopened. `None` when nothing moves.
pub fn refreshed_edges(
    received: NaiveDate,
    told: (DateTime<Utc>, DateTime<Utc>),
    now: DateTime<Utc>,
    calendar: &WorkCalendar,
    closing: impl Fn(NaiveDate) -> NaiveTime,
) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
    let (told_cooling, told_window) = told;
    let cooling = period_end(received, COOLING_OFF_DAYS, calendar, &closing);
    let (cooling_ends, cooling_last_day) = if told_cooling > now && cooling.ends_at > told_cooling {
        (cooling.ends_at, cooling.last_day)
    } else {
        (
            told_cooling,
            crate::rules::clock::shanghai_date(told_cooling),
        )
    };
    // The window counts from the period's real end, or from the told one if that is later;
    // a cooling-off end that has passed is not reopened, but its window still gets the days.
    let window = period_end(
        cooling_last_day.max(cooling.last_day),
        CERTIFICATE_WINDOW_DAYS,
        calendar,
        &closing,
    );
    let window_ends = if told_window > now && window.ends_at > told_window {
        window.ends_at
    } else {
        told_window
    };
    ((cooling_ends, window_ends) != told).then_some((cooling_ends, window_ends))
}

/// The schedule of a case received on `received` at an office closing at `closing(day)`.
pub fn schedule(
    received: NaiveDate,
    calendar: &WorkCalendar,
    closing: impl Fn(NaiveDate) -> NaiveTime,
) -> DivorceSchedule {
    let cooling_off = period_end(received, COOLING_OFF_DAYS, calendar, &closing);
    let window = period_end(
        cooling_off.last_day,
        CERTIFICATE_WINDOW_DAYS,
        calendar,
        &closing,
    );
    DivorceSchedule {
        received,
        cooling_off,
        window,
    }
}

/// Where a case stands as recorded (the clock decides between cooling-off and window).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum CaseStatus {
    Open,
    /// 撤回 by one of the parties during the cooling-off period.
    Withdrawn,
    /// 视为撤回: the certificate window ended without the certificate.
    DeemedWithdrawn,
    Divorced,
}

impl CaseStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::Withdrawn => "withdrawn",
            Self::DeemedWithdrawn => "deemed_withdrawn",
            Self::Divorced => "divorced",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [
            Self::Open,
            Self::Withdrawn,
            Self::DeemedWithdrawn,
            Self::Divorced,
        ]
        .into_iter()
        .find(|x| x.as_str() == s)
    }
}

/// A case as one of its parties sees it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct CaseView {
    pub id: String,
    pub reference: String,
    pub status: CaseStatus,
    pub received_on: NaiveDate,
    /// The cooling-off period ends (unix seconds); withdrawal is possible until then.
    pub cooling_ends_at: i64,
    pub window_first_day: NaiveDate,
    /// The certificate window ends (unix seconds).
    pub window_ends_at: i64,
    /// Whether the reader withdrew it (when withdrawn).
    pub withdrawn_by_me: bool,
    pub office_id: String,
    /// How each edge was reached, for the explanation shown to the couple (empty when the
    /// desk did not compute it, e.g. in a clerk's receipt).
    pub cooling_steps: Vec<PeriodStep>,
    pub window_steps: Vec<PeriodStep>,
    /// Years an edge falls in whose holiday notice is not loaded yet: the dates may still
    /// move later, and the page says so.
    pub unsure_years: Vec<i32>,
}

impl CaseView {
    /// The phase by the clock, for an open case.
    pub fn phase_at(&self, now: i64) -> Phase {
        if now < self.cooling_ends_at {
            Phase::CoolingOff
        } else if now < self.window_ends_at {
            Phase::CertificateWindow
        } else {
            Phase::DeemedWithdrawn
        }
    }
}

/// Both edges of a case as a calendar file. The titles are neutral on purpose: a calendar
/// shows them on the lock screen.
#[cfg(feature = "ssr")]
pub fn case_ics(case: &CaseView, locale: crate::i18n::Locale, now: i64) -> String {
    use crate::appointments::ics::{ics_calendar, IcsEvent};
    let x = locale.texts().divorce();
    let at = |t: i64| DateTime::from_timestamp(t, 0).unwrap_or_default();
    let event = |n: u32, ends: i64| IcsEvent {
        uid: format!("{}-{n}@mz.case", case.id),
        starts: at(ends) - Duration::minutes(30),
        ends: at(ends),
        summary: x.ics_summary(&n.to_string()),
        location: String::new(),
        description: x.ics_description(&case.reference),
    };
    ics_calendar(
        &[
            event(1, case.cooling_ends_at),
            event(2, case.window_ends_at),
        ],
        now,
    )
}

/// The stage of a case by the clock alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    CoolingOff,
    CertificateWindow,
    /// 视为撤回: the window ended without the certificate.
    DeemedWithdrawn,
}

/// The reminders of a case; each is sent once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reminder {
    CoolingOffEndsSoon,
    WindowOpen,
    WindowClosesSoon,
}

fn month_day(d: NaiveDate, locale: Locale) -> String {
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    match locale {
        Locale::ZhCn => format!("{}月{}日", d.month(), d.day()),
        Locale::En => format!("{} {}", d.day(), MONTHS[d.month0() as usize]),
    }
}

/// How a deadline was reached, in one line for the couple, e.g.
/// "收到申请 9月1日 → 第30日为10月1日（国庆节假期）→ 顺延至10月8日 → 17:00 截止".
/// `event` names what the period counts from (收到申请, 冷静期届满).
pub fn explain(d: &Deadline, event: &str, t: &'static Texts, locale: Locale) -> String {
    explain_steps(&d.steps, event, t, locale)
}

/// [`explain`] from the steps alone (as a case carries them to the page).
pub fn explain_steps(
    steps: &[PeriodStep],
    event: &str,
    t: &'static Texts,
    locale: Locale,
) -> String {
    let x = t.divorce();
    steps
        .iter()
        .map(|s| match s {
            PeriodStep::Event(date) => format!("{event} {}", month_day(*date, locale)),
            PeriodStep::Counted { days, date } => {
                x.step_counted(&month_day(*date, locale), &days.to_string())
            }
            PeriodStep::RestDay {
                holiday: Some(h), ..
            } => {
                let name = match locale {
                    Locale::En => crate::rules::calendar::english_holiday_name(h).unwrap_or(h),
                    Locale::ZhCn => h,
                };
                x.step_holiday(name)
            }
            PeriodStep::RestDay { holiday: None, .. } => x.step_weekend.to_owned(),
            PeriodStep::MovedTo(date) => x.step_moved(&month_day(*date, locale)),
            PeriodStep::EndsAt(at) => x.step_ends(&clock_time(*at)),
            PeriodStep::Kept(at) => {
                let day = crate::rules::clock::shanghai_date(*at);
                x.step_kept(&month_day(day, locale), &clock_time(*at))
            }
        })
        .collect::<Vec<_>>()
        .join(" → ")
}

/// "17:00" in Shanghai.
fn clock_time(at: DateTime<Utc>) -> String {
    use chrono::Timelike;
    let local = at.with_timezone(&crate::rules::clock::shanghai());
    format!("{:02}:{:02}", local.hour(), local.minute())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{i18n::ZH_CN, rules::clock::shanghai};

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn five_pm(_: NaiveDate) -> NaiveTime {
        NaiveTime::from_hms_opt(17, 0, 0).unwrap()
    }

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().to_utc()
    }

    #[test]
    fn both_edges_over_month_ends_leap_years_holidays_and_adjusted_days() {
        let cal = WorkCalendar::china();
        // (received, cooling-off last day, certificate window last day, why)
        let cases = [
            (
                "2026-09-01",
                "2026-10-08",
                "2026-11-09",
                "day 30 is National Day; the window's day 30 a Saturday",
            ),
            (
                "2026-01-16",
                "2026-02-24",
                "2026-03-26",
                "day 30 falls in the Spring Festival holiday",
            ),
            (
                "2026-01-29",
                "2026-02-28",
                "2026-03-30",
                "day 30 is an adjusted working Saturday: it stays",
            ),
            (
                "2026-08-20",
                "2026-09-20",
                "2026-10-20",
                "day 30 a Saturday, moved to the adjusted working Sunday",
            ),
            (
                "2026-03-10",
                "2026-04-09",
                "2026-05-09",
                "the window ends on an adjusted working Saturday",
            ),
            (
                "2025-12-20",
                "2026-01-19",
                "2026-02-24",
                "the window's day 30 is in the Spring Festival",
            ),
            (
                "2026-11-05",
                "2026-12-07",
                "2027-01-06",
                "a weekend, then into a year without a holiday file",
            ),
            (
                "2024-01-30",
                "2024-02-29",
                "2024-04-01",
                "day 30 is the leap day 2024; the window's day 30 a Saturday",
            ),
            (
                "2028-01-30",
                "2028-02-29",
                "2028-03-30",
                "leap day 2028 (weekends only: no 2028 file yet)",
            ),
            (
                "2024-09-03",
                "2024-10-08",
                "2024-11-07",
                "National Day 2024",
            ),
        ];
        for (received, cooling, window, why) in cases {
            let s = schedule(d(received), &cal, five_pm);
            assert_eq!(s.cooling_off.last_day, d(cooling), "{received}: {why}");
            assert_eq!(s.window.last_day, d(window), "{received}: {why}");
            assert_eq!(s.window_first_day(), d(cooling) + Duration::days(1));
        }
    }

    #[test]
    fn the_phase_turns_at_the_exact_closing_instant() {
        let cal = WorkCalendar::china();
        let s = schedule(d("2026-09-01"), &cal, five_pm);
        let cooling_end = at("2026-10-08T17:00:00+08:00");
        let window_end = at("2026-11-09T17:00:00+08:00");
        assert_eq!(s.cooling_off.ends_at, cooling_end);
        assert_eq!(
            s.phase_at(cooling_end - Duration::seconds(1)),
            Phase::CoolingOff
        );
        assert_eq!(s.phase_at(cooling_end), Phase::CertificateWindow);
        assert_eq!(
            s.phase_at(window_end - Duration::seconds(1)),
            Phase::CertificateWindow
        );
        assert_eq!(s.phase_at(window_end), Phase::DeemedWithdrawn);
    }

    #[test]
    fn certificate_visits_only_inside_the_window() {
        let cal = WorkCalendar::china();
        let s = schedule(d("2026-09-01"), &cal, five_pm);
        let visit = |day: &str, time: &str| {
            s.admits_certificate_visit(d(day), at(&format!("{day}T{time}:00+08:00")))
        };
        assert!(
            !visit("2026-10-08", "09:00"),
            "the last day of the cooling-off period"
        );
        assert!(visit("2026-10-09", "09:00"), "the first day after it");
        assert!(
            visit("2026-11-09", "16:30"),
            "the window's last day before closing"
        );
        assert!(!visit("2026-11-09", "17:00"), "at closing");
        assert!(!visit("2026-11-10", "09:00"), "after the window");
    }

    #[test]
    fn the_explanation_reads_as_the_couple_would_say_it() {
        let cal = WorkCalendar::china();
        let s = schedule(d("2026-09-01"), &cal, five_pm);
        assert_eq!(
            explain(&s.cooling_off, "收到申请", &ZH_CN, Locale::ZhCn),
            "收到申请 9月1日 → 第30日为10月1日 → 国庆节假期 → 顺延至10月8日 → 17:00 截止"
        );
        assert_eq!(
            explain(&s.window, "冷静期届满", &ZH_CN, Locale::ZhCn),
            "冷静期届满 10月8日 → 第30日为11月7日 → 周末休息日 → 顺延至11月9日 → 17:00 截止"
        );
    }

    /// The calendar without the 2026 holiday notice (weekends only in 2026).
    fn without_2026() -> WorkCalendar {
        WorkCalendar::from_years(&crate::rules::calendar::SHIPPED_YEARS[..2]).unwrap()
    }

    #[test]
    fn dates_counted_without_a_years_notice_say_so_and_move_later_once_it_is_loaded() {
        let told = schedule(d("2026-09-01"), &without_2026(), five_pm);
        // National Day unknown: day 30 is an ordinary Thursday.
        assert_eq!(told.cooling_off.last_day, d("2026-10-01"));
        assert_eq!(told.unsure_years(), vec![2026]);
        let edges = (told.cooling_off.ends_at, told.window.ends_at);
        let now = at("2026-09-02T10:00:00+08:00");
        let cal = WorkCalendar::china();
        let moved = refreshed_edges(d("2026-09-01"), edges, now, &cal, five_pm);
        assert_eq!(
            moved,
            Some((
                at("2026-10-08T17:00:00+08:00"),
                at("2026-11-09T17:00:00+08:00")
            ))
        );
        assert!(schedule(d("2026-09-01"), &cal, five_pm)
            .unsure_years()
            .is_empty());
        // Once moved, refreshing again changes nothing.
        assert_eq!(
            refreshed_edges(d("2026-09-01"), moved.unwrap(), now, &cal, five_pm),
            None
        );
        // Once the told end has passed it stays (withdrawal is not reopened), but the window
        // still counts from the period's real end.
        let after_cooling = at("2026-10-02T09:00:00+08:00");
        assert_eq!(
            refreshed_edges(d("2026-09-01"), edges, after_cooling, &cal, five_pm),
            Some((edges.0, at("2026-11-09T17:00:00+08:00")))
        );
    }

    #[test]
    fn an_end_already_told_never_moves_earlier() {
        let told = schedule(d("2026-09-01"), &WorkCalendar::china(), five_pm);
        let edges = (told.cooling_off.ends_at, told.window.ends_at);
        let now = at("2026-09-02T10:00:00+08:00");
        // A calendar that knows less would end both sooner: nothing moves.
        assert_eq!(
            refreshed_edges(d("2026-09-01"), edges, now, &without_2026(), five_pm),
            None
        );
        // And the explanation by that calendar says the told end stands.
        let other = schedule(d("2026-09-01"), &without_2026(), five_pm);
        assert_eq!(
            explain_steps(
                &other.cooling_off.steps_to(edges.0),
                "收到申请",
                &ZH_CN,
                Locale::ZhCn
            ),
            "收到申请 9月1日 → 第30日为10月1日 → 17:00 截止 → 按已告知的期限 10月8日 17:00 截止"
        );
        assert_eq!(told.cooling_off.steps_to(edges.0), told.cooling_off.steps);
    }

    /// Every receipt day of 2026 counted without its notice, then refreshed with it: no edge
    /// moves earlier, a moved edge is the calendar's own, and refreshing twice is refreshing once.
    #[test]
    fn refreshing_properties_over_a_year_of_receipt_days() {
        let (old, cal) = (without_2026(), WorkCalendar::china());
        for received in d("2026-01-01").iter_days().take_while(|x| x.year() == 2026) {
            let told = schedule(received, &old, five_pm);
            let edges = (told.cooling_off.ends_at, told.window.ends_at);
            let now = at(&format!("{received}T18:00:00+08:00"));
            let Some(moved) = refreshed_edges(received, edges, now, &cal, five_pm) else {
                continue;
            };
            assert!(moved.0 >= edges.0 && moved.1 >= edges.1, "{received}");
            assert!(moved.1 > moved.0, "{received}");
            let truth = schedule(received, &cal, five_pm);
            if moved.0 != edges.0 {
                assert_eq!(moved.0, truth.cooling_off.ends_at, "{received}");
            }
            assert!(
                cal.is_working_day(crate::rules::clock::shanghai_date(moved.1)),
                "{received}"
            );
            assert_eq!(
                refreshed_edges(received, moved, now, &cal, five_pm),
                None,
                "{received}"
            );
        }
    }

    #[test]
    fn english_explanations_name_the_holiday_in_english() {
        let s = schedule(d("2026-09-01"), &WorkCalendar::china(), five_pm);
        assert_eq!(
            explain(&s.cooling_off, "Application received", &crate::i18n::EN, Locale::En),
            "Application received 1 Sep → day 30 is 1 Oct → a public holiday (National Day) → moved to 8 Oct → ends at 17:00"
        );
    }

    /// Three years of receipt days: the window never opens before the cooling-off period ends,
    /// every deadline is on a working day at closing time, the reminders come in order and each
    /// before what it announces.
    #[test]
    fn properties_over_three_years_of_receipt_days() {
        let cal = WorkCalendar::china();
        for received in d("2024-01-01").iter_days().take_while(|x| x.year() <= 2026) {
            let s = schedule(received, &cal, five_pm);
            assert!(s.window_opens_at() >= s.cooling_off.ends_at, "{received}");
            assert!(s.window.ends_at > s.window_opens_at(), "{received}");
            assert!(
                s.window.last_day - s.cooling_off.last_day >= Duration::days(30),
                "{received}"
            );
            for deadline in [&s.cooling_off, &s.window] {
                assert!(cal.is_working_day(deadline.last_day), "{received}");
                let local = deadline.ends_at.with_timezone(&shanghai());
                assert_eq!(local.date_naive(), deadline.last_day, "{received}");
                assert_eq!(local.time(), five_pm(deadline.last_day), "{received}");
            }
            let r = s.reminders();
            assert!(r[0].1 < r[1].1 && r[1].1 < r[2].1, "{received}");
            assert!(
                r[0].1 < s.cooling_off.ends_at && r[2].1 < s.window.ends_at,
                "{received}"
            );
            assert_eq!(s.phase_at(r[0].1), Phase::CoolingOff, "{received}");
            assert_eq!(s.phase_at(r[2].1), Phase::CertificateWindow, "{received}");
        }
    }

    fn case(cooling: &str, window: &str) -> CaseView {
        CaseView {
            id: "c1".into(),
            reference: "LH20260901000001".into(),
            status: CaseStatus::Open,
            received_on: d("2026-09-01"),
            cooling_ends_at: at(cooling).timestamp(),
            window_first_day: d("2026-10-09"),
            window_ends_at: at(window).timestamp(),
            withdrawn_by_me: false,
            office_id: "office-haishu".into(),
            cooling_steps: vec![],
            window_steps: vec![],
            unsure_years: vec![],
        }
    }

    #[test]
    fn a_case_view_knows_its_phase_at_the_instant() {
        let c = case("2026-10-08T09:00:00Z", "2026-11-09T09:00:00Z");
        let t = |s: &str| at(s).timestamp();
        assert_eq!(c.phase_at(t("2026-10-08T08:59:59Z")), Phase::CoolingOff);
        assert_eq!(
            c.phase_at(t("2026-10-08T09:00:00Z")),
            Phase::CertificateWindow
        );
        assert_eq!(
            c.phase_at(t("2026-11-09T08:59:59Z")),
            Phase::CertificateWindow
        );
        assert_eq!(
            c.phase_at(t("2026-11-09T09:00:00Z")),
            Phase::DeemedWithdrawn
        );
    }

    #[cfg(feature = "ssr")]
    #[test]
    fn the_calendar_file_has_both_edges_and_says_nothing_on_a_lock_screen() {
        let c = case("2026-10-08T09:00:00Z", "2026-11-09T09:00:00Z");
        let ics = case_ics(
            &c,
            crate::i18n::Locale::ZhCn,
            at("2026-09-01T02:00:00Z").timestamp(),
        );
        assert_eq!(ics.matches("BEGIN:VEVENT").count(), 2);
        // In English too, and just as discreet.
        let en = case_ics(
            &c,
            crate::i18n::Locale::En,
            at("2026-09-01T02:00:00Z").timestamp(),
        );
        assert!(en.contains("Deadline 1"), "{en}");
        for word in ["离婚", "冷静", "divorce", "Divorce", "民政"] {
            assert!(!en.contains(word), "{word} in {en}");
        }
        assert!(ics.contains("DTEND:20261008T090000Z"), "{ics}");
        assert!(ics.contains("DTEND:20261109T090000Z"), "{ics}");
        assert!(ics.contains("DTSTART:20261008T083000Z"), "{ics}");
        for word in ["离婚", "冷静", "divorce", "Divorce"] {
            assert!(!ics.contains(word), "{word} in {ics}");
        }
        assert!(ics.ends_with("END:VCALENDAR\r\n"));
    }
}
