//! The REST API of the visit and the money: a visit from arrival to a paid invoice, its
//! credit note and refund; `Idempotency-Key` on POSTs (a payment sent twice is one
//! payment); bad input answered in JSON.

use reqwest::{Method, StatusCode};
use serde_json::{json as body, Value};
use uuid::Uuid;

use crate::{billing::year, common::*};

async fn send(app: &TestApp, token: &str, method: Method, path: &str, payload: Option<Value>) -> (StatusCode, Value) {
    let mut request = app.api(method, path, token, None);
    if let Some(payload) = payload {
        request = request.json(&payload);
    }
    let response = request.send().await.unwrap();
    let status = response.status();
    let text = response.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

#[tokio::test]
async fn a_visit_goes_from_arrival_to_a_paid_invoice_through_the_api() {
    let app = spawn_app().await;
    let org = app.org("Clinic").await;
    let s = app.schedule(&org).await;
    let token = app.api_token(&org.owner).await;
    let visit = app.booked(&org.owner, &s, s.monday, "09:00").await.id;
    let appointment = format!("/api/v1/calendar/appointments/{visit}");

    let (status, early) = send(
        &app,
        &token,
        Method::POST,
        &format!("/api/v1/visits/{visit}/services"),
        Some(body!({"service_id": s.service})),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "{early}");
    assert!(early["detail"].as_str().unwrap().contains("Start the visit first"));
    for step in ["arrived", "in_progress"] {
        let (status, _) = send(&app, &token, Method::PATCH, &appointment, Some(body!({"status": step}))).await;
        assert_eq!(status, StatusCode::OK, "{step}");
    }
    let (status, record) = send(
        &app,
        &token,
        Method::POST,
        &format!("/api/v1/visits/{visit}/services"),
        Some(body!({"service_id": s.service, "quantity": 2, "price": 4000})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{record}");
    // The booked service is recorded when the visit starts; this one beside it.
    assert_eq!(record["services"][0]["unit_price"], 5000);
    assert_eq!(record["services"][1]["quantity"], 2);
    assert_eq!(record["services"][1]["unit_price"], 4000);
    let (status, _) = send(
        &app,
        &token,
        Method::PATCH,
        &appointment,
        Some(body!({"status": "completed"})),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let (_, record) = send(&app, &token, Method::GET, &format!("/api/v1/visits/{visit}"), None).await;
    assert_eq!(record["status"], "completed");
    assert!(record["completed_local"].is_string());
    assert!(record["note"].is_object(), "the owner reads notes");

    // Two calls: the visit's draft, then the same invoice again.
    let (status, draft) = send(
        &app,
        &token,
        Method::POST,
        "/api/v1/invoices",
        Some(body!({"appointment_id": visit})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{draft}");
    assert_eq!(draft["status"], "draft");
    assert_eq!(draft["totals"]["total"], 5000 + 8000);
    let id = draft["id"].as_str().unwrap().to_owned();
    let (status, again) = send(
        &app,
        &token,
        Method::POST,
        "/api/v1/invoices",
        Some(body!({"appointment_id": visit})),
    )
    .await;
    assert_eq!((status, again["id"].as_str()), (StatusCode::OK, Some(id.as_str())));

    let (status, with_oil) = send(
        &app,
        &token,
        Method::POST,
        &format!("/api/v1/invoices/{id}/lines"),
        Some(body!({"description": "Massage oil", "unit_price": 1000, "tax": 20})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{with_oil}");
    assert_eq!(with_oil["lines"][2]["amounts"]["tax_bp"], 2000);
    assert_eq!(with_oil["totals"]["total"], 13000 + 1200);
    let (status, issued) = send(
        &app,
        &token,
        Method::POST,
        &format!("/api/v1/invoices/{id}/issue"),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{issued}");
    assert_eq!(issued["number_label"], format!("INV-{}-000001", year()));
    let (status, refused) = send(
        &app,
        &token,
        Method::POST,
        &format!("/api/v1/invoices/{id}/lines"),
        Some(body!({"description": "Late", "unit_price": 100})),
    )
    .await;
    assert_eq!(
        status,
        StatusCode::CONFLICT,
        "an issued invoice never changes: {refused}"
    );

    // Part cash, part card.
    for (method, amount) in [("cash", 5000), ("card", 9200)] {
        let (status, paid) = send(
            &app,
            &token,
            Method::POST,
            &format!("/api/v1/invoices/{id}/payments"),
            Some(body!({"method": method, "amount": amount, "reference": "desk"})),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{paid}");
    }
    let (_, paid) = send(&app, &token, Method::GET, &format!("/api/v1/invoices/{id}"), None).await;
    assert_eq!(
        (paid["status"].as_str(), paid["balance"].as_i64()),
        (Some("paid"), Some(0))
    );
    let history: Vec<&str> = paid["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["action"].as_str().unwrap())
        .collect();
    assert!(history.contains(&"invoice.issued"), "{history:?}");
    let (_, payments) = send(
        &app,
        &token,
        Method::GET,
        &format!("/api/v1/invoices/{id}/payments"),
        None,
    )
    .await;
    assert_eq!(payments.as_array().unwrap().len(), 2);
    let card = payments
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["method"] == "card")
        .unwrap();
    let card_id = card["payment_id"].as_str().unwrap();

    let (status, too_much) = send(
        &app,
        &token,
        Method::POST,
        &format!("/api/v1/payments/{card_id}/refunds"),
        Some(body!({"amount": 9201, "method": "card", "reason": "Overcharged"})),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{too_much}");
    let (status, refund) = send(
        &app,
        &token,
        Method::POST,
        &format!("/api/v1/payments/{card_id}/refunds"),
        Some(body!({"amount": 200, "method": "card", "reason": "Overcharged"})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{refund}");
    assert_eq!(
        (refund["amount"].as_i64(), refund["method"].as_str()),
        (Some(200), Some("card"))
    );
    let (_, owing) = send(&app, &token, Method::GET, &format!("/api/v1/invoices/{id}"), None).await;
    assert_eq!(owing["balance"], 200, "the refunded part is owed again");

    let (status, note) = send(
        &app,
        &token,
        Method::POST,
        &format!("/api/v1/invoices/{id}/credit"),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{note}");
    assert_eq!(note["kind"], "credit_note");
    assert_eq!(note["credits"][0], id.as_str());
    assert_eq!(note["totals"]["total"], -14200);
    let (_, list) = send(&app, &token, Method::GET, "/api/v1/invoices?show=all", None).await;
    assert_eq!(list["invoices"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn a_payment_sent_twice_with_one_idempotency_key_is_recorded_once() {
    let app = spawn_app().await;
    let org = app.org("Clinic").await;
    let s = app.schedule(&org).await;
    app.booked(&org.owner, &s, s.monday, "09:00").await;
    let token = app.api_token(&org.owner).await;
    let patient: Uuid = sqlx::query_scalar("select id from patients limit 1")
        .fetch_one(&app.db)
        .await
        .unwrap();

    let post = |path: String, key: &'static str, payload: Value| {
        app.api(Method::POST, &path, &token, None)
            .header("Idempotency-Key", key)
            .json(&payload)
            .send()
    };
    let first = post("/api/v1/invoices".into(), "draft-1", body!({"patient_id": patient}))
        .await
        .unwrap();
    assert_eq!(first.status(), StatusCode::CREATED);
    assert!(first.headers().get("idempotent-replayed").is_none());
    let first = json(first).await;
    let replayed = post("/api/v1/invoices".into(), "draft-1", body!({"patient_id": patient}))
        .await
        .unwrap();
    assert_eq!(replayed.status(), StatusCode::CREATED);
    assert_eq!(replayed.headers()["idempotent-replayed"], "true");
    assert_eq!(
        json(replayed).await["id"],
        first["id"],
        "the same draft, not a second one"
    );
    let drafts: i64 = sqlx::query_scalar("select count(*) from invoices")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(drafts, 1);

    let other = post(
        "/api/v1/invoices".into(),
        "draft-1",
        body!({"patient_id": Uuid::new_v4()}),
    )
    .await
    .unwrap();
    assert_eq!(other.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(json(other).await["detail"].as_str().unwrap().contains("new key"));

    let id = first["id"].as_str().unwrap().to_owned();
    let line = post(
        format!("/api/v1/invoices/{id}/lines"),
        "line-1",
        body!({"description": "Treatment", "unit_price": 5000}),
    )
    .await
    .unwrap();
    assert_eq!(line.status(), StatusCode::CREATED);
    let issued = post(format!("/api/v1/invoices/{id}/issue"), "issue-1", body!({}))
        .await
        .unwrap();
    assert_eq!(issued.status(), StatusCode::OK);

    // Sent at once, twice, then again: one payment.
    let pay = || {
        post(
            format!("/api/v1/invoices/{id}/payments"),
            "pay-1",
            body!({"method": "cash", "amount": 2000}),
        )
    };
    let (a, b) = tokio::join!(pay(), pay());
    let statuses = [a.unwrap().status(), b.unwrap().status()];
    assert!(statuses.contains(&StatusCode::CREATED), "{statuses:?}");
    assert!(
        statuses
            .iter()
            .all(|s| [StatusCode::CREATED, StatusCode::CONFLICT].contains(s)),
        "{statuses:?}"
    );
    let later = pay().await.unwrap();
    assert_eq!(later.status(), StatusCode::CREATED);
    assert_eq!(json(later).await["paid"], 2000);
    let payments: i64 = sqlx::query_scalar("select count(*) from payments")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(payments, 1, "one payment, however often it was sent");

    // Another token's same key is its own.
    let second = app.api_token(&org.owner).await;
    let theirs = app
        .api(Method::POST, &format!("/api/v1/invoices/{id}/payments"), &second, None)
        .header("Idempotency-Key", "pay-1")
        .json(&body!({"method": "cash", "amount": 500}))
        .send()
        .await
        .unwrap();
    assert_eq!(theirs.status(), StatusCode::CREATED);
    assert_eq!(json(theirs).await["paid"], 2500);

    let bad = app
        .api(Method::POST, "/api/v1/invoices", &token, None)
        .header("Idempotency-Key", "x".repeat(300))
        .json(&body!({"patient_id": patient}))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
    assert!(json(bad).await["detail"].as_str().unwrap().contains("Idempotency-Key"));
}

#[tokio::test]
async fn bad_billing_input_is_a_4xx_in_json_and_changes_nothing() {
    let app = spawn_app().await;
    let org = app.org("Clinic").await;
    let s = app.schedule(&org).await;
    let token = app.api_token(&org.owner).await;
    let visit = app.booked(&org.owner, &s, s.monday, "09:00").await.id;

    let cases = [
        (
            Method::POST,
            "/api/v1/invoices".to_owned(),
            body!({}),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            Method::POST,
            "/api/v1/invoices".to_owned(),
            body!({"appointment_id": visit}),
            StatusCode::CONFLICT,
        ),
        (
            Method::POST,
            "/api/v1/invoices".to_owned(),
            body!({"patient_id": Uuid::new_v4()}),
            StatusCode::NOT_FOUND,
        ),
        (
            Method::POST,
            format!("/api/v1/invoices/{}/payments", Uuid::new_v4()),
            body!({"method": "cash", "amount": 100}),
            StatusCode::NOT_FOUND,
        ),
        (
            Method::POST,
            "/api/v1/invoices".to_owned(),
            body!({"patient_id": "nobody"}),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
    ];
    for (method, path, payload, expected) in cases {
        let (status, answer) = send(&app, &token, method.clone(), &path, Some(payload.clone())).await;
        assert_eq!(status, expected, "{method} {path} {payload}: {answer}");
        assert_eq!(answer["status_code"], expected.as_u16());
        assert!(answer["detail"].is_string());
    }
    let patient: Uuid = sqlx::query_scalar("select id from patients limit 1")
        .fetch_one(&app.db)
        .await
        .unwrap();
    let (_, draft) = send(
        &app,
        &token,
        Method::POST,
        "/api/v1/invoices",
        Some(body!({"patient_id": patient})),
    )
    .await;
    let id = draft["id"].as_str().unwrap();
    for (line, field) in [
        (body!({"description": "", "unit_price": 100}), "description"),
        (
            body!({"description": "Oil", "unit_price": 100, "quantity": 0}),
            "quantity",
        ),
        (body!({"description": "Oil", "unit_price": 100, "tax": 7.125}), "tax"),
        (
            body!({"description": "Oil", "unit_price": 100, "discount": 101}),
            "discount",
        ),
    ] {
        let (status, answer) = send(
            &app,
            &token,
            Method::POST,
            &format!("/api/v1/invoices/{id}/lines"),
            Some(line.clone()),
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{line}: {answer}");
        assert!(
            answer["errors"].as_array().unwrap().iter().any(|e| e["field"] == field),
            "{line}: {answer}"
        );
    }
    let (status, answer) = send(&app, &token, Method::GET, "/api/v1/invoices?show=unpaid", None).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{answer}");
    let (status, _) = send(
        &app,
        &token,
        Method::POST,
        &format!("/api/v1/invoices/{id}/issue"),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "a draft without lines is not issued");
    let lines: i64 = sqlx::query_scalar("select count(*) from invoice_lines")
        .fetch_one(&app.db)
        .await
        .unwrap();
    let numbered: i64 = sqlx::query_scalar("select count(*) from invoices where number is not null")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!((lines, numbered), (0, 0));
    let (status, _) = send(&app, &token, Method::DELETE, &format!("/api/v1/invoices/{id}"), None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
}

/// A payment may say what each of the patient's open invoices gets, from the form as
/// from the API; blank or absent, it pays this invoice first, then the oldest.
#[tokio::test]
async fn a_payment_pays_the_invoices_it_is_told_to() {
    use careops::app::billing::RecordPayment;

    let app = spawn_app().await;
    let org = app.org("Clinic").await;
    let s = app.schedule(&org).await;
    app.booked(&org.owner, &s, s.monday, "09:00").await;
    let token = app.api_token(&org.owner).await;
    let patient: Uuid = sqlx::query_scalar("select id from patients limit 1")
        .fetch_one(&app.db)
        .await
        .unwrap();
    let mut ids = Vec::new();
    for price in [4000, 3000, 2000] {
        let (_, draft) = send(
            &app,
            &token,
            Method::POST,
            "/api/v1/invoices",
            Some(body!({"patient_id": patient})),
        )
        .await;
        let id = draft["id"].as_str().unwrap().to_owned();
        let line = body!({"description": "Treatment", "unit_price": price});
        send(
            &app,
            &token,
            Method::POST,
            &format!("/api/v1/invoices/{id}/lines"),
            Some(line),
        )
        .await;
        let (status, _) = send(
            &app,
            &token,
            Method::POST,
            &format!("/api/v1/invoices/{id}/issue"),
            None,
        )
        .await;
        assert_eq!(status, StatusCode::OK);
        ids.push(id);
    }
    let balance = |n: usize| {
        let (app, token, id) = (&app, &token, ids[n].clone());
        async move {
            send(app, token, Method::GET, &format!("/api/v1/invoices/{id}"), None)
                .await
                .1["balance"]
                .clone()
        }
    };
    let (_, shown) = send(&app, &token, Method::GET, &format!("/api/v1/invoices/{}", ids[2]), None).await;
    let open: Vec<&str> = shown["patient_open"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        open,
        [ids[2].as_str(), ids[0].as_str(), ids[1].as_str()],
        "this one first, then the oldest"
    );

    // On the third invoice's form: 35.00, of which 30.00 to the second, the rest credit.
    let mut owner = org.owner.clone();
    let form = |second: &'static str| {
        let mut fields = vec![
            ("id", ids[2].clone()),
            ("method", "cash".to_owned()),
            ("amount", "35".to_owned()),
            ("key", Uuid::new_v4().to_string()),
        ];
        for (n, amount) in [(2, ""), (0, ""), (1, second)] {
            fields.push(("share_invoice[]", ids[n].clone()));
            fields.push(("share_amount[]", amount.to_owned()));
        }
        fields
    };
    let too_much = form("30.01");
    let fields: Vec<(&str, &str)> = too_much.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let refused = app.call::<RecordPayment>(&mut owner, &fields).await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.text().await.unwrap().contains("more than it still owes"));
    let chosen = form("30");
    let fields: Vec<(&str, &str)> = chosen.iter().map(|(k, v)| (*k, v.as_str())).collect();
    assert_eq!(
        app.call::<RecordPayment>(&mut owner, &fields).await.status(),
        StatusCode::OK
    );
    assert_eq!(
        (balance(0).await, balance(1).await, balance(2).await),
        (body!(4000), body!(0), body!(2000))
    );
    let credit: i64 = sqlx::query_scalar(
        "select (select sum(amount_minor) from payments)::bigint - (select sum(amount_minor) from payment_allocations)::bigint",
    )
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert_eq!(credit, 500, "what no invoice was given is credit");

    // Through the API: 10.00 to the first, nothing to the third.
    let (status, paid) = send(
        &app,
        &token,
        Method::POST,
        &format!("/api/v1/invoices/{}/payments", ids[2]),
        Some(body!({"method": "card", "amount": 1000, "allocations": [{"invoice_id": ids[0], "amount": 1000}]})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{paid}");
    assert_eq!((balance(0).await, balance(2).await), (body!(3000), body!(2000)));
    let (status, stale) = send(
        &app,
        &token,
        Method::POST,
        &format!("/api/v1/invoices/{}/payments", ids[2]),
        Some(body!({"method": "card", "amount": 100, "allocations": [{"invoice_id": ids[1], "amount": 100}]})),
    )
    .await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "a paid invoice is no longer open: {stale}"
    );
}

/// The list shows the newest 200; what the branch is owed counts every open invoice.
#[tokio::test]
async fn the_amount_owed_counts_every_open_invoice_not_only_those_listed() {
    let app = spawn_app().await;
    let org = app.org("Clinic").await;
    let s = app.schedule(&org).await;
    app.booked(&org.owner, &s, s.monday, "09:00").await;
    let token = app.api_token(&org.owner).await;
    sqlx::query(
        "insert into invoices (org_id, branch_id, patient_id, currency, tax_mode, status, year, number, number_label,
                               issued_at, net_minor, total_minor, paid_minor)
         select $1, $2, (select id from patients limit 1), 'EUR', 'exclusive',
                case when n <= 201 then 'issued' when n = 202 then 'partially_paid' else 'paid' end,
                2020, n, 'INV-2020-' || n, now() - (n || ' minutes')::interval, 1000, 1000,
                case when n <= 201 then 900 when n = 202 then 400 else 1000 end
         from generate_series(1, 203) n",
    )
    .bind(org.id)
    .bind(org.branch_id)
    .execute(&app.db)
    .await
    .unwrap();

    let (status, list) = send(&app, &token, Method::GET, "/api/v1/invoices", None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(list["invoices"].as_array().unwrap().len(), 200);
    assert_eq!(
        list["outstanding"],
        201 * 100 + 600,
        "every open invoice, the paid one not"
    );
    let (_, drafts) = send(&app, &token, Method::GET, "/api/v1/invoices?show=drafts", None).await;
    assert_eq!(drafts["invoices"].as_array().unwrap().len(), 0);
    assert_eq!(drafts["outstanding"], 201 * 100 + 600, "whatever the list shows");
}

pub fn surface() -> Vec<crate::security::Entry> {
    use crate::security::{Caller::Staff, Entry, Ids, Input};
    use careops::domain::access::Action::{
        ManageInvoices, RecordVisits, RefundPayments, TakePayments, ViewCalendar, ViewInvoices,
    };
    vec![
        Entry::route(Method::GET, "/api/v1/visits/{id}", Staff(ViewCalendar), Ids::Org, |t| {
            Input::at(format!("/api/v1/visits/{}", t.side.visit))
        }),
        Entry::route(
            Method::POST,
            "/api/v1/visits/{id}/services",
            Staff(RecordVisits),
            Ids::Org,
            |t| {
                Input::at(format!("/api/v1/visits/{}/services", t.side.visit))
                    .json(body!({"service_id": t.side.service}))
            },
        )
        .writes(),
        Entry::route(Method::GET, "/api/v1/invoices", Staff(ViewInvoices), Ids::None, |_| {
            Input::at("/api/v1/invoices?show=all".into())
        }),
        Entry::route(Method::POST, "/api/v1/invoices", Staff(ManageInvoices), Ids::Org, |t| {
            Input::none().json(body!({"patient_id": t.side.patient}))
        })
        .writes(),
        Entry::route(
            Method::GET,
            "/api/v1/invoices/{id}",
            Staff(ViewInvoices),
            Ids::Org,
            |t| Input::at(format!("/api/v1/invoices/{}", t.side.draft_invoice)),
        ),
        Entry::route(
            Method::DELETE,
            "/api/v1/invoices/{id}",
            Staff(ManageInvoices),
            Ids::Org,
            |t| Input::at(format!("/api/v1/invoices/{}", t.spare().api_to_discard)),
        )
        .writes(),
        Entry::route(
            Method::POST,
            "/api/v1/invoices/{id}/lines",
            Staff(ManageInvoices),
            Ids::Org,
            |t| {
                Input::at(format!("/api/v1/invoices/{}/lines", t.side.draft_invoice))
                    .json(body!({"description": "Massage oil", "unit_price": 1200}))
            },
        )
        .writes(),
        Entry::route(
            Method::DELETE,
            "/api/v1/invoices/{id}/lines/{line_id}",
            Staff(ManageInvoices),
            Ids::Org,
            |t| {
                Input::at(format!(
                    "/api/v1/invoices/{}/lines/{}",
                    t.side.draft_invoice,
                    t.spare().api_invoice_line
                ))
            },
        )
        .writes(),
        Entry::route(
            Method::POST,
            "/api/v1/invoices/{id}/issue",
            Staff(ManageInvoices),
            Ids::Org,
            |t| Input::at(format!("/api/v1/invoices/{}/issue", t.spare().api_to_issue)),
        )
        .writes(),
        Entry::route(
            Method::POST,
            "/api/v1/invoices/{id}/credit",
            Staff(ManageInvoices),
            Ids::Org,
            |t| Input::at(format!("/api/v1/invoices/{}/credit", t.spare().api_to_credit)),
        )
        .writes(),
        Entry::route(
            Method::GET,
            "/api/v1/invoices/{id}/payments",
            Staff(ViewInvoices),
            Ids::Org,
            |t| Input::at(format!("/api/v1/invoices/{}/payments", t.side.paid_invoice)),
        ),
        Entry::route(
            Method::POST,
            "/api/v1/invoices/{id}/payments",
            Staff(TakePayments),
            Ids::Org,
            |t| {
                Input::at(format!("/api/v1/invoices/{}/payments", t.spare().to_pay))
                    .json(body!({"method": "card", "amount": 10}))
            },
        )
        .writes(),
        Entry::route(
            Method::POST,
            "/api/v1/payments/{id}/refunds",
            Staff(RefundPayments),
            Ids::Org,
            |t| {
                Input::at(format!("/api/v1/payments/{}/refunds", t.spare().to_refund))
                    .json(body!({"amount": 1, "method": "cash", "reason": "Overcharged"}))
            },
        )
        .writes(),
    ]
}
