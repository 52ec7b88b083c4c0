//! Receipts to patients, through the messaging pipeline and by the patient's consents: by
//! email with the receipt PDF attached (drawn when the email goes, so it shows every
//! payment up to then), by text message with a signed link to it that works for 30 days.
//! Sent from the invoice page, and by itself when an invoice is paid in full if the
//! organization turned that on (Settings → Invoices).

use axum::{
    extract::{Path, State},
    http::Method,
    response::{IntoResponse, Response},
};
use chrono::{Duration, Utc};
use serde_json::json;
use uuid::Uuid;

use super::{
    auth::{context::message_base_url, context::RequestContext, tokens::ReceiptGrant},
    billing::view_in,
    db::{invoices, messages, organizations, patients, templates, Tx},
    documents::{self, Kind},
    routing::Routes,
    AppState,
};
use crate::domain::{
    access::Action,
    invoice::InvoiceView,
    messages::MessageKind,
    money::format_minor,
    templates::{render, Values},
    AppError,
};

/// How long a receipt link by text message works.
const LINK_DAYS: i64 = 30;

/// Sends the receipt of invoice `invoice_id` to its patient by every channel they agreed
/// to; says by which.
pub async fn send(ctx: &RequestContext, invoice_id: Uuid) -> Result<String, AppError> {
    ctx.require(Action::TakePayments)?;
    let org = ctx.org_id();
    let mut tx = ctx.tenant().await?;
    let (invoice, branch) = view_in(&mut tx, org, invoice_id)
        .await?
        .filter(|(_, branch)| *branch == ctx.user.branch.id)
        .ok_or_else(|| AppError::not_found("That invoice"))?;
    let channels = queue(&mut tx, &ctx.state, org, branch, &invoice).await?;
    if channels.is_empty() {
        return Err(AppError::Conflict {
            field: None,
            message: format!(
                "{} has no email address or phone number they agreed to be contacted at. Download the \
                 receipt PDF and give it to them, or add their details and consent on their profile.",
                invoice.patient_name
            ),
        });
    }
    ctx.audit(
        &mut tx,
        "invoice.receipt_sent",
        "invoice",
        Some(invoice_id),
        json!({ "channels": channels }),
    )
    .await?;
    tx.commit().await?;
    let by = match channels.as_slice() {
        [one] if one == "email" => "by email",
        [_] => "by text message",
        _ => "by email and text message",
    };
    Ok(format!("Receipt sent to {} {by}.", invoice.patient_name))
}

/// After a payment: the receipts of the invoices it paid in full, where the organization
/// sends them by itself. A patient who cannot be reached is not an error here.
pub async fn after_payment(tx: &mut Tx, state: &AppState, org: Uuid, paid: &[Uuid]) -> Result<(), AppError> {
    if paid.is_empty() || !invoices::settings(tx, org).await?.send_receipts {
        return Ok(());
    }
    for id in paid {
        if let Some((invoice, branch)) = view_in(tx, org, *id).await? {
            if invoice.balance == 0 {
                queue(tx, state, org, branch, &invoice).await?;
            }
        }
    }
    Ok(())
}

/// Queues the receipt by each channel the patient agreed to; the channels.
async fn queue(
    tx: &mut Tx,
    state: &AppState,
    org: Uuid,
    branch: Uuid,
    invoice: &InvoiceView,
) -> Result<Vec<String>, AppError> {
    if !invoice.has_receipt() {
        return Err(AppError::Conflict {
            field: None,
            message: "Nothing has been paid on this invoice yet, so there is no receipt to give.".into(),
        });
    }
    let patient = patients::record(tx, org, invoice.patient_id)
        .await?
        .ok_or_else(|| AppError::not_found("That patient"))?;
    let clinic = organizations::profile(tx, org).await?.name;
    let link = format!(
        "{}/receipt/{}",
        message_base_url(state),
        state.keys.issue_receipt(
            ReceiptGrant {
                invoice_id: invoice.id,
                org_id: org,
            },
            Utc::now() + Duration::days(LINK_DAYS),
        )?
    );
    let first = patient
        .full_name
        .split_whitespace()
        .next()
        .unwrap_or_default()
        .to_owned();
    let (number, paid) = (
        invoice.number_label.clone().unwrap_or_default(),
        format_minor(invoice.paid, &invoice.currency),
    );
    let values = [
        ("patient_first_name", first.as_str()),
        ("patient_name", patient.full_name.as_str()),
        ("clinic", clinic.as_str()),
        ("invoice_number", number.as_str()),
        ("paid", paid.as_str()),
        ("receipt_link", link.as_str()),
    ];
    let own = templates::list(tx, org).await?;
    let mut channels = Vec::new();
    for (channel, agreed, recipient) in [
        ("email", patient.consent_email, &patient.email),
        ("sms", patient.consent_sms, &patient.phone),
    ] {
        if !agreed || recipient.is_empty() {
            continue;
        }
        let (subject, body) = render(MessageKind::Receipt, channel, &Values(&values), &own);
        messages::queue_receipt(
            tx,
            org,
            branch,
            (invoice.patient_id, invoice.id),
            (channel, recipient),
            &subject,
            &body,
        )
        .await?;
        channels.push(channel.to_owned());
    }
    Ok(channels)
}

/// The receipt as a PDF email attachment: its file name and bytes; `None` when the
/// invoice is gone or has no receipt any more.
pub async fn attachment(tx: &mut Tx, org: Uuid, invoice_id: Uuid) -> Result<Option<(String, Vec<u8>)>, AppError> {
    let Some((invoice, _)) = view_in(tx, org, invoice_id).await? else {
        return Ok(None);
    };
    if !invoice.has_receipt() {
        return Ok(None);
    }
    Ok(Some((
        Kind::Receipt.file_name(&invoice),
        documents::render(&invoice, Kind::Receipt)?,
    )))
}

/// The patient's link to their receipt.
pub fn routes() -> Routes {
    Routes::new().add(Method::GET, "/receipt/{token}", by_link)
}

/// `GET /receipt/{token}`: the receipt PDF, shown in the browser; a forged, altered or
/// expired link is not found.
async fn by_link(State(state): State<AppState>, Path(token): Path<String>) -> Response {
    let Some(grant) = state.keys.verify_receipt(&token) else {
        return AppError::not_found("That receipt (the link may have expired: ask the clinic for a new one)")
            .into_response();
    };
    let document = async {
        let mut tx = state.db.tenant(grant.org_id).await?;
        let document = attachment(&mut tx, grant.org_id, grant.invoice_id).await?;
        tx.commit().await?;
        document.ok_or_else(|| AppError::not_found("That receipt"))
    };
    match document.await {
        Ok((name, bytes)) => documents::response(&name, bytes, true),
        Err(err) => err.into_response(),
    }
}
