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

/// What the calendar, the portal's free times and one booking cost the database, counted
/// in statements (BEGIN is not logged; every transaction adds one): the same with a
/// nearly empty week and with 400 more appointments of 20 more practitioners, so no read
/// loops over rows. The booking's count is today's; it may only go down.
#[tokio::test]
async fn reads_and_a_booking_run_the_same_statements_whatever_the_data_size() {
    const BOOKING_STATEMENTS: usize = 24;
    let app = spawn_app().await;
    let org = app.org("Clinic").await;
    let s = app.schedule(&org).await;
    let token = app.api_token(&org.owner).await;
    let slug: String = sqlx::query_scalar("select slug from organizations where id = $1")
        .bind(org.id)
        .fetch_one(&app.db)
        .await
        .unwrap();
    let patient_id = {
        app.book(&org.owner, &s, s.monday, "08:00", &[]).await;
        sqlx::query_scalar::<_, Uuid>("select patient_id from appointments")
            .fetch_one(&app.db)
            .await
            .unwrap()
    };
    let week = format!(
        "/api/v1/calendar/appointments?from={}&to={}",
        s.monday,
        s.monday + chrono::Duration::days(7)
    );
    let costs = async |hour: u32| {
        let mut owner = org.owner.clone();
        // A first call touches the session and the token (once a minute); not counted.
        app.call::<careops::app::calendar::GetCalendar>(&mut owner, &[]).await;
        app.api(Method::GET, &week, &token, None).send().await.unwrap();
        let (calendar, calendar_sql) = statements(app.call::<careops::app::calendar::GetCalendar>(
            &mut owner,
            &[("date", &s.monday.to_string()), ("view", "week")],
        ))
        .await;
        assert_eq!(calendar.status(), StatusCode::OK);
        let (list, list_sql) = statements(app.api(Method::GET, &week, &token, None).send()).await;
        assert_eq!(list.unwrap().status(), StatusCode::OK);
        let (times, times_sql) = statements(app.call::<careops::app::portal::AvailableTimes>(
            &mut Browser::default(),
            &[
                ("slug", slug.as_str()),
                ("branch", &org.branch_id.to_string()),
                ("service", &s.service.to_string()),
                ("date", &s.monday.to_string()),
            ],
        ))
        .await;
        assert_eq!(times.status(), StatusCode::OK);
        let starts = local_to_utc(zone("Europe/Berlin"), s.monday.and_hms_opt(hour, 0, 0).unwrap());
        let (booked, booking_sql) = statements(
            app.api(Method::POST, "/api/v1/calendar/appointments", &token, None)
                .json(
                    &serde_json::json!({"patient_id": patient_id, "practitioner_id": s.practitioner,
                    "service_id": s.service, "starts_at": starts.to_rfc3339()}),
                )
                .send(),
        )
        .await;
        assert_eq!(booked.unwrap().status(), StatusCode::CREATED);
        [calendar_sql, list_sql, times_sql, booking_sql]
    };
    let small = costs(10).await;
    sqlx::query(
        "with staff as (
             insert into users (org_id, email, full_name, password_hash)
             select $1, 'p' || n || '@clinic.test', 'Practitioner ' || n, 'x' from generate_series(1, 20) n
             returning id),
         member as (insert into memberships (org_id, user_id, branch_id, role) select $1, id, $2, 'practitioner' from staff returning user_id)
         insert into appointments (org_id, branch_id, patient_id, practitioner_id, service_id, starts_at, ends_at)
         select $1, $2, $3, m.user_id, $4, t, t + interval '25 minutes'
         from member m, generate_series(0, 3) d, generate_series(0, 4) k,
              lateral (select ($5::date + d)::timestamp + time '08:00' + k * interval '30 minutes' as local) l,
              lateral (select l.local at time zone 'Europe/Berlin' as t) times",
    )
    .bind(org.id)
    .bind(org.branch_id)
    .bind(patient_id)
    .bind(s.service)
    .bind(s.monday)
    .execute(&app.db)
    .await
    .unwrap();
    let large = costs(12).await;
    for ((what, small), large) in ["calendar week", "API week", "portal free times", "API booking"]
        .iter()
        .zip(&small)
        .zip(&large)
    {
        assert_eq!(small, large, "{what} runs other statements with more data");
    }
    assert!(
        small[3].len() <= BOOKING_STATEMENTS,
        "one booking ran {} statements: {:#?}",
        small[3].len(),
        small[3]
    );
    println!(
        "statements (plus one BEGIN per COMMIT): calendar week {}, API week {}, portal free times {}, API booking {}",
        small[0].len(),
        small[1].len(),
        small[2].len(),
        small[3].len()
    );
}
