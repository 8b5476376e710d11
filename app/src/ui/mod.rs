//! Shared components. Class names carry the `mz-` prefix.

mod field;
mod page;

pub use field::{field_error, form_error, format_time, typed, Field, FormError};
pub use page::{Forbidden, NotFound, Page, RequireResident, RequireStaff};
