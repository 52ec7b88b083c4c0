//! Messages really go out: through the job queue to a real SMTP server on loopback, once
//! each, with reminders planned, re-planned and called off as the appointment changes.

use crate::{
    common::*,
    security::{Caller::Staff, Entry, Ids, Input},
};
use careops::{
    app::{
        calendar::{CancelAppointment, GetAppointment, RescheduleAppointment},
        home::GetToday,
        settings::{
            GetMessageLog, GetMessaging, GetTemplates, ResendMessage, ResetTemplate, SaveEmailSettings, SaveReminders,
            SaveTemplate, SendTestEmail,
        },
    },
    domain::access::Action::ManageMessaging,
};
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
    // The appointment's page shows the confirmation sent and the reminders planned.
    let mut owner = org.owner.clone();
    let detail = json(app.call::<GetAppointment>(&mut owner, &[("id", &id.to_string())]).await).await;
    let statuses: Vec<(&str, &str)> = detail["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| (m["kind"].as_str().unwrap(), m["status"].as_str().unwrap()))
        .collect();
    assert_eq!(
        statuses,
        [
            ("booking_confirmation", "sent"),
            ("reminder", "queued"),
            ("reminder", "queued"),
            ("reminder", "queued")
        ],
        "{detail}"
    );

    // Moved: the old reminders are called off, new ones planned for the new time.
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

#[tokio::test]
async fn an_owner_words_the_confirmation_and_the_next_booking_is_written_with_it() {
    let app = spawn_app().await;
    let org = app.org("Clinic").await;
    let other = app.org("Elsewhere").await;
    let s = app.schedule(&org).await;
    let mut owner = org.owner.clone();

    // A variable the message has not is refused, by name.
    let wrong = app
        .call::<SaveTemplate>(
            &mut owner,
            &[
                ("kind", "booking_confirmation"),
                ("channel", "email"),
                ("subject", "Booked: {service}"),
                ("body", "Dear {first_name}, see you {when}."),
            ],
        )
        .await;
    assert_eq!(wrong.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = json(wrong).await;
    assert_eq!(body["Validation"][0]["field"], "body", "{body}");
    assert!(body["Validation"][0]["message"]
        .as_str()
        .unwrap()
        .starts_with("{first_name} is not a variable of this message."));

    let saved = app
        .call::<SaveTemplate>(
            &mut owner,
            &[
                ("kind", "booking_confirmation"),
                ("channel", "email"),
                ("subject", "Booked: {service} on {when}"),
                (
                    "body",
                    "Dear {patient_name},\r\nsee you at {branch}. Change it here: {manage_link}",
                ),
            ],
        )
        .await;
    assert_eq!(saved.status(), StatusCode::OK, "{}", saved.text().await.unwrap());
    let list = json(app.call::<GetTemplates>(&mut owner, &[]).await).await;
    let own: Vec<(&str, &str)> = list
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["own"] == true)
        .map(|t| {
            (
                t["template"]["kind"].as_str().unwrap(),
                t["template"]["channel"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(own, [("booking_confirmation", "email")]);

    // The next booking's confirmation is in the clinic's words; the other clinic's is not.
    booked_with_email(&app, &org, &s, "11:00").await;
    let (subject, text): (String, String) = sqlx::query_as(
        "select subject, body from messages where org_id = $1 and kind = 'booking_confirmation' and channel = 'email'",
    )
    .bind(org.id)
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert!(subject.starts_with("Booked: "), "{subject}");
    assert!(!subject.contains('{'), "{subject}");
    assert!(text.starts_with("Dear Ada Lovelace,\nsee you at "), "{text}");
    assert!(text.contains("/manage/"), "{text}");
    let mut theirs = other.owner.clone();
    let theirs_list = json(app.call::<GetTemplates>(&mut theirs, &[]).await).await;
    assert!(theirs_list.as_array().unwrap().iter().all(|t| t["own"] == false));

    // Back to the built-in wording; once.
    let form = [("kind", "booking_confirmation"), ("channel", "email")];
    assert_eq!(
        app.call::<ResetTemplate>(&mut theirs, &form).await.status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.call::<ResetTemplate>(&mut owner, &form).await.status(),
        StatusCode::OK
    );
    assert_eq!(
        app.call::<ResetTemplate>(&mut owner, &form).await.status(),
        StatusCode::NOT_FOUND
    );
    let page = app
        .get(&mut owner, "/app/settings/messages/wording")
        .await
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("Your appointment at Riverside Physio on Monday 30 November 2026 at 09:30"),
        "the preview"
    );
    assert!(page.contains("1 text message (GSM-7)"), "a text's size");
}

#[tokio::test]
async fn a_staff_invitation_is_emailed_to_the_invitee_with_its_link() {
    let sink = SmtpSink::start().await;
    let app = spawn_app().await;
    let org = app.org("Clinic").await;
    app.send_email_through(&org, &sink).await;
    let member = app.member(&org.owner, "practitioner", &[org.branch_id]).await;

    let mail = sink.wait_for(1).await;
    assert!(mail[0].contains(&format!("To: {}", member.email)), "{}", mail[0]);
    assert!(mail[0].contains("invites you to Clinic on CareOps"), "{}", mail[0]);
    assert!(mail[0].contains("/invite/"), "{}", mail[0]);
    // In the log, under the invitee's address; it needs no patient's consent.
    let mut owner = org.owner.clone();
    let logged = json(
        app.call::<GetMessageLog>(&mut owner, &[("kind", "staff_invitation")])
            .await,
    )
    .await;
    let rows = logged.as_array().unwrap();
    assert_eq!(rows.len(), 1, "{logged}");
    assert_eq!(rows[0]["patient_id"], serde_json::Value::Null);
    assert_eq!(rows[0]["patient_name"], member.email.as_str());
    app.wait_until_count(
        "select count(*) from messages where kind = 'staff_invitation' and status = 'sent' and provider = 'smtp'",
        1,
    )
    .await;
}

#[tokio::test]
async fn the_invitation_and_the_password_reset_go_out_in_the_clinics_wording() {
    use careops::app::auth::RequestPasswordReset;

    let sink = SmtpSink::start().await;
    let app = spawn_app().await;
    let org = app.org("Clinic").await;
    app.send_email_through(&org, &sink).await;
    let mut owner = org.owner.clone();
    let word = |kind: &'static str, channel: &'static str, subject: &'static str, body: &'static str| {
        let mut owner = owner.clone();
        let app = &app;
        async move {
            app.call::<SaveTemplate>(
                &mut owner,
                &[
                    ("kind", kind),
                    ("channel", channel),
                    ("subject", subject),
                    ("body", body),
                ],
            )
            .await
        }
    };

    // Staff are not texted; an invitation without its link is refused, by field.
    let by_text = word("staff_invitation", "sms", "", "Join us: {link}").await;
    assert_eq!(by_text.status(), StatusCode::BAD_REQUEST);
    let no_link = word(
        "staff_invitation",
        "email",
        "Join {clinic}",
        "{inviter} asks you to join.",
    )
    .await;
    assert_eq!(no_link.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(json(no_link).await["Validation"][0]["field"], "body");
    for saved in [
        word(
            "staff_invitation",
            "email",
            "Come and work at {clinic}",
            "{inviter} would like you on the team as {role}: {link} (for {days} days)",
        )
        .await,
        word(
            "password_reset",
            "email",
            "Your password at Clinic",
            "New password for {email} within {minutes} minutes: {link}",
        )
        .await,
    ] {
        assert_eq!(saved.status(), StatusCode::OK, "{}", saved.text().await.unwrap());
    }
    let kinds = json(app.call::<GetTemplates>(&mut owner, &[]).await).await;
    let staff_channels: Vec<&str> = kinds
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["template"]["kind"] == "password_reset")
        .map(|t| t["template"]["channel"].as_str().unwrap())
        .collect();
    assert_eq!(staff_channels, ["email"], "the settings page offers no text");

    let member = app.member(&org.owner, "practitioner", &[org.branch_id]).await;
    let mail = sink.wait_for(1).await;
    assert!(mail[0].contains("Subject: Come and work at Clinic"), "{}", mail[0]);
    assert!(
        mail[0].contains("would like you on the team as practitioner:") && mail[0].contains("/invite/"),
        "{}",
        mail[0]
    );
    assert!(mail[0].contains("(for 7 days)"), "{}", mail[0]);

    let reset = app
        .call::<RequestPasswordReset>(&mut Browser::default(), &[("email", &member.email)])
        .await;
    assert_eq!(reset.status(), StatusCode::OK);
    let mail = sink.wait_for(2).await;
    let reset_mail = mail
        .iter()
        .find(|m| m.contains("/reset-password/"))
        .expect("the reset email");
    assert!(reset_mail.contains("Subject: Your password at Clinic"), "{reset_mail}");
    assert!(
        reset_mail.contains(&format!("New password for {} within 60 minutes:", member.email)),
        "{reset_mail}"
    );
}

#[tokio::test]
async fn a_server_without_a_worker_queues_messages_that_a_worker_started_later_sends() {
    // The first process on a fresh database sends nothing: the queue's schema, which the
    // trigger feeding it needs, is there all the same.
    let app = spawn_app_with(&[("WORKER_IN_PROCESS", "false")]).await;
    let org = app.org("Clinic").await;
    let s = app.schedule(&org).await;
    booked_with_email(&app, &org, &s, "11:00").await;
    let queued: i64 =
        sqlx::query_scalar("select count(*) from messages where kind = 'booking_confirmation' and status = 'queued'")
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert_eq!(queued, 1);
    // A process with a worker sends it.
    let _worker = app.second_process().await;
    app.wait_until_count(
        "select count(*) from messages where kind = 'booking_confirmation' and status = 'sent' and provider = 'log'",
        1,
    )
    .await;
}

pub fn surface() -> Vec<Entry> {
    vec![
        Entry::function::<GetMessaging>(Staff(ManageMessaging), Ids::None, |_| Input::none()),
        Entry::function::<SaveEmailSettings>(Staff(ManageMessaging), Ids::None, |t| {
            Input::form([
                ("email_provider", "log".into()),
                ("sender_name", format!("Front desk {}", t.round)),
            ])
        })
        .writes(),
        Entry::function::<SendTestEmail>(Staff(ManageMessaging), Ids::None, |_| {
            Input::form([("to", "desk@clinic.example".into())])
        })
        .writes(),
        Entry::function::<SaveReminders>(Staff(ManageMessaging), Ids::None, |t| {
            Input::form([(if t.round % 2 == 0 { "sms_60" } else { "email_180" }, "on".into())])
        })
        .writes(),
        Entry::function::<GetTemplates>(Staff(ManageMessaging), Ids::None, |_| Input::none()),
        Entry::function::<SaveTemplate>(Staff(ManageMessaging), Ids::None, |t| {
            Input::form([
                ("kind", "reminder".into()),
                ("channel", "sms".into()),
                ("body", format!("Round {}: see you {{when}}.", t.round)),
            ])
        })
        .writes(),
        Entry::function::<ResetTemplate>(Staff(ManageMessaging), Ids::None, |_| {
            Input::form([("kind", "reminder".into()), ("channel", "sms".into())])
        })
        .writes()
        .or_refused(&[StatusCode::NOT_FOUND]),
        Entry::function::<GetMessageLog>(Staff(ManageMessaging), Ids::None, |_| {
            Input::form([("status", "failed".into())])
        }),
        Entry::function::<ResendMessage>(Staff(ManageMessaging), Ids::Org, |t| {
            Input::form([("id", t.spare().failed_message.to_string())])
        })
        .writes(),
    ]
}

#[tokio::test]
async fn a_message_not_sent_is_in_the_log_with_its_reason_and_goes_once_sent_again() {
    let sink = SmtpSink::start().await;
    let app = spawn_app().await;
    let org = app.org("Clinic").await;
    let s = app.schedule(&org).await;
    // A sender address that is none: the mail server is never asked.
    sqlx::query(
        "insert into messaging_settings (org_id, email_provider, sender_email, smtp_host, smtp_port, smtp_security)
         values ($1, 'smtp', 'not an address', '127.0.0.1', $2, 'none')",
    )
    .bind(org.id)
    .bind(i32::from(sink.port))
    .execute(&app.db)
    .await
    .unwrap();
    booked_with_email(&app, &org, &s, "11:00").await;
    app.wait_until_count(
        "select count(*) from messages where kind = 'booking_confirmation' and status = 'failed'",
        1,
    )
    .await;

    let mut owner = org.owner.clone();
    let failed = json(app.call::<GetMessageLog>(&mut owner, &[("status", "failed")]).await).await;
    let rows = failed.as_array().unwrap();
    assert_eq!(rows.len(), 1, "{failed}");
    let message = &rows[0]["message"];
    assert_eq!(rows[0]["patient_name"], "Ada Lovelace");
    assert!(
        message["last_error"]
            .as_str()
            .unwrap()
            .contains("is not an email address: set it in Settings → Messages"),
        "{message}"
    );
    // The reminders wait; nothing else failed.
    let planned = json(
        app.call::<GetMessageLog>(&mut owner, &[("kind", "reminder"), ("status", "queued")])
            .await,
    )
    .await;
    assert_eq!(planned.as_array().unwrap().len(), 3);
    assert_eq!(
        app.call::<GetMessageLog>(&mut owner, &[("status", "lost")])
            .await
            .status(),
        StatusCode::UNPROCESSABLE_ENTITY
    );

    // Put right, and sent again: it arrives, once.
    sqlx::query("update messaging_settings set sender_email = 'desk@riverside.example' where org_id = $1")
        .bind(org.id)
        .execute(&app.db)
        .await
        .unwrap();
    let id = message["id"].as_str().unwrap().to_owned();
    let resent = app.call::<ResendMessage>(&mut owner, &[("id", &id)]).await;
    assert_eq!(resent.status(), StatusCode::OK);
    let mail = sink.wait_for(1).await;
    assert!(mail[0].contains("Subject: Your appointment at Clinic"), "{}", mail[0]);
    app.wait_until_count(
        "select count(*) from messages where kind = 'booking_confirmation' and status = 'sent'",
        1,
    )
    .await;
    // Only a message not sent can be sent again.
    let again = app.call::<ResendMessage>(&mut owner, &[("id", &id)]).await;
    assert_eq!(again.status(), StatusCode::NOT_FOUND);
    assert_eq!(sink.messages().len(), 1);
}

#[tokio::test]
async fn an_owner_sets_up_a_mail_server_tests_it_and_chooses_the_reminders() {
    let sink = SmtpSink::start().await;
    let app = spawn_app().await;
    let org = app.org("Clinic").await;
    let s = app.schedule(&org).await;
    let mut owner = org.owner.clone();

    // Incomplete settings are refused field by field; nothing is stored.
    let refused = app
        .call::<SaveEmailSettings>(&mut owner, &[("email_provider", "smtp"), ("smtp_port", "99999")])
        .await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = json(refused).await;
    let fields: Vec<&str> = body["Validation"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["field"].as_str())
        .collect();
    assert_eq!(fields, ["sender_email", "smtp_host", "smtp_port"], "{body}");

    let port = sink.port.to_string();
    let saved = app
        .call::<SaveEmailSettings>(
            &mut owner,
            &[
                ("email_provider", "smtp"),
                ("sender_name", "Riverside Physio"),
                ("sender_email", "desk@riverside.example"),
                ("smtp_host", "127.0.0.1"),
                ("smtp_port", &port),
                ("smtp_security", "none"),
                ("smtp_username", ""),
                ("smtp_password", "s3cret-mail-password"),
            ],
        )
        .await;
    assert_eq!(saved.status(), StatusCode::OK, "{}", saved.text().await.unwrap());
    // The password is stored sealed, and never shown back.
    let stored: Vec<u8> = sqlx::query_scalar("select smtp_password from messaging_settings where org_id = $1")
        .bind(org.id)
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert!(!String::from_utf8_lossy(&stored).contains("s3cret"));
    let shown = json(app.call::<GetMessaging>(&mut owner, &[]).await).await;
    assert_eq!(shown["smtp_password_set"], true);
    assert!(!shown.to_string().contains("s3cret"), "{shown}");

    // A test reaches the server, and the page says what it answered.
    let answer = json(
        app.call::<SendTestEmail>(&mut owner, &[("to", "me@riverside.example")])
            .await,
    )
    .await;
    assert!(
        answer
            .as_str()
            .unwrap()
            .starts_with("Sent: Your mail server (SMTP) accepted it"),
        "{answer}"
    );
    let mail = sink.wait_for(1).await;
    assert!(mail[0].contains("To: me@riverside.example") && mail[0].contains("Subject: A test from CareOps"));

    // Saved again without a password: the stored one stays. A server that is not there
    // is named in the answer.
    drop(sink);
    let kept = app
        .call::<SaveEmailSettings>(
            &mut owner,
            &[
                ("email_provider", "smtp"),
                ("sender_email", "desk@riverside.example"),
                ("smtp_host", "127.0.0.1"),
                ("smtp_port", &port),
                ("smtp_security", "none"),
            ],
        )
        .await;
    assert_eq!(kept.status(), StatusCode::OK);
    let still: Vec<u8> = sqlx::query_scalar("select smtp_password from messaging_settings where org_id = $1")
        .bind(org.id)
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(still, stored);
    let failed = app
        .call::<SendTestEmail>(&mut owner, &[("to", "me@riverside.example")])
        .await;
    assert_eq!(failed.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let failed = json(failed).await;
    assert!(
        failed["Validation"][0]["message"]
            .as_str()
            .unwrap()
            .starts_with("Not sent. Could not hand it to the mail server 127.0.0.1"),
        "{failed}"
    );

    // Only the reminders ticked are planned for the next booking; a text that would
    // arrive in quiet hours (here: the two hours around now) waits until they end.
    let (from, until): (String, String) = sqlx::query_as(
        "select to_char((now() at time zone timezone) - interval '1 hour', 'HH24:MI'),
                to_char((now() at time zone timezone) + interval '1 hour', 'HH24:MI')
         from branches where id = $1",
    )
    .bind(org.branch_id)
    .fetch_one(&app.db)
    .await
    .unwrap();
    let saved = app
        .call::<SaveReminders>(
            &mut owner,
            &[
                ("email_180", "on"),
                ("sms_1440", "on"),
                ("quiet_from", &from),
                ("quiet_until", &until),
            ],
        )
        .await;
    assert_eq!(saved.status(), StatusCode::OK);
    let shown = json(app.call::<GetMessaging>(&mut owner, &[]).await).await;
    assert_eq!(
        (shown["quiet_from"].as_str(), shown["quiet_until"].as_str()),
        (Some(from.as_str()), Some(until.as_str()))
    );
    let id = booked_with_email(&app, &org, &s, "11:00").await;
    sqlx::query("update patients set consent_sms = true")
        .execute(&app.db)
        .await
        .unwrap();
    let mut later = org.owner.clone();
    let moved = app
        .call::<RescheduleAppointment>(
            &mut later,
            &[
                ("id", &id.to_string()),
                ("date", &s.monday.to_string()),
                ("time", "12:00"),
            ],
        )
        .await;
    assert_eq!(moved.status(), StatusCode::OK);
    let planned: Vec<(String, i32)> = sqlx::query_as(
        "select channel, reminder_minutes from messages
         where appointment_id = $1 and kind = 'reminder' and status = 'queued' order by channel",
    )
    .bind(id)
    .fetch_all(&app.db)
    .await
    .unwrap();
    assert_eq!(planned, [("email".to_owned(), 180), ("sms".to_owned(), 1440)]);
    let waits: (bool, bool) = sqlx::query_as(
        "select bool_and(send_at between now() + interval '50 minutes' and now() + interval '61 minutes'),
                bool_and(status = 'queued')
         from messages where appointment_id = $1 and kind = 'reschedule' and channel = 'sms'",
    )
    .bind(id)
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert_eq!(waits, (true, true), "the text waits for the end of quiet hours");
    let email_sent_at_once: bool = sqlx::query_scalar(
        "select send_at < now() from messages where appointment_id = $1 and kind = 'reschedule' and channel = 'email'",
    )
    .bind(id)
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert!(email_sent_at_once, "email knows no quiet hours");
}

#[tokio::test]
async fn metrics_count_the_queue_and_the_messages_for_the_token_bearer_only() {
    let app = spawn_app_with(&[("METRICS_TOKEN", "metrics-token-0123456789")]).await;
    let org = app.org("Clinic").await;
    let s = app.schedule(&org).await;
    booked_with_email(&app, &org, &s, "11:00").await;
    app.wait_until_count("select count(*) from messages where status = 'sent'", 1)
        .await;

    let get = |token: Option<&str>| {
        let request = app.http.get(app.url("/metrics"));
        match token {
            Some(token) => request.bearer_auth(token),
            None => request,
        }
        .send()
    };
    assert_eq!(get(None).await.unwrap().status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        get(Some("metrics-token-guess")).await.unwrap().status(),
        StatusCode::UNAUTHORIZED
    );
    let text = get(Some("metrics-token-0123456789"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    // The three reminders wait for their time; the confirmation went through the log.
    assert!(text.contains("careops_queue_jobs{state=\"scheduled\"} 3"), "{text}");
    assert!(text.contains("careops_queue_jobs{state=\"due\"} 0"), "{text}");
    assert!(
        text.contains("careops_messages{channel=\"email\",provider=\"log\",status=\"sent\"} 1"),
        "{text}"
    );
    assert!(
        text.contains("careops_messages{channel=\"email\",provider=\"none\",status=\"queued\"} 3"),
        "{text}"
    );

    // Without a token configured, there is nothing to find.
    let plain = spawn_app().await;
    let response = plain.http.get(plain.url("/metrics")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_today_page_shows_whats_next_and_names_tomorrows_patients_whose_reminder_failed() {
    let app = spawn_app().await;
    let org = app.org("Clinic").await;
    let s = app.schedule(&org).await;
    let booked = app.booked(&org.owner, &s, s.monday, "09:00").await;
    // The appointment is tomorrow at 10:00 in the branch's zone, and its reminder failed.
    sqlx::query(
        "with t as (select ((now() at time zone b.timezone)::date + 1 + time '10:00') at time zone b.timezone as starts
                    from branches b where b.id = $2)
         update appointments set starts_at = t.starts, ends_at = t.starts + interval '30 minutes' from t where id = $1",
    )
    .bind(booked.id)
    .bind(org.branch_id)
    .execute(&app.db)
    .await
    .unwrap();
    sqlx::query(
        "insert into messages (org_id, branch_id, patient_id, appointment_id, kind, channel, recipient, body, status,
                               last_error, reminder_minutes, planned_for)
         select $1, $2, $3, $4, 'reminder', 'sms', '+44 20 7946 0958', 'Reminder', 'failed', 'The number does not exist.',
                1440, starts_at
         from appointments where id = $4"
    )
    .bind(org.id)
    .bind(org.branch_id)
    .bind(booked.patient_id)
    .bind(booked.id)
    .execute(&app.db)
    .await
    .unwrap();

    let mut owner = org.owner.clone();
    let today = json(app.call::<GetToday>(&mut owner, &[]).await).await;
    let flagged = today["reminders_not_sent"].as_array().unwrap();
    assert_eq!(flagged.len(), 1, "{today}");
    assert_eq!(flagged[0]["patient_name"], "Ada Lovelace");
    assert_eq!(flagged[0]["time_label"], "10:00");
    assert_eq!(flagged[0]["reason"], "The number does not exist.");
    // Nothing today: the page shows what comes next instead.
    let upcoming = today["upcoming"].as_array().unwrap();
    assert_eq!(upcoming.len(), 1, "{today}");
    assert_eq!(upcoming[0]["id"], booked.id.to_string());
    let page = app.get(&mut owner, "/app").await.text().await.unwrap();
    assert!(
        page.contains("Reminders not sent for tomorrow."),
        "the Today page flags it"
    );
    assert!(page.contains("Coming up") && page.contains("10:00–10:30"), "{page}");

    // Cancelled, it is no longer a worry.
    sqlx::query("update appointments set status = 'cancelled', cancel_reason = 'Ill' where id = $1")
        .bind(booked.id)
        .execute(&app.db)
        .await
        .unwrap();
    let today = json(app.call::<GetToday>(&mut owner, &[]).await).await;
    assert!(today["reminders_not_sent"].as_array().unwrap().is_empty());
    assert!(today["upcoming"].as_array().unwrap().is_empty());
    let page = app.get(&mut owner, "/app").await.text().await.unwrap();
    assert!(page.contains("Nothing is booked in the next 14 days either."), "{page}");
}
