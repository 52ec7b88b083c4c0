//! Scheduling over HTTP: booking, clashes refused by the database, buffers, rooms,
//! working hours, the status machine, moves, cancellations, series, and a race.

use careops::app::{
    calendar::{CancelAppointment, GetAppointment, RescheduleAppointment, SetAppointmentStatus},
    settings::SavePlace,
};
use chrono::Duration;
use reqwest::{header, Method, StatusCode};
use uuid::Uuid;

use crate::common::*;

async fn only_appointment(app: &TestApp) -> Uuid {
    sqlx::query_scalar("select id from appointments order by created_at desc limit 1")
        .fetch_one(&app.db)
        .await
        .unwrap()
}

#[tokio::test]
async fn booking_shows_the_day_and_an_overlap_is_refused_naming_the_clash() {
    let app = spawn_app().await;
    let org = app.org("Clinic").await;
    let s = app.schedule(&org).await;

    let booked = app.book(&org.owner, &s, s.monday, "09:00", &[]).await;
    assert_eq!(booked.status(), StatusCode::OK, "{}", booked.text().await.unwrap());
    assert_eq!(
        booked.headers()[header::LOCATION],
        format!("/app/calendar?date={}", s.monday)
    );

    let clash = app.book(&org.owner, &s, s.monday, "09:15", &[]).await;
    assert_eq!(clash.status(), StatusCode::CONFLICT);
    let message = json(clash).await["Conflict"]["message"].as_str().unwrap().to_owned();
    assert!(
        message.contains("Ada Lovelace is already booked from 09:00 to 09:30") && message.contains("(Physiotherapy)"),
        "{message}"
    );
    let count: i64 = sqlx::query_scalar("select count(*) from appointments")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(count, 1);
}

#[tokio::test]
async fn the_buffer_after_an_appointment_is_kept_free() {
    let app = spawn_app().await;
    let org = app.org("Clinic").await;
    let s = app.schedule(&org).await;
    app.book(&org.owner, &s, s.monday, "09:00", &[]).await;

    // 09:30-09:40 is the cleaning buffer of the first appointment.
    let inside = app.book(&org.owner, &s, s.monday, "09:35", &[]).await;
    assert_eq!(inside.status(), StatusCode::CONFLICT);
    let after = app.book(&org.owner, &s, s.monday, "09:40", &[]).await;
    assert_eq!(after.status(), StatusCode::OK);
}

#[tokio::test]
async fn a_room_is_taken_only_once_and_another_of_its_kind_is_chosen() {
    let app = spawn_app().await;
    let org = app.org("Clinic").await;
    let s = app.schedule(&org).await;
    let second = app.practitioner(&org).await;
    let mut owner = org.owner.clone();
    let other = Schedule {
        practitioner: second.id,
        service: s.service,
        room: s.room,
        monday: s.monday,
    };

    app.book(&org.owner, &s, s.monday, "10:00", &[]).await;
    // The only treatment room is busy: the second practitioner cannot book then.
    let no_room = app.book(&org.owner, &other, s.monday, "10:00", &[]).await;
    assert_eq!(no_room.status(), StatusCode::CONFLICT);
    assert!(json(no_room).await["Conflict"]["message"]
        .as_str()
        .unwrap()
        .contains("No treatment room is free"));
    // Asking for the busy room by name names the clash.
    let room = s.room.to_string();
    let named = app
        .book(&org.owner, &other, s.monday, "10:00", &[("room_id", &room)])
        .await;
    assert_eq!(named.status(), StatusCode::CONFLICT);
    assert!(json(named).await["Conflict"]["message"]
        .as_str()
        .unwrap()
        .starts_with("The room Room 1 is already booked"));

    // With a second room, the booking goes there.
    app.call::<SavePlace>(
        &mut owner,
        &[("what", "room"), ("name", "Room 2"), ("kind", "treatment")],
    )
    .await;
    let ok = app.book(&org.owner, &other, s.monday, "10:00", &[]).await;
    assert_eq!(ok.status(), StatusCode::OK);
    let rooms: Vec<String> =
        sqlx::query_scalar("select r.name from appointments a join rooms r on r.id = a.room_id order by r.name")
            .fetch_all(&app.db)
            .await
            .unwrap();
    assert_eq!(rooms, ["Room 1", "Room 2"]);
}

