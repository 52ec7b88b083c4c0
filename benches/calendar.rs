//! Calendar benchmark (run by `scripts/bench`, not a test): appointment creation over
//! HTTP at 8, 32 and 64 concurrent clients beside pgbench running the very statements one
//! HTTP booking runs (captured from the app's own log as it books, so they cannot drift),
//! as the application role and with as many connections as the app's bookings may hold;
//! the same bookings while 10,000 reminders fall due at once; and the week-range read
//! with 2,000 appointments.
//!
//! `TEST_DATABASE_URL` names a PostgreSQL superuser URL (no database); the benchmark
//! makes and drops its own database.

mod support;

use std::{
    collections::BTreeMap,
    sync::{
        atomic::{AtomicI64, Ordering},
        Arc,
    },
    time::{Duration, Instant},
};

use careops::server::{config::Config, messaging::WorkerThread};
use leptos::config::LeptosOptions;
use sqlx::{postgres::PgConnectOptions, Connection, PgConnection, PgPool};
use support::{
    call, captured, percentile,
    pgbench::{self, Pgbench, Step},
    serve, sign_up, BenchDb, Capture,
};
use tracing_subscriber::{layer::SubscriberExt, util::SubscriberInitExt};
use uuid::Uuid;

/// Seconds measured at each client count, after a warm-up that is not counted.
const SECONDS: u64 = 10;
const WARM_UP: Duration = Duration::from_secs(2);
/// The app's pool in this benchmark (its default). A quarter of it is what one
/// organization's bookings may hold at once (`scheduling::Gate`), and so what pgbench gets.
const POOL: usize = 20;
const BOOKING_CONNECTIONS: usize = POOL / 4;

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
    /// The practitioner and seven more at the branch, for bookings spread over a team,
    /// and a patient of each (the first is `patient`).
    team: Vec<(Uuid, Uuid)>,
    service: Uuid,
    patient: Uuid,
    /// The same database as the application role (row-level security applies).
    app: PgConnectOptions,
    /// The server's configuration, for a worker of its own.
    config: Config,
    db: PgPool,
}

async fn fixture(server: &str, db_name: &str) -> Fixture {
    let url = format!("{server}/{db_name}");
    let config = support::config(
        &url,
        &[
            ("DATABASE_MAX_CONNECTIONS", &POOL.to_string()),
            ("LOG_FORMAT", "json"),
            // Bookings alone; the queue's worker is started for its own section.
            ("WORKER_IN_PROCESS", "false"),
        ],
    );
    let app = config.app_database.clone();
    let worker_config = config.clone();
    let address = serve(config).await;
    let http = reqwest::Client::builder().pool_max_idle_per_host(128).build().unwrap();
    let cookies = sign_up(&http, &address, "Europe/Berlin").await;
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
    let mut team: Vec<Uuid> = sqlx::query_scalar(
        "with staff as (
             insert into users (org_id, email, full_name, password_hash)
             select $1, 'team' || n || '@bench.careops.test', 'Team Member ' || n, 'x' from generate_series(1, 7) n
             returning id)
         insert into memberships (org_id, user_id, branch_id, role) select $1, id, $2, 'practitioner' from staff
         returning user_id",
    )
    .bind(org)
    .bind(branch)
    .fetch_all(&db)
    .await
    .unwrap();
    team.insert(0, practitioner);
    // Patients who agreed to email and text messages: every booking queues both.
    let patients: Vec<Uuid> = sqlx::query_scalar(
        "insert into patients (org_id, full_name, phone, email, consent_sms, consent_email)
         select $1, 'Bench Patient ' || n, '+44 20 7946 0958', 'bench.patient' || n || '@example.org', true, true
         from generate_series(1, $2) n returning id",
    )
    .bind(org)
    .bind(team.len() as i32)
    .fetch_all(&db)
    .await
    .unwrap();
    let patient = patients[0];
    let team = team.into_iter().zip(patients).collect();
    Fixture {
        address,
        http,
        token,
        cookies,
        org,
        branch,
        practitioner,
        team,
        service,
        patient,
        app,
        config: worker_config,
        db,
    }
}

