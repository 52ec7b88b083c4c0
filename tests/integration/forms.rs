//! Form templates: the builder saves each change as a new version (never editing one a
//! patient may have answered), moves and removes fields, says which row is wrong, and
//! attaches the form to services; only owners and administrators build forms.

use careops::app::settings::{CreateForm, GetForm, GetForms, SaveForm};
use reqwest::StatusCode;
use serde_json::Value;
use uuid::Uuid;

use crate::common::*;

async fn create(app: &TestApp, browser: &Browser, name: &str) -> Uuid {
    let mut browser = browser.clone();
    let response = app.call::<CreateForm>(&mut browser, &[("name", name)]).await;
    assert!(
        response.status().is_success() || response.status().is_redirection(),
        "{}",
        response.status()
    );
    sqlx::query_scalar("select id from form_templates where name = $1")
        .bind(name)
        .fetch_one(&app.db)
        .await
        .unwrap()
}

async fn template(app: &TestApp, browser: &Browser, id: Uuid) -> Value {
    let mut browser = browser.clone();
    let response = app.call::<GetForm>(&mut browser, &[("id", &id.to_string())]).await;
    assert_eq!(response.status(), StatusCode::OK);
    json(response).await
}

/// Posts the builder: the title, each row as (key, kind, label, choices), the required
/// rows' keys, the services, and the row button pressed (blank: Save).
async fn save(
    app: &TestApp,
    browser: &Browser,
    id: Uuid,
    rows: &[(&str, &str, &str, &str)],
    required: &[&str],
    services: &[Uuid],
    step: &str,
) -> reqwest::Response {
    let mut browser = browser.clone();
    let id = id.to_string();
    let services: Vec<String> = services.iter().map(Uuid::to_string).collect();
    let mut form = vec![
        ("id", id.as_str()),
        ("name", "New patient intake"),
        ("intro", ""),
        ("step", step),
    ];
    for (key, kind, label, choices) in rows {
        form.extend([
            ("key[]", *key),
            ("kind[]", *kind),
            ("label[]", *label),
            ("help[]", ""),
            ("choices[]", *choices),
        ]);
    }
    form.extend(required.iter().map(|r| ("required[]", *r)));
    form.extend(services.iter().map(|s| ("service[]", s.as_str())));
    app.call::<SaveForm>(&mut browser, &form).await
}

