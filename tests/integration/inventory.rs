//! Inventory: items, and stock derived from an append-only ledger of movements: a random
//! sequence of movements leaves the stock equal to their sum, the last unit goes to one
//! of two people taking it at once, a transfer moves both sides or neither.

use careops::app::{
    inventory::{CorrectStock, GetItem, GetStock, ReceiveStock, SaveItem, TransferStock},
    settings::SaveOrganization,
};
use proptest::{strategy::Strategy, strategy::ValueTree, test_runner::TestRunner};
use reqwest::StatusCode;
use uuid::Uuid;

use crate::common::*;

/// Adds an item as the browser's user; its id.
pub(crate) async fn item(app: &TestApp, browser: &Browser, name: &str) -> Uuid {
    let mut browser = browser.clone();
    let response = app
        .call::<SaveItem>(
            &mut browser,
            &[
                ("name", name),
                ("unit", "box"),
                ("cost", "4.50"),
                ("reorder_level", "3"),
            ],
        )
        .await;
    assert_eq!(
        response.status(),
        StatusCode::OK,
        "{}",
        response.text().await.unwrap_or_default()
    );
    sqlx::query_scalar("select id from inventory_items where name = $1")
        .bind(name)
        .fetch_one(&app.db)
        .await
        .unwrap()
}

/// Posts one of the item page's movement forms, named by its `kind` as the page's three
/// forms are: `receive`, `adjust` or `transfer`.
pub(crate) async fn record(app: &TestApp, browser: &Browser, item: Uuid, form: &[(&str, &str)]) -> reqwest::Response {
    let mut browser = browser.clone();
    let id = item.to_string();
    let mut fields = vec![("item_id", id.as_str())];
    fields.extend(form.iter().filter(|(k, _)| *k != "kind"));
    let kind = form.iter().find(|(k, _)| *k == "kind").map(|(_, v)| *v);
    match kind {
        Some("receive") => app.call::<ReceiveStock>(&mut browser, &fields).await,
        Some("adjust") => app.call::<CorrectStock>(&mut browser, &fields).await,
        Some("transfer") => app.call::<TransferStock>(&mut browser, &fields).await,
        other => panic!("no form for {other:?}"),
    }
}

/// What the item's page says is at the caller's branch.
pub(crate) async fn on_hand(app: &TestApp, browser: &Browser, item: Uuid) -> i64 {
    let mut browser = browser.clone();
    let response = app.call::<GetItem>(&mut browser, &[("id", &item.to_string())]).await;
    assert_eq!(response.status(), StatusCode::OK);
    let page = json(response).await;
    let branch = page["branch_id"].clone();
    page["stock"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["branch_id"] == branch)
        .map_or(0, |s| s["on_hand"].as_i64().unwrap())
}

/// Per branch: the sum of the ledger's quantities, and its last balance.
pub(crate) async fn ledger(app: &TestApp, item: Uuid, branch: Uuid) -> (i64, i64) {
    sqlx::query_as(
        "select coalesce(sum(quantity), 0)::bigint,
                coalesce((select balance_after from stock_movements where item_id = $1 and branch_id = $2
                           order by seq desc limit 1), 0)::bigint
         from stock_movements where item_id = $1 and branch_id = $2",
    )
    .bind(item)
    .bind(branch)
    .fetch_one(&app.db)
    .await
    .unwrap()
}

#[derive(Debug, Clone)]
enum Op {
    Receive(i32),
    Adjust(i32),
    Transfer(i32),
}

