//! Calendar benchmark (run by `scripts/bench`, not a test): appointment creation over
//! HTTP at 8, 32 and 64 concurrent clients beside pgbench running the same SQL
//! transaction on the same database, and the week-range read with 2,000 appointments.
//!
//! `TEST_DATABASE_URL` names a PostgreSQL superuser URL (no database); the benchmark
//! makes and drops its own database.

use std::{
    collections::BTreeMap,
    net::SocketAddr,
    process::Command,
    sync::{
        atomic::{AtomicI64, Ordering},
        Arc,
    },
    time::{Duration, Instant},
};

use careops::server::{config::Config, startup::Application};
use leptos::{config::LeptosOptions, server_fn::ServerFn};
use reqwest::header;
use sqlx::{Connection, Executor, PgConnection, PgPool};
use uuid::Uuid;

const SECONDS: u64 = 10;

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

fn ms(d: Duration) -> String {
    format!("{:.1}", d.as_secs_f64() * 1000.0)
}

struct Fixture {
    address: String,
    http: reqwest::Client,
    token: String,
    cookies: String,
    org: Uuid,
    branch: Uuid,
    practitioner: Uuid,
    service: Uuid,
    patient: Uuid,
    app_url: String,
    db: PgPool,
}

async fn call<S: ServerFn>(
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

async fn fixture(server: &str, db_name: &str) -> Fixture {
    let url = format!("{server}/{db_name}");
    let values: BTreeMap<&str, String> = BTreeMap::from([
        ("DATABASE_URL", url.clone()),
        ("JWT_SECRET", "bench-secret-bench-secret-bench-secret-01".into()),
        (
            "DATA_KEY",
            "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff".into(),
        ),
        ("PORT", "0".into()),
        // pgbench opens up to 64 connections of its own beside these (max_connections is 100).
        ("DATABASE_MAX_CONNECTIONS", "20".into()),
        ("LOG_FORMAT", "json".into()),
    ]);
    let config = Config::from_lookup(|k| values.get(k).cloned()).expect("config");
    let options = LeptosOptions::builder()
        .output_name("careops")
        .site_root("target/site")
        .site_pkg_dir("pkg")
        .site_addr(SocketAddr::from(([127, 0, 0, 1], 0)))
        .build();
    let app = Application::build(config, options).await.expect("app starts");
    let address = format!("http://{}", app.local_addr());
    tokio::spawn(app.run_until(std::future::pending()));
    let http = reqwest::Client::builder().pool_max_idle_per_host(128).build().unwrap();

    let signed = call::<careops::app::SignUp>(
        &http,
        &address,
        "",
        &[
            ("org_name", "Bench Clinic"),
            ("branch_name", "Main"),
            ("timezone", "Europe/Berlin"),
            ("full_name", "Bench Owner"),
            ("email", "owner@bench.careops.test"),
            ("password", "violet-kettle-harbour"),
        ],
    )
    .await;
    let cookies: String = signed
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok()?.split(';').next().map(str::to_owned))
        .collect::<Vec<_>>()
        .join("; ");
    let saved = call::<careops::app::settings::SaveService>(
        &http,
        &address,
        &cookies,
        &[
            ("name", "Physio"),
            ("duration_minutes", "30"),
            ("price", "50"),
            ("colour", "#0f6b7a"),
        ],
    )
    .await;
    assert!(saved.status().is_success());
    let token: String = call::<careops::app::account::CreateApiToken>(&http, &address, &cookies, &[("name", "bench")])
        .await
        .json()
        .await
        .unwrap();
    let db = sqlx::postgres::PgPoolOptions::new()
        .max_connections(2)
        .connect(&url)
        .await
        .unwrap();
    let (org, branch, practitioner, service): (Uuid, Uuid, Uuid, Uuid) = sqlx::query_as(
        "select u.org_id, b.id, u.id, s.id from users u join branches b on b.org_id = u.org_id join services s on s.org_id = u.org_id",
    )
    .fetch_one(&db)
    .await
    .unwrap();
    // The owner treats at this branch (the bench books outside hours with the override).
    sqlx::query("insert into working_hours (org_id, branch_id, user_id, weekday, starts, ends) values ($1, $2, $3, 1, '08:00', '18:00')")
        .bind(org)
        .bind(branch)
        .bind(practitioner)
        .execute(&db)
        .await
        .unwrap();
    let patient: Uuid = sqlx::query_scalar(
        "insert into patients (org_id, full_name, phone) values ($1, 'Bench Patient', '+44 20 7946 0958') returning id",
    )
    .bind(org)
    .fetch_one(&db)
    .await
    .unwrap();
    Fixture {
        address,
        http,
        token,
        cookies,
        org,
        branch,
        practitioner,
        service,
        patient,
        app_url: url.replacen("postgres://postgres@", "postgres://careops_app@", 1),
        db,
    }
}

