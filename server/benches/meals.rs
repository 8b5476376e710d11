//! Elder-meal ordering figures (issue 13): orders per second through the full HTTP stack for one
//! canteen's lunch on one day, and the latency of an order when 500 elders are released at the
//! same instant for a dish with fewer portions — exactly that many must be placed and every other
//! attempt told `SoldOut`. On SQLite, and on PostgreSQL beside it when `MZ_BENCH_POSTGRES` names a
//! cluster (`scripts/bench.sh` starts a throw-away one with `scripts/pg.sh`).
//!
//! Run with `scripts/bench.sh` (`cargo bench -p server --bench meals`). The results are printed
//! as a Markdown table and written to `bench/meals.md`. The run exits non-zero if a dish is ever
//! oversold or an order fails in a way it should not. `RUST_LOG` sets the server's log (warnings).
//!
//! As in the booking bench, the server runs the real router (`build_app`) on its own two-thread
//! runtime and the load generator on another; on a two-core machine they still share the cores.

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

/// Elders signed in (not timed); each orders once in the throughput phase and once in the burst.
const ELDERS: usize = 500;
/// Orders in flight at once in the throughput phase.
const CONCURRENCY: usize = 16;
/// The burst's dish: fewer portions than elders racing for it.
const BURST_PORTIONS: i64 = 100;

const CANTEEN: &str = demo::CANTEEN;
/// The throughput phase's lunch (Tuesday) and the burst's (Wednesday): both still open at t0,
/// the demo canteen's lunch closing at 09:30 on its own day.
const LUNCH_DAY: &str = "2026-11-24";
const BURST_DAY: &str = "2026-11-25";

/// 2026-11-23 10:00 in Shanghai, a Monday.
fn t0() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-11-23T02:00:00Z")
        .expect("a valid instant")
        .to_utc()
}

/// The server side: the real app on a random port.
struct Served {
    addr: SocketAddr,
    db: Db,
    sms: Arc<DevSms>,
    dir: Option<PathBuf>,
}

/// Where a run's database is.
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
            let dir =
                std::env::temp_dir().join(format!("mz-meals-bench-{}", server::desks::new_id()));
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
    // Every elder signs in from 127.0.0.1: lift the per-address limits as the tests do.
    config.otp_per_address_per_hour = 1_000_000;
    config.verify_per_address_per_hour = 1_000_000;
    let pool = db::connect(&config.database_url).await.expect("database");
    let sms = Arc::new(DevSms::default());
    let sms_dyn: Arc<dyn SmsGateway> = sms.clone();
    let parts = Parts {
        db: pool.clone(),
        clock: Arc::new(ManualClock::new(t0())),
        sms: sms_dyn,
        calendar: Arc::new(app::rules::calendar::WorkCalendar::china()),
        peak_days: Arc::new(app::appointments::peak::PeakDays::shipped()),
    };
    let setup = parts.setup(&config);
    demo::load(&server::desks::staff::staff_desk(&setup))
        .await
        .expect("demo data");
    server::desks::meals::load_demo(&setup, CANTEEN)
        .await
        .expect("the demo canteen");
    let router = build_app(AppState::new(&config, parts));
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

