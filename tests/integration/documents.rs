//! Invoice and receipt PDFs: what a patient reads in them (through poppler's
//! `pdftotext`), when there is none to give, and who may download them.

use std::process::Command;

use reqwest::{header, StatusCode};
use uuid::Uuid;

use careops::app::billing::SendReceipt;

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

/// Ada's email and phone, and her consent to both.
async fn reachable(app: &TestApp, invoice: &str) {
    sqlx::query(
        "update patients set email = 'ada@example.com', phone = '+447700900123', consent_email = true,
                consent_sms = true
         where id = (select patient_id from invoices where id = $1::uuid)",
    )
    .bind(invoice)
    .execute(&app.db)
    .await
    .unwrap();
}

async fn receipts(app: &TestApp, invoice: &str) -> Vec<(String, String, String)> {
    sqlx::query_as(
        "select channel, status, body from messages where kind = 'receipt' and invoice_id = $1::uuid order by channel",
    )
    .bind(invoice)
    .fetch_all(&app.db)
    .await
    .unwrap()
}

#[tokio::test]
async fn a_receipt_goes_by_email_with_its_pdf_and_by_text_with_a_link_that_only_opens_it_unaltered() {
    let sink = SmtpSink::start().await;
    let app = spawn_app().await;
    let org = app.org("Clinic").await;
    let s = app.schedule(&org).await;
    app.send_email_through(&org, &sink).await;
    let id = issued_visit(&app, &org, &s, "09:00").await;
    reachable(&app, &id).await;
    let mut owner = org.owner.clone();

    let early = app.call::<SendReceipt>(&mut owner, &[("id", &id)]).await;
    assert_eq!(early.status(), StatusCode::CONFLICT, "nothing paid yet");
    assert_eq!(
        pay(&app, &owner, &id, "cash", "50", &Uuid::new_v4().to_string())
            .await
            .status(),
        StatusCode::OK
    );
    assert!(
        receipts(&app, &id).await.is_empty(),
        "the clinic sends receipts by hand unless it turns that on"
    );

    let sent = app.call::<SendReceipt>(&mut owner, &[("id", &id)]).await;
    assert_eq!(sent.status(), StatusCode::OK);
    assert_eq!(
        json(sent).await,
        "Receipt sent to Ada Lovelace by email and text message."
    );

    // The email carries the PDF.
    let mail = sink.wait_for(1).await;
    let number = format!("INV-{}-000001", year());
    assert!(mail[0].contains("Subject: Your receipt from Clinic"), "{}", mail[0]);
    assert!(mail[0].contains(&format!("receipt-{number}.pdf")), "{}", mail[0]);
    let (_, attached) = mail[0].split_once("Content-Type: application/pdf").expect("a PDF part");
    let (_, encoded) = attached
        .split_once("\n\n")
        .or_else(|| attached.split_once("\r\n\r\n"))
        .unwrap();
    let encoded: String = encoded.lines().take_while(|l| !l.starts_with("--")).collect();
    use base64::Engine;
    let pdf = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .unwrap();
    let text = pdf_text(&pdf);
    assert!(text.contains("Receipt") && text.contains("Paid in full"), "{text}");

    // The text message links to the same receipt, for anyone holding the link.
    app.wait_until_count(
        "select count(*) from messages where kind = 'receipt' and status = 'sent'",
        2,
    )
    .await;
    let sms = receipts(&app, &id)
        .await
        .into_iter()
        .find(|(c, ..)| c == "sms")
        .unwrap()
        .2;
    assert!(sms.contains("thank you for your payment of"), "{sms}");
    let link = &sms[sms.find("/receipt/").expect("a receipt link")..];
    let opened = app.get(&mut Browser::default(), link).await;
    assert_eq!(opened.status(), StatusCode::OK);
    assert_eq!(opened.headers()[header::CONTENT_TYPE], "application/pdf");
    assert!(pdf_text(&opened.bytes().await.unwrap()).contains(&number));
    let altered = format!("{}x", link.trim());
    let refused = app.get(&mut Browser::default(), &altered).await;
    assert_eq!(refused.status(), StatusCode::NOT_FOUND);

    // Another organization cannot send it.
    let mut stranger = app.org("Other").await.owner;
    let response = app.call::<SendReceipt>(&mut stranger, &[("id", &id)]).await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_clinic_that_sends_receipts_by_itself_sends_one_when_the_invoice_is_paid_in_full() {
    let app = spawn_app().await;
    let org = app.org("Clinic").await;
    let s = app.schedule(&org).await;
    sqlx::query("insert into invoice_settings (org_id, send_receipts) values ($1, true)")
        .bind(org.id)
        .execute(&app.db)
        .await
        .unwrap();
    let id = issued_visit(&app, &org, &s, "09:00").await;
    reachable(&app, &id).await;
    let owner = org.owner.clone();

    assert_eq!(
        pay(&app, &owner, &id, "cash", "20", &Uuid::new_v4().to_string())
            .await
            .status(),
        StatusCode::OK
    );
    assert!(receipts(&app, &id).await.is_empty(), "not while something is owed");
    assert_eq!(
        pay(&app, &owner, &id, "card", "30", &Uuid::new_v4().to_string())
            .await
            .status(),
        StatusCode::OK
    );
    let sent = receipts(&app, &id).await;
    assert_eq!(
        sent.iter().map(|(c, ..)| c.as_str()).collect::<Vec<_>>(),
        ["email", "sms"]
    );
}

/// The downloads' routes.
pub fn surface() -> Vec<crate::security::Entry> {
    use crate::security::{
        Caller::{Public, Staff},
        Entry, Ids, Input,
    };
    use careops::domain::access::Action::{TakePayments, ViewInvoices};
    use reqwest::Method;
    vec![
        Entry::function::<SendReceipt>(Staff(TakePayments), Ids::Org, |t| {
            Input::form([("id", t.side.paid_invoice.to_string())])
        })
        .writes(),
        Entry::route(Method::GET, "/receipt/{token}", Public, Ids::None, |t| {
            Input::at(format!("/receipt/{}", t.side.receipt_token))
        }),
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
