//! Stock benchmark (run by `scripts/bench stock`, not a test): 2,000 items at 5 branches
//! with 1,000,000 movements in the ledger, over HTTP against an in-process server on its
//! own database:
//! - a branch's stock list (`GetStock`: every item's on-hand, value, low or not), p50/p99;
//! - one item's page (`GetItem`: its stock at the 5 branches and its latest movements);
//! - on-hand of one item at one branch in SQL, as the application role;
//! - recording a delivery (`ReceiveStock`) by 8 clients at once: movements per second.
//!
//! Stock is the last movement's `balance_after`, found by the index
//! `stock_movements_position_idx (item_id, branch_id, seq desc) include (balance_after)`:
//! one index-only probe per item and branch, whatever the ledger's length.
//!
//! `TEST_DATABASE_URL` names a PostgreSQL superuser URL (no database); the benchmark
//! makes and drops its own database.

// The capture of statements and pgbench are the billing and calendar benches'.
#[allow(dead_code)]
mod support;

use std::time::{Duration, Instant};

use careops::app::inventory::{GetItem, GetStock, ReceiveStock};
use sqlx::{Connection, Executor, PgConnection};
use support::{call, config, percentile, serve, sign_up, BenchDb};
use uuid::Uuid;

const ITEMS: i32 = 2_000;
const BRANCHES: usize = 5;
const MOVEMENTS: i32 = 1_000_000;
const LIST_CALLS: usize = 40;
const ITEM_CALLS: usize = 200;
const SQL_PROBES: usize = 2_000;
const RECEIVES: usize = 800;

fn ms(d: Duration) -> String {
    format!("{:.2}", d.as_secs_f64() * 1000.0)
}

fn row(what: &str, mut took: Vec<Duration>) {
    took.sort();
    println!(
        "| {what} | {} | {} | {} |",
        took.len(),
        ms(percentile(&took, 0.5)),
        ms(percentile(&took, 0.99))
    );
}

