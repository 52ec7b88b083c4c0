//! What the benchmarks share: a database of their own, the server on it, the bench clinic's
//! owner signed up, the record of the round trips the app makes to PostgreSQL,
//! percentiles, and a server function call as the browser makes it.

pub mod pgbench;

use std::{
    sync::{
        atomic::{AtomicBool, Ordering},
        Mutex,
    },
    time::Duration,
};

use careops::server::{config::Config, db::TRANSACTIONS, startup::Application};
use leptos::{config::LeptosOptions, server_fn::ServerFn};
use reqwest::header;
use tracing::{field::Field, subscriber::Interest, Metadata, Subscriber};
use tracing_subscriber::{layer::Context, Layer};

/// The benchmark's own database on `TEST_DATABASE_URL`'s server (a superuser URL
/// without a database), made by `create` and dropped by `drop`.
pub struct BenchDb {
    pub server: String,
    pub name: String,
    admin: sqlx::PgConnection,
}

impl BenchDb {
    pub async fn create(bench: &str) -> Self {
        use sqlx::{Connection, Executor};
        let server = std::env::var("TEST_DATABASE_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".into());
        let name = format!("careops_bench_{bench}_{}", std::process::id());
        let mut admin = sqlx::PgConnection::connect(&format!("{server}/postgres"))
            .await
            .expect("PostgreSQL answers");
        admin
            .execute(format!(r#"create database "{name}""#).as_str())
            .await
            .unwrap();
        Self { server, name, admin }
    }

    pub async fn drop(mut self) {
        use sqlx::Executor;
        let _ = self
            .admin
            .execute(format!(r#"drop database "{}" with (force)"#, self.name).as_str())
            .await;
    }
}

/// The server's configuration on database `url`, with `extra` settings over the shared ones.
pub fn config(url: &str, extra: &[(&str, &str)]) -> Config {
    let mut values: std::collections::BTreeMap<&str, String> = std::collections::BTreeMap::from([
        ("DATABASE_URL", url.to_owned()),
        ("JWT_SECRET", "bench-secret-bench-secret-bench-secret-01".into()),
        (
            "DATA_KEY",
            "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff".into(),
        ),
        ("PORT", "0".into()),
    ]);
    values.extend(extra.iter().map(|(k, v)| (*k, (*v).to_owned())));
    Config::from_lookup(|k| values.get(k).cloned()).expect("config")
}

/// Serves `config` in this process, on a free port; its address (`http://…`).
pub async fn serve(config: Config) -> String {
    let options = LeptosOptions::builder()
        .output_name("careops")
        .site_root("target/site")
        .site_pkg_dir("pkg")
        .site_addr(std::net::SocketAddr::from(([127, 0, 0, 1], 0)))
        .build();
    let application = Application::build(config, options).await.expect("app starts");
    let address = format!("http://{}", application.local_addr());
    tokio::spawn(application.run_until(std::future::pending()));
    address
}

/// Signs up "Bench Clinic" (its first branch "Main" in `timezone`) and its owner; the
/// owner's session cookies.
pub async fn sign_up(http: &reqwest::Client, address: &str, timezone: &str) -> String {
    let signed = call::<careops::app::SignUp>(
        http,
        address,
        "",
        &[
            ("org_name", "Bench Clinic"),
            ("branch_name", "Main"),
            ("timezone", timezone),
            ("full_name", "Bench Owner"),
            ("email", "owner@bench.careops.test"),
            ("password", "violet-kettle-harbour"),
        ],
    )
    .await;
    signed
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok()?.split(';').next().map(str::to_owned))
        .collect::<Vec<_>>()
        .join("; ")
}

static CAPTURING: AtomicBool = AtomicBool::new(false);
static CAPTURED: Mutex<Vec<(String, f64)>> = Mutex::new(Vec::new());

/// Records the round trips the app makes to PostgreSQL while `CAPTURING`: each statement's
/// full SQL as sqlx logs it, and the app's own event for the `begin; set tenant` that
/// opens a transaction (sqlx does not log a BEGIN).
pub struct Capture;

struct Statement {
    summary: String,
    sql: String,
    seconds: f64,
}

impl tracing::field::Visit for Statement {
    fn record_str(&mut self, field: &Field, value: &str) {
        match field.name() {
            "summary" | "message" => self.summary = value.to_owned(),
            "db.statement" => self.sql = value.to_owned(),
            _ => {}
        }
    }

    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.record_str(field, &format!("{value:?}"));
    }

    fn record_f64(&mut self, field: &Field, value: f64) {
        if field.name() == "elapsed_secs" {
            self.seconds = value;
        }
    }
}

/// The job queue's worker has threads of its own (`messaging::WorkerThread`): what it
/// sends meanwhile (the bookings' confirmations) is not the request's.
fn on_the_worker() -> bool {
    std::thread::current()
        .name()
        .is_some_and(|name| name.starts_with("careops-worker"))
}

fn round_trip(metadata: &Metadata<'_>) -> bool {
    metadata.target() == "sqlx::query" || metadata.target() == TRANSACTIONS
}

impl<S: Subscriber> Layer<S> for Capture {
    fn register_callsite(&self, metadata: &'static Metadata<'static>) -> Interest {
        if round_trip(metadata) {
            Interest::sometimes()
        } else {
            Interest::never()
        }
    }

    // Events forwarded from the `log` crate share one callsite: check each one's target.
    fn enabled(&self, metadata: &Metadata<'_>, _: Context<'_, S>) -> bool {
        round_trip(metadata) && CAPTURING.load(Ordering::Relaxed) && !on_the_worker()
    }

    fn on_event(&self, event: &tracing::Event<'_>, _: Context<'_, S>) {
        let mut statement = Statement {
            summary: String::new(),
            sql: String::new(),
            seconds: 0.0,
        };
        event.record(&mut statement);
        // sqlx leaves `db.statement` empty when the summary is the whole statement.
        let sql = if statement.sql.trim().is_empty() {
            statement.summary
        } else {
            statement.sql.trim().to_owned()
        };
        CAPTURED.lock().unwrap().push((sql, statement.seconds));
    }
}

/// What the app sent to PostgreSQL while `work` ran (nothing else may run meanwhile), and
/// how long each took as the app saw it (0 for a BEGIN).
pub async fn captured<T>(work: impl AsyncFnOnce() -> T) -> (T, Vec<(String, f64)>) {
    CAPTURED.lock().unwrap().clear();
    CAPTURING.store(true, Ordering::Relaxed);
    let out = work().await;
    CAPTURING.store(false, Ordering::Relaxed);
    (out, std::mem::take(&mut *CAPTURED.lock().unwrap()))
}

pub fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

pub async fn call<S: ServerFn>(
    http: &reqwest::Client,
    address: &str,
    cookies: &str,
    form: &[(&str, &str)],
) -> reqwest::Response {
    http.post(format!("{address}{}", S::PATH))
        .header(header::ACCEPT, "application/json")
        .header(header::COOKIE, cookies)
        .form(form)
        .send()
        .await
        .expect("request")
}
