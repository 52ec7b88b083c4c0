//! What reads and writes cost the database, counted in SQL statements. A binary of its
//! own: the count listens to sqlx's log on the test's thread, and tests running beside
//! it in one process would disturb what the logging machinery caches.

#[allow(dead_code)]
#[path = "integration/common/mod.rs"]
mod common;

use careops::domain::time::{local_to_utc, zone};
use reqwest::{Method, StatusCode};
use uuid::Uuid;

use common::*;

/// The round trips to PostgreSQL made on this thread while `run` runs: the app shares the
/// test's single-threaded runtime, and this binary runs no other test beside it, so what
/// is logged is this work alone. Each entry is sqlx's summary of a statement, or the
/// app's `begin; set tenant` that opens a transaction (sqlx does not log a BEGIN).
pub async fn statements<F: std::future::Future>(run: F) -> (F::Output, Vec<String>) {
    use std::sync::{Arc, Mutex};
    use tracing_subscriber::{layer::SubscriberExt, Layer};

    struct Collect(Arc<Mutex<Vec<String>>>);
    struct Summary(String);
    impl tracing::field::Visit for Summary {
        fn record_str(&mut self, field: &tracing::field::Field, value: &str) {
            if field.name() == "summary" {
                self.0 = value.to_owned();
            }
        }
        fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
            // sqlx names a statement `summary`; the app's BEGIN event is its message.
            if field.name() == "summary" || field.name() == "message" {
                self.0 = format!("{value:?}");
            }
        }
    }
    impl<S: tracing::Subscriber> Layer<S> for Collect {
        fn on_event(&self, event: &tracing::Event<'_>, _: tracing_subscriber::layer::Context<'_, S>) {
            let mut summary = Summary(String::new());
            event.record(&mut summary);
            self.0.lock().unwrap().push(summary.0);
        }
    }
    let seen = Arc::new(Mutex::new(Vec::new()));
    let subscriber = tracing_subscriber::registry().with(
        Collect(seen.clone()).with_filter(
            tracing_subscriber::filter::Targets::new()
                .with_target("sqlx::query", tracing::Level::TRACE)
                .with_target(careops::server::db::TRANSACTIONS, tracing::Level::TRACE),
        ),
    );
    let guard = tracing::subscriber::set_default(subscriber);
    // Callsites first met on another test's thread (no subscriber there) may have cached
    // "never"; ask every callsite again now that this thread listens.
    tracing::callsite::rebuild_interest_cache();
    let output = run.await;
    drop(guard);
    let list = seen.lock().unwrap().clone();
    (output, list)
}

/// What the calendar, the portal's free times and one booking cost the database, counted
/// in round trips (each statement, and each transaction's opening BEGIN): the same with a
/// nearly empty week and with 400 more appointments of 20 more practitioners, so no read
/// loops over rows. The booking's count is today's; it may only go down.
#[tokio::test]
async fn reads_and_a_booking_run_the_same_statements_whatever_the_data_size() {
    const BOOKING_STATEMENTS: usize = 9;
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
    println!("one API booking: {:#?}", small[3]);
    println!(
        "round trips: calendar week {}, API week {}, portal free times {}, API booking {}",
        small[0].len(),
        small[1].len(),
        small[2].len(),
        small[3].len()
    );
}
