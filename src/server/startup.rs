//! Builds the router and serves it.

use std::{future::Future, net::SocketAddr, process::ExitCode};

use axum::{
    extract::Request,
    http::{header, HeaderValue, Method},
    middleware, Router,
};
use leptos::{config::LeptosOptions, prelude::*};
use leptos_axum::{generate_route_list, LeptosRoutes};
use tokio::net::TcpListener;
use tower::ServiceBuilder;
use tower_http::{
    compression::CompressionLayer,
    request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer},
    services::ServeDir,
    set_header::SetResponseHeaderLayer,
    trace::TraceLayer,
};

use super::{
    auth::middleware::session_layer,
    config::Config,
    db::Db,
    error::server_fn_error_status,
    health,
    messaging::{self, WorkerThread},
    metrics, preload,
    routing::Routes,
    telemetry, AppState,
};
use crate::app::{shell, App};

#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error("configuration: {0}")]
    Config(#[from] super::config::ConfigError),
    #[error("Leptos configuration: {0} (run through cargo leptos, or set the LEPTOS_* variables)")]
    Leptos(String),
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    #[error("migrations: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("demo data: {0}")]
    Demo(crate::domain::AppError),
    #[error("cannot listen: {0}")]
    Io(#[from] std::io::Error),
    #[error("{0}")]
    Worker(String),
}

pub struct Application {
    listener: TcpListener,
    router: Router,
    /// The job queue's worker, when it runs in this process.
    worker: Option<WorkerThread>,
}

impl Application {
    /// Connects to the database (running migrations), starts the worker, and binds the
    /// listener. With port 0 the system picks a free port; see `local_addr`.
    pub async fn build(config: Config, mut leptos_options: LeptosOptions) -> Result<Self, StartupError> {
        if let Some(port) = config.port {
            leptos_options.site_addr.set_port(port);
        }
        let listener = TcpListener::bind(leptos_options.site_addr).await?;
        // Port 0 asks the system for one: from here on the site is where it really listens.
        leptos_options.site_addr = listener.local_addr()?;
        let db = Db::connect(&config).await?;
        super::auth::password::warm_up().await;
        let worker = match config.worker.in_process {
            true => Some(
                WorkerThread::start(config.clone(), leptos_options.clone())
                    .await
                    .map_err(StartupError::Worker)?,
            ),
            false => {
                WorkerThread::prepare(config.clone(), leptos_options.clone())
                    .await
                    .map_err(StartupError::Worker)?;
                None
            }
        };
        let state = AppState::new(config, db, leptos_options);
        state.hub.listen(state.db.pool().clone());
        Ok(Self {
            listener,
            router: router(state),
            worker,
        })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.listener.local_addr().expect("a bound listener has an address")
    }

    /// Serves (and sends messages) until `shutdown` completes; then lets requests and
    /// sends under way finish.
    pub async fn run_until(self, shutdown: impl Future<Output = ()> + Send + 'static) -> std::io::Result<()> {
        let served = axum::serve(
            self.listener,
            self.router.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(shutdown)
        .await;
        if let Some(worker) = self.worker {
            worker.stop().await;
        }
        served
    }
}

/// Every route beside the pages and the server functions.
pub fn routes() -> Routes {
    Routes::new()
        .add(Method::GET, "/health", health::health)
        .add(Method::GET, "/metrics", metrics::metrics)
        .add(Method::GET, "/ws", super::realtime::socket)
        .merge(super::patients::routes::routes())
        .merge(super::billing::routes())
        .merge(super::stock_usage::routes())
        .merge(super::receipts::routes())
        .merge(super::form_submissions::routes())
        .merge(super::portal::routes())
        .merge(super::api::routes())
        .merge(messaging::webhooks::routes())
}

pub fn router(state: AppState) -> Router {
    let options = state.leptos_options.clone();
    let pages = generate_route_list(App);

    // Hashed file names change with their content, so browsers may keep them forever.
    let pkg_dir = format!("{}/{}", options.site_root, options.site_pkg_dir);
    let pkg = ServiceBuilder::new()
        // Only what was found: a 404 must not be remembered for a year.
        .layer(SetResponseHeaderLayer::overriding(
            header::CACHE_CONTROL,
            |response: &axum::http::Response<tower_http::services::fs::ServeFileSystemResponseBody>| {
                response
                    .status()
                    .is_success()
                    .then(|| HeaderValue::from_static("public, max-age=31536000, immutable"))
            },
        ))
        .service(ServeDir::new(pkg_dir).precompressed_br().precompressed_gzip());

    routes()
        .into_router()
        .merge(super::api::unknown())
        .nest_service("/pkg", pkg)
        .leptos_routes_with_context(&state, pages, || (), {
            let options = options.clone();
            move || shell(options.clone())
        })
        .fallback(leptos_axum::file_and_error_handler::<AppState, _>(shell))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            super::api::idempotency::layer,
        ))
        .layer(middleware::from_fn(server_fn_error_status))
        .layer(middleware::from_fn(preload::only_when_scripting))
        .layer(middleware::from_fn_with_state(state.clone(), session_layer))
        .layer(CompressionLayer::new())
        .layer(
            ServiceBuilder::new()
                .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
                .layer(TraceLayer::new_for_http().make_span_with(|req: &Request| {
                    let request_id = req
                        .headers()
                        .get("x-request-id")
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or("-");
                    tracing::info_span!("request", method = %req.method(), path = %req.uri().path(), %request_id)
                }))
                .layer(PropagateRequestIdLayer::x_request_id()),
        )
        .with_state(state)
}

