//! Patients over HTTP: search and paging, duplicates, merging, import and export, and
//! the walls between organizations.

use careops::app::patients::{
    ArchivePatient, CreatePatient, GetImport, GetPatient, ListPatients, MergePatients, RunImport, UpdatePatient,
};
use reqwest::{header, StatusCode};
use serde_json::Value;
use uuid::Uuid;

use crate::common::*;

/// Adds patients straight into the database (the list must cope with many).
async fn insert_patients(app: &TestApp, org: Uuid, count: usize) {
    sqlx::query(
        "insert into patients (org_id, full_name, phone, email)
         select $1, 'Patient ' || lpad(n::text, 4, '0'), '+44 7700 9' || lpad(n::text, 5, '0'), ''
         from generate_series(1, $2) n",
    )
    .bind(org)
    .bind(count as i32)
    .execute(&app.db)
    .await
    .unwrap();
}

async fn list(app: &TestApp, browser: &Browser, query: &str, after: Option<&str>) -> Value {
    let mut browser = browser.clone();
    let mut form = vec![("query", query)];
    if let Some(after) = after {
        form.push(("after", after));
    }
    let response = app.call::<ListPatients>(&mut browser, &form).await;
    assert_eq!(response.status(), StatusCode::OK);
    json(response).await
}

fn names(page: &Value) -> Vec<String> {
    page["patients"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["full_name"].as_str().unwrap().to_owned())
        .collect()
}

async fn create(app: &TestApp, browser: &Browser, form: &[(&str, &str)]) -> reqwest::Response {
    let mut browser = browser.clone();
    app.call::<CreatePatient>(&mut browser, form).await
}

async fn create_ok(app: &TestApp, browser: &Browser, form: &[(&str, &str)]) -> Uuid {
    let response = create(app, browser, form).await;
    assert_eq!(
        response.status(),
        StatusCode::OK,
        "{}",
        response.text().await.unwrap_or_default()
    );
    response.json().await.unwrap()
}

#[tokio::test]
async fn the_list_pages_through_every_patient_once_and_search_finds_name_phone_or_email() {
    let app = spawn_app().await;
    let org = app.org("Clinic").await;
    insert_patients(&app, org.id, 120).await;
    create_ok(
        &app,
        &org.owner,
        &[
            ("full_name", "Zelda Fitzgerald"),
            ("phone", "+1 (212) 555-0199"),
            ("email", "Zelda@Example.com"),
        ],
    )
    .await;

    let mut seen = Vec::new();
    let mut after: Option<String> = None;
    let mut pages = 0;
    loop {
        let page = list(&app, &org.owner, "", after.as_deref()).await;
        let batch = names(&page);
        assert!(batch.len() <= 50);
        seen.extend(batch);
        pages += 1;
        match page["next"].as_str() {
            Some(next) => after = Some(next.to_owned()),
            None => break,
        }
    }
    assert_eq!(pages, 3);
    assert_eq!(seen.len(), 121);
    let mut sorted = seen.clone();
    sorted.sort_by_key(|n| n.to_lowercase());
    sorted.dedup();
    assert_eq!(seen, sorted, "in name order, each once");

    for query in ["zeld", "FITZ", "212 555 0199", "2125550199", "zelda@example"] {
        assert_eq!(
            names(&list(&app, &org.owner, query, None).await),
            ["Zelda Fitzgerald"],
            "{query}"
        );
    }
    let found = list(&app, &org.owner, "Patient 00", None).await;
    assert_eq!(names(&found).len(), 50);
    assert!(found["next"].is_string());
    assert!(names(&list(&app, &org.owner, "nobody%", None).await).is_empty());

    // Archived patients leave the list, and come back when restored.
    let zelda: Uuid = sqlx::query_scalar("select id from patients where full_name = 'Zelda Fitzgerald'")
        .fetch_one(&app.db)
        .await
        .unwrap();
    let mut owner = org.owner.clone();
    let archived = app
        .call::<ArchivePatient>(&mut owner, &[("id", &zelda.to_string()), ("archived", "true")])
        .await;
    assert_eq!(archived.status(), StatusCode::OK);
    assert!(names(&list(&app, &org.owner, "zelda", None).await).is_empty());
}

