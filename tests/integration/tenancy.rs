//! Tenant isolation beyond the generic walk of `security.rs` (which calls every server
//! function and route with another organization's ids): ids of two organizations mixed
//! in one request, lists, the API's branch header, and row-level security hiding every
//! tenant row from a connection that did not name its organization.

use crate::common::*;
use careops::app::{
    settings::{GetAuditLog, ListBranches},
    staff::{GetStaff, InviteStaff, UpdateStaffAccess},
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
    "rooms",
    "resources",
    "services",
    "service_practitioners",
    "working_hours",
    "time_off",
    "branch_closures",
    "patients",
    "appointment_series",
    "appointments",
    "appointment_resources",
    "messages",
    "messaging_settings",
    "webhook_receipts",
    "message_templates",
    "password_resets",
    "portal_requests",
    "patient_imports",
    "visits",
    "visit_note_addenda",
    "visit_services",
    "visit_materials",
    "invoice_settings",
    "invoice_series",
    "invoices",
    "invoice_lines",
    "payments",
    "payment_allocations",
    "refunds",
    "api_idempotency_keys",
    "inventory_items",
    "stock_movements",
    "stock_alerts",
    "service_materials",
    "form_templates",
    "form_versions",
    "service_forms",
    "form_submissions",
];

/// Two organizations; B has a member, an open invitation, an API token and sessions.
struct World {
    app: TestApp,
    a: Org,
    b: Org,
    b_token: String,
}

