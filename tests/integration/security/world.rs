//! The walk's fixture: two organizations with every kind of record the tables name,
//! records to spend for each allowed caller, and organization A's staff in every role.

use careops::domain::access::Role;
use chrono::{Duration, NaiveDate, NaiveTime};
use reqwest::{header, Response, StatusCode};
use uuid::Uuid;

use super::Target;
use crate::common::*;

/// A signed-in member of organization A, with a second session and an API token of
/// their own to revoke.
pub struct Person {
    pub role: Role,
    pub browser: Browser,
    pub token: String,
    pub spare_session: Uuid,
    pub spare_token: Uuid,
}

/// Records of one round, to change or spend.
pub struct Spare {
    pub to_move: Uuid,
    pub to_cancel: Uuid,
    pub to_confirm: Uuid,
    pub to_archive: Uuid,
    pub to_merge: (Uuid, Uuid),
    pub time_off: Uuid,
    pub closure: Uuid,
    pub import: Uuid,
    pub invitation: Uuid,
    pub invitation_token: String,
    pub manage_to_move: String,
    pub manage_to_cancel: String,
    /// A message that was not sent, to send again.
    pub failed_message: Uuid,
    /// An appointment whose patient has arrived: a step to undo.
    pub to_undo: Uuid,
    /// A service line and a material of the side's visit, to remove.
    pub visit_line: Uuid,
    pub visit_material: Uuid,
    /// An item the side's service uses (a recipe line), in stock, to take off the recipe.
    pub recipe_item: Uuid,
    /// A completed visit without an invoice.
    pub to_invoice: Uuid,
    /// A line of the side's draft invoice, to remove.
    pub invoice_line: Uuid,
    /// Drafts with a line, to issue and to discard; an issued invoice, to credit.
    pub to_issue: Uuid,
    pub to_discard: Uuid,
    pub to_credit: Uuid,
    /// Issued invoices to pay, and to pay from the patient's credit; a payment to refund.
    pub to_pay: Uuid,
    pub to_settle: Uuid,
    pub to_refund: Uuid,
    /// The same for the API's routes: a draft to issue and one to discard, an issued
    /// invoice to credit, a line of the side's draft to remove.
    pub api_to_issue: Uuid,
    pub api_to_discard: Uuid,
    pub api_to_credit: Uuid,
    pub api_invoice_line: Uuid,
}

/// One organization's records, as the inputs name them.
pub struct Side {
    pub slug: String,
    pub branch: Uuid,
    pub owner: Uuid,
    pub owner_email: String,
    pub service: Uuid,
    pub room: Uuid,
    pub monday: NaiveDate,
    /// A receptionist whom managers act on.
    pub member: Uuid,
    pub appointment: Uuid,
    /// An appointment whose visit is in progress (the owner treats), and one completed
    /// with a signed note.
    pub visit: Uuid,
    pub done_visit: Uuid,
    /// A draft invoice to read and add lines to.
    pub draft_invoice: Uuid,
    /// An issued invoice paid in part, which has a receipt, of a patient who agreed to email.
    pub paid_invoice: Uuid,
    /// The patient's link to its receipt.
    pub receipt_token: String,
    pub patient: Uuid,
    /// An item with 1,000 units in stock at the branch.
    pub stock_item: Uuid,
    /// A form template saved once (version 1: one short text, `f1`).
    pub form_template: Uuid,
    /// The patient's link to a request of it, waiting; and a request they answered.
    pub form_token: String,
    pub form_submission: Uuid,
    pub import: Uuid,
    pub invitation_token: String,
    pub manage: String,
    pub spares: Vec<Spare>,
}

pub struct World {
    pub app: TestApp,
    pub a: Side,
    pub b: Side,
    /// Organization A's staff, one per role, the owner first.
    pub people: Vec<Person>,
    /// Organization B's owner, whose own sessions and tokens cross-tenant calls name.
    pub b_owner: Person,
}

const ROUNDS: usize = 5;

async fn person(app: &TestApp, role: Role, id: Uuid, email: &str, browser: Browser) -> Person {
    let token = app.api_token(&browser).await;
    // A second sign-in and a second token: theirs to revoke.
    let (_, second) = app.log_in(email, PASSWORD).await;
    app.api_token(&second).await;
    let newest = |table: &'static str| {
        let db = app.db.clone();
        async move {
            sqlx::query_scalar::<_, Uuid>(&format!(
                "select id from {table} where user_id = $1 order by created_at desc limit 1"
            ))
            .bind(id)
            .fetch_one(&db)
            .await
            .unwrap()
        }
    };
    Person {
        role,
        browser,
        token,
        spare_session: newest("sessions").await,
        spare_token: newest("api_tokens").await,
    }
}