#[tokio::test]
async fn stock_is_the_sum_of_its_ledger_after_a_random_sequence_of_movements() {
    let app = spawn_app().await;
    let org = app.org("Harbour Physio").await;
    let annex = app.branch(&org, "Annex", "Europe/Berlin").await;
    let needles = item(&app, &org.owner, "Needles").await;
    let op = proptest::prop_oneof![
        (1..30i32).prop_map(Op::Receive),
        (-20..20i32).prop_filter("not zero", |n| *n != 0).prop_map(Op::Adjust),
        (1..15i32).prop_map(Op::Transfer),
    ];
    let ops = proptest::collection::vec(op, 40)
        .new_tree(&mut TestRunner::deterministic())
        .unwrap()
        .current();
    let annex_id = annex.to_string();
    let (mut here, mut there, mut refused) = (0i64, 0i64, 0);
    for op in &ops {
        let (form, taken): (Vec<(&str, String)>, i64) = match *op {
            Op::Receive(n) => (
                vec![
                    ("kind", "receive".into()),
                    ("quantity", n.to_string()),
                    ("unit_cost", "4.50".into()),
                ],
                -i64::from(n),
            ),
            Op::Adjust(n) => (
                vec![
                    ("kind", "adjust".into()),
                    ("quantity", n.to_string()),
                    ("reason", "count".into()),
                ],
                -i64::from(n),
            ),
            Op::Transfer(n) => (
                vec![
                    ("kind", "transfer".into()),
                    ("quantity", n.to_string()),
                    ("to_branch", annex_id.clone()),
                ],
                i64::from(n),
            ),
        };
        let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let response = record(&app, &org.owner, needles, &form).await;
        if here - taken < 0 {
            // More than the branch holds: refused, and nothing recorded.
            assert_eq!(response.status(), StatusCode::CONFLICT, "{op:?} with {here} here");
            assert!(response
                .text()
                .await
                .unwrap()
                .contains(&format!("Only {here} box in stock here")));
            refused += 1;
        } else {
            assert_eq!(response.status(), StatusCode::OK, "{op:?}");
            here -= taken;
            if let Op::Transfer(n) = op {
                there += i64::from(*n);
            }
        }
    }
    assert!(refused > 0, "the sequence tries to take too much at least once");
    assert_eq!(on_hand(&app, &org.owner, needles).await, here);
    assert_eq!(ledger(&app, needles, org.branch_id).await, (here, here));
    assert_eq!(ledger(&app, needles, annex).await, (there, there));
    // Every balance is the running sum of its branch's movements, in ledger order.
    let wrong: i64 = sqlx::query_scalar(
        "select count(*) from (
             select balance_after, sum(quantity) over (partition by branch_id order by seq) as running
             from stock_movements where item_id = $1) m
         where balance_after <> running",
    )
    .bind(needles)
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert_eq!(wrong, 0);

    // The ledger is never rewritten, not even by the application's own role.
    let mut conn = app.app_role_connection().await;
    let mut tx = sqlx::Connection::begin(&mut conn).await.unwrap();
    sqlx::query(&format!("select set_config('app.org_id', '{}', true)", org.id))
        .execute(&mut *tx)
        .await
        .unwrap();
    let changed = sqlx::query("update stock_movements set quantity = 1000")
        .execute(&mut *tx)
        .await;
    assert!(changed.unwrap_err().to_string().contains("never changed or removed"));
}

#[tokio::test]
async fn two_people_take_the_last_unit_at_once_and_one_is_told_there_is_none() {
    let app = spawn_app().await;
    let org = app.org("Harbour Physio").await;
    let receptionist = app.member(&org.owner, "receptionist", &[org.branch_id]).await;
    let gel = item(&app, &org.owner, "Gel").await;
    let received = record(
        &app,
        &org.owner,
        gel,
        &[("kind", "receive"), ("quantity", "1"), ("unit_cost", "3")],
    )
    .await;
    assert_eq!(received.status(), StatusCode::OK);

    let take = [("kind", "adjust"), ("quantity", "-1"), ("reason", "used")];
    let (a, b) = tokio::join!(
        record(&app, &org.owner, gel, &take),
        record(&app, &receptionist.browser, gel, &take)
    );
    let mut statuses = [a.status(), b.status()];
    statuses.sort();
    assert_eq!(statuses, [StatusCode::OK, StatusCode::CONFLICT]);
    assert_eq!(on_hand(&app, &org.owner, gel).await, 0);
    assert_eq!(ledger(&app, gel, org.branch_id).await, (0, 0));

    // An organization that allows it may go below zero.
    let mut owner = org.owner.clone();
    let saved = app
        .call::<SaveOrganization>(
            &mut owner,
            &[
                ("name", "Harbour Physio"),
                ("currency", "EUR"),
                ("allow_negative_stock", "on"),
            ],
        )
        .await;
    assert_eq!(saved.status(), StatusCode::OK);
    let again = record(&app, &receptionist.browser, gel, &take).await;
    assert_eq!(again.status(), StatusCode::OK);
    assert_eq!(on_hand(&app, &org.owner, gel).await, -1);
}