/// Books as fast as `clients` concurrent clients can for `SECONDS`; every booking takes
/// its own half hour, so all succeed.
async fn http_creation(f: &Fixture, clients: usize, slot: Arc<AtomicI64>) -> (f64, Duration, Duration, usize) {
    let deadline = Instant::now() + Duration::from_secs(SECONDS);
    let base = chrono::DateTime::parse_from_rfc3339("2040-01-01T00:00:00Z").unwrap();
    let tasks = (0..clients).map(|_| {
        let (http, url, token, slot) = (
            f.http.clone(),
            format!("{}/api/v1/calendar/appointments", f.address),
            f.token.clone(),
            slot.clone(),
        );
        let body =
            serde_json::json!({"patient_id": f.patient, "practitioner_id": f.practitioner, "service_id": f.service});
        tokio::spawn(async move {
            let mut latencies = Vec::new();
            let mut failures = 0;
            while Instant::now() < deadline {
                let n = slot.fetch_add(1, Ordering::Relaxed);
                let mut body = body.clone();
                body["starts_at"] = serde_json::json!((base + chrono::Duration::minutes(30 * n)).to_rfc3339());
                body["override_working_hours"] = serde_json::json!(true);
                let started = Instant::now();
                let response = http.post(&url).bearer_auth(&token).json(&body).send().await;
                match response {
                    Ok(r) if r.status() == 201 => latencies.push(started.elapsed()),
                    _ => failures += 1,
                }
            }
            (latencies, failures)
        })
    });
    let mut all = Vec::new();
    let mut failures = 0;
    for task in futures_util::future::join_all(tasks).await {
        let (latencies, failed) = task.unwrap();
        all.extend(latencies);
        failures += failed;
    }
    all.sort();
    (
        all.len() as f64 / SECONDS as f64,
        percentile(&all, 0.5),
        percentile(&all, 0.99),
        failures,
    )
}

