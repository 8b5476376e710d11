//! `spawn_app`: a fresh database, a hand-moved clock and a development SMS gateway per test,
//! served on a random port.

use app::{
    appointments::peak::PeakDays,
    rules::{calendar::WorkCalendar, clock::Clock},
};
use chrono::{DateTime, Duration, Utc};
use clap::Parser;
use reqwest::{header, redirect::Policy, Client, Response};
use server::{
    build_app,
    clock::ManualClock,
    config::{Cli, Config},
    db, demo,
    jobs::DueReport,
    registry::{Registry, Setup},
    sms::{DevSms, SmsGateway},
    AppState, Parts,
};
use std::{net::SocketAddr, sync::Arc};

pub struct TestApp {
    pub addr: SocketAddr,
    pub clock: Arc<ManualClock>,
    pub sms: Arc<DevSms>,
    pub db: server::Db,
    /// What the services registered (their due work and start work, as the server runs them).
    pub registry: Registry,
    /// What the services were built from (to build a second server on the same database).
    pub setup: Setup,
}

/// 2026-11-23 10:00 in Shanghai.
pub fn t0() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-11-23T02:00:00Z")
        .unwrap()
        .to_utc()
}

pub fn test_config() -> Config {
    let mut config = Cli::parse_from(["server"]).config;
    // Each test's documents in a folder of its own.
    config.files_dir = std::env::temp_dir()
        .join(format!("mz-test-files-{}", server::desks::new_id()))
        .to_string_lossy()
        .into_owned();
    config
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

pub async fn spawn_app_with(tweak: impl FnOnce(&mut Config)) -> TestApp {
    serve(test_state(tweak).await).await
}

/// Serves a test state on a random port.
pub async fn serve(test: TestState) -> TestApp {
    let TestState {
        state,
        clock,
        sms,
        db,
        setup,
    } = test;
    let registry = state.registry.clone();
    let router = build_app(state);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        axum::serve(
            listener,
            router.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .await
        .unwrap();
    });
    TestApp {
        addr,
        clock,
        sms,
        db,
        registry,
        setup,
    }
}

/// What a test app is built from: its state, and the handles on its clock, SMS gateway and
/// database that tests use.
pub struct TestState {
    pub state: AppState,
    pub clock: Arc<ManualClock>,
    pub sms: Arc<DevSms>,
    pub db: server::Db,
    pub setup: Setup,
}

/// A fresh database (migrated, with the demo units and staff), a hand-moved clock at [`t0`]
/// and a development SMS gateway, in development mode unless `tweak` says otherwise.
pub async fn test_state(tweak: impl FnOnce(&mut Config)) -> TestState {
    test_state_on(WorkCalendar::china(), tweak).await
}

/// [`test_state`] with another working-day calendar.
pub async fn test_state_on(calendar: WorkCalendar, tweak: impl FnOnce(&mut Config)) -> TestState {
    let mut config = test_config();
    config.database_url = crate::engine::fresh_database_url().await;
    config.app_env = server::config::AppEnv::Development;
    tweak(&mut config);
    let db = db::connect(&config.database_url).await.expect("database");
    let clock = Arc::new(ManualClock::new(t0()));
    let sms = Arc::new(DevSms::default());
    let dyn_clock: Arc<dyn Clock> = clock.clone();
    let sms_dyn: Arc<dyn SmsGateway> = sms.clone();
    let parts = Parts {
        db: db.clone(),
        clock: dyn_clock,
        sms: sms_dyn,
        calendar: Arc::new(calendar),
        peak_days: Arc::new(PeakDays::shipped()),
    };
    let setup = parts.setup(&config);
    demo::load(&server::desks::staff::staff_desk(&setup))
        .await
        .expect("demo data");
    server::desks::meals::load_demo(&setup, demo::CANTEEN)
        .await
        .expect("demo canteen");
    server::desks::timebank::load_demo(&setup, demo::ORGANISATION, demo::ORGANISATION_2)
        .await
        .expect("demo time bank");
    let state = AppState::new(&config, parts);
    TestState {
        state,
        clock,
        sms,
        db,
        setup,
    }
}

