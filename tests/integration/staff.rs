//! Staff: invitations (single-use, expiring), access changes, deactivation, the list.

use crate::common::*;
use careops::app::{
    auth::{AcceptInvitation, GetInvitation},
    staff::{GetStaff, GetStaffMember, InviteStaff, SetStaffActive, UpdateStaffAccess},
    GetCurrentUser, SwitchBranch,
};
use reqwest::StatusCode;
use uuid::Uuid;

async fn invite(app: &TestApp, org: &Org, email: &str) -> String {
    let mut owner = org.owner.clone();
    let branch = org.branch_id.to_string();
    let response = app
        .call::<InviteStaff>(
            &mut owner,
            &[("email", email), ("role", "practitioner"), ("branches[]", &branch)],
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let url: String = response.json().await.unwrap();
    assert!(url.starts_with(&format!("{}/invite/", app.address)), "{url}");
    url.rsplit('/').next().unwrap().to_owned()
}

async fn accept(app: &TestApp, token: &str) -> (reqwest::Response, Browser) {
    let mut browser = Browser::default();
    let response = app
        .call::<AcceptInvitation>(
            &mut browser,
            &[("token", token), ("full_name", "Mary Seacole"), ("password", PASSWORD)],
        )
        .await;
    (response, browser)
}

#[tokio::test]
async fn an_invitation_link_works_once_and_gives_the_invited_role() {
    let app = spawn_app().await;
    let org = app.org("Clinic").await;
    let token = invite(&app, &org, "Mary@Clinic.com").await;

    let mut anyone = Browser::default();
    let shown = json(app.call::<GetInvitation>(&mut anyone, &[("token", &token)]).await).await;
    assert_eq!(
        shown,
        serde_json::json!({"org_name": "Clinic", "email": "mary@clinic.com"})
    );

    let (response, mut mary) = accept(&app, &token).await;
    assert_eq!(response.status(), StatusCode::OK);
    let me = json(app.call::<GetCurrentUser>(&mut mary, &[]).await).await;
    assert_eq!(me["branch"]["role"], "practitioner");
    assert_eq!(me["branch"]["id"], org.branch_id.to_string());

    let (again, _) = accept(&app, &token).await;
    assert_eq!(again.status(), StatusCode::NOT_FOUND, "the link is single-use");
    let (forged, _) = accept(&app, "not-a-real-token").await;
    assert_eq!(forged.status(), StatusCode::NOT_FOUND);
    let users: i64 = sqlx::query_scalar("select count(*) from users where email = 'mary@clinic.com'")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(users, 1);
}

#[tokio::test]
async fn an_expired_or_replaced_invitation_is_refused() {
    let app = spawn_app().await;
    let org = app.org("Clinic").await;
    let expired = invite(&app, &org, "late@clinic.com").await;
    sqlx::query("update invitations set expires_at = now() - interval '1 minute'")
        .execute(&app.db)
        .await
        .unwrap();
    let (response, _) = accept(&app, &expired).await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    assert!(json(response).await["NotFound"]
        .as_str()
        .unwrap()
        .contains("Ask for a new one"));

    let first = invite(&app, &org, "twice@clinic.com").await;
    let second = invite(&app, &org, "twice@clinic.com").await;
    assert_eq!(
        accept(&app, &first).await.0.status(),
        StatusCode::NOT_FOUND,
        "re-inviting replaces the link"
    );
    assert_eq!(accept(&app, &second).await.0.status(), StatusCode::OK);
}

#[tokio::test]
async fn an_invitation_needs_a_valid_email_and_a_new_person() {
    let app = spawn_app().await;
    let org = app.org("Clinic").await;
    let mut owner = org.owner.clone();
    let branch = org.branch_id.to_string();

    let bad = app
        .call::<InviteStaff>(
            &mut owner,
            &[("email", "nope"), ("role", "practitioner"), ("branches[]", &branch)],
        )
        .await;
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let no_branch = app
        .call::<InviteStaff>(&mut owner, &[("email", "a@clinic.com"), ("role", "practitioner")])
        .await;
    assert_eq!(no_branch.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let existing = app
        .call::<InviteStaff>(
            &mut owner,
            &[
                ("email", &org.owner_email),
                ("role", "practitioner"),
                ("branches[]", &branch),
            ],
        )
        .await;
    assert_eq!(existing.status(), StatusCode::CONFLICT);
    let unknown_branch = Uuid::new_v4().to_string();
    let nowhere = app
        .call::<InviteStaff>(
            &mut owner,
            &[
                ("email", "b@clinic.com"),
                ("role", "practitioner"),
                ("branches[]", &unknown_branch),
            ],
        )
        .await;
    assert_eq!(nowhere.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn deactivation_ends_the_members_sessions_at_once() {
    let app = spawn_app().await;
    let org = app.org("Clinic").await;
    let member = app.member(&org.owner, "receptionist", &[org.branch_id]).await;
    let mut browser = member.browser.clone();
    assert_eq!(
        app.call::<GetCurrentUser>(&mut browser, &[]).await.status(),
        StatusCode::OK
    );

    let mut owner = org.owner.clone();
    let id = member.id.to_string();
    let response = app
        .call::<SetStaffActive>(&mut owner, &[("id", &id), ("active", "false")])
        .await;
    assert_eq!(response.status(), StatusCode::OK);

    // The access token is still a valid JWT, yet the next request is refused.
    assert_eq!(
        app.call::<GetCurrentUser>(&mut browser, &[]).await.status(),
        StatusCode::UNAUTHORIZED
    );
    let (login, _) = app.log_in(&member.email, PASSWORD).await;
    assert_eq!(login.status(), StatusCode::UNAUTHORIZED);

    let response = app
        .call::<SetStaffActive>(&mut owner, &[("id", &id), ("active", "true")])
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let (login, _) = app.log_in(&member.email, PASSWORD).await;
    assert_eq!(login.status(), StatusCode::OK);
}

#[tokio::test]
async fn access_changes_take_effect_and_the_staff_list_shows_them() {
    let app = spawn_app().await;
    let org = app.org("Clinic").await;
    let mut owner = org.owner.clone();
    let second = app.branch(&org, "Annex", "America/New_York").await;
    let member = app.member(&org.owner, "receptionist", &[org.branch_id]).await;
    let id = member.id.to_string();

    let response = app
        .call::<UpdateStaffAccess>(
            &mut owner,
            &[
                ("id", &id),
                ("roles[0][branch]", &org.branch_id.to_string()),
                ("roles[0][role]", ""),
                ("roles[1][branch]", &second.to_string()),
                ("roles[1][role]", "practitioner"),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let mut browser = member.browser.clone();
    let me = json(app.call::<GetCurrentUser>(&mut browser, &[]).await).await;
    assert_eq!(me["branches"].as_array().unwrap().len(), 1);
    assert_eq!(me["branch"]["name"], "Annex");
    assert_eq!(me["branch"]["role"], "practitioner");
    // The old branch is out of reach now.
    let switch = app
        .call::<SwitchBranch>(&mut browser, &[("branch_id", &org.branch_id.to_string())])
        .await;
    assert_eq!(switch.status(), StatusCode::FORBIDDEN);

    let detail = json(app.call::<GetStaffMember>(&mut owner, &[("id", &id)]).await).await;
    assert_eq!(detail["editable"], serde_json::json!({"Ok": null}));
    let staff = json(app.call::<GetStaff>(&mut owner, &[]).await).await;
    let row = staff["members"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["email"] == member.email.as_str())
        .unwrap()
        .clone();
    assert_eq!(row["access"][0]["branch_name"], "Annex");
    assert_eq!(row["two_factor"], false);
    assert!(row["last_login_at"].is_string(), "last sign-in is shown");
    let change: String = sqlx::query_scalar("select diff::text from audit_log where action = 'staff.access_changed'")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert!(
        change.contains("Harbour Street") && change.contains("Annex"),
        "{change}"
    );
}

#[tokio::test]
async fn the_branch_choice_persists_per_user() {
    let app = spawn_app().await;
    let org = app.org("Clinic").await;
    let mut owner = org.owner.clone();
    let annex = app.branch(&org, "Annex", "America/New_York").await;

    let response = app
        .call::<SwitchBranch>(&mut owner, &[("branch_id", &annex.to_string())])
        .await;
    assert_eq!(response.status(), StatusCode::OK);

    // A new sign-in, another device: the same branch.
    let (_, mut elsewhere) = app.log_in(&org.owner_email, PASSWORD).await;
    let me = json(app.call::<GetCurrentUser>(&mut elsewhere, &[]).await).await;
    assert_eq!(me["branch"]["id"], annex.to_string());
    assert_eq!(me["branches"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn an_admin_of_one_branch_cannot_change_a_branch_where_they_are_a_receptionist() {
    let app = spawn_app().await;
    let org = app.org("Clinic").await;
    let mut owner = org.owner.clone();
    let annex = app.branch(&org, "Annex", "America/New_York").await;
    let member = app.member(&org.owner, "receptionist", &[org.branch_id, annex]).await;
    let response = app
        .call::<UpdateStaffAccess>(
            &mut owner,
            &[
                ("id", &member.id.to_string()),
                ("roles[0][branch]", &org.branch_id.to_string()),
                ("roles[0][role]", "admin"),
                ("roles[1][branch]", &annex.to_string()),
                ("roles[1][role]", "receptionist"),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let mut browser = member.browser.clone();
    let response = app
        .call::<SwitchBranch>(&mut browser, &[("branch_id", &org.branch_id.to_string())])
        .await;
    assert_eq!(response.status(), StatusCode::OK);

    let edit = |id: Uuid, name: &'static str| {
        let app = &app;
        let mut browser = browser.clone();
        async move {
            app.call::<careops::app::settings::UpdateBranch>(
                &mut browser,
                &[("id", &id.to_string()), ("name", name), ("timezone", "Europe/London")],
            )
            .await
            .status()
        }
    };
    // Where they administer: allowed. Where they receive patients: refused, and unchanged.
    assert_eq!(edit(org.branch_id, "Main Street").await, StatusCode::OK);
    assert_eq!(edit(annex, "Taken Over").await, StatusCode::FORBIDDEN);
    let name: String = sqlx::query_scalar("select name from branches where id = $1")
        .bind(annex)
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(name, "Annex");
}

#[tokio::test]
async fn nobody_changes_their_own_access_and_admins_cannot_touch_the_owner() {
    let app = spawn_app().await;
    let org = app.org("Clinic").await;
    let subject = app.member(&org.owner, "receptionist", &[org.branch_id]).await;
    let mut owner = org.owner.clone();
    let mut admin = app.member(&org.owner, "admin", &[]).await.browser;
    let owner_id = org.owner_id.to_string();
    let branch = org.branch_id.to_string();

    let own = app
        .call::<UpdateStaffAccess>(
            &mut owner,
            &[
                ("id", &owner_id),
                ("roles[0][branch]", &branch),
                ("roles[0][role]", "receptionist"),
            ],
        )
        .await;
    assert_eq!(own.status(), StatusCode::FORBIDDEN);
    let deactivate_owner = app
        .call::<SetStaffActive>(&mut admin, &[("id", &owner_id), ("active", "false")])
        .await;
    assert_eq!(deactivate_owner.status(), StatusCode::FORBIDDEN);
    let make_admin = app
        .call::<UpdateStaffAccess>(&mut admin, &[("id", &subject.id.to_string()), ("org_role", "admin")])
        .await;
    assert_eq!(make_admin.status(), StatusCode::FORBIDDEN);
    let invite_admin = app
        .call::<InviteStaff>(&mut admin, &[("email", "boss@clinic.com"), ("role", "admin")])
        .await;
    assert_eq!(invite_admin.status(), StatusCode::FORBIDDEN);

    let (active, roles): (bool, i64) = sqlx::query_as(
        "select is_active, (select count(*) from memberships where user_id = u.id and role = 'owner') from users u where id = $1",
    )
    .bind(org.owner_id)
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert_eq!((active, roles), (true, 1));
}

/// The staff list, invitations and each member's access.
pub fn surface() -> Vec<crate::security::Entry> {
    use crate::security::{Caller::Staff, Entry, Ids, Input};
    use careops::{
        app::staff::RevokeInvitation,
        domain::access::Action::{ManageStaff, ViewStaff},
    };
    use reqwest::Method;
    vec![
        Entry::function::<GetStaff>(Staff(ViewStaff), Ids::None, |_| Input::none()),
        Entry::function::<InviteStaff>(Staff(ManageStaff), Ids::Branch, |t| {
            Input::form([
                ("email", unique_email()),
                ("role", "receptionist".into()),
                ("branches[]", t.side.branch.to_string()),
            ])
        })
        .writes(),
        Entry::function::<RevokeInvitation>(Staff(ManageStaff), Ids::Org, |t| {
            Input::form([("id", t.spare().invitation.to_string())])
        })
        .writes(),
        Entry::function::<GetStaffMember>(Staff(ManageStaff), Ids::Org, |t| {
            Input::form([("id", t.side.member.to_string())])
        }),
        Entry::function::<UpdateStaffAccess>(Staff(ManageStaff), Ids::Org, |t| {
            let role = if t.round % 2 == 0 {
                "practitioner"
            } else {
                "receptionist"
            };
            Input::form([
                ("id", t.side.member.to_string()),
                ("roles[0][branch]", t.side.branch.to_string()),
                ("roles[0][role]", role.into()),
            ])
        })
        .writes(),
        Entry::function::<SetStaffActive>(Staff(ManageStaff), Ids::Org, |t| {
            Input::form([
                ("id", t.side.member.to_string()),
                ("active", (t.round % 2 == 1).to_string()),
            ])
        })
        .writes(),
        Entry::route(Method::GET, "/api/v1/staff", Staff(ViewStaff), Ids::None, |_| {
            Input::none()
        }),
    ]
}