/// The binary's entry point. `careops` serves (and sends messages) until SIGTERM or
/// Ctrl-C; `careops worker` only sends messages, to add workers beside servers started
/// with `WORKER_IN_PROCESS=false`; `careops seed-demo` runs the migrations and loads the
/// demo data.
pub async fn main(command: Option<&str>) -> ExitCode {
    // A local .env is a convenience for development; real deployments set variables.
    let _ = dotenvy::dotenv();
    let outcome = match command {
        None | Some("serve") => serve().await,
        Some("seed-demo") => seed_demo().await,
        Some("worker") => worker().await,
        Some(other) => {
            eprintln!("careops: unknown command {other:?}; use `careops`, `careops worker` or `careops seed-demo`");
            return ExitCode::from(2);
        }
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("careops: {err}");
            tracing::error!(error = %err, "start-up failed");
            ExitCode::FAILURE
        }
    }
}

async fn seed_demo() -> Result<(), StartupError> {
    let config = Config::from_env()?;
    telemetry::init(config.log_format);
    let db = Db::connect(&config).await?;
    let options = LeptosOptions::builder().output_name("careops").build();
    // The demo's bookings queue messages, whose trigger needs the queue's schema: on a
    // new database nothing has migrated it yet.
    WorkerThread::prepare(config.clone(), options.clone())
        .await
        .map_err(StartupError::Worker)?;
    let state = AppState::new(config, db, options);
    match super::demo::seed(&state).await {
        Ok(true) => tracing::info!("demo data loaded"),
        Ok(false) => tracing::info!("demo data already present"),
        Err(err) => return Err(StartupError::Demo(err)),
    }
    Ok(())
}

async fn worker() -> Result<(), StartupError> {
    let config = Config::from_env()?;
    telemetry::init(config.log_format);
    // Migrates, as a server would: a worker may be the first process to start.
    Db::connect(&config).await?.pool().close().await;
    let options = LeptosOptions::builder().output_name("careops").build();
    let worker = WorkerThread::start(config, options)
        .await
        .map_err(StartupError::Worker)?;
    tracing::info!("sending messages");
    worker.run_until(shutdown_signal()).await;
    tracing::info!("worker stopped");
    Ok(())
}

async fn serve() -> Result<(), StartupError> {
    let config = Config::from_env()?;
    telemetry::init(config.log_format);
    let leptos_options = get_configuration(None)
        .map_err(|e| StartupError::Leptos(e.to_string()))?
        .leptos_options;
    let app = Application::build(config, leptos_options).await?;
    tracing::info!("listening on http://{}", app.local_addr());
    app.run_until(shutdown_signal()).await?;
    tracing::info!("shut down");
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}