/// A client that keeps cookies and does not follow redirects. A request that gets no answer
/// fails after 30 s with its URL, instead of holding the whole suite until CI gives up.
pub fn new_client() -> Client {
    Client::builder()
        .cookie_store(true)
        .redirect(Policy::none())
        .timeout(std::time::Duration::from_secs(30))
        .build()
        .unwrap()
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    /// Calls a server function as the hydrated app does (form-encoded body, JSON back). A
    /// success that navigates answers 200 with a `serverfnredirect` header and a `Location`.
    pub async fn call(&self, client: &Client, endpoint: &str, form: &[(&str, &str)]) -> Response {
        client
            .post(self.url(&format!("/api/{endpoint}")))
            .header(header::ACCEPT, "application/json")
            .form(form)
            .send()
            .await
            .unwrap()
    }

    /// Posts a form as a browser without JavaScript does (Accept: text/html, with a Referer).
    pub async fn post_page_form(
        &self,
        client: &Client,
        endpoint: &str,
        from: &str,
        form: &[(&str, &str)],
    ) -> Response {
        client
            .post(self.url(&format!("/api/{endpoint}")))
            .header(header::ACCEPT, "text/html,application/xhtml+xml")
            .header(header::REFERER, self.url(from))
            .form(form)
            .send()
            .await
            .unwrap()
    }

    /// Loads a page as a browser does (asking for HTML).
    pub async fn get(&self, client: &Client, path: &str) -> Response {
        client
            .get(self.url(path))
            .header(header::ACCEPT, "text/html")
            .send()
            .await
            .unwrap()
    }

    pub fn advance(&self, by: Duration) {
        self.clock.advance(by);
    }

    /// Runs the due work a service registered (as the server's background job does) once.
    pub async fn due(&self, name: &str) -> DueReport {
        due_of(&self.registry, name).await
    }

    /// The registry of a second server started on the same database, clock and SMS gateway
    /// (a restart, or another instance), optionally with another calendar.
    pub fn second_server(&self, calendar: Option<WorkCalendar>) -> Registry {
        let mut setup = self.setup.clone();
        if let Some(c) = calendar {
            setup.calendar = Arc::new(c);
        }
        server::services::install_all(&setup)
    }

    /// Asks for a code for `phone` and returns it as the SMS gateway saw it.
    pub async fn request_code(&self, client: &Client, phone: &str) -> String {
        let res = self
            .call(
                client,
                "account/request_code",
                &[("phone", phone), ("next", "/")],
            )
            .await;
        assert!(
            res.status().is_redirection() || res.status().is_success(),
            "request_code: {}",
            res.status()
        );
        let digits: String = phone.chars().filter(char::is_ascii_digit).collect();
        self.sms.last_code(&digits).expect("a code was sent")
    }

    /// Like `request_code`, after waiting out the resend delay.
    pub async fn request_code_after_wait(&self, client: &Client, phone: &str) -> String {
        self.advance(Duration::seconds(61));
        self.request_code(client, phone).await
    }

    /// Signs a resident in on `client` and returns nothing; the client now holds the session cookie.
    pub async fn sign_in(&self, client: &Client, phone: &str) {
        let code = self.request_code(client, phone).await;
        let res = self
            .call(
                client,
                "account/verify_code",
                &[("code", &code), ("next", "/")],
            )
            .await;
        assert!(
            res.status().is_redirection() || res.status().is_success(),
            "verify_code: {}",
            res.status()
        );
    }

    /// Signs a staff member in on `client`.
    pub async fn staff_sign_in(&self, client: &Client, username: &str) {
        let res = self
            .call(
                client,
                "staff/sign_in",
                &[
                    ("username", username),
                    ("password", demo::DEMO_PASSWORD),
                    ("next", "/staff"),
                ],
            )
            .await;
        assert!(
            res.status().is_redirection() || res.status().is_success(),
            "staff sign-in: {}",
            res.status()
        );
    }
}

/// Runs the due work `name` of a registry once.
pub async fn due_of(registry: &Registry, name: &str) -> DueReport {
    let work = registry
        .due_work
        .iter()
        .find(|w| w.name() == name)
        .unwrap_or_else(|| panic!("no due work {name}"));
    work.run().await.expect("due work")
}

/// Runs the start work `name` of a registry once.
pub async fn start_of(registry: &Registry, name: &str) -> DueReport {
    let work = registry
        .start_work
        .iter()
        .find(|w| w.name() == name)
        .unwrap_or_else(|| panic!("no start work {name}"));
    work.run().await.expect("start work")
}

/// The JSON of an `AppError` response.
/// The JSON of a successful answer (the test fails with the answer's status and text otherwise).
pub async fn json(res: Response) -> serde_json::Value {
    let status = res.status();
    let text = res.text().await.unwrap();
    assert!(status.is_success(), "{status}: {text}");
    serde_json::from_str(&text).unwrap()
}

