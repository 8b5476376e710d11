//! Time-bank ledger figures (issue 14): ledger commands per second through the full HTTP stack
//! (a donation of one minute: idempotency claim, guarded debit, credit, two entries), and the
//! latency of 100 concurrent spends from one account whose balance covers 50 — exactly 50 must
//! apply. On SQLite, and on PostgreSQL beside it when `MZ_BENCH_POSTGRES` names a cluster
//! (`scripts/bench.sh` starts a throw-away one). Writes `bench/ledger.md`.
//!
//! Run with `scripts/bench.sh` (`cargo bench -p server --bench ledger`).

use chrono::{DateTime, Utc};
use clap::Parser;
use reqwest::{header, redirect::Policy, Client};
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
    net::SocketAddr,
    process::ExitCode,
    sync::{
        atomic::{AtomicUsize, Ordering},
        Arc,
    },
    time::{Duration, Instant},
};

const COMMANDS: usize = 500;
const WORKERS: usize = 16;
const BURST: usize = 100;
const BURST_COVERS: i64 = 50;
const ORG: &str = demo::ORGANISATION;

fn t0() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-11-23T02:00:00Z")
        .expect("an instant")
        .to_utc()
}

struct Served {
    addr: SocketAddr,
    db: Db,
    sms: Arc<DevSms>,
}

async fn serve(url: String) -> Served {
    let mut config = Cli::parse_from(["server"]).config;
    config.database_url = url;
    config.app_env = AppEnv::Development;
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
    server::desks::timebank::load_demo(&setup, demo::ORGANISATION, demo::ORGANISATION_2)
        .await
        .expect("demo time bank");
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
    }
}

/// Calls a server function as the hydrated app does; (status, body, session cookie if set).
async fn call(
    http: &Client,
    addr: SocketAddr,
    cookie: Option<&str>,
    endpoint: &str,
    form: &[(&str, &str)],
) -> (u16, String, Option<String>) {
    let mut req = http
        .post(format!("http://{addr}/api/{endpoint}"))
        .header(header::ACCEPT, "application/json")
        .form(form);
    if let Some(c) = cookie {
        req = req.header(header::COOKIE, c);
    }
    let res = req.send().await.expect("an answer");
    let status = res.status().as_u16();
    let set: Vec<String> = res
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter_map(|v| v.split(';').next())
        .map(str::to_owned)
        .collect();
    let body = res.text().await.expect("a body");
    let cookie = set.into_iter().find(|c| {
        c.split_once('=')
            .is_some_and(|(k, v)| (k == "mz_session" || k == "mz_signin") && !v.is_empty())
    });
    (status, body, cookie)
}

/// A signed-in, real-name-bound resident; their session cookie and id.
async fn resident(s: &Served, http: &Client, i: usize) -> (String, String) {
    let phone = format!("1370{i:07}");
    let (_, _, challenge) = call(
        http,
        s.addr,
        None,
        "account/request_code",
        &[("phone", &phone), ("next", "/")],
    )
    .await;
    let code = s.sms.last_code(&phone).expect("a code");
    let (_, _, session) = call(
        http,
        s.addr,
        challenge.as_deref(),
        "account/verify_code",
        &[("code", &code), ("next", "/")],
    )
    .await;
    let session = session.expect("a session");
    let body17 = format!("330203199001{:02}{:03}", 1 + i / 1000, i % 1000);
    let check = app::rules::id_number::check_character(&body17).expect("17 digits");
    let (status, body, _) = call(
        http,
        s.addr,
        Some(&session),
        "account/bind_real_name",
        &[
            ("name", "王小明"),
            ("id_number", &format!("{body17}{check}")),
            ("next", "/"),
        ],
    )
    .await;
    assert!(status < 400, "bind: {status} {body}");
    let id: String = sqlx::query_scalar("SELECT id FROM residents WHERE phone = $1")
        .bind(&phone)
        .fetch_one(s.db.pool())
        .await
        .expect("the resident");
    (session, id)
}

