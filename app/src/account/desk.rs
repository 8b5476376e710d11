//! (ssr) The accounts desk: what the account server functions need from the back end.

use super::model::{HomeSummary, Message, PendingCode, RealName, ResidentView};
use crate::{
    desk::DeskResult,
    rules::{id_number::IdNumber, phone::Phone},
    web::Resident,
};

/// A new session: the raw token goes into the cookie and nowhere else.
pub struct NewSession {
    pub token: String,
    pub resident: ResidentView,
}

#[async_trait::async_trait]
pub trait AccountDesk: Send + Sync {
    /// Sends a new one-time code to `phone` (enforcing resend delay and the per-number and
    /// per-address limits) and returns the id of the sign-in challenge.
    async fn request_code(&self, phone: &Phone, client: &str) -> DeskResult<String>;
    /// Sends a fresh code to the number of an open challenge, which it replaces.
    async fn resend_code(&self, challenge_id: &str, client: &str) -> DeskResult<String>;
    /// The pending challenge of this browser, if it is still open.
    async fn pending_sign_in(&self, challenge_id: &str) -> DeskResult<Option<PendingCode>>;
    /// Checks a code; on success creates (or finds) the resident and opens a session, and keeps
    /// the language they signed in with (their SMS follow it). A deceased's account is closed.
    async fn verify_code(
        &self,
        challenge_id: &str,
        code: &str,
        client: &str,
        locale: crate::i18n::Locale,
    ) -> DeskResult<NewSession>;
    /// The resident switched language: their SMS follow it from now on.
    async fn set_locale(&self, who: &Resident, locale: crate::i18n::Locale) -> DeskResult<()>;
    async fn sign_out(&self, token: &str) -> DeskResult<()>;
    /// 实名绑定: binds name and ID number once; one number binds one account.
    async fn bind_real_name(
        &self,
        who: &Resident,
        name: &RealName,
        id_number: &IdNumber,
    ) -> DeskResult<ResidentView>;
    /// 我的办件 and the unread count.
    async fn home(&self, who: &Resident) -> DeskResult<HomeSummary>;
    async fn messages(&self, who: &Resident) -> DeskResult<Vec<Message>>;
    /// Marks all of the resident's messages read.
    async fn mark_messages_read(&self, who: &Resident) -> DeskResult<()>;
}