pub async fn error_json(res: Response) -> serde_json::Value {
    let text = res.text().await.unwrap();
    serde_json::from_str(&text).unwrap_or_else(|_| panic!("not an AppError: {text}"))
}

// ---------------------------------------------------------------------------------------------
// Fixtures every service's tests share: residents, slots, bookings.
// ---------------------------------------------------------------------------------------------

pub const OFFICE: &str = "office-haishu";

/// An app whose per-address limits are lifted (every test resident signs in from 127.0.0.1).
pub async fn marriage_app() -> TestApp {
    spawn_app_with(|c| {
        c.otp_per_address_per_hour = 100_000;
        c.verify_per_address_per_hour = 100_000;
    })
    .await
}

/// Publishes a marriage slot directly, as the clerk's tools will.
pub async fn add_slot(
    app: &TestApp,
    day: &str,
    starts: &str,
    capacity: i64,
    ceremonies: i64,
) -> String {
    add_counter_slot(app, "marriage", day, starts, capacity, ceremonies).await
}

/// Publishes a slot at one of the office's counters (marriage, divorce, counselling).
pub async fn add_counter_slot(
    app: &TestApp,
    counter: &str,
    day: &str,
    starts: &str,
    capacity: i64,
    ceremonies: i64,
) -> String {
    let id = server::desks::new_id();
    sqlx::query(
        "INSERT INTO slots (id, office_id, counter, day, starts, ends, capacity, booked, ceremony_capacity, ceremony_booked) \
         VALUES ($1, $2, $3, $4, $5, '12:00', $6, 0, $7, 0)",
    )
    .bind(&id)
    .bind(OFFICE)
    .bind(counter)
    .bind(day)
    .bind(starts)
    .bind(capacity)
    .bind(ceremonies)
    .execute(app.db.pool())
    .await
    .unwrap();
    id
}

pub async fn booked(app: &TestApp, slot: &str) -> (i64, i64) {
    let row: (i64, i64) = sqlx::query_as("SELECT booked, ceremony_booked FROM slots WHERE id = $1")
        .bind(slot)
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    row
}

/// A signed-in, real-name-bound resident number `n` (born 1990, a man when `n` is odd).
pub async fn resident(app: &TestApp, n: u32) -> (Client, String) {
    let c = new_client();
    app.sign_in(&c, &format!("1370{n:07}")).await;
    let id = id_number(&format!("33020319900101{n:03}"));
    let res = app
        .call(
            &c,
            "account/bind_real_name",
            &[("name", "王小明"), ("id_number", &id), ("next", "/")],
        )
        .await;
    assert!(res.status().is_success(), "bind {n}: {}", res.status());
    (c, id)
}

/// The partner of `partner(n)`: signs in with the number the applicant entered and binds the
/// name and ID number the applicant typed (or `name` when testing a mismatch).
pub async fn partner_signs_in(app: &TestApp, n: u32, name: &str) -> Client {
    let c = new_client();
    app.sign_in(&c, "13900001111").await;
    let res = app
        .call(
            &c,
            "account/bind_real_name",
            &[("name", name), ("id_number", &partner(n)), ("next", "/")],
        )
        .await;
    assert!(res.status().is_success(), "partner binds: {}", res.status());
    c
}

/// A partner's ID number `n` (born 1992), distinct from every resident's.
pub fn partner(n: u32) -> String {
    id_number(&format!("33020319920202{n:03}"))
}

pub async fn book(
    app: &TestApp,
    c: &Client,
    slot: &str,
    partner_id: &str,
    key: &str,
) -> reqwest::Response {
    app.call(
        c,
        "marriage/book",
        &[
            ("slot_id", slot),
            ("partner_name", "李小红"),
            ("partner_id_number", partner_id),
            ("partner_phone", "13900001111"),
            ("idempotency_key", key),
        ],
    )
    .await
}

/// A valid resident ID number with the given 17-character body (the check character is computed).
pub fn id_number(body17: &str) -> String {
    let check = app::rules::id_number::check_character(body17).expect("17 digits");
    format!("{body17}{check}")
}

/// A `SELECT COUNT(*) …` over the app's database.
pub async fn count(app: &TestApp, sql: &str) -> i64 {
    sqlx::query_scalar(sql)
        .fetch_one(app.db.pool())
        .await
        .unwrap()
}
