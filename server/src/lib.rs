//! The civil-affairs back end and the web server around the Leptos app.
//!
//! `build_app` makes the whole router from an [`AppState`]; `main` and the integration tests
//! both use it, so the tests exercise exactly what production serves.

pub mod admission;
pub mod assets;
pub mod calendar_files;
pub mod clock;
pub mod config;
pub mod csp;
pub mod db;
pub mod demo;
pub mod desks;
pub mod files;
pub mod http_errors;
pub mod jobs;
pub mod nul_guard;
pub mod payment_batch;
pub mod record_pdf;
pub mod registry;
pub mod services;
pub mod sms;
pub mod telemetry;

use anyhow::Context;
use app::{
    appointments::peak::PeakDays,
    desk::Platform,
    rules::{calendar::WorkCalendar, clock::Clock},
    shell,
    web::ClientAddr,
    App,
};
use axum::{
    extract::{ConnectInfo, FromRef, Request, State},
    middleware::{self, Next},
    response::{IntoResponse, Response},
    routing::get,
    Json, Router,
};
use config::{AdminAction, Config};
use http::{header, HeaderValue, StatusCode};
use leptos::prelude::*;
use leptos_axum::{generate_route_list, AxumRouteListing, LeptosRoutes};
use registry::{Registry, Setup};
use sms::{DevSms, SmsGateway};
use std::{
    net::SocketAddr,
    sync::{Arc, OnceLock},
};
use tower_http::{
    catch_panic::CatchPanicLayer,
    compression::{predicate::Predicate, CompressionLayer, DefaultPredicate},
    limit::RequestBodyLimitLayer,
    set_header::SetResponseHeaderLayer,
    trace::TraceLayer,
};

pub use db::Db;

/// Everything a request needs.
#[derive(Clone, FromRef)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    /// What the services registered: the desks every request gets, due work, routes.
    #[from_ref(skip)]
    pub registry: Registry,
    #[from_ref(skip)]
    pub platform: Platform,
    pub db: Db,
    #[from_ref(skip)]
    pub trust_proxy: bool,
    #[from_ref(skip)]
    pub max_body_bytes: usize,
    #[from_ref(skip)]
    pub upload_body_bytes: usize,
    /// Longest a request may take before it is answered 503 (`REQUEST_TIMEOUT_SECS`).
    #[from_ref(skip)]
    pub request_timeout: std::time::Duration,
    /// Set only in development with `CLOCK_CONTROL`: the clock `POST /dev/clock` sets.
    #[from_ref(skip)]
    pub clock_control: Option<Arc<clock::RunningClock>>,
}

/// The parts a state is built from; tests swap the clock, the SMS gateway and the calendar.
pub struct Parts {
    pub db: Db,
    pub clock: Arc<dyn Clock>,
    pub sms: Arc<dyn SmsGateway>,
    /// The working-day calendar the offices open by and legal periods are counted with.
    pub calendar: Arc<WorkCalendar>,
    /// The peak days whose places open at a set instant.
    pub peak_days: Arc<PeakDays>,
}

impl Parts {
    /// What every service is built from.
    pub fn setup(&self, config: &Config) -> Setup {
        Setup {
            db: self.db.clone(),
            clock: self.clock.clone(),
            sms: self.sms.clone(),
            calendar: self.calendar.clone(),
            peak_days: self.peak_days.clone(),
            config: Arc::new(config.clone()),
        }
    }
}

impl AppState {
    pub fn new(config: &Config, parts: Parts) -> Self {
        let registry = services::install_all(&parts.setup(config));
        let platform = Platform {
            clock: parts.clock.clone(),
            dev_mode: config.dev_mode(),
            secure_cookies: config.secure_cookies,
        };
        let leptos_options = LeptosOptions::builder()
            .output_name("mz")
            .site_root(config.site_root.as_str())
            .site_pkg_dir("pkg")
            .site_addr(config.bind_addr)
            .build();
        Self {
            leptos_options,
            registry,
            platform,
            db: parts.db,
            trust_proxy: config.trust_proxy,
            max_body_bytes: config.max_body_bytes,
            upload_body_bytes: config.upload_max_bytes + 64 * 1024,
            request_timeout: std::time::Duration::from_secs(config.request_timeout_secs),
            clock_control: None,
        }
    }
}

/// The app's routes, generated once per process. Leptos generates the list by rendering the
/// app with every resource load suppressed through one process-wide flag, so generating it
/// again while another router serves (the integration tests build one router per test) would
/// leave that router's pages waiting for ever on resources that never load.
fn route_list() -> Vec<AxumRouteListing> {
    static ROUTES: OnceLock<Vec<AxumRouteListing>> = OnceLock::new();
    ROUTES.get_or_init(|| generate_route_list(App)).clone()
}

