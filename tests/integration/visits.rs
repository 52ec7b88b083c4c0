//! The visit: arrival and waiting, start and completion, undoing a mistaken step, the
//! services performed and materials used, and the clinical note that is signed at
//! completion and only added to after.

use careops::app::{
    calendar::{GetAppointment, SetAppointmentStatus, UndoAppointmentStatus},
    visits::{AddNoteAddendum, AddVisitMaterial, AddVisitService, GetVisit, RemoveVisitService, SaveVisitNote},
};
use reqwest::StatusCode;
use serde_json::Value;
use uuid::Uuid;

use crate::common::*;

async fn step(app: &TestApp, browser: &Browser, id: Uuid, status: &str) -> StatusCode {
    let mut browser = browser.clone();
    app.call::<SetAppointmentStatus>(&mut browser, &[("id", &id.to_string()), ("status", status)])
        .await
        .status()
}

async fn undo(app: &TestApp, browser: &Browser, id: Uuid) -> reqwest::Response {
    let mut browser = browser.clone();
    app.call::<UndoAppointmentStatus>(&mut browser, &[("id", &id.to_string())])
        .await
}

async fn visit(app: &TestApp, browser: &Browser, id: Uuid) -> Value {
    let mut browser = browser.clone();
    let response = app.call::<GetVisit>(&mut browser, &[("id", &id.to_string())]).await;
    assert_eq!(response.status(), StatusCode::OK);
    json(response).await
}

fn note<'a>(id: &'a str, subjective: &'a str, plan: &'a str) -> [(&'static str, &'a str); 5] {
    [
        ("id", id),
        ("subjective", subjective),
        ("objective", ""),
        ("assessment", ""),
        ("plan", plan),
    ]
}

#[tokio::test]
async fn a_visit_runs_from_arrival_to_a_signed_note_that_is_only_added_to() {
    let app = spawn_app().await;
    let org = app.org("Clinic").await;
    let s = app.schedule(&org).await;
    let booked = app.booked(&org.owner, &s, s.monday, "09:00").await;
    let id = booked.id.to_string();
    let mut owner = org.owner.clone();

    assert_eq!(step(&app, &owner, booked.id, "arrived").await, StatusCode::OK);
    let detail = json(app.call::<GetAppointment>(&mut owner, &[("id", &id)]).await).await;
    assert!(
        detail["appointment"]["arrived_at"].is_string(),
        "the check-in time is kept: {detail}"
    );
    let arrived = visit(&app, &owner, booked.id).await;
    assert!(arrived["arrived_local"].is_string());
    assert_eq!(arrived["services"], serde_json::json!([]), "nothing before the start");
    let early = app.call::<SaveVisitNote>(&mut owner, &note(&id, "Too early", "")).await;
    assert_eq!(early.status(), StatusCode::CONFLICT, "notes follow the start");

    assert_eq!(step(&app, &owner, booked.id, "in_progress").await, StatusCode::OK);
    let started = visit(&app, &owner, booked.id).await;
    assert_eq!(started["services"].as_array().unwrap().len(), 1, "the booked service");
    assert_eq!(started["services"][0]["unit_price"], 5000, "at the catalog's price");
    let added = app
        .call::<AddVisitService>(
            &mut owner,
            &[
                ("id", &id),
                ("service_id", &s.service.to_string()),
                ("quantity", "2"),
                ("price", "40"),
            ],
        )
        .await;
    assert_eq!(added.status(), StatusCode::OK, "{}", added.text().await.unwrap());
    let material = app
        .call::<AddVisitMaterial>(
            &mut owner,
            &[
                ("id", &id),
                ("description", "Needles"),
                ("quantity", "12"),
                ("unit", ""),
            ],
        )
        .await;
    assert_eq!(material.status(), StatusCode::OK);
    let saved = app
        .call::<SaveVisitNote>(&mut owner, &note(&id, "Stiff neck", "Exercises"))
        .await;
    assert_eq!(saved.status(), StatusCode::OK, "{}", saved.text().await.unwrap());
    let during = visit(&app, &owner, booked.id).await;
    assert_eq!(during["services"][1]["unit_price"], 4000);
    assert_eq!(during["services"][1]["price_overridden"], true);
    assert_eq!(during["materials"][0]["quantity"], 12);
    assert_eq!(during["note"]["note"]["subjective"], "Stiff neck");
    assert_eq!(during["note"]["editable"], true);

    assert_eq!(step(&app, &owner, booked.id, "completed").await, StatusCode::OK);
    let done = visit(&app, &owner, booked.id).await;
    assert!(
        done["note"]["signed"].as_str().unwrap().starts_with("Signed by"),
        "{done}"
    );
    assert_eq!(done["note"]["editable"], false);
    let rewrite = app
        .call::<SaveVisitNote>(&mut owner, &note(&id, "Changed my mind", ""))
        .await;
    assert_eq!(rewrite.status(), StatusCode::CONFLICT, "a signed note is not rewritten");
    let reopened = undo(&app, &owner, booked.id).await;
    assert_eq!(reopened.status(), StatusCode::CONFLICT, "nor reopened");
    assert!(reopened.text().await.unwrap().contains("addendum"));

    let addendum = app
        .call::<AddNoteAddendum>(&mut owner, &[("id", &id), ("body", "Phoned: feeling better.")])
        .await;
    assert_eq!(addendum.status(), StatusCode::OK);
    let after = visit(&app, &owner, booked.id).await;
    assert_eq!(after["note"]["note"]["subjective"], "Stiff neck", "the note as signed");
    assert_eq!(after["note"]["addenda"][0]["body"], "Phoned: feeling better.");
    assert!(after["note"]["addenda"][0]["author_name"].is_string());

    // The database holds the line too: no statement rewrites a signed note.
    let mut conn = app.app_role_connection().await;
    let mut tx = sqlx::Connection::begin(&mut conn).await.unwrap();
    sqlx::query("select set_config('app.org_id', $1, true)")
        .bind(org.id.to_string())
        .execute(&mut *tx)
        .await
        .unwrap();
    let forced = sqlx::query("update visits set plan = 'Rewritten' where appointment_id = $1")
        .bind(booked.id)
        .execute(&mut *tx)
        .await
        .expect_err("the trigger refuses it");
    assert!(forced.to_string().contains("signed clinical note"), "{forced}");
    let reads: i64 =
        sqlx::query_scalar("select count(*) from audit_log where action = 'visit.note_read' and entity_id = $1")
            .bind(booked.id)
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert!(reads >= 4, "every read of the note is audited ({reads})");
}

