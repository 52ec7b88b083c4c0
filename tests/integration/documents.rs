//! Invoice and receipt PDFs: what a patient reads in them (through poppler's
//! `pdftotext`), when there is none to give, and who may download them.

use std::process::Command;

use reqwest::{header, StatusCode};
use uuid::Uuid;

use crate::{
    billing::{issued_visit, pay, year},
    common::*,
};

/// The text of a PDF, as poppler reads it.
fn pdf_text(bytes: &[u8]) -> String {
    let path = std::env::temp_dir().join(format!("careops-{}.pdf", Uuid::new_v4()));
    std::fs::write(&path, bytes).unwrap();
    let out = Command::new("pdftotext")
        .args(["-layout", path.to_str().unwrap(), "-"])
        .output()
        .expect("pdftotext (Debian's poppler-utils; scripts/test installs it)");
    std::fs::remove_file(&path).unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

#[tokio::test]
async fn an_invoice_and_its_receipt_are_pdfs_that_say_what_was_treated_and_paid() {
    let app = spawn_app().await;
    let org = app.org("Clinic").await;
    let s = app.schedule(&org).await;
    let id = issued_visit(&app, &org, &s, "09:00").await;
    let mut owner = org.owner.clone();
    let number = format!("INV-{}-000001", year());

    let early = app.get(&mut owner, &format!("/app/invoices/{id}/receipt.pdf")).await;
    assert_eq!(early.status(), StatusCode::CONFLICT, "no receipt before a payment");
    assert!(early.text().await.unwrap().contains("Nothing has been paid"));

    assert_eq!(
        pay(&app, &owner, &id, "cash", "20", &Uuid::new_v4().to_string())
            .await
            .status(),
        StatusCode::OK
    );
    assert_eq!(
        pay(&app, &owner, &id, "card", "30", &Uuid::new_v4().to_string())
            .await
            .status(),
        StatusCode::OK
    );

    let response = app.get(&mut owner, &format!("/app/invoices/{id}/invoice.pdf")).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()[header::CONTENT_TYPE], "application/pdf");
    assert_eq!(
        response.headers()[header::CONTENT_DISPOSITION],
        format!("attachment; filename=\"{number}.pdf\"").as_str()
    );
    let bytes = response.bytes().await.unwrap();
    assert!(bytes.starts_with(b"%PDF-"));
    let text = pdf_text(&bytes);
    for expected in [
        "Invoice",
        &number,
        "Ada Lovelace",
        "Physiotherapy",
        "Total",
        "50.00",
        "Owed",
    ] {
        assert!(text.contains(expected), "{expected:?} is not in the invoice:\n{text}");
    }
    assert!(text.contains("page 1 of 1"), "{text}");

    let receipt = app.get(&mut owner, &format!("/app/invoices/{id}/receipt.pdf")).await;
    assert_eq!(receipt.status(), StatusCode::OK);
    let text = pdf_text(&receipt.bytes().await.unwrap());
    for expected in [
        "Receipt",
        &format!("For invoice {number}"),
        "Ada Lovelace",
        "Cash",
        "Card",
        "20.00",
        "30.00",
        "Paid in full",
    ] {
        assert!(text.contains(expected), "{expected:?} is not in the receipt:\n{text}");
    }

    let mut stranger = app.org("Other").await.owner;
    for document in ["invoice", "receipt"] {
        let response = app
            .get(&mut stranger, &format!("/app/invoices/{id}/{document}.pdf"))
            .await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{document}");
    }
    let nonsense = app.get(&mut owner, "/app/invoices/not-an-id/invoice.pdf").await;
    assert_eq!(nonsense.status(), StatusCode::NOT_FOUND);
}

/// The downloads' routes.
pub fn surface() -> Vec<crate::security::Entry> {
    use crate::security::{Caller::Staff, Entry, Ids, Input};
    use careops::domain::access::Action::ViewInvoices;
    use reqwest::Method;
    vec![
        Entry::route(
            Method::GET,
            "/app/invoices/{id}/invoice.pdf",
            Staff(ViewInvoices),
            Ids::Org,
            |t| Input::at(format!("/app/invoices/{}/invoice.pdf", t.side.draft_invoice)),
        ),
        Entry::route(
            Method::GET,
            "/app/invoices/{id}/receipt.pdf",
            Staff(ViewInvoices),
            Ids::Org,
            |t| Input::at(format!("/app/invoices/{}/receipt.pdf", t.side.paid_invoice)),
        ),
    ]
}