fn labels(template: &Value) -> Vec<String> {
    template["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| format!("{}:{}", f["key"].as_str().unwrap(), f["label"].as_str().unwrap()))
        .collect()
}

#[tokio::test]
async fn each_change_to_a_template_is_a_new_version_and_the_old_ones_stay_as_they_were() {
    let app = spawn_app().await;
    let org = app.org("Harbour Physio").await;
    let s = app.schedule(&org).await;
    let owner = org.owner.clone();
    let id = create(&app, &owner, "New patient intake").await;
    assert_eq!(template(&app, &owner, id).await["version"], 0);

    // The first save: the blank row's field, required, and the form attached to a service.
    let first = save(
        &app,
        &owner,
        id,
        &[("", "short_text", "Full name", "")],
        &["new"],
        &[s.service],
        "",
    )
    .await;
    assert_eq!(first.status(), StatusCode::OK);
    assert_eq!(json(first).await, 1);
    let more = [
        ("f1", "short_text", "Full name", ""),
        ("", "multiple_choice", "Where does it hurt?", "Neck\nBack\nKnee"),
    ];
    assert_eq!(
        json(save(&app, &owner, id, &more, &["f1"], &[s.service], "").await).await,
        2
    );
    let shown = template(&app, &owner, id).await;
    assert_eq!(labels(&shown), ["f1:Full name", "f2:Where does it hurt?"]);
    assert_eq!(
        shown["fields"][1]["choices"],
        serde_json::json!(["Neck", "Back", "Knee"])
    );
    assert_eq!(shown["fields"][0]["required"], true);
    assert_eq!(shown["services"], serde_json::json!([s.service]));

    // The same content again is no new version; a changed label is.
    let same = [
        ("f1", "short_text", "Full name", ""),
        ("f2", "multiple_choice", "Where does it hurt?", "Neck\nBack\nKnee"),
    ];
    assert_eq!(
        json(save(&app, &owner, id, &same, &["f1"], &[s.service], "").await).await,
        2
    );
    let renamed = [
        ("f1", "short_text", "Your full name", ""),
        ("f2", "multiple_choice", "Where does it hurt?", "Neck\nBack\nKnee"),
    ];
    assert_eq!(json(save(&app, &owner, id, &renamed, &["f1"], &[], "").await).await, 3);
    // Moving a field and removing one are saves too, each a version.
    assert_eq!(
        json(save(&app, &owner, id, &renamed, &["f1"], &[], "up:f2").await).await,
        4
    );
    let moved = template(&app, &owner, id).await;
    assert_eq!(labels(&moved), ["f2:Where does it hurt?", "f1:Your full name"]);
    assert_eq!(moved["services"], serde_json::json!([]));
    assert_eq!(
        json(save(&app, &owner, id, &renamed, &[], &[], "remove:f2").await).await,
        5
    );
    assert_eq!(labels(&template(&app, &owner, id).await), ["f1:Your full name"]);

    // Version 2 still says what it said, and nobody can change it.
    let v2: Value = sqlx::query_scalar("select fields from form_versions where template_id = $1 and version = 2")
        .bind(id)
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(v2[0]["label"], "Full name");
    let refused = sqlx::query("update form_versions set name = 'Changed' where template_id = $1")
        .bind(id)
        .execute(&app.db)
        .await
        .unwrap_err();
    assert!(refused.to_string().contains("never changed"), "{refused}");

    let mut browser = owner.clone();
    let list = json(app.call::<GetForms>(&mut browser, &[]).await).await;
    assert_eq!(list[0]["name"], "New patient intake");
    assert_eq!(list[0]["version"], 5);
    assert_eq!(list[0]["questions"], 1);
}

#[tokio::test]
async fn a_wrong_row_is_named_and_nothing_is_saved() {
    let app = spawn_app().await;
    let org = app.org("Harbour Physio").await;
    let id = create(&app, &org.owner, "Consent to dry needling").await;
    let rows = [("", "single_choice", "Which side?", "Left"), ("", "", "", "")];
    let wrong = save(&app, &org.owner, id, &rows, &[], &[], "").await;
    assert_eq!(wrong.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = wrong.text().await.unwrap();
    assert!(body.contains("new.choices"), "{body}");
    assert_eq!(template(&app, &org.owner, id).await["version"], 0);
    // The same title twice is refused on the title.
    let mut owner = org.owner.clone();
    let twice = app
        .call::<CreateForm>(&mut owner, &[("name", "consent to dry needling")])
        .await;
    assert_eq!(twice.status(), StatusCode::CONFLICT);
    assert!(twice.text().await.unwrap().contains("Another form has this title"));
}

pub fn surface() -> Vec<crate::security::Entry> {
    use crate::security::{Caller::Staff, Entry, Ids, Input};
    use careops::domain::access::Action::ManageForms;
    vec![
        Entry::function::<GetForms>(Staff(ManageForms), Ids::None, |_| Input::none()),
        Entry::function::<CreateForm>(Staff(ManageForms), Ids::None, |t| {
            Input::form([("name", format!("Form {}", t.round))])
        })
        .writes(),
        Entry::function::<GetForm>(Staff(ManageForms), Ids::Org, |t| {
            Input::form([("id", t.side.form_template.to_string())])
        }),
        Entry::function::<SaveForm>(Staff(ManageForms), Ids::Org, |t| {
            Input::form([
                ("id", t.side.form_template.to_string()),
                ("name", "Intake".into()),
                ("key[]", String::new()),
                ("kind[]", "short_text".into()),
                ("label[]", format!("Question {}", t.round)),
                ("help[]", String::new()),
                ("choices[]", String::new()),
            ])
        })
        .writes(),
    ]
}
