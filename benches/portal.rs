//! Portal and patients benchmark (run by `scripts/bench`, not a test): availability for
//! a month × 20 practitioners with 2,000 appointments (latency and round trips to
//! PostgreSQL), the portal pages' time to first byte, the bytes a phone downloads, and the
//! patient search among 100,000 patients.
//!
//! `TEST_DATABASE_URL` names a PostgreSQL superuser URL (no database); the benchmark
//! makes and drops its own database.

// The shared helpers; this benchmark runs no pgbench.
#[allow(dead_code)]
mod support;

use std::time::{Duration, Instant};

use careops::{
    domain::{
        availability::slots,
        time::{local_to_utc, zone},
    },
    server::{
        config::Config,
        db::{portal as portal_db, Db},
        portal::{free_slots, Ask},
    },
};
use chrono::{NaiveTime, Utc};
use reqwest::header;
use sqlx::PgPool;
use support::{call, captured, percentile, serve, sign_up, BenchDb, Capture};
use tracing_subscriber::prelude::*;
use uuid::Uuid;

const RUNS: usize = 100;

/// How many round trips `work` makes to PostgreSQL.
async fn statements<T>(work: impl AsyncFnOnce() -> T) -> (usize, T) {
    let (out, sent) = captured(work).await;
    (sent.len(), out)
}

fn ms(d: Duration) -> String {
    format!("{:.2}", d.as_secs_f64() * 1000.0)
}

/// p50 and p95 of `runs` sequential runs.
async fn timed(runs: usize, mut run: impl AsyncFnMut()) -> (Duration, Duration) {
    let mut latencies = Vec::with_capacity(runs);
    for _ in 0..runs {
        let started = Instant::now();
        run().await;
        latencies.push(started.elapsed());
    }
    latencies.sort();
    (percentile(&latencies, 0.5), percentile(&latencies, 0.95))
}

fn config(url: &str) -> Config {
    support::config(
        url,
        &[
            ("DATABASE_MAX_CONNECTIONS", "10"),
            ("PORTAL_BOOKINGS_PER_IP_MINUTE", "100000"),
        ],
    )
}

struct Clinic {
    org: Uuid,
    branch: Uuid,
    service: Uuid,
    slug: String,
    cookies: String,
}

/// A clinic in Berlin with one online service, 20 practitioners working weekdays
/// 08:00-12:00 and 13:00-18:00, 2,000 appointments over the coming month, and 100,000
/// patients.
async fn clinic(http: &reqwest::Client, address: &str, owner: &PgPool) -> Clinic {
    let cookies = sign_up(http, address, "Europe/Berlin").await;
    let saved = call::<careops::app::settings::SaveService>(
        http,
        address,
        &cookies,
        &[
            ("name", "Physiotherapy"),
            ("duration_minutes", "30"),
            ("price", "50"),
            ("buffer_after_minutes", "10"),
            ("colour", "#0f6b7a"),
            ("online_bookable", "on"),
        ],
    )
    .await;
    assert!(saved.status().is_success());
    let (org, branch, service, slug): (Uuid, Uuid, Uuid, String) = sqlx::query_as(
        "select o.id, b.id, s.id, o.slug from organizations o join branches b on b.org_id = o.id join services s on s.org_id = o.id",
    )
    .fetch_one(owner)
    .await
    .unwrap();
    sqlx::query(
        "with staff as (
             insert into users (org_id, email, full_name, password_hash)
             select $1, 'p' || n || '@bench.careops.test', 'Practitioner ' || lpad(n::text, 2, '0'), 'x'
             from generate_series(1, 20) n returning id),
         member as (
             insert into memberships (org_id, user_id, branch_id, role)
             select $1, id, $2, 'practitioner' from staff returning user_id)
         insert into working_hours (org_id, branch_id, user_id, weekday, starts, ends)
         select $1, $2, m.user_id, d, h.starts, h.ends
         from member m, generate_series(1, 5) d,
              (values (time '08:00', time '12:00'), (time '13:00', time '18:00')) h(starts, ends)",
    )
    .bind(org)
    .bind(branch)
    .execute(owner)
    .await
    .unwrap();
    // 100,000 patients with realistic names, phones and (for a third) emails.
    sqlx::query(
        "insert into patients (org_id, full_name, phone, email)
         select $1,
                (array['Amelia','Oliver','Isla','George','Ava','Noah','Mia','Leo','Grace','Arthur','Sofia','Oscar','Chloe','Jack','Ella','Henry'])[1 + n % 16]
                || ' ' ||
                (array['Patel','Smith','Jones','Nguyen','Garcia','Muller','Khan','Obrien','Schmidt','Rossi','Kowalski','Silva','Dubois','Jensen','Novak','Ito','Kim','Haddad','Ivanova','Okafor'])[1 + (n / 16) % 20]
                || ' ' || n,
                '+49 30 ' || lpad(n::text, 8, '0'),
                case when n % 3 = 0 then 'patient' || n || '@example.com' else '' end
         from generate_series(1, 100000) n",
    )
    .bind(org)
    .execute(owner)
    .await
    .unwrap();
    // 2,000 appointments: each practitioner 5 a day on the 20 weekdays from tomorrow.
    sqlx::query(
        "with days as (
             select d::date as day from generate_series(current_date + 1, current_date + 40, interval '1 day') d
             where extract(isodow from d) < 6 order by d limit 20),
         staff as (select user_id from memberships where org_id = $1 and role = 'practitioner'),
         times as (select t from unnest(array[time '08:00', time '09:30', time '11:00', time '14:00', time '16:00']) t)
         insert into appointments (org_id, branch_id, patient_id, practitioner_id, service_id, starts_at, ends_at,
                                   buffer_after_minutes, source)
         select $1, $2, (select id from patients where org_id = $1 order by id limit 1), s.user_id, $3,
                (d.day + t.t) at time zone 'Europe/Berlin', (d.day + t.t + interval '30 minutes') at time zone 'Europe/Berlin',
                10, 'staff'
         from days d, staff s, times t",
    )
    .bind(org)
    .bind(branch)
    .bind(service)
    .execute(owner)
    .await
    .unwrap();
    sqlx::query("analyze").execute(owner).await.unwrap();
    let count: i64 = sqlx::query_scalar("select count(*) from appointments")
        .fetch_one(owner)
        .await
        .unwrap();
    assert_eq!(count, 2000);
    Clinic {
        org,
        branch,
        service,
        slug,
        cookies,
    }
}