/// Slot `n`: half an hour each, from 2040-01-01 (pgbench books from 2050 on).
fn starts_at(n: i64) -> String {
    let base = chrono::DateTime::parse_from_rfc3339("2040-01-01T00:00:00Z").unwrap();
    (base + chrono::Duration::minutes(30 * n)).to_rfc3339()
}

/// The body of an API booking at slot `n`.
fn booking(f: &Fixture, n: i64) -> serde_json::Value {
    serde_json::json!({
        "patient_id": f.patient, "practitioner_id": f.practitioner, "service_id": f.service,
        "starts_at": starts_at(n), "override_working_hours": true,
    })
}

/// Books as fast as `clients` concurrent clients can, client `n` for the practitioner and
/// patient `n mod team`; every booking takes its own half hour, so all succeed. A warm-up is not
/// counted, nor is a request that ends after the window. Returns (bookings per second,
/// p50, p99, failures by what they answered).
async fn http_creation(
    f: &Fixture,
    clients: usize,
    team: &[(Uuid, Uuid)],
    slot: Arc<AtomicI64>,
) -> (f64, Duration, Duration, BTreeMap<String, usize>) {
    let start = Instant::now() + WARM_UP;
    let deadline = start + Duration::from_secs(SECONDS);
    let url = format!("{}/api/v1/calendar/appointments", f.address);
    let tasks = (0..clients).map(|n| {
        let (http, url, token, slot) = (f.http.clone(), url.clone(), f.token.clone(), slot.clone());
        let mut template = booking(f, 0);
        let (practitioner, patient) = team[n % team.len()];
        template["practitioner_id"] = serde_json::json!(practitioner);
        template["patient_id"] = serde_json::json!(patient);
        let make = move |n: i64| {
            let mut body = template.clone();
            body["starts_at"] = serde_json::json!(starts_at(n));
            body
        };
        tokio::spawn(async move {
            let mut latencies = Vec::new();
            let mut failures = Vec::new();
            loop {
                let began = Instant::now();
                if began >= deadline {
                    break;
                }
                let body = make(slot.fetch_add(1, Ordering::Relaxed));
                let response = http.post(&url).bearer_auth(&token).json(&body).send().await;
                let ended = Instant::now();
                if began < start || ended > deadline {
                    continue;
                }
                match response {
                    Ok(r) if r.status() == 201 => latencies.push(ended - began),
                    Ok(r) => {
                        let status = r.status().as_u16();
                        let body: serde_json::Value = r.json().await.unwrap_or_default();
                        failures.push(format!("{status} {}", body["detail"].as_str().unwrap_or("")));
                    }
                    Err(err) if err.is_timeout() => failures.push("timeout".to_owned()),
                    Err(_) => failures.push("no answer".to_owned()),
                }
            }
            (latencies, failures)
        })
    });
    let mut all = Vec::new();
    let mut failures = BTreeMap::new();
    for task in futures_util::future::join_all(tasks).await {
        let (latencies, failed) = task.unwrap();
        all.extend(latencies);
        for what in failed {
            *failures.entry(what).or_insert(0) += 1;
        }
    }
    all.sort();
    (
        all.len() as f64 / SECONDS as f64,
        percentile(&all, 0.5),
        percentile(&all, 0.99),
        failures,
    )
}

