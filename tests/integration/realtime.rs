//! `/ws`: committed appointment changes reach open calendars of the branch, through
//! PostgreSQL, from whichever server process made them.

use careops::app::calendar::CancelAppointment;
use reqwest::StatusCode;

use crate::common::*;

#[tokio::test]
async fn a_booking_reaches_an_open_calendar_as_an_event() {
    let app = spawn_app().await;
    let org = app.org("Clinic").await;
    let s = app.schedule(&org).await;
    let mut socket = live_socket(&app.address, &org.owner).await;

    app.book(&org.owner, &s, s.monday, "09:00", &[]).await;
    let event = next_event(&mut socket).await;
    assert_eq!(event["type"], "appointment_created");
    assert_eq!(event["appointment"]["time_label"], "09:00–09:30");
    assert_eq!(event["appointment"]["patient_name"], "Ada Lovelace");

    let id = event["appointment"]["id"].as_str().unwrap().to_owned();
    let mut owner = org.owner.clone();
    app.call::<CancelAppointment>(&mut owner, &[("id", &id), ("reason", "Ill")])
        .await;
    let event = next_event(&mut socket).await;
    assert_eq!(event["type"], "appointment_cancelled");
    assert_eq!(event["appointment"]["status"], "cancelled");
}

#[tokio::test]
async fn a_second_server_process_delivers_the_same_events() {
    let app = spawn_app().await;
    let org = app.org("Clinic").await;
    let s = app.schedule(&org).await;
    let other_process = app.second_process().await;
    let mut socket = live_socket(&other_process.address, &org.owner).await;

    // Booked through the first process, seen on a socket of the second.
    let booked = app.book(&org.owner, &s, s.monday, "10:00", &[]).await;
    assert_eq!(booked.status(), StatusCode::OK);
    let event = next_event(&mut socket).await;
    assert_eq!(event["type"], "appointment_created");
    assert_eq!(event["appointment"]["time_label"], "10:00–10:30");
}

#[tokio::test]
async fn another_branch_or_organization_sees_nothing() {
    let app = spawn_app().await;
    let org = app.org("Clinic").await;
    let s = app.schedule(&org).await;
    let stranger = app.org("Elsewhere").await;
    let mut theirs = live_socket(&app.address, &stranger.owner).await;
    let mut ours = live_socket(&app.address, &org.owner).await;

    app.book(&org.owner, &s, s.monday, "11:00", &[]).await;
    assert_eq!(next_event(&mut ours).await["type"], "appointment_created");
    assert_silent(&mut theirs, "another organization's").await;
}

#[tokio::test]
async fn a_socket_needs_a_session() {
    let app = spawn_app().await;
    let request = tokio_tungstenite::tungstenite::client::IntoClientRequest::into_client_request(format!(
        "{}/ws",
        app.address.replacen("http", "ws", 1)
    ))
    .unwrap();
    let refused = tokio_tungstenite::connect_async(request).await;
    match refused {
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => assert_eq!(response.status(), 401),
        other => panic!("expected 401, got {other:?}"),
    }
}

#[tokio::test]
async fn after_the_database_connection_drops_calendars_are_told_to_resync_and_events_flow_again() {
    let app = spawn_app().await;
    let org = app.org("Clinic").await;
    let s = app.schedule(&org).await;
    let mut socket = live_socket(&app.address, &org.owner).await;

    // The server's LISTEN connection dies (a failover, a restart of the pooler); the job
    // queue's own listener is not this one.
    let ended: Vec<bool> = sqlx::query_scalar(
        "select pg_terminate_backend(pid) from pg_stat_activity
         where datname = $1 and query ilike 'listen%' and query like '%' || $2 || '%'",
    )
    .bind(&app.db_name)
    .bind(careops::server::realtime::CHANNEL)
    .fetch_all(&app.db)
    .await
    .unwrap();
    assert_eq!(ended, [true], "one listening connection");

    // Events sent meanwhile may be lost: open calendars hear that they must fetch again.
    assert_eq!(next_event(&mut socket).await["type"], "resync");
    app.book(&org.owner, &s, s.monday, "12:00", &[]).await;
    assert_eq!(next_event(&mut socket).await["type"], "appointment_created");
}

#[tokio::test]
async fn another_branch_of_the_same_organization_hears_nothing() {
    let app = spawn_app().await;
    let org = app.org("Clinic").await;
    let s = app.schedule(&org).await;
    let annex = app.branch(&org, "Annex", "Europe/Paris").await;
    let annex_reception = app.member(&org.owner, "receptionist", &[annex]).await;
    let mut theirs = live_socket(&app.address, &annex_reception.browser).await;
    let mut ours = live_socket(&app.address, &org.owner).await;

    app.book(&org.owner, &s, s.monday, "11:00", &[]).await;
    assert_eq!(next_event(&mut ours).await["type"], "appointment_created");
    assert_silent(&mut theirs, "the annex's").await;
}

pub fn surface() -> Vec<crate::security::Entry> {
    use crate::security::{Caller::CoveredBy, Entry, Ids, Input};
    vec![Entry::route(
        reqwest::Method::GET,
        "/ws",
        CoveredBy("realtime.rs: a_socket_needs_a_session, another_branch_or_organization_sees_nothing"),
        Ids::None,
        |_| Input::none(),
    )]
}
