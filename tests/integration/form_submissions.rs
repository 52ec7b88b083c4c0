//! Forms sent to patients: a booking of a service that asks for a form requests it; the
//! patient's signed link opens that one request until it expires, keeps what they type,
//! names what is wrong, and sends; the appointment's mark goes; staff send forms by
//! hand; only clinicians read the answers (audited), as a page, a PDF and a CSV, and the
//! answers keep the version the patient saw.

use careops::{
    app::{
        calendar::GetAppointment,
        patients::{GetPatient, GetSubmission, SendForm},
        portal::OpenPatientForm,
        settings::{CreateForm, SaveForm},
    },
    server::auth::tokens::{FormGrant, Keys},
};
use chrono::{Duration, Utc};
use reqwest::{header, StatusCode};
use serde_json::Value;
use uuid::Uuid;

use crate::common::*;

/// "New patient intake", saved with `label` as its first question and attached to
/// `service`: a required name, a required yes/no, a required consent, a required signature.
async fn intake(app: &TestApp, owner: &Browser, service: Option<Uuid>, label: &str) -> Uuid {
    let mut browser = owner.clone();
    let created = app
        .call::<CreateForm>(&mut browser, &[("name", "New patient intake")])
        .await;
    assert!(created.status().is_success() || created.status().is_redirection());
    let id: Uuid = sqlx::query_scalar("select id from form_templates where name = 'New patient intake'")
        .fetch_one(&app.db)
        .await
        .unwrap();
    save(app, owner, id, service, label).await;
    id
}

async fn save(app: &TestApp, owner: &Browser, id: Uuid, service: Option<Uuid>, label: &str) {
    let mut browser = owner.clone();
    let (id, service) = (id.to_string(), service.map(|s| s.to_string()));
    let mut form = vec![("id", id.as_str()), ("name", "New patient intake"), ("intro", "")];
    for (key, kind, label) in [
        ("f1", "short_text", label),
        ("f2", "yes_no", "Do you take blood thinners?"),
        ("f3", "consent", "I agree to be treated."),
        ("f4", "signature", "Signature"),
    ] {
        form.extend([
            ("key[]", key),
            ("kind[]", kind),
            ("label[]", label),
            ("help[]", ""),
            ("choices[]", ""),
            ("required[]", key),
        ]);
    }
    if let Some(service) = &service {
        form.push(("service[]", service));
    }
    let saved = app.call::<SaveForm>(&mut browser, &form).await;
    assert_eq!(saved.status(), StatusCode::OK, "{}", saved.text().await.unwrap());
}

fn link(org: Uuid, submission: Uuid, expires_in: Duration) -> String {
    Keys::new(JWT_SECRET.as_bytes())
        .issue_form(
            FormGrant {
                submission_id: submission,
                org_id: org,
            },
            Utc::now() + expires_in,
        )
        .unwrap()
}

async fn page(app: &TestApp, path: &str) -> (StatusCode, String) {
    let response = app.get(&mut Browser::default(), path).await;
    (response.status(), response.text().await.unwrap())
}

