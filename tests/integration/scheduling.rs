//! The scheduling engine under a rush: parallel bookings of a taken room or of one free
//! time over the REST API and the portal answer each loser with the clash and never a
//! 5xx, another clinic's requests go on meanwhile, equipment is booked once, and a new
//! patient booking several times at once becomes one record.

use std::{
    sync::atomic::{AtomicBool, Ordering},
    time::{Duration, Instant},
};

use careops::{
    app::portal::BookOnline,
    domain::time::{local_to_utc, zone},
};
use chrono::{NaiveTime, SecondsFormat};
use futures_util::future::join_all;
use reqwest::{header, Method, StatusCode};
use uuid::Uuid;

use crate::common::*;

const RUSH: usize = 100;

/// A server whose pool is the default size and whose portal does not rate-limit the
/// rush (every request comes from 127.0.0.1).
async fn rush_app() -> TestApp {
    spawn_app_with(&[
        ("DATABASE_MAX_CONNECTIONS", "20"),
        ("PORTAL_BOOKINGS_PER_IP_MINUTE", "10000"),
        ("LOGIN_ATTEMPTS_PER_IP_MINUTE", "10000"),
    ])
    .await
}

fn tally(statuses: &[u16]) -> std::collections::BTreeMap<u16, usize> {
    let mut counts = std::collections::BTreeMap::new();
    for s in statuses {
        *counts.entry(*s).or_default() += 1;
    }
    counts
}

/// Another clinic's `GET /api/v1/me`, one after another until `done`: their statuses and
/// durations.
async fn bystander(app: &TestApp, token: &str, done: &AtomicBool) -> Vec<(u16, Duration)> {
    let mut seen = Vec::new();
    while !done.load(Ordering::Relaxed) || seen.len() < 20 {
        let started = Instant::now();
        let status = app
            .api(Method::GET, "/api/v1/me", token, None)
            .send()
            .await
            .map_or(0, |r| r.status().as_u16());
        seen.push((status, started.elapsed()));
        if seen.len() >= 400 {
            break;
        }
    }
    seen
}

fn p99(seen: &[(u16, Duration)]) -> Duration {
    let mut times: Vec<Duration> = seen.iter().map(|(_, d)| *d).collect();
    times.sort();
    times[(times.len() * 99 / 100).min(times.len() - 1)]
}

#[tokio::test]
async fn a_rush_on_a_booked_room_is_refused_whole_naming_the_room_while_another_clinic_goes_on() {
    let app = rush_app().await;
    let org = app.org("Clinic").await;
    let s = app.schedule(&org).await;
    let second = app.practitioner(&org).await;
    let token = app.api_token(&org.owner).await;
    let other = app.org("Other Clinic").await;
    let other_token = app.api_token(&other.owner).await;
    // The owner holds Room 1 at 09:00 (Europe/Berlin is the sign-up zone; UTC here).
    let booked = app
        .book(&org.owner, &s, s.monday, "09:00", &[("room_id", &s.room.to_string())])
        .await;
    assert_eq!(booked.status(), StatusCode::OK);
    let at = |time: &str| {
        let local = s.monday.and_time(NaiveTime::parse_from_str(time, "%H:%M").unwrap());
        local_to_utc(zone("Europe/Berlin"), local).to_rfc3339_opts(SecondsFormat::Secs, true)
    };

    let rush = |time: &'static str| {
        let starts = at(time);
        join_all((0..RUSH).map(|n| {
            app.api(Method::POST, "/api/v1/calendar/appointments", &token, None)
                .json(&serde_json::json!({
                    "new_patient": {"name": format!("Patient {n}"), "phone": format!("+44 20 7946 {n:04}")},
                    "practitioner_id": second.id,
                    "service_id": s.service,
                    "room_id": s.room,
                    "starts_at": starts,
                }))
                .send()
        }))
    };
    let done = AtomicBool::new(false);
    let (answers, seen) = tokio::join!(
        async {
            let answers = rush("09:00").await;
            done.store(true, Ordering::Relaxed);
            answers
        },
        bystander(&app, &other_token, &done)
    );
    let mut statuses = Vec::new();
    for answer in answers {
        let answer = answer.unwrap();
        statuses.push(answer.status().as_u16());
        if answer.status() == StatusCode::CONFLICT {
            let body = json(answer).await;
            assert!(
                body["detail"]
                    .as_str()
                    .unwrap()
                    .starts_with("The room Room 1 is already booked from 09:00 to 09:30"),
                "{body}"
            );
        }
    }
    assert_eq!(tally(&statuses), [(409, RUSH)].into(), "{statuses:?}");
    assert!(seen.iter().all(|(status, _)| *status == 200), "{seen:?}");
    eprintln!(
        "another clinic during the rush: {} requests, p99 {:?}",
        seen.len(),
        p99(&seen)
    );

    // One free time: exactly one booking wins, every other is told who has it.
    let statuses: Vec<u16> = rush("11:00")
        .await
        .into_iter()
        .map(|r| r.unwrap().status().as_u16())
        .collect();
    assert_eq!(tally(&statuses), [(201, 1), (409, RUSH - 1)].into(), "{statuses:?}");
    let (appointments, patients): (i64, i64) = sqlx::query_as(
        "select (select count(*) from appointments where org_id = $1), (select count(*) from patients where org_id = $1)",
    )
    .bind(org.id)
    .fetch_one(&app.db)
    .await
    .unwrap();
    // The first booking's patient and the winner's: the losers left nothing behind.
    assert_eq!((appointments, patients), (2, 2));
}