#[tokio::main]
async fn main() {
    let bench_db = BenchDb::create("stock").await;
    let (server_url, db_name) = (bench_db.server.clone(), bench_db.name.clone());
    let url = format!("{server_url}/{db_name}");
    let config = config(
        &url,
        &[("DATABASE_MAX_CONNECTIONS", "20"), ("WORKER_IN_PROCESS", "false")],
    );
    let app_options = config.app_database.clone();
    let address = serve(config).await;
    let http = reqwest::Client::builder().pool_max_idle_per_host(16).build().unwrap();
    let cookies = sign_up(&http, &address, "Europe/London").await;
    let mut db = PgConnection::connect(&url).await.unwrap();
    let (org, branch, owner): (Uuid, Uuid, Uuid) =
        sqlx::query_as("select b.org_id, b.id, u.id from branches b join users u on u.org_id = b.org_id")
            .fetch_one(&mut db)
            .await
            .unwrap();

    let loading = Instant::now();
    sqlx::query("insert into branches (org_id, name, timezone) select $1, 'Branch ' || n, 'Europe/London' from generate_series(2, $2) n")
        .bind(org)
        .bind(BRANCHES as i32)
        .execute(&mut db)
        .await
        .unwrap();
    sqlx::query(
        "insert into inventory_items (org_id, name, sku, unit, cost_minor, reorder_level, reorder_quantity)
         select $1, 'Item ' || n, 'SKU-' || n, 'box', 100 + n % 900, 5, 50 from generate_series(1, $2) n",
    )
    .bind(org)
    .bind(ITEMS)
    .execute(&mut db)
    .await
    .unwrap();
    // The ledger, through its trigger (each movement's balance under the item's lock), in
    // chunks: deliveries, then counts and uses spread over every item and branch.
    let chunk = 50_000;
    for start in (0..MOVEMENTS).step_by(chunk as usize) {
        sqlx::query(
            "with items as (select id, row_number() over (order by id) - 1 as n from inventory_items),
                  branches as (select id, row_number() over (order by created_at, id) - 1 as n from branches)
             insert into stock_movements (org_id, item_id, branch_id, kind, quantity, balance_after, unit_cost_minor, reason, recorded_by, seq)
             select $1, i.id, b.id,
                    case when g % 4 = 0 then 'adjust' else 'receive' end,
                    case when g % 4 = 0 then -1 else 3 end, 0,
                    case when g % 4 = 0 then null else 120 end,
                    case when g % 4 = 0 then 'count' else '' end, $2, 0
             from generate_series($3, $4) g
             join items i on i.n = g % $5
             join branches b on b.n = (g / $5) % $6",
        )
        .bind(org)
        .bind(owner)
        .bind(start)
        .bind(start + chunk - 1)
        .bind(i64::from(ITEMS))
        .bind(BRANCHES as i64)
        .execute(&mut db)
        .await
        .unwrap();
    }
    db.execute("analyze").await.unwrap();
    let loaded = loading.elapsed();
    let (movements, size): (i64, String) = sqlx::query_as(
        "select count(*), pg_size_pretty(pg_total_relation_size('stock_movements')) from stock_movements",
    )
    .fetch_one(&mut db)
    .await
    .unwrap();
    println!(
        "\n### Stock: {ITEMS} items × {BRANCHES} branches, {movements} movements ({size} with indexes; loaded through the ledger's trigger in {:.0} s)\n",
        loaded.as_secs_f64()
    );
    println!("| what | calls | p50 (ms) | p99 (ms) |");
    println!("|---|---|---|---|");

    let mut took = Vec::new();
    for _ in 0..LIST_CALLS {
        let started = Instant::now();
        let response = call::<GetStock>(&http, &address, &cookies, &[]).await;
        assert!(response.status().is_success());
        let body = response.bytes().await.unwrap();
        took.push(started.elapsed());
        assert!(body.len() > 100_000, "the whole list came");
    }
    row("the branch's stock list, 2,000 items (`GetStock`, HTTP)", took);

    let items: Vec<Uuid> = sqlx::query_scalar("select id from inventory_items order by random() limit $1")
        .bind(ITEM_CALLS as i64)
        .fetch_all(&mut db)
        .await
        .unwrap();
    let mut took = Vec::new();
    for item in &items {
        let started = Instant::now();
        let response = call::<GetItem>(&http, &address, &cookies, &[("id", &item.to_string())]).await;
        assert!(response.status().is_success());
        response.bytes().await.unwrap();
        took.push(started.elapsed());
    }
    row(
        "one item: stock at 5 branches and its latest 50 movements (`GetItem`, HTTP)",
        took,
    );

    let mut app = PgConnection::connect_with(&app_options).await.unwrap();
    let mut tx = app.begin().await.unwrap();
    sqlx::query("select set_config('app.org_id', $1, true)")
        .bind(org.to_string())
        .execute(&mut *tx)
        .await
        .unwrap();
    let mut took = Vec::new();
    for n in 0..SQL_PROBES {
        let item = items[n % items.len()];
        let started = Instant::now();
        let _: Option<i32> = sqlx::query_scalar(
            "select balance_after from stock_movements where item_id = $1 and branch_id = $2 order by seq desc limit 1",
        )
        .bind(item)
        .bind(branch)
        .fetch_optional(&mut *tx)
        .await
        .unwrap();
        took.push(started.elapsed());
    }
    tx.rollback().await.unwrap();
    row("on hand of one item at one branch (SQL, application role)", took);
    let plan: Vec<String> = sqlx::query_scalar(
        "explain select balance_after from stock_movements where item_id = $1 and branch_id = $2 order by seq desc limit 1",
    )
    .bind(items[0])
    .bind(branch)
    .fetch_all(&mut db)
    .await
    .unwrap();

    // Deliveries recorded at once by 8 clients, each on items of its own and on shared ones.
    let started = Instant::now();
    let mut clients = Vec::new();
    for client in 0..8 {
        let (http, address, cookies) = (http.clone(), address.clone(), cookies.clone());
        let mine: Vec<Uuid> = items.iter().skip(client).step_by(8).copied().collect();
        clients.push(tokio::spawn(async move {
            let mut took = Vec::new();
            for n in 0..RECEIVES / 8 {
                let item = if n % 4 == 0 { mine[0] } else { mine[n % mine.len()] };
                let began = Instant::now();
                let response = call::<ReceiveStock>(
                    &http,
                    &address,
                    &cookies,
                    &[("item_id", &item.to_string()), ("quantity", "2"), ("unit_cost", "1.20")],
                )
                .await;
                assert!(response.status().is_success(), "{}", response.status());
                took.push(began.elapsed());
            }
            took
        }));
    }
    let mut took = Vec::new();
    for client in clients {
        took.extend(client.await.unwrap());
    }
    let wall = started.elapsed();
    let rate = took.len() as f64 / wall.as_secs_f64();
    row(
        &format!("a delivery recorded (`ReceiveStock`, HTTP), 8 clients at once: {rate:.0} movements/s"),
        took,
    );
    println!(
        "\nThe on-hand probe's plan: `{}`",
        plan.first().map_or("", |l| l.trim())
    );

    drop(db);
    drop(app);
    bench_db.drop().await;
}
