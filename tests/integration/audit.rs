//! The audit log: every mutation and security event, who and where, with a diff; filters
//! and paging.

use crate::common::*;
use careops::app::{
    auth::LogIn,
    settings::{GetAuditLog, UpdateBranch},
};
use reqwest::StatusCode;

#[tokio::test]
async fn changes_and_security_events_are_recorded_with_who_where_and_what() {
    let app = spawn_app().await;
    let org = app.org("Clinic").await;
    let mut owner = org.owner.clone();
    app.log_in(&org.owner_email, "wrong-password-here").await;
    let response = app
        .call::<UpdateBranch>(
            &mut owner,
            &[
                ("id", &org.branch_id.to_string()),
                ("name", "Harbour Street"),
                ("phone", "+49 30 1234567"),
                ("timezone", "Europe/Berlin"),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);

    type Entry = (
        String,
        Option<uuid::Uuid>,
        Option<uuid::Uuid>,
        serde_json::Value,
        Option<String>,
    );
    let rows: Vec<Entry> =
        sqlx::query_as("select action, actor_user_id, branch_id, diff, ip from audit_log order by id")
            .fetch_all(&app.db)
            .await
            .unwrap();
    let actions: Vec<&str> = rows.iter().map(|r| r.0.as_str()).collect();
    assert_eq!(actions, ["auth.signed_up", "auth.login_failed", "branch.updated"]);
    let (_, actor, branch, diff, ip) = &rows[2];
    assert_eq!((*actor, *branch), (Some(org.owner_id), Some(org.branch_id)));
    assert_eq!(diff["before"]["phone"], "");
    assert_eq!(diff["after"]["phone"], "+49 30 1234567");
    assert!(diff["after"].get("name").is_none(), "unchanged fields are left out");
    assert_eq!(ip.as_deref(), Some("127.0.0.1"));
}

#[tokio::test]
async fn the_audit_page_filters_and_pages() {
    let app = spawn_app().await;
    let org = app.org("Clinic").await;
    let mut owner = org.owner.clone();
    for _ in 0..3 {
        let mut browser = Browser::default();
        app.call::<LogIn>(&mut browser, &[("email", &org.owner_email), ("password", PASSWORD)])
            .await;
    }
    sqlx::query(
        "insert into audit_log (org_id, actor_user_id, action, entity, created_at)
         select $1, $2, 'branch.switched', 'user', now() - make_interval(mins => n) from generate_series(1, 60) n",
    )
    .bind(org.id)
    .bind(org.owner_id)
    .execute(&app.db)
    .await
    .unwrap();

    let logins = json(
        app.call::<GetAuditLog>(&mut owner, &[("action", "auth.logged_in")])
            .await,
    )
    .await;
    assert_eq!(logins["records"].as_array().unwrap().len(), 3);
    assert!(logins["next_before"].is_null());

    let first = json(app.call::<GetAuditLog>(&mut owner, &[]).await).await;
    assert_eq!(first["records"].as_array().unwrap().len(), 50);
    let before = first["next_before"].as_i64().expect("there is an older page");
    let second = json(
        app.call::<GetAuditLog>(&mut owner, &[("before", &before.to_string())])
            .await,
    )
    .await;
    let second = second["records"].as_array().unwrap();
    assert_eq!(second.len(), 64 - 50);
    assert!(second.iter().all(|r| r["id"].as_i64().unwrap() < before));

    // Dates are the branch's (Europe/Berlin): from 23:00 UTC its day is already tomorrow.
    let today = chrono::Utc::now()
        .with_timezone(&chrono_tz::Europe::Berlin)
        .format("%Y-%m-%d")
        .to_string();
    let bad_date = app.call::<GetAuditLog>(&mut owner, &[("from", "yesterday")]).await;
    assert_eq!(bad_date.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let dated = json(
        app.call::<GetAuditLog>(&mut owner, &[("until", &today), ("action", "auth.signed_up")])
            .await,
    )
    .await;
    assert_eq!(dated["records"].as_array().unwrap().len(), 1);
}

pub fn surface() -> Vec<crate::security::Entry> {
    use crate::security::{Caller::Staff, Entry, Ids, Input};
    use careops::{app::settings::GetAuditLog, domain::access::Action::ViewAuditLog};
    vec![Entry::function::<GetAuditLog>(Staff(ViewAuditLog), Ids::None, |_| {
        Input::none()
    })]
}
