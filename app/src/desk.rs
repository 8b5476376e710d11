//! The back-end interface, as the server functions see it.
//!
//! Each service declares its desk trait next to its server functions (`<service>/desk.rs`);
//! this module bundles them with the clock and the deployment facts the server functions need,
//! and hands them out from context. The SQL implementations live in `server/src/desks/`.

use crate::{
    account::desk::AccountDesk, divorce::desk::DivorceDesk, error::AppError,
    marriage::desk::MarriageDesk, rules::clock::Clock, staff::desk::StaffDesk,
};
use std::sync::Arc;

/// Everything a server function may call, provided to every request through context.
#[derive(Clone)]
pub struct Backend {
    pub accounts: Arc<dyn AccountDesk>,
    pub staff: Arc<dyn StaffDesk>,
    pub marriage: Arc<dyn MarriageDesk>,
    pub divorce: Arc<dyn DivorceDesk>,
    pub clock: Arc<dyn Clock>,
    /// Started in development mode: the sign-in page may show the one-time code.
    pub dev_mode: bool,
    /// Cookies get `Secure` (the site is served over https).
    pub secure_cookies: bool,
}

/// The back end of this request. Missing context is a wiring bug: logged, answered as an
/// internal error, never a panic that would leave a page half-sent.
pub fn backend() -> Result<Backend, AppError> {
    leptos::prelude::use_context::<Backend>().ok_or_else(|| {
        tracing::error!("the back end is missing from the request context");
        AppError::Internal
    })
}

/// A desk's failure: either a refusal the user should see, or a breakage to log.
#[derive(Debug, thiserror::Error)]
pub enum DeskError {
    #[error(transparent)]
    Refused(#[from] AppError),
    #[error("internal: {0}")]
    Internal(Box<dyn std::error::Error + Send + Sync>),
}

impl DeskError {
    pub fn internal(e: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Self {
        Self::Internal(e.into())
    }
}

impl From<DeskError> for AppError {
    fn from(e: DeskError) -> Self {
        match e {
            DeskError::Refused(e) => e,
            DeskError::Internal(e) => {
                tracing::error!(error = %e, "desk failed");
                AppError::Internal
            }
        }
    }
}

pub type DeskResult<T> = Result<T, DeskError>;
