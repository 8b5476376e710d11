//! Pure rules of a marriage appointment, shared by the browser (instant feedback) and the
//! server (the decision): the legal marriage age, the purpose as the appointment machinery
//! sees it, this service's refusals, and how its items and messages read.

use crate::{
    appointments::model::{Party, PurposeSpec},
    error::{AppError, Refusal as RefusalCode},
    i18n::Texts,
    rules::id_number::{IdNumber, Sex},
};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// 结婚登记: the couple books, the partner confirms, the clerk registers them at the counter.
pub const MARRIAGE: PurposeSpec = PurposeSpec {
    key: "marriage",
    service: "marriage",
    counter: "marriage",
    discreet: false,
    needs_partner: true,
    ceremony: true,
    reference_prefix: "JH",
    page_prefix: "/marriage/booking/",
};

/// Refusals of this service (`{"marriage": …}` on the wire).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Refusal {
    /// The partner's ID number is the applicant's own.
    PartnerIsApplicant,
    /// One party has not reached the legal marriage age on the appointment day.
    UnderMarriageAge { party: Party, min: u32 },
}

impl RefusalCode for Refusal {
    const SERVICE: &'static str = "marriage";

    fn message(&self, t: &'static Texts) -> String {
        let m = t.marriage();
        match *self {
            Self::PartnerIsApplicant => m.err_partner_is_applicant.into(),
            Self::UnderMarriageAge { party, min } => {
                let who = match party {
                    Party::Applicant => m.party_applicant,
                    Party::Partner => m.party_partner,
                };
                m.err_under_marriage_age(&min.to_string(), who)
            }
        }
    }
}

/// 法定婚龄 (Civil Code art. 1047): a man may marry from his 22nd birthday, a woman from her
/// 20th; "不得早于" counts the birthday itself (art. 1259).
pub fn legal_marriage_age(sex: Sex) -> u32 {
    match sex {
        Sex::Male => 22,
        Sex::Female => 20,
    }
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
            Refusal::PartnerIsApplicant,
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
                Refusal::UnderMarriageAge { party: who, min },
            ));
        }
    }
    Ok(())
}

/// What the shared pages show of this service: its tile, its items in 我的办件, its messages,
/// and the clerk's desk.
#[cfg(feature = "ssr")]
pub const SERVICE: crate::catalogue::ServiceEntry = crate::catalogue::ServiceEntry {
    key: "marriage",
    tile: Some(crate::catalogue::Tile {
        href: "/marriage",
        name: |t| t.marriage().title,
        body: |t| t.marriage().tile_body,
    }),
    affair_title: |t| t.marriage().title,
    affair_status: |status, t| {
        crate::appointments::model::BookingStatus::parse(status)
            .map(|s| s.text(Party::Applicant, t).to_owned())
    },
    notice,
    desks: &[crate::catalogue::StaffDesk {
        role: crate::identity::Role::RegistryClerk,
        href: "/staff/marriage",
        name: |t| t.marriage().clerk_title,
        body: |t| t.marriage().desk_link,
    }],
    ..crate::catalogue::ServiceEntry::BASE
};

/// A marriage message in words: the booking number, its day (with weekday) and time, and the
/// booking's page.
#[cfg(feature = "ssr")]
fn notice(
    topic: &str,
    params: &std::collections::BTreeMap<String, String>,
    locale: crate::i18n::Locale,
) -> Option<crate::catalogue::NoticeText> {
    let m = locale.texts().marriage();
    let get = |k: &str| params.get(k).map(String::as_str).unwrap_or_default();
    let day = NaiveDate::parse_from_str(get("day"), "%Y-%m-%d")
        .map(|d| crate::ui::format::day(d, locale))
        .unwrap_or_default();
    let (r, time) = (get("ref"), get("time"));
    let (title, body) = match topic {
        "marriage_invited" => (m.msg_invited_title, m.msg_invited_body(&day, r, time)),
        "marriage_confirmed" => (m.msg_confirmed_title, m.msg_confirmed_body(&day, r, time)),
        "marriage_reminder" => (m.msg_reminder_title, m.msg_reminder_body(&day, r, time)),
        "marriage_lapsed" => (m.msg_lapsed_title, m.msg_lapsed_body(r)),
        "marriage_cancelled" => (m.msg_cancelled_title, m.msg_cancelled_body(&day, r, time)),
        "marriage_rescheduled" => (
            m.msg_rescheduled_title,
            m.msg_rescheduled_body(&day, r, time),
        ),
        _ => return None,
    };
    Some(crate::catalogue::NoticeText {
        title: title.to_owned(),
        body,
        link: params.get("booking").map(|b| MARRIAGE.page(b)),
    })
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
                    Refusal::UnderMarriageAge {
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
                    Refusal::UnderMarriageAge {
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
                    Refusal::PartnerIsApplicant,
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
