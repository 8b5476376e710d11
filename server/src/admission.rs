//! Admission to a guarded place (名额), in process: no more attempts enter the write path for
//! one slot (or portion, or shift) than it has places left.
//!
//! In a burst released at one instant every attempt reads "places left" before the first hold
//! commits, so without a gate all of them queue for the write lock, and the last of a thousand
//! waits for the 999 before it although 950 of them can only be refused. Here the first `left`
//! attempts go in; the others wait, without a connection and without the write lock, for an
//! attempt in flight to end: a hold takes its place, a refusal for another reason frees it for
//! the next waiter, and when nothing is in flight and no place is left every waiter is told
//! "full" at once.
//!
//! The gate is an optimisation, never the guard: the guarded `UPDATE` in the transaction still
//! decides every place, across server instances too. What the gate knows of a place comes from
//! the outcomes of its own attempts and lives only while attempts are waiting or in flight, so
//! a cancellation (here or on another instance) is seen by the next burst's first read.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
};
use tokio::sync::Notify;

/// One gate per kind of place (e.g. appointment slots), keyed by the place's id.
#[derive(Default)]
pub struct Admission {
    places: Mutex<HashMap<String, Arc<Place>>>,
}

#[derive(Default)]
struct Place {
    state: Mutex<State>,
    changed: Notify,
}

#[derive(Default)]
struct State {
    /// Places left, as the last attempt's outcome (or the first read) left them.
    left: i64,
    in_flight: i64,
}

/// The place is full: nothing is in flight and the last outcome left no place.
#[derive(Debug, PartialEq, Eq)]
pub struct Full;

/// How an admitted attempt ended; what the gate learns from it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// It took a place.
    Held,
    /// The guarded update found no place left.
    Full,
    /// Refused or failed for another reason: its place is free for the next waiter.
    Other,
}

/// An admitted attempt. Dropped without [`Permit::finish`] (an error path, a dropped request)
/// it ends as [`Outcome::Other`].
pub struct Permit<'a> {
    gate: &'a Admission,
    key: String,
    place: Option<Arc<Place>>,
    outcome: Outcome,
}

impl Admission {
    /// Waits for a turn at the place `key`, of which a read just now saw `left` places left.
    pub async fn admit(&self, key: &str, left: i64) -> Result<Permit<'_>, Full> {
        let place = {
            let mut places = self.places.lock().expect("admission map");
            places
                .entry(key.to_owned())
                .or_insert_with(|| {
                    Arc::new(Place {
                        state: Mutex::new(State { left, in_flight: 0 }),
                        changed: Notify::new(),
                    })
                })
                .clone()
        };
        let answer = loop {
            let wake = place.changed.notified();
            tokio::pin!(wake);
            {
                let mut st = place.state.lock().expect("admission place");
                if st.in_flight < st.left {
                    st.in_flight += 1;
                    break Ok(());
                }
                if st.in_flight == 0 {
                    break Err(Full);
                }
                // Registered before the lock is let go: a change after this line wakes us.
                wake.as_mut().enable();
            }
            wake.await;
        };
        match answer {
            Ok(()) => Ok(Permit {
                gate: self,
                key: key.to_owned(),
                place: Some(place),
                outcome: Outcome::Other,
            }),
            Err(full) => {
                self.release(key, place);
                Err(full)
            }
        }
    }

    /// Forgets a place nobody waits at or holds a turn for.
    fn release(&self, key: &str, place: Arc<Place>) {
        let mut places = self.places.lock().expect("admission map");
        drop(place);
        if places.get(key).is_some_and(|p| Arc::strong_count(p) == 1) {
            places.remove(key);
        }
    }

    /// Places the gate is tracking now (tests: it forgets them after a burst).
    pub fn tracked(&self) -> usize {
        self.places.lock().expect("admission map").len()
    }
}

impl Permit<'_> {
    /// Tells the gate how the attempt ended.
    pub fn finish(mut self, outcome: Outcome) {
        self.outcome = outcome;
    }
}

impl Drop for Permit<'_> {
    fn drop(&mut self) {
        let Some(place) = self.place.take() else {
            return;
        };
        let wake = {
            let mut st = place.state.lock().expect("admission place");
            st.in_flight -= 1;
            match self.outcome {
                Outcome::Held => st.left -= 1,
                Outcome::Full => st.left = 0,
                Outcome::Other => {}
            }
            // Wake the waiters only when one of them can act: a place is free again, or the
            // place is full with nothing in flight (they are all told at once).
            st.in_flight < st.left || st.in_flight == 0
        };
        if wake {
            place.changed.notify_waiters();
        }
        self.gate.release(&self.key, place);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicI64, Ordering};

    /// A burst of attempts at a place with `places` places where each admitted attempt holds
    /// unless `fails` says otherwise: never more in flight than places left, every place taken,
    /// every other attempt told full, and the gate forgets the place afterwards.
    async fn burst(
        places: i64,
        attempts: usize,
        fails: impl Fn(usize) -> bool + Send + Sync + 'static,
    ) -> (i64, usize) {
        let gate = Arc::new(Admission::default());
        let booked = Arc::new(AtomicI64::new(0));
        let in_flight = Arc::new(AtomicI64::new(0));
        let fails = Arc::new(fails);
        let tasks: Vec<_> = (0..attempts)
            .map(|i| {
                let (gate, booked, in_flight, fails) = (
                    gate.clone(),
                    booked.clone(),
                    in_flight.clone(),
                    fails.clone(),
                );
                tokio::spawn(async move {
                    let Ok(permit) = gate.admit("slot", places).await else {
                        return false;
                    };
                    let now = in_flight.fetch_add(1, Ordering::SeqCst) + 1;
                    assert!(
                        now <= places,
                        "{now} attempts in flight for {places} places"
                    );
                    tokio::task::yield_now().await;
                    in_flight.fetch_sub(1, Ordering::SeqCst);
                    if fails(i) {
                        permit.finish(Outcome::Other);
                        return false;
                    }
                    // The guarded update: the database decides.
                    let held = booked
                        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |b| {
                            (b < places).then_some(b + 1)
                        })
                        .is_ok();
                    permit.finish(if held { Outcome::Held } else { Outcome::Full });
                    held
                })
            })
            .collect();
        let mut held = 0;
        for t in tasks {
            held += usize::from(t.await.unwrap());
        }
        assert_eq!(gate.tracked(), 0);
        (booked.load(Ordering::SeqCst), held)
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_burst_fills_the_place_exactly_and_the_rest_are_told_full() {
        assert_eq!(burst(50, 1000, |_| false).await, (50, 50));
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_place_an_attempt_gives_back_goes_to_a_waiter() {
        // Every third attempt fails for its own reasons: the places still all fill.
        assert_eq!(burst(10, 300, |i| i % 3 == 0).await, (10, 10));
    }

    #[tokio::test]
    async fn a_full_place_is_told_at_once() {
        let gate = Admission::default();
        assert_eq!(gate.admit("s", 0).await.err(), Some(Full));
        assert_eq!(gate.tracked(), 0);
    }
}
