//! Tenant isolation, twice over: every server function and API route refuses another
//! organization's ids, and row-level security hides every tenant row from a connection
//! that did not name its organization.

use crate::common::*;
use careops::app::{
    account::{RevokeApiToken, RevokeSession},
    settings::{GetAuditLog, GetBranch, ListBranches, UpdateBranch},
    staff::{GetStaff, GetStaffMember, InviteStaff, RevokeInvitation, SetStaffActive, UpdateStaffAccess},
    SwitchBranch,
};
use reqwest::{Method, StatusCode};
use sqlx::{Connection, Executor, Row};
use uuid::Uuid;

const TENANT_TABLES: &[&str] = &[
    "organizations",
    "branches",
    "users",
    "memberships",
    "sessions",
    "refresh_tokens",
    "recovery_codes",
    "invitations",
    "invitation_branches",
    "api_tokens",
    "audit_log",
];

/// Two organizations; B has a member, an open invitation, an API token and sessions.
struct World {
    app: TestApp,
    a: Org,
    b: Org,
    b_member: Member,
    b_invitation: Uuid,
    b_token: String,
    b_token_id: Uuid,
    b_session: Uuid,
}

async fn world() -> World {
    let app = spawn_app().await;
    let a = app.org("Clinic A").await;
    let b = app.org("Clinic B").await;
    let b_member = app.member(&b.owner, "receptionist", &[b.branch_id]).await;
    let mut owner = b.owner.clone();
    let response = app
        .call::<InviteStaff>(
            &mut owner,
            &[
                ("email", "pending@clinic-b.com"),
                ("role", "practitioner"),
                ("branches[]", &b.branch_id.to_string()),
            ],
        )
        .await;
    assert_eq!(response.status(), 200);
    let b_invitation = sqlx::query_scalar("select id from invitations where email = 'pending@clinic-b.com'")
        .fetch_one(&app.db)
        .await
        .unwrap();
    let b_token = app.api_token(&b.owner).await;
    let b_token_id = sqlx::query_scalar("select id from api_tokens where org_id = $1")
        .bind(b.id)
        .fetch_one(&app.db)
        .await
        .unwrap();
    let b_session = sqlx::query_scalar("select id from sessions where user_id = $1")
        .bind(b_member.id)
        .fetch_one(&app.db)
        .await
        .unwrap();
    World {
        app,
        a,
        b,
        b_member,
        b_invitation,
        b_token,
        b_token_id,
        b_session,
    }
}

