//! Marriage on the appointment machinery: what its one purpose admits (a couple of legal
//! marriage age, the partner someone else and not the applicant's own phone), how its notices
//! read (with the booking number and the time: a marriage is nothing to hide), and that its
//! outcome at the counter is the registration itself.

use super::appointments::{
    register_purpose, Applicant, Event, OtherParty, PurposeRules, RuleScope, SlotFacts, SlotRule,
};
use crate::registry::{Registry, Setup};
use app::{
    appointments::{
        desk::PartnerOf,
        model::{BookingView, PurposeSpec, Refusal},
    },
    desk::{refused, DeskError, DeskResult},
    error::AppError,
    i18n::Locale,
    marriage::model::{check_couple, MARRIAGE},
    rules::{clock::Clock, id_number::IdNumber},
};
use std::sync::Arc;

/// Registers marriage's purpose with the appointment machinery.
pub fn install(reg: &mut Registry, setup: &Setup) {
    register_purpose(
        reg,
        Arc::new(MarriageRules {
            clock: setup.clock.clone(),
        }),
    );
}

pub struct MarriageRules {
    clock: Arc<dyn Clock>,
}

impl MarriageRules {
    fn stored(&self, number: &str) -> DeskResult<IdNumber> {
        IdNumber::parse(number, self.clock.today())
            .map_err(|_| DeskError::internal("a stored ID number no longer parses"))
    }
}

#[async_trait::async_trait]
impl PurposeRules for MarriageRules {
    fn spec(&self) -> &'static PurposeSpec {
        &MARRIAGE
    }

    /// Any slot for a new booking (the couple is checked on admission); a move keeps the
    /// couple of legal age on the new day.
    async fn slot_rule(&self, scope: RuleScope<'_>) -> DeskResult<SlotRule> {
        match scope {
            RuleScope::New { .. } => Ok(SlotRule::any()),
            RuleScope::Move { booking } => {
                let applicant = self.stored(&booking.applicant_id_number)?;
                let partner = self.stored(&booking.partner_id_number)?;
                Ok(SlotRule {
                    office: None,
                    admits: Box::new(move |slot: &SlotFacts| {
                        check_couple(&applicant, &partner, slot.day).map_err(DeskError::from)
                    }),
                })
            }
        }
    }

    async fn admit(
        &self,
        applicant: &Applicant,
        partner: PartnerOf,
        slot: &SlotFacts,
    ) -> DeskResult<OtherParty> {
        let PartnerOf::Typed {
            name,
            id_number,
            phone,
        } = partner
        else {
            return Err(AppError::BadRequest.into());
        };
        if phone.as_str() == applicant.phone {
            return Err(refused("partner_phone", Refusal::PartnerPhoneIsOwn));
        }
        check_couple(&applicant.id_number, &id_number, slot.day)?;
        Ok(OtherParty {
            name: name.as_str().to_owned(),
            id_number: id_number.as_str().to_owned(),
            phone: phone.as_str().to_owned(),
            resident_id: None,
            record: None,
        })
    }

    /// Registered at the counter: the two are family from now on, for proxy grants.
    async fn registered(
        &self,
        conn: &mut sqlx::AnyConnection,
        b: &super::appointments::Booking,
        now: i64,
    ) -> DeskResult<Option<super::appointments::AuditNote>> {
        super::proxy::link_family(
            conn,
            &format!("marriage:{}", b.view.id),
            app::proxy::model::Relation::Spouse,
            super::proxy::Person {
                id_number: &b.applicant_id_number,
                name: &b.view.applicant_name,
            },
            super::proxy::Person {
                id_number: &b.partner_id_number,
                name: &b.view.partner_name,
            },
            now,
        )
        .await?;
        Ok(None)
    }

    fn topic(&self, event: Event) -> (&'static str, bool) {
        let topic = match event {
            Event::Invited => "marriage_invited",
            Event::Confirmed => "marriage_confirmed",
            Event::Reminder => "marriage_reminder",
            Event::Lapsed => "marriage_lapsed",
            Event::Cancelled => "marriage_cancelled",
            Event::Rescheduled => "marriage_rescheduled",
            Event::Registered => "marriage_registered",
        };
        (topic, true)
    }

    fn sms(&self, event: Event, b: &BookingView, locale: Locale) -> Option<String> {
        let m = locale.texts().marriage();
        match event {
            Event::Invited => Some(m.sms_invited(
                &b.reference,
                &app::ui::format::day(
                    app::rules::clock::shanghai_date(
                        chrono::DateTime::from_timestamp(b.hold_expires_at, 0).unwrap_or_default(),
                    ),
                    locale,
                ),
            )),
            Event::Reminder => Some(m.sms_reminder(
                &app::ui::format::day(b.day, locale),
                &b.reference,
                &b.starts,
            )),
            Event::Confirmed if b.at_counter => Some(m.sms_counter_confirmed(&b.reference)),
            _ => None,
        }
    }
}
