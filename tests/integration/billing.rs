//! Invoices: a completed visit's invoice in two steps, drafts by hand, numbering with no
//! gap and no duplicate under a storm of issues and after rollbacks, immutability once
//! issued, credit notes, and the settings they print.

use careops::app::{
    billing::{
        AddInvoiceLine, CreditInvoice, DraftInvoice, GetInvoice, GetInvoices, GetTakings, InvoiceVisit, IssueInvoice,
        RecordPayment, RefundPayment, SaveInvoiceSettings, UseCredit,
    },
    calendar::SetAppointmentStatus,
    settings::SaveOrganization,
};
use chrono::Datelike;
use reqwest::StatusCode;
use serde_json::Value;
use uuid::Uuid;

use crate::common::*;

/// A visit booked, started and completed by the owner; its appointment id.
async fn completed_visit(app: &TestApp, org: &Org, s: &Schedule, time: &str) -> Uuid {
    let booked = app.booked(&org.owner, s, s.monday, time).await;
    let mut owner = org.owner.clone();
    for status in ["arrived", "in_progress", "completed"] {
        let r = app
            .call::<SetAppointmentStatus>(&mut owner, &[("id", &booked.id.to_string()), ("status", status)])
            .await;
        assert_eq!(r.status(), StatusCode::OK, "{status}");
    }
    booked.id
}

pub(crate) async fn invoice(app: &TestApp, browser: &Browser, id: &str) -> Value {
    let mut browser = browser.clone();
    let response = app.call::<GetInvoice>(&mut browser, &[("id", id)]).await;
    assert_eq!(response.status(), StatusCode::OK);
    json(response).await[0].clone()
}

async fn issue(app: &TestApp, browser: &Browser, id: &str) -> reqwest::Response {
    let mut browser = browser.clone();
    app.call::<IssueInvoice>(&mut browser, &[("id", id)]).await
}

pub fn year() -> i32 {
    chrono::Utc::now().year()
}