#[tokio::test]
async fn a_mistaken_step_is_undone_to_where_it_was() {
    let app = spawn_app().await;
    let org = app.org("Clinic").await;
    let s = app.schedule(&org).await;
    let booked = app.booked(&org.owner, &s, s.monday, "09:00").await;
    let status = |app: &TestApp, id: Uuid| {
        let db = app.db.clone();
        async move {
            sqlx::query_as::<_, (String, Option<chrono::DateTime<chrono::Utc>>)>(
                "select status, arrived_at from appointments where id = $1",
            )
            .bind(id)
            .fetch_one(&db)
            .await
            .unwrap()
        }
    };

    assert_eq!(step(&app, &org.owner, booked.id, "arrived").await, StatusCode::OK);
    assert_eq!(undo(&app, &org.owner, booked.id).await.status(), StatusCode::OK);
    assert_eq!(status(&app, booked.id).await, ("scheduled".into(), None));
    let nothing = undo(&app, &org.owner, booked.id).await;
    assert_eq!(nothing.status(), StatusCode::CONFLICT, "nothing to undo");

    for s in ["confirmed", "arrived"] {
        assert_eq!(step(&app, &org.owner, booked.id, s).await, StatusCode::OK);
    }
    let (_, arrived_at) = status(&app, booked.id).await;
    assert_eq!(step(&app, &org.owner, booked.id, "in_progress").await, StatusCode::OK);
    assert_eq!(undo(&app, &org.owner, booked.id).await.status(), StatusCode::OK);
    assert_eq!(
        status(&app, booked.id).await,
        ("arrived".into(), arrived_at),
        "an undone start keeps the arrival time"
    );
    assert_eq!(step(&app, &org.owner, booked.id, "in_progress").await, StatusCode::OK);
    assert_eq!(
        visit(&app, &org.owner, booked.id).await["services"]
            .as_array()
            .unwrap()
            .len(),
        1,
        "starting again adds the booked service once"
    );
    assert_eq!(step(&app, &org.owner, booked.id, "completed").await, StatusCode::OK);
    assert_eq!(
        undo(&app, &org.owner, booked.id).await.status(),
        StatusCode::OK,
        "a completion without a note is reopened"
    );
    assert_eq!(status(&app, booked.id).await.0, "in_progress");
    assert_eq!(undo(&app, &org.owner, booked.id).await.status(), StatusCode::OK);
    assert_eq!(undo(&app, &org.owner, booked.id).await.status(), StatusCode::OK);
    assert_eq!(
        status(&app, booked.id).await,
        ("confirmed".into(), None),
        "back to confirmed, as the patient had confirmed"
    );
}

