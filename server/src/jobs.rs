//! Work that is due at a time rather than on a request (unconfirmed holds lapse, reminders go
//! out, a divorce case is deemed withdrawn at its window's end), and work a server does once
//! when it starts (a new holiday notice moves open deadlines).
//!
//! The work lives in the database, not in memory: each run looks for what is due now and
//! changes it with a guarded update (`crate::desks::each_due`), so a restart catches up at once
//! and nothing happens twice, even with two servers sweeping the same database. Services
//! register their work in `crate::services`; no request can reach it.

use app::desk::DeskResult;
use std::{sync::Arc, time::Duration};

/// What one run of a sweep did: a count per kind of change.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct DueReport(Vec<(&'static str, u32)>);

impl DueReport {
    pub fn add(&mut self, kind: &'static str, n: u32) {
        match self.0.iter_mut().find(|(k, _)| *k == kind) {
            Some((_, m)) => *m += n,
            None => self.0.push((kind, n)),
        }
    }

    /// How many changes of `kind` the run made.
    pub fn get(&self, kind: &str) -> u32 {
        self.0
            .iter()
            .find(|(k, _)| *k == kind)
            .map(|(_, n)| *n)
            .unwrap_or(0)
    }

    pub fn total(&self) -> u32 {
        self.0.iter().map(|(_, n)| n).sum()
    }
}

impl std::fmt::Display for DueReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for (i, (k, n)) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            write!(f, "{k} {n}")?;
        }
        Ok(())
    }
}

/// A service's due work: safe to run concurrently and again after a restart.
#[async_trait::async_trait]
pub trait DueWork: Send + Sync {
    fn name(&self) -> &'static str;
    async fn run(&self) -> DeskResult<DueReport>;
}

/// Work a server does once when it starts, before it serves (safe on several servers at once).
#[async_trait::async_trait]
pub trait StartWork: Send + Sync {
    fn name(&self) -> &'static str;
    async fn run(&self) -> DeskResult<DueReport>;
}

/// Runs every sweep once, in order; a failing one is logged and the others still run.
pub async fn run_all(work: &[Arc<dyn DueWork>]) {
    for w in work {
        match w.run().await {
            Ok(r) if r.total() > 0 => {
                tracing::info!(sweep = w.name(), report = %r, "due work done")
            }
            Ok(_) => {}
            Err(e) => tracing::error!(sweep = w.name(), error = ?e, "due work failed"),
        }
    }
}

/// Asks this server's sweep to run now rather than at its next tick: a command that made work
/// due at once (a death accepted, to be followed by every service) calls it after its commit.
/// A sweep that misses it (another server's) still finds the work at its tick.
pub fn wake() {
    WAKE.notify_one();
}

static WAKE: tokio::sync::Notify = tokio::sync::Notify::const_new();

/// Sweeps now, then every `every` or when [`wake`] is called, until the returned handle is
/// aborted.
pub fn spawn(work: Vec<Arc<dyn DueWork>>, every: Duration) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = tick.tick() => {}
                _ = WAKE.notified() => {}
            }
            run_all(&work).await;
        }
    })
}