#[tokio::test]
async fn a_transfer_moves_both_sides_or_neither() {
    let app = spawn_app().await;
    let org = app.org("Harbour Physio").await;
    let annex = app.branch(&org, "Annex", "Europe/Berlin").await;
    let gloves = item(&app, &org.owner, "Gloves").await;
    let receive = [("kind", "receive"), ("quantity", "5"), ("unit_cost", "0.80")];
    assert_eq!(
        record(&app, &org.owner, gloves, &receive).await.status(),
        StatusCode::OK
    );
    let annex_id = annex.to_string();

    let too_many = record(
        &app,
        &org.owner,
        gloves,
        &[("kind", "transfer"), ("quantity", "6"), ("to_branch", &annex_id)],
    )
    .await;
    assert_eq!(too_many.status(), StatusCode::CONFLICT);
    assert_eq!(ledger(&app, gloves, annex).await, (0, 0), "nothing arrived");
    assert_eq!(ledger(&app, gloves, org.branch_id).await, (5, 5), "nothing left");

    let sent = record(
        &app,
        &org.owner,
        gloves,
        &[("kind", "transfer"), ("quantity", "3"), ("to_branch", &annex_id)],
    )
    .await;
    assert_eq!(sent.status(), StatusCode::OK);
    assert_eq!(ledger(&app, gloves, org.branch_id).await, (2, 2));
    assert_eq!(ledger(&app, gloves, annex).await, (3, 3));
    let pairs: i64 = sqlx::query_scalar("select count(distinct transfer_id) from stock_movements where item_id = $1")
        .bind(gloves)
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(pairs, 1, "both sides share one transfer");
    // The page names the other side, and the cost received at became the item's cost.
    let mut owner = org.owner.clone();
    let page = json(app.call::<GetItem>(&mut owner, &[("id", &gloves.to_string())]).await).await;
    assert_eq!(page["movements"][0]["other_branch"], "Annex");
    assert_eq!(page["item"]["cost_minor"], 80);

    // A branch the sender does not work in, or of another organization, is not found.
    let receptionist = app.member(&org.owner, "receptionist", &[org.branch_id]).await;
    let elsewhere = record(
        &app,
        &receptionist.browser,
        gloves,
        &[("kind", "transfer"), ("quantity", "1"), ("to_branch", &annex_id)],
    )
    .await;
    assert_eq!(elsewhere.status(), StatusCode::NOT_FOUND);
    assert_eq!(ledger(&app, gloves, org.branch_id).await, (2, 2));
}

