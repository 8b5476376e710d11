//! (ssr) The time-bank desk: what this service's server functions need from the back end.
//! Every method takes a principal only the sign-in layer makes. Every movement of minutes or
//! points is one ledger transaction under an idempotency key (`key`): a repeated submission
//! answers the first outcome and moves nothing. Organisation admins see and decide only their
//! own organisation's members, shifts and attendance (audited).

use super::model::{NewActivity, NewNeed, OrgDesk, PublicRecord, Statement, TimebankHome};
use crate::{
    desk::DeskResult,
    rules::phone::Phone,
    web::{Resident, Staff},
};

#[async_trait::async_trait]
pub trait TimebankDesk: Send + Sync {
    /// The resident's accounts, stars, organisations, shifts, needs and family.
    async fn home(&self, who: &Resident) -> DeskResult<TimebankHome>;
    /// 申请加入: a membership request the organisation's admin decides.
    async fn join(&self, who: &Resident, org_id: &str) -> DeskResult<()>;
    /// 报名: a place on a shift (guarded: never more volunteers than places).
    async fn take_shift(&self, who: &Resident, shift_id: &str) -> DeskResult<()>;
    /// 签到 / 签退 with the code the organiser shows, on the shift's day.
    async fn sign(&self, who: &Resident, shift_id: &str, code: &str, out: bool) -> DeskResult<()>;
    /// 发布需求: the minutes are held from `who` (the elder, or a family member paying with
    /// their own hours under a live grant) until the need is done or cancelled.
    async fn post_need(&self, who: &Resident, need: &NewNeed, key: &str) -> DeskResult<String>;
    /// 接单: an approved volunteer of the need's organisation takes it (guarded).
    async fn take_need(&self, who: &Resident, need_id: &str) -> DeskResult<()>;
    /// 确认完成 (pays the volunteer from the hold) or 取消 (refunds it, while open).
    async fn close_need(
        &self,
        who: &Resident,
        need_id: &str,
        done: bool,
        key: &str,
    ) -> DeskResult<()>;
    /// 赠送: minutes to a family member linked by a live grant (either way).
    async fn give(&self, who: &Resident, to: &str, minutes: i64, key: &str) -> DeskResult<()>;
    /// 捐赠: minutes to an organisation's mutual-aid fund.
    async fn donate(&self, who: &Resident, org_id: &str, minutes: i64, key: &str)
        -> DeskResult<()>;
    /// 兑换: a catalogue item for points (stock guarded).
    async fn redeem(&self, who: &Resident, item_id: &str, key: &str) -> DeskResult<()>;
    /// The statement of `owner`'s minutes (or points): theirs, or an elder's under a grant.
    async fn statement(&self, who: &Resident, owner: &str, points: bool) -> DeskResult<Statement>;
    /// 志愿服务记录证明: issues (or re-issues) a record of the verified hours; its code.
    async fn issue_record(&self, who: &Resident) -> DeskResult<String>;
    /// A record as its owner downloads it (志愿服务记录证明): anyone else's code is not found.
    async fn record_document(&self, who: &Resident, code: &str) -> DeskResult<RecordDocument>;
    /// The public check of a record's code: masked fields only.
    async fn public_record(&self, code: &str) -> DeskResult<PublicRecord>;

    /// The organisation's workbench (audited read).
    async fn org_desk(&self, staff: &Staff) -> DeskResult<OrgDesk>;
    /// Approves or declines a membership request.
    async fn decide_member(
        &self,
        staff: &Staff,
        resident_id: &str,
        approve: bool,
    ) -> DeskResult<()>;
    /// Publishes an activity with one shift.
    async fn add_activity(&self, staff: &Staff, a: &NewActivity) -> DeskResult<String>;
    /// 审核: verifies the proposed minutes (banked once, the excess over the cap to the fund)
    /// or rejects them.
    async fn verify(&self, staff: &Staff, attendance_id: &str, approve: bool) -> DeskResult<()>;
    /// 代为登记: the organiser records the minutes of a volunteer who took a shift held today
    /// or earlier but did not sign in or out with the code (no phone with them, a flat
    /// battery); the attendance then waits for verification like any signed-out one (audited).
    async fn record(&self, staff: &Staff, attendance_id: &str, minutes: i64) -> DeskResult<()>;
    /// Verifies every signed-out attendance of a shift; how many were banked.
    async fn verify_shift(&self, staff: &Staff, shift_id: &str) -> DeskResult<u32>;
    /// 整个活动一键审核: every signed-out attendance of an activity, all its shifts; how many.
    async fn verify_activity(&self, staff: &Staff, activity_id: &str) -> DeskResult<u32>;
    /// 冲正: reverses a transaction of the organisation with a reason, once.
    async fn reverse(&self, staff: &Staff, tx_id: &str, reason: &str, key: &str) -> DeskResult<()>;
    /// 基金发放: minutes from the fund to a priority elder (policy data), found by phone and name.
    async fn fund_grant(
        &self,
        staff: &Staff,
        phone: &Phone,
        name: &str,
        minutes: i64,
        key: &str,
    ) -> DeskResult<()>;
}

/// 志愿服务记录证明 as its owner downloads it: the name as bound, unmasked (server only).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordDocument {
    pub code: String,
    pub name: String,
    pub orgs_zh: String,
    pub minutes: i64,
    /// The first and last day of the verified service (records issued before it was kept
    /// have none).
    pub period: Option<(chrono::NaiveDate, chrono::NaiveDate)>,
    pub issued_at: i64,
}
