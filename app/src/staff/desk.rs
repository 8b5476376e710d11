//! (ssr) The staff desk. Every method that acts for a staff member writes the audit log in the
//! same transaction as the action, so an action without its audit entry cannot happen.

use super::model::{AuditEntry, Role, StaffSummary, StaffView, Unit};
use crate::{desk::DeskResult, web::Staff};

pub struct NewStaffSession {
    pub token: String,
    pub staff: StaffView,
}

/// A staff account to create.
pub struct NewStaff {
    pub username: String,
    pub display_name: String,
    pub password: String,
    pub role: Role,
    pub unit_id: String,
}

#[async_trait::async_trait]
pub trait StaffDesk: Send + Sync {
    /// Checks username and password (argon2) and opens a staff session; audited.
    async fn sign_in(
        &self,
        username: &str,
        password: &str,
        client: &str,
    ) -> DeskResult<NewStaffSession>;
    /// Ends the session; audited.
    async fn sign_out(&self, actor: &Staff, token: &str) -> DeskResult<()>;
    /// Administrators only; audited.
    async fn create_staff(&self, actor: &Staff, new: NewStaff) -> DeskResult<StaffSummary>;
    /// Administrators only.
    async fn list_staff(&self, actor: &Staff) -> DeskResult<Vec<StaffSummary>>;
    async fn units(&self) -> DeskResult<Vec<Unit>>;
    /// Auditors and administrators; reading the log is itself audited.
    async fn audit_log(&self, actor: &Staff, limit: u32) -> DeskResult<Vec<AuditEntry>>;
    /// The notices to the staff member's unit, newest first: (id, at, topic, params, read).
    async fn unit_notices(&self, actor: &Staff) -> DeskResult<Vec<crate::account::model::Message>>;
    /// Marks the unit's notices read; audited.
    async fn mark_unit_notices_read(&self, actor: &Staff) -> DeskResult<()>;
}
