//! One integration-test binary: the real router on a real database (SQLite, or PostgreSQL when
//! `MZ_TEST_POSTGRES` is set: see `engine.rs`), spoken to over HTTP.

mod accounts;
mod after_death;
mod appointment_features;
mod contention;
mod divorce;
mod divorce_appointments;
mod elders;
mod engine;
mod helpers;
mod life;
mod marriage;
mod marriage_flow;
mod meals;
mod robustness;
mod rules;
mod staff;
mod timebank;
mod two_instances;
mod web;
