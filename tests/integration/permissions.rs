//! The permission matrix at work: every server function and API route refuses a role
//! without its permission (403), and lets a role with it through.

use crate::common::*;
use careops::{
    app::{
        account::{GetTwoFactor, ListApiTokens, ListSessions},
        settings::{
            CreateBranch, GetAuditLog, GetBranch, GetSecurityPolicy, ListBranches, UpdateBranch, UpdateSecurityPolicy,
        },
        staff::{GetStaff, GetStaffMember, InviteStaff, RevokeInvitation, SetStaffActive, UpdateStaffAccess},
        GetCurrentUser,
    },
    domain::access::{Action, Role},
};
use leptos::server_fn::ServerFn;
use reqwest::{Method, StatusCode};
use uuid::Uuid;

struct Team {
    app: TestApp,
    org: Org,
    /// Every role, signed in: (role, browser, API token).
    people: Vec<(Role, Browser, String)>,
    /// A receptionist whom the managers act on.
    subject: Member,
}

async fn team() -> Team {
    let app = spawn_app().await;
    let org = app.org("Clinic").await;
    let mut people = vec![(Role::Owner, org.owner.clone(), app.api_token(&org.owner).await)];
    for (role, name, branches) in [
        (Role::Admin, "admin", vec![]),
        (Role::Practitioner, "practitioner", vec![org.branch_id]),
        (Role::Receptionist, "receptionist", vec![org.branch_id]),
        (Role::Accountant, "accountant", vec![org.branch_id]),
    ] {
        let member = app.member(&org.owner, name, &branches).await;
        let token = app.api_token(&member.browser).await;
        people.push((role, member.browser, token));
    }
    let subject = app.member(&org.owner, "receptionist", &[org.branch_id]).await;
    Team {
        app,
        org,
        people,
        subject,
    }
}

/// Calls `S` as each role and checks: refused with 403 exactly when the role lacks `action`.
async fn check<S: ServerFn>(team: &Team, action: Action, form: &[(&str, &str)]) {
    for (role, browser, _) in &team.people {
        let mut browser = browser.clone();
        let response = team.app.call::<S>(&mut browser, form).await;
        let status = response.status();
        if role.can(action) {
            assert!(
                status != StatusCode::FORBIDDEN && status != StatusCode::UNAUTHORIZED,
                "{role:?} should be allowed to call {} ({action:?}), got {status}: {}",
                S::PATH,
                response.text().await.unwrap_or_default()
            );
        } else {
            assert_eq!(
                status,
                StatusCode::FORBIDDEN,
                "{role:?} must be refused {} ({action:?})",
                S::PATH
            );
            let body = json(response).await;
            assert!(body["Forbidden"]
                .as_str()
                .unwrap()
                .starts_with("You are not allowed to"));
        }
    }
}

#[tokio::test]
async fn each_server_function_refuses_roles_without_its_permission() {
    let team = team().await;
    let branch = team.org.branch_id.to_string();
    let subject = team.subject.id.to_string();

    check::<ListBranches>(&team, Action::ManageBranches, &[]).await;
    check::<GetBranch>(&team, Action::ManageBranches, &[("id", &branch)]).await;
    check::<CreateBranch>(
        &team,
        Action::ManageBranches,
        &[("name", "Annex"), ("timezone", "Europe/Paris")],
    )
    .await;
    check::<UpdateBranch>(
        &team,
        Action::ManageBranches,
        &[
            ("id", &branch),
            ("name", "Harbour Street"),
            ("timezone", "Europe/Berlin"),
        ],
    )
    .await;
    check::<GetSecurityPolicy>(&team, Action::ManageSecurityPolicy, &[]).await;
    check::<UpdateSecurityPolicy>(
        &team,
        Action::ManageSecurityPolicy,
        &[("session_idle_minutes", "30"), ("session_max_hours", "12")],
    )
    .await;
    check::<GetAuditLog>(&team, Action::ViewAuditLog, &[]).await;
    check::<GetStaff>(&team, Action::ViewStaff, &[]).await;
    check::<GetStaffMember>(&team, Action::ManageStaff, &[("id", &subject)]).await;
    check::<UpdateStaffAccess>(
        &team,
        Action::ManageStaff,
        &[
            ("id", &subject),
            ("roles[0][branch]", &branch),
            ("roles[0][role]", "receptionist"),
        ],
    )
    .await;
    check::<SetStaffActive>(&team, Action::ManageStaff, &[("id", &subject), ("active", "true")]).await;
    check::<InviteStaff>(
        &team,
        Action::ManageStaff,
        &[
            ("email", "invitee@clinic.com"),
            ("role", "receptionist"),
            ("branches[]", &branch),
        ],
    )
    .await;
    let invitation: Uuid = sqlx::query_scalar(
        "select id from invitations where email = 'invitee@clinic.com' order by created_at desc limit 1",
    )
    .fetch_one(&team.app.db)
    .await
    .unwrap();
    check::<RevokeInvitation>(&team, Action::ManageStaff, &[("id", &invitation.to_string())]).await;

    check::<GetCurrentUser>(&team, Action::ManageOwnAccount, &[]).await;
    check::<GetTwoFactor>(&team, Action::ManageOwnAccount, &[]).await;
    check::<ListSessions>(&team, Action::ManageOwnAccount, &[]).await;
    check::<ListApiTokens>(&team, Action::ManageOwnAccount, &[]).await;
}

