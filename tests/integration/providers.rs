//! Email by SendGrid and Resend, texts by Twilio, each a local fake that answers as the
//! provider documents; the fallback; and the providers' delivery reports, which change a
//! message only when their signature is the organization's own.

use crate::{
    common::{
        fake_providers::{Answer, FakeProviders},
        *,
    },
    security::{Caller::Staff, Entry, Ids, Input},
};
use base64::{engine::general_purpose::STANDARD, Engine};
use careops::{
    app::settings::{GetMessaging, SaveEmailSettings, SaveSmsSettings, SendTestSms},
    domain::access::Action::ManageMessaging,
    server::messaging::providers::twilio,
};
use hmac::{Hmac, Mac};
use p256::{
    ecdsa::{signature::Signer, Signature, SigningKey},
    pkcs8::EncodePublicKey,
};
use reqwest::StatusCode;
use uuid::Uuid;

const ACCOUNT: &str = "AC0123456789abcdef0123456789abcdef";
const TOKEN: &str = "twilio-auth-token-1";
const RESEND_SECRET: &str = "whsec_c2lnbmluZy1zZWNyZXQtZm9yLXRlc3Rz";

/// A queued message to a patient who agreed to both channels; its id.
async fn queue(app: &TestApp, org: &Org, channel: &str, to: &str) -> Uuid {
    sqlx::query_scalar(
        "with p as (insert into patients (org_id, full_name, email, phone, consent_email, consent_sms)
                    values ($1, 'Ada Lovelace', 'ada@example.com', '+44 7700 900456', true, true) returning id)
         insert into messages (org_id, branch_id, patient_id, kind, channel, recipient, subject, body)
         select $1, $2, p.id, 'booking_confirmation', $3, $4, 'Your appointment', 'See you on Monday.' from p
         returning id",
    )
    .bind(org.id)
    .bind(org.branch_id)
    .bind(channel)
    .bind(to)
    .fetch_one(&app.db)
    .await
    .unwrap()
}

/// The message's status, provider, provider's id, tries and last error.
async fn message(app: &TestApp, id: Uuid) -> (String, Option<String>, Option<String>, i32, Option<String>) {
    sqlx::query_as("select status, provider, provider_message_id, attempts, last_error from messages where id = $1")
        .bind(id)
        .fetch_one(&app.db)
        .await
        .unwrap()
}

async fn wait_status(app: &TestApp, id: Uuid, status: &str) {
    app.wait_until_count(
        &format!("select count(*) from messages where id = '{id}' and status = '{status}'"),
        1,
    )
    .await;
}

async fn save_email(app: &TestApp, owner: &mut Browser, fields: &[(&str, &str)]) {
    let mut form = vec![
        ("sender_name", "Riverside Physio"),
        ("sender_email", "desk@riverside.example"),
    ];
    form.extend_from_slice(fields);
    let saved = app.call::<SaveEmailSettings>(owner, &form).await;
    assert_eq!(saved.status(), StatusCode::OK, "{}", saved.text().await.unwrap());
}

async fn save_twilio(app: &TestApp, owner: &mut Browser, token: &str) {
    let saved = app
        .call::<SaveSmsSettings>(
            owner,
            &[
                ("sms_provider", "twilio"),
                ("twilio_account_sid", ACCOUNT),
                ("twilio_auth_token", token),
                ("sms_sender", "+44 7700 900123"),
            ],
        )
        .await;
    assert_eq!(saved.status(), StatusCode::OK, "{}", saved.text().await.unwrap());
}