/// The statements the server runs to book one appointment through the API, for pgbench.
/// A random slot among 300 million may still meet an earlier one (or its buffer):
/// `on conflict do nothing` lets that transaction finish instead of aborting the run.
fn pgbench_script(f: &Fixture) -> String {
    format!(
        r#"\set n random(1, 300000000)
begin;
select set_config('app.org_id', '{org}', true);
select u.id, u.org_id, s.revoked_at, s.expires_at from users u, sessions s limit 1;
select s.id, s.name, s.duration_minutes, array(select user_id from service_practitioners sp where sp.service_id = s.id) from services s where s.org_id = '{org}' order by s.active desc, s.name;
select u.id, u.full_name from users u where u.org_id = '{org}' and u.is_active and (exists (select 1 from memberships m where m.user_id = u.id and m.branch_id = '{branch}' and m.role = 'practitioner') or exists (select 1 from working_hours w where w.user_id = u.id and w.branch_id = '{branch}')) order by u.full_name, u.id;
select id, full_name, phone, email from patients where org_id = '{org}' and id = '{patient}';
select user_id, weekday, starts, ends from working_hours where org_id = '{org}' and branch_id = '{branch}' order by user_id, weekday, starts;
select id, day, name from branch_closures where org_id = '{org}' and branch_id = '{branch}' and day between '2030-01-01' and '2030-01-01';
select id, user_id from time_off where org_id = '{org}' and period && tstzrange(timestamptz '2030-01-01' + :n * interval '30 minutes', timestamptz '2030-01-01' + (:n + 1) * interval '30 minutes');
select a.id from appointments a where a.org_id = '{org}' and a.status <> 'cancelled' and a.blocked && tstzrange(timestamptz '2030-01-01' + :n * interval '30 minutes', timestamptz '2030-01-01' + (:n + 1) * interval '30 minutes') and a.practitioner_id = '{practitioner}' limit 1;
savepoint booking;
insert into appointments (org_id, branch_id, patient_id, practitioner_id, service_id, starts_at, ends_at, source) values ('{org}', '{branch}', '{patient}', '{practitioner}', '{service}', timestamptz '2030-01-01' + :n * interval '30 minutes', timestamptz '2030-01-01' + (:n + 1) * interval '30 minutes', 'api') on conflict do nothing;
release savepoint booking;
select a.id, p.full_name, u.full_name, s.name from appointments a join patients p on p.id = a.patient_id join users u on u.id = a.practitioner_id join services s on s.id = a.service_id where a.org_id = '{org}' and a.starts_at = timestamptz '2030-01-01' + :n * interval '30 minutes' and a.practitioner_id = '{practitioner}';
insert into audit_log (org_id, branch_id, actor_user_id, action, entity, diff) values ('{org}', '{branch}', '{practitioner}', 'appointment.created', 'appointment', '{{}}');
select o.name, b.name, b.address, b.timezone, p.full_name, p.phone, p.email, p.consent_sms, p.consent_email, s.name, u.full_name, a.starts_at from appointments a join organizations o on o.id = a.org_id join branches b on b.id = a.branch_id join patients p on p.id = a.patient_id join services s on s.id = a.service_id join users u on u.id = a.practitioner_id where a.org_id = '{org}' and a.starts_at = timestamptz '2030-01-01' + :n * interval '30 minutes' and a.practitioner_id = '{practitioner}';
select pg_notify('careops_events', '{{"org_id":"{org}","branch_id":"{branch}","event":{{"type":"resync"}}}}');
commit;
"#,
        org = f.org,
        branch = f.branch,
        patient = f.patient,
        practitioner = f.practitioner,
        service = f.service,
    )
}

/// (transactions per second, average latency in ms) from pgbench.
fn pgbench(f: &Fixture, clients: usize) -> (f64, f64) {
    let script = std::env::temp_dir().join(format!("careops-bench-{}.sql", std::process::id()));
    std::fs::write(&script, pgbench_script(f)).unwrap();
    let output = Command::new("pgbench")
        .args([
            "-n",
            "-M",
            "prepared",
            "-T",
            &SECONDS.to_string(),
            "-c",
            &clients.to_string(),
            "-j",
            "2",
            "-f",
        ])
        .arg(&script)
        .arg(&f.app_url)
        .output()
        .expect("pgbench runs");
    let text = String::from_utf8_lossy(&output.stdout);
    let value = |key: &str| -> f64 {
        text.lines()
            .find(|l| l.starts_with(key))
            .and_then(|l| l.split('=').nth(1))
            .and_then(|v| v.split_whitespace().next())
            .and_then(|v| v.parse().ok())
            .unwrap_or(0.0)
    };
    if !output.status.success() {
        eprintln!("pgbench failed: {}", String::from_utf8_lossy(&output.stderr));
    }
    (value("tps"), value("latency average"))
}

/// 2,000 appointments in one week: 20 practitioners with 100 each.
async fn seed_week(f: &Fixture) {
    sqlx::query(
        "with staff as (
             insert into users (org_id, email, full_name, password_hash)
             select $1, 'p' || n || '@bench.careops.test', 'Practitioner ' || n, 'x' from generate_series(1, 20) n
             returning id),
         member as (insert into memberships (org_id, user_id, branch_id, role) select $1, id, $2, 'practitioner' from staff returning user_id)
         insert into appointments (org_id, branch_id, patient_id, practitioner_id, service_id, starts_at, ends_at)
         select $1, $2, $3, m.user_id, $4, t, t + interval '25 minutes'
         from member m,
              generate_series(0, 4) d,
              generate_series(0, 19) s,
              lateral (select timestamptz '2031-03-03 08:00 Europe/Berlin' + d * interval '1 day' + s * interval '25 minutes' as t) times",
    )
    .bind(f.org)
    .bind(f.branch)
    .bind(f.patient)
    .bind(f.service)
    .execute(&f.db)
    .await
    .unwrap();
    sqlx::query("analyze").execute(&f.db).await.unwrap();
}