#[tokio::test]
async fn each_api_route_refuses_roles_without_its_permission() {
    let team = team().await;
    let branch = format!("/api/v1/branches/{}", team.org.branch_id);
    let routes: [(Method, &str, Action, Option<serde_json::Value>); 5] = [
        (Method::GET, "/api/v1/me", Action::ManageOwnAccount, None),
        (Method::GET, "/api/v1/branches", Action::ViewBranches, None),
        (Method::GET, &branch, Action::ViewBranches, None),
        (Method::GET, "/api/v1/staff", Action::ViewStaff, None),
        (
            Method::PATCH,
            &branch,
            Action::ManageBranches,
            Some(serde_json::json!({"phone": "+44 20 7946 0958"})),
        ),
    ];
    for (role, _, token) in &team.people {
        let created = team
            .app
            .api(Method::POST, "/api/v1/branches", token, None)
            .json(&serde_json::json!({"name": format!("Annex {role:?}"), "timezone": "Europe/Paris"}))
            .send()
            .await
            .unwrap()
            .status();
        if role.can(Action::ManageBranches) {
            assert_eq!(created, StatusCode::CREATED, "{role:?} creates a branch");
        } else {
            assert_eq!(created, StatusCode::FORBIDDEN, "{role:?} creates a branch");
        }
    }
    for (method, path, action, body) in routes {
        for (role, _, token) in &team.people {
            let mut request = team.app.api(method.clone(), path, token, None);
            if let Some(body) = &body {
                request = request.json(body);
            }
            let status = request.send().await.unwrap().status();
            if role.can(action) {
                assert!(status.is_success(), "{role:?} {method} {path}: {status}");
            } else {
                assert_eq!(status, StatusCode::FORBIDDEN, "{role:?} {method} {path}");
            }
        }
    }
}

#[tokio::test]
async fn nobody_changes_their_own_access_and_admins_cannot_touch_the_owner() {
    let team = team().await;
    let app = &team.app;
    let (_, admin, _) = &team.people[1];
    let mut owner = team.org.owner.clone();
    let mut admin = admin.clone();
    let owner_id = team.org.owner_id.to_string();
    let branch = team.org.branch_id.to_string();

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
        .call::<UpdateStaffAccess>(
            &mut admin,
            &[("id", &team.subject.id.to_string()), ("org_role", "admin")],
        )
        .await;
    assert_eq!(make_admin.status(), StatusCode::FORBIDDEN);
    let invite_admin = app
        .call::<InviteStaff>(&mut admin, &[("email", "boss@clinic.com"), ("role", "admin")])
        .await;
    assert_eq!(invite_admin.status(), StatusCode::FORBIDDEN);

    let (active, roles): (bool, i64) = sqlx::query_as(
        "select is_active, (select count(*) from memberships where user_id = u.id and role = 'owner') from users u where id = $1",
    )
    .bind(team.org.owner_id)
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert_eq!((active, roles), (true, 1));
}