async fn world() -> World {
    let app = spawn_app().await;
    let a = app.org("Clinic A").await;
    let b = app.org("Clinic B").await;
    app.member(&b.owner, "receptionist", &[b.branch_id]).await;
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
    let b_token = app.api_token(&b.owner).await;
    World { app, a, b, b_token }
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
    b_schedule(&w.app, &w.b).await;
    sqlx::query(
        "with r as (insert into resources (org_id, branch_id, name, kind) values ($1, $2, 'Ultrasound', 'ultrasound') returning id)
         insert into appointment_resources (org_id, appointment_id, resource_id, blocked)
         select $1, a.id, r.id, a.blocked from r, appointments a where a.org_id = $1 limit 1",
    )
    .bind(w.b.id)
    .bind(w.b.branch_id)
    .execute(&w.app.db)
    .await
    .unwrap();
    sqlx::query(
        "with s as (insert into appointment_series (org_id, branch_id, rule, first_start_local, timezone)
                    values ($1, $2, '{}', now(), 'UTC') returning id)
         insert into service_practitioners (org_id, service_id, user_id) select $1, (select id from services where org_id = $1), $3",
    )
    .bind(w.b.id)
    .bind(w.b.branch_id)
    .bind(w.b.owner_id)
    .execute(&w.app.db)
    .await
    .unwrap();
    sqlx::query(
        "with a as (select id, branch_id, patient_id from appointments where org_id = $1 limit 1),
              o as (insert into messages (org_id, branch_id, patient_id, appointment_id, kind, channel, recipient, body)
                    select $1, a.branch_id, a.patient_id, a.id, 'booking_confirmation', 'email', 'ada@example.com', 'Hello'
                    from a),
              r as (insert into portal_requests (org_id, key, appointment_id)
                    select $1, 'key-0123456789abcdef', a.id from a),
              s as (insert into messaging_settings (org_id, sender_email) values ($1, 'desk@clinic-b.com')),
              w as (insert into webhook_receipts (org_id, provider, receipt_id) values ($1, 'twilio', 'SM1:delivered')),
              t as (insert into message_templates (org_id, kind, channel, body) values ($1, 'reminder', 'sms', 'See you {when}')),
              pr as (insert into password_resets (org_id, user_id, token_hash, expires_at)
                     values ($1, $2, '\\x01', now() + interval '1 hour'))
         insert into patient_imports (org_id, created_by, rows) values ($1, $2, '[]')",
    )
    .bind(w.b.id)
    .bind(w.b.owner_id)
    .execute(&w.app.db)
    .await
    .unwrap();
    sqlx::query(
        "with a as (select id, branch_id, patient_id, practitioner_id, service_id from appointments where org_id = $1 limit 1),
              v as (insert into visits (appointment_id, org_id, branch_id, patient_id, practitioner_id, completed_at)
                    select id, $1, branch_id, patient_id, practitioner_id, now() from a returning appointment_id),
              s as (insert into visit_services (org_id, appointment_id, service_id, unit_price_minor)
                    select $1, v.appointment_id, a.service_id, 100 from v, a),
              m as (insert into visit_materials (org_id, appointment_id, description, quantity)
                    select $1, appointment_id, 'Needles', 1 from v)
         insert into visit_note_addenda (org_id, appointment_id, author_id, body) select $1, appointment_id, $2, 'Later' from v",
    )
    .bind(w.b.id)
    .bind(w.b.owner_id)
    .execute(&w.app.db)
    .await
    .unwrap();
    sqlx::query(
        "with a as (select id, branch_id, patient_id from appointments where org_id = $1 limit 1),
              i as (insert into invoices (org_id, branch_id, patient_id, currency, tax_mode, created_by)
                    select $1, branch_id, patient_id, 'EUR', 'exclusive', $2 from a returning id),
              l as (insert into invoice_lines (org_id, invoice_id, position, description, quantity, unit_price_minor)
                    select $1, id, 1, 'Treatment', 1, 100 from i),
              s as (insert into invoice_settings (org_id) values ($1)),
              se as (insert into invoice_series (org_id, kind, year, next_number) values ($1, 'invoice', 2026, 1)),
              p as (insert into payments (org_id, branch_id, patient_id, method, amount_minor, idempotency_key)
                    select $1, branch_id, patient_id, 'cash', 100, gen_random_uuid() from a returning id),
              pa as (insert into payment_allocations (org_id, payment_id, invoice_id, amount_minor)
                     select $1, p.id, i.id, 100 from p, i)
         insert into refunds (org_id, payment_id, amount_minor, method, reason) select $1, id, 1, 'cash', 'x' from p",
    )
    .bind(w.b.id)
    .bind(w.b.owner_id)
    .execute(&w.app.db)
    .await
    .unwrap();
    sqlx::query("insert into recovery_codes (org_id, user_id, code_hash) values ($1, $2, '\\x00')")
        .bind(w.a.id)
        .bind(w.a.owner_id)
        .execute(&w.app.db)
        .await
        .unwrap();
    // B's token sent a POST with an Idempotency-Key.
    sqlx::query(
        "insert into api_idempotency_keys (org_id, token_id, key, fingerprint)
         select org_id, id, 'first', '\\x00' from api_tokens where org_id = $1 limit 1",
    )
    .bind(w.b.id)
    .execute(&w.app.db)
    .await
    .unwrap();
    sqlx::query(
        "with i as (insert into inventory_items (org_id, name) values ($1, 'Needles') returning id)
         insert into stock_movements (org_id, item_id, branch_id, kind, quantity, balance_after, unit_cost_minor, recorded_by, seq)
         select $1, id, $2, 'receive', 10, 0, 5, $3, 0 from i",
    )
    .bind(w.b.id)
    .bind(w.b.branch_id)
    .bind(w.b.owner_id)
    .execute(&w.app.db)
    .await
    .unwrap();
    sqlx::query(
        "insert into stock_alerts (org_id, item_id, branch_id, on_hand)
         select org_id, id, $2, 0 from inventory_items where org_id = $1",
    )
    .bind(w.b.id)
    .bind(w.b.branch_id)
    .execute(&w.app.db)
    .await
    .unwrap();
    sqlx::query(
        "insert into service_materials (org_id, service_id, item_id, quantity)
         select s.org_id, s.id, i.id, 1 from services s join inventory_items i on i.org_id = s.org_id
         where s.org_id = $1 limit 1",
    )
    .bind(w.b.id)
    .execute(&w.app.db)
    .await
    .unwrap();
    sqlx::query(
        "with t as (insert into form_templates (org_id, name, version) values ($1, 'Intake', 1) returning org_id, id),
              v as (insert into form_versions (org_id, template_id, version, name, fields, created_by)
                    select org_id, id, 1, 'Intake', '[]', $2 from t)
         insert into service_forms (org_id, service_id, template_id)
         select t.org_id, s.id, t.id from t join services s on s.org_id = t.org_id limit 1",
    )
    .bind(w.b.id)
    .bind(w.b.owner_id)
    .execute(&w.app.db)
    .await
    .unwrap();
    sqlx::query(
        "insert into form_submissions (org_id, branch_id, patient_id, template_id, version, expires_at)
         select t.org_id, $2, p.id, t.id, 1, now() + interval '1 day'
         from form_templates t join patients p on p.org_id = t.org_id where t.org_id = $1 limit 1",
    )
    .bind(w.b.id)
    .bind(w.b.branch_id)
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
    // The patient search runs as the table owner, yet answers only in the organization set.
    let b_patients: i64 = sqlx::query_scalar(
        "select count(*) from patient_search($1, '', '', '00000000-0000-0000-0000-000000000000', 50, false)",
    )
    .bind(w.b.id)
    .fetch_one(&mut *tx)
    .await
    .unwrap();
    assert_eq!(b_patients, 0, "patient_search crossed into another organization");
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

    // A table added later with an org_id column must be in the list (and so protected).
    let with_org_id: Vec<String> = sqlx::query_scalar(
        "select table_name::text from information_schema.columns
          where table_schema = 'public' and column_name = 'org_id' order by 1",
    )
    .fetch_all(&mut conn)
    .await
    .unwrap();
    let unlisted: Vec<&String> = with_org_id
        .iter()
        .filter(|t| !TENANT_TABLES.contains(&t.as_str()))
        .collect();
    assert!(
        unlisted.is_empty(),
        "tenant tables missing from TENANT_TABLES: {unlisted:?}"
    );

    // The job queue's tables name every organization's messages: out of the app's reach.
    let queue = sqlx::query("select count(*) from graphile_worker._private_jobs")
        .fetch_one(&mut conn)
        .await;
    assert!(queue.is_err(), "the application role reads the job queue");
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
    drop(tx);

    // Nor indirectly: deleting the organization would cascade to its audit rows.
    let mut tx = conn.begin().await.unwrap();
    tx.execute(format!("select set_config('app.org_id', '{}', true)", org.id).as_str())
        .await
        .unwrap();
    let delete = tx.execute("delete from organizations").await;
    assert!(delete.unwrap_err().to_string().contains("permission denied"));
    drop(tx);
    let kept: i64 = sqlx::query_scalar("select count(*) from audit_log where org_id = $1")
        .bind(org.id)
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(kept, rows);
}

