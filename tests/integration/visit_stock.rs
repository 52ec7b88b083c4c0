//! What visits use up: a service's materials recipe comes onto its visit, staff change
//! it there, completing the visit takes it from the branch's stock (refused when the
//! branch has too little), and undoing the completion gives it back.

use careops::app::{
    calendar::{SetAppointmentStatus, UndoAppointmentStatus},
    settings::{GetServiceMaterials, RemoveServiceMaterial, SaveServiceMaterial},
    visits::{AddVisitMaterial, AddVisitService, GetVisit, RemoveVisitMaterial, RemoveVisitService},
};
use reqwest::StatusCode;
use serde_json::Value;
use uuid::Uuid;

use crate::{
    common::*,
    inventory::{item, ledger, on_hand, record},
};

async fn step(app: &TestApp, browser: &Browser, id: Uuid, status: &str) -> reqwest::Response {
    let mut browser = browser.clone();
    app.call::<SetAppointmentStatus>(&mut browser, &[("id", &id.to_string()), ("status", status)])
        .await
}

async fn materials(app: &TestApp, browser: &Browser, id: Uuid) -> Vec<Value> {
    let mut browser = browser.clone();
    let response = app.call::<GetVisit>(&mut browser, &[("id", &id.to_string())]).await;
    assert_eq!(response.status(), StatusCode::OK);
    json(response).await["materials"].as_array().unwrap().clone()
}

async fn use_in_visit(app: &TestApp, browser: &Browser, visit: Uuid, item: Uuid, quantity: &str) -> reqwest::Response {
    let mut browser = browser.clone();
    let (visit, item) = (visit.to_string(), item.to_string());
    app.call::<AddVisitMaterial>(
        &mut browser,
        &[("id", &visit), ("item_id", &item), ("quantity", quantity)],
    )
    .await
}

/// The visit's consumptions in the ledger: their count and their sum.
async fn consumed(app: &TestApp, visit: Uuid) -> (i64, i64) {
    sqlx::query_as(
        "select count(*), coalesce(sum(quantity), 0)::bigint from stock_movements
         where appointment_id = $1 and kind = 'consume'",
    )
    .bind(visit)
    .fetch_one(&app.db)
    .await
    .unwrap()
}