/// The portal's booking form for `time` on the schedule's Monday, by a new patient.
async fn book_online(app: &TestApp, org: &Org, s: &Schedule, time: &str, phone: String) -> reqwest::Response {
    let slug: String = sqlx::query_scalar("select slug from organizations where id = $1")
        .bind(org.id)
        .fetch_one(&app.db)
        .await
        .unwrap();
    let local = s.monday.and_time(NaiveTime::parse_from_str(time, "%H:%M").unwrap());
    let at = local_to_utc(zone("Europe/Berlin"), local).to_rfc3339_opts(SecondsFormat::Secs, true);
    let (branch, service, key) = (
        org.branch_id.to_string(),
        s.service.to_string(),
        Uuid::new_v4().to_string(),
    );
    let form = [
        ("slug", slug.as_str()),
        ("branch", &branch),
        ("service", &service),
        ("practitioner", ""),
        ("at", &at),
        ("name", "Ada Lovelace"),
        ("phone", &phone),
        ("email", ""),
        ("consent_sms", "on"),
        ("key", &key),
    ];
    app.call::<BookOnline>(&mut Browser::default(), &form).await
}

fn location(response: &reqwest::Response) -> String {
    response
        .headers()
        .get(header::LOCATION)
        .map(|l| l.to_str().unwrap().to_owned())
        .unwrap_or_default()
}

#[tokio::test]
async fn a_rush_of_patients_online_books_a_free_time_once_and_offers_everyone_else_the_nearest() {
    let app = rush_app().await;
    let org = app.org("Clinic").await;
    let s = app.schedule(&org).await;
    app.practitioner(&org).await;
    // 09:00 is held in the only room: no online booking can have it, whoever gives it.
    app.book(&org.owner, &s, s.monday, "09:00", &[]).await;

    for (time, winners) in [("09:00", 0), ("11:00", 1)] {
        let answers =
            join_all((0..RUSH).map(|n| book_online(&app, &org, &s, time, format!("+49 30 1234 {n:04}")))).await;
        let statuses: Vec<u16> = answers.iter().map(|a| a.status().as_u16()).collect();
        assert_eq!(tally(&statuses), [(200, RUSH)].into(), "{time}: {statuses:?}");
        let places: Vec<String> = answers.iter().map(location).collect();
        let won = places.iter().filter(|l| l.starts_with("/manage/")).count();
        let offered = places.iter().filter(|l| l.contains("taken=1")).count();
        assert_eq!((won, offered), (winners, RUSH - winners), "{time}: {places:?}");
    }
    let online: i64 = sqlx::query_scalar("select count(*) from appointments where source = 'portal'")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(online, 1);
}

#[tokio::test]
async fn one_new_patient_booking_six_times_at_once_becomes_one_record() {
    let app = rush_app().await;
    let org = app.org("Clinic").await;
    let s = app.schedule(&org).await;
    let times = ["09:00", "10:00", "11:00", "12:00", "13:00", "14:00"];
    let answers = join_all(times.map(|t| book_online(&app, &org, &s, t, "+49 30 555 0199".into()))).await;
    assert!(
        answers.iter().all(|a| location(a).starts_with("/manage/")),
        "{:?}",
        answers.iter().map(location).collect::<Vec<_>>()
    );
    let (patients, appointments): (i64, i64) =
        sqlx::query_as("select (select count(*) from patients), (select count(distinct patient_id) from appointments)")
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert_eq!((patients, appointments), (1, 1));
}

#[tokio::test]
async fn a_piece_of_equipment_is_booked_once_at_a_time() {
    use careops::app::settings::{SavePlace, SaveService};
    let app = spawn_app().await;
    let org = app.org("Clinic").await;
    let s = app.schedule(&org).await;
    let second = app.practitioner(&org).await;
    let mut owner = org.owner.clone();
    for (what, name, kind) in [
        ("room", "Room 2", "treatment"),
        ("resource", "Ultrasound 1", "ultrasound"),
    ] {
        let saved = app
            .call::<SavePlace>(&mut owner, &[("what", what), ("name", name), ("kind", kind)])
            .await;
        assert_eq!(saved.status(), StatusCode::OK);
    }
    let saved = app
        .call::<SaveService>(
            &mut owner,
            &[
                ("name", "Ultrasound therapy"),
                ("duration_minutes", "30"),
                ("price", "40"),
                ("colour", "#0f6b7a"),
                ("room_kind", "treatment"),
                ("resource_kinds", "ultrasound"),
            ],
        )
        .await;
    assert_eq!(saved.status(), StatusCode::OK, "{}", saved.text().await.unwrap());
    let service: Uuid = sqlx::query_scalar("select id from services where name = 'Ultrasound therapy'")
        .fetch_one(&app.db)
        .await
        .unwrap();
    let ultrasound = |practitioner| Schedule {
        practitioner,
        service,
        room: s.room,
        monday: s.monday,
    };

    let first = app
        .book(&org.owner, &ultrasound(s.practitioner), s.monday, "10:00", &[])
        .await;
    assert_eq!(first.status(), StatusCode::OK, "{}", first.text().await.unwrap());
    // Another practitioner in the other room, at an overlapping time: the machine is busy.
    let clash = app
        .book(&org.owner, &ultrasound(second.id), s.monday, "10:15", &[])
        .await;
    assert_eq!(clash.status(), StatusCode::CONFLICT);
    let message = json(clash).await["Conflict"]["message"].as_str().unwrap().to_owned();
    assert_eq!(message, "No ultrasound is free at that time. Choose another time.");
    // Once it is free again, it can be had.
    let after = app
        .book(&org.owner, &ultrasound(second.id), s.monday, "10:30", &[])
        .await;
    assert_eq!(after.status(), StatusCode::OK);
    let held: i64 = sqlx::query_scalar("select count(*) from appointment_resources")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(held, 2);
}