/// Organization B's scheduling records: an appointment, a room, time off and a closure.
struct BSchedule {
    appointment: String,
    service: String,
    room: String,
    practitioner: String,
    patient: String,
    time_off: String,
    closure: String,
}

async fn b_schedule(app: &TestApp, b: &Org) -> BSchedule {
    use careops::app::settings::{AddClosure, AddTimeOff};
    let s = app.schedule(b).await;
    assert_eq!(
        app.book(&b.owner, &s, s.monday, "09:00", &[]).await.status(),
        StatusCode::OK
    );
    let mut owner = b.owner.clone();
    let (from, until) = (format!("{}T12:00", s.monday), format!("{}T13:00", s.monday));
    let owner_id = b.owner_id.to_string();
    app.call::<AddTimeOff>(
        &mut owner,
        &[("user_id", &owner_id), ("from", &from), ("until", &until)],
    )
    .await;
    app.call::<AddClosure>(
        &mut owner,
        &[("day", &(s.monday + chrono::Duration::days(2)).to_string())],
    )
    .await;
    let one = |sql: &'static str| {
        let db = app.db.clone();
        let org = b.id;
        async move {
            sqlx::query_scalar::<_, Uuid>(sql)
                .bind(org)
                .fetch_one(&db)
                .await
                .unwrap()
                .to_string()
        }
    };
    BSchedule {
        appointment: one("select id from appointments where org_id = $1").await,
        service: one("select id from services where org_id = $1").await,
        room: one("select id from rooms where org_id = $1").await,
        practitioner: b.owner_id.to_string(),
        patient: one("select id from patients where org_id = $1").await,
        time_off: one("select id from time_off where org_id = $1").await,
        closure: one("select id from branch_closures where org_id = $1").await,
    }
}

