//! Payment use cases: a payment on an invoice (its remainder to the patient's other open
//! invoices, oldest first, then to their credit), credit used on an invoice, refunds.
//! Every change to one patient's money takes the patient's lock first
//! (`payments::lock_patient`), so concurrent payments never overpay and never deadlock.

use serde_json::json;
use uuid::Uuid;

use super::{
    auth::context::RequestContext,
    db::{invoices, payments, Tx},
    receipts,
};
use crate::domain::{
    access::Action,
    allocation::{allocate, allocate_chosen},
    invoice::InvoiceKind,
    money::format_minor,
    payment::{MethodTakings, NewPayment, NewRefund, PaymentMethod, StaffTakings, Takings},
    time::{local_to_utc, zone},
    AppError,
};

/// The invoice of the caller's branch with its patient's money locked, then the invoice
/// itself; it must still be owed money. `None` when a payment with the form's `key` was
/// recorded already (a form sent twice).
async fn open_invoice(
    tx: &mut Tx,
    ctx: &RequestContext,
    id: Uuid,
    key: &str,
) -> Result<Option<invoices::Locked>, AppError> {
    let org = ctx.org_id();
    let header = invoices::header(tx, org, id)
        .await?
        .filter(|h| h.branch_id == ctx.user.branch.id)
        .ok_or_else(|| AppError::not_found("That invoice"))?;
    payments::lock_patient(tx, org, header.patient_id).await?;
    if let Ok(key) = Uuid::parse_str(key) {
        if payments::recorded(tx, org, key).await? {
            return Ok(None);
        }
    }
    let invoice = invoices::lock(tx, org, id)
        .await?
        .ok_or_else(|| AppError::not_found("That invoice"))?;
    if invoice.kind != InvoiceKind::Invoice || !invoice.status.is_open() {
        return Err(AppError::Conflict {
            field: None,
            message: format!(
                "This invoice is {}: it owes nothing.",
                invoice.status.label().to_lowercase()
            ),
        });
    }
    Ok(Some(invoice))
}

/// Records a payment on an invoice. What the invoice does not need pays the patient's
/// other open invoices here, oldest first, unless the payment says what each gets; what
/// is left is their credit. The same form
/// sent twice (the same `key`) records one payment; `payment` reads it in the invoice's
/// currency.
pub async fn record(
    ctx: &RequestContext,
    invoice_id: Uuid,
    key: &str,
    payment: impl FnOnce(&str) -> Result<NewPayment, AppError>,
) -> Result<(), AppError> {
    ctx.require(Action::TakePayments)?;
    let org = ctx.org_id();
    let mut tx = ctx.tenant().await?;
    let invoice = open_invoice(&mut tx, ctx, invoice_id, key.trim()).await?;
    let Some(invoice) = invoice else {
        // Sent before: recorded then.
        return Ok(());
    };
    let payment = payment(&invoice.currency)?;
    let Some(payment_id) = payments::insert(
        &mut tx,
        org,
        invoice.branch_id,
        invoice.patient_id,
        &payment,
        ctx.user.user_id,
    )
    .await?
    else {
        return Err(AppError::BadRequest(
            "The form is out of date. Reload the page and try again.".into(),
        ));
    };
    let mut open = payments::open_invoices(&mut tx, org, invoice.branch_id, invoice.patient_id).await?;
    open.sort_by_key(|o| o.id != invoice_id);
    let owed: Vec<i64> = open.iter().map(|o| o.total - o.paid).collect();
    let (shares, credit) = match &payment.shares {
        None => allocate(payment.amount, &owed),
        Some(chosen) => {
            let ids: Vec<Uuid> = open.iter().map(|o| o.id).collect();
            allocate_chosen(payment.amount, &ids, &owed, chosen).map_err(|e| AppError::Validation(vec![e]))?
        }
    };
    let (mut paid, mut settled) = (Vec::new(), Vec::new());
    for (o, share) in open.iter().zip(shares) {
        if share > 0 && o.paid + share == o.total {
            settled.push(o.id);
        }
        if share > 0 {
            payments::allocate(&mut tx, org, payment_id, o.id, share).await?;
            ctx.audit(
                &mut tx,
                "invoice.payment_received",
                "invoice",
                Some(o.id),
                json!({"payment_id": payment_id, "amount": share, "method": payment.method.as_str()}),
            )
            .await?;
            paid.push(json!({"invoice_id": o.id, "amount": share}));
        }
    }
    ctx.audit(
        &mut tx,
        "payment.recorded",
        "payment",
        Some(payment_id),
        json!({"amount": payment.amount, "method": payment.method.as_str(), "reference": payment.reference,
               "invoices": paid, "credit": credit, "patient_id": invoice.patient_id}),
    )
    .await?;
    receipts::after_payment(&mut tx, &ctx.state, org, &settled).await?;
    tx.commit().await?;
    Ok(())
}