/// Banks `minutes` for `resident` as one verified issuance, written the way the desk writes it.
async fn seed(db: &Db, resident: &str, minutes: i64) {
    let tx = server::desks::new_id();
    sqlx::query("INSERT INTO tb_transactions (id, kind, reason, actor, org_id, created_at, seq) VALUES ($1, 'verified', 'bench', 'bench', $2, 0, 0)")
        .bind(&tx)
        .bind(ORG)
        .execute(db.pool())
        .await
        .expect("a transaction");
    for (id, kind, owner, amount) in [
        (format!("issuer:{ORG}"), "issuer", ORG.to_owned(), -minutes),
        (
            format!("resident:{resident}"),
            "resident",
            resident.to_owned(),
            minutes,
        ),
    ] {
        sqlx::query("INSERT INTO tb_accounts (id, kind, owner) VALUES ($1, $2, $3) ON CONFLICT (id) DO NOTHING")
            .bind(&id)
            .bind(kind)
            .bind(&owner)
            .execute(db.pool())
            .await
            .expect("an account");
        let (balance, version): (i64, i64) = sqlx::query_as(
            "UPDATE tb_accounts SET balance = balance + $1, version = version + 1 WHERE id = $2 RETURNING balance, version",
        )
        .bind(amount)
        .bind(&id)
        .fetch_one(db.pool())
        .await
        .expect("a balance");
        sqlx::query("INSERT INTO tb_entries (tx_id, account_id, amount, balance_after, version) VALUES ($1, $2, $3, $4, $5)")
            .bind(&tx)
            .bind(&id)
            .bind(amount)
            .bind(balance)
            .bind(version)
            .execute(db.pool())
            .await
            .expect("an entry");
    }
}

async fn balance(db: &Db, resident: &str) -> i64 {
    sqlx::query_scalar("SELECT balance FROM tb_accounts WHERE id = $1")
        .bind(format!("resident:{resident}"))
        .fetch_one(db.pool())
        .await
        .expect("a balance")
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

struct Figures {
    engine: &'static str,
    per_second: f64,
    burst_applied: usize,
    p50: Duration,
    p99: Duration,
    max: Duration,
}

async fn run(engine: &'static str, url: String) -> Result<Figures, String> {
    let s = serve(url).await;
    let http = Client::builder()
        .redirect(Policy::none())
        .build()
        .expect("a client");
    // Throughput: donations of one minute from 16 residents at once, each with its own key.
    let mut people = vec![];
    for i in 0..WORKERS {
        let (cookie, id) = resident(&s, &http, i).await;
        seed(&s.db, &id, COMMANDS as i64).await;
        people.push((cookie, id));
    }
    let people = Arc::new(people);
    let next = Arc::new(AtomicUsize::new(0));
    let start = Instant::now();
    let tasks: Vec<_> = (0..WORKERS)
        .map(|w| {
            let (http, people, next, addr) = (http.clone(), people.clone(), next.clone(), s.addr);
            tokio::spawn(async move {
                let mut failed = 0;
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= COMMANDS {
                        break failed;
                    }
                    let key = format!("t-{i}");
                    let (status, _, _) = call(
                        &http,
                        addr,
                        Some(&people[w].0),
                        "timebank/donate",
                        &[("org", ORG), ("donation_hours", "0.02"), ("idem_key", &key)],
                    )
                    .await;
                    if status != 200 {
                        failed += 1;
                    }
                }
            })
        })
        .collect();
    let mut failed = 0;
    for t in tasks {
        failed += t.await.expect("a worker");
    }
    let elapsed = start.elapsed();
    if failed > 0 {
        return Err(format!("{engine}: {failed} donations failed"));
    }
    // 0.02 h is one minute (rounded down from 1.2): each of the 500 moved one minute.
    let moved: i64 = {
        let mut sum = 0;
        for (_, id) in people.iter() {
            sum += COMMANDS as i64 - balance(&s.db, id).await;
        }
        sum
    };
    if moved != COMMANDS as i64 {
        return Err(format!(
            "{engine}: {moved} minutes moved for {COMMANDS} donations"
        ));
    }
    // The burst: 100 spends of one minute at once from an account holding 50.
    let (cookie, id) = resident(&s, &http, 900).await;
    seed(&s.db, &id, BURST_COVERS).await;
    let burst: Vec<_> = (0..BURST)
        .map(|i| {
            let (http, cookie, addr) = (http.clone(), cookie.clone(), s.addr);
            tokio::spawn(async move {
                let key = format!("b-{i}");
                let t = Instant::now();
                let (status, body, _) = call(
                    &http,
                    addr,
                    Some(&cookie),
                    "timebank/donate",
                    &[("org", ORG), ("donation_hours", "0.02"), ("idem_key", &key)],
                )
                .await;
                (t.elapsed(), status, body)
            })
        })
        .collect();
    let mut times = vec![];
    let mut applied = 0;
    for b in burst {
        let (t, status, body) = b.await.expect("a spend");
        match status {
            200 => applied += 1,
            422 if body.contains("Insufficient") => {}
            _ => return Err(format!("{engine}: a spend answered {status} {body}")),
        }
        times.push(t);
    }
    times.sort();
    if applied != BURST_COVERS as usize || balance(&s.db, &id).await != 0 {
        return Err(format!(
            "{engine}: {applied} spends applied from a balance of {BURST_COVERS}"
        ));
    }
    Ok(Figures {
        engine,
        per_second: COMMANDS as f64 / elapsed.as_secs_f64(),
        burst_applied: applied,
        p50: percentile(&times, 50.0),
        p99: percentile(&times, 99.0),
        max: *times.last().expect("times"),
    })
}

