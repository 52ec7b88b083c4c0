//! Billing benchmark (run by `scripts/bench billing`, not a test), over HTTP against an
//! in-process server on its own database:
//! - issuing drafts (one `IssueInvoice` call each: the number of the series, the
//!   totals, the audit entry) by 8 and by 32 clients at once: issues per second,
//!   latency p50/p99, and that the numbers came out consecutive; beside pgbench running
//!   the very statements one issue runs (captured from the app's log), as the
//!   application role with as many connections as clients;
//! - the outstanding-invoices list of a branch among 100,000 invoices (p50/p99);
//! - the invoice PDF: downloaded (p50/p99), and drawn in process (per document, a
//!   3-line and a 60-line invoice, and its size).
//!
//! `TEST_DATABASE_URL` names a PostgreSQL superuser URL (no database); the benchmark
//! makes and drops its own database.

mod support;

use std::time::{Duration, Instant};

use careops::{
    app::billing::{GetInvoice, GetInvoices, IssueInvoice},
    domain::invoice::InvoiceView,
    server::documents::{render, Kind},
};
use reqwest::header;
use sqlx::{postgres::PgConnectOptions, PgPool};
use support::{
    call, captured, config, percentile,
    pgbench::{self, Step},
    serve, sign_up, BenchDb, Capture,
};
use tracing_subscriber::{layer::SubscriberExt, util::SubscriberInitExt};
use uuid::Uuid;

/// Invoices in the list's table, and drafts issued per round.
const INVOICES: i32 = 100_000;
const ISSUES: usize = 640;
/// pgbench's runs: seconds measured after a warm-up, and the drafts it may issue.
const SECONDS: u64 = 10;
const WARM_UP: Duration = Duration::from_secs(2);
const POOL: usize = 40_000;

fn ms(d: Duration) -> String {
    format!("{:.1}", d.as_secs_f64() * 1000.0)
}

struct Fixture {
    address: String,
    http: reqwest::Client,
    cookies: String,
    org: Uuid,
    branch: Uuid,
    db: PgPool,
    /// The same database as the application role (row-level security applies).
    app: PgConnectOptions,
}

async fn fixture(url: &str) -> Fixture {
    let config = config(
        url,
        &[("DATABASE_MAX_CONNECTIONS", "40"), ("WORKER_IN_PROCESS", "false")],
    );
    let app = config.app_database.clone();
    let address = serve(config).await;
    let http = reqwest::Client::builder().pool_max_idle_per_host(64).build().unwrap();
    let cookies = sign_up(&http, &address, "Europe/London").await;
    let db = sqlx::postgres::PgPoolOptions::new()
        .max_connections(2)
        .connect(url)
        .await
        .unwrap();
    let (org, branch): (Uuid, Uuid) = sqlx::query_as("select org_id, id from branches")
        .fetch_one(&db)
        .await
        .unwrap();
    // 1,000 patients and 100,000 issued invoices among them, a third of them paid.
    sqlx::query(
        "insert into patients (org_id, full_name) select $1, 'Bench Patient ' || n from generate_series(1, 1000) n",
    )
    .bind(org)
    .execute(&db)
    .await
    .unwrap();
    sqlx::query(
        "insert into invoices (org_id, branch_id, patient_id, currency, tax_mode, status, year, number, number_label,
                               issued_at, net_minor, total_minor, paid_minor)
         select $1, $2, p.id, 'GBP', 'exclusive', case when n % 3 = 0 then 'paid' else 'issued' end, 2020, n,
                'INV-2020-' || lpad(n::text, 6, '0'), now() - (n || ' minutes')::interval, 4500, 4500,
                case when n % 3 = 0 then 4500 else 0 end
         from generate_series(1, $3) n
         join lateral (select id from patients where org_id = $1 order by id offset n % 1000 limit 1) p on true",
    )
    .bind(org)
    .bind(branch)
    .bind(INVOICES)
    .execute(&db)
    .await
    .unwrap();
    sqlx::query("analyze").execute(&db).await.unwrap();
    Fixture {
        address,
        http,
        cookies,
        org,
        branch,
        db,
        app,
    }
}

