//! The HTTP plumbing: health, compression, request ids, caching of assets.

use crate::common::*;
use reqwest::{header, StatusCode};

#[tokio::test]
async fn health_reports_the_database() {
    let app = spawn_app().await;

    let response = app.http.get(app.url("/health")).send().await.unwrap();

    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(json(response).await, serde_json::json!({"status": "ok", "db": "ok"}));
}

#[tokio::test]
async fn health_answers_503_when_the_database_is_gone() {
    let app = spawn_app().await;
    app.db.close().await;
    let server = std::env::var("TEST_DATABASE_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".into());
    let mut admin = <sqlx::PgConnection as sqlx::Connection>::connect(&format!("{server}/postgres"))
        .await
        .unwrap();
    sqlx::Executor::execute(
        &mut admin,
        format!(r#"drop database "{}" with (force)"#, app.db_name).as_str(),
    )
    .await
    .unwrap();

    let response = app.http.get(app.url("/health")).send().await.unwrap();

    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(json(response).await["db"], "unreachable");
}

#[tokio::test]
async fn pages_are_compressed_and_carry_a_request_id() {
    let app = spawn_app().await;

    let response = app
        .http
        .get(app.url("/login"))
        .header(header::ACCEPT_ENCODING, "gzip")
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()[header::CONTENT_ENCODING], "gzip");
    assert!(!response.headers()["x-request-id"].is_empty());
}

#[tokio::test]
async fn an_unknown_page_is_a_404_page() {
    let app = spawn_app().await;

    let response = app.http.get(app.url("/no-such-page")).send().await.unwrap();

    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    assert!(response.text().await.unwrap().contains("Page not found"));
}

/// What `scripts/run` does on a new machine: `careops seed-demo` on a database nothing has
/// migrated yet (neither ours nor the job queue's schema).
#[tokio::test]
async fn the_seed_demo_command_loads_a_new_database() {
    let (_, url) = empty_database().await;
    let seed = || {
        careops_command(&url)
            .arg("seed-demo")
            .output()
            .expect("the careops binary runs")
    };

    let first = seed();
    assert!(first.status.success(), "{}", String::from_utf8_lossy(&first.stderr));
    assert!(seed().status.success(), "a second run changes nothing and succeeds");

    let db = sqlx::PgPool::connect(&url).await.unwrap();
    let (patients, jobs): (i64, i64) = sqlx::query_as(
        "select (select count(*) from patients),
                (select count(*) from graphile_worker._private_jobs j
                 join messages m on j.key = 'message:' || m.id where m.kind = 'booking_confirmation')",
    )
    .fetch_one(&db)
    .await
    .unwrap();
    assert!(patients >= 20, "{patients}");
    assert!(jobs >= 20, "each confirmation waits in the queue for a worker: {jobs}");
}

