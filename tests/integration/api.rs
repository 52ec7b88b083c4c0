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

    // A method the address does not take, and a body that is not JSON: the same JSON
    // error as every other, with the methods it does take in `Allow`.
    let wrong_method = app.api(Method::DELETE, &path, &token, None).send().await.unwrap();
    assert_eq!(wrong_method.status(), StatusCode::METHOD_NOT_ALLOWED);
    let allow = wrong_method.headers()[header::ALLOW].to_str().unwrap().to_owned();
    assert!(allow.contains("GET") && allow.contains("PATCH"), "{allow}");
    let body = json(wrong_method).await;
    assert_eq!(body["status_code"], 405);
    assert!(
        body["detail"].as_str().unwrap().contains("does not take DELETE"),
        "{body}"
    );

    let not_declared_json = app
        .api(Method::PATCH, &path, &token, None)
        .header(header::CONTENT_TYPE, "text/plain")
        .body(r#"{"name": "Harbour Street East"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(not_declared_json.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_eq!(json(not_declared_json).await["status_code"], 415);

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

#[tokio::test]
async fn bad_appointment_input_is_a_4xx_in_json_and_changes_nothing() {
    let app = spawn_app().await;
    let org = app.org("Clinic").await;
    let s = app.schedule(&org).await;
    app.book(&org.owner, &s, s.monday, "09:00", &[]).await;
    let (appointment, patient): (uuid::Uuid, uuid::Uuid) = sqlx::query_as("select id, patient_id from appointments")
        .fetch_one(&app.db)
        .await
        .unwrap();
    let token = app.api_token(&org.owner).await;
    let path = format!("/api/v1/calendar/appointments/{appointment}");
    let create = |body: serde_json::Value| {
        app.api(Method::POST, "/api/v1/calendar/appointments", &token, None)
            .json(&body)
            .send()
    };
    let at = |time: &str| format!("{}T{time}:00Z", s.monday);
    let answers = [
        // A zero-length or negative appointment, or one of days.
        app.api(Method::PATCH, &path, &token, None)
            .json(&serde_json::json!({"minutes": 0}))
            .send()
            .await
            .unwrap(),
        app.api(Method::PATCH, &path, &token, None)
            .json(&serde_json::json!({"minutes": -30, "status": "confirmed"}))
            .send()
            .await
            .unwrap(),
        create(
            serde_json::json!({"patient_id": patient, "practitioner_id": s.practitioner,
            "service_id": s.service, "starts_at": at("12:00"), "minutes": 100000}),
        )
        .await
        .unwrap(),
        // Notes too long, or with a NUL byte.
        create(
            serde_json::json!({"patient_id": patient, "practitioner_id": s.practitioner,
            "service_id": s.service, "starts_at": at("12:00"), "notes": "x".repeat(2001)}),
        )
        .await
        .unwrap(),
        create(
            serde_json::json!({"patient_id": patient, "practitioner_id": s.practitioner,
            "service_id": s.service, "starts_at": at("12:00"), "notes": "a\u{0}b"}),
        )
        .await
        .unwrap(),
        // Ids and ranges that are not ids and ranges.
        app.api(Method::PATCH, "/api/v1/calendar/appointments/not-an-id", &token, None)
            .json(&serde_json::json!({"status": "confirmed"}))
            .send()
            .await
            .unwrap(),
        app.api(
            Method::GET,
            "/api/v1/calendar/appointments?from=yesterday",
            &token,
            None,
        )
        .send()
        .await
        .unwrap(),
        app.api(Method::GET, "/api/v1/branches/12345", &token, None)
            .send()
            .await
            .unwrap(),
    ];
    for (n, answer) in answers.into_iter().enumerate() {
        let status = answer.status();
        assert!(status.is_client_error(), "answer {n}: {status}");
        let body = json(answer).await;
        assert_eq!(body["status_code"], status.as_u16(), "answer {n}: {body}");
        assert!(
            body["detail"].as_str().is_some_and(|d| !d.is_empty()),
            "answer {n}: {body}"
        );
    }
    let (count, minutes, status): (i64, f64, String) = sqlx::query_as(
        "select count(*), max(extract(epoch from ends_at - starts_at) / 60)::float8, max(status) from appointments",
    )
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert_eq!((count, minutes, status.as_str()), (1, 30.0, "scheduled"));
}

#[tokio::test]
async fn the_longest_notes_are_kept_whole_though_live_events_carry_their_start() {
    let app = spawn_app().await;
    let org = app.org("Clinic").await;
    let s = app.schedule(&org).await;
    let mut socket = live_socket(&app.address, &org.owner).await;
    let patient = app.booked(&org.owner, &s, s.monday, "09:00").await.patient_id;
    let token = app.api_token(&org.owner).await;
    // 2,000 characters of four bytes each: past the 8,000 bytes PostgreSQL notifies.
    let notes = "🦷".repeat(2000);

    let created = app
        .api(Method::POST, "/api/v1/calendar/appointments", &token, None)
        .json(
            &serde_json::json!({"patient_id": patient, "practitioner_id": s.practitioner,
            "service_id": s.service, "starts_at": format!("{}T12:00:00Z", s.monday), "notes": notes}),
        )
        .send()
        .await
        .unwrap();

    assert_eq!(created.status(), StatusCode::CREATED);
    assert_eq!(json(created).await["notes"], notes.as_str());
    let mut live = None;
    for _ in 0..3 {
        let event = next_event(&mut socket).await;
        if event["appointment"]["notes"]
            .as_str()
            .is_some_and(|n| n.starts_with('🦷'))
        {
            live = Some(event);
            break;
        }
    }
    let live = live.expect("the booking was announced");
    assert_eq!(live["appointment"]["notes"].as_str().unwrap().chars().count(), 201);
}

#[tokio::test]
async fn a_move_and_a_status_change_happen_together_or_not_at_all() {
    let app = spawn_app().await;
    let org = app.org("Clinic").await;
    let s = app.schedule(&org).await;
    let appointment = app.booked(&org.owner, &s, s.monday, "09:00").await.id;
    let token = app.api_token(&org.owner).await;
    let path = format!("/api/v1/calendar/appointments/{appointment}");

    // Scheduled cannot jump to completed: the move that came with it is undone too.
    let refused = app
        .api(Method::PATCH, &path, &token, None)
        .json(&serde_json::json!({"starts_at": format!("{}T13:00:00Z", s.monday), "status": "completed"}))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::CONFLICT);
    let starts: chrono::DateTime<chrono::Utc> = sqlx::query_scalar("select starts_at from appointments")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_ne!(
        starts.to_rfc3339(),
        format!("{}T13:00:00+00:00", s.monday),
        "the move was kept"
    );

    let both = app
        .api(Method::PATCH, &path, &token, None)
        .json(&serde_json::json!({"starts_at": format!("{}T13:00:00Z", s.monday), "status": "confirmed"}))
        .send()
        .await
        .unwrap();
    assert_eq!(both.status(), StatusCode::OK);
    let view = json(both).await;
    assert_eq!(view["status"], "confirmed");
    assert_eq!(view["starts_at"], format!("{}T13:00:00Z", s.monday));
}

