//! Marriage booking figures (issues 3 and 10): bookings per second through the full HTTP stack,
//! the rate of the bare guarded `UPDATE` on the same database and their ratio, and the latency
//! of a booking under a burst of 1,000 concurrent attempts for 50 places — on SQLite, and on
//! PostgreSQL beside it when `MZ_BENCH_POSTGRES` names a cluster (`scripts/bench.sh` starts a
//! throw-away one with `scripts/pg.sh`).
//!
//! Run with `scripts/bench.sh` (`cargo bench -p server --bench booking`). The results are printed
//! as a Markdown table and written to `bench/booking.md`. The run exits non-zero if a slot is ever
//! overbooked or a request fails in a way it should not. `BOOKING_BENCH_CONCURRENCY` changes the
//! number of clients in the throughput phases (16); `RUST_LOG` the server's log (warnings).
//!
//! The server runs the real router (`build_app`) on its own two-thread runtime and the load
//! generator on another, so client bookkeeping does not queue inside the server's scheduler; on a
//! two-core machine they still share the cores, as they would on one small box.

use app::{
    account::model::RealName,
    appointments::{
        desk::{AppointmentDesk, BookRequest, PartnerOf},
        peak::PeakDays,
    },
    marriage::model::MARRIAGE,
    rules::{clock::Clock, id_number::IdNumber, phone::Phone},
    web::Sessions,
};
use chrono::{DateTime, Utc};
use clap::Parser;
use reqwest::{header, redirect::Policy, Client, StatusCode};
use server::{
    build_app,
    clock::ManualClock,
    config::{AppEnv, Cli},
    db, demo,
    sms::{DevSms, SmsGateway},
    AppState, Db, Parts,
};
use std::{
    fmt::Write as _,
    future::Future,
    net::SocketAddr,
    path::PathBuf,
    process::ExitCode,
    sync::{
        atomic::{AtomicUsize, Ordering},
        Arc,
    },
    time::{Duration, Instant},
};
use tokio::runtime::{Handle, Runtime};

/// Bookings through HTTP in the throughput phase.
const HTTP_BOOKINGS: usize = 500;
/// Bookings straight into the desk (same transaction, no HTTP), for the breakdown.
const DESK_BOOKINGS: usize = 500;
/// Bare guarded updates (cheap, so more of them for a steady figure).
const BARE_UPDATES: usize = 5_000;
/// Clients (or tasks) working at once in the throughput phases; `BOOKING_BENCH_CONCURRENCY`
/// overrides it for experiments.
const CONCURRENCY: usize = 16;

fn concurrency() -> usize {
    std::env::var("BOOKING_BENCH_CONCURRENCY")
        .ok()
        .and_then(|v| v.parse().ok())
        .filter(|n| *n > 0)
        .unwrap_or(CONCURRENCY)
}
/// Attempts fired at once in the burst, and the places of the slot they race for.
const BURST: usize = 1_000;
const BURST_CAPACITY: i64 = 50;

const OFFICE: &str = demo::OFFICE;

/// 2026-11-23 10:00 in Shanghai, a Monday: 2026-11-24 and 2026-11-25 are inside the window.
fn t0() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-11-23T02:00:00Z")
        .expect("a valid instant")
        .to_utc()
}

/// The server side: the real app on a random port, and handles on what it is made of.
struct Served {
    addr: SocketAddr,
    db: Db,
    sms: Arc<DevSms>,
    desk: Arc<dyn AppointmentDesk>,
    sessions: Arc<dyn Sessions>,
    clock: Arc<dyn Clock>,
    dir: Option<PathBuf>,
}

/// Where a run's database is.
#[derive(Clone)]
enum Engine {
    Sqlite,
    /// The admin URL of a PostgreSQL cluster (a fresh database is created in it).
    Postgres(String),
}

impl Engine {
    fn name(&self) -> &'static str {
        match self {
            Engine::Sqlite => "SQLite",
            Engine::Postgres(_) => "PostgreSQL",
        }
    }
}

async fn database_url(engine: &Engine) -> (String, Option<PathBuf>) {
    match engine {
        Engine::Sqlite => {
            let dir = std::env::temp_dir().join(format!("mz-bench-{}", server::desks::new_id()));
            (format!("sqlite://{}/mz.db", dir.display()), Some(dir))
        }
        Engine::Postgres(admin) => {
            use sqlx::{Connection, Executor};
            let name = format!("mz_bench_{}", server::desks::new_id());
            let mut conn = sqlx::PgConnection::connect(admin)
                .await
                .expect("MZ_BENCH_POSTGRES: a cluster");
            conn.execute(&*format!("CREATE DATABASE {name}"))
                .await
                .expect("a database");
            let base = admin.rsplit_once('/').map(|(b, _)| b).unwrap_or(admin);
            (format!("{base}/{name}"), None)
        }
    }
}