#[tokio::test]
async fn demo_data_loads_once_and_its_logins_work() {
    use careops::server::{config::Config, db::Db, demo, AppState};

    let app = spawn_app().await;
    let url = format!(
        "{}/{}",
        std::env::var("TEST_DATABASE_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".into()),
        app.db_name
    );
    let config = Config::from_lookup(|key| match key {
        "DATABASE_URL" => Some(url.clone()),
        "JWT_SECRET" => Some(JWT_SECRET.into()),
        "DATA_KEY" => Some(DATA_KEY.into()),
        _ => None,
    })
    .unwrap();
    let db = Db::connect(&config).await.unwrap();
    let state = AppState::new(
        config,
        db,
        leptos::config::LeptosOptions::builder().output_name("careops").build(),
    );

    assert!(demo::seed(&state).await.unwrap(), "first run loads");
    assert!(!demo::seed(&state).await.unwrap(), "second run changes nothing");

    let branches: Vec<String> = sqlx::query_scalar("select timezone from branches order by timezone")
        .fetch_all(&app.db)
        .await
        .unwrap();
    assert_eq!(branches, ["America/New_York", "Europe/London"]);
    let week: (i64, i64, i64, i64, i64) = sqlx::query_as(
        "select (select count(*) from services), (select count(*) from rooms), (select count(*) from working_hours),
                (select count(*) from time_off), (select count(*) from branch_closures)",
    )
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert!(
        week.0 >= 5 && week.1 >= 4 && week.2 >= 15,
        "a catalog and hours: {week:?}"
    );
    assert_eq!((week.3, week.4), (1, 1), "a time off and a holiday");
    let billed: (i64, i64, i64, i64) = sqlx::query_as(
        "select (select count(*) from visits where completed_at is not null),
                (select count(*) from invoices where status <> 'draft'),
                (select count(*) from invoices where status = 'paid'),
                (select count(*) from payments)",
    )
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert!(
        billed.0 > 10 && billed.1 == billed.0 && billed.2 > 0 && billed.3 > billed.2,
        "completed visits with invoices, most of them paid: {billed:?}"
    );
    let stock: (i64, i64, i64) = sqlx::query_as(
        "select (select count(*) from inventory_items), (select count(distinct branch_id) from stock_movements),
                (select count(*) from stock_alerts where closed_at is null)",
    )
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert_eq!(stock, (5, 2, 1), "items stocked in both branches, one running low");
    for email in [demo::OWNER_EMAIL, demo::RECEPTION_EMAIL, demo::PRACTITIONER_EMAIL] {
        let (response, _) = app.log_in(email, demo::PASSWORD).await;
        assert_eq!(response.status(), StatusCode::OK, "{email}");
    }
    // What is still to come was booked as any booking is: the confirmations go out
    // through the log provider, where staff read them; the reminders wait for their time.
    let confirmations: i64 =
        sqlx::query_scalar("select count(*) from messages where kind = 'booking_confirmation' and channel = 'sms'")
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert!(confirmations >= 20, "{confirmations}");
    app.wait_until_count(
        "select count(*) from messages where kind = 'booking_confirmation' and channel = 'sms'
           and status = 'sent' and provider = 'log'",
        confirmations,
    )
    .await;
    let reminders: i64 =
        sqlx::query_scalar("select count(*) from messages where kind = 'reminder' and status = 'queued'")
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert!(
        reminders > confirmations,
        "{reminders} reminders for {confirmations} appointments"
    );
}

#[tokio::test]
async fn a_missing_asset_is_not_cached_for_a_year() {
    let app = spawn_app().await;

    let response = app
        .http
        .get(app.url("/pkg/careops-0000000000000000.js"))
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    let cache = response
        .headers()
        .get(header::CACHE_CONTROL)
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    assert!(!cache.contains("immutable"), "{cache}");
}

pub fn surface() -> Vec<crate::security::Entry> {
    use crate::security::{
        Caller::{CoveredBy, Public},
        Entry, Ids, Input,
    };
    vec![
        Entry::route(reqwest::Method::GET, "/health", Public, Ids::None, |_| Input::none()),
        Entry::route(
            reqwest::Method::GET,
            "/metrics",
            CoveredBy("messaging.rs: metrics_count_the_queue_and_the_messages_for_the_token_bearer_only"),
            Ids::None,
            |_| Input::none(),
        ),
    ]
}