async fn side(app: &TestApp, name: &str, rounds: usize) -> (Side, Org) {
    use careops::app::{
        patients::CreatePatient,
        settings::{AddClosure, AddTimeOff},
        staff::InviteStaff,
    };
    let org = app.org(name).await;
    let s = app.schedule(&org).await;
    let mut owner = org.owner.clone();
    let ok = |response: &Response, what: &str| assert!(response.status().is_success(), "{what}: {}", response.status());
    let slug: String = sqlx::query_scalar("select slug from organizations where id = $1")
        .bind(org.id)
        .fetch_one(&app.db)
        .await
        .unwrap();
    let member = app.member(&org.owner, "receptionist", &[org.branch_id]).await;
    let scratch = Side {
        slug,
        branch: org.branch_id,
        owner: org.owner_id,
        owner_email: org.owner_email.clone(),
        service: s.service,
        room: s.room,
        monday: s.monday,
        member: member.id,
        appointment: Uuid::nil(),
        visit: Uuid::nil(),
        done_visit: Uuid::nil(),
        draft_invoice: Uuid::nil(),
        paid_invoice: Uuid::nil(),
        receipt_token: String::new(),
        patient: Uuid::nil(),
        stock_item: Uuid::nil(),
        form_template: Uuid::nil(),
        form_token: String::new(),
        form_submission: Uuid::nil(),
        import: Uuid::nil(),
        invitation_token: String::new(),
        manage: String::new(),
        spares: Vec::new(),
    };
    let newest = |table: &'static str| {
        let (db, org) = (app.db.clone(), org.id);
        async move {
            sqlx::query_scalar::<_, Uuid>(&format!(
                "select id from {table} where org_id = $1 order by created_at desc limit 1"
            ))
            .bind(org)
            .fetch_one(&db)
            .await
            .unwrap()
        }
    };
    // Staff bookings on Monday (the one to read) and Tuesday (those to spend).
    let mut booked = Vec::new();
    for n in 0..(1 + 3 * rounds as i64) {
        let (day, minutes) = if n == 0 { (0, 0) } else { (1, (n - 1) * 40) };
        let date = s.monday + Duration::days(day);
        let time = (NaiveTime::from_hms_opt(8, 0, 0).unwrap() + Duration::minutes(minutes))
            .format("%H:%M")
            .to_string();
        let response = app.book(&org.owner, &s, date, &time, &[]).await;
        ok(&response, "booking");
        booked.push(newest("appointments").await);
    }
    // Visits on Monday: one in progress, one completed, and arrivals to undo.
    let monday_at = |time: &str| {
        let (app, owner, s) = (app, org.owner.clone(), &s);
        let time = time.to_owned();
        async move {
            ok(&app.book(&owner, s, s.monday, &time, &[]).await, "visit booking");
            sqlx::query_scalar::<_, Uuid>("select id from appointments order by created_at desc, id limit 1")
                .fetch_one(&app.db)
                .await
                .unwrap()
        }
    };
    let step = |id: Uuid, statuses: &'static [&'static str]| {
        let (app, mut owner) = (app, org.owner.clone());
        async move {
            for status in statuses {
                let r = app
                    .call::<careops::app::calendar::SetAppointmentStatus>(
                        &mut owner,
                        &[("id", &id.to_string()), ("status", status)],
                    )
                    .await;
                assert!(r.status().is_success(), "{status}: {}", r.status());
            }
        }
    };
    let visit = monday_at("09:00").await;
    step(visit, &["arrived", "in_progress"]).await;
    let done_visit = monday_at("10:00").await;
    step(done_visit, &["arrived", "in_progress"]).await;
    let note = app
        .call::<careops::app::visits::SaveVisitNote>(
            &mut owner,
            &[
                ("id", &done_visit.to_string()),
                ("subjective", "Sore shoulder"),
                ("objective", ""),
                ("assessment", ""),
                ("plan", "Rest"),
            ],
        )
        .await;
    ok(&note, "note");
    step(done_visit, &["completed"]).await;
    let mut to_undo = Vec::new();
    let mut visit_lines = Vec::new();
    for round in 0..rounds as i64 {
        let time = (NaiveTime::from_hms_opt(11, 0, 0).unwrap() + Duration::minutes(round * 40))
            .format("%H:%M")
            .to_string();
        let id = monday_at(&time).await;
        step(id, &["arrived"]).await;
        to_undo.push(id);
        let (visit_id, service) = (visit.to_string(), s.service.to_string());
        let r = app
            .call::<careops::app::visits::AddVisitService>(
                &mut owner,
                &[("id", &visit_id), ("service_id", &service), ("quantity", "1")],
            )
            .await;
        ok(&r, "visit service");
        let r = app
            .call::<careops::app::visits::AddVisitMaterial>(
                &mut owner,
                &[("id", &visit_id), ("description", "Needles"), ("quantity", "10")],
            )
            .await;
        ok(&r, "visit material");
        let newest_line = |table: &'static str| {
            let db = app.db.clone();
            async move {
                sqlx::query_scalar::<_, Uuid>(&format!(
                    "select id from {table} where appointment_id = $1 order by added_at desc, id limit 1"
                ))
                .bind(visit)
                .fetch_one(&db)
                .await
                .unwrap()
            }
        };
        visit_lines.push((
            newest_line("visit_services").await,
            newest_line("visit_materials").await,
        ));
    }
    // Invoices: completed visits on Wednesday afternoon, and drafts made directly.
    let draft = |lines: i64| {
        let (db, org_id, branch, patient) = (app.db.clone(), org.id, org.branch_id, booked_patient(app, visit));
        async move {
            let patient = patient.await;
            let id: Uuid = sqlx::query_scalar(
                "insert into invoices (org_id, branch_id, patient_id, currency, tax_mode) values ($1, $2, $3, 'GBP', 'exclusive')
                 returning id",
            )
            .bind(org_id)
            .bind(branch)
            .bind(patient)
            .fetch_one(&db)
            .await
            .unwrap();
            let mut line_ids = Vec::new();
            for n in 0..lines {
                line_ids.push(
                    sqlx::query_scalar::<_, Uuid>(
                        "insert into invoice_lines (org_id, invoice_id, position, description, quantity, unit_price_minor)
                         values ($1, $2, $3, 'Treatment', 1, 4500) returning id",
                    )
                    .bind(org_id)
                    .bind(id)
                    .bind(n as i32 + 1)
                    .fetch_one(&db)
                    .await
                    .unwrap(),
                );
            }
            (id, line_ids)
        }
    };
    let (draft_invoice, draft_lines) = draft(2 * rounds as i64).await;
    let (paid_invoice, _) = draft(1).await;
    sqlx::query(
        "with reachable as (
             insert into patients (org_id, full_name, email, consent_email)
             select org_id, 'Paying Patient', 'paying@example.com', true from invoices where id = $1 returning id),
         issued as (
             update invoices set status = 'partially_paid', year = 2019, number = 1, number_label = 'INV-2019-1',
                    issued_at = now(), net_minor = 4500, total_minor = 4500, paid_minor = 1000,
                    patient_id = (select id from reachable)
              where id = $1 returning org_id, branch_id, patient_id),
         paid as (
             insert into payments (org_id, branch_id, patient_id, method, amount_minor, idempotency_key)
             select org_id, branch_id, patient_id, 'card', 1000, gen_random_uuid() from issued returning org_id, id)
         insert into payment_allocations (org_id, payment_id, invoice_id, amount_minor)
         select org_id, id, $1, 1000 from paid",
    )
    .bind(paid_invoice)
    .execute(&app.db)
    .await
    .unwrap();
    let (mut invoicing, mut api_invoicing) = (Vec::new(), Vec::new());
    for round in 0..rounds as i64 {
        let time = (NaiveTime::from_hms_opt(13, 0, 0).unwrap() + Duration::minutes(round * 40))
            .format("%H:%M")
            .to_string();
        ok(
            &app.book(&org.owner, &s, s.monday + Duration::days(2), &time, &[]).await,
            "visit to invoice",
        );
        let to_invoice: Uuid = sqlx::query_scalar("select id from appointments order by created_at desc, id limit 1")
            .fetch_one(&app.db)
            .await
            .unwrap();
        step(to_invoice, &["arrived", "in_progress", "completed"]).await;
        let (to_issue, _) = draft(1).await;
        let (to_discard, _) = draft(1).await;
        let (api_to_issue, _) = draft(1).await;
        let (api_to_discard, _) = draft(1).await;
        let mut issued = Vec::new();
        for n in 0..4 {
            let (id, _) = draft(1).await;
            sqlx::query(
                "update invoices set status = 'issued', year = 2020, number = $2, number_label = 'INV-2020-' || $2,
                        issued_at = now(), net_minor = 4500, total_minor = 4500
                 where id = $1",
            )
            .bind(id)
            .bind(round * 4 + n + 1)
            .execute(&app.db)
            .await
            .unwrap();
            issued.push(id);
        }
        // Money on account: credit to use, and a payment to refund.
        let to_refund: Uuid = sqlx::query_scalar(
            "insert into payments (org_id, branch_id, patient_id, method, amount_minor, idempotency_key)
             values ($1, $2, $3, 'cash', 10000, gen_random_uuid()) returning id",
        )
        .bind(org.id)
        .bind(org.branch_id)
        .bind(booked_patient(app, visit).await)
        .fetch_one(&app.db)
        .await
        .unwrap();
        invoicing.push((
            to_invoice,
            draft_lines[round as usize],
            to_issue,
            to_discard,
            (issued[0], issued[1], issued[2], to_refund),
        ));
        api_invoicing.push((
            api_to_issue,
            api_to_discard,
            issued[3],
            draft_lines[rounds + round as usize],
        ));
    }
    let mut patients = Vec::new();
    for n in 0..(1 + 3 * rounds) {
        let phone = format!("+44 20 7946 {:04}", 1000 + n);
        let response = app
            .call::<CreatePatient>(
                &mut owner,
                &[
                    ("full_name", &format!("Spare Patient {n}")),
                    ("phone", &phone),
                    ("add_anyway", "on"),
                ],
            )
            .await;
        ok(&response, "patient");
        patients.push(json(response).await.as_str().unwrap().parse::<Uuid>().unwrap());
    }
    let mut imports = Vec::new();
    for n in 0..=rounds {
        imports.push(
            upload(
                app,
                &owner,
                &format!("full_name,phone\nImported {n},+44 20 7946 {:04}\n", 2000 + n),
            )
            .await,
        );
    }
    let mut invitations = Vec::new();
    for n in 0..=(2 * rounds) {
        let response = app
            .call::<InviteStaff>(
                &mut owner,
                &[
                    ("email", &format!("spare{n}-{}@example.com", org.id.simple())),
                    ("role", "practitioner"),
                    ("branches[]", &org.branch_id.to_string()),
                ],
            )
            .await;
        ok(&response, "invitation");
        let url: String = json(response).await.as_str().unwrap().to_owned();
        invitations.push((newest("invitations").await, url.rsplit('/').next().unwrap().to_owned()));
    }
    let mut manage = Vec::new();
    for n in 0..(1 + 2 * rounds as i64) {
        manage.push(book_online(app, &scratch, n).await);
    }
    let mut spares = Vec::new();
    for round in 0..rounds {
        let year = 2030 + round;
        let from = format!("{year}-01-07T08:00");
        let until = format!("{year}-01-07T12:00");
        let r = app
            .call::<AddTimeOff>(
                &mut owner,
                &[
                    ("user_id", &org.owner_id.to_string()),
                    ("from", &from),
                    ("until", &until),
                ],
            )
            .await;
        ok(&r, "time off");
        let time_off = newest("time_off").await;
        let r = app
            .call::<AddClosure>(&mut owner, &[("day", &format!("{year}-12-24")), ("name", "Closed")])
            .await;
        ok(&r, "closure");
        let closure = sqlx::query_scalar("select id from branch_closures where org_id = $1 and day = $2::date")
            .bind(org.id)
            .bind(format!("{year}-12-24"))
            .fetch_one(&app.db)
            .await
            .unwrap();
        let failed_message = sqlx::query_scalar(
            "insert into messages (org_id, branch_id, patient_id, kind, channel, recipient, body, status, last_error)
             values ($1, $2, $3, 'booking_confirmation', 'email', 'ada@example.com', 'Hello', 'failed', 'Refused')
             returning id",
        )
        .bind(org.id)
        .bind(org.branch_id)
        .bind(patients[0])
        .fetch_one(&app.db)
        .await
        .unwrap();
        spares.push(Spare {
            to_move: booked[1 + 3 * round],
            to_cancel: booked[2 + 3 * round],
            to_confirm: booked[3 + 3 * round],
            to_archive: patients[1 + 3 * round],
            to_merge: (patients[2 + 3 * round], patients[3 + 3 * round]),
            time_off,
            closure,
            import: imports[1 + round],
            invitation: invitations[1 + 2 * round].0,
            invitation_token: invitations[2 + 2 * round].1.clone(),
            manage_to_move: manage[1 + 2 * round].clone(),
            manage_to_cancel: manage[2 + 2 * round].clone(),
            failed_message,
            to_undo: to_undo[round],
            visit_line: visit_lines[round].0,
            visit_material: visit_lines[round].1,
            recipe_item: Uuid::nil(),
            to_invoice: invoicing[round].0,
            invoice_line: invoicing[round].1,
            to_issue: invoicing[round].2,
            to_discard: invoicing[round].3,
            to_credit: invoicing[round].4 .0,
            to_pay: invoicing[round].4 .1,
            to_settle: invoicing[round].4 .2,
            to_refund: invoicing[round].4 .3,
            api_to_issue: api_invoicing[round].0,
            api_to_discard: api_invoicing[round].1,
            api_to_credit: api_invoicing[round].2,
            api_invoice_line: api_invoicing[round].3,
        });
    }
    // Plenty in stock, so that a visit started and completed by the walk can use them.
    for spare in &mut spares {
        spare.recipe_item = sqlx::query_scalar(
            "with item as (
                 insert into inventory_items (org_id, name, unit) values ($1, 'Gloves', 'pair') returning org_id, id),
             recipe as (
                 insert into service_materials (org_id, service_id, item_id, quantity) select org_id, $4, id, 1 from item),
             received as (
                 insert into stock_movements (org_id, item_id, branch_id, kind, quantity, balance_after, unit_cost_minor, recorded_by, seq)
                 select org_id, id, $2, 'receive', 1000, 0, 50, $3, 0 from item)
             select id from item",
        )
        .bind(org.id)
        .bind(org.branch_id)
        .bind(org.owner_id)
        .bind(s.service)
        .fetch_one(&app.db)
        .await
        .unwrap();
    }
    let stock_item: Uuid = sqlx::query_scalar(
        "with item as (
             insert into inventory_items (org_id, name, unit, cost_minor, reorder_level) values ($1, 'Needles', 'box', 450, 5)
             returning org_id, id),
         received as (
             insert into stock_movements (org_id, item_id, branch_id, kind, quantity, balance_after, unit_cost_minor, recorded_by, seq)
             select org_id, id, $2, 'receive', 1000, 0, 450, $3, 0 from item)
         select id from item",
    )
    .bind(org.id)
    .bind(org.branch_id)
    .bind(org.owner_id)
    .fetch_one(&app.db)
    .await
    .unwrap();
    let form_template: Uuid = sqlx::query_scalar(
        "with t as (insert into form_templates (org_id, name, version) values ($1, 'Intake', 1) returning id),
              v as (insert into form_versions (org_id, template_id, version, name, fields, created_by)
                    select $1, id, 1, 'Intake', '[{\"key\": \"f1\", \"kind\": \"short_text\", \"label\": \"Name\"}]', $2
                    from t)
         select id from t",
    )
    .bind(org.id)
    .bind(org.owner_id)
    .fetch_one(&app.db)
    .await
    .unwrap();
    let requests: Vec<Uuid> = sqlx::query_scalar(
        "insert into form_submissions (org_id, branch_id, patient_id, template_id, version, expires_at, answers, submitted_at)
         values ($1, $2, $3, $4, 1, now() + interval '14 days', null, null),
                ($1, $2, $3, $4, 1, now() + interval '14 days',
                 '{\"f1\": {\"type\": \"text\", \"value\": \"Ada\"}}', now())
         returning id",
    )
    .bind(org.id)
    .bind(org.branch_id)
    .bind(patients[0])
    .bind(form_template)
    .fetch_all(&app.db)
    .await
    .unwrap();
    let side = Side {
        stock_item,
        form_template,
        form_token: careops::server::auth::tokens::Keys::new(crate::common::JWT_SECRET.as_bytes())
            .issue_form(
                careops::server::auth::tokens::FormGrant {
                    submission_id: requests[0],
                    org_id: org.id,
                },
                chrono::Utc::now() + Duration::days(14),
            )
            .unwrap(),
        form_submission: requests[1],
        appointment: booked[0],
        visit,
        done_visit,
        draft_invoice,
        paid_invoice,
        receipt_token: careops::server::auth::tokens::Keys::new(crate::common::JWT_SECRET.as_bytes())
            .issue_receipt(
                careops::server::auth::tokens::ReceiptGrant {
                    invoice_id: paid_invoice,
                    org_id: org.id,
                },
                chrono::Utc::now() + Duration::days(30),
            )
            .unwrap(),
        patient: patients[0],
        import: imports[0],
        invitation_token: invitations[0].1.clone(),
        manage: manage[0].clone(),
        spares,
        ..scratch
    };
    (side, org)
}