async fn timed(count: usize, mut run: impl AsyncFnMut() -> bool) -> (Duration, Duration) {
    let mut latencies = Vec::with_capacity(count);
    for _ in 0..count {
        let started = Instant::now();
        assert!(run().await, "the request failed");
        latencies.push(started.elapsed());
    }
    latencies.sort();
    (percentile(&latencies, 0.5), percentile(&latencies, 0.99))
}

#[tokio::main]
async fn main() {
    let server = std::env::var("TEST_DATABASE_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".into());
    let db_name = format!("careops_bench_{}", std::process::id());
    let mut admin = PgConnection::connect(&format!("{server}/postgres"))
        .await
        .expect("PostgreSQL answers");
    admin
        .execute(format!(r#"create database "{db_name}""#).as_str())
        .await
        .unwrap();
    let f = fixture(&server, &db_name).await;

    println!("\n## Appointment creation (POST /api/v1/calendar/appointments vs pgbench, {SECONDS} s each)\n");
    println!("| clients | HTTP bookings/s | HTTP p50 ms | HTTP p99 ms | failed | pgbench tx/s | pgbench avg ms | HTTP / pgbench |");
    println!("|---:|---:|---:|---:|---:|---:|---:|---:|");
    let slot = Arc::new(AtomicI64::new(0));
    for clients in [8, 32, 64] {
        let (rate, p50, p99, failed) = http_creation(&f, clients, slot.clone()).await;
        let (tps, avg) = pgbench(&f, clients);
        let ratio = if tps > 0.0 { rate / tps } else { 0.0 };
        println!(
            "| {clients} | {rate:.0} | {} | {} | {failed} | {tps:.0} | {avg:.1} | {ratio:.2} |",
            ms(p50),
            ms(p99)
        );
    }

    seed_week(&f).await;
    let api = format!(
        "{}/api/v1/calendar/appointments?from=2031-03-03&to=2031-03-10",
        f.address
    );
    let (api_p50, api_p99) = timed(50, async || {
        let r = f.http.get(&api).bearer_auth(&f.token).send().await.unwrap();
        r.status() == 200
            && r.json::<Vec<serde_json::Value>>()
                .await
                .map(|l| l.len() == 2000)
                .unwrap_or(false)
    })
    .await;
    let (page_p50, page_p99) = timed(50, async || {
        call::<careops::app::calendar::GetCalendar>(
            &f.http,
            &f.address,
            &f.cookies,
            &[("date", "2031-03-03"), ("view", "week")],
        )
        .await
        .status()
            == 200
    })
    .await;
    let plan: serde_json::Value = {
        let mut conn = PgConnection::connect(&f.app_url).await.unwrap();
        let mut tx = conn.begin().await.unwrap();
        sqlx::query("select set_config('app.org_id', $1, true)")
            .bind(f.org.to_string())
            .execute(&mut *tx)
            .await
            .unwrap();
        sqlx::query_scalar(
            "explain (analyze, format json) select a.id from appointments a where a.org_id = $1 and a.branch_id = $2
             and a.blocked && tstzrange('2031-03-03', '2031-03-10') and a.status <> 'cancelled'",
        )
        .bind(f.org)
        .bind(f.branch)
        .fetch_one(&mut *tx)
        .await
        .unwrap()
    };
    println!("\n## Week range with 2,000 appointments (20 practitioners)\n");
    println!("| what | p50 ms | p99 ms |");
    println!("|---|---:|---:|");
    println!(
        "| GET /api/v1/calendar/appointments (week, 2,000 rows as JSON) | {} | {} |",
        ms(api_p50),
        ms(api_p99)
    );
    println!(
        "| calendar page data (get_calendar, week view) | {} | {} |",
        ms(page_p50),
        ms(page_p99)
    );
    println!(
        "| the range query inside PostgreSQL (EXPLAIN ANALYZE) | {:.1} | |",
        plan[0]["Execution Time"].as_f64().unwrap_or(0.0)
    );

    f.db.close().await;
    admin
        .execute(format!(r#"drop database "{db_name}" with (force)"#).as_str())
        .await
        .unwrap();
}
