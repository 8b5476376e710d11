//! Clocks: the system clock, a clock that starts at a given instant (demos, end-to-end tests),
//! and a clock tests move by hand.

use app::rules::clock::Clock;
use chrono::{DateTime, Duration, Utc};
use std::sync::Mutex;

pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// Starts at `start` and runs at the speed of real time. End-to-end tests may set it again
/// (`CLOCK_CONTROL`), e.g. to the morning of an appointment booked a moment before.
pub struct RunningClock(Mutex<(DateTime<Utc>, std::time::Instant)>);

impl RunningClock {
    pub fn new(start: DateTime<Utc>) -> Self {
        Self(Mutex::new((start, std::time::Instant::now())))
    }

    /// From now on the clock reads `at`, and runs on from there.
    pub fn set(&self, at: DateTime<Utc>) {
        *self.0.lock().unwrap_or_else(|e| e.into_inner()) = (at, std::time::Instant::now());
    }
}

impl Clock for RunningClock {
    fn now(&self) -> DateTime<Utc> {
        let (start, began) = *self.0.lock().unwrap_or_else(|e| e.into_inner());
        start + Duration::from_std(began.elapsed()).unwrap_or_default()
    }
}

/// A clock that only moves when told to.
pub struct ManualClock(Mutex<DateTime<Utc>>);

impl ManualClock {
    pub fn new(at: DateTime<Utc>) -> Self {
        Self(Mutex::new(at))
    }

    pub fn advance(&self, by: Duration) {
        let mut t = self.0.lock().unwrap_or_else(|e| e.into_inner());
        *t += by;
    }

    pub fn set(&self, at: DateTime<Utc>) {
        *self.0.lock().unwrap_or_else(|e| e.into_inner()) = at;
    }
}

impl Clock for ManualClock {
    fn now(&self) -> DateTime<Utc> {
        *self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}