async fn serve(engine: &Engine) -> Served {
    let mut config = Cli::parse_from(["server"]).config;
    let (url, dir) = database_url(engine).await;
    config.database_url = url;
    config.app_env = AppEnv::Development;
    // Every resident signs in from 127.0.0.1: lift the per-address limits as the tests do.
    config.otp_per_address_per_hour = 1_000_000;
    config.verify_per_address_per_hour = 1_000_000;
    let pool = db::connect(&config.database_url).await.expect("database");
    let clock: Arc<dyn Clock> = Arc::new(ManualClock::new(t0()));
    let sms = Arc::new(DevSms::default());
    let sms_dyn: Arc<dyn SmsGateway> = sms.clone();
    let parts = Parts {
        db: pool.clone(),
        clock: clock.clone(),
        sms: sms_dyn,
        calendar: Arc::new(app::rules::calendar::WorkCalendar::china()),
        peak_days: Arc::new(PeakDays::shipped()),
    };
    let setup = parts.setup(&config);
    demo::load(&server::desks::staff::staff_desk(&setup))
        .await
        .expect("demo data");
    let sessions = server::desks::sessions::sessions(&setup);
    let state = AppState::new(&config, parts);
    // The desk as the server functions take it from each request's context.
    let desk = state
        .registry
        .get::<Arc<dyn AppointmentDesk>>()
        .expect("the appointment desk");
    let router = build_app(state);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a port");
    let addr = listener.local_addr().expect("an address");
    tokio::spawn(async move {
        axum::serve(
            listener,
            router.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .await
        .expect("serve");
    });
    Served {
        addr,
        db: pool,
        sms,
        desk,
        sessions,
        clock,
        dir,
    }
}

/// Runs `fut` on the server's runtime (database work belongs to the server side).
async fn on_server<T: Send + 'static>(
    server: &Handle,
    fut: impl Future<Output = T> + Send + 'static,
) -> T {
    server.spawn(fut).await.expect("server task")
}

/// A plain HTTP client that carries cookies by hand, so one connection pool serves every resident.
#[derive(Clone)]
struct Http {
    client: Client,
    base: String,
}

struct Answer {
    status: StatusCode,
    body: String,
    cookies: Vec<(String, String)>,
}

impl Answer {
    fn ok(&self) -> bool {
        self.status.is_success() || self.status.is_redirection()
    }

    fn cookie(&self, name: &str) -> Option<String> {
        self.cookies
            .iter()
            .find(|(n, v)| n == name && !v.is_empty())
            .map(|(n, v)| format!("{n}={v}"))
    }
}

impl Http {
    fn new(addr: SocketAddr) -> Self {
        Self {
            client: Client::builder()
                .redirect(Policy::none())
                .build()
                .expect("an HTTP client"),
            base: format!("http://{addr}"),
        }
    }