#[tokio::test]
async fn each_scheduling_function_refuses_roles_without_its_permission() {
    use careops::app::{
        calendar::{
            CancelAppointment, CreateAppointment, GetAppointment, GetBookingOptions, GetCalendar,
            RescheduleAppointment, SetAppointmentStatus,
        },
        home::GetToday,
        settings::{
            AddClosure, AddTimeOff, GetHours, GetPlaces, GetServices, RemoveClosure, RemoveTimeOff, SaveHours,
            SavePlace, SaveService,
        },
    };
    let team = team().await;
    let s = team.app.schedule(&team.org).await;
    team.app.book(&team.org.owner, &s, s.monday, "09:00", &[]).await;
    let appointment: String = sqlx::query_scalar::<_, uuid::Uuid>("select id from appointments")
        .fetch_one(&team.app.db)
        .await
        .unwrap()
        .to_string();
    let (date, practitioner, service) = (s.monday.to_string(), s.practitioner.to_string(), s.service.to_string());
    let owner = team.org.owner_id.to_string();

    check::<GetCalendar>(&team, Action::ViewCalendar, &[("date", &date)]).await;
    check::<GetToday>(&team, Action::ViewCalendar, &[]).await;
    check::<GetAppointment>(&team, Action::ViewCalendar, &[("id", &appointment)]).await;
    check::<CreateAppointment>(
        &team,
        Action::ManageAppointments,
        &[
            ("new_patient_name", "Bo Diddley"),
            ("new_patient_phone", "+44 20 7946 0958"),
            ("practitioner_id", &practitioner),
            ("service_id", &service),
            ("date", &date),
            ("time", "13:00"),
        ],
    )
    .await;
    check::<SetAppointmentStatus>(
        &team,
        Action::ManageAppointments,
        &[("id", &appointment), ("status", "confirmed")],
    )
    .await;
    check::<RescheduleAppointment>(
        &team,
        Action::ManageAppointments,
        &[("id", &appointment), ("date", &date), ("time", "10:00")],
    )
    .await;
    check::<GetServices>(&team, Action::ManageCatalog, &[]).await;
    check::<SaveService>(
        &team,
        Action::ManageCatalog,
        &[
            ("name", "Massage"),
            ("duration_minutes", "45"),
            ("price", "60"),
            ("colour", "#aa3366"),
        ],
    )
    .await;
    check::<GetPlaces>(&team, Action::ManageCatalog, &[]).await;
    check::<SavePlace>(
        &team,
        Action::ManageCatalog,
        &[("what", "resource"), ("name", "Laser"), ("kind", "laser")],
    )
    .await;
    check::<GetHours>(&team, Action::ManageSchedules, &[]).await;
    check::<SaveHours>(
        &team,
        Action::ManageSchedules,
        &[("user_id", &owner), ("days[0]", "08:00-18:00")],
    )
    .await;
    check::<AddTimeOff>(
        &team,
        Action::ManageSchedules,
        &[
            ("user_id", &owner),
            ("from", "2030-01-01T08:00"),
            ("until", "2030-01-01T12:00"),
        ],
    )
    .await;
    check::<AddClosure>(
        &team,
        Action::ManageSchedules,
        &[("day", "2030-12-25"), ("name", "Christmas")],
    )
    .await;
    let nowhere = uuid::Uuid::new_v4().to_string();
    check::<RemoveTimeOff>(&team, Action::ManageSchedules, &[("id", &nowhere)]).await;
    check::<RemoveClosure>(&team, Action::ManageSchedules, &[("id", &nowhere)]).await;
    check::<GetBookingOptions>(&team, Action::ManageAppointments, &[("query", "Ada")]).await;
    check::<CancelAppointment>(
        &team,
        Action::ManageAppointments,
        &[("id", &appointment), ("reason", "Test")],
    )
    .await;
}

#[tokio::test]
async fn each_appointment_api_route_refuses_roles_without_its_permission() {
    let team = team().await;
    let s = team.app.schedule(&team.org).await;
    let range = format!(
        "/api/v1/calendar/appointments?from={}&to={}",
        s.monday,
        s.monday + chrono::Duration::days(1)
    );
    for (role, _, token) in &team.people {
        let listed = team
            .app
            .api(Method::GET, &range, token, None)
            .send()
            .await
            .unwrap()
            .status();
        assert_eq!(listed.is_success(), role.can(Action::ViewCalendar), "{role:?} list");
        let created = team
            .app
            .api(Method::POST, "/api/v1/calendar/appointments", token, None)
            .json(&serde_json::json!({
                "new_patient": {"name": "Bo Diddley", "phone": "+44 20 7946 0958"},
                "practitioner_id": s.practitioner, "service_id": s.service,
                "starts_at": format!("{}T{:02}:00:00Z", s.monday, 8 + team.people.iter().position(|p| p.0 == *role).unwrap()),
            }))
            .send()
            .await
            .unwrap();
        if role.can(Action::ManageAppointments) {
            assert_eq!(
                created.status(),
                StatusCode::CREATED,
                "{role:?}: {}",
                created.text().await.unwrap()
            );
        } else {
            assert_eq!(created.status(), StatusCode::FORBIDDEN, "{role:?} create");
        }
    }
    let id: uuid::Uuid = sqlx::query_scalar("select id from appointments limit 1")
        .fetch_one(&team.app.db)
        .await
        .unwrap();
    for (role, _, token) in &team.people {
        let patched = team
            .app
            .api(
                Method::PATCH,
                &format!("/api/v1/calendar/appointments/{id}"),
                token,
                None,
            )
            .json(&serde_json::json!({"minutes": 40}))
            .send()
            .await
            .unwrap()
            .status();
        assert_eq!(
            patched == StatusCode::FORBIDDEN,
            !role.can(Action::ManageAppointments),
            "{role:?} patch: {patched}"
        );
    }
    // Those who may not cancel are refused first; the last to try is the owner.
    for (role, _, token) in team.people.iter().rev() {
        let cancelled = team
            .app
            .api(
                Method::POST,
                &format!("/api/v1/calendar/appointments/{id}/cancel"),
                token,
                None,
            )
            .json(&serde_json::json!({"reason": "Unwell"}))
            .send()
            .await
            .unwrap()
            .status();
        if role.can(Action::ManageAppointments) {
            assert_ne!(cancelled, StatusCode::FORBIDDEN, "{role:?} cancel");
        } else {
            assert_eq!(cancelled, StatusCode::FORBIDDEN, "{role:?} cancel");
        }
    }
    let status: String = sqlx::query_scalar("select status from appointments where id = $1")
        .bind(id)
        .fetch_one(&team.app.db)
        .await
        .unwrap();
    assert_eq!(status, "cancelled");
}

