//! (ssr) How server functions reach the back end.
//!
//! Each service declares its desk trait next to its server functions (`<service>/desk.rs`); the
//! server puts one `Arc<dyn …Desk>` per trait into every request's context (the registration
//! point is `server/src/services.rs`), and a server function takes the one it needs with
//! [`desk`]. There is no bundle of every desk here: this module knows no service, so no service
//! depends on another through it. The SQL implementations live in `server/src/desks/`.

use crate::{error::AppError, rules::clock::Clock};
use std::sync::Arc;

/// The desk `T` (a `dyn …Desk` trait) of this request. Missing context is a wiring bug:
/// logged, answered as an internal error, never a panic that would leave a page half-sent.
pub fn desk<T: ?Sized + Send + Sync + 'static>() -> Result<Arc<T>, AppError> {
    leptos::prelude::use_context::<Arc<T>>().ok_or_else(|| {
        tracing::error!(
            desk = std::any::type_name::<T>(),
            "a desk is missing from the request context"
        );
        AppError::Internal
    })
}

/// What every server function may need besides its desk: the clock and deployment facts.
#[derive(Clone)]
pub struct Platform {
    pub clock: Arc<dyn Clock>,
    /// Started in development mode: the sign-in page may show the one-time code.
    pub dev_mode: bool,
    /// Cookies get `Secure` (the site is served over https).
    pub secure_cookies: bool,
}

/// The platform facts of this request.
pub fn platform() -> Result<Platform, AppError> {
    leptos::prelude::use_context::<Platform>().ok_or_else(|| {
        tracing::error!("the platform is missing from the request context");
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

/// A refusal shown by the form field `field`.
pub fn refused(field: &str, code: impl Into<crate::error::Code>) -> DeskError {
    AppError::invalid(field, code.into()).into()
}