    /// Calls a server function as the hydrated app does (form body, JSON back).
    async fn call(&self, cookie: Option<&str>, endpoint: &str, form: &[(&str, &str)]) -> Answer {
        let mut req = self
            .client
            .post(format!("{}/api/{endpoint}", self.base))
            .header(header::ACCEPT, "application/json")
            .form(form);
        if let Some(c) = cookie {
            req = req.header(header::COOKIE, c);
        }
        let res = req.send().await.expect("the server answers");
        let status = res.status();
        let cookies = res
            .headers()
            .get_all(header::SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .filter_map(|v| v.split(';').next())
            .filter_map(|kv| kv.split_once('='))
            .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
            .collect();
        let body = res.text().await.expect("a body");
        Answer {
            status,
            body,
            cookies,
        }
    }

    async fn healthz(&self) -> bool {
        self.client
            .get(format!("{}/healthz", self.base))
            .send()
            .await
            .is_ok_and(|r| r.status().is_success())
    }
}

/// A valid ID number with the given 17-character body.
fn id_number(body17: &str) -> String {
    let check = app::rules::id_number::check_character(body17).expect("17 digits");
    format!("{body17}{check}")
}

/// Resident `i` (born 1990) and the partner of resident `i` (born 1992): all distinct.
fn applicant_id(i: usize) -> String {
    id_number(&format!("330203199001{:02}{:03}", 1 + i / 1000, i % 1000))
}

fn partner_id(i: usize) -> String {
    id_number(&format!("330203199202{:02}{:03}", 1 + i / 1000, i % 1000))
}

fn phone(i: usize) -> String {
    format!("1370{i:07}")
}

/// A signed-in resident with a bound real name.
struct Resident {
    index: usize,
    cookie: String,
}

async fn sign_in(http: &Http, sms: &DevSms, db: &Db, i: usize) -> Resident {
    let number = phone(i);
    let asked = http
        .call(
            None,
            "account/request_code",
            &[("phone", &number), ("next", "/")],
        )
        .await;
    assert!(
        asked.ok(),
        "request_code {i}: {} {}",
        asked.status,
        asked.body
    );
    let challenge = asked.cookie("mz_signin").expect("a sign-in challenge");
    let code = sms.last_code(&number).expect("a code was sent");
    let verified = http
        .call(
            Some(&challenge),
            "account/verify_code",
            &[("code", &code), ("next", "/")],
        )
        .await;
    assert!(verified.ok(), "verify_code {i}: {}", verified.status);
    let cookie = verified.cookie("mz_session").expect("a session");
    let own = applicant_id(i);
    let bound = http
        .call(
            Some(&cookie),
            "account/bind_real_name",
            &[("name", "王小明"), ("id_number", &own), ("next", "/")],
        )
        .await;
    assert!(bound.ok(), "bind {i}: {} {}", bound.status, bound.body);
    let _ = db;
    Resident { index: i, cookie }
}

async fn book(http: &Http, r: &Resident, slot: &str, key: &str) -> Answer {
    http.call(
        Some(&r.cookie),
        "marriage/book",
        &[
            ("slot_id", slot),
            ("partner_name", "李小红"),
            ("partner_id_number", &partner_id(r.index)),
            ("partner_phone", "13900001111"),
            ("idempotency_key", key),
        ],
    )
    .await
}

/// Publishes a slot directly, as the clerk's tools will.
async fn add_slot(db: Db, day: &'static str, starts: &'static str, capacity: i64) -> String {
    let id = server::desks::new_id();
    sqlx::query(
        "INSERT INTO slots (id, office_id, counter, day, starts, ends, capacity, booked, ceremony_capacity, ceremony_booked) \
         VALUES ($1, $2, 'marriage', $3, $4, '12:00', $5, 0, 0, 0)",
    )
    .bind(&id)
    .bind(OFFICE)
    .bind(day)
    .bind(starts)
    .bind(capacity)
    .execute(db.pool())
    .await
    .expect("a slot");
    id
}

async fn slot_counts(db: Db, slot: String) -> (i64, i64) {
    let booked: i64 = sqlx::query_scalar("SELECT booked FROM slots WHERE id = $1")
        .bind(&slot)
        .fetch_one(db.pool())
        .await
        .expect("the slot");
    let rows: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM appointments WHERE slot_id = $1")
        .bind(&slot)
        .fetch_one(db.pool())
        .await
        .expect("the bookings");
    (booked, rows)
}

/// Runs `job(0..n)` on `workers` tasks that each take the next index; returns the wall time and
/// every job's result.
async fn run_workers<T, F, Fut>(workers: usize, n: usize, job: F) -> (Duration, Vec<T>)
where
    T: Send + 'static,
    F: Fn(usize) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = T> + Send,
{
    let next = Arc::new(AtomicUsize::new(0));
    let job = Arc::new(job);
    let start = Instant::now();
    let tasks: Vec<_> = (0..workers)
        .map(|_| {
            let next = next.clone();
            let job = job.clone();
            tokio::spawn(async move {
                let mut out = vec![];
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= n {
                        break out;
                    }
                    out.push(job(i).await);
                }
            })
        })
        .collect();
    let mut all = Vec::with_capacity(n);
    for t in tasks {
        all.extend(t.await.expect("worker"));
    }
    (start.elapsed(), all)
}

/// The nearest-rank percentile of sorted durations.
fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

fn rate(n: usize, d: Duration) -> f64 {
    n as f64 / d.as_secs_f64()
}

struct Figures {
    residents: usize,
    concurrency: usize,
    /// How busy the CPUs were with other work just before the run (it skews the figures).
    busy_before: String,
    setup: Duration,
    http_held: usize,
    http_other: Vec<String>,
    http_wall: Duration,
    http_lat: Vec<Duration>,
    desk_held: usize,
    desk_wall: Duration,
    desk_lat: Vec<Duration>,
    bare_done: usize,
    bare_wall: Duration,
    burst_held: usize,
    burst_full: usize,
    burst_other: Vec<String>,
    burst_wall: Duration,
    burst_lat: Vec<Duration>,
    burst_slot: (i64, i64),
    /// The same burst's size of `GET /healthz` (no session, no database): what the same client,
    /// server and two cores take to answer that many requests released at once.
    floor_lat: Vec<Duration>,
    problems: Vec<String>,
}