#[tokio::test]
async fn outside_working_hours_needs_a_role_that_may_override_and_a_confirmation() {
    let app = spawn_app().await;
    let org = app.org("Clinic").await;
    let s = app.schedule(&org).await;
    let reception = app.member(&org.owner, "receptionist", &[org.branch_id]).await;

    let evening = app.book(&reception.browser, &s, s.monday, "19:00", &[]).await;
    assert_eq!(evening.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let message = json(evening).await["Validation"][0]["message"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        message.contains("does not work at 19:00 on Monday (hours 08:00-18:00)"),
        "{message}"
    );
    let ticked = app
        .book(&reception.browser, &s, s.monday, "19:00", &[("override_hours", "on")])
        .await;
    assert_eq!(
        ticked.status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "a receptionist may not override"
    );

    let unconfirmed = app.book(&org.owner, &s, s.monday, "19:00", &[]).await;
    assert_eq!(unconfirmed.status(), StatusCode::CONFLICT);
    assert_eq!(json(unconfirmed).await["Conflict"]["field"], "override_hours");
    let confirmed = app
        .book(&org.owner, &s, s.monday, "19:00", &[("override_hours", "on")])
        .await;
    assert_eq!(confirmed.status(), StatusCode::OK);

    let saturday = s.monday + Duration::days(5);
    let weekend = app.book(&reception.browser, &s, saturday, "10:00", &[]).await;
    assert!(json(weekend).await["Validation"][0]["message"]
        .as_str()
        .unwrap()
        .contains("not working that day"));
}

#[tokio::test]
async fn the_status_machine_refuses_other_moves() {
    let app = spawn_app().await;
    let org = app.org("Clinic").await;
    let s = app.schedule(&org).await;
    app.book(&org.owner, &s, s.monday, "09:00", &[]).await;
    let id = only_appointment(&app).await.to_string();
    let mut owner = org.owner.clone();
    let to = |status: &'static str| {
        let id = id.clone();
        let app = &app;
        let mut browser = owner.clone();
        async move {
            app.call::<SetAppointmentStatus>(&mut browser, &[("id", &id), ("status", status)])
                .await
                .status()
        }
    };

    assert_eq!(to("no_show").await, StatusCode::CONFLICT, "not before it begins");
    assert_eq!(
        to("completed").await,
        StatusCode::CONFLICT,
        "scheduled cannot jump to completed"
    );
    for step in ["confirmed", "arrived", "in_progress", "completed"] {
        assert_eq!(to(step).await, StatusCode::OK, "{step}");
    }
    assert_eq!(to("arrived").await, StatusCode::CONFLICT);
    let detail = json(app.call::<GetAppointment>(&mut owner, &[("id", &id)]).await).await;
    assert_eq!(detail["appointment"]["status"], "completed");
    assert_eq!(detail["next"], serde_json::json!([]));
    let moved = app
        .call::<RescheduleAppointment>(
            &mut owner,
            &[("id", &id), ("date", &s.monday.to_string()), ("time", "11:00")],
        )
        .await;
    assert_eq!(
        moved.status(),
        StatusCode::CONFLICT,
        "a completed appointment does not move"
    );
}