#[tokio::test]
async fn every_scheduling_function_refuses_another_organizations_ids() {
    use careops::app::{
        calendar::{
            CancelAppointment, CreateAppointment, GetAppointment, GetBookingOptions, GetCalendar,
            RescheduleAppointment, SetAppointmentStatus,
        },
        settings::{AddTimeOff, SaveHours, SavePlace, SaveService},
    };
    let app = spawn_app().await;
    let a = app.org("Clinic A").await;
    let b = app.org("Clinic B").await;
    let sa = app.schedule(&a).await;
    let theirs = b_schedule(&app, &b).await;
    let mut owner = a.owner.clone();
    let date = sa.monday.to_string();
    let (a_practitioner, a_service) = (sa.practitioner.to_string(), sa.service.to_string());

    let not_found = [
        app.call::<GetAppointment>(&mut owner, &[("id", &theirs.appointment)])
            .await,
        app.call::<RescheduleAppointment>(
            &mut owner,
            &[("id", &theirs.appointment), ("date", &date), ("time", "11:00")],
        )
        .await,
        app.call::<CancelAppointment>(&mut owner, &[("id", &theirs.appointment), ("reason", "mine now")])
            .await,
        app.call::<SetAppointmentStatus>(&mut owner, &[("id", &theirs.appointment), ("status", "arrived")])
            .await,
        // Booking with any of B's records.
        app.call::<CreateAppointment>(
            &mut owner,
            &[
                ("patient_id", &theirs.patient),
                ("practitioner_id", &a_practitioner),
                ("service_id", &a_service),
                ("date", &date),
                ("time", "09:00"),
            ],
        )
        .await,
        app.call::<CreateAppointment>(
            &mut owner,
            &[
                ("new_patient_name", "X Y"),
                ("new_patient_phone", "+44 20 7946 0958"),
                ("practitioner_id", &theirs.practitioner),
                ("service_id", &a_service),
                ("date", &date),
                ("time", "09:00"),
            ],
        )
        .await,
        app.call::<CreateAppointment>(
            &mut owner,
            &[
                ("new_patient_name", "X Y"),
                ("new_patient_phone", "+44 20 7946 0958"),
                ("practitioner_id", &a_practitioner),
                ("service_id", &theirs.service),
                ("date", &date),
                ("time", "09:00"),
            ],
        )
        .await,
        app.call::<CreateAppointment>(
            &mut owner,
            &[
                ("new_patient_name", "X Y"),
                ("new_patient_phone", "+44 20 7946 0958"),
                ("practitioner_id", &a_practitioner),
                ("service_id", &a_service),
                ("room_id", &theirs.room),
                ("date", &date),
                ("time", "09:00"),
            ],
        )
        .await,
        app.call::<SaveService>(
            &mut owner,
            &[
                ("id", &theirs.service),
                ("name", "Taken"),
                ("duration_minutes", "30"),
                ("price", "1"),
                ("colour", "#000000"),
            ],
        )
        .await,
        app.call::<SavePlace>(
            &mut owner,
            &[
                ("what", "room"),
                ("id", &theirs.room),
                ("name", "Taken"),
                ("kind", "treatment"),
            ],
        )
        .await,
        app.call::<SaveHours>(
            &mut owner,
            &[
                ("user_id", &theirs.practitioner),
                ("intervals[0][weekday]", "1"),
                ("intervals[0][starts]", "00:00"),
                ("intervals[0][ends]", "23:00"),
            ],
        )
        .await,
        app.call::<AddTimeOff>(
            &mut owner,
            &[
                ("user_id", &theirs.practitioner),
                ("from", "2030-01-01T08:00"),
                ("until", "2030-01-02T08:00"),
            ],
        )
        .await,
        app.call::<careops::app::settings::RemoveTimeOff>(&mut owner, &[("id", &theirs.time_off)])
            .await,
        app.call::<careops::app::settings::RemoveClosure>(&mut owner, &[("id", &theirs.closure)])
            .await,
    ];
    for (n, response) in not_found.into_iter().enumerate() {
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "call {n}");
    }

    // A's lists show none of B's.
    let calendar = json(app.call::<GetCalendar>(&mut owner, &[("date", &date)]).await).await;
    assert!(!calendar.to_string().contains(&theirs.appointment));
    assert!(!calendar.to_string().contains(&theirs.practitioner));
    let found = json(app.call::<GetBookingOptions>(&mut owner, &[("query", "Ada")]).await).await["patients"].clone();
    assert!(found
        .as_array()
        .unwrap()
        .iter()
        .all(|p| p["id"] != theirs.patient.as_str()));

    // B's records are as they were.
    let state: (String, String, i64, i64, i64) = sqlx::query_as(
        "select (select status from appointments where id = $1::uuid), (select name from services where id = $2::uuid),
                (select count(*) from time_off where id = $3::uuid), (select count(*) from branch_closures where id = $4::uuid),
                (select count(*) from working_hours where user_id = $5::uuid and starts = '00:00')",
    )
    .bind(&theirs.appointment)
    .bind(&theirs.service)
    .bind(&theirs.time_off)
    .bind(&theirs.closure)
    .bind(&theirs.practitioner)
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert_eq!(state, ("scheduled".into(), "Physiotherapy".into(), 1, 1, 0));
}