#[tokio::test]
async fn a_patient_with_the_same_phone_or_email_is_flagged_before_it_is_added() {
    let app = spawn_app().await;
    let org = app.org("Clinic").await;
    create_ok(
        &app,
        &org.owner,
        &[("full_name", "Ada Lovelace"), ("phone", "+44 20 7946 0958")],
    )
    .await;

    let twin = create(
        &app,
        &org.owner,
        &[("full_name", "Ada King"), ("phone", "020 7946 0958 ")],
    )
    .await;
    // "020 7946 0958" is not the same digits as "+44 20 7946 0958": only exact digits match.
    assert_eq!(twin.status(), StatusCode::OK);

    let twin = create(
        &app,
        &org.owner,
        &[("full_name", "A. Lovelace"), ("phone", "+44 (20) 7946-0958")],
    )
    .await;
    assert_eq!(twin.status(), StatusCode::CONFLICT);
    let body = json(twin).await;
    assert_eq!(body["Conflict"]["field"], "duplicate");
    assert!(body["Conflict"]["message"].as_str().unwrap().contains("Ada Lovelace"));

    create_ok(
        &app,
        &org.owner,
        &[
            ("full_name", "A. Lovelace"),
            ("phone", "+44 (20) 7946-0958"),
            ("add_anyway", "on"),
        ],
    )
    .await;
    let missing = create(&app, &org.owner, &[("full_name", "Nobody")]).await;
    assert_eq!(missing.status(), StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn merging_moves_appointments_and_messages_to_the_survivor_and_is_audited() {
    let app = spawn_app().await;
    let org = app.org("Clinic").await;
    let s = app.schedule(&org).await;
    // The booking form quick-creates Ada Lovelace with +44 20 7946 0958; a second record
    // of her was added later, with a message to her.
    app.book(&org.owner, &s, s.monday, "09:00", &[]).await;
    let second = create_ok(
        &app,
        &org.owner,
        &[
            ("full_name", "Ada L."),
            ("phone", "+44 20 7946 0958"),
            ("add_anyway", "on"),
        ],
    )
    .await;
    let booked = app
        .book(
            &org.owner,
            &s,
            s.monday,
            "10:00",
            &[("patient_id", &second.to_string())],
        )
        .await;
    assert_eq!(booked.status(), StatusCode::OK);
    sqlx::query(
        "insert into messages (org_id, branch_id, patient_id, appointment_id, kind, channel, recipient, body)
         select org_id, branch_id, patient_id, id, 'booking_confirmation', 'sms', '+44 20 7946 0958', 'Booked'
         from appointments where patient_id = $1",
    )
    .bind(second)
    .execute(&app.db)
    .await
    .unwrap();
    let survivor = create_ok(
        &app,
        &org.owner,
        &[
            ("full_name", "Ada Lovelace"),
            ("phone", "+44 20 7946 0958"),
            ("email", "ada@example.com"),
            ("add_anyway", "on"),
        ],
    )
    .await;
    let others: Vec<Uuid> = sqlx::query_scalar("select id from patients where id <> $1")
        .bind(survivor)
        .fetch_all(&app.db)
        .await
        .unwrap();
    assert_eq!(others.len(), 2);

    let mut owner = org.owner.clone();
    let profile = json(
        app.call::<GetPatient>(&mut owner, &[("id", &survivor.to_string())])
            .await,
    )
    .await;
    assert_eq!(profile["duplicates"].as_array().unwrap().len(), 2);

    for other in &others {
        let merged = app
            .call::<MergePatients>(
                &mut owner,
                &[("id", &survivor.to_string()), ("other", &other.to_string())],
            )
            .await;
        assert_eq!(merged.status(), StatusCode::OK);
        assert_eq!(json(merged).await, 1);
    }
    let moved: i64 = sqlx::query_scalar("select count(*) from appointments where patient_id = $1")
        .bind(survivor)
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(moved, 2);
    let gone: i64 =
        sqlx::query_scalar("select count(*) from patients where merged_into = $1 and archived_at is not null")
            .bind(survivor)
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert_eq!(gone, 2);
    let profile = json(
        app.call::<GetPatient>(&mut owner, &[("id", &survivor.to_string())])
            .await,
    )
    .await;
    assert_eq!(profile["appointments"].as_array().unwrap().len(), 2);
    assert_eq!(profile["messages"].as_array().unwrap().len(), 1);
    assert!(profile["duplicates"].as_array().unwrap().is_empty());
    let audited: i64 = sqlx::query_scalar(
        "select count(*) from audit_log where action = 'patient.merged' and entity_id = $1
           and diff -> 'after' ->> 'appointments_moved' = '1'",
    )
    .bind(survivor)
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert_eq!(audited, 2);

    let itself = app
        .call::<MergePatients>(
            &mut owner,
            &[("id", &survivor.to_string()), ("other", &survivor.to_string())],
        )
        .await;
    assert_eq!(itself.status(), StatusCode::UNPROCESSABLE_ENTITY);
}

/// Uploads a CSV as the import form does; answers the redirect's target.
async fn upload(app: &TestApp, browser: &Browser, csv: &str) -> String {
    let part = reqwest::multipart::Part::text(csv.to_owned()).file_name("patients.csv");
    let response = app
        .http
        .post(app.url("/app/patients/import/upload"))
        .header(header::COOKIE, browser.header())
        .multipart(reqwest::multipart::Form::new().part("file", part))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    response.headers()[header::LOCATION].to_str().unwrap().to_owned()
}

#[tokio::test]
async fn an_import_shows_each_row_and_its_problems_then_adds_the_good_rows_once() {
    let app = spawn_app().await;
    let org = app.org("Clinic").await;
    let csv = "\u{feff}Full Name,Phone,Email,Birth date,Tags,Consent SMS\n\
               Ada Lovelace,+44 20 7946 0958,ada@example.com,1984-02-29,\"knee, vip\",yes\n\
               ,+44 20 7946 0000,,,,\n\
               Grace Hopper,,not-an-email,,,\n\
               Alan Turing,+44 161 496 0000,,1912-13-40,,\n\
               Katherine Johnson,,katherine@example.com,,,no\n";
    let target = upload(&app, &org.owner, csv).await;
    let id = target
        .strip_prefix("/app/patients/import/")
        .expect("the preview page")
        .to_owned();

    let mut owner = org.owner.clone();
    let preview = json(app.call::<GetImport>(&mut owner, &[("id", &id)]).await).await;
    assert_eq!(
        (preview["valid"].as_u64(), preview["invalid"].as_u64()),
        (Some(2), Some(3))
    );
    let problems: Vec<(u64, String)> = preview["rows"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| !r["problems"].as_array().unwrap().is_empty())
        .map(|r| {
            (
                r["line"].as_u64().unwrap(),
                r["problems"][0].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(problems.iter().map(|p| p.0).collect::<Vec<_>>(), [3, 4, 5]);
    assert!(problems[0].1.starts_with("Name:"), "{problems:?}");
    assert!(problems[1].1.starts_with("Email:"), "{problems:?}");
    assert!(problems[2].1.starts_with("Birth date:"), "{problems:?}");
    assert_eq!(
        sqlx::query_scalar::<_, i64>("select count(*) from patients")
            .fetch_one(&app.db)
            .await
            .unwrap(),
        0,
        "nothing is added before the import is confirmed"
    );

    let imported = app.call::<RunImport>(&mut owner, &[("id", &id)]).await;
    assert_eq!(json(imported).await, 2);
    let again = app.call::<RunImport>(&mut owner, &[("id", &id)]).await;
    assert_eq!(again.status(), StatusCode::CONFLICT);
    let (tags, sms): (Vec<String>, bool) =
        sqlx::query_as("select tags, consent_sms from patients where full_name = 'Ada Lovelace'")
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert_eq!((tags, sms), (vec!["knee".to_owned(), "vip".to_owned()], true));

    let refused = upload(&app, &org.owner, "name;phone\nAda;123\n").await;
    assert!(refused.starts_with("/app/patients/import?problem="), "{refused}");
    assert!(refused.contains("full_name"));

    // Another clinic cannot see or run this import.
    let other = app.org("Elsewhere").await;
    let mut stranger = other.owner.clone();
    assert_eq!(
        app.call::<GetImport>(&mut stranger, &[("id", &id)]).await.status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.call::<RunImport>(&mut stranger, &[("id", &id)]).await.status(),
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn the_export_holds_this_organization_only_for_roles_that_may_export_and_is_audited() {
    let app = spawn_app().await;
    let org = app.org("Clinic").await;
    let other = app.org("Elsewhere").await;
    create_ok(
        &app,
        &org.owner,
        &[
            ("full_name", "Ada Lovelace"),
            ("phone", "+44 20 7946 0958"),
            ("tags", "knee"),
        ],
    )
    .await;
    create_ok(
        &app,
        &other.owner,
        &[("full_name", "Grace Hopper"), ("phone", "+1 212 555 0100")],
    )
    .await;

    let mut owner = org.owner.clone();
    let response = app.get(&mut owner, "/app/patients/export.csv").await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response.headers()[header::CONTENT_DISPOSITION]
        .to_str()
        .unwrap()
        .contains("attachment"));
    let csv = response.text().await.unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(
        lines[0],
        "full_name,phone,email,birth_date,notes,tags,consent_sms,consent_email"
    );
    assert_eq!(lines[1], "Ada Lovelace,+44 20 7946 0958,,,,knee,no,no");
    assert_eq!(lines.len(), 2);
    let audited: i64 =
        sqlx::query_scalar("select count(*) from audit_log where action = 'patient.exported' and org_id = $1")
            .bind(org.id)
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert_eq!(audited, 1);

    let receptionist = app.member(&org.owner, "receptionist", &[org.branch_id]).await;
    let mut browser = receptionist.browser.clone();
    assert_eq!(
        app.get(&mut browser, "/app/patients/export.csv").await.status(),
        StatusCode::FORBIDDEN
    );
    let anonymous = app.get(&mut Browser::default(), "/app/patients/export.csv").await;
    assert_eq!(anonymous.status(), StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn another_organizations_patients_cannot_be_read_changed_or_merged() {
    let app = spawn_app().await;
    let a = app.org("Clinic").await;
    let b = app.org("Elsewhere").await;
    let ours = create_ok(
        &app,
        &a.owner,
        &[("full_name", "Ada Lovelace"), ("phone", "+44 20 7946 0958")],
    )
    .await;
    let theirs = create_ok(
        &app,
        &b.owner,
        &[("full_name", "Ada Lovelace"), ("phone", "+44 20 7946 0958")],
    )
    .await;
    let (ours, theirs) = (ours.to_string(), theirs.to_string());

    let mut owner = a.owner.clone();
    assert_eq!(
        app.call::<GetPatient>(&mut owner, &[("id", &theirs)]).await.status(),
        StatusCode::NOT_FOUND
    );
    let profile = json(app.call::<GetPatient>(&mut owner, &[("id", &ours)]).await).await;
    assert!(
        profile["duplicates"].as_array().unwrap().is_empty(),
        "the other clinic's Ada is not a duplicate"
    );
    let update = app
        .call::<UpdatePatient>(
            &mut owner,
            &[("id", &theirs), ("full_name", "Mallory"), ("phone", "+44 20 7946 0001")],
        )
        .await;
    assert_eq!(update.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        app.call::<ArchivePatient>(&mut owner, &[("id", &theirs), ("archived", "true")])
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.call::<MergePatients>(&mut owner, &[("id", &ours), ("other", &theirs)])
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(names(&list(&app, &a.owner, "ada", None).await).len(), 1);
    let name: String = sqlx::query_scalar("select full_name from patients where org_id = $1")
        .bind(b.id)
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(name, "Ada Lovelace");
}

/// Patients, their import and export.
pub fn surface() -> Vec<crate::security::Entry> {
    use crate::security::{Caller::Staff, Entry, Ids, Input};
    use careops::domain::access::Action::{ExportPatients, ManagePatients, ViewPatients};
    use reqwest::Method;
    vec![
        Entry::function::<ListPatients>(Staff(ViewPatients), Ids::None, |_| Input::none()),
        Entry::function::<CreatePatient>(Staff(ManagePatients), Ids::None, |t| {
            Input::form([
                ("full_name", format!("Created Patient {}", t.round)),
                ("phone", format!("+44 20 7946 {:04}", 5000 + t.round)),
            ])
        })
        .writes(),
        // Health data: a read is audited, and the audit log is all it changes.
        Entry::function::<GetPatient>(Staff(ViewPatients), Ids::Org, |t| {
            Input::form([("id", t.side.patient.to_string())])
        }),
        Entry::function::<UpdatePatient>(Staff(ManagePatients), Ids::Org, |t| {
            Input::form([
                ("id", t.side.patient.to_string()),
                ("full_name", "Spare Patient 0".into()),
                ("phone", "+44 20 7946 1000".into()),
                ("notes", format!("Seen in round {}", t.round)),
            ])
        })
        .writes(),
        Entry::function::<ArchivePatient>(Staff(ManagePatients), Ids::Org, |t| {
            Input::form([("id", t.spare().to_archive.to_string()), ("archived", "true".into())])
        })
        .writes(),
        Entry::function::<MergePatients>(Staff(ManagePatients), Ids::Org, |t| {
            let (keep, other) = t.spare().to_merge;
            Input::form([("id", keep.to_string()), ("other", other.to_string())])
        })
        .writes(),
        Entry::function::<GetImport>(Staff(ManagePatients), Ids::Org, |t| {
            Input::form([("id", t.side.import.to_string())])
        }),
        Entry::function::<RunImport>(Staff(ManagePatients), Ids::Org, |t| {
            Input::form([("id", t.spare().import.to_string())])
        })
        .writes(),
        Entry::route(
            Method::GET,
            "/app/patients/export.csv",
            Staff(ExportPatients),
            Ids::None,
            |_| Input::none(),
        ),
        Entry::route(
            Method::POST,
            "/app/patients/import/upload",
            Staff(ManagePatients),
            Ids::None,
            |t| Input::none().csv(&format!("full_name,phone\nUploaded {},+44 20 7946 6000\n", t.round)),
        )
        .writes(),
    ]
}
