//! (ssr) The status desk: a community worker checks an elder's ID card, then confirms or ends
//! the elder's statuses while the check lasts. Every call checks the worker's role.

use super::model::{ElderFile, ElderStatus};
use crate::{
    desk::DeskResult,
    rules::{id_number::IdNumber, phone::Phone},
    web::Staff,
};

#[async_trait::async_trait]
pub trait ElderDesk: Send + Sync {
    /// Finds the elder by phone and real name and compares the ID number typed from their
    /// card; a match starts a check (audited) whose id the worker's page carries.
    async fn check(
        &self,
        staff: &Staff,
        phone: &Phone,
        name: &str,
        id_checked: &IdNumber,
    ) -> DeskResult<String>;
    /// The elder of a live check of this worker, with every status record (audited).
    async fn file(&self, staff: &Staff, check: &str) -> DeskResult<ElderFile>;
    /// Confirms a status with a note; the elder is told.
    async fn confirm(
        &self,
        staff: &Staff,
        check: &str,
        status: ElderStatus,
        note: &str,
        idem_key: &str,
    ) -> DeskResult<()>;
    /// Ends a live status record of the checked elder with a reason (kept in the history);
    /// the elder is told.
    async fn end(
        &self,
        staff: &Staff,
        check: &str,
        record: &str,
        reason: &str,
        idem_key: &str,
    ) -> DeskResult<()>;
}
