//! `/api/v1/invoices` and `/api/v1/payments`: invoices and credit notes with their lines,
//! payments and change log; drafting, issuing, crediting, paying and refunding. Money is
//! in minor units (`4500` is €45.00, ¥4,500); percentages are numbers (`20`, `7.5`).

use axum::{
    http::{HeaderMap, StatusCode},
    response::IntoResponse,
    Json,
};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{idempotency::payment_key, Api, ApiJson, ApiPath, ApiQuery};
use crate::{
    domain::{
        audit::AuditRecord,
        invoice::{percent_label, InvoiceFilter, InvoiceView, LineForm},
        money::amount_input,
        payment::{PaymentForm, RefundForm},
        AppError,
    },
    server::{auth::context::RequestContext, billing, payments},
};

/// An invoice or credit note as the API shows it: the invoice page's view and its change
/// log (from the audit log).
#[derive(Serialize)]
pub struct Invoice {
    #[serde(flatten)]
    invoice: InvoiceView,
    history: Vec<AuditRecord>,
}

async fn invoice(ctx: &RequestContext, id: Uuid) -> Result<Json<Invoice>, AppError> {
    let (mut invoice, history) = billing::get(ctx, id).await?;
    // The app's pick list of products (GET /api/v1/stock lists them), not the invoice's.
    invoice.products.clear();
    Ok(Json(Invoice { invoice, history }))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    #[serde(default)]
    show: InvoiceFilter,
}

/// The newest invoices and credit notes of the branch (at most 200): open ones by default.
pub async fn list(Api(ctx): Api, ApiQuery(query): ApiQuery<ListQuery>) -> Result<impl IntoResponse, AppError> {
    Ok(Json(billing::list(&ctx, query.show).await?))
}