/// The sizes of the release build's file with this extension: (raw, gzip, brotli).
fn asset_sizes(extension: &str) -> Option<(u64, u64, u64)> {
    let dir = std::fs::read_dir("target/site/pkg").ok()?;
    let file = dir
        .filter_map(Result::ok)
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|e| e == extension))?;
    let size = |path: std::path::PathBuf| std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
    let with = |suffix: &str| {
        let mut name = file.clone().into_os_string();
        name.push(suffix);
        size(name.into())
    };
    Some((size(file.clone()), with(".gz"), with(".br")))
}

fn kb(bytes: u64) -> String {
    format!("{:.0} KB", bytes as f64 / 1024.0)
}

#[tokio::main]
async fn main() {
    tracing_subscriber::registry().with(Capture).init();
    let bench_db = BenchDb::create("portal").await;
    let (server, db_name) = (bench_db.server.clone(), bench_db.name.clone());
    let url = format!("{server}/{db_name}");
    let address = serve(config(&url)).await;
    let http = reqwest::Client::new();
    let owner = PgPool::connect(&url).await.unwrap();
    let c = clinic(&http, &address, &owner).await;
    let db = Db::connect(&config(&url)).await.unwrap();

    // A month from tomorrow, in the branch's calendar.
    let tz = zone("Europe/Berlin");
    let from = careops::domain::time::utc_to_local(Utc::now(), tz).date() + chrono::Duration::days(1);
    let to = from + chrono::Duration::days(29);
    let any = Ask {
        branch_id: c.branch,
        service_id: c.service,
        practitioner: None,
        except: None,
    };
    let month = async |ask: &Ask| {
        let mut tx = db.tenant(c.org).await.unwrap();
        let (_, found) = free_slots(&mut tx, c.org, ask, from, to).await.unwrap();
        tx.commit().await.unwrap();
        found
    };
    let (sql, found) = statements(async || month(&any).await).await;
    let (any_p50, any_p95) = timed(RUNS, async || {
        month(&any).await;
    })
    .await;
    let one: Uuid = sqlx::query_scalar("select user_id from memberships where role = 'practitioner' limit 1")
        .fetch_one(&owner)
        .await
        .unwrap();
    let single = Ask {
        practitioner: Some(one),
        ..any
    };
    let (one_p50, one_p95) = timed(RUNS, async || {
        month(&single).await;
    })
    .await;
    // The engine alone, on what the two queries read.
    let (engine_p50, engine_p95, every_slot, practitioners) = {
        let mut tx = db.tenant(c.org).await.unwrap();
        let mut setup = portal_db::setup(&mut tx, c.org, c.branch, c.service, from, to)
            .await
            .unwrap()
            .unwrap();
        let givers: Vec<Uuid> = setup.practitioners.iter().map(|(id, _)| *id).collect();
        let start = local_to_utc(tz, from.and_time(NaiveTime::MIN));
        let end = local_to_utc(tz, to.and_time(NaiveTime::MIN)) + chrono::Duration::days(1);
        portal_db::busy(&mut tx, c.org, c.branch, &givers, (start, end), None, &mut setup.world)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        let mut total = 0;
        let (p50, p95) = timed(RUNS, async || {
            total = slots(tz, Utc::now(), setup.rules, &setup.needs, &setup.world, from, to).len();
        })
        .await;
        (p50, p95, total, givers.len())
    };

    println!("\n## Availability: one month × 20 practitioners, 2,000 appointments ({RUNS} runs each)\n");
    println!("| what | p50 ms | p95 ms | round trips |");
    println!("|---|---:|---:|---:|");
    println!(
        "| a month, any practitioner ({} free start times shown) | {} | {} | {sql} |",
        found.len(),
        ms(any_p50),
        ms(any_p95)
    );
    println!(
        "| a month, one practitioner | {} | {} | {sql} |",
        ms(one_p50),
        ms(one_p95)
    );
    println!(
        "| the engine alone ({} practitioners, {} free practitioner-slots) | {} | {} | 0 |",
        practitioners,
        every_slot,
        ms(engine_p50),
        ms(engine_p95)
    );
    println!("\n(round trips: begin with the tenant, the two reads, commit)");

    // The portal as a phone loads it.
    let home = format!("{address}/book/{}", c.slug);
    let times = format!("{address}/book/{}/{}/{}?date={}", c.slug, c.branch, c.service, from);
    let mut rows = Vec::new();
    for (label, page) in [
        ("/book/{org}", &home),
        ("/book/{org}/{branch}/{service} (a fortnight of times)", &times),
    ] {
        let (page_sql, html) = statements(async || {
            http.get(page)
                .header(header::ACCEPT, "text/html")
                .header(header::ACCEPT_ENCODING, "br")
                .send()
                .await
                .unwrap()
                .bytes()
                .await
                .unwrap()
                .len()
        })
        .await;
        let (p50, p95) = timed(50, async || {
            // `send` returns when the headers arrive: the time to first byte.
            let response = http.get(page).header(header::ACCEPT, "text/html").send().await.unwrap();
            assert_eq!(response.status(), 200);
        })
        .await;
        rows.push(format!(
            "| {label} | {} | {} | {page_sql} | {} |",
            ms(p50),
            ms(p95),
            kb(html as u64)
        ));
    }
    println!("\n## Portal pages over HTTP (50 loads each)\n");
    println!("| page | TTFB p50 ms | TTFB p95 ms | round trips | HTML (brotli) |");
    println!("|---|---:|---:|---:|---:|");
    for row in rows {
        println!("{row}");
    }
    // The portal loads no script and no WASM (the staff app's bytes per page are the
    // table scripts/test prints), so besides its HTML a phone downloads the style sheet.
    println!("\n## What a phone downloads once besides the HTML (release build, cached for a year)\n");
    println!("| file | raw | gzip | brotli |");
    println!("|---|---:|---:|---:|");
    match asset_sizes("css") {
        Some((raw, gz, br)) => println!("| CSS | {} | {} | {} |", kb(raw), kb(gz), kb(br)),
        None => println!("| CSS | (build the site first: scripts/bench portal does) | | |"),
    }

    // Finding a patient among 100,000.
    let mut rows = Vec::new();
    for (label, query) in [
        ("first page of the list", ""),
        ("name fragment \"okafor\" (≈5,000 matches)", "okafor"),
        ("name \"grace kim 4\" (a few matches)", "grace kim 4"),
        ("phone digits \"3000004\"", "3000004"),
        ("email \"patient99999@\"", "patient99999@"),
    ] {
        let (p50, p95) = timed(50, async || {
            let r =
                call::<careops::app::patients::ListPatients>(&http, &address, &c.cookies, &[("query", query)]).await;
            assert_eq!(r.status(), 200);
        })
        .await;
        rows.push(format!("| {label} | {} | {} |", ms(p50), ms(p95)));
    }
    let deep = {
        let name: String = sqlx::query_scalar(
            "select lower(full_name) || '|' || id from patients order by lower(full_name), id offset 99000 limit 1",
        )
        .fetch_one(&owner)
        .await
        .unwrap();
        timed(50, async || {
            let r = call::<careops::app::patients::ListPatients>(
                &http,
                &address,
                &c.cookies,
                &[("query", ""), ("after", &name)],
            )
            .await;
            assert_eq!(r.status(), 200);
        })
        .await
    };
    rows.push(format!(
        "| page 1,981 of the list (keyset cursor) | {} | {} |",
        ms(deep.0),
        ms(deep.1)
    ));
    println!("\n## Patient list and search among 100,000 patients (server function over HTTP, 50 calls each)\n");
    println!("| what | p50 ms | p95 ms |");
    println!("|---|---:|---:|");
    for row in rows {
        println!("{row}");
    }

    db.pool().close().await;
    owner.close().await;
    bench_db.drop().await;
}
