//! The REST API's own behaviour: tokens, the branch header, errors as JSON.

use crate::common::*;
use careops::app::account::RevokeApiToken;
use reqwest::{header, Method, StatusCode};

#[tokio::test]
async fn without_a_valid_token_the_api_answers_401_in_json() {
    let app = spawn_app().await;

    let none = app.http.get(app.url("/api/v1/me")).send().await.unwrap();
    assert_eq!(none.status(), StatusCode::UNAUTHORIZED);
    let body = json(none).await;
    assert_eq!(body["status_code"], 401);
    assert!(body["detail"].as_str().unwrap().contains("Authorization: Bearer"));

    let wrong = app
        .api(Method::GET, "/api/v1/me", "cop_wrong", None)
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_revoked_token_stops_working() {
    let app = spawn_app().await;
    let org = app.org("Clinic").await;
    let token = app.api_token(&org.owner).await;
    assert!(token.starts_with("cop_"));
    assert_eq!(
        app.api(Method::GET, "/api/v1/me", &token, None)
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::OK
    );

    let id: uuid::Uuid = sqlx::query_scalar("select id from api_tokens")
        .fetch_one(&app.db)
        .await
        .unwrap();
    let mut owner = org.owner.clone();
    let response = app.call::<RevokeApiToken>(&mut owner, &[("id", &id.to_string())]).await;
    assert_eq!(response.status(), StatusCode::OK);
    let after = app.api(Method::GET, "/api/v1/me", &token, None).send().await.unwrap();
    assert_eq!(after.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn the_branch_header_chooses_among_the_callers_branches() {
    let app = spawn_app().await;
    let org = app.org("Clinic").await;
    let token = app.api_token(&org.owner).await;

    let created = app
        .api(Method::POST, "/api/v1/branches", &token, None)
        .json(&serde_json::json!({
            "name": "Annex",
            "timezone": "America/New_York",
            "opening_hours": [{"weekday": 1, "opens": "09:00", "closes": "17:00"}]
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), StatusCode::CREATED);
    let annex = json(created).await;
    assert_eq!(annex["opening_hours"][0]["opens"], "09:00");

    let annex_id = uuid::Uuid::parse_str(annex["id"].as_str().unwrap()).unwrap();
    let me = json(
        app.api(Method::GET, "/api/v1/me", &token, Some(annex_id))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(me["branch"]["name"], "Annex");

    let malformed = app
        .http
        .get(app.url("/api/v1/me"))
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .header("x-branch-id", "main")
        .send()
        .await
        .unwrap();
    assert_eq!(malformed.status(), StatusCode::BAD_REQUEST);
    let unknown = app
        .api(Method::GET, "/api/v1/me", &token, Some(uuid::Uuid::new_v4()))
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn bad_bodies_get_clear_4xx_answers() {
    let app = spawn_app().await;
    let org = app.org("Clinic").await;
    let token = app.api_token(&org.owner).await;
    let path = format!("/api/v1/branches/{}", org.branch_id);

    let invalid = app
        .api(Method::PATCH, &path, &token, None)
        .json(&serde_json::json!({"timezone": "Mars/Base", "phone": "call us"}))
        .send()
        .await
        .unwrap();
    assert_eq!(invalid.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = json(invalid).await;
    assert_eq!(body["status_code"], 422);
    let fields: Vec<&str> = body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["phone", "timezone"]);

    let not_json = app
        .api(Method::PATCH, &path, &token, None)
        .header(header::CONTENT_TYPE, "application/json")
        .body("{name:")
        .send()
        .await
        .unwrap();
    assert_eq!(not_json.status(), StatusCode::BAD_REQUEST);
    assert_eq!(json(not_json).await["status_code"], 400);

    let unknown_field = app
        .api(Method::PATCH, &path, &token, None)
        .json(&serde_json::json!({"owner": "me"}))
        .send()
        .await
        .unwrap();
    assert_eq!(unknown_field.status(), StatusCode::UNPROCESSABLE_ENTITY);

    let nowhere = app
        .api(Method::GET, "/api/v1/nothing-here", &token, None)
        .send()
        .await
        .unwrap();
    assert_eq!(nowhere.status(), StatusCode::NOT_FOUND);
    assert_eq!(json(nowhere).await["status_code"], 404);

    let renamed = app
        .api(Method::PATCH, &path, &token, None)
        .json(&serde_json::json!({"name": "Harbour Street East"}))
        .send()
        .await
        .unwrap();
    assert_eq!(renamed.status(), StatusCode::OK);
    let branch = json(renamed).await;
    assert_eq!(
        (branch["name"].as_str(), branch["timezone"].as_str()),
        (Some("Harbour Street East"), Some("Europe/Berlin"))
    );
}

/// Every operation the OpenAPI document lists is routed (none answers "no such route"
/// or 405), and the document itself is served without a token.
#[tokio::test]
async fn the_openapi_document_matches_the_routes() {
    let app = spawn_app().await;
    let org = app.org("Clinic").await;
    let s = app.schedule(&org).await;
    app.book(&org.owner, &s, s.monday, "09:00", &[]).await;
    let appointment: uuid::Uuid = sqlx::query_scalar("select id from appointments")
        .fetch_one(&app.db)
        .await
        .unwrap();
    let token = app.api_token(&org.owner).await;

    let document = json(app.http.get(app.url("/api/v1/openapi.json")).send().await.unwrap()).await;
    assert_eq!(document["openapi"], "3.1.0");
    let paths = document["paths"].as_object().unwrap();
    assert!(paths.len() >= 8);
    for (path, operations) in paths {
        for method in operations.as_object().unwrap().keys() {
            let id = if path.contains("appointments") {
                appointment
            } else {
                org.branch_id
            };
            let mut concrete = path.replace("{id}", &id.to_string());
            if path == "/api/v1/calendar/appointments" && method == "get" {
                concrete.push_str(&format!(
                    "?from={}&to={}",
                    s.monday,
                    s.monday + chrono::Duration::days(1)
                ));
            }
            let method = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            let response = app
                .api(method.clone(), &concrete, &token, None)
                .json(&serde_json::json!({}))
                .send()
                .await
                .unwrap();
            let status = response.status();
            let body = response.text().await.unwrap();
            assert_ne!(status, StatusCode::METHOD_NOT_ALLOWED, "{method} {path}");
            assert!(
                !body.contains("There is no such API route"),
                "{method} {path} is documented but not routed"
            );
            assert!(status.as_u16() < 500, "{method} {path}: {status} {body}");
        }
    }
}