/// The patient of an appointment.
async fn booked_patient(app: &TestApp, appointment: Uuid) -> Uuid {
    sqlx::query_scalar("select patient_id from appointments where id = $1")
        .bind(appointment)
        .fetch_one(&app.db)
        .await
        .unwrap()
}

/// Uploads a CSV to the import form; the preview's id.
async fn upload(app: &TestApp, browser: &Browser, csv: &str) -> Uuid {
    let response = send_upload(app, browser, "/app/patients/import/upload", csv).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let location = response.headers()[header::LOCATION].to_str().unwrap().to_owned();
    location.rsplit('/').next().unwrap().parse().expect("a preview id")
}

pub async fn send_upload(app: &TestApp, browser: &Browser, path: &str, csv: &str) -> Response {
    let part = reqwest::multipart::Part::text(csv.to_owned()).file_name("patients.csv");
    app.http
        .post(app.url(path))
        .header(header::COOKIE, browser.header())
        .multipart(reqwest::multipart::Form::new().part("file", part))
        .send()
        .await
        .unwrap()
}

/// Books online on the side's Thursday (every 45 minutes from 08:00); the manage token.
async fn book_online(app: &TestApp, side: &Side, n: i64) -> String {
    let person = nobody();
    let target = Target {
        own: side,
        side,
        me: &person,
        round: 0,
    };
    let at = target.instant(3, n * 45);
    let response = app
        .call::<careops::app::portal::BookOnline>(
            &mut Browser::default(),
            &[
                ("slug", side.slug.as_str()),
                ("branch", &side.branch.to_string()),
                ("service", &side.service.to_string()),
                ("at", &at),
                ("name", "Online Patient"),
                ("phone", &format!("+44 20 7946 {:04}", 3000 + n)),
                ("key", &Uuid::new_v4().to_string()),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK, "online booking {n}");
    let location = response.headers()[header::LOCATION].to_str().unwrap().to_owned();
    location
        .strip_prefix("/manage/")
        .and_then(|rest| rest.split('?').next())
        .unwrap_or_else(|| panic!("a manage link, not {location}"))
        .to_owned()
}

/// The caller of a public call: nobody signed in.
fn nobody() -> Person {
    Person {
        role: Role::Receptionist,
        browser: Browser::default(),
        token: String::new(),
        spare_session: Uuid::nil(),
        spare_token: Uuid::nil(),
    }
}

pub async fn world() -> World {
    // The fixture books online more often than a patient may in a minute.
    let app = spawn_app_with(&[("PORTAL_BOOKINGS_PER_IP_MINUTE", "1000")]).await;
    let (a, a_org) = side(&app, "Clinic A", ROUNDS).await;
    let (b, b_org) = side(&app, "Clinic B", 1).await;
    let mut people = vec![
        person(
            &app,
            Role::Owner,
            a_org.owner_id,
            &a_org.owner_email,
            a_org.owner.clone(),
        )
        .await,
    ];
    for (role, branches) in [
        (Role::Admin, vec![]),
        (Role::Practitioner, vec![a.branch]),
        (Role::Receptionist, vec![a.branch]),
        (Role::Accountant, vec![a.branch]),
    ] {
        let mut member = app.member(&a_org.owner, role.as_str(), &branches).await;
        // Everyone works in A's first branch, whatever branches the walk adds.
        let switched = app
            .call::<careops::app::SwitchBranch>(&mut member.browser, &[("branch_id", &a.branch.to_string())])
            .await;
        assert!(switched.status().is_success());
        people.push(person(&app, role, member.id, &member.email, member.browser).await);
    }
    let b_owner = person(
        &app,
        Role::Owner,
        b_org.owner_id,
        &b_org.owner_email,
        b_org.owner.clone(),
    )
    .await;
    World {
        app,
        a,
        b,
        people,
        b_owner,
    }
}
