//! One integration-test binary: the real router on a real SQLite database, spoken to over HTTP.

mod accounts;
mod helpers;
mod marriage;
mod robustness;
mod staff;