#[tokio::test]
async fn email_goes_by_sendgrid_and_a_refusal_falls_back_to_resend_in_the_same_try() {
    let fake = FakeProviders::start().await;
    let app = spawn_app_with(&fake.settings()).await;
    let org = app.org("Clinic").await;
    let mut owner = org.owner.clone();
    save_email(
        &app,
        &mut owner,
        &[
            ("email_provider", "sendgrid"),
            ("email_fallback", "resend"),
            ("sendgrid_api_key", "SG.first-key"),
            ("resend_api_key", "re_first_key"),
        ],
    )
    .await;
    // The keys are sealed and never shown back.
    let shown = json(app.call::<GetMessaging>(&mut owner, &[]).await).await;
    assert_eq!(
        (
            shown["sendgrid_api_key_set"].as_bool(),
            shown["resend_api_key_set"].as_bool()
        ),
        (Some(true), Some(true))
    );
    assert!(!shown.to_string().contains("first-key") && !shown.to_string().contains("first_key"));

    // SendGrid takes it: our id rides along, so its reports name our message.
    let first = queue(&app, &org, "email", "ada@example.com").await;
    wait_status(&app, first, "sent").await;
    let sent = fake.wait_for("sendgrid", 1).await;
    assert_eq!(sent[0].header("authorization"), "Bearer SG.first-key");
    let body = sent[0].json();
    assert_eq!(body["personalizations"][0]["to"][0]["email"], "ada@example.com");
    assert_eq!(
        body["from"],
        serde_json::json!({"email": "desk@riverside.example", "name": "Riverside Physio"})
    );
    assert_eq!(body["custom_args"]["careops_message_id"], first.to_string());
    assert_eq!(body["content"][0]["value"], "See you on Monday.");
    let (_, provider, theirs, attempts, _) = message(&app, first).await;
    assert_eq!(
        (provider.as_deref(), theirs.as_deref(), attempts),
        (Some("sendgrid"), Some("sg-1"), 1)
    );

    // SendGrid refuses the key: Resend gets it at once, keyed by the message.
    fake.answer("sendgrid", &[Answer::Unauthorized]);
    let second = queue(&app, &org, "email", "ada@example.com").await;
    wait_status(&app, second, "sent").await;
    let resent = fake.wait_for("resend", 1).await;
    assert_eq!(resent[0].header("idempotency-key"), second.to_string());
    assert_eq!(resent[0].header("authorization"), "Bearer re_first_key");
    assert_eq!(resent[0].json()["from"], "Riverside Physio <desk@riverside.example>");
    let (_, provider, theirs, attempts, _) = message(&app, second).await;
    assert_eq!(
        (provider.as_deref(), theirs.as_deref(), attempts),
        (Some("resend"), Some("re-1"), 1)
    );
    assert_eq!(fake.requests("sendgrid").len(), 2);

    // Both busy: tried again later, with both answers in the log meanwhile.
    fake.answer("sendgrid", &[Answer::Busy]);
    fake.answer("resend", &[Answer::Down]);
    let third = queue(&app, &org, "email", "ada@example.com").await;
    app.wait_until_count(
        &format!("select count(*) from messages where id = '{third}' and status = 'queued' and attempts = 1"),
        1,
    )
    .await;
    let (_, _, _, _, error) = message(&app, third).await;
    let error = error.unwrap();
    assert!(
        error.contains("SendGrid asked to slow down") && error.contains("Resend had a problem (500)"),
        "{error}"
    );
    wait_status(&app, third, "sent").await;
    assert_eq!(message(&app, third).await.3, 2, "sent at the second try");

    // Both refuse the message itself: failed at once, with both reasons.
    fake.answer("sendgrid", &[Answer::Refused]);
    fake.answer("resend", &[Answer::Refused]);
    let fourth = queue(&app, &org, "email", "ada@example.com").await;
    wait_status(&app, fourth, "failed").await;
    let (_, _, _, attempts, error) = message(&app, fourth).await;
    let error = error.unwrap();
    assert_eq!(attempts, 1);
    assert!(
        error.contains("SendGrid refused it (400): Does not contain a valid address.")
            && error.contains("Resend refused it (422): Invalid `to` field."),
        "{error}"
    );
}

