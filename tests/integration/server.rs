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

#[tokio::test]
async fn demo_data_loads_once_and_its_logins_work() {
    use careops::server::{config::Config, db::Db, demo};

    let app = spawn_app().await;
    let url = format!(
        "{}/{}",
        std::env::var("TEST_DATABASE_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".into()),
        app.db_name
    );
    let config = Config::from_lookup(|key| match key {
        "DATABASE_URL" => Some(url.clone()),
        "JWT_SECRET" => Some("test-secret-test-secret-test-secret-0123".into()),
        "DATA_KEY" => Some("00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff".into()),
        _ => None,
    })
    .unwrap();
    let db = Db::connect(&config).await.unwrap();

    assert!(demo::seed(&db).await.unwrap(), "first run loads");
    assert!(!demo::seed(&db).await.unwrap(), "second run changes nothing");

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
    for email in [demo::OWNER_EMAIL, demo::RECEPTION_EMAIL, demo::PRACTITIONER_EMAIL] {
        let (response, _) = app.log_in(email, demo::PASSWORD).await;
        assert_eq!(response.status(), StatusCode::OK, "{email}");
    }
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
    use crate::security::{Caller::Public, Entry, Ids, Input};
    vec![Entry::route(reqwest::Method::GET, "/health", Public, Ids::None, |_| {
        Input::none()
    })]
}