#[tokio::test]
async fn appointments_of_another_branch_are_not_found_there() {
    use careops::app::{
        calendar::{CancelAppointment, GetAppointment, GetCalendar, RescheduleAppointment, SetAppointmentStatus},
        home::GetToday,
        patients::GetPatient,
        settings::{AddTimeOff, RemoveTimeOff, SaveHours},
    };
    let app = spawn_app().await;
    let org = app.org("Clinic").await;
    let s = app.schedule(&org).await;
    app.book(&org.owner, &s, s.monday, "09:00", &[]).await;
    let appointment: String = sqlx::query_scalar::<_, Uuid>("select id from appointments")
        .fetch_one(&app.db)
        .await
        .unwrap()
        .to_string();
    let mut owner = org.owner.clone();
    let annex = app.branch(&org, "Annex", "Europe/Paris").await;
    let annex_reception = app.member(&org.owner, "receptionist", &[annex]).await;
    let mut reception = annex_reception.browser.clone();

    assert_eq!(
        app.call::<GetAppointment>(&mut reception, &[("id", &appointment)])
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    let cancel = app
        .call::<CancelAppointment>(&mut reception, &[("id", &appointment), ("reason", "x")])
        .await;
    assert_eq!(cancel.status(), StatusCode::NOT_FOUND);
    let monday = s.monday.to_string();
    let writes = [
        app.call::<RescheduleAppointment>(
            &mut reception,
            &[("id", &appointment), ("date", &monday), ("time", "11:00")],
        )
        .await,
        app.call::<SetAppointmentStatus>(&mut reception, &[("id", &appointment), ("status", "arrived")])
            .await,
    ];
    for (n, response) in writes.into_iter().enumerate() {
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "write {n}");
    }
    // The annex's lists hold none of the main branch's appointments.
    let week = json(
        app.call::<GetCalendar>(&mut reception, &[("date", &monday), ("view", "week")])
            .await,
    )
    .await;
    assert!(!week.to_string().contains(&appointment), "{week}");
    let today = json(app.call::<GetToday>(&mut reception, &[]).await).await;
    assert!(!today.to_string().contains(&appointment));
    // The patient is the organization's; the appointment and its messages are the main
    // branch's, and not on the profile the annex sees.
    let patient: Uuid = sqlx::query_scalar("select patient_id from appointments")
        .fetch_one(&app.db)
        .await
        .unwrap();
    sqlx::query(
        "insert into messages (org_id, branch_id, patient_id, appointment_id, kind, channel, recipient, body)
         select org_id, branch_id, patient_id, id, 'booking_confirmation', 'sms', '+44 20 7946 0958', 'Booked'
         from appointments",
    )
    .execute(&app.db)
    .await
    .unwrap();
    let id = patient.to_string();
    let here = json(app.call::<GetPatient>(&mut owner, &[("id", &id)]).await).await;
    assert_eq!(here["appointments"].as_array().unwrap().len(), 1);
    assert_eq!(here["messages"].as_array().unwrap().len(), 1);
    let there = json(app.call::<GetPatient>(&mut reception, &[("id", &id)]).await).await;
    assert_eq!(there["patient"]["id"], id.as_str());
    assert_eq!(there["appointments"], serde_json::json!([]));
    assert_eq!(there["messages"], serde_json::json!([]));
    let (status, starts): (String, String) =
        sqlx::query_as("select status, to_char(starts_at at time zone 'Europe/Berlin', 'HH24:MI') from appointments")
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert_eq!((status.as_str(), starts.as_str()), ("scheduled", "09:00"), "not moved");

    // An annex administrator manages the annex's schedules, not the main branch's people.
    let annex_admin = app.member(&org.owner, "admin", &[annex]).await;
    let mut admin = annex_admin.browser.clone();
    // The owner works everywhere (organization-wide); this practitioner only at the main branch.
    let main_practitioner = app
        .member(&org.owner, "practitioner", &[org.branch_id])
        .await
        .id
        .to_string();
    let time_off: Uuid = {
        let mut owner = org.owner.clone();
        let response = app
            .call::<AddTimeOff>(
                &mut owner,
                &[
                    ("user_id", &main_practitioner),
                    ("from", "2030-01-01T08:00"),
                    ("until", "2030-01-02T08:00"),
                ],
            )
            .await;
        assert_eq!(response.status(), StatusCode::OK);
        sqlx::query_scalar("select id from time_off")
            .fetch_one(&app.db)
            .await
            .unwrap()
    };
    let writes = [
        app.call::<AddTimeOff>(
            &mut admin,
            &[
                ("user_id", &main_practitioner),
                ("from", "2030-02-01T08:00"),
                ("until", "2030-02-02T08:00"),
            ],
        )
        .await,
        app.call::<RemoveTimeOff>(&mut admin, &[("id", &time_off.to_string())])
            .await,
        app.call::<SaveHours>(
            &mut admin,
            &[
                ("user_id", &main_practitioner),
                ("intervals[0][weekday]", "1"),
                ("intervals[0][starts]", "00:00"),
                ("intervals[0][ends]", "23:00"),
            ],
        )
        .await,
    ];
    for (n, response) in writes.into_iter().enumerate() {
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "schedule write {n}");
    }
    let time_offs: i64 = sqlx::query_scalar("select count(*) from time_off")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(time_offs, 1, "the main branch's time off is as it was");
}