async fn pg_url(admin: &str) -> String {
    use sqlx::{Connection, Executor};
    let name = format!("mz_bench_{}", server::desks::new_id());
    let mut conn = sqlx::PgConnection::connect(admin)
        .await
        .expect("MZ_BENCH_POSTGRES: a cluster");
    conn.execute(&*format!("CREATE DATABASE {name}"))
        .await
        .expect("a database");
    let base = admin.rsplit_once('/').map(|(b, _)| b).unwrap_or(admin);
    format!("{base}/{name}")
}

fn main() -> ExitCode {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a runtime");
    let dir = std::env::temp_dir().join(format!("mz-ledger-bench-{}", server::desks::new_id()));
    let mut engines = vec![("SQLite", format!("sqlite://{}/mz.db", dir.display()))];
    if let Ok(admin) = std::env::var("MZ_BENCH_POSTGRES") {
        engines.push(("PostgreSQL", rt.block_on(pg_url(&admin))));
    }
    let mut rows = vec![];
    for (engine, url) in engines {
        match rt.block_on(run(engine, url)) {
            Ok(f) => rows.push(f),
            Err(e) => {
                eprintln!("ledger bench: {e}");
                return ExitCode::FAILURE;
            }
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    let mut md = String::new();
    let _ = writeln!(
        md,
        "# Time-bank ledger figures\n\nMeasured with `scripts/bench.sh` (`cargo bench -p server --bench ledger`) on {} (2 cores). \
         A command is a donation of one minute through HTTP (session, idempotency claim, guarded debit and credit, two entries, one transaction), \
         {COMMANDS} of them from {WORKERS} residents at once; the burst is {BURST} spends at once from one account whose balance covers {BURST_COVERS}.\n",
        Utc::now().format("%Y-%m-%d")
    );
    let _ = writeln!(
        md,
        "| engine | ledger commands/s (HTTP) | burst: applied | p50 | p99 | max |"
    );
    let _ = writeln!(md, "|---|---|---|---|---|---|");
    for f in &rows {
        let _ = writeln!(
            md,
            "| {} | {:.0} | {} of {BURST} | {:.1} ms | {:.1} ms | {:.1} ms |",
            f.engine,
            f.per_second,
            f.burst_applied,
            f.p50.as_secs_f64() * 1e3,
            f.p99.as_secs_f64() * 1e3,
            f.max.as_secs_f64() * 1e3
        );
    }
    print!("{md}");
    let out = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../bench/ledger.md");
    if let Err(e) = std::fs::write(&out, md) {
        eprintln!("ledger bench: {}: {e}", out.display());
    }
    ExitCode::SUCCESS
}