pub async fn get(Api(ctx): Api, ApiPath(id): ApiPath<Uuid>) -> Result<impl IntoResponse, AppError> {
    invoice(&ctx, id).await
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateBody {
    appointment_id: Option<Uuid>,
    patient_id: Option<Uuid>,
}

/// A draft: of a completed visit (its services as lines; the visit's invoice if it has
/// one already, answered 200), or blank for a patient.
pub async fn create(Api(ctx): Api, ApiJson(body): ApiJson<CreateBody>) -> Result<impl IntoResponse, AppError> {
    let (id, created) = match (body.appointment_id, body.patient_id) {
        (Some(visit), None) => billing::invoice_visit(&ctx, visit).await?,
        (None, Some(patient)) => (billing::draft_for_patient(&ctx, patient).await?, true),
        _ => {
            return Err(AppError::field(
                "appointment_id",
                "Give either appointment_id (a completed visit) or patient_id.",
            ))
        }
    };
    let status = if created { StatusCode::CREATED } else { StatusCode::OK };
    Ok((status, invoice(&ctx, id).await?))
}

/// A blank draft thrown away.
pub async fn discard(Api(ctx): Api, ApiPath(id): ApiPath<Uuid>) -> Result<impl IntoResponse, AppError> {
    billing::discard(&ctx, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LineBody {
    #[serde(default)]
    item_id: Option<Uuid>,
    #[serde(default)]
    description: String,
    #[serde(default = "one")]
    quantity: i64,
    unit_price: Option<i64>,
    #[serde(default)]
    discount: f64,
    #[serde(default)]
    tax: f64,
}

fn one() -> i64 {
    1
}

/// A percentage as the form reads it; out of range or too precise, the form says so.
fn percent(value: f64) -> String {
    if value.fract() == 0.0 && value.abs() < 1e6 {
        percent_label(value as i64 * 100)
    } else {
        value.to_string()
    }
}

pub async fn add_line(
    Api(ctx): Api,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<LineBody>,
) -> Result<impl IntoResponse, AppError> {
    billing::add_line(&ctx, id, body.item_id, |currency, product| {
        LineForm {
            description: body.description,
            quantity: body.quantity.to_string(),
            unit_price: body.unit_price.map(|p| amount_input(p, currency)).unwrap_or_default(),
            discount: percent(body.discount),
            tax: percent(body.tax),
            item: String::new(),
        }
        .selling(product, currency)
        .parse(currency)
    })
    .await?;
    Ok((StatusCode::CREATED, invoice(&ctx, id).await?))
}

pub async fn remove_line(
    Api(ctx): Api,
    ApiPath((id, line_id)): ApiPath<(Uuid, Uuid)>,
) -> Result<impl IntoResponse, AppError> {
    billing::remove_line(&ctx, id, line_id).await?;
    invoice(&ctx, id).await
}

/// Gives the draft the next number of its series.
pub async fn issue(Api(ctx): Api, ApiPath(id): ApiPath<Uuid>) -> Result<impl IntoResponse, AppError> {
    billing::issue(&ctx, id).await?;
    invoice(&ctx, id).await
}

/// Cancels an issued invoice with a credit note; answers the credit note.
pub async fn credit(Api(ctx): Api, ApiPath(id): ApiPath<Uuid>) -> Result<impl IntoResponse, AppError> {
    let note = billing::credit(&ctx, id).await?;
    Ok((StatusCode::CREATED, invoice(&ctx, note).await?))
}

/// The payments that went to an invoice.
pub async fn payments(Api(ctx): Api, ApiPath(id): ApiPath<Uuid>) -> Result<impl IntoResponse, AppError> {
    let (invoice, _) = billing::get(&ctx, id).await?;
    Ok(Json(invoice.payments))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PaymentBody {
    method: String,
    amount: i64,
    #[serde(default)]
    reference: String,
    /// What each of the patient's open invoices gets; absent: this one first, then the
    /// oldest.
    #[serde(default)]
    allocations: Vec<AllocationBody>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AllocationBody {
    invoice_id: Uuid,
    amount: i64,
}

/// A payment on an invoice: what it does not need pays the patient's other open invoices,
/// oldest first (or as `allocations` say), then becomes their credit. With an
/// `Idempotency-Key`, sending it again records one payment.
pub async fn pay(
    Api(ctx): Api,
    ApiPath(id): ApiPath<Uuid>,
    headers: HeaderMap,
    ApiJson(body): ApiJson<PaymentBody>,
) -> Result<impl IntoResponse, AppError> {
    let key = payment_key(&ctx, &headers).to_string();
    payments::record(&ctx, id, &key, |currency| {
        PaymentForm {
            method: body.method,
            amount: amount_input(body.amount, currency),
            reference: body.reference,
            key: key.clone(),
            share_invoice: body.allocations.iter().map(|a| a.invoice_id.to_string()).collect(),
            share_amount: body
                .allocations
                .iter()
                .map(|a| amount_input(a.amount, currency))
                .collect(),
        }
        .parse(currency)
    })
    .await?;
    Ok((StatusCode::CREATED, invoice(&ctx, id).await?))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RefundBody {
    amount: i64,
    method: String,
    reason: String,
}

#[derive(Serialize)]
pub struct Refund {
    id: Uuid,
    payment_id: Uuid,
    amount: i64,
    method: String,
    reason: String,
}

/// Gives back part or all of a payment (never more than it brought).
pub async fn refund(
    Api(ctx): Api,
    ApiPath(payment_id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<RefundBody>,
) -> Result<impl IntoResponse, AppError> {
    let mut refunded = None;
    let id = payments::refund(&ctx, payment_id, |currency| {
        let refund = RefundForm {
            amount: amount_input(body.amount, currency),
            method: body.method,
            reason: body.reason,
        }
        .parse(currency)?;
        refunded = Some((refund.method, refund.reason.clone()));
        Ok(refund)
    })
    .await?;
    let (method, reason) = refunded.ok_or(AppError::Internal)?;
    Ok((
        StatusCode::CREATED,
        Json(Refund {
            id,
            payment_id,
            amount: body.amount,
            method: method.as_str().to_owned(),
            reason,
        }),
    ))
}
