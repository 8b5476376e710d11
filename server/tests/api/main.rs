//! One integration-test binary: the real router on a real SQLite database, spoken to over HTTP.

mod accounts;
mod divorce;
mod divorce_appointments;
mod helpers;
mod marriage;
mod marriage_flow;
mod robustness;
mod staff;
mod web;
