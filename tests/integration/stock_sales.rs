//! Products sold on invoices: a line names the product it sells (its name and sale price
//! unless typed), issuing the invoice takes it from the branch's stock (refused when the
//! branch has too little) and the invoice's credit note puts it back.

use careops::app::{
    billing::{AddInvoiceLine, CreditInvoice, DraftInvoice, IssueInvoice, RemoveInvoiceLine},
    inventory::SaveItem,
};
use reqwest::{Method, StatusCode};
use serde_json::{json as body, Value};
use uuid::Uuid;

use crate::{
    billing::invoice,
    common::*,
    inventory::{item, ledger, on_hand, record},
};

/// Adds an item that is sold, at £14.50 a bottle; its id.
async fn product(app: &TestApp, browser: &Browser, name: &str) -> Uuid {
    let mut browser = browser.clone();
    let response = app
        .call::<SaveItem>(
            &mut browser,
            &[
                ("name", name),
                ("unit", "bottle"),
                ("cost", "8"),
                ("sale_price", "14.50"),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK, "{}", response.text().await.unwrap());
    sqlx::query_scalar("select id from inventory_items where name = $1")
        .bind(name)
        .fetch_one(&app.db)
        .await
        .unwrap()
}

async fn sell(app: &TestApp, browser: &Browser, invoice: &str, form: &[(&str, &str)]) -> reqwest::Response {
    let mut browser = browser.clone();
    let mut fields = vec![("id", invoice)];
    fields.extend(form);
    app.call::<AddInvoiceLine>(&mut browser, &fields).await
}

/// The item's sales in the ledger: (invoice, quantity, reason), oldest first.
async fn sales(app: &TestApp, item: Uuid) -> Vec<(Uuid, i32, String)> {
    sqlx::query_as(
        "select invoice_id, quantity, reason from stock_movements where item_id = $1 and kind = 'sell' order by seq",
    )
    .bind(item)
    .fetch_all(&app.db)
    .await
    .unwrap()
}

#[tokio::test]
async fn an_issued_invoice_sells_its_products_from_stock_and_its_credit_note_returns_them() {
    let app = spawn_app().await;
    let org = app.org("Harbour Physio").await;
    let s = app.schedule(&org).await;
    let patient = app.booked(&org.owner, &s, s.monday, "09:00").await.patient_id;
    let mut owner = org.owner.clone();
    let oil = product(&app, &owner, "Massage oil").await;
    let receive = [("kind", "receive"), ("quantity", "3"), ("unit_cost", "8")];
    assert_eq!(record(&app, &owner, oil, &receive).await.status(), StatusCode::OK);
    let gloves = item(&app, &owner, "Gloves").await;
    let draft: String = json(
        app.call::<DraftInvoice>(&mut owner, &[("patient_id", &patient.to_string())])
            .await,
    )
    .await
    .as_str()
    .unwrap()
    .to_owned();

    // The draft offers what is for sale, with what the branch holds; not the gloves.
    let shown = invoice(&app, &owner, &draft).await;
    let products: Vec<&str> = shown["products"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["label"].as_str().unwrap())
        .collect();
    assert_eq!(products.len(), 1, "{products:?}");
    assert!(
        products[0].starts_with("Massage oil, ") && products[0].ends_with("14.50 (3 bottle here)"),
        "{products:?}"
    );

    // An item that is not for sale is refused on the product field, and adds nothing.
    let refused = sell(&app, &owner, &draft, &[("item", &gloves.to_string())]).await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.text().await.unwrap().contains("sale price"));

    // A blank line takes the product's name and price; a typed one keeps what was typed.
    let oil_id = oil.to_string();
    let first = sell(&app, &owner, &draft, &[("item", &oil_id), ("quantity", "2")]).await;
    assert_eq!(first.status(), StatusCode::OK, "{}", first.text().await.unwrap());
    let second = [
        ("item", oil_id.as_str()),
        ("description", "Oil to take home"),
        ("quantity", "2"),
        ("unit_price", "13"),
    ];
    assert_eq!(sell(&app, &owner, &draft, &second).await.status(), StatusCode::OK);
    let shown = invoice(&app, &owner, &draft).await;
    let lines = shown["lines"].as_array().unwrap();
    assert_eq!(lines[0]["description"], "Massage oil");
    assert_eq!(lines[0]["amounts"]["unit_price"], 1450);
    assert_eq!(lines[0]["item_id"], oil_id.as_str());
    assert_eq!(lines[1]["description"], "Oil to take home");
    assert_eq!(lines[1]["amounts"]["unit_price"], 1300);

    // Three bottles cannot make four sold: the invoice stays a draft and nothing moves.
    let mut browser = owner.clone();
    let short = app.call::<IssueInvoice>(&mut browser, &[("id", &draft)]).await;
    assert_eq!(short.status(), StatusCode::CONFLICT);
    let message = short.text().await.unwrap();
    assert!(
        message.contains("Only 3 bottle of Massage oil in stock here, so this invoice's 4 cannot be sold"),
        "{message}"
    );
    assert_eq!(invoice(&app, &owner, &draft).await["status"], "draft");
    assert_eq!(on_hand(&app, &owner, oil).await, 3);
    assert!(sales(&app, oil).await.is_empty());

    // Without the second line it is issued, and the bottles leave the shelf with it.
    let line = lines[1]["id"].as_str().unwrap().to_owned();
    let removed = app
        .call::<RemoveInvoiceLine>(&mut browser, &[("id", &draft), ("line_id", &line)])
        .await;
    assert_eq!(removed.status(), StatusCode::OK);
    assert_eq!(
        app.call::<IssueInvoice>(&mut browser, &[("id", &draft)]).await.status(),
        StatusCode::OK
    );
    assert_eq!(on_hand(&app, &owner, oil).await, 1);
    let invoice_id: Uuid = draft.parse().unwrap();
    assert_eq!(sales(&app, oil).await, vec![(invoice_id, -2, String::new())]);

    // Its credit note puts them back, naming itself.
    let credited = app.call::<CreditInvoice>(&mut browser, &[("id", &draft)]).await;
    assert_eq!(credited.status(), StatusCode::OK);
    let note: Uuid = json(credited).await.as_str().unwrap().parse().unwrap();
    assert_eq!(on_hand(&app, &owner, oil).await, 3);
    let returned = sales(&app, oil).await;
    assert_eq!((returned[1].0, returned[1].1), (note, 2));
    assert!(returned[1].2.starts_with("Credit note CN-"), "{returned:?}");
    let (sum, balance) = ledger(&app, oil, org.branch_id).await;
    assert_eq!((sum, balance), (3, 3));
}