#[tokio::test]
async fn clinical_notes_are_for_clinicians_and_written_by_the_treating_one() {
    let app = spawn_app().await;
    let org = app.org("Clinic").await;
    let s = app.schedule(&org).await;
    let booked = app.booked(&org.owner, &s, s.monday, "09:00").await;
    let id = booked.id.to_string();
    for status in ["arrived", "in_progress"] {
        assert_eq!(step(&app, &org.owner, booked.id, status).await, StatusCode::OK);
    }
    let mut owner = org.owner.clone();
    let saved = app.call::<SaveVisitNote>(&mut owner, &note(&id, "Headache", "")).await;
    assert_eq!(saved.status(), StatusCode::OK);

    let mut reception = app.member(&org.owner, "receptionist", &[org.branch_id]).await.browser;
    let seen = visit(&app, &reception, booked.id).await;
    assert!(seen["note"].is_null(), "the front desk does not see notes: {seen}");
    assert_eq!(seen["services"].as_array().unwrap().len(), 1, "but sees what was done");
    let write = app.call::<SaveVisitNote>(&mut reception, &note(&id, "x", "")).await;
    assert_eq!(write.status(), StatusCode::FORBIDDEN);
    let priced = app
        .call::<AddVisitService>(
            &mut reception,
            &[("id", &id), ("service_id", &s.service.to_string()), ("price", "1")],
        )
        .await;
    assert_eq!(priced.status(), StatusCode::FORBIDDEN, "prices are changed by managers");
    let plain = app
        .call::<AddVisitService>(
            &mut reception,
            &[("id", &id), ("service_id", &s.service.to_string()), ("quantity", "1")],
        )
        .await;
    assert_eq!(plain.status(), StatusCode::OK, "at the catalog's price they may");

    let accountant = app.member(&org.owner, "accountant", &[org.branch_id]).await.browser;
    assert!(visit(&app, &accountant, booked.id).await["note"].is_null());

    let mut colleague = app.member(&org.owner, "practitioner", &[org.branch_id]).await.browser;
    let read = visit(&app, &colleague, booked.id).await;
    assert_eq!(read["note"]["note"]["subjective"], "Headache", "clinicians read it");
    assert_eq!(read["note"]["editable"], false);
    let theirs = app
        .call::<SaveVisitNote>(&mut colleague, &note(&id, "Mine now", ""))
        .await;
    assert_eq!(
        theirs.status(),
        StatusCode::FORBIDDEN,
        "only the treating practitioner writes it"
    );
}

#[tokio::test]
async fn another_organizations_visit_is_not_found() {
    let app = spawn_app().await;
    let org = app.org("Clinic").await;
    let s = app.schedule(&org).await;
    let booked = app.booked(&org.owner, &s, s.monday, "09:00").await;
    for status in ["arrived", "in_progress"] {
        assert_eq!(step(&app, &org.owner, booked.id, status).await, StatusCode::OK);
    }
    let line: Uuid = sqlx::query_scalar("select id from visit_services where appointment_id = $1")
        .bind(booked.id)
        .fetch_one(&app.db)
        .await
        .unwrap();
    let other = app.org("Other clinic").await;
    let mut stranger = other.owner.clone();
    let id = booked.id.to_string();
    let read = app.call::<GetVisit>(&mut stranger, &[("id", &id)]).await;
    assert_eq!(read.status(), StatusCode::NOT_FOUND);
    let removed = app
        .call::<RemoveVisitService>(&mut stranger, &[("id", &id), ("line_id", &line.to_string())])
        .await;
    assert_eq!(removed.status(), StatusCode::NOT_FOUND);
    let wrote = app.call::<SaveVisitNote>(&mut stranger, &note(&id, "x", "")).await;
    assert_eq!(wrote.status(), StatusCode::NOT_FOUND);
    assert_eq!(undo(&app, &stranger, booked.id).await.status(), StatusCode::NOT_FOUND);
    let lines: i64 = sqlx::query_scalar("select count(*) from visit_services")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(lines, 1);
}