#[tokio::test]
async fn a_completed_visit_is_invoiced_in_two_steps_and_issued_with_the_next_number() {
    let app = spawn_app().await;
    let org = app.org("Clinic").await;
    let s = app.schedule(&org).await;
    let visit = completed_visit(&app, &org, &s, "09:00").await.to_string();
    let mut owner = org.owner.clone();

    let drafted = app
        .call::<InvoiceVisit>(&mut owner, &[("appointment_id", &visit)])
        .await;
    assert_eq!(drafted.status(), StatusCode::OK);
    let id: String = json(drafted).await.as_str().unwrap().to_owned();
    let again = json(
        app.call::<InvoiceVisit>(&mut owner, &[("appointment_id", &visit)])
            .await,
    )
    .await;
    assert_eq!(again, id.as_str(), "a second click opens the same invoice");
    let draft = invoice(&app, &owner, &id).await;
    assert_eq!(draft["status"], "draft");
    assert_eq!(draft["lines"][0]["description"], "Physiotherapy");
    assert_eq!(draft["totals"]["total"], 5000);

    let issued = issue(&app, &owner, &id).await;
    assert_eq!(issued.status(), StatusCode::OK);
    assert_eq!(json(issued).await, format!("INV-{}-000001", year()));
    let shown = invoice(&app, &owner, &id).await;
    assert_eq!(shown["status"], "issued");
    assert_eq!(shown["balance"], 5000);
    let log = json(app.call::<GetInvoice>(&mut owner, &[("id", &id)]).await).await[1].clone();
    assert!(
        log.as_array().unwrap().iter().any(|e| e["action"] == "invoice.issued"),
        "the change log: {log}"
    );

    // Issued is final: no line is added, by the app or by any statement.
    let added = app
        .call::<AddInvoiceLine>(
            &mut owner,
            &[("id", &id), ("description", "Extra"), ("unit_price", "5")],
        )
        .await;
    assert_eq!(added.status(), StatusCode::CONFLICT);
    let rewrite = sqlx::query("update invoices set total_minor = 1 where id = $1::uuid")
        .bind(&id)
        .execute(&app.db)
        .await;
    assert!(rewrite.is_err(), "the trigger refuses it");
    assert_eq!(
        issue(&app, &owner, &id).await.status(),
        StatusCode::CONFLICT,
        "issued once"
    );

    // A hand-made invoice takes the next number; an empty one takes none.
    let patient = json(app.call::<GetInvoices>(&mut owner, &[("show", "all")]).await).await;
    assert_eq!(patient["invoices"].as_array().unwrap().len(), 1);
    let patient_id: String = sqlx::query_scalar("select patient_id::text from invoices where id = $1::uuid")
        .bind(&id)
        .fetch_one(&app.db)
        .await
        .unwrap();
    let empty: String = json(
        app.call::<DraftInvoice>(&mut owner, &[("patient_id", &patient_id)])
            .await,
    )
    .await
    .as_str()
    .unwrap()
    .to_owned();
    assert_eq!(issue(&app, &owner, &empty).await.status(), StatusCode::CONFLICT);
    let line = app
        .call::<AddInvoiceLine>(
            &mut owner,
            &[
                ("id", &empty),
                ("description", "Massage oil"),
                ("quantity", "2"),
                ("unit_price", "12.50"),
                ("discount", "10"),
                ("tax", "20"),
            ],
        )
        .await;
    assert_eq!(line.status(), StatusCode::OK, "{}", line.text().await.unwrap());
    let hand = invoice(&app, &owner, &empty).await;
    // 25.00 less 10 % = 22.50, plus 20 % tax = 4.50: 27.00.
    assert_eq!(hand["totals"]["total"], 2700);
    assert_eq!(
        json(issue(&app, &owner, &empty).await).await,
        format!("INV-{}-000002", year())
    );

    // The currency is fixed once an invoice exists.
    let currency = app
        .call::<SaveOrganization>(&mut owner, &[("name", "Clinic"), ("currency", "USD")])
        .await;
    assert_eq!(currency.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(currency.text().await.unwrap().contains("the currency stays"));
}

#[tokio::test]
async fn two_hundred_issues_at_once_take_two_hundred_consecutive_numbers_and_a_rollback_leaves_no_gap() {
    let app = spawn_app().await;
    let org = app.org("Clinic").await;
    let s = app.schedule(&org).await;
    let booked = app.booked(&org.owner, &s, s.monday, "09:00").await;
    let drafts: Vec<Uuid> = sqlx::query_scalar(
        "with d as (insert into invoices (org_id, branch_id, patient_id, currency, tax_mode)
                    select $1, $2, $3, 'EUR', 'exclusive' from generate_series(1, 200) returning id),
              l as (insert into invoice_lines (org_id, invoice_id, position, description, quantity, unit_price_minor)
                    select $1, id, 1, 'Treatment', 1, 4500 from d)
         select id from d",
    )
    .bind(org.id)
    .bind(org.branch_id)
    .bind(booked.patient_id)
    .fetch_all(&app.db)
    .await
    .unwrap();

    let storm = drafts.iter().map(|id| {
        let (app, owner, id) = (&app, &org.owner, id.to_string());
        async move {
            let response = issue(app, owner, &id).await;
            assert_eq!(response.status(), StatusCode::OK);
            json(response).await.as_str().unwrap().to_owned()
        }
    });
    let mut numbers: Vec<String> = futures_util::future::join_all(storm).await;
    numbers.sort();
    let expected: Vec<String> = (1..=200).map(|n| format!("INV-{}-{n:06}", year())).collect();
    assert_eq!(numbers, expected, "consecutive, no gap, no duplicate");

    // A transaction that takes a number and rolls back gives it back.
    let mut conn = app.app_role_connection().await;
    let mut tx = sqlx::Connection::begin(&mut conn).await.unwrap();
    sqlx::query("select set_config('app.org_id', $1, true)")
        .bind(org.id.to_string())
        .execute(&mut *tx)
        .await
        .unwrap();
    let taken: i64 = sqlx::query_scalar("select invoice_number_take($1, 'invoice', $2)")
        .bind(org.id)
        .bind(year())
        .fetch_one(&mut *tx)
        .await
        .unwrap();
    assert_eq!(taken, 201);
    tx.rollback().await.unwrap();
    let next: Uuid = sqlx::query_scalar(
        "with d as (insert into invoices (org_id, branch_id, patient_id, currency, tax_mode)
                    values ($1, $2, $3, 'EUR', 'exclusive') returning id),
              l as (insert into invoice_lines (org_id, invoice_id, position, description, quantity, unit_price_minor)
                    select $1, id, 1, 'Treatment', 1, 4500 from d)
         select id from d",
    )
    .bind(org.id)
    .bind(org.branch_id)
    .bind(booked.patient_id)
    .fetch_one(&app.db)
    .await
    .unwrap();
    let issued = issue(&app, &org.owner, &next.to_string()).await;
    assert_eq!(
        json(issued).await,
        format!("INV-{}-000201", year()),
        "no gap after the rollback"
    );
}