/// How pgbench gives each statement of a booking its parameters, in the order the app
/// runs them: what the statement starts with, and an expression for each `$n`. The times
/// vary per transaction (`:t`, seconds since 1970, a slot of the client's own; `:t_end`
/// half an hour later; `:t_window` the booking's longest possible end; `:grain` and
/// `:next_grain` the quarters of an hour it holds); the rest is what
/// the captured booking bound, read back from the database.
const STEPS: &[Step] = &[
    ("select credential_id", &[":token_hash"]),
    ("begin; set tenant", &[]),
    (
        "select (select to_jsonb(x)",
        &[
            ":org",
            ":branch",
            ":practitioner",
            ":service",
            ":patient",
            "(to_timestamp(:t) at time zone 'Europe/Berlin')::date",
            "(to_timestamp(:t) at time zone 'Europe/Berlin')::date",
            "to_timestamp(:t)",
            "to_timestamp(:t_window)",
        ],
    ),
    (
        "select count(pg_advisory_xact_lock",
        &["(select array_agg(k order by k) from unnest(array[:claims::text || :grain::text, :claims::text || :next_grain::text]) k)"],
    ),
    (
        "insert into appointments",
        &[
            ":org",
            ":branch",
            ":patient",
            ":practitioner",
            ":service",
            "null",
            "null",
            "to_timestamp(:t)",
            "to_timestamp(:t_end)",
            "0",
            "0",
            "'api'",
            "''",
            ":practitioner",
        ],
    ),
    ("select x.* from unnest", &[":org", "array[:id]::uuid[]"]),
    (
        "with audit as",
        &[
            ":org",
            ":branch",
            ":practitioner",
            "'appointment.created'",
            "'appointment'",
            ":id",
            ":diff",
            "'127.0.0.1'",
            ":branch",
            ":patient",
            ":id",
            "false",
            ":channels",
            ":recipients",
            ":subjects",
            ":bodies",
            "'careops_events'",
            ":payload",
            ":kinds",
            ":send_ats",
            ":minutes",
            "to_timestamp(:t)",
        ],
    ),
    ("COMMIT", &[]),
];

/// Each transaction's own slot: `base` moves on with every run, `k` counts the client's
/// transactions (pgbench keeps variables from one to the next).
const PREAMBLE: &str = "\\set k :k + 1\n\\set t 2524608000 + (:base + :client_id * 1000000 + :k) * 1800\n\\set t_end :t + 1800\n\\set t_window :t + 36000\n\\set grain (:t / 900) % 96\n\\set next_grain (:t / 900 + 1) % 96\n";

/// A PostgreSQL array literal of `items`.
fn array(items: &[String]) -> String {
    let quoted: Vec<String> = items
        .iter()
        .map(|i| format!("\"{}\"", i.replace('\\', "\\\\").replace('"', "\\\"")))
        .collect();
    format!("{{{}}}", quoted.join(","))
}

/// What the advisory locks a booking of `practitioner` takes start with
/// (`scheduling::Claims`): each ends with a quarter of an hour the booking holds, of the
/// day's 96 (`:grain` and `:next_grain` in the script).
fn claims(practitioner: Uuid) -> String {
    format!("appointment:practitioner:{practitioner}:")
}