fn main() -> ExitCode {
    // `cargo bench` passes `--bench`; `cargo test --all-targets` runs this binary without it, and a
    // debug build of a benchmark measures nothing useful, so it stops there.
    if !std::env::args().any(|a| a == "--bench") {
        eprintln!("booking: a benchmark; run it with `scripts/bench.sh` (cargo bench)");
        return ExitCode::SUCCESS;
    }
    // Warnings and errors only (`RUST_LOG` overrides), so an internal error says what it was.
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
    let mut engines = vec![Engine::Sqlite];
    if let Some(url) = std::env::var("MZ_BENCH_POSTGRES")
        .ok()
        .filter(|u| !u.is_empty())
    {
        engines.push(Engine::Postgres(url));
    }
    let mut runs = vec![];
    for engine in engines {
        eprintln!("== {}", engine.name());
        let server_rt = runtime("server");
        let client_rt = runtime("client");
        let served = server_rt.block_on(serve(&engine));
        let figures = client_rt.block_on(measure(server_rt.handle().clone(), &served));
        drop(client_rt);
        drop(server_rt);
        if let Some(dir) = &served.dir {
            let _ = std::fs::remove_dir_all(dir);
        }
        runs.push((engine.name(), figures));
    }
    let report = report(&runs);
    println!("{report}");
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the workspace folder");
    let out = root.join("bench").join("booking.md");
    let written = std::fs::create_dir_all(out.parent().expect("a folder"))
        .and_then(|()| std::fs::write(&out, &report));
    match written {
        Ok(()) => println!("written to {}", out.display()),
        Err(e) => eprintln!("could not write {}: {e}", out.display()),
    }
    let problems: Vec<String> = runs
        .iter()
        .flat_map(|(name, f)| f.problems.iter().map(move |p| format!("{name}: {p}")))
        .collect();
    if problems.is_empty() {
        ExitCode::SUCCESS
    } else {
        for p in &problems {
            eprintln!("FAILED: {p}");
        }
        ExitCode::FAILURE
    }
}

fn runtime(name: &str) -> Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name(name)
        .enable_all()
        .build()
        .expect("a runtime")
}