/// `count` drafts of one line each, to issue.
async fn drafts(f: &Fixture, count: usize, lines: i32) -> Vec<Uuid> {
    sqlx::query_scalar(
        "with made as (
             insert into invoices (org_id, branch_id, patient_id, currency, tax_mode)
             select $1, $2, (select id from patients where org_id = $1 limit 1), 'GBP', 'exclusive'
             from generate_series(1, $3) returning id),
         lined as (
             insert into invoice_lines (org_id, invoice_id, position, description, quantity, unit_price_minor, tax_bp)
             select $1, made.id, n, 'Sports massage, 45 minutes', 1, 4500, 2000
             from made, generate_series(1, $4) n)
         select id from made",
    )
    .bind(f.org)
    .bind(f.branch)
    .bind(count as i32)
    .bind(lines)
    .fetch_all(&f.db)
    .await
    .unwrap()
}

/// How pgbench gives each statement of an issue its parameters, in the order the app
/// runs them. The draft (`:id`) is the next of a pool made beforehand (`PREAMBLE`); the
/// number is the one the series gives (`:number`, kept by `\gset`); the rest is what the
/// captured issue bound, read back from the database.
const STEPS: &[Step] = &[
    ("select credential_id", &[":org", ":session", ":user"]),
    ("begin; set tenant", &[]),
    (
        "select id, branch_id, patient_id, appointment_id, kind",
        &[":org", ":id"],
    ),
    ("select id, description, quantity", &[":org", ":id"]),
    ("select legal_name", &[":org"]),
    ("select invoice_number_take", &[":org", "'invoice'", ":year"]),
    (
        "update invoices set status",
        &[
            ":org",
            ":id",
            "'issued'",
            ":year",
            ":number",
            ":prefix || '-' || :year || '-' || lpad(:number::text, 6, '0')",
            ":due_on",
            ":seller_name",
            ":seller_address",
            ":seller_tax_id",
            ":notes",
            ":net",
            ":tax",
            ":total",
        ],
    ),
    (
        "insert into audit_log",
        &[
            ":org",
            ":branch",
            ":user",
            "'invoice.issued'",
            "'invoice'",
            ":id",
            ":diff",
            "'127.0.0.1'",
        ],
    ),
    ("COMMIT", &[]),
];

/// Each transaction's draft: the next of the pool (an uncorrelated subquery, so the
/// sequence moves once per transaction).
const PREAMBLE: &str = "select id from bench_drafts where n = (select nextval('bench_draft_seq')) \\gset\n";

/// `POOL` drafts for pgbench, numbered in the order it takes them.
async fn draft_pool(f: &Fixture) {
    let ids = drafts(f, POOL, 3).await;
    sqlx::raw_sql(
        "create table bench_drafts (n bigint primary key, id uuid not null); create sequence bench_draft_seq",
    )
    .execute(&f.db)
    .await
    .unwrap();
    sqlx::query("insert into bench_drafts select n, id from unnest($1::uuid[]) with ordinality as d (id, n)")
        .bind(ids)
        .execute(&f.db)
        .await
        .unwrap();
    // A patient of their own: the others' pages and PDFs read their account, which a
    // patient with 40,000 invoices would make the measure of.
    sqlx::query(
        "update invoices set patient_id = (select id from patients where org_id = $1 order by full_name desc limit 1)
         where id in (select id from bench_drafts)",
    )
    .bind(f.org)
    .execute(&f.db)
    .await
    .unwrap();
    sqlx::query("analyze").execute(&f.db).await.unwrap();
}

