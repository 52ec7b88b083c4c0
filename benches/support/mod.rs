//! What both benchmarks share: the record of the round trips the app makes to PostgreSQL,
//! percentiles, and a server function call as the browser makes it.

use std::{
    sync::{
        atomic::{AtomicBool, Ordering},
        Mutex,
    },
    time::Duration,
};

use careops::server::db::TRANSACTIONS;
use leptos::server_fn::ServerFn;
use reqwest::header;
use tracing::{field::Field, subscriber::Interest, Metadata, Subscriber};
use tracing_subscriber::{layer::Context, Layer};

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