/// The whole web app: pages, server functions, static files, health check.
pub fn build_app(state: AppState) -> Router {
    let routes = route_list();
    let (registry, platform) = (state.registry.clone(), state.platform.clone());
    let site = assets::SiteFiles::new(&state.leptos_options.site_root);
    let asset_root = assets::asset_root(&state.leptos_options.site_root);
    let context = move || {
        provide_context(platform.clone());
        registry.provide_all();
        provide_context(app::AssetRoot(asset_root.clone()));
        csp::provide_request_nonce();
    };
    let options = state.leptos_options.clone();
    let max_body = state.max_body_bytes;
    let limits = http_errors::Limits {
        max_body_bytes: max_body,
        upload_body_bytes: state.upload_body_bytes,
        timeout: state.request_timeout,
    };
    let trust_proxy = state.trust_proxy;
    let service_routes = state.registry.routes.clone();
    let mut router = Router::new();
    if let Some(clock) = state.clock_control.clone() {
        router = router.route(
            "/dev/clock",
            axum::routing::post(move |axum::Form(f): axum::Form<SetClock>| async move {
                match chrono::DateTime::parse_from_rfc3339(&f.at) {
                    Ok(at) => {
                        clock.set(at.to_utc());
                        StatusCode::NO_CONTENT
                    }
                    Err(_) => StatusCode::BAD_REQUEST,
                }
            }),
        );
    }
    let mut router: Router = router
        .route("/healthz", get(healthz))
        .leptos_routes_with_context(&state, routes, context.clone(), move || {
            shell(options.clone())
        })
        // The build's own assets, at addresses that name the build (cached for good).
        .route(
            "/v/{build}/pkg/{*path}",
            get({
                let site = site.clone();
                move |req: Request| async move { site.versioned(req).await }
            }),
        )
        // Any other file of the site (revalidated), else the app's 404 page.
        .fallback({
            let not_found =
                leptos_axum::file_and_error_handler_with_context::<AppState, _>(context, shell);
            move |State(state): State<AppState>, req: Request| async move {
                match site.unversioned(req).await {
                    Ok(file) => file,
                    Err(req) => not_found(req.uri().clone(), State(state), req).await,
                }
            }
        })
        .with_state(state);
    // Each service's plain routes (calendar files), behind the same layers as the pages.
    for r in service_routes {
        router = router.merge(r);
    }
    router
        .layer(middleware::from_fn(http_errors::api_status))
        .layer(middleware::from_fn(move |req, next| {
            client_addr(trust_proxy, req, next)
        }))
        .layer(middleware::from_fn(nul_guard::refuse_nul))
        .layer(RequestBodyLimitLayer::new(
            max_body.max(limits.upload_body_bytes),
        ))
        // Reads the body (413 over the limit, chunked or not; 408 if it does not come in
        // time), then gives the request what is left of its time (503 after).
        .layer(middleware::from_fn(move |req, next| {
            http_errors::body_and_time_limits(limits, req, next)
        }))
        // Outside every layer that may answer with a page, so each page gets its policy.
        .layer(middleware::from_fn(csp::content_security_policy))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::REFERRER_POLICY,
            HeaderValue::from_static("same-origin"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_FRAME_OPTIONS,
            HeaderValue::from_static("DENY"),
        ))
        // Pages and server-function answers; the site's files were compressed at build time.
        .layer(
            CompressionLayer::new()
                .compress_when(DefaultPredicate::new().and(assets::not_a_site_file)),
        )
        .layer(CatchPanicLayer::custom(http_errors::panic_response))
        .layer(TraceLayer::new_for_http())
}

#[derive(serde::Deserialize)]
struct SetClock {
    at: String,
}

/// Decides the caller's address once, for the per-address limits.
async fn client_addr(trust_proxy: bool, mut req: Request, next: Next) -> Response {
    let forwarded = trust_proxy
        .then(|| {
            req.headers()
                .get("x-forwarded-for")
                .and_then(|v| v.to_str().ok())
        })
        .flatten()
        .and_then(|v| v.split(',').next())
        .map(|s| s.trim().to_owned());
    let peer = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip().to_string());
    let addr = forwarded.or(peer).unwrap_or_else(|| "unknown".into());
    req.extensions_mut().insert(ClientAddr(addr));
    next.run(req).await
}

/// `/healthz`: 200 when the database answers, 503 when it does not.
async fn healthz(State(db): State<Db>) -> impl IntoResponse {
    match sqlx::query_scalar::<_, i64>("SELECT 1")
        .fetch_one(db.pool())
        .await
    {
        Ok(_) => (StatusCode::OK, Json(serde_json::json!({ "status": "ok" }))),
        Err(e) => {
            tracing::error!(error = %e, "health check: database unavailable");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(serde_json::json!({ "status": "database unavailable" })),
            )
        }
    }
}