/// The values the captured issue bound that pgbench binds too.
async fn bound(f: &Fixture, issued: Uuid) -> Vec<(String, String)> {
    let (session, user): (Uuid, Uuid) =
        sqlx::query_as("select id, user_id from sessions order by created_at desc limit 1")
            .fetch_one(&f.db)
            .await
            .unwrap();
    let row: (i32, String, String, String, String, String, String, i64, i64, i64) = sqlx::query_as(
        "select year, split_part(number_label, '-', 1), due_on::text, seller_name, seller_address, seller_tax_id, notes,
                net_minor, tax_minor, total_minor
         from invoices where id = $1",
    )
    .bind(issued)
    .fetch_one(&f.db)
    .await
    .unwrap();
    let diff: String =
        sqlx::query_scalar("select diff::text from audit_log where action = 'invoice.issued' and entity_id = $1")
            .bind(issued)
            .fetch_one(&f.db)
            .await
            .unwrap();
    [
        ("org", f.org.to_string()),
        ("branch", f.branch.to_string()),
        ("session", session.to_string()),
        ("user", user.to_string()),
        ("year", row.0.to_string()),
        ("prefix", row.1),
        ("due_on", row.2),
        ("seller_name", row.3),
        ("seller_address", row.4),
        ("seller_tax_id", row.5),
        ("notes", row.6),
        ("net", row.7.to_string()),
        ("tax", row.8.to_string()),
        ("total", row.9.to_string()),
        ("diff", diff),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect()
}

/// Issues `ids` with `clients` at once; (wall time, sorted latencies).
async fn issue_all(f: &Fixture, ids: Vec<Uuid>, clients: usize) -> (Duration, Vec<Duration>) {
    let queue = std::sync::Arc::new(std::sync::Mutex::new(ids));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..clients {
        let (queue, http, address, cookies) = (queue.clone(), f.http.clone(), f.address.clone(), f.cookies.clone());
        tasks.push(tokio::spawn(async move {
            let mut took = Vec::new();
            loop {
                let Some(id) = queue.lock().unwrap().pop() else {
                    break;
                };
                let at = Instant::now();
                let response = call::<IssueInvoice>(&http, &address, &cookies, &[("id", &id.to_string())]).await;
                assert!(response.status().is_success(), "{}", response.text().await.unwrap());
                took.push(at.elapsed());
            }
            took
        }));
    }
    let mut took = Vec::new();
    for task in tasks {
        took.extend(task.await.unwrap());
    }
    took.sort();
    (started.elapsed(), took)
}

/// Sorted durations of `n` sequential runs of `run`.
async fn timed(n: usize, mut run: impl AsyncFnMut()) -> Vec<Duration> {
    let mut took = Vec::with_capacity(n);
    for _ in 0..n {
        let at = Instant::now();
        run().await;
        took.push(at.elapsed());
    }
    took.sort();
    took
}

#[tokio::main]
async fn main() {
    tracing_subscriber::registry().with(Capture).init();
    let bench_db = BenchDb::create("billing").await;
    let (server_url, db_name) = (bench_db.server.clone(), bench_db.name.clone());
    let f = fixture(&format!("{server_url}/{db_name}")).await;

    // One issue, captured as it runs: what pgbench will run, with what it bound.
    let one = drafts(&f, 1, 3).await[0];
    let (status, statements) = captured(async || {
        call::<IssueInvoice>(&f.http, &f.address, &f.cookies, &[("id", &one.to_string())])
            .await
            .status()
    })
    .await;
    assert!(status.is_success(), "the captured issue failed");
    let statements: Vec<String> = statements.into_iter().map(|(sql, _)| sql).collect();
    // `as "number!"` is sqlx's column name; pgbench keeps it as a variable named `number`.
    let script = pgbench::script(&statements, STEPS, PREAMBLE, &["select invoice_number_take"])
        .replace(r#"as "number!" \gset"#, r#"as number \gset"#);
    // pgbench takes no empty variable: an empty value is written into the script instead.
    let (empty, values): (Vec<_>, Vec<_>) = bound(&f, one).await.into_iter().partition(|(_, v)| v.is_empty());
    let script = empty
        .iter()
        .fold(script, |script, (name, _)| script.replace(&format!(":{name}"), "''"));
    draft_pool(&f).await;

    println!("\n### Issuing invoices ({ISSUES} drafts per round, one IssueInvoice call each; pgbench running its statements {SECONDS} s after {} s of warm-up)\n", WARM_UP.as_secs());
    println!("| clients | issues/s | p50 (ms) | p99 (ms) | numbers | pgbench connections | pgbench tx/s | pgbench avg ms | HTTP ÷ pgbench |");
    println!("|---|---|---|---|---|---|---|---|---|");
    let mut last = None;
    for clients in [8, 32] {
        let ids = drafts(&f, ISSUES, 3).await;
        let (wall, took) = issue_all(&f, ids, clients).await;
        let (count, distinct, low, high): (i64, i64, i64, i64) = sqlx::query_as(
            "select count(*), count(distinct number), min(number), max(number)
             from invoices where org_id = $1 and year = extract(year from now())::int and kind = 'invoice'",
        )
        .bind(f.org)
        .fetch_one(&f.db)
        .await
        .unwrap();
        let numbers = match count == distinct && high - low + 1 == count {
            true => format!("{low}..{high}, no gap or duplicate"),
            false => format!("WRONG: {count} issued, {distinct} distinct, {low}..{high}"),
        };
        let rate = ISSUES as f64 / wall.as_secs_f64();
        let run = pgbench::run(
            &f.app,
            std::slice::from_ref(&script),
            &values,
            clients,
            WARM_UP,
            SECONDS,
        );
        let ratio = if run.tps > 0.0 { rate / run.tps } else { 0.0 };
        println!(
            "| {clients} | {rate:.0} | {} | {} | {numbers} | {clients} | {:.0} | {:.1} | {ratio:.2} |",
            ms(percentile(&took, 0.5)),
            ms(percentile(&took, 0.99)),
            run.tps,
            run.latency,
        );
        last = Some(run);
    }
    // pgbench sends `begin` and `set_config` apart (it cannot prepare the app's two-in-one
    // simple query), and looks up its draft first.
    let mut names = vec!["(pgbench's own) the next draft of the pool".to_owned()];
    for sql in &statements {
        match pgbench::squash(sql) {
            sql if sql.starts_with("begin; set tenant") => names.extend(["begin".into(), "set tenant".into()]),
            sql => names.push(sql.chars().take(70).collect()),
        }
    }
    println!("\n### Where an issue's time goes (pgbench, 32 connections)\n");
    println!("| # | statement | ms |");
    println!("|---|---|---|");
    for (n, (name, took)) in names
        .iter()
        .zip(last.map(|r| r.statements).unwrap_or_default())
        .enumerate()
    {
        println!("| {} | `{name}` | {took:.2} |", n + 1);
    }

    // The reads after the writes, as autovacuum would have left the table by then (the
    // owed total is summed from an index, which needs the visibility map).
    sqlx::query("vacuum analyze invoices").execute(&f.db).await.unwrap();
    println!("\n### The outstanding list among {INVOICES} invoices, and the PDF\n");
    println!("| request | p50 (ms) | p99 (ms) |");
    println!("|---|---|---|");
    let list = timed(50, async || {
        let r = call::<GetInvoices>(&f.http, &f.address, &f.cookies, &[("show", "outstanding")]).await;
        assert!(r.status().is_success());
        r.bytes().await.unwrap();
    })
    .await;
    println!(
        "| outstanding invoices (first 200 and the total owed) | {} | {} |",
        ms(percentile(&list, 0.5)),
        ms(percentile(&list, 0.99))
    );
    let one = drafts(&f, 1, 3).await[0];
    let pdf = timed(50, async || {
        let r = f
            .http
            .get(format!("{}/app/invoices/{one}/invoice.pdf", f.address))
            .header(header::COOKIE, &f.cookies)
            .send()
            .await
            .unwrap();
        assert!(r.status().is_success());
        r.bytes().await.unwrap();
    })
    .await;
    println!(
        "| invoice PDF download (3 lines) | {} | {} |",
        ms(percentile(&pdf, 0.5)),
        ms(percentile(&pdf, 0.99))
    );

    println!("\n### Drawing an invoice PDF in process (krilla, DejaVu Sans subset)\n");
    println!("| lines | per document (ms, p50) | p99 (ms) | bytes |");
    println!("|---|---|---|---|");
    for lines in [3, 60] {
        let id = drafts(&f, 1, lines).await[0];
        let response = call::<GetInvoice>(&f.http, &f.address, &f.cookies, &[("id", &id.to_string())]).await;
        let (view, _): (InvoiceView, serde_json::Value) = response.json().await.unwrap();
        let mut bytes = Vec::new();
        let took = timed(100, async || bytes = render(&view, Kind::Invoice).unwrap()).await;
        println!(
            "| {lines} | {} | {} | {} |",
            ms(percentile(&took, 0.5)),
            ms(percentile(&took, 0.99)),
            bytes.len()
        );
    }

    f.db.close().await;
    bench_db.drop().await;
}