/// A plain HTTP client that carries cookies by hand, so one connection pool serves every elder.
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
    /// Placed: the server function answers with the order page to go to.
    fn ok(&self) -> bool {
        self.status.is_success() || self.status.is_redirection()
    }

    fn sold_out(&self) -> bool {
        self.status.is_client_error() && self.body.contains("SoldOut")
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

/// Elder `i`'s ID number: born in the 1940s (76 to 86 at t0), so the age subsidy applies.
fn elder_id_number(i: usize) -> String {
    let body17 = format!(
        "330203194{}{:02}{:02}{:03}",
        i % 10,
        1 + i % 12,
        1 + i % 28,
        i % 1000
    );
    let check = app::rules::id_number::check_character(&body17).expect("17 digits");
    format!("{body17}{check}")
}

/// A signed-in elder with a bound real name: their session cookie.
async fn sign_in(http: &Http, sms: &DevSms, i: usize) -> (usize, String) {
    let number = format!("1380{i:07}");
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
    let bound = http
        .call(
            Some(&cookie),
            "account/bind_real_name",
            &[
                ("name", "张桂英"),
                ("id_number", &elder_id_number(i)),
                ("next", "/"),
            ],
        )
        .await;
    assert!(bound.ok(), "bind {i}: {} {}", bound.status, bound.body);
    (i, cookie)
}

/// 下单 as the order form posts it: the elder orders for themself, one dish, dine-in.
async fn order(http: &Http, cookie: &str, day: &str, item: &str, key: &str) -> Answer {
    http.call(
        Some(cookie),
        "meals/order",
        &[
            ("elder", ""),
            ("canteen", CANTEEN),
            ("day", day),
            ("meal", "lunch"),
            ("items[0]", item),
            ("mode", "dine_in"),
            ("idem_key", key),
        ],
    )
    .await
}

/// Puts a dish on a day's lunch menu, as the canteen's menu form does (not timed).
async fn add_dish(db: Db, day: &'static str, portions: i64) -> String {
    let id = server::desks::new_id();
    sqlx::query(
        "INSERT INTO menu_items (id, canteen_id, day, meal, name_zh, name_en, price_fen, portions, taken, labels, allergens, created_at) \
         VALUES ($1, $2, $3, 'lunch', '测试套餐 红烧鸡腿 青菜 米饭', 'Bench set: braised chicken leg, greens, rice', 1500, $4, 0, 'soft', '', $5)",
    )
    .bind(&id)
    .bind(CANTEEN)
    .bind(day)
    .bind(portions)
    .bind(t0().timestamp())
    .execute(db.pool())
    .await
    .expect("a dish");
    id
}

/// Seats the day's lunch for `places` (the demo canteen seats 120 a day: the throughput phase
/// needs one place per elder), as the first order would with the canteen's own figure.
async fn set_places(db: Db, day: &'static str, places: i64) {
    sqlx::query(
        "INSERT INTO meal_sittings (canteen_id, day, meal, capacity, taken) VALUES ($1, $2, 'lunch', $3, 0)",
    )
    .bind(CANTEEN)
    .bind(day)
    .bind(places)
    .execute(db.pool())
    .await
    .expect("the sitting");
}

/// What the database says after a phase: the dish's `taken`, the day's placed orders, their
/// order lines for the dish, the sitting's `taken` and the subsidy uses booked.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
struct Counts {
    taken: i64,
    orders: i64,
    lines: i64,
    seated: i64,
    subsidised: i64,
}

async fn counts(db: Db, day: &'static str, item: String) -> Counts {
    let one = |sql: &'static str, bind: String| {
        let db = db.clone();
        async move {
            sqlx::query_scalar::<_, i64>(sql)
                .bind(bind)
                .fetch_one(db.pool())
                .await
                .expect("a count")
        }
    };
    Counts {
        taken: one("SELECT taken FROM menu_items WHERE id = $1", item.clone()).await,
        orders: one(
            "SELECT COUNT(*) FROM meal_orders WHERE day = $1 AND meal = 'lunch' AND status = 'placed'",
            day.into(),
        )
        .await,
        lines: one(
            "SELECT COUNT(*) FROM meal_order_items WHERE item_id = $1",
            item,
        )
        .await,
        seated: one(
            "SELECT taken FROM meal_sittings WHERE day = $1 AND meal = 'lunch'",
            day.into(),
        )
        .await,
        subsidised: one(
            "SELECT COUNT(*) FROM meal_subsidy_uses WHERE day = $1 AND meal = 'lunch'",
            day.into(),
        )
        .await,
    }
}

