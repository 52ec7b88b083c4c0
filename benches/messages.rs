//! Messages benchmark (run by `scripts/bench messages`, not a test): 10,000 messages due
//! in the same moment, sent through the `log` provider by one worker and then by two
//! (each a server of its own on the same database, as `careops worker` processes would
//! be): the time until all are sent, and each message's wait from its due moment to
//! sent, p50 and p99.
//!
//! `TEST_DATABASE_URL` names a PostgreSQL superuser URL (no database); the benchmark
//! makes and drops its own database.

// The shared helpers; this benchmark needs the server and `percentile`.
#[allow(dead_code)]
mod support;

use std::time::Duration;

use chrono::{DateTime, Utc};
use sqlx::PgPool;
use support::{config, percentile, serve, BenchDb};
use uuid::Uuid;

const MESSAGES: i32 = 10_000;

async fn server(url: &str) {
    serve(config(url, &[])).await;
}

/// Queues `MESSAGES` messages for tomorrow, then makes them all due at once; answers the
/// due moment.
async fn due_at_once(db: &PgPool, org: Uuid, branch: Uuid, patient: Uuid) -> DateTime<Utc> {
    sqlx::query(
        "insert into messages (org_id, branch_id, patient_id, kind, channel, recipient, subject, body, send_at)
         select $1, $2, $3, 'reminder', 'email', 'ada@example.com', 'Reminder ' || n, 'See you tomorrow.',
                now() + interval '1 day'
         from generate_series(1, $4) n",
    )
    .bind(org)
    .bind(branch)
    .bind(patient)
    .bind(MESSAGES)
    .execute(db)
    .await
    .unwrap();
    sqlx::query_scalar(
        "with due as (select clock_timestamp() as at)
         update graphile_worker._private_jobs set run_at = due.at from due returning due.at",
    )
    .fetch_all(db)
    .await
    .unwrap()[0]
}

/// Waits until every message is sent; (all sent after, p50, p99) of due → sent.
async fn drained(db: &PgPool, due: DateTime<Utc>) -> (Duration, Duration, Duration) {
    loop {
        let sent: i64 = sqlx::query_scalar("select count(*) from messages where status = 'sent'")
            .fetch_one(db)
            .await
            .unwrap();
        if sent == i64::from(MESSAGES) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let sent: Vec<DateTime<Utc>> = sqlx::query_scalar("select sent_at from messages order by sent_at")
        .fetch_all(db)
        .await
        .unwrap();
    let waits: Vec<Duration> = sent.iter().map(|at| (*at - due).to_std().unwrap_or_default()).collect();
    (
        *waits.last().unwrap(),
        percentile(&waits, 0.5),
        percentile(&waits, 0.99),
    )
}

fn seconds(d: Duration) -> String {
    format!("{:.2}", d.as_secs_f64())
}

#[tokio::main]
async fn main() {
    let bench_db = BenchDb::create("messages").await;
    let (server_url, db_name) = (bench_db.server.clone(), bench_db.name.clone());
    let url = format!("{server_url}/{db_name}");
    server(&url).await;
    let db = PgPool::connect(&url).await.unwrap();
    let (org, branch, patient): (Uuid, Uuid, Uuid) = sqlx::query_as(
        "with o as (insert into organizations (name, slug) values ('Bench Clinic', 'bench-clinic') returning id),
              b as (insert into branches (org_id, name, timezone) select id, 'Main', 'Europe/Berlin' from o returning id, org_id),
              p as (insert into patients (org_id, full_name, email, consent_email)
                    select id, 'Ada Lovelace', 'ada@example.com', true from o returning id)
         select b.org_id, b.id, p.id from b, p",
    )
    .fetch_one(&db)
    .await
    .unwrap();

    println!("\n### {MESSAGES} messages due at once (log provider, 4 sends at a time per worker)\n");
    println!("| workers | all sent after (s) | due → sent p50 (s) | p99 (s) | messages/s |");
    println!("|---|---|---|---|---|");
    for workers in 1..=2 {
        if workers == 2 {
            sqlx::query("delete from messages").execute(&db).await.unwrap();
            server(&url).await;
        }
        let due = due_at_once(&db, org, branch, patient).await;
        let (all, p50, p99) = drained(&db, due).await;
        println!(
            "| {workers} | {} | {} | {} | {:.0} |",
            seconds(all),
            seconds(p50),
            seconds(p99),
            f64::from(MESSAGES) / all.as_secs_f64()
        );
    }
    db.close().await;
    bench_db.drop().await;
}