/// Pays an invoice from the patient's credit, oldest payments first.
pub async fn apply_credit(ctx: &RequestContext, invoice_id: Uuid) -> Result<(), AppError> {
    ctx.require(Action::TakePayments)?;
    let org = ctx.org_id();
    let mut tx = ctx.tenant().await?;
    let invoice = open_invoice(&mut tx, ctx, invoice_id, "")
        .await?
        .ok_or_else(|| AppError::not_found("That invoice"))?;
    let sources = payments::unallocated(&mut tx, org, invoice.patient_id).await?;
    if sources.is_empty() {
        return Err(AppError::Conflict {
            field: None,
            message: "The patient has no credit to use.".into(),
        });
    }
    let mut owed = invoice.total - invoice.paid;
    let mut used = 0;
    for (payment_id, left) in sources {
        let share = left.min(owed);
        if share <= 0 {
            break;
        }
        payments::allocate(&mut tx, org, payment_id, invoice_id, share).await?;
        owed -= share;
        used += share;
    }
    ctx.audit(
        &mut tx,
        "invoice.credit_used",
        "invoice",
        Some(invoice_id),
        json!({"amount": used}),
    )
    .await?;
    let settled: &[Uuid] = if owed == 0 { &[invoice_id] } else { &[] };
    receipts::after_payment(&mut tx, &ctx.state, org, settled).await?;
    tx.commit().await?;
    Ok(())
}

/// Gives back up to what a payment brought and was not refunded yet. Money the payment
/// gave to invoices is taken back from them, the latest first, so they owe it again.
/// `refund` reads it in the organization's currency; the refund's id.
pub async fn refund(
    ctx: &RequestContext,
    payment_id: Uuid,
    refund: impl FnOnce(&str) -> Result<NewRefund, AppError>,
) -> Result<Uuid, AppError> {
    ctx.require(Action::RefundPayments)?;
    let org = ctx.org_id();
    let mut tx = ctx.tenant().await?;
    let patient_id = payments::patient_of(&mut tx, org, payment_id, ctx.user.branch.id)
        .await?
        .ok_or_else(|| AppError::not_found("That payment"))?;
    // The patient's lock comes first, as for every change to their money.
    payments::lock_patient(&mut tx, org, patient_id).await?;
    let payment = payments::lock(&mut tx, org, payment_id)
        .await?
        .ok_or_else(|| AppError::not_found("That payment"))?;
    let currency = crate::server::db::organizations::currency(&mut tx, org).await?;
    let refund = refund(&currency)?;
    let refundable = payment.amount - payment.refunded;
    if refund.amount > refundable {
        return Err(AppError::field(
            "amount",
            format!(
                "At most {} of this payment can be refunded.",
                format_minor(refundable, &currency)
            ),
        ));
    }
    let given: Vec<(Uuid, i64)> = payments::allocations_of(&mut tx, org, payment_id).await?;
    let unallocated = refundable - given.iter().map(|(_, a)| a).sum::<i64>();
    let mut take_back = refund.amount - unallocated.max(0);
    for (invoice_id, amount) in given {
        if take_back <= 0 {
            break;
        }
        let share = take_back.min(amount);
        payments::allocate(&mut tx, org, payment_id, invoice_id, -share).await?;
        ctx.audit(
            &mut tx,
            "invoice.payment_refunded",
            "invoice",
            Some(invoice_id),
            json!({"payment_id": payment_id, "amount": share}),
        )
        .await?;
        take_back -= share;
    }
    let refund_id = payments::refund(&mut tx, org, payment_id, &refund, ctx.user.user_id).await?;
    ctx.audit(
        &mut tx,
        "payment.refunded",
        "payment",
        Some(payment_id),
        json!({"refund_id": refund_id, "amount": refund.amount, "method": refund.method.as_str(), "reason": refund.reason}),
    )
    .await?;
    tx.commit().await?;
    Ok(refund_id)
}

/// A credited invoice gives its payments back to the patient's credit.
pub(crate) async fn release(tx: &mut Tx, ctx: &RequestContext, invoice_id: Uuid) -> Result<i64, AppError> {
    let org = ctx.org_id();
    let mut released = 0;
    for (payment_id, amount) in payments::allocated_to(tx, org, invoice_id).await? {
        payments::allocate(tx, org, payment_id, invoice_id, -amount).await?;
        released += amount;
    }
    Ok(released)
}

/// The end-of-day report of the caller's branch for a local `date`.
pub async fn takings(ctx: &RequestContext, date: chrono::NaiveDate) -> Result<Takings, AppError> {
    ctx.require(Action::ViewTakings)?;
    let tz = zone(&ctx.user.branch.timezone);
    let from = local_to_utc(tz, date.and_time(chrono::NaiveTime::MIN));
    let to = local_to_utc(tz, (date + chrono::Duration::days(1)).and_time(chrono::NaiveTime::MIN));
    let org = ctx.org_id();
    let mut tx = ctx.tenant().await?;
    let rows = payments::takings(&mut tx, org, ctx.user.branch.id, from, to).await?;
    let currency = crate::server::db::organizations::currency(&mut tx, org).await?;
    tx.commit().await?;
    let methods = PaymentMethod::ALL
        .into_iter()
        .map(|method| {
            let of = rows.iter().filter(|r| r.0 == method);
            MethodTakings {
                method,
                payments: of.clone().map(|r| r.2).sum(),
                received: of.clone().map(|r| r.3).sum(),
                refunded: of.map(|r| r.4).sum(),
            }
        })
        .collect();
    Ok(Takings {
        date,
        branch_name: ctx.user.branch.name.clone(),
        currency,
        methods,
        staff: rows
            .into_iter()
            .map(|(method, name, _, received, refunded)| StaffTakings {
                name,
                method,
                received,
                refunded,
            })
            .collect(),
    })
}