#[tokio::test]
async fn a_completed_visit_uses_up_its_materials_and_an_undone_completion_gives_them_back() {
    let app = spawn_app().await;
    let org = app.org("Harbour Physio").await;
    let s = app.schedule(&org).await;
    let mut owner = org.owner.clone();
    let gel = item(&app, &owner, "Gel").await;
    let receive = [("kind", "receive"), ("quantity", "10"), ("unit_cost", "3")];
    assert_eq!(record(&app, &owner, gel, &receive).await.status(), StatusCode::OK);

    // The service's recipe: two of the gel for each one of it.
    let (service, gel_id) = (s.service.to_string(), gel.to_string());
    let set = app
        .call::<SaveServiceMaterial>(
            &mut owner,
            &[("service_id", &service), ("item_id", &gel_id), ("quantity", "2")],
        )
        .await;
    assert_eq!(set.status(), StatusCode::OK, "{}", set.text().await.unwrap());
    let recipe = json(
        app.call::<GetServiceMaterials>(&mut owner, &[("service_id", &service)])
            .await,
    )
    .await;
    assert_eq!(recipe["lines"][0]["item"], "Gel");
    assert_eq!(recipe["lines"][0]["quantity"], 2);
    let nothing = app
        .call::<SaveServiceMaterial>(&mut owner, &[("service_id", &service), ("item_id", "")])
        .await;
    assert_eq!(nothing.status(), StatusCode::UNPROCESSABLE_ENTITY);

    // Starting brings the booked service's recipe; another line of two brings four more.
    let visit = app.booked(&owner, &s, s.monday, "09:00").await.id;
    let (visit_id, service_id) = (visit.to_string(), s.service.to_string());
    for status in ["arrived", "in_progress"] {
        assert_eq!(step(&app, &owner, visit, status).await.status(), StatusCode::OK);
    }
    let brought = materials(&app, &owner, visit).await;
    assert_eq!(brought.len(), 1, "{brought:?}");
    assert_eq!(brought[0]["quantity"], 2);
    assert_eq!(brought[0]["item_id"], gel_id.as_str());
    assert_eq!(brought[0]["consumed"], false);
    let added = app
        .call::<AddVisitService>(
            &mut owner,
            &[("id", &visit_id), ("service_id", &service_id), ("quantity", "2")],
        )
        .await;
    assert_eq!(added.status(), StatusCode::OK);
    // One more from the shelf, named by the item; and the first recipe line taken off.
    assert_eq!(
        use_in_visit(&app, &owner, visit, gel, "1").await.status(),
        StatusCode::OK
    );
    let listed = materials(&app, &owner, visit).await;
    let quantities: Vec<i64> = listed.iter().map(|m| m["quantity"].as_i64().unwrap()).collect();
    assert_eq!(quantities, [2, 4, 1]);
    assert_eq!(listed[2]["description"], "Gel", "the item names it");
    assert_eq!(listed[2]["unit"], "box");
    let first = listed[0]["id"].as_str().unwrap().to_owned();
    let removed = app
        .call::<RemoveVisitMaterial>(&mut owner, &[("id", &visit_id), ("material_id", &first)])
        .await;
    assert_eq!(removed.status(), StatusCode::OK);
    assert_eq!(
        on_hand(&app, &owner, gel).await,
        10,
        "nothing is used before completion"
    );

    // Completion takes the 4 + 1 from stock, in one movement naming the visit.
    assert_eq!(step(&app, &owner, visit, "completed").await.status(), StatusCode::OK);
    assert_eq!(on_hand(&app, &owner, gel).await, 5);
    assert_eq!(consumed(&app, visit).await, (1, -5));
    assert!(materials(&app, &owner, visit)
        .await
        .iter()
        .all(|m| m["consumed"] == true));
    // Added to a completed visit, it is used at once; taken off, it is given back.
    assert_eq!(
        use_in_visit(&app, &owner, visit, gel, "1").await.status(),
        StatusCode::OK
    );
    assert_eq!(on_hand(&app, &owner, gel).await, 4);
    let last = materials(&app, &owner, visit).await[2]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let removed = app
        .call::<RemoveVisitMaterial>(&mut owner, &[("id", &visit_id), ("material_id", &last)])
        .await;
    assert_eq!(removed.status(), StatusCode::OK);
    assert_eq!(on_hand(&app, &owner, gel).await, 5);
    // A service line taken off a completed visit gives back what its recipe used.
    let line: Uuid = sqlx::query_scalar("select id from visit_services where appointment_id = $1 and quantity = 2")
        .bind(visit)
        .fetch_one(&app.db)
        .await
        .unwrap();
    let dropped = app
        .call::<RemoveVisitService>(&mut owner, &[("id", &visit_id), ("line_id", &line.to_string())])
        .await;
    assert_eq!(dropped.status(), StatusCode::OK);
    assert_eq!(on_hand(&app, &owner, gel).await, 9);

    // Undoing the completion gives back the rest; completing again uses it again.
    let undone = app
        .call::<UndoAppointmentStatus>(&mut owner, &[("id", &visit_id)])
        .await;
    assert_eq!(undone.status(), StatusCode::OK, "{}", undone.text().await.unwrap());
    assert_eq!(on_hand(&app, &owner, gel).await, 10);
    assert_eq!(step(&app, &owner, visit, "completed").await.status(), StatusCode::OK);
    assert_eq!(on_hand(&app, &owner, gel).await, 9);
    let (sum, balance) = ledger(&app, gel, org.branch_id).await;
    assert_eq!((sum, balance), (9, 9), "stock is still the ledger's sum");

    // The item's page lists the visit's consumption, linked to it.
    let page = app
        .get(&mut owner, &format!("/app/stock/{gel}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("Used in a visit"), "{page}");
    assert!(page.contains("Given back by a visit"));
    assert!(page.contains(&format!("/app/calendar/appointments/{visit}")));

    // The recipe line can be removed; a visit started after that brings nothing.
    let off = app
        .call::<RemoveServiceMaterial>(&mut owner, &[("service_id", &service), ("item_id", &gel_id)])
        .await;
    assert_eq!(off.status(), StatusCode::OK);
    let plain = app.booked(&owner, &s, s.monday, "11:00").await.id;
    for status in ["arrived", "in_progress"] {
        assert_eq!(step(&app, &owner, plain, status).await.status(), StatusCode::OK);
    }
    assert!(materials(&app, &owner, plain).await.is_empty());
}

#[tokio::test]
async fn a_visit_that_would_use_more_than_the_branch_holds_is_not_completed() {
    let app = spawn_app().await;
    let org = app.org("Harbour Physio").await;
    let s = app.schedule(&org).await;
    let receptionist = app.member(&org.owner, "receptionist", &[org.branch_id]).await;
    let gel = item(&app, &org.owner, "Gel").await;
    let receive = [("kind", "receive"), ("quantity", "1"), ("unit_cost", "3")];
    assert_eq!(record(&app, &org.owner, gel, &receive).await.status(), StatusCode::OK);

    // Two visits each use the last bottle; both are completed at once.
    let mut visits = Vec::new();
    for time in ["09:00", "10:00"] {
        let visit = app.booked(&org.owner, &s, s.monday, time).await.id;
        for status in ["arrived", "in_progress"] {
            assert_eq!(step(&app, &org.owner, visit, status).await.status(), StatusCode::OK);
        }
        assert_eq!(
            use_in_visit(&app, &org.owner, visit, gel, "1").await.status(),
            StatusCode::OK
        );
        visits.push(visit);
    }
    let (a, b) = tokio::join!(
        step(&app, &org.owner, visits[0], "completed"),
        step(&app, &receptionist.browser, visits[1], "completed")
    );
    let mut outcomes = [
        (a.status(), a.text().await.unwrap()),
        (b.status(), b.text().await.unwrap()),
    ];
    outcomes.sort();
    assert_eq!(outcomes[0].0, StatusCode::OK);
    assert_eq!(outcomes[1].0, StatusCode::CONFLICT);
    assert!(
        outcomes[1].1.contains("Only 0 box of Gel in stock here"),
        "{}",
        outcomes[1].1
    );
    assert_eq!(on_hand(&app, &org.owner, gel).await, 0);
    assert_eq!(ledger(&app, gel, org.branch_id).await, (0, 0));
    let completed: i64 =
        sqlx::query_scalar("select count(*) from appointments where id = any($1) and status = 'completed'")
            .bind(&visits)
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert_eq!(completed, 1, "the refused visit stays in progress");

    // Another organization's item is not one to take.
    let other = app.org("Elsewhere").await;
    let theirs = item(&app, &other.owner, "Their gel").await;
    let refused = use_in_visit(&app, &org.owner, visits[0], theirs, "1").await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let mut owner = org.owner.clone();
    let recipe = app
        .call::<SaveServiceMaterial>(
            &mut owner,
            &[
                ("service_id", &s.service.to_string()),
                ("item_id", &theirs.to_string()),
                ("quantity", "1"),
            ],
        )
        .await;
    assert_eq!(recipe.status(), StatusCode::NOT_FOUND);
}

pub fn surface() -> Vec<crate::security::Entry> {
    use crate::security::{Caller::Staff, Entry, Ids, Input};
    use careops::domain::access::Action::ManageCatalog;
    vec![
        Entry::function::<GetServiceMaterials>(Staff(ManageCatalog), Ids::Org, |t| {
            Input::form([("service_id", t.side.service.to_string())])
        }),
        Entry::function::<SaveServiceMaterial>(Staff(ManageCatalog), Ids::Org, |t| {
            Input::form([
                ("service_id", t.side.service.to_string()),
                ("item_id", t.side.stock_item.to_string()),
                ("quantity", "1".into()),
            ])
        })
        .writes(),
        Entry::function::<RemoveServiceMaterial>(Staff(ManageCatalog), Ids::Org, |t| {
            Input::form([
                ("service_id", t.side.service.to_string()),
                ("item_id", t.spare().recipe_item.to_string()),
            ])
        })
        .writes(),
    ]
}