#[tokio::test]
async fn the_api_sells_a_product_by_its_item_and_another_organizations_is_refused() {
    let app = spawn_app().await;
    let org = app.org("Harbour Physio").await;
    let other = app.org("Elsewhere").await;
    let s = app.schedule(&org).await;
    let patient = app.booked(&org.owner, &s, s.monday, "09:00").await.patient_id;
    let token = app.api_token(&org.owner).await;
    let oil = product(&app, &org.owner, "Massage oil").await;
    let theirs = product(&app, &other.owner, "Their oil").await;
    let receive = [("kind", "receive"), ("quantity", "5"), ("unit_cost", "8")];
    assert_eq!(record(&app, &org.owner, oil, &receive).await.status(), StatusCode::OK);
    let post = |path: String, payload: Value| app.api(Method::POST, &path, &token, None).json(&payload).send();
    let created = post("/api/v1/invoices".into(), body!({"patient_id": patient}))
        .await
        .unwrap();
    assert_eq!(created.status(), StatusCode::CREATED);
    let id = created.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let lines = format!("/api/v1/invoices/{id}/lines");

    let foreign = post(lines.clone(), body!({"item_id": theirs})).await.unwrap();
    assert_eq!(foreign.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let error: Value = foreign.json().await.unwrap();
    assert_eq!(error["status_code"], 422);
    let on_item = error["errors"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["field"] == "item");
    assert!(
        on_item.unwrap()["message"].as_str().unwrap().contains("sale price"),
        "{error}"
    );

    let sold = post(lines, body!({"item_id": oil, "quantity": 2})).await.unwrap();
    assert_eq!(sold.status(), StatusCode::CREATED);
    let shown: Value = sold.json().await.unwrap();
    assert_eq!(shown["lines"][0]["description"], "Massage oil");
    assert_eq!(shown["lines"][0]["amounts"]["unit_price"], 1450);
    assert_eq!(shown["products"], body!([]));
    let issued = post(format!("/api/v1/invoices/{id}/issue"), body!({})).await.unwrap();
    assert_eq!(issued.status(), StatusCode::OK);
    assert_eq!(on_hand(&app, &org.owner, oil).await, 3);
}