/// Posts the patient's form as a browser without JavaScript does; where it leads.
async fn post(app: &TestApp, token: &str, fields: &[(&str, &str)]) -> (StatusCode, String) {
    let response = app
        .http
        .post(app.url(&format!("/forms/{token}")))
        .header(header::ACCEPT, "text/html")
        .form(fields)
        .send()
        .await
        .unwrap();
    let location = response
        .headers()
        .get(header::LOCATION)
        .map(|l| l.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (response.status(), location)
}

async fn forms_due(app: &TestApp, owner: &Browser, appointment: Uuid) -> i64 {
    let mut browser = owner.clone();
    let detail = json(
        app.call::<GetAppointment>(&mut browser, &[("id", &appointment.to_string())])
            .await,
    )
    .await;
    detail["appointment"]["forms_due"].as_i64().unwrap_or(0)
}

#[tokio::test]
async fn a_booking_asks_for_its_forms_and_the_patient_fills_one_in_by_link() {
    let app = spawn_app().await;
    let org = app.org("Harbour Physio").await;
    let s = app.schedule(&org).await;
    let template = intake(&app, &org.owner, Some(s.service), "Your full name").await;
    let booked = app.booked(&org.owner, &s, s.monday, "09:00").await;
    let (submission, version): (Uuid, i32) =
        sqlx::query_as("select id, version from form_submissions where appointment_id = $1 and template_id = $2")
            .bind(booked.id)
            .bind(template)
            .fetch_one(&app.db)
            .await
            .expect("the booking asked for the service's form");
    assert_eq!(version, 1);
    assert_eq!(forms_due(&app, &org.owner, booked.id).await, 1, "the calendar marks it");
    // A second booking of the same patient does not ask again while the link works.
    let token = link(org.id, submission, Duration::days(1));

    // The page ships no app code, only the small signature script.
    let (status, body) = page(&app, &format!("/forms/{token}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        body.contains("Your full name") && body.contains("Do you take blood thinners?"),
        "{body}"
    );
    assert!(body.contains("/form-signature.js") && !body.contains(".wasm"), "{body}");

    // Half-filled and kept: the same link shows it again.
    let (status, to) = post(&app, &token, &[("f1", "Ada Lovelace"), ("intent", "keep")]).await;
    assert_eq!(
        (status, to.as_str()),
        (StatusCode::SEE_OTHER, format!("/forms/{token}?saved=1").as_str())
    );
    let (_, body) = page(&app, &format!("/forms/{token}?saved=1")).await;
    assert!(
        body.contains("value=\"Ada Lovelace\"") && body.contains("Saved."),
        "{body}"
    );

    // Sent with answers missing: nothing is sent, each missing one is named, the typing kept.
    let (_, to) = post(
        &app,
        &token,
        &[("f1", "Ada Lovelace"), ("f2", "no"), ("intent", "send")],
    )
    .await;
    assert_eq!(to, format!("/forms/{token}?check=1#problems"));
    let (_, body) = page(&app, &format!("/forms/{token}?check=1")).await;
    assert!(
        body.contains("Tick the box to accept this") && body.contains("Sign with your full name"),
        "{body}"
    );
    assert!(body.contains("value=\"Ada Lovelace\""), "{body}");
    let sent: Option<chrono::DateTime<Utc>> =
        sqlx::query_scalar("select submitted_at from form_submissions where id = $1")
            .bind(submission)
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert!(sent.is_none());

    // A drawing that is not a plain path is refused; a real one is kept.
    let (_, to) = post(
        &app,
        &token,
        &[
            ("f1", "Ada Lovelace"),
            ("f2", "no"),
            ("f3", "accepted"),
            ("f4", "Ada Lovelace"),
            ("f4.drawing", "M1 1L2 2\"/><script>"),
            ("intent", "send"),
        ],
    )
    .await;
    assert!(to.contains("check=1"), "{to}");
    let (status, to) = post(
        &app,
        &token,
        &[
            ("f1", "Ada Lovelace"),
            ("f2", "no"),
            ("f3", "accepted"),
            ("f4", "Ada Lovelace"),
            ("f4.drawing", "M10 10L20 25L40 30"),
            ("intent", "send"),
        ],
    )
    .await;
    assert_eq!((status, to), (StatusCode::SEE_OTHER, format!("/forms/{token}")));
    let (_, body) = page(&app, &format!("/forms/{token}")).await;
    assert!(
        body.contains("Thank you") && !body.contains("Ada Lovelace"),
        "no answers shown back: {body}"
    );
    assert_eq!(forms_due(&app, &org.owner, booked.id).await, 0, "the mark is gone");
    // Posting again changes nothing.
    post(&app, &token, &[("f1", "Someone else"), ("intent", "send")]).await;
    let answers: Value = sqlx::query_scalar("select answers from form_submissions where id = $1")
        .bind(submission)
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(answers["f1"]["value"], "Ada Lovelace");
    assert_eq!(answers["f2"]["value"], false);
    assert_eq!(answers["f4"]["value"]["drawing"], "M10 10L20 25L40 30");

    // The template changes; the submission still shows the version the patient saw.
    save(&app, &org.owner, template, Some(s.service), "Name and surname").await;
    let mut owner = org.owner.clone();
    let view = json(
        app.call::<GetSubmission>(&mut owner, &[("id", &submission.to_string())])
            .await,
    )
    .await;
    assert_eq!(view["summary"]["version"], 1);
    assert_eq!(view["fields"][0]["label"], "Your full name");
    let reads: i64 = sqlx::query_scalar("select count(*) from audit_log where action = 'form_submission.read'")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(reads, 1, "the read is audited");
    let pdf = app.get(&mut owner, &format!("/app/forms/{submission}/form.pdf")).await;
    assert_eq!(pdf.status(), StatusCode::OK);
    assert_eq!(pdf.headers()[header::CONTENT_TYPE], "application/pdf");
    assert!(pdf.bytes().await.unwrap().starts_with(b"%PDF-"));

    // The patient answered version 1; the next booking asks for version 2.
    let again = app.booked(&org.owner, &s, s.monday + Duration::days(1), "09:00").await;
    let asked: Vec<i32> = sqlx::query_scalar("select version from form_submissions where appointment_id = $1")
        .bind(again.id)
        .fetch_all(&app.db)
        .await
        .unwrap();
    assert_eq!(asked, [2]);
}

#[tokio::test]
async fn a_form_link_opens_its_own_request_only_and_stops_when_it_expires() {
    let app = spawn_app().await;
    let org = app.org("Harbour Physio").await;
    let other = app.org("Elsewhere Clinic").await;
    let s = app.schedule(&org).await;
    intake(&app, &org.owner, Some(s.service), "Your full name").await;
    let booked = app.booked(&org.owner, &s, s.monday, "09:00").await;
    let submission: Uuid = sqlx::query_scalar("select id from form_submissions where appointment_id = $1")
        .bind(booked.id)
        .fetch_one(&app.db)
        .await
        .unwrap();

    let refused = |(status, body): (StatusCode, String)| {
        assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
        assert!(body.contains("does not work any more"), "{body}");
    };
    // Expired, forged, or naming the request under another organization: not found.
    refused(
        page(
            &app,
            &format!("/forms/{}", link(org.id, submission, -Duration::hours(1))),
        )
        .await,
    );
    let forged = Keys::new(b"another-secret-another-secret-xx")
        .issue_form(
            FormGrant {
                submission_id: submission,
                org_id: org.id,
            },
            Utc::now() + Duration::days(1),
        )
        .unwrap();
    refused(page(&app, &format!("/forms/{forged}")).await);
    refused(
        page(
            &app,
            &format!("/forms/{}", link(other.id, submission, Duration::days(1))),
        )
        .await,
    );
    // A manage link is no form link.
    let manage = Keys::new(JWT_SECRET.as_bytes())
        .issue_manage(
            careops::server::auth::tokens::ManageGrant {
                appointment_id: submission,
                org_id: org.id,
            },
            Utc::now() + Duration::days(1),
        )
        .unwrap();
    refused(page(&app, &format!("/forms/{manage}")).await);

    // The request's own expiry counts too, even while the token's has not come.
    let token = link(org.id, submission, Duration::days(30));
    sqlx::query("update form_submissions set expires_at = now() - interval '1 minute' where id = $1")
        .bind(submission)
        .execute(&app.db)
        .await
        .unwrap();
    refused(page(&app, &format!("/forms/{token}")).await);
    let (status, _) = post(&app, &token, &[("f1", "Mallory"), ("intent", "keep")]).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let draft: Value = sqlx::query_scalar("select draft from form_submissions where id = $1")
        .bind(submission)
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(draft, serde_json::json!([]), "nothing kept");
    // Still missing, so still marked.
    assert_eq!(forms_due(&app, &org.owner, booked.id).await, 1);
    // The server function the page loads with refuses the same way.
    let mut anyone = Browser::default();
    let opened = app.call::<OpenPatientForm>(&mut anyone, &[("token", &token)]).await;
    assert_eq!(opened.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn staff_send_a_form_by_hand_and_only_clinicians_read_the_answers() {
    let app = spawn_app().await;
    let org = app.org("Harbour Physio").await;
    let other = app.org("Elsewhere Clinic").await;
    let template = intake(&app, &org.owner, None, "Your full name").await;
    let patient: Uuid = sqlx::query_scalar(
        "insert into patients (org_id, full_name, email, consent_email) values ($1, 'Grace Hopper', 'grace@example.com', true)
         returning id",
    )
    .bind(org.id)
    .fetch_one(&app.db)
    .await
    .unwrap();
    let desk = app.member(&org.owner, "receptionist", &[org.branch_id]).await;
    let clinician = app.member(&org.owner, "practitioner", &[org.branch_id]).await;
    let mut browser = desk.browser.clone();
    let sent = app
        .call::<SendForm>(
            &mut browser,
            &[
                ("patient_id", &patient.to_string()),
                ("template", &template.to_string()),
            ],
        )
        .await;
    assert_eq!(sent.status(), StatusCode::OK);
    assert_eq!(json(sent).await, "New patient intake sent to Grace Hopper by email.");
    let (body, recipient): (String, String) =
        sqlx::query_as("select body, recipient from messages where kind = 'form_request' and patient_id = $1")
            .bind(patient)
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert_eq!(recipient, "grace@example.com");
    let token = body
        .split("/forms/")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .expect("the email carries the link")
        .to_owned();
    let (status, _) = post(
        &app,
        &token,
        &[
            ("f1", "=HYPERLINK(\"http://evil\")"),
            ("f2", "yes"),
            ("f3", "accepted"),
            ("f4", "Grace Hopper"),
            ("intent", "send"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let submission: Uuid = sqlx::query_scalar("select id from form_submissions where patient_id = $1")
        .bind(patient)
        .fetch_one(&app.db)
        .await
        .unwrap();

    // The front desk sees that it came back, not what it says.
    let profile = json(
        app.call::<GetPatient>(&mut browser, &[("id", &patient.to_string())])
            .await,
    )
    .await;
    assert_eq!(profile["forms"]["submissions"][0]["status"], "submitted");
    assert_eq!(profile["forms"]["can_read"], false);
    let id = submission.to_string();
    let read = app.call::<GetSubmission>(&mut browser, &[("id", &id)]).await;
    assert_eq!(read.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        app.get(&mut browser, &format!("/app/forms/{id}/form.pdf"))
            .await
            .status(),
        StatusCode::FORBIDDEN
    );
    let mut practitioner = clinician.browser.clone();
    let read = json(app.call::<GetSubmission>(&mut practitioner, &[("id", &id)]).await).await;
    assert_eq!(read["answers"]["f4"]["value"]["name"], "Grace Hopper");
    // Another organization's owner finds nothing.
    let mut stranger = other.owner.clone();
    assert_eq!(
        app.call::<GetSubmission>(&mut stranger, &[("id", &id)]).await.status(),
        StatusCode::NOT_FOUND
    );

    // The answers as CSV: a formula a patient typed stays text.
    let mut owner = org.owner.clone();
    let csv = app
        .get(&mut owner, &format!("/app/settings/forms/{template}/answers.csv"))
        .await;
    assert_eq!(csv.status(), StatusCode::OK);
    let csv = csv.text().await.unwrap();
    assert!(
        csv.starts_with("Patient,Filled in,Version,Your full name,Do you take blood thinners?"),
        "{csv}"
    );
    assert!(
        csv.contains("Grace Hopper") && csv.contains("'=HYPERLINK") && csv.contains(",Yes,"),
        "{csv}"
    );
    let exported: i64 = sqlx::query_scalar("select count(*) from audit_log where action = 'form_submission.exported'")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(exported, 1);
}

#[tokio::test]
async fn the_api_reads_templates_and_answers_and_a_link_is_answered_in_json() {
    let app = spawn_app().await;
    let org = app.org("Harbour Physio").await;
    let s = app.schedule(&org).await;
    let template = intake(&app, &org.owner, Some(s.service), "Your full name").await;
    let booked = app.booked(&org.owner, &s, s.monday, "09:00").await;
    let submission: Uuid = sqlx::query_scalar("select id from form_submissions where appointment_id = $1")
        .bind(booked.id)
        .fetch_one(&app.db)
        .await
        .unwrap();
    let token = link(org.id, submission, Duration::days(1));
    let api = app.api_token(&org.owner).await;

    let listed = json(
        app.api(reqwest::Method::GET, "/api/v1/forms", &api, None)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(listed[0]["id"], template.to_string());
    let one = json(
        app.api(reqwest::Method::GET, &format!("/api/v1/forms/{template}"), &api, None)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(one["fields"][1]["kind"], "yes_no");

    // The patient's link in JSON: a wrong answer is named, the right ones are sent.
    let url = format!("/api/v1/form-links/{token}");
    let opened = json(app.http.get(app.url(&url)).send().await.unwrap()).await;
    assert_eq!(opened["title"], "New patient intake");
    let wrong = app
        .http
        .post(app.url(&url))
        .json(&serde_json::json!({"answers": {"f1": "Ada", "f2": "perhaps"}, "send": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let wrong = json(wrong).await;
    assert_eq!(wrong["status_code"], 422);
    assert!(wrong["detail"].as_str().is_some(), "{wrong}");
    let answers = serde_json::json!({"answers": {
        "f1": "Ada", "f2": true, "f3": true, "f4": {"name": "Ada Lovelace"}
    }, "send": true});
    let sent = app.http.post(app.url(&url)).json(&answers).send().await.unwrap();
    assert_eq!(json(sent).await["status"], "submitted");
    let again = app.http.post(app.url(&url)).json(&answers).send().await.unwrap();
    assert_eq!(again.status(), StatusCode::CONFLICT);

    let read = json(
        app.api(
            reqwest::Method::GET,
            &format!("/api/v1/form-submissions/{submission}"),
            &api,
            None,
        )
        .send()
        .await
        .unwrap(),
    )
    .await;
    assert_eq!(
        read["answers"]["f2"],
        serde_json::json!({"type": "yes_no", "value": true})
    );
    let of_patient = json(
        app.api(
            reqwest::Method::GET,
            &format!("/api/v1/patients/{}/forms", booked.patient_id),
            &api,
            None,
        )
        .send()
        .await
        .unwrap(),
    )
    .await;
    assert_eq!(of_patient["submissions"][0]["status"], "submitted");
}

pub fn surface() -> Vec<crate::security::Entry> {
    use crate::security::{
        Caller::{Public, Staff},
        Entry, Ids, Input,
    };
    use careops::domain::access::Action::{ManageForms, ManagePatients, ReadFormAnswers, ViewPatients};
    use reqwest::Method;
    vec![
        Entry::function::<OpenPatientForm>(Public, Ids::None, |t| {
            Input::form([("token", t.side.form_token.clone())])
        }),
        Entry::route(Method::POST, "/forms/{token}", Public, Ids::None, |t| {
            Input::at(format!("/forms/{}", t.side.form_token))
                .posting([("f1", format!("Ada {}", t.round)), ("intent", "keep".into())])
        })
        .writes(),
        Entry::route(Method::GET, "/form-signature.js", Public, Ids::None, |_| {
            Input::at("/form-signature.js".into())
        }),
        Entry::function::<SendForm>(Staff(ManagePatients), Ids::Org, |t| {
            Input::form([
                ("patient_id", t.side.patient.to_string()),
                ("template", t.side.form_template.to_string()),
            ])
        })
        .writes(),
        Entry::function::<GetSubmission>(Staff(ReadFormAnswers), Ids::Org, |t| {
            Input::form([("id", t.side.form_submission.to_string())])
        }),
        Entry::route(
            Method::GET,
            "/app/forms/{id}/form.pdf",
            Staff(ReadFormAnswers),
            Ids::Org,
            |t| Input::at(format!("/app/forms/{}/form.pdf", t.side.form_submission)),
        ),
        Entry::route(Method::GET, "/api/v1/forms", Staff(ManageForms), Ids::None, |_| {
            Input::at("/api/v1/forms".into())
        }),
        Entry::route(Method::GET, "/api/v1/forms/{id}", Staff(ManageForms), Ids::Org, |t| {
            Input::at(format!("/api/v1/forms/{}", t.side.form_template))
        }),
        Entry::route(
            Method::GET,
            "/api/v1/patients/{id}/forms",
            Staff(ViewPatients),
            Ids::Org,
            |t| Input::at(format!("/api/v1/patients/{}/forms", t.side.patient)),
        ),
        Entry::route(
            Method::GET,
            "/api/v1/form-submissions/{id}",
            Staff(ReadFormAnswers),
            Ids::Org,
            |t| Input::at(format!("/api/v1/form-submissions/{}", t.side.form_submission)),
        ),
        Entry::route(Method::GET, "/api/v1/form-links/{token}", Public, Ids::None, |t| {
            Input::at(format!("/api/v1/form-links/{}", t.side.form_token))
        }),
        Entry::route(Method::POST, "/api/v1/form-links/{token}", Public, Ids::None, |t| {
            Input::at(format!("/api/v1/form-links/{}", t.side.form_token))
                .json(serde_json::json!({"answers": {"f1": format!("Ada by the API {}", t.round)}}))
        })
        .writes(),
        Entry::route(
            Method::GET,
            "/app/settings/forms/{id}/answers.csv",
            Staff(ReadFormAnswers),
            Ids::Org,
            |t| Input::at(format!("/app/settings/forms/{}/answers.csv", t.side.form_template)),
        ),
    ]
}