#[tokio::test]
async fn the_stock_list_values_the_branch_at_cost_and_marks_what_is_low() {
    let app = spawn_app().await;
    let org = app.org("Harbour Physio").await;
    let needles = item(&app, &org.owner, "Needles").await;
    let gel = item(&app, &org.owner, "Gel").await;
    let receive = |n: &'static str| [("kind", "receive"), ("quantity", n), ("unit_cost", "4.50")];
    assert_eq!(
        record(&app, &org.owner, needles, &receive("10")).await.status(),
        StatusCode::OK
    );
    assert_eq!(
        record(&app, &org.owner, gel, &receive("2")).await.status(),
        StatusCode::OK
    );
    let mut owner = org.owner.clone();
    let page = json(app.call::<GetStock>(&mut owner, &[]).await).await;
    let rows = page["stock"]["rows"].as_array().unwrap();
    let names: Vec<&str> = rows.iter().map(|r| r["item"]["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["Gel", "Needles"]);
    assert_eq!(
        (rows[0]["on_hand"].as_i64(), rows[1]["on_hand"].as_i64()),
        (Some(2), Some(10))
    );

    // A period that cannot be read is the usage section's to say; the stock still shows.
    let backwards = [("from", "2026-12-01"), ("until", "2026-11-01")];
    let page = json(app.call::<GetStock>(&mut owner, &backwards).await).await;
    assert!(page["usage"]["Err"].is_object(), "{page}");
    assert_eq!(page["stock"]["rows"].as_array().map(Vec::len), Some(2));
    let html = app.get(&mut owner, "/app/stock").await.text().await.unwrap();
    assert!(
        html.contains("Worth €54.00 at cost. 1 item is at or below the reorder level."),
        "{html}"
    );

    // A SKU is one item's, and a bad form names its fields.
    let sku = |name: &'static str| [("name", name), ("sku", "ND-1")];
    assert_eq!(
        app.call::<SaveItem>(&mut owner, &sku("A")).await.status(),
        StatusCode::OK
    );
    let twice = app.call::<SaveItem>(&mut owner, &sku("B")).await;
    assert_eq!(twice.status(), StatusCode::CONFLICT);
    assert!(twice
        .text()
        .await
        .unwrap()
        .contains("Another item has this SKU already."));
    let bad = app.call::<SaveItem>(&mut owner, &[("name", ""), ("cost", "x")]).await;
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
}

pub fn surface() -> Vec<crate::security::Entry> {
    use crate::security::{Caller::Staff, Entry, Ids, Input};
    use careops::domain::access::Action::{ManageStock, ViewStock};
    use reqwest::Method;
    vec![
        Entry::route(Method::GET, "/app/stock/usage.csv", Staff(ViewStock), Ids::None, |_| {
            Input::at("/app/stock/usage.csv?by=service".into())
        }),
        Entry::route(Method::GET, "/api/v1/stock", Staff(ViewStock), Ids::None, |_| {
            Input::none()
        }),
        Entry::route(Method::GET, "/api/v1/stock/alerts", Staff(ViewStock), Ids::None, |_| {
            Input::none()
        }),
        Entry::route(Method::GET, "/api/v1/stock/usage", Staff(ViewStock), Ids::None, |_| {
            Input::at("/api/v1/stock/usage?from=2026-11-01&until=2026-11-30".into())
        }),
        Entry::route(
            Method::POST,
            "/api/v1/stock/items",
            Staff(ManageStock),
            Ids::None,
            |t| Input::none().json(serde_json::json!({"name": format!("API item {}", t.round), "cost": 120})),
        )
        .writes(),
        Entry::route(
            Method::GET,
            "/api/v1/stock/items/{id}",
            Staff(ViewStock),
            Ids::Org,
            |t| Input::at(format!("/api/v1/stock/items/{}", t.side.stock_item)),
        ),
        Entry::route(
            Method::PUT,
            "/api/v1/stock/items/{id}",
            Staff(ManageStock),
            Ids::Org,
            |t| {
                Input::at(format!("/api/v1/stock/items/{}", t.side.stock_item))
                    .json(serde_json::json!({"name": "Needles", "unit": "box", "cost": 450, "reorder_level": 5}))
            },
        )
        .writes(),
        Entry::route(
            Method::POST,
            "/api/v1/stock/items/{id}/movements",
            Staff(ManageStock),
            Ids::Org,
            |t| {
                Input::at(format!("/api/v1/stock/items/{}/movements", t.side.stock_item))
                    .json(serde_json::json!({"kind": "receive", "quantity": 2, "unit_cost": 450}))
            },
        )
        .writes(),
        Entry::function::<GetStock>(Staff(ViewStock), Ids::None, |_| Input::none()),
        Entry::function::<GetItem>(Staff(ViewStock), Ids::Org, |t| {
            Input::form([("id", t.side.stock_item.to_string())])
        }),
        Entry::function::<SaveItem>(Staff(ManageStock), Ids::None, |t| {
            Input::form([("name", format!("Item {}", t.round)), ("cost", "1.20".into())])
        })
        .writes(),
        Entry::function::<ReceiveStock>(Staff(ManageStock), Ids::Org, |t| {
            Input::form([
                ("item_id", t.side.stock_item.to_string()),
                ("quantity", "2".into()),
                ("unit_cost", "4.50".into()),
            ])
        })
        .writes(),
        Entry::function::<CorrectStock>(Staff(ManageStock), Ids::Org, |t| {
            Input::form([
                ("item_id", t.side.stock_item.to_string()),
                ("quantity", "-1".into()),
                ("reason", "broken".into()),
            ])
        })
        .writes(),
        // The walk's organizations have one branch each, so an allowed transfer names the
        // branch it is sent from and is refused for it (422); what the walk checks here is
        // that another organization's item and branch are not found. Transfers that go
        // through: `a_transfer_moves_both_sides_or_neither`.
        Entry::function::<TransferStock>(Staff(ManageStock), Ids::Org, |t| {
            Input::form([
                ("item_id", t.side.stock_item.to_string()),
                ("quantity", "1".into()),
                ("to_branch", t.side.branch.to_string()),
            ])
        })
        .or_refused(&[StatusCode::UNPROCESSABLE_ENTITY]),
    ]
}

#[tokio::test]
async fn crossing_the_reorder_level_opens_one_alert_which_a_restock_closes() {
    let app = spawn_app().await;
    let org = app.org("Harbour Physio").await;
    let gel = item(&app, &org.owner, "Gel").await; // reorder at 3
    let alerts = |open_only: bool| {
        let db = app.db.clone();
        async move {
            sqlx::query_scalar::<_, i64>(&format!(
                "select count(*) from stock_alerts where item_id = $1 {}",
                if open_only { "and closed_at is null" } else { "" }
            ))
            .bind(gel)
            .fetch_one(&db)
            .await
            .unwrap()
        }
    };
    let take = |n: &'static str| [("kind", "adjust"), ("quantity", n), ("reason", "used")];
    let receive = |n: &'static str| [("kind", "receive"), ("quantity", n), ("unit_cost", "3")];
    assert_eq!(
        record(&app, &org.owner, gel, &receive("10")).await.status(),
        StatusCode::OK
    );
    assert_eq!((alerts(false).await, alerts(true).await), (0, 0));
    // 10 → 3 crosses the level, 3 → 2 and 2 → 1 stay below it: one alert.
    for n in ["-7", "-1", "-1"] {
        assert_eq!(record(&app, &org.owner, gel, &take(n)).await.status(), StatusCode::OK);
    }
    assert_eq!((alerts(false).await, alerts(true).await), (1, 1));
    let mut owner = org.owner.clone();
    let html = app.get(&mut owner, "/app/stock").await.text().await.unwrap();
    assert!(
        html.contains("Running low") && html.contains(": 1 box left since "),
        "{html}"
    );
    // A restock closes it; the next crossing opens a second one.
    assert_eq!(
        record(&app, &org.owner, gel, &receive("9")).await.status(),
        StatusCode::OK
    );
    assert_eq!((alerts(false).await, alerts(true).await), (1, 0));
    assert_eq!(
        record(&app, &org.owner, gel, &take("-8")).await.status(),
        StatusCode::OK
    );
    assert_eq!((alerts(false).await, alerts(true).await), (2, 1));
    // Lowering the level under what is held closes it too.
    let id = gel.to_string();
    let saved = app
        .call::<SaveItem>(
            &mut owner,
            &[("id", &id), ("name", "Gel"), ("unit", "box"), ("reorder_level", "1")],
        )
        .await;
    assert_eq!(saved.status(), StatusCode::OK);
    assert_eq!((alerts(false).await, alerts(true).await), (2, 0));
}

#[tokio::test]
async fn an_opened_alert_emails_the_branchs_managers_once_and_shows_live() {
    let app = spawn_app().await;
    let org = app.org("Harbour Physio").await;
    let admin = app.member(&org.owner, "admin", &[org.branch_id]).await;
    let receptionist = app.member(&org.owner, "receptionist", &[org.branch_id]).await;
    let elsewhere = app.branch(&org, "Annex", "Europe/Berlin").await;
    let annex_admin = app.member(&org.owner, "admin", &[elsewhere]).await;
    // From here on: the invitations went to the log.
    let sink = SmtpSink::start().await;
    app.send_email_through(&org, &sink).await;
    let mut socket = live_socket(&app.address, &receptionist.browser).await;
    let gel = item(&app, &org.owner, "Gel").await; // reorder at 3
    let receive = |n: &'static str| [("kind", "receive"), ("quantity", n), ("unit_cost", "3")];
    let take = |n: &'static str| [("kind", "adjust"), ("quantity", n), ("reason", "used")];
    assert_eq!(
        record(&app, &org.owner, gel, &receive("10")).await.status(),
        StatusCode::OK
    );

    // Crossing the level: the branch's open apps hear it at once, its owner and admin are
    // emailed (not the receptionist, not another branch's admin); staying below it sends
    // nothing more.
    for n in ["-8", "-1"] {
        assert_eq!(record(&app, &org.owner, gel, &take(n)).await.status(), StatusCode::OK);
    }
    let event = next_event(&mut socket).await;
    assert_eq!(
        (event["type"].as_str(), event["open"].as_i64()),
        (Some("stock_alerts"), Some(1))
    );
    let mail = sink.wait_for(2).await;
    for (to, expected) in [
        (&org.owner_email, true),
        (&admin.email, true),
        (&receptionist.email, false),
        (&annex_admin.email, false),
    ] {
        let got = mail.iter().any(|m| m.contains(&format!("To: {to}")));
        assert_eq!(got, expected, "{to}: {mail:?}");
    }
    assert!(mail[0].contains("Running low at"), "{}", mail[0]);
    assert!(mail[0].contains("Gel is running low"), "{}", mail[0]);
    assert!(mail[0].contains(&format!("/app/stock/{gel}")));
    // A socket opened now starts with the count (the shell's badge).
    let mut later = live_socket(&app.address, &admin.browser).await;
    assert_eq!(
        next_event(&mut later).await,
        serde_json::json!({"type": "stock_alerts", "open": 1})
    );

    // A restock closes it, live; the daily re-check opens what drifted (a level set
    // behind the app's back) and emails it.
    assert_eq!(
        record(&app, &org.owner, gel, &receive("20")).await.status(),
        StatusCode::OK
    );
    let event = next_event(&mut socket).await;
    assert_eq!(event["open"], 0);
    sqlx::query("update inventory_items set reorder_level = 50 where id = $1")
        .bind(gel)
        .execute(&app.db)
        .await
        .unwrap();
    sqlx::query("select graphile_worker.add_job('recheck_stock_alerts', '{}')")
        .execute(&app.db)
        .await
        .unwrap();
    assert_eq!(next_event(&mut socket).await["open"], 1);
    app.wait_until_count(
        "select count(*) from stock_alerts where closed_at is null and notified_at is not null",
        1,
    )
    .await;
    let mail = sink.wait_for(4).await;
    assert_eq!(mail.len(), 4, "two managers, once per alert: {mail:?}");
    assert_eq!(
        sqlx::query_scalar::<_, i64>("select count(*) from messages where kind = 'low_stock' and branch_id = $1")
            .bind(org.branch_id)
            .fetch_one(&app.db)
            .await
            .unwrap(),
        4,
        "in the branch's message log"
    );
}

#[tokio::test]
async fn the_api_adds_items_records_movements_and_reads_stock_alerts_and_usage() {
    use reqwest::Method;
    use serde_json::json as body;

    let app = spawn_app().await;
    let org = app.org("Harbour Physio").await;
    let token = app.api_token(&org.owner).await;
    let call = |method: Method, path: &str, json: Option<serde_json::Value>| {
        let request = app.api(method, path, &token, None);
        let request = match json {
            Some(json) => request.json(&json),
            None => request,
        };
        async move {
            let response = request.send().await.unwrap();
            let status = response.status();
            (status, response.json::<serde_json::Value>().await.unwrap())
        }
    };

    let (status, created) = call(
        Method::POST,
        "/api/v1/stock/items",
        Some(body!({"name": "Gel", "unit": "sachet", "cost": 35, "reorder_level": 5, "reorder_quantity": 100})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_eq!(created["item"]["cost_minor"], 35, "money in minor units");
    let id = created["item"]["id"].as_str().unwrap().to_owned();
    let movements = format!("/api/v1/stock/items/{id}/movements");
    let (status, after) = call(
        Method::POST,
        &movements,
        Some(body!({"kind": "receive", "quantity": 8, "unit_cost": 40})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{after}");
    assert_eq!(after["movements"][0]["balance_after"], 8);
    assert_eq!(after["item"]["cost_minor"], 40, "the last price received at");

    // The form's rules and words, as JSON errors; nothing recorded.
    let (status, refused) = call(
        Method::POST,
        &movements,
        Some(body!({"kind": "adjust", "quantity": -9, "reason": "expired"})),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(
        refused["detail"]
            .as_str()
            .unwrap()
            .contains("Only 8 sachet in stock here"),
        "{refused}"
    );
    let (status, unreasoned) = call(
        Method::POST,
        &movements,
        Some(body!({"kind": "adjust", "quantity": -1})),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{unreasoned}");
    let (status, _) = call(Method::POST, &movements, Some(body!({"kind": "steal", "quantity": 1}))).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);

    let (status, _) = call(
        Method::POST,
        &movements,
        Some(body!({"kind": "adjust", "quantity": -4, "reason": "count"})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    let (_, stock) = call(Method::GET, "/api/v1/stock", None).await;
    assert_eq!(stock["rows"][0]["on_hand"], 4);
    let (_, alerts) = call(Method::GET, "/api/v1/stock/alerts", None).await;
    assert_eq!(alerts.as_array().unwrap().len(), 1, "{alerts}");
    assert_eq!(alerts[0]["item"], "Gel");

    let (status, changed) = call(
        Method::PUT,
        &format!("/api/v1/stock/items/{id}"),
        Some(body!({"name": "Ultrasound gel", "unit": "sachet", "cost": 40, "reorder_level": 2})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{changed}");
    assert_eq!(changed["item"]["name"], "Ultrasound gel");
    let (_, alerts) = call(Method::GET, "/api/v1/stock/alerts", None).await;
    assert_eq!(alerts, body!([]), "4 is above the new level");

    let (status, usage) = call(
        Method::GET,
        "/api/v1/stock/usage?from=2026-01-01&until=2026-01-31",
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        (usage["from"].as_str(), usage["items"].as_array().map(Vec::len)),
        (Some("2026-01-01"), Some(0))
    );
    let (status, _) = call(
        Method::GET,
        "/api/v1/stock/usage?from=2026-02-01&until=2026-01-01",
        None,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);

    // Another organization's item is not found.
    let other = app.org("Elsewhere").await;
    let theirs = item(&app, &other.owner, "Their gel").await;
    let (status, _) = call(Method::GET, &format!("/api/v1/stock/items/{theirs}"), None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}
