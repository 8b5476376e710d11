//! (ssr) The divorce desk: what the divorce server functions need from the back end.

use super::model::CaseView;
use crate::{desk::DeskResult, marriage::desk::Actor, rules::id_number::IdNumber};
use chrono::NaiveDate;

/// What one run of the due-work sweep did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct DivorceSweep {
    pub deemed_withdrawn: u32,
    pub reminders: u32,
}

#[async_trait::async_trait]
pub trait DivorceDesk: Send + Sync {
    /// 受理: the clerk records that the office received the couple's joint application on
    /// `received_on`; the case enters the cooling-off period. Both must be real-name-bound
    /// residents, and neither may have another open case.
    async fn receive(
        &self,
        actor: &Actor<'_>,
        party_a: &IdNumber,
        party_b: &IdNumber,
        received_on: NaiveDate,
    ) -> DeskResult<CaseView>;
    /// The resident's cases (as either party).
    async fn my_cases(&self, resident_id: &str) -> DeskResult<Vec<CaseView>>;
    /// 撤回: either party withdraws during the cooling-off period; the other is told.
    async fn withdraw(&self, resident_id: &str, case_id: &str) -> DeskResult<CaseView>;
    /// Due work: cases whose certificate window ended are deemed withdrawn at that instant;
    /// the three reminders go out once each. Safe to run concurrently and after a restart.
    async fn sweep(&self) -> DeskResult<DivorceSweep>;
    /// After the working-day calendar changed (next year's holiday notice loaded): the edges
    /// of open cases that the calendar now puts later move there, and both parties are told;
    /// no edge moves earlier than they were told, nor once it has passed. Returns how many
    /// cases moved; run at start, safe to run twice.
    async fn refresh_deadlines(&self) -> DeskResult<u32>;
}