/// The clock, and the handle `/dev/clock` moves (when `CLOCK_CONTROL` is on in development).
type ClockAndControl = (Arc<dyn Clock>, Option<Arc<clock::RunningClock>>);

/// The clock, and the handle `/dev/clock` moves when `CLOCK_CONTROL` is on in development.
fn make_clock(config: &Config) -> anyhow::Result<ClockAndControl> {
    Ok(match &config.clock_start {
        Some(s) => {
            let start = chrono::DateTime::parse_from_rfc3339(s)
                .context("CLOCK_START must be RFC 3339")?
                .to_utc();
            let running = Arc::new(clock::RunningClock::new(start));
            let control = (config.clock_control && config.dev_mode()).then(|| running.clone());
            (running, control)
        }
        None => (Arc::new(clock::SystemClock), None),
    })
}

/// Serves until Ctrl-C or SIGTERM, then finishes the requests in flight.
pub async fn run(config: Config) -> anyhow::Result<()> {
    println!("民政一件事 starting with:\n{config}");
    let db = db::connect(&config.database_url).await?;
    let (clock, clock_control) = make_clock(&config)?;
    let parts = Parts {
        db,
        clock,
        sms: Arc::new(DevSms::default()),
        calendar: Arc::new(WorkCalendar::china()),
        peak_days: Arc::new(PeakDays::shipped()),
    };
    if config.demo_data {
        let setup = parts.setup(&config);
        demo::load(&desks::staff::staff_desk(&setup)).await?;
        demo::publish_demo_slots(&setup).await?;
        desks::meals::load_demo(&setup, demo::CANTEEN).await?;
        desks::timebank::load_demo(&setup, demo::ORGANISATION, demo::ORGANISATION_2).await?;
    }
    let mut state = AppState::new(&config, parts);
    state.clock_control = clock_control;
    // Work a server does once at start (a new holiday notice may move open deadlines).
    for work in &state.registry.start_work {
        match work.run().await {
            Ok(r) if r.total() > 0 => {
                tracing::info!(work = work.name(), report = %r, "start work done")
            }
            Ok(_) => {}
            Err(e) => tracing::error!(work = work.name(), error = ?e, "start work failed"),
        }
    }
    let jobs = jobs::spawn(
        state.registry.due_work.clone(),
        std::time::Duration::from_secs(30),
    );
    let app = build_app(state);
    let listener = tokio::net::TcpListener::bind(config.bind_addr)
        .await
        .with_context(|| format!("Failed to listen on {}", config.bind_addr))?;
    println!("Listening on http://{}", listener.local_addr()?);
    axum::serve(
        no_delay(listener),
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown_signal())
    .await?;
    jobs.abort();
    println!("Stopped.");
    Ok(())
}

/// The listener with Nagle's algorithm off on every connection it accepts. With it on, a file
/// answer written as two small writes (its head, then its body) waited for the client's
/// delayed acknowledgement, 40 ms on Linux, before the second: a few hundred small files a
/// second on a connection pool instead of thousands, and 40 ms more for each of the small
/// WASM chunks a lazily loaded page fetches.
pub fn no_delay(
    listener: tokio::net::TcpListener,
) -> axum::serve::TapIo<tokio::net::TcpListener, fn(&mut tokio::net::TcpStream)> {
    use axum::serve::ListenerExt;
    fn set_nodelay(tcp: &mut tokio::net::TcpStream) {
        if let Err(e) = tcp.set_nodelay(true) {
            tracing::debug!(error = %e, "TCP_NODELAY not set");
        }
    }
    listener.tap_io(set_nodelay as fn(&mut tokio::net::TcpStream))
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
    tracing::info!("shutting down: finishing requests in flight");
}

/// `server admin …`
pub async fn admin(config: Config, action: AdminAction) -> anyhow::Result<()> {
    let db = db::connect(&config.database_url).await?;
    let (clock, _) = make_clock(&config)?;
    let parts = Parts {
        db,
        clock,
        sms: Arc::new(DevSms::default()),
        calendar: Arc::new(WorkCalendar::china()),
        peak_days: Arc::new(PeakDays::shipped()),
    };
    let staff = desks::staff::staff_desk(&parts.setup(&config));
    match action {
        AdminAction::Create {
            username,
            display_name,
            password,
        } => {
            demo::ensure_bureau(&staff).await?;
            let created =
                demo::create_admin(&staff, &username, &display_name, password.expose()).await?;
            println!("Administrator {} created.", created.username);
        }
    }
    Ok(())
}
