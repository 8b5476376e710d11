//! Background work that is due at a time rather than on a request: unconfirmed marriage holds
//! lapse, day-before reminders go out, divorce cases are deemed withdrawn when their
//! certificate window ends, and their reminders go out.
//!
//! The work lives in the database, not in memory: each run looks for what is due now and
//! changes it with a guarded update, so a restart catches up at once and nothing happens twice,
//! even with two servers sweeping the same database.

use app::desk::Backend;
use std::time::Duration;

/// Sweeps now and then every `every` until the returned handle is aborted.
pub fn spawn(backend: Backend, every: Duration) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            match backend.marriage.sweep().await {
                Ok(r) if r.lapsed + r.reminded > 0 => {
                    tracing::info!(lapsed = r.lapsed, reminded = r.reminded, "marriage sweep")
                }
                Ok(_) => {}
                Err(e) => tracing::error!(error = ?e, "marriage sweep failed"),
            }
            match backend.divorce.sweep().await {
                Ok(r) if r.deemed_withdrawn + r.reminders > 0 => tracing::info!(
                    deemed_withdrawn = r.deemed_withdrawn,
                    reminders = r.reminders,
                    "divorce sweep"
                ),
                Ok(_) => {}
                Err(e) => tracing::error!(error = ?e, "divorce sweep failed"),
            }
        }
    })
}