/// The values the captured booking bound that pgbench binds too: the ids, the token's
/// hash, the audit diff, the messages and the event (`payload`) it wrote.
async fn bound(f: &Fixture, payload: String) -> Vec<(String, String)> {
    let token_hash: String = sqlx::query_scalar("select '\\x' || encode(token_hash, 'hex') from api_tokens")
        .fetch_one(&f.db)
        .await
        .unwrap();
    let diff: String = sqlx::query_scalar(
        "select diff::text from audit_log where action = 'appointment.created' order by id desc limit 1",
    )
    .fetch_one(&f.db)
    .await
    .unwrap();
    // The booking's confirmations and its reminders, as it wrote them (pgbench writes the
    // same rows for each of its bookings).
    let messages: Vec<[String; 7]> = sqlx::query_as::<_, (String, String, String, String, String, String, String)>(
        "select channel, recipient, subject, body, kind, send_at::text, coalesce(reminder_minutes::text, 'NULL')
         from messages order by send_at, channel",
    )
    .fetch_all(&f.db)
    .await
    .unwrap()
    .into_iter()
    .map(|(a, b, c, d, e, g, h)| [a, b, c, d, e, g, h])
    .collect();
    assert_eq!(
        messages.iter().filter(|m| m[4] == "booking_confirmation").count(),
        2,
        "the captured booking queues an email and a text"
    );
    let column = |n: usize| array(&messages.iter().map(|m| m[n].clone()).collect::<Vec<_>>());
    // NULL stays a null, not the word.
    let minutes = format!(
        "{{{}}}",
        messages.iter().map(|m| m[6].as_str()).collect::<Vec<_>>().join(",")
    );
    vec![
        ("token_hash".into(), token_hash),
        ("org".into(), f.org.to_string()),
        ("branch".into(), f.branch.to_string()),
        ("practitioner".into(), f.practitioner.to_string()),
        ("service".into(), f.service.to_string()),
        ("patient".into(), f.patient.to_string()),
        ("claims".into(), claims(f.practitioner)),
        ("diff".into(), diff),
        ("channels".into(), column(0)),
        ("recipients".into(), column(1)),
        ("subjects".into(), column(2)),
        ("bodies".into(), column(3)),
        ("kinds".into(), column(4)),
        ("send_ats".into(), column(5)),
        ("minutes".into(), minutes),
        ("payload".into(), payload),
    ]
}

