//! (ssr) The divorce desk: what the divorce server functions need from the back end. Its
//! appointments go through the appointment desk with this service's purposes; its due work
//! (deemed withdrawal, reminders) and the deadline refresh at start are the server's, not a
//! request's.

use super::model::CaseView;
use crate::{
    desk::DeskResult,
    rules::id_number::IdNumber,
    web::{Resident, Staff},
};
use chrono::NaiveDate;

#[async_trait::async_trait]
pub trait DivorceDesk: Send + Sync {
    /// 受理: the clerk records that the office received the couple's joint application on
    /// `received_on`; the case enters the cooling-off period. Both must be real-name-bound
    /// residents, and neither may have another open case.
    async fn receive(
        &self,
        clerk: &Staff,
        party_a: &IdNumber,
        party_b: &IdNumber,
        received_on: NaiveDate,
    ) -> DeskResult<CaseView>;
    /// The resident's cases (as either party), with how each date was counted.
    async fn my_cases(&self, who: &Resident) -> DeskResult<Vec<CaseView>>;
    /// 撤回: either party withdraws during the cooling-off period; the other is told. A repeat
    /// by the one who withdrew answers the withdrawn case.
    async fn withdraw(&self, who: &Resident, case_id: &str) -> DeskResult<CaseView>;
}