/// Checks a phase's database against `placed` orders; the problem found, if any.
fn check(phase: &str, placed: usize, c: Counts) -> Option<String> {
    let n = placed as i64;
    let want = Counts {
        taken: n,
        orders: n,
        lines: n,
        seated: n,
        subsidised: n,
    };
    (c != want).then(|| format!("{phase}: {placed} answered placed, but the database has {c:?}"))
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
    /// How busy the CPUs were with other work just before the run (it skews the figures).
    busy_before: String,
    setup: Duration,
    placed: usize,
    failed: Vec<String>,
    wall: Duration,
    lat: Vec<Duration>,
    lunch: Counts,
    burst_placed: usize,
    burst_sold_out: usize,
    burst_other: Vec<String>,
    burst_wall: Duration,
    burst_lat: Vec<Duration>,
    burst: Counts,
    problems: Vec<String>,
}

fn main() -> ExitCode {
    // `cargo bench` passes `--bench`; `cargo test --all-targets` runs this binary without it, and a
    // debug build of a benchmark measures nothing useful, so it stops there.
    if !std::env::args().any(|a| a == "--bench") {
        eprintln!("meals: a benchmark; run it with `scripts/bench.sh` (cargo bench)");
        return ExitCode::SUCCESS;
    }
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
    let out = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the workspace folder")
        .join("bench")
        .join("meals.md");
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
    let db = served.db.clone();
    let mut problems = vec![];
    let busy_before = cpu_busy(Duration::from_secs(1))
        .await
        .map_or_else(|| "unknown".into(), |p| format!("{p:.0} %"));

    // ---- Setup (not timed): elders with a bound real name, the two lunches' dishes.
    eprintln!("setup: signing in {ELDERS} elders over HTTP…");
    let setup_start = Instant::now();
    let (_, mut elders) = {
        let (http, sms) = (http.clone(), served.sms.clone());
        run_workers(8, ELDERS, move |i| {
            let (http, sms) = (http.clone(), sms.clone());
            async move { sign_in(&http, &sms, i).await }
        })
        .await
    };
    elders.sort_by_key(|e| e.0);
    let elders: Arc<Vec<String>> = Arc::new(elders.into_iter().map(|e| e.1).collect());
    let setup = setup_start.elapsed();
    on_server(&server, set_places(db.clone(), LUNCH_DAY, ELDERS as i64)).await;
    let lunch_dish = on_server(&server, add_dish(db.clone(), LUNCH_DAY, ELDERS as i64)).await;
    let burst_dish = on_server(&server, add_dish(db.clone(), BURST_DAY, BURST_PORTIONS)).await;

    // ---- 1. Orders per second through the full HTTP stack: every elder orders the lunch.
    eprintln!("phase 1: {ELDERS} orders over HTTP, {CONCURRENCY} in flight…");
    let (wall, results) = {
        let (http, elders, dish) = (http.clone(), elders.clone(), Arc::new(lunch_dish.clone()));
        run_workers(CONCURRENCY, ELDERS, move |i| {
            let (http, elders, dish) = (http.clone(), elders.clone(), dish.clone());
            async move {
                let start = Instant::now();
                let a = order(&http, &elders[i], LUNCH_DAY, &dish, &format!("lunch-{i}")).await;
                (a.ok(), format!("{} {}", a.status, a.body), start.elapsed())
            }
        })
        .await
    };
    let placed = results.iter().filter(|r| r.0).count();
    let failed: Vec<String> = results
        .iter()
        .filter(|r| !r.0)
        .map(|r| r.1.clone())
        .collect();
    let mut lat: Vec<Duration> = results.iter().map(|r| r.2).collect();
    lat.sort();
    let lunch = on_server(&server, counts(db.clone(), LUNCH_DAY, lunch_dish)).await;
    if placed != ELDERS {
        problems.push(format!(
            "throughput: {placed} of {ELDERS} placed; first failures: {:?}",
            failed.iter().take(3).collect::<Vec<_>>()
        ));
    }
    problems.extend(check("throughput", placed, lunch));

    // ---- 2. The burst: every elder released at once for a dish of BURST_PORTIONS portions.
    // Each phone has the menu open, so its connection is already there: open them first.
    eprintln!("phase 2: {ELDERS} orders at once for {BURST_PORTIONS} portions…");
    let warm: Vec<_> = (0..ELDERS)
        .map(|_| {
            let http = http.clone();
            tokio::spawn(async move { http.healthz().await })
        })
        .collect();
    for w in warm {
        let _ = w.await;
    }
    let barrier = Arc::new(tokio::sync::Barrier::new(ELDERS));
    let dish = Arc::new(burst_dish.clone());
    let tasks: Vec<_> = (0..ELDERS)
        .map(|i| {
            let (http, barrier, dish, elders) =
                (http.clone(), barrier.clone(), dish.clone(), elders.clone());
            tokio::spawn(async move {
                barrier.wait().await;
                let start = Instant::now();
                let a = order(&http, &elders[i], BURST_DAY, &dish, &format!("burst-{i}")).await;
                (a, start, Instant::now())
            })
        })
        .collect();
    let mut burst = vec![];
    for t in tasks {
        burst.push(t.await.expect("a burst task"));
    }
    let first = burst.iter().map(|b| b.1).min().expect("attempts");
    let last = burst.iter().map(|b| b.2).max().expect("attempts");
    let mut burst_lat: Vec<Duration> = burst.iter().map(|b| b.2 - b.1).collect();
    burst_lat.sort();
    let burst_placed = burst.iter().filter(|b| b.0.ok()).count();
    let burst_sold_out = burst.iter().filter(|b| b.0.sold_out()).count();
    let burst_other: Vec<String> = burst
        .iter()
        .filter(|b| !b.0.ok() && !b.0.sold_out())
        .map(|b| format!("{} {}", b.0.status, b.0.body))
        .collect();
    let burst_counts = on_server(&server, counts(db.clone(), BURST_DAY, burst_dish)).await;
    if burst_placed as i64 != BURST_PORTIONS {
        problems.push(format!(
            "burst: {burst_placed} placed for {BURST_PORTIONS} portions"
        ));
    }
    if burst_counts.taken > BURST_PORTIONS {
        problems.push(format!(
            "burst: OVERSOLD, taken = {} of {BURST_PORTIONS} portions",
            burst_counts.taken
        ));
    }
    problems.extend(check("burst", burst_placed, burst_counts));
    if !burst_other.is_empty() {
        problems.push(format!(
            "burst: {} answers neither placed nor SoldOut, e.g. {:?}",
            burst_other.len(),
            burst_other.first()
        ));
    }

    Figures {
        busy_before,
        setup,
        placed,
        failed,
        wall,
        lat,
        lunch,
        burst_placed,
        burst_sold_out,
        burst_other,
        burst_wall: last - first,
        burst_lat,
        burst: burst_counts,
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
    let mut s = String::new();
    let _ = writeln!(s, "# Elder-meal ordering figures (issue 13)\n");
    let _ =
        writeln!(
        s,
        "Measured {} on {}, commit `{commit}`{}, with `scripts/bench.sh` (`cargo bench -p server \
         --bench meals`, the optimised release profile; PostgreSQL on a throw-away cluster from \
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
        "Each engine: a fresh database configured by `db::connect` as the app runs it, with the \
         demo canteen (`canteen-ximen`: lunch ordered until 09:30 the same day), the clock at \
         Monday 2026-11-23 10:00 Shanghai. Server: the real router over real HTTP on 127.0.0.1, \
         on its own 2-thread Tokio runtime; the load generator (reqwest, keep-alive) on another. \
         Setup (not timed): {ELDERS} elders signed in over HTTP with a bound real name, born in \
         the 1940s (76 to 86: every order runs the age-subsidy quote and books a subsidy use); one \
         bench dish (15 元) on Tuesday's lunch with {ELDERS} portions and the lunch seated for \
         {ELDERS} (the demo seats 120), one on Wednesday's with {BURST_PORTIONS} portions (the \
         demo's 120 places).\n"
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
            "**orders/s through the full HTTP stack** (one canteen's lunch, {ELDERS} elders, {CONCURRENCY} in flight)"
        ),
        &|f| {
            format!(
                "**{:.0} /s** ({} placed, {} failed)",
                rate(f.placed, f.wall),
                f.placed,
                f.failed.len()
            )
        },
    );
    row(
        &mut s,
        format!("latency of one order at {CONCURRENCY} in flight: p50 / p99"),
        &|f| {
            format!(
                "{} / {}",
                ms(percentile(&f.lat, 50.0)),
                ms(percentile(&f.lat, 99.0))
            )
        },
    );
    row(
        &mut s,
        "after it: dish `taken` / orders placed / seated / subsidy uses".into(),
        &|f| {
            format!(
                "{} / {} / {} / {}",
                f.lunch.taken, f.lunch.orders, f.lunch.seated, f.lunch.subsidised
            )
        },
    );
    row(
        &mut s,
        format!("burst: {ELDERS} elders at once for {BURST_PORTIONS} portions"),
        &|f| {
            format!(
                "{} placed, {} told `SoldOut`, {} other; `taken` = {}, orders = {}",
                f.burst_placed,
                f.burst_sold_out,
                f.burst_other.len(),
                f.burst.taken,
                f.burst.orders
            )
        },
    );
    row(
        &mut s,
        "**burst latency per attempt: p50 / p99** / max".into(),
        &|f| {
            format!(
                "{} / **{}** / {}",
                ms(percentile(&f.burst_lat, 50.0)),
                ms(percentile(&f.burst_lat, 99.0)),
                ms(f.burst_lat.last().copied().unwrap_or_default())
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
                rate(ELDERS, f.burst_wall)
            )
        },
    );
    row(
        &mut s,
        "setup: elders signed in (not timed in any figure)".into(),
        &|f| format!("{:.1} s", f.setup.as_secs_f64()),
    );
    for (n, f) in runs {
        let verdict = if f.problems.is_empty() {
            "all checks passed (every lunch order placed; the burst's dish holds exactly its portions, never more; the database agrees with every answer)".to_owned()
        } else {
            format!("**FAILED**: {}", f.problems.join("; "))
        };
        let _ = writeln!(s, "\n{n}: {verdict}.");
    }
    let _ = writeln!(
        s,
        "\n## What each figure measures\n\n\
         - **Orders/s through the full HTTP stack**: wall time for {ELDERS} `POST /api/meals/order` calls \
           (form body, session cookie, an idempotency key each), {CONCURRENCY} in flight at a time, every \
           elder ordering the bench dish for Tuesday's lunch for themself, dine-in; only placed orders count. \
           Each goes through the middleware, Leptos' server-function decoding, the session lookup and the \
           desk's one write transaction: the idempotency claim, the elder's lock, the cut-off, the guarded \
           `UPDATE menu_items SET taken = taken + 1 WHERE … AND taken < portions` and the same on the sitting's \
           places, the subsidy quote from the policy file, the order with its reference and pick-up code, its \
           line, the subsidy use and the 我的办件 entry.\n\
         - **Latency of one order**: the same calls, each from send to answer, nearest-rank.\n\
         - **After it**: read from the database once the phase is over; the run fails unless all four equal \
           the orders answered placed.\n\
         - **Burst**: the same {ELDERS} elders (connections already open) released by one barrier at the same \
           instant, each ordering Wednesday's lunch dish with {BURST_PORTIONS} portions; latency per attempt, \
           placed and refused together, nearest-rank. The run fails unless exactly {BURST_PORTIONS} are placed, \
           every other attempt is told `SoldOut`, and the dish's `taken`, the day's orders, their lines, the \
           sitting and the subsidy uses all say {BURST_PORTIONS} (an oversold dish is named as such)."
    );
    s
}
