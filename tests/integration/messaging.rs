//! Messages really go out: through the job queue to a real SMTP server on loopback, once
//! each, with reminders planned, re-planned and called off as the appointment changes.

use crate::common::*;
use careops::app::calendar::{CancelAppointment, RescheduleAppointment};
use chrono::{DateTime, Utc};
use reqwest::StatusCode;
use uuid::Uuid;

/// A patient who agreed to email, with an appointment at `time` on the schedule's Monday;
/// the earlier booking that made the patient is cancelled quietly.
async fn booked_with_email(app: &TestApp, org: &Org, s: &Schedule, time: &str) -> Uuid {
    let first = app.booked(&org.owner, s, s.monday, "08:00").await;
    sqlx::query("update patients set consent_email = true, email = 'ada@example.com' where id = $1;")
        .bind(first.patient_id)
        .execute(&app.db)
        .await
        .unwrap();
    sqlx::query("delete from appointments where id = $1")
        .bind(first.id)
        .execute(&app.db)
        .await
        .unwrap();
    let patient = first.patient_id.to_string();
    let booked = app
        .book(&org.owner, s, s.monday, time, &[("patient_id", &patient)])
        .await;
    assert_eq!(booked.status(), StatusCode::OK);
    sqlx::query_scalar("select id from appointments where patient_id = $1")
        .bind(first.patient_id)
        .fetch_one(&app.db)
        .await
        .unwrap()
}

/// The appointment's reminders with `status`: (minutes before, planned time).
async fn reminders(app: &TestApp, appointment: Uuid, status: &str) -> Vec<(i32, DateTime<Utc>)> {
    sqlx::query_as(
        "select reminder_minutes, send_at from messages
         where appointment_id = $1 and kind = 'reminder' and status = $2 order by send_at",
    )
    .bind(appointment)
    .bind(status)
    .fetch_all(&app.db)
    .await
    .unwrap()
}

/// A day, three hours and an hour before the appointment's start.
async fn planned(app: &TestApp, appointment: Uuid) -> Vec<(i32, DateTime<Utc>)> {
    let starts: DateTime<Utc> = sqlx::query_scalar("select starts_at from appointments where id = $1")
        .bind(appointment)
        .fetch_one(&app.db)
        .await
        .unwrap();
    [1440, 180, 60]
        .into_iter()
        .map(|m| (m, starts - chrono::Duration::minutes(i64::from(m))))
        .collect()
}

#[tokio::test]
async fn a_booking_mails_its_confirmation_and_a_move_or_cancellation_replans_its_reminders() {
    let sink = SmtpSink::start().await;
    let app = spawn_app().await;
    let org = app.org("Clinic").await;
    let s = app.schedule(&org).await;
    app.send_email_through(&org, &sink).await;
    let id = booked_with_email(&app, &org, &s, "11:00").await;

    // The confirmation arrives at the patient's address, from the clinic's sender.
    let mail = sink.wait_for(1).await;
    assert_eq!(mail.len(), 1, "{mail:?}");
    assert!(mail[0].contains("To: ada@example.com"), "{}", mail[0]);
    assert!(
        mail[0].contains("From: \"Riverside Physio\" <desk@riverside.example>"),
        "{}",
        mail[0]
    );
    assert!(
        mail[0].contains("Subject: Your appointment at Clinic on Monday"),
        "{}",
        mail[0]
    );
    assert!(mail[0].contains("/manage/"), "{}", mail[0]);
    app.wait_until_count(
        "select count(*) from messages where kind = 'booking_confirmation' and status = 'sent'
           and provider = 'smtp' and attempts = 1 and provider_message_id like '<%@careops>'",
        1,
    )
    .await;
    // Its reminders wait for their time: a day, three hours and an hour before.
    let at_eleven = planned(&app, id).await;
    assert_eq!(reminders(&app, id, "queued").await, at_eleven);

    // Moved: the old reminders are called off, new ones planned for the new time.
    let mut owner = org.owner.clone();
    let moved = app
        .call::<RescheduleAppointment>(
            &mut owner,
            &[
                ("id", &id.to_string()),
                ("date", &s.monday.to_string()),
                ("time", "14:00"),
            ],
        )
        .await;
    assert_eq!(moved.status(), StatusCode::OK);
    let at_two = planned(&app, id).await;
    assert_eq!(at_two[0].1 - at_eleven[0].1, chrono::Duration::hours(3));
    assert_eq!(reminders(&app, id, "queued").await, at_two);
    assert_eq!(reminders(&app, id, "cancelled").await, at_eleven);
    let mail = sink.wait_for(2).await;
    assert!(
        mail[1].contains("Subject: New time: your appointment at Clinic on Monday"),
        "{}",
        mail[1]
    );
    assert!(mail[1].contains("14:00"), "{}", mail[1]);

    // Cancelled: no reminder is left to go.
    let cancelled = app
        .call::<CancelAppointment>(&mut owner, &[("id", &id.to_string()), ("reason", "Ill")])
        .await;
    assert_eq!(cancelled.status(), StatusCode::OK);
    assert!(reminders(&app, id, "queued").await.is_empty());
    let mail = sink.wait_for(3).await;
    assert!(
        mail[2].contains("Subject: Cancelled: your appointment at Clinic"),
        "{}",
        mail[2]
    );

    // The called-off reminders' jobs, run anyway, send nothing.
    app.make_due("true").await;
    app.wait_until_count("select count(*) from graphile_worker._private_jobs", 0)
        .await;
    assert_eq!(sink.messages().len(), 3);
}