async fn measure(server: Handle, served: &Served) -> Figures {
    let http = Http::new(served.addr);
    let mut problems = vec![];
    let concurrency = concurrency();
    let busy_before = cpu_busy(Duration::from_secs(1))
        .await
        .map_or_else(|| "unknown".into(), |p| format!("{p:.0} %"));

    // ---- Setup (not timed in any figure): residents, each with a real name and a partner.
    let residents_needed = HTTP_BOOKINGS + DESK_BOOKINGS + BURST;
    eprintln!("setup: signing in {residents_needed} residents over HTTP…");
    let setup_start = Instant::now();
    let (_, mut residents) = {
        let (http, sms, db) = (http.clone(), served.sms.clone(), served.db.clone());
        run_workers(8, residents_needed, move |i| {
            let (http, sms, db) = (http.clone(), sms.clone(), db.clone());
            async move { sign_in(&http, &sms, &db, i).await }
        })
        .await
    };
    residents.sort_by_key(|r| r.index);
    let setup = setup_start.elapsed();
    let db = served.db.clone();
    let http_slot = on_server(
        &server,
        add_slot(db.clone(), "2026-11-24", "09:00", 1 << 40),
    )
    .await;
    let desk_slot = on_server(
        &server,
        add_slot(db.clone(), "2026-11-24", "10:00", 1 << 40),
    )
    .await;
    let bare_slot = on_server(
        &server,
        add_slot(db.clone(), "2026-11-24", "11:00", 1 << 40),
    )
    .await;
    let burst_slot = on_server(
        &server,
        add_slot(db.clone(), "2026-11-25", "09:00", BURST_CAPACITY),
    )
    .await;
    let mut residents = residents.into_iter();
    let http_people: Arc<Vec<Resident>> =
        Arc::new(residents.by_ref().take(HTTP_BOOKINGS).collect());
    let desk_people: Arc<Vec<Resident>> =
        Arc::new(residents.by_ref().take(DESK_BOOKINGS).collect());
    let burst_people: Vec<Resident> = residents.collect();

    // ---- 1. Bookings per second through the full HTTP stack.
    eprintln!("phase 1: {HTTP_BOOKINGS} bookings over HTTP, {concurrency} clients…");
    let (http_wall, results) = {
        let (http, people, slot) = (
            http.clone(),
            http_people.clone(),
            Arc::new(http_slot.clone()),
        );
        run_workers(concurrency, HTTP_BOOKINGS, move |i| {
            let (http, people, slot) = (http.clone(), people.clone(), slot.clone());
            async move {
                let start = Instant::now();
                let a = book(&http, &people[i], &slot, &format!("tp-{i}")).await;
                (a.status, a.body, start.elapsed())
            }
        })
        .await
    };
    let http_held = results.iter().filter(|r| r.0 == StatusCode::OK).count();
    let http_other: Vec<String> = results
        .iter()
        .filter(|r| r.0 != StatusCode::OK)
        .map(|r| format!("{} {}", r.0, r.1))
        .collect();
    let mut http_lat: Vec<Duration> = results.iter().map(|r| r.2).collect();
    http_lat.sort();
    let (booked, rows) = on_server(&server, slot_counts(db.clone(), http_slot)).await;
    if http_held != HTTP_BOOKINGS || booked != http_held as i64 || rows != booked {
        problems.push(format!(
            "HTTP phase: {http_held} of {HTTP_BOOKINGS} held, slot says {booked}, {rows} rows; first failures: {:?}",
            http_other.iter().take(3).collect::<Vec<_>>()
        ));
    }

    // ---- 2. The same booking transaction, straight into the desk (no HTTP, no session lookup).
    eprintln!("phase 2: {DESK_BOOKINGS} bookings straight into the desk…");
    let (desk_wall, desk_results) = {
        let (desk, clock, people, slot, sessions) = (
            served.desk.clone(),
            served.clock.clone(),
            desk_people.clone(),
            Arc::new(desk_slot.clone()),
            served.sessions.clone(),
        );
        on_server(&server, async move {
            run_workers(concurrency, DESK_BOOKINGS, move |i| {
                let (desk, clock, people, slot, sessions) = (
                    desk.clone(),
                    clock.clone(),
                    people.clone(),
                    slot.clone(),
                    sessions.clone(),
                );
                async move {
                    let r = &people[i];
                    // The principal the sign-in layer makes from the session cookie.
                    let token = r.cookie.trim_start_matches("mz_session=");
                    let who = app::web::resident_from_token(&*sessions, token)
                        .await
                        .expect("the session")
                        .expect("a live session");
                    let request = BookRequest {
                        purpose: MARRIAGE.key,
                        slot_id: slot.to_string(),
                        partner: PartnerOf::Typed {
                            name: RealName::parse("李小红").expect("a name"),
                            id_number: IdNumber::parse(&partner_id(r.index), clock.today())
                                .expect("an ID number"),
                            phone: Phone::parse("13900001111").expect("a phone"),
                        },
                        ceremony: false,
                        partner_at_counter: false,
                        idempotency_key: format!("desk-{i}"),
                    };
                    let start = Instant::now();
                    let outcome = desk.book(&who, request).await.err().map(|e| e.to_string());
                    (outcome, start.elapsed())
                }
            })
            .await
        })
        .await
    };
    let desk_held = desk_results.iter().filter(|r| r.0.is_none()).count();
    let mut desk_lat: Vec<Duration> = desk_results.iter().map(|r| r.1).collect();
    desk_lat.sort();
    if desk_held != DESK_BOOKINGS {
        problems.push(format!(
            "desk phase: {desk_held} of {DESK_BOOKINGS} held; first failures: {:?}",
            desk_results
                .iter()
                .filter_map(|r| r.0.as_deref())
                .take(3)
                .collect::<Vec<_>>()
        ));
    }

    // ---- 3. The bare guarded update, autocommit, same pool and database file.
    eprintln!("phase 3: {BARE_UPDATES} bare guarded updates, {concurrency} tasks…");
    let (bare_wall, bare_results) = {
        let (db, slot) = (db.clone(), Arc::new(bare_slot.clone()));
        on_server(&server, async move {
            run_workers(concurrency, BARE_UPDATES, move |_| {
                let (db, slot) = (db.clone(), slot.clone());
                async move {
                    sqlx::query(
                        "UPDATE slots SET booked = booked + 1 WHERE id = $1 AND booked < capacity",
                    )
                    .bind(slot.as_str())
                    .execute(db.pool())
                    .await
                    .expect("the update")
                    .rows_affected()
                }
            })
            .await
        })
        .await
    };
    let bare_done = bare_results.iter().filter(|n| **n == 1).count();
    let (bare_booked, _) = on_server(&server, slot_counts(db.clone(), bare_slot)).await;
    if bare_done != BARE_UPDATES || bare_booked != BARE_UPDATES as i64 {
        problems.push(format!(
            "bare phase: {bare_done} of {BARE_UPDATES} updates, slot says {bare_booked}"
        ));
    }

    // ---- 4. A burst: every attempt released at once against a slot of BURST_CAPACITY places.
    // Each phone has the booking page open, so its connection is already there: open them first.
    eprintln!("phase 4: {BURST} concurrent attempts at {BURST_CAPACITY} places…");
    let warm: Vec<_> = (0..BURST)
        .map(|_| {
            let http = http.clone();
            tokio::spawn(async move { http.healthz().await })
        })
        .collect();
    for w in warm {
        let _ = w.await;
    }
    // The floor: as many requests that touch nothing, released at once over the same connections.
    let barrier = Arc::new(tokio::sync::Barrier::new(BURST));
    let floor: Vec<_> = (0..BURST)
        .map(|_| {
            let (http, barrier) = (http.clone(), barrier.clone());
            tokio::spawn(async move {
                barrier.wait().await;
                let start = Instant::now();
                http.healthz().await;
                start.elapsed()
            })
        })
        .collect();
    let mut floor_lat = vec![];
    for f in floor {
        floor_lat.push(f.await.expect("a floor task"));
    }
    floor_lat.sort();
    let barrier = Arc::new(tokio::sync::Barrier::new(BURST));
    let slot = Arc::new(burst_slot.clone());
    let tasks: Vec<_> = burst_people
        .into_iter()
        .map(|r| {
            let (http, barrier, slot) = (http.clone(), barrier.clone(), slot.clone());
            tokio::spawn(async move {
                barrier.wait().await;
                let start = Instant::now();
                let a = book(&http, &r, &slot, &format!("burst-{}", r.index)).await;
                (a.status, a.body, start, Instant::now())
            })
        })
        .collect();
    let mut burst = vec![];
    for t in tasks {
        burst.push(t.await.expect("a burst task"));
    }
    let first = burst.iter().map(|b| b.2).min().expect("attempts");
    let last = burst.iter().map(|b| b.3).max().expect("attempts");
    let burst_wall = last - first;
    let mut burst_lat: Vec<Duration> = burst.iter().map(|b| b.3 - b.2).collect();
    burst_lat.sort();
    let burst_held = burst.iter().filter(|b| b.0 == StatusCode::OK).count();
    let burst_full = burst
        .iter()
        .filter(|b| b.0 == StatusCode::UNPROCESSABLE_ENTITY && b.1.contains("SlotFull"))
        .count();
    let burst_other: Vec<String> = burst
        .iter()
        .filter(|b| {
            b.0 != StatusCode::OK
                && !(b.0 == StatusCode::UNPROCESSABLE_ENTITY && b.1.contains("SlotFull"))
        })
        .map(|b| format!("{} {}", b.0, b.1))
        .collect();
    let burst_slot_counts = on_server(&server, slot_counts(db.clone(), burst_slot)).await;
    if burst_held as i64 != BURST_CAPACITY || burst_slot_counts != (BURST_CAPACITY, BURST_CAPACITY)
    {
        problems.push(format!(
            "burst: {burst_held} holds for {BURST_CAPACITY} places; slot booked = {}, booking rows = {}",
            burst_slot_counts.0, burst_slot_counts.1
        ));
    }
    if !burst_other.is_empty() {
        problems.push(format!(
            "burst: {} answers neither a hold nor SlotFull, e.g. {:?}",
            burst_other.len(),
            burst_other.first()
        ));
    }

    Figures {
        residents: residents_needed,
        concurrency,
        busy_before,
        setup,
        http_held,
        http_other,
        http_wall,
        http_lat,
        desk_held,
        desk_wall,
        desk_lat,
        bare_done,
        bare_wall,
        burst_held,
        burst_full,
        burst_other,
        burst_wall,
        burst_lat,
        burst_slot: burst_slot_counts,
        floor_lat,
        problems,
    }
}