/// A form's fields travel flat whoever encodes them: a browser without JavaScript sends
/// `practitioners[]` once per ticked box and `hours[mon][opens]`, the hydrated app sends
/// the server function's arguments as serde_qs writes them (`practitioners[0]`); both
/// reach the one form struct (`#[server(flatten)]`) with every list and nested field.
#[tokio::test]
async fn list_and_nested_form_fields_arrive_however_the_form_was_encoded() {
    use careops::{
        app::settings::{CreateBranch, GetBranch, GetServices, SaveService},
        domain::{
            branch::{BranchForm, DayInput, WeekHoursInput},
            catalog::ServiceForm,
        },
    };
    use leptos::server_fn::ServerFn;

    let app = spawn_app().await;
    let org = app.org("Harbour Physio").await;
    let second = app.practitioner(&org).await;
    let mut owner = org.owner.clone();
    let (first_id, second_id) = (org.owner_id.to_string(), second.id.to_string());

    // Without JavaScript: the browser's own encoding.
    let plain = app
        .call::<SaveService>(
            &mut owner,
            &[
                ("name", "Massage"),
                ("duration_minutes", "30"),
                ("price", "40"),
                ("colour", "#0f6b7a"),
                ("practitioners[]", &first_id),
                ("practitioners[]", &second_id),
                ("online_bookable", "on"),
            ],
        )
        .await;
    assert_eq!(plain.status(), StatusCode::OK, "{}", plain.text().await.unwrap());
    let plain_branch = app
        .call::<CreateBranch>(
            &mut owner,
            &[
                ("name", "Annex"),
                ("timezone", "Europe/Paris"),
                ("hours[mon][opens]", "07:30"),
                ("hours[mon][closes]", "12:00"),
            ],
        )
        .await;
    assert_eq!(
        plain_branch.status(),
        StatusCode::OK,
        "{}",
        plain_branch.text().await.unwrap()
    );

    // Hydrated: the arguments as the WASM client serializes them.
    let post = |path: &str, body: String| {
        app.http
            .post(app.url(path))
            .header(header::ACCEPT, "application/json")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::COOKIE, owner.header())
            .body(body)
    };
    let service = SaveService {
        id: None,
        form: ServiceForm {
            name: "Shockwave".into(),
            duration_minutes: "20".into(),
            price: "70".into(),
            colour: "#d35400".into(),
            practitioners: vec![second_id.clone(), first_id.clone()],
            ..Default::default()
        },
    };
    let body = serde_qs::to_string(&service).unwrap();
    assert!(
        body.contains("practitioners%5B0%5D=") || body.contains("practitioners[0]="),
        "{body}"
    );
    let hydrated = post(SaveService::PATH, body).send().await.unwrap();
    assert_eq!(hydrated.status(), StatusCode::OK, "{}", hydrated.text().await.unwrap());
    let branch = CreateBranch {
        form: BranchForm {
            name: "Quay".into(),
            timezone: "Europe/Paris".into(),
            hours: WeekHoursInput {
                tue: DayInput {
                    opens: "09:00".into(),
                    closes: "17:00".into(),
                },
                ..Default::default()
            },
            ..Default::default()
        },
    };
    let hydrated_branch = post(CreateBranch::PATH, serde_qs::to_string(&branch).unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(
        hydrated_branch.status(),
        StatusCode::OK,
        "{}",
        hydrated_branch.text().await.unwrap()
    );

    let services = json(app.call::<GetServices>(&mut owner, &[]).await).await;
    let given_by = |name: &str| -> Vec<String> {
        let service = services["services"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["name"] == name)
            .unwrap_or_else(|| panic!("{name} in {services}"));
        let mut ids: Vec<String> = service["practitioner_ids"]
            .as_array()
            .unwrap()
            .iter()
            .map(|id| id.as_str().unwrap().to_owned())
            .collect();
        ids.sort();
        ids
    };
    let mut both = vec![first_id.clone(), second_id.clone()];
    both.sort();
    assert_eq!(given_by("Massage"), both);
    assert_eq!(given_by("Shockwave"), both);

    for (name, weekday, opens) in [("Annex", 1, "07:30"), ("Quay", 2, "09:00")] {
        let id: uuid::Uuid = sqlx::query_scalar("select id from branches where org_id = $1 and name = $2")
            .bind(org.id)
            .bind(name)
            .fetch_one(&app.db)
            .await
            .unwrap();
        let id = id.to_string();
        let branch = json(app.call::<GetBranch>(&mut owner, &[("id", &id)]).await).await;
        let hours = branch["opening_hours"].as_array().unwrap();
        assert_eq!(hours.len(), 1, "{name}: {branch}");
        assert_eq!(hours[0]["weekday"], weekday, "{name}: {branch}");
        assert_eq!(hours[0]["opens"], opens, "{name}: {branch}");
    }
}