#[tokio::test]
async fn an_unreachable_mail_server_is_tried_again_later_and_the_message_goes_once_it_answers() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .unwrap()
        .port();
    let app = spawn_app().await;
    let org = app.org("Clinic").await;
    let s = app.schedule(&org).await;
    sqlx::query(
        "insert into messaging_settings (org_id, email_provider, sender_email, smtp_host, smtp_port, smtp_security)
         values ($1, 'smtp', 'desk@riverside.example', '127.0.0.1', $2, 'none')",
    )
    .bind(org.id)
    .bind(i32::from(port))
    .execute(&app.db)
    .await
    .unwrap();
    booked_with_email(&app, &org, &s, "11:00").await;

    // Nobody listens: the try is recorded, in words, and the message stays queued.
    app.wait_until_count(
        "select count(*) from messages where kind = 'booking_confirmation' and status = 'queued'
           and attempts = 1 and last_error like 'Could not hand it to the mail server 127.0.0.1%'",
        1,
    )
    .await;

    // The server comes back; the queue's next try delivers it.
    let sink = SmtpSink::on_port(port).await;
    app.make_due("kind = 'booking_confirmation'").await;
    let mail = sink.wait_for(1).await;
    assert!(mail[0].contains("Subject: Your appointment at Clinic"), "{}", mail[0]);
    app.wait_until_count(
        "select count(*) from messages where kind = 'booking_confirmation' and status = 'sent' and attempts = 2",
        1,
    )
    .await;
}

#[tokio::test]
async fn due_messages_go_out_once_each_with_two_workers_racing_and_one_killed_mid_batch() {
    const N: usize = 150;
    let sink = SmtpSink::start().await;
    let app = spawn_app_with(&[("WORKER_DEAD_AFTER_SECONDS", "2")]).await;
    let org = app.org("Clinic").await;
    app.send_email_through(&org, &sink).await;
    // Messages planned for tomorrow, as reminders are.
    sqlx::query(
        "with p as (insert into patients (org_id, full_name, email, consent_email)
                    values ($1, 'Ada Lovelace', 'ada@example.com', true) returning id)
         insert into messages (org_id, branch_id, patient_id, kind, channel, recipient, subject, body, send_at)
         select $1, $2, p.id, 'booking_confirmation', 'email', 'ada@example.com', 'Message ' || n, 'Hello',
                now() + interval '1 day'
         from p, generate_series(1, $3) n",
    )
    .bind(org.id)
    .bind(org.branch_id)
    .bind(N as i32)
    .execute(&app.db)
    .await
    .unwrap();
    let second = app.second_process().await;

    // Their time comes: both workers take jobs; one is killed in the middle.
    app.make_due("true").await;
    sink.wait_for(N / 3).await;
    second.kill();

    // The survivor finishes the batch, and takes over the dead worker's jobs.
    app.wait_until_count(
        "select count(*) from messages where status in ('sent', 'failed')",
        N as i64,
    )
    .await;
    let received = sink.messages();
    let mut ids: Vec<&str> = received
        .iter()
        .filter_map(|m| m.lines().find_map(|l| l.strip_prefix("Message-ID: ")))
        .collect();
    assert_eq!(ids.len(), received.len());
    ids.sort_unstable();
    let before = ids.len();
    ids.dedup();
    assert_eq!(ids.len(), before, "a message was sent twice");

    // Every message marked sent arrived; one cut off mid-send is failed, never resent.
    let sent: Vec<String> =
        sqlx::query_scalar("select provider_message_id from messages where status = 'sent' order by 1")
            .fetch_all(&app.db)
            .await
            .unwrap();
    assert!(sent.iter().all(|id| ids.contains(&id.as_str())));
    let failed: Vec<String> = sqlx::query_scalar("select last_error from messages where status = 'failed'")
        .fetch_all(&app.db)
        .await
        .unwrap();
    assert!(
        failed.iter().all(|e| e.contains("may or may not have arrived")),
        "{failed:?}"
    );
    assert!(
        failed.len() <= 4,
        "at most one per job the killed worker was running: {failed:?}"
    );
    assert!(received.len() >= sent.len() && received.len() <= N);
}