fn command_output(cmd: &str, args: &[&str]) -> Option<String> {
    let out = std::process::Command::new(cmd)
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

/// The share of CPU time spent on anything but idling over `over`, from `/proc/stat`.
async fn cpu_busy(over: Duration) -> Option<f64> {
    fn sample() -> Option<(u64, u64)> {
        let stat = std::fs::read_to_string("/proc/stat").ok()?;
        let fields: Vec<u64> = stat
            .lines()
            .next()?
            .split_whitespace()
            .skip(1)
            .filter_map(|v| v.parse().ok())
            .collect();
        let idle = fields.get(3)? + fields.get(4).copied().unwrap_or(0);
        Some((fields.iter().sum(), idle))
    }
    let (total0, idle0) = sample()?;
    tokio::time::sleep(over).await;
    let (total1, idle1) = sample()?;
    let total = total1.checked_sub(total0).filter(|t| *t > 0)?;
    let idle = idle1.saturating_sub(idle0);
    Some(100.0 * (total - idle.min(total)) as f64 / total as f64)
}

fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split_once(':'))
                .map(|(_, v)| v.trim().to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    format!("{cores} cores ({cpu}), {}", std::env::consts::OS)
}

fn report(runs: &[(&str, Figures)]) -> String {
    let commit =
        command_output("git", &["rev-parse", "--short", "HEAD"]).unwrap_or("unknown".into());
    let dirty = command_output("git", &["status", "--porcelain"]).is_some_and(|s| !s.is_empty());
    let c = runs.first().map_or(CONCURRENCY, |(_, f)| f.concurrency);
    let mut s = String::new();
    let _ = writeln!(s, "# Marriage booking figures (issues 3 and 10)\n");
    let _ =
        writeln!(
        s,
        "Measured {} on {}, commit `{commit}`{}, with `scripts/bench.sh` (`cargo bench -p server \
         --bench booking`, the optimised release profile; PostgreSQL on a throw-away cluster from \
         `scripts/pg.sh`, fsync off, on the same two cores). One run per engine; the CPUs were {} \
         busy with other work in the second before each. On this small shared machine the figures \
         move by tens of percent between runs: read them as orders of magnitude and ratios.\n",
        Utc::now().format("%Y-%m-%d %H:%M UTC"),
        machine(),
        if dirty { " plus uncommitted changes" } else { "" },
        runs.iter()
            .map(|(n, f)| format!("{} ({n})", f.busy_before))
            .collect::<Vec<_>>()
            .join(", "),
    );
    let _ = writeln!(
        s,
        "Each engine: a fresh database configured by `db::connect` as the app runs it (SQLite: \
         WAL, `synchronous = NORMAL`, a pool of 8 for reads and one writer connection behind a fair queue; PostgreSQL: a pool \
         of 16). Server: the real router over real HTTP on 127.0.0.1, on its own 2-thread Tokio \
         runtime; the load generator (reqwest, keep-alive) on another. Setup (not timed): {} \
         residents signed in over HTTP with a bound real name, each with their own partner.\n",
        runs.first().map_or(0, |(_, f)| f.residents),
    );
    let mut head = "| figure |".to_owned();
    let mut rule = "|---|".to_owned();
    for (n, _) in runs {
        head.push_str(&format!(" {n} |"));
        rule.push_str("---|");
    }
    let _ = writeln!(s, "{head}\n{rule}");
    let row = |s: &mut String, label: String, cell: &dyn Fn(&Figures) -> String| {
        let mut line = format!("| {label} |");
        for (_, f) in runs {
            line.push_str(&format!(" {} |", cell(f)));
        }
        let _ = writeln!(s, "{line}");
    };
    row(
        &mut s,
        format!(
            "**bookings/s through the full HTTP stack** ({HTTP_BOOKINGS} bookings, {c} clients)"
        ),
        &|f| {
            format!(
                "**{:.0} /s** ({} held, {} failed)",
                rate(f.http_held, f.http_wall),
                f.http_held,
                f.http_other.len()
            )
        },
    );
    row(
        &mut s,
        format!("latency of one booking at {c} clients: p50 / p99"),
        &|f| {
            format!(
                "{} / {}",
                ms(percentile(&f.http_lat, 50.0)),
                ms(percentile(&f.http_lat, 99.0))
            )
        },
    );
    row(
        &mut s,
        format!("bookings/s straight into the desk, no HTTP ({DESK_BOOKINGS})"),
        &|f| {
            format!(
                "{:.0} /s ({} held)",
                rate(f.desk_held, f.desk_wall),
                f.desk_held
            )
        },
    );
    row(
        &mut s,
        "latency of one desk booking: p50 / p99".into(),
        &|f| {
            format!(
                "{} / {}",
                ms(percentile(&f.desk_lat, 50.0)),
                ms(percentile(&f.desk_lat, 99.0))
            )
        },
    );
    row(
        &mut s,
        format!("**bare guarded `UPDATE`/s**, autocommit ({BARE_UPDATES}, {c} tasks)"),
        &|f| format!("**{:.0} /s**", rate(f.bare_done, f.bare_wall)),
    );
    row(
        &mut s,
        "**ratio HTTP booking / bare update** (goal ≥ 0.25)".into(),
        &|f| {
            format!(
                "**{:.3}**",
                rate(f.http_held, f.http_wall) / rate(f.bare_done, f.bare_wall)
            )
        },
    );
    row(&mut s, "ratio HTTP booking / desk booking".into(), &|f| {
        format!(
            "{:.2}",
            rate(f.http_held, f.http_wall) / rate(f.desk_held, f.desk_wall)
        )
    });
    row(
        &mut s,
        format!("burst: {BURST} attempts at once for {BURST_CAPACITY} places"),
        &|f| {
            format!(
                "{} held, {} told `SlotFull`, {} other; `booked` = {}, rows = {}",
                f.burst_held,
                f.burst_full,
                f.burst_other.len(),
                f.burst_slot.0,
                f.burst_slot.1
            )
        },
    );
    row(
        &mut s,
        "**burst latency per attempt: p50 / p99** (goal p99 ≤ 100 ms) / max".into(),
        &|f| {
            format!(
                "**{} / {}** / {}",
                ms(percentile(&f.burst_lat, 50.0)),
                ms(percentile(&f.burst_lat, 99.0)),
                ms(f.burst_lat.last().copied().unwrap_or_default())
            )
        },
    );
    row(
        &mut s,
        format!(
            "floor: {BURST} `GET /healthz` released at once (no session, no database): p50 / p99"
        ),
        &|f| {
            format!(
                "{} / {}",
                ms(percentile(&f.floor_lat, 50.0)),
                ms(percentile(&f.floor_lat, 99.0))
            )
        },
    );
    row(
        &mut s,
        "burst: first request sent to last answer".into(),
        &|f| {
            format!(
                "{} ({:.0} answers/s)",
                ms(f.burst_wall),
                rate(BURST, f.burst_wall)
            )
        },
    );
    row(
        &mut s,
        "setup: residents signed in (not timed in any figure)".into(),
        &|f| format!("{:.1} s", f.setup.as_secs_f64()),
    );
    for (n, f) in runs {
        let verdict = if f.problems.is_empty() {
            "all checks passed (every throughput booking held; the burst slot holds exactly its capacity)".to_owned()
        } else {
            format!("**FAILED**: {}", f.problems.join("; "))
        };
        let _ = writeln!(s, "\n{n}: {verdict}.");
    }
    let _ = writeln!(
        s,
        "\n## What each figure measures\n\n\
         - **Bookings/s through the full HTTP stack**: wall time for {HTTP_BOOKINGS} `POST /api/marriage/book` \
           calls (form body, session cookie), {c} in flight at a time, for one slot with ample places, each \
           from a different resident; only committed holds are counted. Each goes through the middleware, \
           Leptos' server-function decoding, the session lookup and the desk's transaction.\n\
         - **Desk only**: the same `AppointmentDesk::book` with the same pool and transaction, minus HTTP, \
           the session lookup and the form decoding.\n\
         - **Bare guarded update**: `UPDATE slots SET booked = booked + 1 WHERE id = $1 AND booked < capacity`, \
           each its own transaction, {c} at a time: the one statement that decides capacity, alone.\n\
         - **Burst**: {BURST} residents (connections already open) released by one barrier at the same instant \
           for a slot with {BURST_CAPACITY} places; latency per attempt, holds and refusals together, \
           nearest-rank. The run fails unless exactly {BURST_CAPACITY} hold and every other attempt is told `SlotFull`.\n\n\
         ## How the write path holds under a burst (issue 10 §3)\n\n\
         A refusal that can be decided by reading is decided before any write: a repeated idempotency key is \
         answered from the stored outcome, and a slot already full is told `SlotFull` from the slot's row, so \
         an attempt that arrives after the slot has filled never queues for a write. In a burst released at one instant every attempt reads \"places left\" before the first hold commits, so an admission gate per slot (`server/src/admission.rs`) lets no more attempts into the write path than places are left; the others wait there, right after reading the key and the slot (three reads with the session, nothing more), without a connection or the write lock, and are told `SlotFull` together when the last place is taken ({} of the attempts were refused). The floor row is what the same client and server take to answer as many requests that touch nothing, released the same way: on two cores shared by the client and the server the burst cannot end sooner than its requests can be parsed and answered at all. On SQLite every write transaction starts with \
         `BEGIN IMMEDIATE` (it holds the one write lock from its first statement, so a transaction that reads \
         before it writes never fails with \"database is locked\"), and the writers of one server wait on one \
         fair lock, woken in order, instead of SQLite's busy handler that sleeps 1, 2, 5, … 100 ms between \
         tries; they write on a connection of their own, so a hold never waits behind the readers for a \
         connection while it holds the turn. The place itself is still taken by the guarded update inside the transaction, so two attempts \
         that both read \"one place left\" cannot both hold it. On PostgreSQL writers do not queue in the server: \
         the guarded statements and unique keys decide every race.",
        BURST - BURST_CAPACITY as usize
    );
    s
}