/// 2,000 appointments in one week: 20 practitioners with 100 each (the fixture the e2e
/// byte budget loads too).
async fn seed_week(f: &Fixture) {
    sqlx::query(include_str!("../tests/fixtures/busy_week.sql"))
        .bind(f.org)
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
    tracing_subscriber::registry().with(Capture).init();
    let bench_db = BenchDb::create("calendar").await;
    let (server, db_name) = (bench_db.server.clone(), bench_db.name.clone());
    let f = fixture(&server, &db_name).await;

    // pgbench runs as the application role, so row-level security costs it what it costs
    // the app, whatever the superuser of this server is called.
    let mut app = PgConnection::connect_with(&f.app)
        .await
        .expect("the application role connects");
    let (superuser, bypasses): (bool, bool) =
        sqlx::query_as("select rolsuper, rolbypassrls from pg_roles where rolname = current_user")
            .fetch_one(&mut app)
            .await
            .unwrap();
    assert!(
        !superuser && !bypasses,
        "the application role must not bypass row-level security"
    );
    app.close().await.unwrap();

    // A clinic with a history, its statistics gathered, as a database in use has: a
    // statement planned once per connection (`Db::tenant_planned_once`) and planned on
    // empty tables may pick any index; the bench would then measure that accident (an
    // `(org_id, starts_at)` scan for a look-up by id) and not the app.
    seed_week(&f).await;

    // One booking, captured as it runs: what pgbench will run, with what it bound.
    let mut listener = sqlx::postgres::PgListener::connect_with(&f.db).await.unwrap();
    listener.listen("careops_events").await.unwrap();
    let url = format!("{}/api/v1/calendar/appointments", f.address);
    let (status, statements) = captured(async || {
        let sent = f.http.post(&url).bearer_auth(&f.token).json(&booking(&f, -1)).send();
        sent.await.unwrap().status()
    })
    .await;
    assert_eq!(status, 201, "the captured booking failed");
    let payload = listener.recv().await.unwrap().payload().to_owned();
    // A listener nobody reads from would hold up every NOTIFY of the runs below.
    drop(listener);
    let statements: Vec<String> = statements.into_iter().map(|(sql, _)| sql).collect();
    let script = pgbench::script(&statements, STEPS, PREAMBLE, &["insert into appointments"]);
    let values = bound(&f, payload).await;

    // Where one booking's time goes: 200 bookings one after another, each statement's
    // time as the app waited for it (PostgreSQL's work and the round trip).
    let (http_ms, one_by_one) = captured(async || {
        let started = Instant::now();
        for n in 0..200 {
            let sent = f
                .http
                .post(&url)
                .bearer_auth(&f.token)
                .json(&booking(&f, -2 - n))
                .send();
            assert_eq!(sent.await.unwrap().status(), 201);
        }
        started.elapsed().as_secs_f64() * 1000.0 / 200.0
    })
    .await;
    assert_eq!(
        one_by_one.len(),
        200 * statements.len(),
        "every booking runs the same statements"
    );
    let mut total = vec![0.0; statements.len()];
    for (n, (_, seconds)) in one_by_one.iter().enumerate() {
        total[n % statements.len()] += seconds;
    }
    // The same script for each member of the team and their patient, named through
    // variables of their own.
    let team_scripts: Vec<String> = (0..f.team.len())
        .map(|n| {
            script
                .replace(":practitioner", &format!(":practitioner_{n}"))
                .replace(":patient", &format!(":patient_{n}"))
                .replace(":claims", &format!(":claims_{n}"))
        })
        .collect();
    let mut team_values = values.clone();
    for (n, (member, patient)) in f.team.iter().enumerate() {
        team_values.push((format!("practitioner_{n}"), member.to_string()));
        team_values.push((format!("patient_{n}"), patient.to_string()));
        team_values.push((format!("claims_{n}"), claims(*member)));
    }
    let mut rows = Vec::new();
    let mut busiest: Option<Pgbench> = None;
    let slot = Arc::new(AtomicI64::new(0));
    for (team, scripts, values) in [
        (&f.team[..1], std::slice::from_ref(&script), &values),
        (&f.team[..], &team_scripts[..], &team_values),
    ] {
        for clients in [8, 32, 64] {
            let (rate, p50, p99, failed) = http_creation(&f, clients, team, slot.clone()).await;
            // The app's bookings hold at most BOOKING_CONNECTIONS connections; so does pgbench.
            let connections = clients.min(BOOKING_CONNECTIONS);
            let failed = match failed.values().sum::<usize>() {
                0 => "0".to_owned(),
                n => {
                    let kinds: Vec<String> = failed.iter().map(|(what, k)| format!("{k}× {what}")).collect();
                    format!("{n} ({})", kinds.join(", "))
                }
            };
            let run = pgbench::run(&f.app, scripts, values, connections, WARM_UP, SECONDS);
            let ratio = if run.tps > 0.0 { rate / run.tps } else { 0.0 };
            rows.push(format!(
                "| {} | {clients} | {rate:.0} | {} | {} | {failed} | {connections} | {:.0} | {:.1} | {ratio:.2} |",
                team.len(),
                ms(p50),
                ms(p99),
                run.tps,
                run.latency,
            ));
            busiest.get_or_insert(run);
        }
    }
    println!(
        "\n## Appointment creation (POST /api/v1/calendar/appointments vs pgbench running its statements, {SECONDS} s each after {} s of warm-up)\n",
        WARM_UP.as_secs()
    );
    println!("Every booking holds its practitioner's locks on the quarters of an hour it takes, from before its insert until it commits: bookings at other times run side by side, for one practitioner as for a team (eight practitioners, a patient each).\n");
    println!("| practitioners | clients | HTTP bookings/s | HTTP p50 ms | HTTP p99 ms | failed | pgbench connections | pgbench tx/s | pgbench avg ms | HTTP ÷ pgbench |");
    println!("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    rows.iter().for_each(|row| println!("{row}"));

    // Bookings while the queue is busiest: 10,000 reminders due in the same moment, sent
    // by a worker in this process (as the server runs one by default, and as
    // `scripts/bench messages` measures alone). The confirmations of the bookings above
    // are dropped first: the worker starts with the reminders only (and the confirmations
    // of the bookings it runs beside).
    let (calm, calm_p50, calm_p99, _) = http_creation(&f, 32, &f.team, slot.clone()).await;
    sqlx::query("delete from graphile_worker._private_jobs")
        .execute(&f.db)
        .await
        .unwrap();
    sqlx::query("delete from messages").execute(&f.db).await.unwrap();
    sqlx::query(
        "insert into messages (org_id, branch_id, patient_id, kind, channel, recipient, subject, body, send_at)
         select $1, $2, $3, 'reminder', 'email', 'bench.patient1@example.org', 'Reminder ' || n, 'See you tomorrow.', now()
         from generate_series(1, 10000) n",
    )
    .bind(f.org)
    .bind(f.branch)
    .bind(f.patient)
    .execute(&f.db)
    .await
    .unwrap();
    let options = LeptosOptions::builder().output_name("careops").build();
    let worker = WorkerThread::start(f.config.clone(), options)
        .await
        .expect("the worker starts");
    let (draining, busy_p50, busy_p99, _) = http_creation(&f, 32, &f.team, slot.clone()).await;
    let sent: i64 = sqlx::query_scalar("select count(*) from messages where kind = 'reminder' and status = 'sent'")
        .fetch_one(&f.db)
        .await
        .unwrap();
    worker.stop().await;
    println!("\n## Bookings while 10,000 reminders are sent (eight practitioners, 32 clients, {SECONDS} s)\n");
    println!("| while | HTTP bookings/s | p50 ms | p99 ms |");
    println!("|---|---:|---:|---:|");
    println!("| nothing is sent | {calm:.0} | {} | {} |", ms(calm_p50), ms(calm_p99));
    println!(
        "| a worker in the process sends 10,000 reminders due at once ({sent} sent by the window's end) and the bookings' confirmations | {draining:.0} | {} | {} |",
        ms(busy_p50),
        ms(busy_p99)
    );

    // pgbench sends `begin` and `set_config` apart (it cannot prepare the app's two-in-one
    // simple query): its rows 2 and 3 make the app's row 2.
    let mut loaded = busiest.map(|run| run.statements).unwrap_or_default();
    if loaded.len() == statements.len() + 1 {
        let set = loaded.remove(2);
        loaded[1] += set;
    }
    println!(
        "\n## One API booking, as PostgreSQL sees it ({} round trips)\n",
        statements.len()
    );
    println!(
        "| # | statement | ms, one booking at a time (mean of 200, as the app waits) | ms under load (pgbench, {} connections) |",
        BOOKING_CONNECTIONS.min(8)
    );
    println!("|---:|---|---:|---:|");
    for (n, sql) in statements.iter().enumerate() {
        let text: String = pgbench::squash(sql).chars().take(70).collect();
        println!(
            "| {} | `{}` | {:.3} | {:.3} |",
            n + 1,
            text.replace('|', "\\|"),
            total[n] / 200.0 * 1000.0,
            loaded.get(n).copied().unwrap_or(0.0)
        );
    }
    println!(
        "| | all | {:.3} | {:.3} |",
        total.iter().sum::<f64>() / 200.0 * 1000.0,
        loaded.iter().sum::<f64>()
    );
    println!("| | the whole HTTP request, one at a time | {http_ms:.3} | |");

    // The bookings above added over 100,000 rows since the statistics were gathered;
    // autovacuum would have gathered them again by now in a database in use.
    sqlx::query("analyze").execute(&f.db).await.unwrap();
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
        let mut conn = PgConnection::connect_with(&f.app).await.unwrap();
        let mut tx = conn.begin().await.unwrap();
        sqlx::query("select set_config('app.org_id', $1, true)")
            .bind(f.org.to_string())
            .execute(&mut *tx)
            .await
            .unwrap();
        sqlx::query_scalar(
            "explain (analyze, format json) select a.id from appointments a where a.org_id = $1 and a.branch_id = $2
             and appointment_may_block(a.starts_at, '2031-03-03', '2031-03-10')
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
    bench_db.drop().await;
}
