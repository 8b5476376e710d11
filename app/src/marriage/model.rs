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
        const W: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
        let sum: u32 = body
            .bytes()
            .zip(W)
            .map(|(b, w)| u32::from(b - b'0') * w)
            .sum();
        let full = format!("{body}{}", b"10X98765432"[(sum % 11) as usize] as char);
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