#[tokio::test]
async fn every_server_function_refuses_another_organizations_ids() {
    let w = world().await;
    let app = &w.app;
    let mut a = w.a.owner.clone();
    let b_branch = w.b.branch_id.to_string();
    let b_member = w.b_member.id.to_string();

    // Reads of B's records by id: not found, never forbidden (ids leak nothing).
    let reads = [
        app.call::<GetBranch>(&mut a, &[("id", &b_branch)]).await,
        app.call::<GetStaffMember>(&mut a, &[("id", &b_member)]).await,
    ];
    for response in reads {
        assert_eq!(response.status(), StatusCode::NOT_FOUND);
    }

    // Writes to B's records: not found, and nothing changed.
    let writes = [
        app.call::<UpdateBranch>(
            &mut a,
            &[("id", &b_branch), ("name", "Taken over"), ("timezone", "Europe/London")],
        )
        .await,
        app.call::<UpdateStaffAccess>(&mut a, &[("id", &b_member), ("org_role", "admin")])
            .await,
        app.call::<SetStaffActive>(&mut a, &[("id", &b_member), ("active", "false")])
            .await,
        app.call::<RevokeInvitation>(&mut a, &[("id", &w.b_invitation.to_string())])
            .await,
        app.call::<RevokeSession>(&mut a, &[("id", &w.b_session.to_string())])
            .await,
        app.call::<RevokeApiToken>(&mut a, &[("id", &w.b_token_id.to_string())])
            .await,
    ];
    for response in writes {
        assert_eq!(response.status(), StatusCode::NOT_FOUND);
    }
    // Acting in B's branch: refused.
    let switch = app.call::<SwitchBranch>(&mut a, &[("branch_id", &b_branch)]).await;
    assert_eq!(switch.status(), StatusCode::FORBIDDEN);
    let invite = app
        .call::<InviteStaff>(
            &mut a,
            &[
                ("email", "spy@clinic-a.com"),
                ("role", "receptionist"),
                ("branches[]", &b_branch),
            ],
        )
        .await;
    assert_eq!(invite.status(), StatusCode::FORBIDDEN);

    let b_state: (String, bool, Option<chrono::DateTime<chrono::Utc>>, bool, bool, i64) = sqlx::query_as(
        "select (select name from branches where id = $1),
                (select is_active from users where id = $2),
                (select revoked_at from invitations where id = $3),
                (select revoked_at is null from sessions where id = $4),
                (select revoked_at is null from api_tokens where id = $5),
                (select count(*) from memberships where user_id = $2 and branch_id is null)",
    )
    .bind(w.b.branch_id)
    .bind(w.b_member.id)
    .bind(w.b_invitation)
    .bind(w.b_session)
    .bind(w.b_token_id)
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert_eq!(b_state, ("Harbour Street".into(), true, None, true, true, 0));

    // Lists show A's records only.
    let staff = json(app.call::<GetStaff>(&mut a, &[]).await).await;
    let emails: Vec<&str> = staff["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["email"].as_str().unwrap())
        .collect();
    assert_eq!(emails, [w.a.owner_email.as_str()]);
    let branches = json(app.call::<ListBranches>(&mut a, &[]).await).await;
    assert_eq!(branches.as_array().unwrap().len(), 1);
    assert_eq!(branches[0]["id"], w.a.branch_id.to_string());
    let audit = json(app.call::<GetAuditLog>(&mut a, &[]).await).await;
    for record in audit["records"].as_array().unwrap() {
        assert_ne!(
            record["actor_name"], "Grace Hopper",
            "B's member appears in A's audit log"
        );
    }
    assert!(!audit["actors"].to_string().contains(&w.b_member.id.to_string()));
}

#[tokio::test]
async fn every_api_route_refuses_another_organizations_ids() {
    let w = world().await;
    let app = &w.app;
    let a_token = app.api_token(&w.a.owner).await;
    let b_branch = format!("/api/v1/branches/{}", w.b.branch_id);

    let get = app.api(Method::GET, &b_branch, &a_token, None).send().await.unwrap();
    assert_eq!(get.status(), StatusCode::NOT_FOUND);
    let body = json(get).await;
    assert_eq!(body["status_code"], 404);

    let patch = app
        .api(Method::PATCH, &b_branch, &a_token, None)
        .json(&serde_json::json!({"name": "Taken over"}))
        .send()
        .await
        .unwrap();
    assert_eq!(patch.status(), StatusCode::NOT_FOUND);

    let in_b = app
        .api(Method::GET, "/api/v1/branches", &a_token, Some(w.b.branch_id))
        .send()
        .await
        .unwrap();
    assert_eq!(in_b.status(), StatusCode::FORBIDDEN);

    let staff = json(
        app.api(Method::GET, "/api/v1/staff", &a_token, None)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(staff.as_array().unwrap().len(), 1);
    let branches = json(
        app.api(Method::GET, "/api/v1/branches", &a_token, None)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(branches[0]["id"], w.a.branch_id.to_string());
    let me = json(
        app.api(Method::GET, "/api/v1/me", &w.b_token, None)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(me["org_id"], w.b.id.to_string());

    let name: String = sqlx::query_scalar("select name from branches where id = $1")
        .bind(w.b.branch_id)
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(name, "Harbour Street");
}

#[tokio::test]
async fn a_connection_without_the_tenant_setting_sees_no_tenant_rows() {
    let w = world().await;
    sqlx::query("insert into recovery_codes (org_id, user_id, code_hash) values ($1, $2, '\\x00')")
        .bind(w.a.id)
        .bind(w.a.owner_id)
        .execute(&w.app.db)
        .await
        .unwrap();
    let mut app_role = w.app.app_role_connection().await;

    for table in TENANT_TABLES {
        let owner_sees: i64 = sqlx::query_scalar(&format!("select count(*) from {table}"))
            .fetch_one(&w.app.db)
            .await
            .unwrap();
        let app_sees: i64 = sqlx::query_scalar(&format!("select count(*) from {table}"))
            .fetch_one(&mut app_role)
            .await
            .unwrap();
        assert!(owner_sees > 0, "{table} should have rows for this test");
        assert_eq!(app_sees, 0, "{table} leaks rows without app.org_id");
    }

    // Naming one organization shows that one's rows only.
    let mut tx = app_role.begin().await.unwrap();
    sqlx::query("select set_config('app.org_id', $1, true)")
        .bind(w.a.id.to_string())
        .execute(&mut *tx)
        .await
        .unwrap();
    let orgs: Vec<Uuid> = sqlx::query_scalar("select id from organizations")
        .fetch_all(&mut *tx)
        .await
        .unwrap();
    assert_eq!(orgs, [w.a.id]);
    let foreign: i64 = sqlx::query_scalar("select count(*) from users where org_id <> $1")
        .bind(w.a.id)
        .fetch_one(&mut *tx)
        .await
        .unwrap();
    assert_eq!(foreign, 0);
    // Writing into another organization is refused by the policy's check.
    let insert = sqlx::query("insert into branches (org_id, name, timezone) values ($1, 'Sneaky', 'UTC')")
        .bind(w.b.id)
        .execute(&mut *tx)
        .await;
    assert!(insert.is_err(), "a row for another organization was written");
}

#[tokio::test]
async fn the_app_role_is_no_superuser_no_owner_and_cannot_bypass_row_security() {
    let app = spawn_app().await;
    let mut conn = app.app_role_connection().await;

    let role = sqlx::query("select rolsuper, rolbypassrls from pg_roles where rolname = current_user")
        .fetch_one(&mut conn)
        .await
        .unwrap();
    assert!(!role.get::<bool, _>("rolsuper"));
    assert!(!role.get::<bool, _>("rolbypassrls"));
    let owned: i64 =
        sqlx::query_scalar("select count(*) from pg_tables where schemaname = 'public' and tableowner = current_user")
            .fetch_one(&mut conn)
            .await
            .unwrap();
    assert_eq!(owned, 0);
    let unprotected: Vec<String> = sqlx::query_scalar(
        "select relname::text from pg_class where relnamespace = 'public'::regnamespace and relkind = 'r'
           and not relrowsecurity and relname = any($1)",
    )
    .bind(TENANT_TABLES)
    .fetch_all(&mut conn)
    .await
    .unwrap();
    assert!(unprotected.is_empty(), "without row-level security: {unprotected:?}");
}

#[tokio::test]
async fn the_app_role_cannot_change_or_delete_the_audit_log() {
    let app = spawn_app().await;
    let org = app.org("Clinic").await;
    let mut conn = app.app_role_connection().await;
    let mut tx = conn.begin().await.unwrap();
    tx.execute(format!("select set_config('app.org_id', '{}', true)", org.id).as_str())
        .await
        .unwrap();
    let rows: i64 = sqlx::query_scalar("select count(*) from audit_log")
        .fetch_one(&mut *tx)
        .await
        .unwrap();
    assert!(rows > 0, "sign-up is in the audit log");

    let update = tx.execute("update audit_log set action = 'forged'").await;
    assert!(update.unwrap_err().to_string().contains("permission denied"));
    drop(tx);
    let mut tx = conn.begin().await.unwrap();
    tx.execute(format!("select set_config('app.org_id', '{}', true)", org.id).as_str())
        .await
        .unwrap();
    let delete = tx.execute("delete from audit_log").await;
    assert!(delete.unwrap_err().to_string().contains("permission denied"));
}