#[tokio::test]
async fn texts_go_by_twilio_with_a_status_callback_and_its_signed_reports_move_them_on() {
    let fake = FakeProviders::start().await;
    let app = spawn_app_with(&fake.settings()).await;
    let org = app.org("Clinic").await;
    let other = app.org("Elsewhere").await;
    let mut owner = org.owner.clone();
    save_twilio(&app, &mut owner, TOKEN).await;
    let mut theirs = other.owner.clone();
    save_twilio(&app, &mut theirs, "another-org-token").await;

    let id = queue(&app, &org, "sms", "+44 7700 900456").await;
    wait_status(&app, id, "sent").await;
    let sent = fake.wait_for("twilio", 1).await;
    assert_eq!(sent[0].path, format!("/2010-04-01/Accounts/{ACCOUNT}/Messages.json"));
    let basic = STANDARD.encode(format!("{ACCOUNT}:{TOKEN}"));
    assert_eq!(sent[0].header("authorization"), format!("Basic {basic}"));
    assert_eq!(
        (sent[0].form("To"), sent[0].form("From"), sent[0].form("Body")),
        (
            "+447700900456".to_owned(),
            "+447700900123".to_owned(),
            "See you on Monday.".to_owned()
        )
    );
    let callback = sent[0].form("StatusCallback");
    assert_eq!(callback, format!("{}/webhooks/twilio/{}", app.address, org.id));
    let sid = message(&app, id).await.2.unwrap();

    let report = |status: &str| {
        vec![
            ("AccountSid".to_owned(), ACCOUNT.to_owned()),
            ("MessageSid".to_owned(), sid.clone()),
            ("MessageStatus".to_owned(), status.to_owned()),
            ("To".to_owned(), "+447700900456".to_owned()),
        ]
    };
    let post = |url: String, params: Vec<(String, String)>, signature: String| {
        app.http
            .post(url)
            .header("X-Twilio-Signature", signature)
            .form(&params)
            .send()
    };
    let delivered = report("delivered");

    // Unsigned, forged, or signed with another organization's token: 401, nothing moves.
    let unsigned = app.http.post(&callback).form(&delivered).send().await.unwrap();
    assert_eq!(unsigned.status(), StatusCode::UNAUTHORIZED);
    let body = json(unsigned).await;
    assert_eq!(body["status_code"], 401, "{body}");
    let forged = twilio::signature("a-guess", &callback, &delivered);
    assert_eq!(
        post(callback.clone(), delivered.clone(), forged)
            .await
            .unwrap()
            .status(),
        StatusCode::UNAUTHORIZED
    );
    let other_url = format!("{}/webhooks/twilio/{}", app.address, other.id);
    let as_other = twilio::signature("another-org-token", &other_url, &delivered);
    assert_eq!(
        post(other_url.clone(), delivered.clone(), as_other.clone())
            .await
            .unwrap()
            .status(),
        StatusCode::NO_CONTENT,
        "the other organization's report is taken for its own messages"
    );
    assert_eq!(message(&app, id).await.0, "sent", "but it names none of them");
    let wrong_org = twilio::signature(TOKEN, &other_url, &delivered);
    assert_eq!(
        post(other_url, delivered.clone(), wrong_org).await.unwrap().status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(message(&app, id).await.0, "sent");

    // Signed with the organization's token: delivered.
    let signed = twilio::signature(TOKEN, &callback, &delivered);
    let taken = post(callback.clone(), delivered.clone(), signed.clone()).await.unwrap();
    assert_eq!(taken.status(), StatusCode::NO_CONTENT);
    assert_eq!(message(&app, id).await.0, "delivered");
    // Sent again (a replay, or Twilio's own retry): taken once.
    assert_eq!(
        post(callback.clone(), delivered, signed).await.unwrap().status(),
        StatusCode::NO_CONTENT
    );
    let receipts: i64 = sqlx::query_scalar("select count(*) from webhook_receipts where org_id = $1")
        .bind(org.id)
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(receipts, 1);
    // A late "failed" never undoes a delivery.
    let failed = report("failed");
    let signed = twilio::signature(TOKEN, &callback, &failed);
    post(callback.clone(), failed, signed).await.unwrap();
    assert_eq!(message(&app, id).await.0, "delivered");

    // A number Twilio refuses fails at once, in Twilio's words.
    fake.answer("twilio", &[Answer::Refused]);
    let bad = queue(&app, &org, "sms", "+44 7700 900999").await;
    wait_status(&app, bad, "failed").await;
    let (_, _, _, attempts, error) = message(&app, bad).await;
    assert_eq!(attempts, 1);
    assert!(
        error
            .as_deref()
            .unwrap()
            .contains("not a valid phone number. (error 21211)")
            || error.as_deref().unwrap().contains("(error 21211)"),
        "{error:?}"
    );
    // Undelivered after it was accepted: the reason says what to do.
    let undelivered_id = queue(&app, &org, "sms", "+44 7700 900457").await;
    wait_status(&app, undelivered_id, "sent").await;
    let sid2 = message(&app, undelivered_id).await.2.unwrap();
    let mut undelivered = report("undelivered");
    undelivered[1].1 = sid2;
    undelivered.push(("ErrorCode".to_owned(), "30003".to_owned()));
    let signed = twilio::signature(TOKEN, &callback, &undelivered);
    post(callback, undelivered, signed).await.unwrap();
    let (status, _, _, _, error) = message(&app, undelivered_id).await;
    assert_eq!(status, "undeliverable");
    assert!(error.unwrap().contains("(error 30003)"));

    // A test text reports Twilio's answer.
    let answer = json(app.call::<SendTestSms>(&mut owner, &[("to", "+44 7700 900111")]).await).await;
    assert!(
        answer.as_str().unwrap().starts_with("Sent: Twilio accepted it (SM"),
        "{answer}"
    );
}

#[tokio::test]
async fn email_reports_count_only_with_sendgrids_signature_or_resends() {
    let fake = FakeProviders::start().await;
    let app = spawn_app_with(&fake.settings()).await;
    let org = app.org("Clinic").await;
    let mut owner = org.owner.clone();
    let key = SigningKey::from_slice(&[42u8; 32]).unwrap();
    let public = STANDARD.encode(key.verifying_key().to_public_key_der().unwrap().as_bytes());
    save_email(
        &app,
        &mut owner,
        &[
            ("email_provider", "sendgrid"),
            ("sendgrid_api_key", "SG.key"),
            ("sendgrid_webhook_key", &public),
            ("resend_api_key", "re_key"),
            ("resend_webhook_secret", RESEND_SECRET),
        ],
    )
    .await;
    let by_sendgrid = queue(&app, &org, "email", "ada@example.com").await;
    wait_status(&app, by_sendgrid, "sent").await;

    let url = format!("{}/webhooks/sendgrid/{}", app.address, org.id);
    let sendgrid_post = |body: String, key: &SigningKey, at: i64| {
        let ts = at.to_string();
        let signature: Signature = key.sign(&[ts.as_bytes(), body.as_bytes()].concat());
        app.http
            .post(&url)
            .header(
                "X-Twilio-Email-Event-Webhook-Signature",
                STANDARD.encode(signature.to_der().as_bytes()),
            )
            .header("X-Twilio-Email-Event-Webhook-Timestamp", ts)
            .header("content-type", "application/json")
            .body(body)
            .send()
    };
    let now = chrono::Utc::now().timestamp();
    let events = |event: &str, id: &str| {
        serde_json::json!([
            {"email": "ada@example.com", "event": "processed", "sg_event_id": format!("{id}-p"), "sg_message_id": "sg-1.filter0001", "careops_message_id": by_sendgrid.to_string()},
            {"email": "ada@example.com", "event": event, "sg_event_id": id, "sg_message_id": "sg-1.filter0001", "careops_message_id": by_sendgrid.to_string(), "reason": "550 5.1.1 The email account does not exist."}
        ])
        .to_string()
    };
    // Signed by another key, or too long ago: refused, nothing moves.
    let stranger = SigningKey::from_slice(&[43u8; 32]).unwrap();
    assert_eq!(
        sendgrid_post(events("delivered", "ev1"), &stranger, now)
            .await
            .unwrap()
            .status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        sendgrid_post(events("delivered", "ev1"), &key, now - 600)
            .await
            .unwrap()
            .status(),
        StatusCode::UNAUTHORIZED
    );
    let unsigned = app
        .http
        .post(&url)
        .body(events("delivered", "ev1"))
        .send()
        .await
        .unwrap();
    assert_eq!(unsigned.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(message(&app, by_sendgrid).await.0, "sent");
    // Signed: delivered; then a bounce (it may come after), with its reason.
    assert_eq!(
        sendgrid_post(events("delivered", "ev1"), &key, now)
            .await
            .unwrap()
            .status(),
        StatusCode::NO_CONTENT
    );
    assert_eq!(message(&app, by_sendgrid).await.0, "delivered");
    sendgrid_post(events("bounce", "ev2"), &key, now).await.unwrap();
    let (status, _, _, _, error) = message(&app, by_sendgrid).await;
    assert_eq!(status, "bounced");
    assert!(error.unwrap().contains("550 5.1.1 The email account does not exist."));

    // Resend, signed the Svix way.
    save_email(
        &app,
        &mut owner,
        &[("email_provider", "resend"), ("sendgrid_webhook_key", &public)],
    )
    .await;
    let by_resend = queue(&app, &org, "email", "ada@example.com").await;
    wait_status(&app, by_resend, "sent").await;
    let email_id = message(&app, by_resend).await.2.unwrap();
    let url = format!("{}/webhooks/resend/{}", app.address, org.id);
    let body = serde_json::json!({"type": "email.bounced", "created_at": "2026-12-06T10:00:00.000Z",
        "data": {"email_id": email_id, "to": ["ada@example.com"], "bounce": {"message": "Mailbox full"}}})
    .to_string();
    let svix = |secret: &str, id: &str, at: i64| {
        let key = STANDARD.decode(secret.trim_start_matches("whsec_")).unwrap();
        let mut mac = Hmac::<sha2::Sha256>::new_from_slice(&key).unwrap();
        mac.update(format!("{id}.{at}.{body}").as_bytes());
        let signature = format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()));
        app.http
            .post(&url)
            .header("svix-id", id)
            .header("svix-timestamp", at.to_string())
            .header("svix-signature", signature)
            .body(body.clone())
            .send()
    };
    assert_eq!(
        svix("whsec_b3RoZXItc2VjcmV0", "msg_1", now).await.unwrap().status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        svix(RESEND_SECRET, "msg_1", now - 600).await.unwrap().status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(message(&app, by_resend).await.0, "sent");
    assert_eq!(
        svix(RESEND_SECRET, "msg_1", now).await.unwrap().status(),
        StatusCode::NO_CONTENT
    );
    let (status, _, _, _, error) = message(&app, by_resend).await;
    assert_eq!(
        (status.as_str(), error.as_deref()),
        ("bounced", Some("The receiving mail server refused it: Mailbox full"))
    );
    // The same report again is taken once.
    assert_eq!(
        svix(RESEND_SECRET, "msg_1", now).await.unwrap().status(),
        StatusCode::NO_CONTENT
    );
    let receipts: i64 = sqlx::query_scalar("select count(*) from webhook_receipts where provider = 'resend'")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(receipts, 1);
}

pub fn surface() -> Vec<Entry> {
    use crate::security::Caller::CoveredBy;
    let covered = |path: &'static str| {
        Entry::route(
            reqwest::Method::POST,
            path,
            CoveredBy("providers.rs: a report counts only when signed with the organization's own key"),
            Ids::None,
            |_| Input::none(),
        )
    };
    vec![
        Entry::function::<SaveSmsSettings>(Staff(ManageMessaging), Ids::None, |t| {
            let sender = if t.round % 2 == 0 { "" } else { "+447700900123" };
            Input::form([("sms_provider", "log".into()), ("sms_sender", sender.into())])
        })
        .writes(),
        Entry::function::<SendTestSms>(Staff(ManageMessaging), Ids::None, |_| {
            Input::form([("to", "+44 7700 900111".into())])
        })
        .writes(),
        covered("/webhooks/sendgrid/{org_id}"),
        covered("/webhooks/resend/{org_id}"),
        covered("/webhooks/twilio/{org_id}"),
    ]
}

#[tokio::test]
async fn receipts_of_delivery_reports_are_forgotten_after_30_days_by_the_workers_daily_job() {
    let app = spawn_app().await;
    let org = app.org("Clinic").await;
    sqlx::query(
        "insert into webhook_receipts (org_id, provider, receipt_id, received_at)
         values ($1, 'twilio', 'old', now() - interval '31 days'), ($1, 'twilio', 'recent', now() - interval '29 days')",
    )
    .bind(org.id)
    .execute(&app.db)
    .await
    .unwrap();

    // The job the worker runs each night, run now.
    sqlx::query("select graphile_worker.add_job('prune_webhook_receipts', '{}'::json)")
        .execute(&app.db)
        .await
        .unwrap();
    app.wait_until_count("select count(*) from webhook_receipts where receipt_id = 'old'", 0)
        .await;
    let kept: Vec<String> = sqlx::query_scalar("select receipt_id from webhook_receipts")
        .fetch_all(&app.db)
        .await
        .unwrap();
    assert_eq!(kept, ["recent"]);
}