#[tokio::test]
async fn each_patient_and_online_booking_function_refuses_roles_without_its_permission() {
    use careops::app::{
        patients::{
            ArchivePatient, CreatePatient, GetImport, GetPatient, ListPatients, MergePatients, RunImport, UpdatePatient,
        },
        settings::{GetOnlineBooking, SaveBookingRules, SaveServiceBookingRules},
    };
    let team = team().await;
    let s = team.app.schedule(&team.org).await;
    team.app.book(&team.org.owner, &s, s.monday, "09:00", &[]).await;
    let patient: String = sqlx::query_scalar::<_, Uuid>("select id from patients")
        .fetch_one(&team.app.db)
        .await
        .unwrap()
        .to_string();
    let (service, nowhere) = (s.service.to_string(), Uuid::new_v4().to_string());

    check::<ListPatients>(&team, Action::ViewPatients, &[("query", "Ada")]).await;
    check::<GetPatient>(&team, Action::ViewPatients, &[("id", &patient)]).await;
    check::<CreatePatient>(
        &team,
        Action::ManagePatients,
        &[
            ("full_name", "Bo Diddley"),
            ("phone", "+44 20 7946 0001"),
            ("add_anyway", "on"),
        ],
    )
    .await;
    check::<UpdatePatient>(
        &team,
        Action::ManagePatients,
        &[
            ("id", &patient),
            ("full_name", "Ada Lovelace"),
            ("phone", "+44 20 7946 0958"),
        ],
    )
    .await;
    check::<ArchivePatient>(
        &team,
        Action::ManagePatients,
        &[("id", &patient), ("archived", "false")],
    )
    .await;
    check::<MergePatients>(&team, Action::ManagePatients, &[("id", &patient), ("other", &patient)]).await;
    check::<GetImport>(&team, Action::ManagePatients, &[("id", &nowhere)]).await;
    check::<RunImport>(&team, Action::ManagePatients, &[("id", &nowhere)]).await;
    check::<GetOnlineBooking>(&team, Action::ManageBranches, &[]).await;
    check::<SaveBookingRules>(
        &team,
        Action::ManageBranches,
        &[
            ("min_notice_hours", "2"),
            ("max_days_ahead", "60"),
            ("slot_step_minutes", "15"),
            ("cancellation_window_hours", "24"),
        ],
    )
    .await;
    check::<SaveServiceBookingRules>(&team, Action::ManageCatalog, &[("id", &service)]).await;

    // The routes outside server functions: the export and the import upload.
    for (role, browser, _) in &team.people {
        let mut browser = browser.clone();
        let export = team.app.get(&mut browser, "/app/patients/export.csv").await.status();
        let expected = if role.can(Action::ExportPatients) {
            StatusCode::OK
        } else {
            StatusCode::FORBIDDEN
        };
        assert_eq!(export, expected, "{role:?} export");
        let part = reqwest::multipart::Part::text("full_name\nAda\n").file_name("p.csv");
        let upload = team
            .app
            .http
            .post(team.app.url("/app/patients/import/upload"))
            .header(reqwest::header::COOKIE, browser.header())
            .multipart(reqwest::multipart::Form::new().part("file", part))
            .send()
            .await
            .unwrap()
            .status();
        let expected = if role.can(Action::ManagePatients) {
            StatusCode::SEE_OTHER
        } else {
            StatusCode::FORBIDDEN
        };
        assert_eq!(upload, expected, "{role:?} import");
    }
}