/// The visit's server functions.
#[tokio::test]
async fn a_walk_in_is_booked_from_now_through_the_scheduling_engine_arrived_and_sent_nothing() {
    let app = spawn_app().await;
    let org = app.org("Clinic").await;
    let s = app.schedule(&org).await;
    // The date and time on the form do not matter; now may be outside the hours.
    let walk_in = [("walk_in", "on"), ("override_hours", "on")];
    let response = app.book(&org.owner, &s, s.monday, "09:00", &walk_in).await;
    assert_eq!(response.status(), StatusCode::OK, "{}", response.text().await.unwrap());
    let (status, starts, arrived, messages): (String, chrono::DateTime<chrono::Utc>, bool, i64) = sqlx::query_as(
        "select a.status, a.starts_at, a.arrived_at is not null,
                    (select count(*) from messages m where m.appointment_id = a.id)
             from appointments a order by a.created_at desc limit 1",
    )
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert_eq!(status, "arrived");
    assert!(arrived, "waiting from now");
    assert!(
        (chrono::Utc::now() - starts).num_seconds().abs() < 120,
        "starts now, not at 09:00: {starts}"
    );
    assert_eq!(messages, 0, "no confirmation to a patient at the desk");

    // A second walk-in with the same practitioner now clashes with the first.
    let again = app.book(&org.owner, &s, s.monday, "09:00", &walk_in).await;
    assert_eq!(again.status(), StatusCode::CONFLICT, "{}", again.text().await.unwrap());
    let count: i64 = sqlx::query_scalar("select count(*) from appointments where status <> 'cancelled'")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(count, 1);

    // One visit, not a series.
    let series = app
        .book(
            &org.owner,
            &s,
            s.monday,
            "09:00",
            &[("walk_in", "on"), ("repeat", "on"), ("repeat_count", "3")],
        )
        .await;
    assert_eq!(series.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(series.text().await.unwrap().contains("A walk-in is one visit"));
}

pub fn surface() -> Vec<crate::security::Entry> {
    use crate::security::{Caller::Staff, Entry, Ids, Input};
    use careops::{
        app::visits::RemoveVisitMaterial,
        domain::access::Action::{ManageAppointments, RecordVisits, ViewCalendar, WriteClinicalNotes},
    };
    vec![
        Entry::function::<GetVisit>(Staff(ViewCalendar), Ids::Org, |t| {
            Input::form([("id", t.side.visit.to_string())])
        }),
        Entry::function::<AddVisitService>(Staff(RecordVisits), Ids::Org, |t| {
            Input::form([
                ("id", t.side.visit.to_string()),
                ("service_id", t.side.service.to_string()),
                ("quantity", "1".into()),
            ])
        })
        .writes(),
        Entry::function::<RemoveVisitService>(Staff(RecordVisits), Ids::Org, |t| {
            Input::form([
                ("id", t.side.visit.to_string()),
                ("line_id", t.spare().visit_line.to_string()),
            ])
        })
        .writes(),
        Entry::function::<AddVisitMaterial>(Staff(RecordVisits), Ids::Org, |t| {
            Input::form([
                ("id", t.side.visit.to_string()),
                ("description", "Gloves".into()),
                ("quantity", "2".into()),
            ])
        })
        .writes(),
        Entry::function::<RemoveVisitMaterial>(Staff(RecordVisits), Ids::Org, |t| {
            Input::form([
                ("id", t.side.visit.to_string()),
                ("material_id", t.spare().visit_material.to_string()),
            ])
        })
        .writes(),
        // The note is the treating practitioner's (the owner's here): another
        // practitioner is refused by that rule, not by the matrix.
        Entry::function::<SaveVisitNote>(Staff(WriteClinicalNotes), Ids::Org, |t| {
            Input::form([
                ("id", t.side.visit.to_string()),
                ("subjective", format!("Round {}", t.round)),
                ("objective", String::new()),
                ("assessment", String::new()),
                ("plan", String::new()),
            ])
        })
        .writes()
        .or_refused(&[reqwest::StatusCode::FORBIDDEN]),
        Entry::function::<AddNoteAddendum>(Staff(WriteClinicalNotes), Ids::Org, |t| {
            Input::form([
                ("id", t.side.done_visit.to_string()),
                ("body", format!("Follow-up {}", t.round)),
            ])
        })
        .writes(),
        Entry::function::<UndoAppointmentStatus>(Staff(ManageAppointments), Ids::Org, |t| {
            Input::form([("id", t.spare().to_undo.to_string())])
        })
        .writes(),
    ]
}
