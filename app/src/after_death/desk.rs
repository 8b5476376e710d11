//! (ssr) The after-death desk: what this service's server functions need from the back end.
//! Every method takes a principal only the sign-in layer makes; the desk decides who may see
//! and do what (a bundle's applicants; the department whose task it is), and audits staff.

use super::{
    model::{
        ApplicationDraft, ApplyOutcome, BundleView, PaymentView, QueueItem, Relationship,
        StaffAction, StaffTaskView,
    },
    policy::Answers,
};
use crate::{
    desk::DeskResult,
    rules::{bank_card::BankCard, id_number::IdNumber},
    web::{Resident, Staff},
};
use chrono::NaiveDate;

/// The payment account the applicant gives (收款账户).
#[derive(Debug, Clone)]
pub struct Account {
    pub name: String,
    pub card: BankCard,
}

#[async_trait::async_trait]
pub trait AfterDeathDesk: Send + Sync {
    /// 申请: one bundle per deceased person; a second relative learns who holds it. `key` is
    /// the form's idempotency key (a repeated submission answers the same bundle).
    /// `hours_to_fund`: the deceased's banked time-bank hours (if any) go to the mutual-aid
    /// fund rather than to the applicant, once 民政 accepts the death record.
    async fn apply(
        &self,
        who: &Resident,
        draft: &ApplicationDraft,
        answers: &Answers,
        account: Option<Account>,
        hours_to_fund: bool,
        key: &str,
    ) -> DeskResult<ApplyOutcome>;
    /// Asks the holder of the deceased's open bundle to add `who` (the certificate number must
    /// match, so an ID number alone reveals nothing more).
    async fn request_join(
        &self,
        who: &Resident,
        deceased: &IdNumber,
        certificate_no: &str,
        relationship: Relationship,
    ) -> DeskResult<()>;
    /// The holder accepts a relative's request.
    async fn accept_join(&self, who: &Resident, case_id: &str, resident_id: &str)
        -> DeskResult<()>;
    /// The bundles `who` holds or was added to, newest first.
    async fn my_bundles(&self, who: &Resident) -> DeskResult<Vec<BundleView>>;
    /// One bundle, if `who` is one of its applicants (else `NotFound`).
    async fn bundle(&self, who: &Resident, case_id: &str) -> DeskResult<BundleView>;
    /// 已补正: the family says a returned task now has what was asked for.
    async fn resubmit(&self, who: &Resident, task_id: &str) -> DeskResult<()>;

    /// The staff member's department queue: overdue first, then by due date.
    async fn queue(&self, staff: &Staff) -> DeskResult<Vec<QueueItem>>;
    /// One task of the staff member's department (audited).
    async fn task(&self, staff: &Staff, task_id: &str) -> DeskResult<StaffTaskView>;
    /// A transition of a task of the staff member's department (audited); `key` makes a
    /// repeated click change nothing more.
    async fn act(
        &self,
        staff: &Staff,
        task_id: &str,
        action: StaffAction,
        key: &str,
    ) -> DeskResult<()>;
    /// The payments awaiting the finance office, and those paid on `day`.
    async fn payments(&self, staff: &Staff, day: NaiveDate) -> DeskResult<Vec<PaymentView>>;
    /// 复核: the second staff member approves a payment above the threshold.
    async fn second_approve(&self, staff: &Staff, task_id: &str) -> DeskResult<()>;
    /// 发放: the payment goes out, once, whatever is clicked twice.
    async fn pay(&self, staff: &Staff, task_id: &str) -> DeskResult<()>;
}