#[tokio::test]
async fn moving_into_a_clash_is_refused_and_cancelling_frees_the_time() {
    let app = spawn_app().await;
    let org = app.org("Clinic").await;
    let s = app.schedule(&org).await;
    app.book(&org.owner, &s, s.monday, "09:00", &[]).await;
    let first = only_appointment(&app).await.to_string();
    app.book(&org.owner, &s, s.monday, "11:00", &[]).await;
    let second = only_appointment(&app).await.to_string();
    let mut owner = org.owner.clone();
    let date = s.monday.to_string();

    let into_first = app
        .call::<RescheduleAppointment>(&mut owner, &[("id", &second), ("date", &date), ("time", "09:20")])
        .await;
    assert_eq!(into_first.status(), StatusCode::CONFLICT);
    let moved = app
        .call::<RescheduleAppointment>(
            &mut owner,
            &[("id", &second), ("date", &date), ("time", "13:00"), ("minutes", "45")],
        )
        .await;
    assert_eq!(moved.status(), StatusCode::OK);
    let moved = json(moved).await;
    assert_eq!(moved[0]["time_label"], "13:00–13:45");

    let no_reason = app
        .call::<CancelAppointment>(&mut owner, &[("id", &first), ("reason", " ")])
        .await;
    assert_eq!(no_reason.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let cancelled = app
        .call::<CancelAppointment>(&mut owner, &[("id", &first), ("reason", "Patient is ill")])
        .await;
    assert_eq!(cancelled.status(), StatusCode::OK);
    assert_eq!(
        app.book(&org.owner, &s, s.monday, "09:00", &[]).await.status(),
        StatusCode::OK,
        "the time is free again"
    );
    let actions: Vec<String> =
        sqlx::query_scalar("select action from audit_log where entity = 'appointment' order by id")
            .fetch_all(&app.db)
            .await
            .unwrap();
    assert_eq!(
        actions,
        [
            "appointment.created",
            "appointment.created",
            "appointment.rescheduled",
            "appointment.cancelled",
            "appointment.created"
        ]
    );
}

/// A series is checked week by week against the practitioner's time off and the
/// branch's closed days (read once for the whole series), and names what stands in the
/// way; a permitted override books it whole.
#[tokio::test]
async fn a_series_meets_time_off_and_a_closed_day_in_a_later_week_by_name() {
    use careops::app::settings::{AddClosure, AddTimeOff};

    let app = spawn_app().await;
    let org = app.org("Clinic").await;
    let s = app.schedule(&org).await;
    let mut owner = org.owner.clone();
    let weekly = [
        ("repeat", "on"),
        ("repeat_every", "1"),
        ("repeat_unit", "weeks"),
        ("repeat_count", "4"),
    ];
    let third = s.monday + Duration::days(14);
    let away = app
        .call::<AddTimeOff>(
            &mut owner,
            &[
                ("user_id", &s.practitioner.to_string()),
                ("from", &format!("{third}T08:00")),
                ("until", &format!("{third}T12:00")),
                ("reason", "Training"),
            ],
        )
        .await;
    assert_eq!(away.status(), StatusCode::OK);
    let count = async || -> i64 {
        sqlx::query_scalar("select count(*) from appointments")
            .fetch_one(&app.db)
            .await
            .unwrap()
    };

    let refused = app.book(&org.owner, &s, s.monday, "09:00", &weekly).await;
    assert_eq!(refused.status(), StatusCode::CONFLICT);
    let message = json(refused).await["Conflict"]["message"].as_str().unwrap().to_owned();
    assert!(message.contains("is away then (Training)"), "{message}");
    assert_eq!(count().await, 0);

    let fourth = s.monday + Duration::days(21);
    let closed = app
        .call::<AddClosure>(&mut owner, &[("day", &fourth.to_string()), ("name", "Staff day")])
        .await;
    assert_eq!(closed.status(), StatusCode::OK);
    let afternoon = app.book(&org.owner, &s, s.monday, "14:00", &weekly).await;
    assert_eq!(afternoon.status(), StatusCode::CONFLICT);
    let message = json(afternoon).await["Conflict"]["message"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        message.contains(&format!(
            "The branch is closed on {} (Staff day)",
            fourth.format("%-d %b")
        )),
        "{message}"
    );
    assert_eq!(count().await, 0);

    let anyway = [weekly.as_slice(), &[("override_hours", "on")]].concat();
    let booked = app.book(&org.owner, &s, s.monday, "14:00", &anyway).await;
    assert_eq!(booked.status(), StatusCode::OK);
    assert_eq!(count().await, 4);
}

#[tokio::test]
async fn a_series_is_booked_whole_or_not_at_all_and_moves_from_an_occurrence_on() {
    let app = spawn_app().await;
    let org = app.org("Clinic").await;
    let s = app.schedule(&org).await;
    let weekly = [
        ("repeat", "on"),
        ("repeat_every", "1"),
        ("repeat_unit", "weeks"),
        ("repeat_count", "4"),
    ];

    // Block the third Monday: the whole series is refused.
    app.book(&org.owner, &s, s.monday + Duration::days(14), "08:45", &[])
        .await;
    let refused = app.book(&org.owner, &s, s.monday, "09:00", &weekly).await;
    assert_eq!(refused.status(), StatusCode::CONFLICT);
    let count: i64 = sqlx::query_scalar("select count(*) from appointments")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(count, 1, "no occurrence of the refused series remains");

    let booked = app.book(&org.owner, &s, s.monday, "10:00", &weekly).await;
    assert_eq!(booked.status(), StatusCode::OK);
    let series: Vec<(Uuid, chrono::DateTime<chrono::Utc>)> =
        sqlx::query_as("select id, starts_at from appointments where series_id is not null order by starts_at")
            .fetch_all(&app.db)
            .await
            .unwrap();
    assert_eq!(series.len(), 4);
    assert!(series
        .windows(2)
        .all(|w| w[1].1 - w[0].1 >= Duration::days(7) - Duration::hours(1)));

    // From the second occurrence on, move to 15:00 on the day after.
    let mut owner = org.owner.clone();
    let second = series[1].0.to_string();
    let new_day = (s.monday + Duration::days(8)).to_string();
    let moved = app
        .call::<RescheduleAppointment>(
            &mut owner,
            &[
                ("id", &second),
                ("date", &new_day),
                ("time", "15:00"),
                ("scope", "following"),
            ],
        )
        .await;
    assert_eq!(moved.status(), StatusCode::OK);
    let moved = json(moved).await;
    let labels: Vec<(&str, &str)> = moved
        .as_array()
        .unwrap()
        .iter()
        .map(|a| (a["local_date"].as_str().unwrap(), a["time_label"].as_str().unwrap()))
        .collect();
    let tuesday = |weeks: i64| (s.monday + Duration::days(1 + 7 * weeks)).to_string();
    assert_eq!(
        labels,
        [
            (tuesday(1).as_str(), "15:00–15:30"),
            (tuesday(2).as_str(), "15:00–15:30"),
            (tuesday(3).as_str(), "15:00–15:30")
        ]
    );

    let cancelled = app
        .call::<CancelAppointment>(
            &mut owner,
            &[
                ("id", &series[2].0.to_string()),
                ("reason", "Moving away"),
                ("scope", "following"),
            ],
        )
        .await;
    assert_eq!(cancelled.status(), StatusCode::OK);
    let live: i64 =
        sqlx::query_scalar("select count(*) from appointments where series_id is not null and status <> 'cancelled'")
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert_eq!(live, 2);
}

#[tokio::test]
async fn a_daily_series_moves_a_day_later_or_earlier_without_running_into_itself() {
    let app = spawn_app().await;
    let org = app.org("Clinic").await;
    let s = app.schedule(&org).await;
    let daily = [
        ("repeat", "on"),
        ("repeat_every", "1"),
        ("repeat_unit", "days"),
        ("repeat_count", "3"),
    ];
    // Monday, Tuesday, Wednesday at 10:00.
    assert_eq!(
        app.book(&org.owner, &s, s.monday, "10:00", &daily).await.status(),
        StatusCode::OK
    );
    let first = only_first_of_series(&app).await;
    let mut owner = org.owner.clone();
    let days = |from: i64| -> Vec<String> {
        (from..from + 3)
            .map(|d| format!("{} 10:00", s.monday + Duration::days(d)))
            .collect()
    };

    // A day later, onto the days its own later occurrences hold until they move.
    let tuesday = (s.monday + Duration::days(1)).to_string();
    let moved = app
        .call::<RescheduleAppointment>(
            &mut owner,
            &[
                ("id", &first),
                ("date", &tuesday),
                ("time", "10:00"),
                ("scope", "following"),
            ],
        )
        .await;
    assert_eq!(moved.status(), StatusCode::OK, "{}", moved.text().await.unwrap());
    assert_eq!(series_days(&app).await, days(1));

    // And back again, a day earlier.
    let monday = s.monday.to_string();
    let moved = app
        .call::<RescheduleAppointment>(
            &mut owner,
            &[
                ("id", &first),
                ("date", &monday),
                ("time", "10:00"),
                ("scope", "following"),
            ],
        )
        .await;
    assert_eq!(moved.status(), StatusCode::OK, "{}", moved.text().await.unwrap());
    assert_eq!(series_days(&app).await, days(0));
}

#[tokio::test]
async fn a_patient_who_agreed_to_texts_hears_of_a_staff_booking_its_move_and_its_cancellation() {
    let app = spawn_app().await;
    let org = app.org("Clinic").await;
    let s = app.schedule(&org).await;
    app.book(&org.owner, &s, s.monday, "09:00", &[]).await;
    let (appointment, patient): (Uuid, Uuid) = sqlx::query_as("select id, patient_id from appointments")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(
        count(&app, "select count(*) from messages").await,
        0,
        "no consent, no message"
    );
    sqlx::query("update patients set consent_sms = true where id = $1")
        .bind(patient)
        .execute(&app.db)
        .await
        .unwrap();
    let patient = patient.to_string();
    let mut owner = org.owner.clone();

    let booked = app
        .book(&org.owner, &s, s.monday, "11:00", &[("patient_id", &patient)])
        .await;
    assert_eq!(booked.status(), StatusCode::OK);
    let id = only_appointment(&app).await.to_string();
    let moved = app
        .call::<RescheduleAppointment>(
            &mut owner,
            &[("id", &id), ("date", &s.monday.to_string()), ("time", "14:00")],
        )
        .await;
    assert_eq!(moved.status(), StatusCode::OK);
    let cancelled = app
        .call::<CancelAppointment>(&mut owner, &[("id", &appointment.to_string()), ("reason", "Ill")])
        .await;
    assert_eq!(cancelled.status(), StatusCode::OK);

    let messages: Vec<(String, String)> = sqlx::query_as(
        "select kind, body from messages where channel = 'sms' and kind <> 'reminder' order by created_at, kind",
    )
    .fetch_all(&app.db)
    .await
    .unwrap();
    let kinds: Vec<&str> = messages.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(kinds, ["booking_confirmation", "reschedule", "cancellation"]);
    assert!(
        messages[0].1.contains("11:00") && messages[0].1.contains("/manage/"),
        "{}",
        messages[0].1
    );
    assert!(messages[1].1.contains("14:00"), "{}", messages[1].1);
    assert!(messages[2].1.contains("09:00"), "{}", messages[2].1);
}

async fn count(app: &TestApp, sql: &str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(&app.db).await.unwrap()
}

async fn only_first_of_series(app: &TestApp) -> String {
    sqlx::query_scalar::<_, Uuid>("select id from appointments where series_id is not null order by starts_at limit 1")
        .fetch_one(&app.db)
        .await
        .unwrap()
        .to_string()
}

/// The series' occurrences as local (Berlin) "date time", in order.
async fn series_days(app: &TestApp) -> Vec<String> {
    sqlx::query_scalar(
        "select to_char(starts_at at time zone 'Europe/Berlin', 'YYYY-MM-DD HH24:MI') from appointments
         where series_id is not null and status <> 'cancelled' order by starts_at",
    )
    .fetch_all(&app.db)
    .await
    .unwrap()
}

#[tokio::test]
async fn two_hundred_concurrent_overlapping_bookings_give_exactly_one_success() {
    let app = spawn_app_with(&[("DATABASE_MAX_CONNECTIONS", "20")]).await;
    let org = app.org("Clinic").await;
    let s = app.schedule(&org).await;
    let token = app.api_token(&org.owner).await;
    let patient: Uuid = {
        app.book(&org.owner, &s, s.monday, "16:00", &[]).await;
        sqlx::query_scalar("select id from patients")
            .fetch_one(&app.db)
            .await
            .unwrap()
    };
    let starts = format!("{}T08:00:00Z", s.monday);

    let requests = (0..200).map(|n| {
        // Overlapping, not identical: every request starts within the first one's half hour.
        let starts = chrono::DateTime::parse_from_rfc3339(&starts).unwrap() + Duration::minutes(n % 20);
        app.api(Method::POST, "/api/v1/calendar/appointments", &token, None)
            .json(&serde_json::json!({
                "patient_id": patient,
                "practitioner_id": s.practitioner,
                "service_id": s.service,
                "starts_at": starts.to_rfc3339(),
            }))
            .send()
    });
    let responses = futures_util::future::join_all(requests).await;
    let statuses: Vec<u16> = responses.into_iter().map(|r| r.unwrap().status().as_u16()).collect();

    assert_eq!(statuses.iter().filter(|s| **s == 201).count(), 1, "{statuses:?}");
    assert_eq!(statuses.iter().filter(|s| **s == 409).count(), 199, "{statuses:?}");
    let booked: i64 =
        sqlx::query_scalar("select count(*) from appointments where starts_at < $1::timestamptz + interval '1 hour'")
            .bind(&starts)
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert_eq!(booked, 1);
}

/// The calendar, Today, appointments and their API.
pub fn surface() -> Vec<crate::security::Entry> {
    use crate::security::{Caller::Staff, Entry, Ids, Input};
    use careops::{
        app::{
            calendar::{CreateAppointment, GetBookingOptions, GetCalendar},
            home::GetToday,
        },
        domain::access::Action::{ManageAppointments, ViewCalendar},
    };
    use serde_json::json;
    vec![
        Entry::function::<GetToday>(Staff(ViewCalendar), Ids::None, |_| Input::none()),
        Entry::function::<GetCalendar>(Staff(ViewCalendar), Ids::None, |t| {
            Input::form([("date", t.side.monday.to_string())])
        }),
        Entry::function::<GetAppointment>(Staff(ViewCalendar), Ids::Org, |t| {
            Input::form([("id", t.side.appointment.to_string())])
        }),
        // Tuesday's spares move to Wednesday.
        Entry::function::<RescheduleAppointment>(Staff(ManageAppointments), Ids::Org, |t| {
            let (date, time) = t.slot(2, t.round as i64 * 40);
            Input::form([("id", t.spare().to_move.to_string()), ("date", date), ("time", time)])
        })
        .writes(),
        Entry::function::<CancelAppointment>(Staff(ManageAppointments), Ids::Org, |t| {
            Input::form([
                ("id", t.spare().to_cancel.to_string()),
                ("reason", "Patient asked".into()),
            ])
        })
        .writes(),
        Entry::function::<SetAppointmentStatus>(Staff(ManageAppointments), Ids::Org, |t| {
            Input::form([("id", t.spare().to_confirm.to_string()), ("status", "confirmed".into())])
        })
        .writes(),
        Entry::function::<GetBookingOptions>(Staff(ManageAppointments), Ids::None, |_| {
            Input::form([("query", "Spare".into())])
        }),
        // New bookings go to Friday morning.
        Entry::function::<CreateAppointment>(Staff(ManageAppointments), Ids::Org, |t| {
            let (date, time) = t.slot(4, t.round as i64 * 40);
            Input::form([
                ("patient_id", t.side.patient.to_string()),
                ("practitioner_id", t.side.owner.to_string()),
                ("service_id", t.side.service.to_string()),
                ("room_id", t.side.room.to_string()),
                ("date", date),
                ("time", time),
            ])
        })
        .writes(),
        Entry::route(
            Method::GET,
            "/api/v1/calendar/appointments",
            Staff(ViewCalendar),
            Ids::None,
            |t| {
                Input::at(format!(
                    "/api/v1/calendar/appointments?from={}&to={}",
                    t.side.monday,
                    t.side.monday + Duration::days(7)
                ))
            },
        ),
        // The API books the next Monday.
        Entry::route(
            Method::POST,
            "/api/v1/calendar/appointments",
            Staff(ManageAppointments),
            Ids::Org,
            |t| {
                Input::none().json(json!({
                    "patient_id": t.side.patient,
                    "practitioner_id": t.side.owner,
                    "service_id": t.side.service,
                    "starts_at": t.instant(7, t.round as i64 * 40),
                }))
            },
        )
        .writes(),
        Entry::route(
            Method::GET,
            "/api/v1/calendar/appointments/{id}",
            Staff(ViewCalendar),
            Ids::Org,
            |t| Input::at(format!("/api/v1/calendar/appointments/{}", t.side.appointment)),
        ),
        // What the server function moved to Wednesday, the API moves to the next Tuesday.
        Entry::route(
            Method::PATCH,
            "/api/v1/calendar/appointments/{id}",
            Staff(ManageAppointments),
            Ids::Org,
            |t| {
                Input::at(format!("/api/v1/calendar/appointments/{}", t.spare().to_move))
                    .json(json!({"starts_at": t.instant(8, t.round as i64 * 40)}))
            },
        )
        .writes(),
        Entry::route(
            Method::POST,
            "/api/v1/calendar/appointments/{id}/cancel",
            Staff(ManageAppointments),
            Ids::Org,
            |t| {
                Input::at(format!("/api/v1/calendar/appointments/{}/cancel", t.spare().to_confirm))
                    .json(json!({"reason": "Clinic closed"}))
            },
        )
        .writes(),
    ]
}

/// A week's appointments are found through an index under row-level security, however
/// long the organization's history: fifty busy weeks before it do not make PostgreSQL read
/// them (`appointment_may_block`, which the calendar, the portal's free times and the room
/// look-ups add beside their exact overlap test).
#[tokio::test]
async fn a_week_is_read_through_an_index_whatever_the_history() {
    use sqlx::Connection;

    let app = spawn_app().await;
    let org = app.org("Clinic").await;
    app.schedule(&org).await;
    sqlx::query(include_str!("../fixtures/busy_week.sql"))
        .bind(org.id)
        .execute(&app.db)
        .await
        .unwrap();
    sqlx::query(
        "insert into appointments (org_id, branch_id, patient_id, practitioner_id, service_id, starts_at, ends_at)
         select org_id, branch_id, patient_id, practitioner_id, service_id,
                starts_at - k * interval '7 days', ends_at - k * interval '7 days'
         from appointments, generate_series(1, 50) k",
    )
    .execute(&app.db)
    .await
    .unwrap();
    sqlx::query("analyze appointments").execute(&app.db).await.unwrap();

    let mut conn = app.app_role_connection().await;
    let mut tx = conn.begin().await.unwrap();
    sqlx::query("select set_config('app.org_id', $1, true), set_config('plan_cache_mode', 'force_generic_plan', true)")
        .bind(org.id.to_string())
        .execute(&mut *tx)
        .await
        .unwrap();
    let plan: serde_json::Value = sqlx::query_scalar(
        "explain (analyze, format json) select a.id from appointments a
         where a.org_id = $1 and appointment_may_block(a.starts_at, $2, $3) and a.blocked && tstzrange($2, $3)",
    )
    .bind(org.id)
    .bind("2031-03-03T00:00:00Z".parse::<chrono::DateTime<chrono::Utc>>().unwrap())
    .bind("2031-03-10T00:00:00Z".parse::<chrono::DateTime<chrono::Utc>>().unwrap())
    .fetch_one(&mut *tx)
    .await
    .unwrap();
    let text = plan.to_string();
    assert!(
        text.contains("appointments_org_starts_idx"),
        "not read by the index: {plan:#}"
    );
    // The week's 2,000 rows come back and no more than them were looked at.
    let scan = &plan[0]["Plan"];
    let scan = if scan["Plans"].is_array() {
        &scan["Plans"][0]
    } else {
        scan
    };
    assert_eq!(scan["Actual Rows"], 2000, "{plan:#}");
    assert_eq!(scan["Rows Removed by Filter"].as_i64().unwrap_or(0), 0, "{plan:#}");
}