#[tokio::test]
async fn a_credit_note_cancels_its_invoice_in_a_series_of_its_own() {
    let app = spawn_app().await;
    let org = app.org("Clinic").await;
    let s = app.schedule(&org).await;
    let mut owner = org.owner.clone();
    let saved = app
        .call::<SaveInvoiceSettings>(
            &mut owner,
            &[
                ("legal_name", "Willow Physio Ltd"),
                ("address", "1 Willow Street\nLondon"),
                ("tax_id", "GB123456789"),
                ("notes", "Pay by bank transfer."),
                ("payment_terms_days", "30"),
                ("invoice_prefix", "wp"),
                ("credit_note_prefix", "wpc"),
                ("tax_mode", "inclusive"),
                ("default_tax", "20"),
            ],
        )
        .await;
    assert_eq!(saved.status(), StatusCode::OK, "{}", saved.text().await.unwrap());
    let visit = completed_visit(&app, &org, &s, "09:00").await.to_string();
    let id: String = json(
        app.call::<InvoiceVisit>(&mut owner, &[("appointment_id", &visit)])
            .await,
    )
    .await
    .as_str()
    .unwrap()
    .to_owned();
    assert_eq!(
        json(issue(&app, &owner, &id).await).await,
        format!("WP-{}-000001", year())
    );
    let issued = invoice(&app, &owner, &id).await;
    assert_eq!(issued["seller_name"], "Willow Physio Ltd");
    assert_eq!(issued["notes"], "Pay by bank transfer.");
    // £50.00 including 20 % tax.
    assert_eq!(
        (
            &issued["totals"]["net"],
            &issued["totals"]["tax"],
            &issued["totals"]["total"]
        ),
        (&Value::from(4167), &Value::from(833), &Value::from(5000))
    );

    let credited = app.call::<CreditInvoice>(&mut owner, &[("id", &id)]).await;
    assert_eq!(credited.status(), StatusCode::OK);
    let note_id: String = json(credited).await.as_str().unwrap().to_owned();
    let note = invoice(&app, &owner, &note_id).await;
    assert_eq!(note["kind"], "credit_note");
    assert_eq!(note["number_label"], format!("WPC-{}-000001", year()));
    assert_eq!(note["totals"]["total"], -5000);
    assert_eq!(note["credits"][0], id.as_str());
    let voided = invoice(&app, &owner, &id).await;
    assert_eq!(voided["status"], "void");
    assert_eq!(voided["credited_by"][0][1], format!("WPC-{}-000001", year()));
    let twice = app.call::<CreditInvoice>(&mut owner, &[("id", &id)]).await;
    assert_eq!(twice.status(), StatusCode::CONFLICT);

    // The visit can be invoiced again, with the next number.
    let redo: String = json(
        app.call::<InvoiceVisit>(&mut owner, &[("appointment_id", &visit)])
            .await,
    )
    .await
    .as_str()
    .unwrap()
    .to_owned();
    assert_ne!(redo, id);
    assert_eq!(
        json(issue(&app, &owner, &redo).await).await,
        format!("WP-{}-000002", year())
    );
}

/// An issued invoice of a completed visit at `time`; its id.
pub async fn issued_visit(app: &TestApp, org: &Org, s: &Schedule, time: &str) -> String {
    let visit = completed_visit(app, org, s, time).await.to_string();
    let mut owner = org.owner.clone();
    let id: String = json(
        app.call::<InvoiceVisit>(&mut owner, &[("appointment_id", &visit)])
            .await,
    )
    .await
    .as_str()
    .unwrap()
    .to_owned();
    assert_eq!(issue(app, &owner, &id).await.status(), StatusCode::OK);
    id
}

pub async fn pay(
    app: &TestApp,
    browser: &Browser,
    invoice: &str,
    method: &str,
    amount: &str,
    key: &str,
) -> reqwest::Response {
    let mut browser = browser.clone();
    app.call::<RecordPayment>(
        &mut browser,
        &[
            ("id", invoice),
            ("method", method),
            ("amount", amount),
            ("reference", ""),
            ("key", key),
        ],
    )
    .await
}

