//! `spawn_app`: a fresh database, a hand-moved clock and a development SMS gateway per test,
//! served on a random port.

use app::rules::{calendar::WorkCalendar, clock::Clock};
use chrono::{DateTime, Duration, Utc};
use clap::Parser;
use reqwest::{header, redirect::Policy, Client, Response};
use server::{
    build_app,
    clock::ManualClock,
    config::{Cli, Config},
    db, demo,
    sms::{DevSms, SmsGateway},
    staff_desk, AppState, Parts,
};
use std::{net::SocketAddr, sync::Arc};

pub struct TestApp {
    pub addr: SocketAddr,
    pub clock: Arc<ManualClock>,
    pub sms: Arc<DevSms>,
    pub db: server::Db,
    /// The back end the server functions call (for the sweep the background job runs).
    pub backend: app::desk::Backend,
}

/// 2026-11-23 10:00 in Shanghai.
pub fn t0() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-11-23T02:00:00Z")
        .unwrap()
        .to_utc()
}

pub fn test_config() -> Config {
    Cli::parse_from(["server"]).config
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
    } = test;
    let backend = state.backend.clone();
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
        backend,
    }
}

/// What a test app is built from: its state, and the handles on its clock, SMS gateway and
/// database that tests use.
pub struct TestState {
    pub state: AppState,
    pub clock: Arc<ManualClock>,
    pub sms: Arc<DevSms>,
    pub db: server::Db,
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
    demo::load(&staff_desk(&db, &dyn_clock))
        .await
        .expect("demo data");
    let sms_dyn: Arc<dyn SmsGateway> = sms.clone();
    let state = AppState::new(
        &config,
        Parts {
            db: db.clone(),
            clock: dyn_clock,
            sms: sms_dyn,
            calendar: Arc::new(calendar),
        },
    );
    TestState {
        state,
        clock,
        sms,
        db,
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

/// The JSON of an `AppError` response.
pub async fn error_json(res: Response) -> serde_json::Value {
    let text = res.text().await.unwrap();
    serde_json::from_str(&text).unwrap_or_else(|_| panic!("not an AppError: {text}"))
}

/// A valid resident ID number with the given 17-character body (the check character is computed).
pub fn id_number(body17: &str) -> String {
    let check = app::rules::id_number::check_character(body17).expect("17 digits");
    format!("{body17}{check}")
}
