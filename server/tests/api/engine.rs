//! Which database engine the integration tests run on, and a fresh database per test on it.
//!
//! SQLite by default: a new file under the temporary folder per test. With
//! `MZ_TEST_POSTGRES=postgres://user@host:port/db` (an admin connection, e.g. what
//! `scripts/pg.sh start` exports), each test gets a new PostgreSQL database `mz_t_<random>`
//! created through that connection; `db::connect` then migrates it as a server would.
//!
//! [`TestApp::second_instance`] starts another server (its own state, router, port and SMS
//! gateway, the same clock) on the database of a running one, as a second machine behind a
//! load balancer would be.

use crate::helpers::{serve, test_config, TestApp};
use app::{
    appointments::peak::PeakDays,
    rules::{calendar::WorkCalendar, clock::Clock},
};
use server::{
    config::Config,
    db,
    sms::{DevSms, SmsGateway},
    AppState, Parts,
};
use sqlx::{Connection, Executor};
use std::sync::Arc;

/// The environment variable that selects PostgreSQL (its value: the admin URL).
pub const POSTGRES_VAR: &str = "MZ_TEST_POSTGRES";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

/// The engine this run tests.
pub fn engine() -> Engine {
    if postgres_admin_url().is_some() {
        Engine::Postgres
    } else {
        Engine::Sqlite
    }
}

pub fn is_postgres() -> bool {
    engine() == Engine::Postgres
}

fn postgres_admin_url() -> Option<String> {
    std::env::var(POSTGRES_VAR)
        .ok()
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
}

/// The URL of a new, empty database for one test on the selected engine.
pub async fn fresh_database_url() -> String {
    let name = format!("mz_t_{}", server::desks::new_id());
    match postgres_admin_url() {
        None => {
            let dir = std::env::temp_dir().join(format!("mz-test-{}", &name[5..]));
            format!("sqlite://{}/mz.db", dir.display())
        }
        Some(admin) => {
            let mut conn = sqlx::PgConnection::connect(&admin)
                .await
                .unwrap_or_else(|e| panic!("{POSTGRES_VAR}: cannot connect to {admin}: {e}"));
            // Concurrent CREATE DATABASE from one template can meet "source database is being
            // accessed by other users" while another creation copies it; try again then.
            let mut tries = 0;
            loop {
                match conn.execute(&*format!("CREATE DATABASE {name}")).await {
                    Ok(_) => break,
                    Err(e) if tries < 20 => {
                        tries += 1;
                        eprintln!("CREATE DATABASE {name}: {e}; again");
                        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                    }
                    Err(e) => panic!("CREATE DATABASE {name}: {e}"),
                }
            }
            let _ = conn.close().await;
            with_database(&admin, &name)
        }
    }
}

/// `url` with its database (the path) replaced by `name`, query string kept.
fn with_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let after_scheme = base.find("://").map(|i| i + 3).unwrap_or(0);
    let authority_end = base[after_scheme..]
        .find('/')
        .map(|i| after_scheme + i)
        .unwrap_or(base.len());
    let mut out = format!("{}/{name}", &base[..authority_end]);
    if let Some(q) = query {
        out.push('?');
        out.push_str(q);
    }
    out
}

/// The URL of the database `pool` is connected to (the file on SQLite, the database on
/// PostgreSQL), so that another server can open the same one.
pub async fn database_url_of(pool: &server::Db) -> String {
    match postgres_admin_url() {
        None => {
            let file: String =
                sqlx::query_scalar("SELECT file FROM pragma_database_list WHERE name = 'main'")
                    .fetch_one(pool.pool())
                    .await
                    .expect("the SQLite file");
            format!("sqlite://{file}")
        }
        Some(admin) => {
            let name: String = sqlx::query_scalar("SELECT CAST(current_database() AS TEXT)")
                .fetch_one(pool.pool())
                .await
                .expect("the database name");
            with_database(&admin, &name)
        }
    }
}

impl TestApp {
    /// Another server on this one's database: its own pool, state, router, port and SMS
    /// gateway, sharing only the clock (two machines agree on the time). In development mode,
    /// `tweak` as for `spawn_app_with`.
    #[allow(dead_code)] // for tests that need no tweak
    pub async fn second_instance(&self) -> TestApp {
        self.second_instance_with(|_| {}).await
    }

    pub async fn second_instance_with(&self, tweak: impl FnOnce(&mut Config)) -> TestApp {
        let mut config = test_config();
        config.database_url = database_url_of(&self.db).await;
        config.app_env = server::config::AppEnv::Development;
        tweak(&mut config);
        let db = db::connect(&config.database_url).await.expect("database");
        let sms = Arc::new(DevSms::default());
        let clock: Arc<dyn Clock> = self.clock.clone();
        let sms_dyn: Arc<dyn SmsGateway> = sms.clone();
        let parts = Parts {
            db: db.clone(),
            clock,
            sms: sms_dyn,
            calendar: Arc::new(WorkCalendar::china()),
            peak_days: Arc::new(PeakDays::shipped()),
        };
        let setup = parts.setup(&config);
        let state = AppState::new(&config, parts);
        serve(crate::helpers::TestState {
            state,
            clock: self.clock.clone(),
            sms,
            db,
            setup,
        })
        .await
    }
}

#[test]
fn database_names_replace_the_path_only() {
    assert_eq!(
        with_database("postgres://u@127.0.0.1:5/postgres", "mz_t_1"),
        "postgres://u@127.0.0.1:5/mz_t_1"
    );
    assert_eq!(
        with_database("postgres://u@h:5/postgres?sslmode=disable", "x"),
        "postgres://u@h:5/x?sslmode=disable"
    );
    assert_eq!(with_database("postgres://u@h:5", "x"), "postgres://u@h:5/x");
}