async fn paid_and_status(app: &TestApp, invoice: &str) -> (i64, String) {
    sqlx::query_as("select paid_minor, status from invoices where id = $1::uuid")
        .bind(invoice)
        .fetch_one(&app.db)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_payment_pays_its_invoice_then_the_oldest_and_the_rest_is_credit_used_and_refunded_within_what_was_paid() {
    let app = spawn_app().await;
    let org = app.org("Clinic").await;
    let s = app.schedule(&org).await;
    // One patient, two visits: book the second for the first's patient.
    let first = issued_visit(&app, &org, &s, "09:00").await;
    let patient: Uuid = sqlx::query_scalar("select patient_id from invoices where id = $1::uuid")
        .bind(&first)
        .fetch_one(&app.db)
        .await
        .unwrap();
    let mut owner = org.owner.clone();
    let second_visit = {
        let booked = app
            .book(
                &org.owner,
                &s,
                s.monday,
                "11:00",
                &[("patient_id", &patient.to_string())],
            )
            .await;
        assert_eq!(booked.status(), StatusCode::OK);
        let id: Uuid = sqlx::query_scalar("select id from appointments order by created_at desc limit 1")
            .fetch_one(&app.db)
            .await
            .unwrap();
        for status in ["arrived", "in_progress", "completed"] {
            app.call::<SetAppointmentStatus>(&mut owner, &[("id", &id.to_string()), ("status", status)])
                .await;
        }
        id.to_string()
    };
    let second: String = json(
        app.call::<InvoiceVisit>(&mut owner, &[("appointment_id", &second_visit)])
            .await,
    )
    .await
    .as_str()
    .unwrap()
    .to_owned();
    assert_eq!(issue(&app, &owner, &second).await.status(), StatusCode::OK);

    // £70 on the second invoice: it is paid, and the first (older) gets £20.
    let key = Uuid::new_v4().to_string();
    assert_eq!(
        pay(&app, &owner, &second, "cash", "70", &key).await.status(),
        StatusCode::OK
    );
    assert_eq!(
        pay(&app, &owner, &second, "cash", "70", &key).await.status(),
        StatusCode::OK,
        "sent twice"
    );
    let payments: i64 = sqlx::query_scalar("select count(*) from payments")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(payments, 1, "a form sent twice records one payment");
    assert_eq!(paid_and_status(&app, &second).await, (5000, "paid".into()));
    assert_eq!(paid_and_status(&app, &first).await, (2000, "partially_paid".into()));
    // The same key on an open invoice is one payment too.
    let again = Uuid::new_v4().to_string();
    assert_eq!(
        pay(&app, &owner, &first, "card", "40", &again).await.status(),
        StatusCode::OK
    );
    assert_eq!(
        pay(&app, &owner, &first, "card", "40", &again).await.status(),
        StatusCode::OK
    );
    let payments: i64 = sqlx::query_scalar("select count(*) from payments")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(payments, 2);
    assert_eq!(paid_and_status(&app, &first).await, (5000, "paid".into()));
    let shown = invoice(&app, &owner, &first).await;
    assert_eq!(shown["patient_credit"], 1000, "£10 over: credit");
    assert_eq!(shown["payments"].as_array().unwrap().len(), 2);

    // Refund £15 of the card payment: £10 of credit, and £5 taken back from the invoice.
    let card: Uuid = sqlx::query_scalar("select id from payments where method = 'card'")
        .fetch_one(&app.db)
        .await
        .unwrap();
    let too_much = app
        .call::<RefundPayment>(
            &mut owner,
            &[
                ("payment_id", &card.to_string()),
                ("amount", "41"),
                ("method", "card"),
                ("reason", "Goodwill"),
            ],
        )
        .await;
    assert_eq!(
        too_much.status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "never beyond what was paid"
    );
    let refunded = app
        .call::<RefundPayment>(
            &mut owner,
            &[
                ("payment_id", &card.to_string()),
                ("amount", "15"),
                ("method", "card"),
                ("reason", "Goodwill"),
            ],
        )
        .await;
    assert_eq!(refunded.status(), StatusCode::OK, "{}", refunded.text().await.unwrap());
    assert_eq!(paid_and_status(&app, &first).await, (4500, "partially_paid".into()));
    let shown = invoice(&app, &owner, &first).await;
    assert_eq!(
        (shown["balance"].as_i64(), shown["patient_credit"].as_i64()),
        (Some(500), Some(0))
    );

    // Overpay the first again by £20, and the credit pays a new hand-made invoice.
    assert_eq!(
        pay(&app, &owner, &first, "cash", "25", &Uuid::new_v4().to_string())
            .await
            .status(),
        StatusCode::OK
    );
    let extra: String = json(
        app.call::<DraftInvoice>(&mut owner, &[("patient_id", &patient.to_string())])
            .await,
    )
    .await
    .as_str()
    .unwrap()
    .to_owned();
    app.call::<AddInvoiceLine>(
        &mut owner,
        &[("id", &extra), ("description", "Oil"), ("unit_price", "30")],
    )
    .await;
    assert_eq!(issue(&app, &owner, &extra).await.status(), StatusCode::OK);
    assert_eq!(
        app.call::<UseCredit>(&mut owner, &[("id", &extra)]).await.status(),
        StatusCode::OK
    );
    assert_eq!(paid_and_status(&app, &extra).await, (2000, "partially_paid".into()));
    let account = invoice(&app, &owner, &extra).await;
    assert_eq!(
        (account["balance"].as_i64(), account["patient_credit"].as_i64()),
        (Some(1000), Some(0))
    );

    // The day's takings: £95 in cash, £40 by card less £15 given back.
    let takings = json(app.call::<GetTakings>(&mut owner, &[("date", "")]).await).await;
    assert_eq!(takings["methods"][0]["method"], "cash");
    assert_eq!(takings["methods"][0]["received"], 9500);
    assert_eq!(takings["methods"][1]["received"], 4000);
    assert_eq!(takings["methods"][1]["refunded"], 1500);
    assert_eq!(takings["staff"].as_array().unwrap().len(), 2, "one person, two methods");

    // Crediting a paid invoice gives its payments back as credit.
    assert_eq!(
        app.call::<CreditInvoice>(&mut owner, &[("id", &second)]).await.status(),
        StatusCode::OK
    );
    let after = invoice(&app, &owner, &extra).await;
    assert_eq!(after["patient_credit"], 5000);
}

#[tokio::test]
async fn payments_racing_on_one_invoice_never_pay_it_beyond_its_total() {
    let app = spawn_app().await;
    let org = app.org("Clinic").await;
    let s = app.schedule(&org).await;
    let id = issued_visit(&app, &org, &s, "09:00").await;
    let race = (0..20).map(|_| {
        let (app, owner, id) = (&app, &org.owner, id.clone());
        async move {
            pay(app, owner, &id, "card", "10", &Uuid::new_v4().to_string())
                .await
                .status()
        }
    });
    let statuses = futures_util::future::join_all(race).await;
    let ok = statuses.iter().filter(|s| **s == StatusCode::OK).count();
    assert!(ok >= 5, "at least the five that pay it: {statuses:?}");
    assert!(
        statuses
            .iter()
            .all(|s| *s == StatusCode::OK || *s == StatusCode::CONFLICT),
        "{statuses:?}"
    );
    assert_eq!(paid_and_status(&app, &id).await, (5000, "paid".into()));
    let (allocated, received): (i64, i64) = sqlx::query_as(
        "select (select sum(amount_minor)::bigint from payment_allocations), (select sum(amount_minor)::bigint from payments)",
    )
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert_eq!(allocated, 5000, "never more than the total");
    assert_eq!(received - allocated, 1000 * ok as i64 - 5000, "the rest is credit");
}

#[tokio::test]
async fn another_organizations_invoice_is_not_found() {
    let app = spawn_app().await;
    let org = app.org("Clinic").await;
    let s = app.schedule(&org).await;
    let visit = completed_visit(&app, &org, &s, "09:00").await.to_string();
    let mut owner = org.owner.clone();
    let id: String = json(
        app.call::<InvoiceVisit>(&mut owner, &[("appointment_id", &visit)])
            .await,
    )
    .await
    .as_str()
    .unwrap()
    .to_owned();
    let other = app.org("Other").await;
    let mut stranger = other.owner.clone();
    for response in [
        app.call::<GetInvoice>(&mut stranger, &[("id", &id)]).await,
        app.call::<IssueInvoice>(&mut stranger, &[("id", &id)]).await,
        app.call::<InvoiceVisit>(&mut stranger, &[("appointment_id", &visit)])
            .await,
        app.call::<AddInvoiceLine>(&mut stranger, &[("id", &id), ("description", "x"), ("unit_price", "1")])
            .await,
        pay(&app, &stranger, &id, "cash", "1", &Uuid::new_v4().to_string()).await,
        app.call::<UseCredit>(&mut stranger, &[("id", &id)]).await,
    ] {
        assert_eq!(response.status(), StatusCode::NOT_FOUND);
    }
    let list = json(app.call::<GetInvoices>(&mut stranger, &[("show", "all")]).await).await;
    assert_eq!(list["invoices"], serde_json::json!([]));
}

/// The invoices' server functions.
pub fn surface() -> Vec<crate::security::Entry> {
    use crate::security::{Caller::Staff, Entry, Ids, Input};
    use careops::{
        app::billing::{DiscardInvoice, GetInvoiceSettings, RemoveInvoiceLine},
        domain::access::Action::{
            ManageBillingSettings, ManageInvoices, RefundPayments, TakePayments, ViewInvoices, ViewTakings,
        },
    };
    vec![
        Entry::function::<GetInvoices>(Staff(ViewInvoices), Ids::None, |_| {
            Input::form([("show", "all".into())])
        }),
        Entry::function::<GetInvoice>(Staff(ViewInvoices), Ids::Org, |t| {
            Input::form([("id", t.side.draft_invoice.to_string())])
        }),
        Entry::function::<InvoiceVisit>(Staff(ManageInvoices), Ids::Org, |t| {
            Input::form([("appointment_id", t.spare().to_invoice.to_string())])
        })
        .writes(),
        Entry::function::<DraftInvoice>(Staff(ManageInvoices), Ids::Org, |t| {
            Input::form([("patient_id", t.side.patient.to_string())])
        })
        .writes(),
        Entry::function::<AddInvoiceLine>(Staff(ManageInvoices), Ids::Org, |t| {
            Input::form([
                ("id", t.side.draft_invoice.to_string()),
                ("description", "Massage oil".into()),
                ("unit_price", "12".into()),
            ])
        })
        .writes(),
        Entry::function::<RemoveInvoiceLine>(Staff(ManageInvoices), Ids::Org, |t| {
            Input::form([
                ("id", t.side.draft_invoice.to_string()),
                ("line_id", t.spare().invoice_line.to_string()),
            ])
        })
        .writes(),
        Entry::function::<IssueInvoice>(Staff(ManageInvoices), Ids::Org, |t| {
            Input::form([("id", t.spare().to_issue.to_string())])
        })
        .writes(),
        Entry::function::<DiscardInvoice>(Staff(ManageInvoices), Ids::Org, |t| {
            Input::form([("id", t.spare().to_discard.to_string())])
        })
        .writes(),
        Entry::function::<CreditInvoice>(Staff(ManageInvoices), Ids::Org, |t| {
            Input::form([("id", t.spare().to_credit.to_string())])
        })
        .writes(),
        Entry::function::<RecordPayment>(Staff(TakePayments), Ids::Org, |t| {
            Input::form([
                ("id", t.spare().to_pay.to_string()),
                ("method", "cash".into()),
                ("amount", "10".into()),
                ("reference", String::new()),
                ("key", Uuid::new_v4().to_string()),
            ])
        })
        .writes(),
        Entry::function::<UseCredit>(Staff(TakePayments), Ids::Org, |t| {
            Input::form([("id", t.spare().to_settle.to_string())])
        })
        .writes(),
        Entry::function::<RefundPayment>(Staff(RefundPayments), Ids::Org, |t| {
            Input::form([
                ("payment_id", t.spare().to_refund.to_string()),
                ("amount", "1".into()),
                ("method", "cash".into()),
                ("reason", "Overcharged".into()),
            ])
        })
        .writes(),
        Entry::function::<GetTakings>(Staff(ViewTakings), Ids::None, |_| {
            Input::form([("date", String::new())])
        }),
        Entry::function::<GetInvoiceSettings>(Staff(ManageBillingSettings), Ids::None, |_| Input::none()),
        Entry::function::<SaveInvoiceSettings>(Staff(ManageBillingSettings), Ids::None, |t| {
            Input::form([
                ("legal_name", format!("Clinic {}", t.round)),
                ("address", String::new()),
                ("tax_id", String::new()),
                ("notes", String::new()),
                ("payment_terms_days", "14".into()),
                ("invoice_prefix", "INV".into()),
                ("credit_note_prefix", "CN".into()),
                ("tax_mode", "exclusive".into()),
                ("default_tax", "0".into()),
            ])
        })
        .writes(),
    ]
}