#[tokio::test]
async fn every_appointment_api_route_refuses_another_organizations_ids() {
    let app = spawn_app().await;
    let a = app.org("Clinic A").await;
    let b = app.org("Clinic B").await;
    let sa = app.schedule(&a).await;
    let theirs = b_schedule(&app, &b).await;
    let token = app.api_token(&a.owner).await;
    let path = format!("/api/v1/calendar/appointments/{}", theirs.appointment);

    let patch = app
        .api(Method::PATCH, &path, &token, None)
        .json(&serde_json::json!({"status": "arrived"}))
        .send()
        .await
        .unwrap();
    assert_eq!(patch.status(), StatusCode::NOT_FOUND);
    let cancel = app
        .api(Method::POST, &format!("{path}/cancel"), &token, None)
        .json(&serde_json::json!({"reason": "mine"}))
        .send()
        .await
        .unwrap();
    assert_eq!(cancel.status(), StatusCode::NOT_FOUND);
    let create = app
        .api(Method::POST, "/api/v1/calendar/appointments", &token, None)
        .json(&serde_json::json!({
            "patient_id": theirs.patient, "practitioner_id": sa.practitioner, "service_id": sa.service,
            "starts_at": format!("{}T09:00:00Z", sa.monday)
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(create.status(), StatusCode::NOT_FOUND);
    // A's own booking and A's patient, with B's practitioner, service or room.
    let a_patient: Uuid = {
        app.book(&a.owner, &sa, sa.monday, "09:00", &[]).await;
        sqlx::query_scalar("select patient_id from appointments where org_id = $1")
            .bind(a.id)
            .fetch_one(&app.db)
            .await
            .unwrap()
    };
    let a_appointment: Uuid = sqlx::query_scalar("select id from appointments where org_id = $1")
        .bind(a.id)
        .fetch_one(&app.db)
        .await
        .unwrap();
    let starts = format!("{}T12:00:00Z", sa.monday);
    let bodies = [
        serde_json::json!({"patient_id": a_patient, "practitioner_id": theirs.practitioner,
            "service_id": sa.service, "starts_at": starts}),
        serde_json::json!({"patient_id": a_patient, "practitioner_id": sa.practitioner,
            "service_id": theirs.service, "starts_at": starts}),
        serde_json::json!({"patient_id": a_patient, "practitioner_id": sa.practitioner,
            "service_id": sa.service, "room_id": theirs.room, "starts_at": starts}),
    ];
    for (n, body) in bodies.iter().enumerate() {
        let create = app
            .api(Method::POST, "/api/v1/calendar/appointments", &token, None)
            .json(body)
            .send()
            .await
            .unwrap();
        assert_eq!(create.status(), StatusCode::NOT_FOUND, "create {n}");
    }
    let a_path = format!("/api/v1/calendar/appointments/{a_appointment}");
    for (n, body) in [
        serde_json::json!({"practitioner_id": theirs.practitioner}),
        serde_json::json!({"room_id": theirs.room}),
    ]
    .iter()
    .enumerate()
    {
        let patch = app
            .api(Method::PATCH, &a_path, &token, None)
            .json(body)
            .send()
            .await
            .unwrap();
        assert_eq!(patch.status(), StatusCode::NOT_FOUND, "patch {n}");
    }
    let a_count: i64 = sqlx::query_scalar(
        "select count(*) from appointments where org_id = $1 and practitioner_id = $2 and room_id = $3",
    )
    .bind(a.id)
    .bind(sa.practitioner)
    .bind(sa.room)
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert_eq!(a_count, 1, "A's one appointment, unchanged");
    let b_branch = app
        .api(
            Method::GET,
            &format!("/api/v1/calendar/appointments?from={0}&to={0}T23:00:00Z", sa.monday),
            &token,
            Some(b.branch_id),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(b_branch.status(), StatusCode::FORBIDDEN);
    let list = json(
        app.api(
            Method::GET,
            &format!(
                "/api/v1/calendar/appointments?from={}&to={}",
                sa.monday,
                sa.monday + chrono::Duration::days(7)
            ),
            &token,
            None,
        )
        .send()
        .await
        .unwrap(),
    )
    .await;
    assert_eq!(list.as_array().unwrap().len(), 1, "A's own only: {list}");
    assert!(!list.to_string().contains(&theirs.appointment));
    let status: String = sqlx::query_scalar("select status from appointments where id = $1::uuid")
        .bind(&theirs.appointment)
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(status, "scheduled");
}

/// Every id organization B has in the tables a list could show.
async fn ids_of(app: &TestApp, org: Uuid) -> Vec<String> {
    sqlx::query_scalar(
        "select id::text from (
            select id, org_id from users union all select id, org_id from branches
            union all select id, org_id from sessions union all select id, org_id from api_tokens
            union all select id, org_id from services union all select id, org_id from rooms
            union all select id, org_id from resources union all select id, org_id from appointments
            union all select id, org_id from patients union all select id, org_id from time_off
            union all select id, org_id from branch_closures union all select id, org_id from invitations
         ) ids where org_id = $1",
    )
    .bind(org)
    .fetch_all(&app.db)
    .await
    .unwrap()
}

#[tokio::test]
async fn no_list_shows_anything_of_another_organization_and_its_ids_change_nothing() {
    use careops::app::{
        account::{GetTwoFactor, ListApiTokens, ListSessions},
        calendar::{GetBookingOptions, GetCalendar, RescheduleAppointment},
        home::GetToday,
        patients::ListPatients,
        settings::{GetHours, GetOnlineBooking, GetPlaces, GetServices, SavePlace, SaveService},
    };
    let app = spawn_app().await;
    let a = app.org("Clinic A").await;
    let b = app.org("Clinic B").await;
    let sa = app.schedule(&a).await;
    let theirs = b_schedule(&app, &b).await;
    let mut b_owner = b.owner.clone();
    let added = app
        .call::<SavePlace>(
            &mut b_owner,
            &[("what", "resource"), ("name", "Ultrasound"), ("kind", "ultrasound")],
        )
        .await;
    assert_eq!(added.status(), StatusCode::OK);
    app.member(&b.owner, "receptionist", &[b.branch_id]).await;
    app.api_token(&b.owner).await;
    app.member(&a.owner, "receptionist", &[a.branch_id]).await;
    app.book(&a.owner, &sa, sa.monday, "09:00", &[]).await;
    let b_ids = ids_of(&app, b.id).await;
    assert!(b_ids.len() >= 12, "B has records: {b_ids:?}");
    let mut owner = a.owner.clone();
    let week = sa.monday.to_string();

    let lists = [
        ("ListSessions", app.call::<ListSessions>(&mut owner, &[]).await),
        ("ListApiTokens", app.call::<ListApiTokens>(&mut owner, &[]).await),
        ("GetTwoFactor", app.call::<GetTwoFactor>(&mut owner, &[]).await),
        ("GetToday", app.call::<GetToday>(&mut owner, &[]).await),
        (
            "GetBookingOptions",
            app.call::<GetBookingOptions>(&mut owner, &[("query", "Ada")]).await,
        ),
        ("GetServices", app.call::<GetServices>(&mut owner, &[]).await),
        ("GetPlaces", app.call::<GetPlaces>(&mut owner, &[]).await),
        ("GetHours", app.call::<GetHours>(&mut owner, &[]).await),
        ("GetOnlineBooking", app.call::<GetOnlineBooking>(&mut owner, &[]).await),
        ("GetAuditLog", app.call::<GetAuditLog>(&mut owner, &[]).await),
        (
            "GetAuditLog by B's owner",
            app.call::<GetAuditLog>(&mut owner, &[("actor", &theirs.practitioner)])
                .await,
        ),
        ("GetStaff", app.call::<GetStaff>(&mut owner, &[]).await),
        ("ListBranches", app.call::<ListBranches>(&mut owner, &[]).await),
        (
            "GetCalendar",
            app.call::<GetCalendar>(&mut owner, &[("date", &week), ("view", "week")])
                .await,
        ),
        ("ListPatients", app.call::<ListPatients>(&mut owner, &[]).await),
    ];
    for (name, response) in lists {
        assert_eq!(response.status(), StatusCode::OK, "{name}");
        let body = response.text().await.unwrap();
        let leaked: Vec<&String> = b_ids.iter().filter(|id| body.contains(id.as_str())).collect();
        assert!(leaked.is_empty(), "{name} shows B's {leaked:?}");
        assert!(!body.contains("Clinic B"), "{name} names B");
    }
    // The audit filter by B's owner finds nothing (A's own entries are there unfiltered).
    let filtered = json(
        app.call::<GetAuditLog>(&mut owner, &[("actor", &theirs.practitioner)])
            .await,
    )
    .await;
    assert_eq!(filtered["records"], serde_json::json!([]), "{filtered}");

    // A's records pointed at B's: refused, nothing changes.
    let a_appointment: String = sqlx::query_scalar::<_, Uuid>("select id from appointments where org_id = $1")
        .bind(a.id)
        .fetch_one(&app.db)
        .await
        .unwrap()
        .to_string();
    let b_resource: String = sqlx::query_scalar::<_, Uuid>("select id from resources where org_id = $1")
        .bind(b.id)
        .fetch_one(&app.db)
        .await
        .unwrap()
        .to_string();
    let a_member: String = sqlx::query_scalar::<_, Uuid>("select id from users where org_id = $1 and id <> $2")
        .bind(a.id)
        .bind(a.owner_id)
        .fetch_one(&app.db)
        .await
        .unwrap()
        .to_string();
    let b_branch = b.branch_id.to_string();
    let refused = [
        app.call::<RescheduleAppointment>(
            &mut owner,
            &[
                ("id", &a_appointment),
                ("date", &week),
                ("time", "11:00"),
                ("practitioner_id", &theirs.practitioner),
            ],
        )
        .await,
        app.call::<RescheduleAppointment>(
            &mut owner,
            &[
                ("id", &a_appointment),
                ("date", &week),
                ("time", "11:00"),
                ("room_id", &theirs.room),
            ],
        )
        .await,
        app.call::<SaveService>(
            &mut owner,
            &[
                ("name", "Shared"),
                ("duration_minutes", "30"),
                ("price", "1"),
                ("colour", "#000000"),
                ("practitioners[]", &theirs.practitioner),
            ],
        )
        .await,
        app.call::<SavePlace>(
            &mut owner,
            &[
                ("what", "resource"),
                ("id", &b_resource),
                ("name", "Mine"),
                ("kind", "ultrasound"),
            ],
        )
        .await,
        app.call::<UpdateStaffAccess>(
            &mut owner,
            &[
                ("id", &a_member),
                ("roles[0][branch]", &b_branch),
                ("roles[0][role]", "receptionist"),
            ],
        )
        .await,
    ];
    for (n, response) in refused.into_iter().enumerate() {
        let status = response.status();
        // Not found, or (for a branch, as everywhere) "not one you administer", which
        // reads the same whether the branch exists or not.
        assert!(
            [StatusCode::NOT_FOUND, StatusCode::CONFLICT, StatusCode::FORBIDDEN].contains(&status),
            "call {n}: {status} {}",
            response.text().await.unwrap_or_default()
        );
    }
    let crossings: i64 = sqlx::query_scalar(
        "select (select count(*) from appointments where org_id = $1 and (practitioner_id = $3 or room_id = $4::uuid))
              + (select count(*) from service_practitioners where org_id = $1 and user_id = $3)
              + (select count(*) from memberships where org_id = $1 and branch_id = $2)
              + (select count(*) from resources where id = $5::uuid and name <> 'Ultrasound')",
    )
    .bind(a.id)
    .bind(b.branch_id)
    .bind(b.owner_id)
    .bind(&theirs.room)
    .bind(&b_resource)
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert_eq!(crossings, 0);
}