/// The OpenAPI document lists exactly the API's routes, every operation it lists answers
/// (none "no such route" or 405), and the document itself is served without a token.
#[tokio::test]
async fn the_openapi_document_matches_the_routes() {
    let app = spawn_app().await;
    let org = app.org("Clinic").await;
    let s = app.schedule(&org).await;
    let appointment = app.booked(&org.owner, &s, s.monday, "09:00").await.id;
    let token = app.api_token(&org.owner).await;

    let document = json(app.http.get(app.url("/api/v1/openapi.json")).send().await.unwrap()).await;
    assert_eq!(document["openapi"], "3.1.0");
    let paths = document["paths"].as_object().unwrap();
    // Both ways: every route the API serves is documented, and nothing else is.
    let documented: std::collections::BTreeSet<(String, String)> = paths
        .iter()
        .flat_map(|(path, operations)| {
            operations
                .as_object()
                .unwrap()
                .keys()
                .map(move |method| (method.to_uppercase(), path.clone()))
        })
        .collect();
    let served: std::collections::BTreeSet<(String, String)> = careops::server::api::routes()
        .listed()
        .iter()
        .map(|(method, path)| (method.to_string(), (*path).to_owned()))
        .collect();
    assert_eq!(documented, served, "the OpenAPI document and the API's routes differ");
    for (path, operations) in paths {
        for method in operations.as_object().unwrap().keys() {
            let id = if path.contains("appointments") || path.contains("visits") {
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

pub fn surface() -> Vec<crate::security::Entry> {
    use crate::security::{
        Caller::{Public, Staff},
        Entry, Ids, Input,
    };
    use careops::domain::access::Action::ManageOwnAccount;
    vec![
        Entry::route(Method::GET, "/api/v1/me", Staff(ManageOwnAccount), Ids::None, |_| {
            Input::none()
        }),
        Entry::route(Method::GET, "/api/v1/openapi.json", Public, Ids::None, |_| {
            Input::none()
        }),
    ]
}

/// An instant the API is given is kept as it is: on the night Berlin's clocks go back,
/// 02:30 happens twice, and a booking at the second one neither lands on the first nor
/// moves there when it is made longer.
#[tokio::test]
async fn the_second_0230_of_the_autumn_night_stays_the_second() {
    let app = spawn_app().await;
    let org = app.org("Clinic").await;
    let s = app.schedule(&org).await;
    let patient = app.booked(&org.owner, &s, s.monday, "09:00").await.patient_id;
    let token = app.api_token(&org.owner).await;
    // 31 October 2027: 03:00 CEST becomes 02:00 CET.
    let book = |starts_at: &'static str| {
        app.api(Method::POST, "/api/v1/calendar/appointments", &token, None)
            .json(
                &serde_json::json!({"patient_id": patient, "practitioner_id": s.practitioner,
                "service_id": s.service, "starts_at": starts_at, "minutes": 30,
                "override_working_hours": true}),
            )
            .send()
    };
    let first = book("2027-10-31T00:30:00Z").await.unwrap();
    assert_eq!(first.status(), StatusCode::CREATED);
    let second = book("2027-10-31T01:30:00Z").await.unwrap();
    assert_eq!(second.status(), StatusCode::CREATED, "the second 02:30 is free");
    let second = json(second).await;
    assert_eq!(second["starts_at"], "2027-10-31T01:30:00Z");

    let longer = app
        .api(
            Method::PATCH,
            &format!("/api/v1/calendar/appointments/{}", second["id"].as_str().unwrap()),
            &token,
            None,
        )
        .json(&serde_json::json!({"minutes": 45, "override_working_hours": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(longer.status(), StatusCode::OK);
    let longer = json(longer).await;
    assert_eq!(longer["starts_at"], "2027-10-31T01:30:00Z");
    assert_eq!(longer["ends_at"], "2027-10-31T02:15:00Z");
}

/// One appointment is read by its id, as it is listed; another branch's or organization's
/// is not there (the security walk tries every role and tenant on the same route).
#[tokio::test]
async fn an_appointment_is_read_by_its_id() {
    let app = spawn_app().await;
    let org = app.org("Clinic").await;
    let s = app.schedule(&org).await;
    let booked = app.booked(&org.owner, &s, s.monday, "09:00").await;
    let token = app.api_token(&org.owner).await;

    let path = format!("/api/v1/calendar/appointments/{}", booked.id);
    let found = app.api(Method::GET, &path, &token, None).send().await.unwrap();
    assert_eq!(found.status(), StatusCode::OK);
    let found = json(found).await;
    assert_eq!(found["id"], booked.id.to_string());
    assert_eq!(found["patient_id"], booked.patient_id.to_string());

    let listed = app
        .api(
            Method::GET,
            &format!(
                "/api/v1/calendar/appointments?from={}&to={}",
                s.monday,
                s.monday + chrono::Duration::days(1)
            ),
            &token,
            None,
        )
        .send()
        .await
        .unwrap();
    let listed = json(listed).await;
    assert_eq!(listed[0], found, "the same appointment as the list gives");

    let other = app.org("Other clinic").await;
    let stranger = app.api_token(&other.owner).await;
    let hidden = app.api(Method::GET, &path, &stranger, None).send().await.unwrap();
    assert_eq!(hidden.status(), StatusCode::NOT_FOUND);
    assert_eq!(json(hidden).await["status_code"], 404);
}
