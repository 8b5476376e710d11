//! The sign-in layer's lookups (`app::web::Sessions`): the resident or staff member behind a
//! session token. Only the SHA-256 of a token is stored, so a copy of the table opens nothing.

use super::{db, staff::staff_from_row, staff::STAFF_COLUMNS, token_hash};
use crate::{db::Db, registry::Setup};
use app::{
    desk::DeskResult,
    identity::{ResidentView, StaffView},
    rules::{clock::Clock, id_number::mask_id_number, phone::mask_phone},
    web::Sessions,
};
use std::sync::Arc;

pub struct SqlSessions {
    pub db: Db,
    pub clock: Arc<dyn Clock>,
}

/// The session lookups of a setup.
pub fn sessions(setup: &Setup) -> Arc<dyn Sessions> {
    Arc::new(SqlSessions {
        db: setup.db.clone(),
        clock: setup.clock.clone(),
    })
}

/// A resident row as pages see it: nothing unmasked.
#[derive(sqlx::FromRow)]
pub struct ResidentRow {
    id: String,
    phone: String,
    real_name: Option<String>,
    id_number: Option<String>,
}

impl From<ResidentRow> for ResidentView {
    fn from(r: ResidentRow) -> Self {
        ResidentView {
            id: r.id,
            phone_masked: mask_phone(&r.phone),
            real_name: r.real_name,
            id_number_masked: r.id_number.as_deref().map(mask_id_number),
        }
    }
}

#[async_trait::async_trait]
impl Sessions for SqlSessions {
    async fn resident_session(&self, token: &str) -> DeskResult<Option<ResidentView>> {
        let row: Option<ResidentRow> = sqlx::query_as(
            "SELECT r.id, r.phone, r.real_name, r.id_number FROM sessions s JOIN residents r ON r.id = s.subject_id \
             WHERE s.token_hash = $1 AND s.kind = 'resident' AND s.expires_at > $2",
        )
        .bind(token_hash(token))
        .bind(self.clock.now().timestamp())
        .fetch_optional(self.db.pool())
        .await
        .map_err(db)?;
        Ok(row.map(ResidentView::from))
    }

    async fn staff_session(&self, token: &str) -> DeskResult<Option<StaffView>> {
        let row = sqlx::query(&format!(
            "SELECT {STAFF_COLUMNS} FROM sessions x JOIN staff s ON s.id = x.subject_id JOIN units u ON u.id = s.unit_id \
             WHERE x.token_hash = $1 AND x.kind = 'staff' AND x.expires_at > $2"
        ))
        .bind(token_hash(token))
        .bind(self.clock.now().timestamp())
        .fetch_optional(self.db.pool())
        .await
        .map_err(db)?;
        match row {
            Some(r) => {
                let (staff, active) = staff_from_row(&r).map_err(db)?;
                Ok(active.then_some(staff))
            }
            None => Ok(None),
        }
    }
}
