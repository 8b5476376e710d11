//! (ssr) The proxy desk: asking, confirming, ending and recording grants. Whether a grant
//! permits an action is checked by the desk of the service acting, in its own transaction.

use super::model::{FamilyWay, Grants, Relation, Scope};
use crate::{
    desk::DeskResult,
    rules::{id_number::IdNumber, phone::Phone},
    web::{Resident, Staff},
};
use chrono::NaiveDate;

/// What a family member asks for, or staff record.
#[derive(Debug, Clone)]
pub struct GrantRequest {
    pub elder_phone: Phone,
    pub elder_name: String,
    pub relation: Relation,
    pub scopes: Vec<Scope>,
    pub ends_on: NaiveDate,
}

#[async_trait::async_trait]
pub trait ProxyDesk: Send + Sync {
    /// A family member asks to act for an elder; the elder is told and confirms.
    async fn request(&self, who: &Resident, req: &GrantRequest) -> DeskResult<String>;
    /// The elder confirms (`yes`) or declines a request made to them.
    async fn answer(&self, elder: &Resident, grant_id: &str, yes: bool) -> DeskResult<()>;
    /// Either side ends a grant (or withdraws a request); the other side is told.
    async fn revoke(&self, who: &Resident, grant_id: &str) -> DeskResult<()>;
    /// The grants `who` gave and holds, and their family members.
    async fn grants(&self, who: &Resident) -> DeskResult<Grants>;
    /// A grant between `who` and a family member (`link_id`), either way: given, it is active
    /// at once (the elder grants); asked, the family member confirms.
    async fn family_grant(
        &self,
        who: &Resident,
        link_id: &str,
        way: FamilyWay,
        scopes: &[Scope],
        ends_on: NaiveDate,
    ) -> DeskResult<String>;
    /// A canteen or community worker records a grant for an elder without a phone, after
    /// checking the elder's ID card (`id_checked` must be the elder's); active at once, audited.
    async fn record(
        &self,
        staff: &Staff,
        req: &GrantRequest,
        id_checked: &IdNumber,
        proxy_phone: &Phone,
    ) -> DeskResult<String>;
}
