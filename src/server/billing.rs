//! Invoice use cases: a visit's invoice in one step, drafts by hand, issuing with the
//! next number of the series, crediting, the list and the settings. The arithmetic is
//! `domain::invoice`'s; the numbering is the database's (`invoice_number_take`).

use axum::{
    extract::Path,
    http::Method,
    response::{IntoResponse, Response},
};
use chrono::{Datelike, Duration, Utc};
use serde_json::json;
use uuid::Uuid;

use super::{
    auth::context::{RequestContext, Staff},
    calendar::locked,
    db::{
        self, audit, branches,
        invoices::{self, Issue, NewDraft},
        organizations, patients, payments, Tx,
    },
    documents, inventory,
    routing::Routes,
};
use crate::domain::{
    access::Action,
    appointment::Status,
    audit::{AuditFilter, AuditRecord},
    invoice::{
        number_label, totals, InvoiceFilter, InvoiceKind, InvoiceLine, InvoiceList, InvoiceStatus, InvoiceSummary,
        InvoiceView, NewLine, Product, NO_SUCH_PRODUCT,
    },
    invoice_settings::{InvoiceSettings, InvoiceSettingsForm},
    money::format_minor,
    payment::{InvoicePayment, OpenInvoice},
    time::{local_datetime, utc_to_local, zone},
    AppError,
};

/// How many invoices a list shows.
pub const LIST_LIMIT: i64 = 200;

fn day(ctx: &RequestContext, at: chrono::DateTime<Utc>) -> String {
    utc_to_local(at, zone(&ctx.user.branch.timezone))
        .format("%-d %b %Y")
        .to_string()
}

/// An invoice of the caller's branch, locked; another branch's or organization's is not
/// found.
async fn locked_invoice(tx: &mut Tx, ctx: &RequestContext, id: Uuid) -> Result<invoices::Locked, AppError> {
    invoices::lock(tx, ctx.org_id(), id)
        .await?
        .filter(|i| i.branch_id == ctx.user.branch.id)
        .ok_or_else(|| AppError::not_found("That invoice"))
}

/// A draft of the caller's branch, locked, or why it cannot change.
async fn draft(tx: &mut Tx, ctx: &RequestContext, id: Uuid) -> Result<invoices::Locked, AppError> {
    let invoice = locked_invoice(tx, ctx, id).await?;
    if invoice.status != InvoiceStatus::Draft {
        return Err(AppError::Conflict {
            field: None,
            message: "An issued invoice cannot be changed. Credit it and issue a new one instead.".into(),
        });
    }
    Ok(invoice)
}

pub async fn list(ctx: &RequestContext, filter: InvoiceFilter) -> Result<InvoiceList, AppError> {
    ctx.require(Action::ViewInvoices)?;
    let org = ctx.org_id();
    let mut tx = ctx.tenant().await?;
    let rows = invoices::list(&mut tx, org, ctx.user.branch.id, filter, LIST_LIMIT).await?;
    let outstanding = invoices::owed(&mut tx, org, ctx.user.branch.id).await?;
    let currency = organizations::currency(&mut tx, org).await?;
    tx.commit().await?;
    let invoices: Vec<InvoiceSummary> = rows
        .into_iter()
        .map(|r| InvoiceSummary {
            id: r.id,
            kind: r.kind,
            status: r.status,
            number_label: r.number_label,
            patient_name: r.patient_name,
            date_local: day(ctx, r.at),
            total: r.total,
            balance: if r.status.is_open() { r.total - r.paid } else { 0 },
        })
        .collect();
    Ok(InvoiceList {
        outstanding,
        invoices,
        currency,
    })
}

/// An invoice with its lines, totals and change log.
pub async fn get(ctx: &RequestContext, id: Uuid) -> Result<(InvoiceView, Vec<AuditRecord>), AppError> {
    ctx.require(Action::ViewInvoices)?;
    let org = ctx.org_id();
    let mut tx = ctx.tenant().await?;
    let mut invoice = view_in(&mut tx, org, id)
        .await?
        .filter(|(_, branch)| *branch == ctx.user.branch.id)
        .map(|(invoice, _)| invoice)
        .ok_or_else(|| AppError::not_found("That invoice"))?;
    let filter = AuditFilter {
        entity_id: Some(id),
        ..AuditFilter::default()
    };
    let mut history = audit::list(&mut tx, org, &filter).await?;
    invoice.can_take_payments = ctx.user.can(Action::TakePayments);
    if invoice.can_take_payments && invoice.balance > 0 {
        let mut open = payments::open_invoices(&mut tx, org, ctx.user.branch.id, invoice.patient_id).await?;
        open.sort_by_key(|o| o.id != id);
        invoice.patient_open = open
            .into_iter()
            .map(|o| OpenInvoice {
                id: o.id,
                number_label: o.number_label,
                owed: o.total - o.paid,
            })
            .collect();
    }
    invoice.can_manage = ctx.user.can(Action::ManageInvoices);
    if invoice.can_manage && invoice.status == InvoiceStatus::Draft {
        let currency = invoice.currency.clone();
        invoice.products = inventory::choices(&mut tx, org, ctx.user.branch.id, |r| {
            let price = format_minor(r.item.sale_price_minor?, &currency);
            Some(format!("{}, {price} ({} {} here)", r.item.name, r.on_hand, r.item.unit))
        })
        .await?;
    }
    tx.commit().await?;
    for entry in &mut history {
        entry.at_local = ctx.local_time(entry.at);
    }
    invoice.can_refund = ctx.user.can(Action::RefundPayments);
    Ok((invoice, history))
}

/// An invoice as its page and its documents show it, with its branch; times are in the
/// branch's zone and the viewer may do nothing with it (the caller says what they may).
pub async fn view_in(tx: &mut Tx, org: Uuid, id: Uuid) -> Result<Option<(InvoiceView, Uuid)>, AppError> {
    let Some(h) = invoices::header(tx, org, id).await? else {
        return Ok(None);
    };
    let timezone = branches::get(tx, org, h.branch_id)
        .await?
        .map(|b| b.timezone)
        .unwrap_or_default();
    let day = |at| utc_to_local(at, zone(&timezone)).format("%-d %b %Y").to_string();
    let lines: Vec<InvoiceLine> = invoices::lines(tx, org, id)
        .await?
        .into_iter()
        .map(|(id, description, amounts, item_id)| InvoiceLine {
            id,
            description,
            item_id,
            totals: amounts.totals(h.tax_mode),
            amounts,
        })
        .collect();
    let settings = invoices::settings(tx, org).await?;
    let paid_by = payments::of_invoice(tx, org, id).await?;
    let account = payments::account(tx, org, h.patient_id).await?;
    let amounts: Vec<_> = lines.iter().map(|l| l.amounts).collect();
    let sums = totals(&amounts, h.tax_mode);
    let balance = if h.status.is_open() { sums.total - h.paid } else { 0 };
    let invoice = InvoiceView {
        id: h.id,
        kind: h.kind,
        status: h.status,
        number_label: h.number_label,
        patient_id: h.patient_id,
        patient_name: h.patient_name,
        appointment_id: h.appointment_id,
        credits: h.credits,
        credited_by: h.credited_by,
        currency: h.currency,
        tax_mode: h.tax_mode,
        issued_local: h.issued_at.map(day),
        due_on: h.due_on,
        seller_name: h.seller_name,
        seller_address: h.seller_address,
        seller_tax_id: h.seller_tax_id,
        notes: h.notes,
        lines,
        totals: sums,
        paid: h.paid,
        balance,
        can_manage: false,
        default_tax_bp: settings.default_tax_bp,
        payments: paid_by
            .into_iter()
            .map(|p| InvoicePayment {
                payment_id: p.payment_id,
                method: p.method,
                reference: p.reference,
                received_local: local_datetime(p.received_at, &timezone),
                received_by: p.received_by,
                applied: p.applied,
                amount: p.amount,
                refunded: p.refunded,
            })
            .collect(),
        patient_credit: account.credit,
        patient_open: Vec::new(),
        can_take_payments: false,
        can_refund: false,
        payment_key: Uuid::new_v4(),
        products: Vec::new(),
    };
    Ok(Some((invoice, h.branch_id)))
}

/// A blank invoice in the organization's currency and tax mode; its id, and the settings
/// it was drafted under.
async fn new_draft(
    tx: &mut Tx,
    ctx: &RequestContext,
    branch_id: Uuid,
    patient_id: Uuid,
    appointment_id: Option<Uuid>,
) -> Result<(Uuid, InvoiceSettings), AppError> {
    let org = ctx.org_id();
    let settings = invoices::settings(tx, org).await?;
    let currency = organizations::currency(tx, org).await?;
    let draft = NewDraft {
        branch_id,
        patient_id,
        appointment_id,
        kind: InvoiceKind::Invoice,
        credits: None,
        currency: &currency,
        tax_mode: settings.tax_mode,
        notes: "",
        created_by: ctx.user.user_id,
    };
    Ok((invoices::insert_draft(tx, org, &draft).await?, settings))
}

/// The invoice of a completed visit: its draft, made from the services performed, or
/// the one it has already; whether it was drafted now.
pub async fn invoice_visit(ctx: &RequestContext, appointment_id: Uuid) -> Result<(Uuid, bool), AppError> {
    ctx.require(Action::ManageInvoices)?;
    let org = ctx.org_id();
    let mut tx = ctx.tenant().await?;
    let appointment = locked(&mut tx, ctx, appointment_id).await?;
    if appointment.status != Status::Completed {
        return Err(AppError::Conflict {
            field: None,
            message: "Complete the visit first: its invoice is drafted from the services performed.".into(),
        });
    }
    if let Some(existing) = invoices::of_visit(&mut tx, org, appointment_id).await? {
        tx.commit().await?;
        return Ok((existing, false));
    }
    let patient_id = crate::server::db::appointments::patient_of(&mut tx, org, appointment_id).await?;
    let (id, settings) = new_draft(&mut tx, ctx, appointment.branch_id, patient_id, Some(appointment_id)).await?;
    let lines = invoices::lines_from_visit(&mut tx, org, id, appointment_id, settings.default_tax_bp).await?;
    ctx.audit(
        &mut tx,
        "invoice.drafted",
        "invoice",
        Some(id),
        json!({"appointment_id": appointment_id, "lines": lines}),
    )
    .await?;
    tx.commit().await?;
    Ok((id, true))
}

/// A blank draft for a patient (products, packages, anything not a visit).
pub async fn draft_for_patient(ctx: &RequestContext, patient_id: Uuid) -> Result<Uuid, AppError> {
    ctx.require(Action::ManageInvoices)?;
    let org = ctx.org_id();
    let mut tx = ctx.tenant().await?;
    if patients::get(&mut tx, org, patient_id).await?.is_none() {
        return Err(AppError::not_found("That patient"));
    }
    let (id, _) = new_draft(&mut tx, ctx, ctx.user.branch.id, patient_id, None).await?;
    ctx.audit(
        &mut tx,
        "invoice.drafted",
        "invoice",
        Some(id),
        json!({"patient_id": patient_id}),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// Adds a line to a draft; `line` reads it in the invoice's currency (a form's text, or
/// the API's minor units).
pub async fn add_line(
    ctx: &RequestContext,
    id: Uuid,
    item: Option<Uuid>,
    line: impl FnOnce(&str, Option<&Product>) -> Result<NewLine, AppError>,
) -> Result<(), AppError> {
    ctx.require(Action::ManageInvoices)?;
    let org = ctx.org_id();
    let mut tx = ctx.tenant().await?;
    let invoice = draft(&mut tx, ctx, id).await?;
    let product = match item {
        Some(item) => Some(
            db::inventory::product(&mut tx, org, item)
                .await?
                .ok_or_else(|| AppError::field("item", NO_SUCH_PRODUCT))?,
        ),
        None => None,
    };
    let line = line(&invoice.currency, product.as_ref())?;
    let line_id = invoices::add_line(&mut tx, org, id, &line, item).await?;
    let diff = json!({"line_id": line_id, "description": line.description, "quantity": line.amounts.quantity,
                      "unit_price": line.amounts.unit_price, "discount_bp": line.amounts.discount_bp,
                      "tax_bp": line.amounts.tax_bp, "item_id": item});
    ctx.audit(&mut tx, "invoice.line_added", "invoice", Some(id), diff)
        .await?;
    tx.commit().await?;
    Ok(())
}

pub async fn remove_line(ctx: &RequestContext, id: Uuid, line_id: Uuid) -> Result<(), AppError> {
    ctx.require(Action::ManageInvoices)?;
    let mut tx = ctx.tenant().await?;
    draft(&mut tx, ctx, id).await?;
    if !invoices::remove_line(&mut tx, ctx.org_id(), id, line_id).await? {
        return Err(AppError::not_found("That line"));
    }
    ctx.audit(
        &mut tx,
        "invoice.line_removed",
        "invoice",
        Some(id),
        json!({"line_id": line_id}),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Throws a draft away (it has no number, so nothing is missing from the series).
pub async fn discard(ctx: &RequestContext, id: Uuid) -> Result<(), AppError> {
    ctx.require(Action::ManageInvoices)?;
    let mut tx = ctx.tenant().await?;
    draft(&mut tx, ctx, id).await?;
    ctx.audit(&mut tx, "invoice.discarded", "invoice", Some(id), json!({}))
        .await?;
    invoices::delete_draft(&mut tx, ctx.org_id(), id).await?;
    tx.commit().await?;
    Ok(())
}

/// Issues a draft: totals fixed by the rounding rule, the seller as the settings say now,
/// and the next number of the year's series, taken last so that every refusal comes
/// before it (and a rollback after gives it back).
pub async fn issue(ctx: &RequestContext, id: Uuid) -> Result<String, AppError> {
    ctx.require(Action::ManageInvoices)?;
    let mut tx = ctx.tenant().await?;
    let invoice = draft(&mut tx, ctx, id).await?;
    let label = issue_in(
        &mut tx,
        (ctx.org_id(), ctx.user.user_id),
        &ctx.user.branch.timezone,
        &invoice,
    )
    .await?;
    ctx.audit(&mut tx, "invoice.issued", "invoice", Some(id), json!({"number": label}))
        .await?;
    tx.commit().await?;
    Ok(label)
}

/// Issues a locked draft of `org` in a branch of `timezone` (whose date names the year),
/// `by` a user, and moves the products it sells: its number label.
pub(crate) async fn issue_in(
    tx: &mut Tx,
    (org, by): (Uuid, Uuid),
    timezone: &str,
    invoice: &invoices::Locked,
) -> Result<String, AppError> {
    let amounts: Vec<_> = invoices::lines(tx, org, invoice.id)
        .await?
        .into_iter()
        .map(|(_, _, amounts, _)| amounts)
        .collect();
    let sums = totals(&amounts, invoice.tax_mode);
    let (status, refusal) = match invoice.kind {
        InvoiceKind::Invoice => (InvoiceStatus::Issued, sums.total <= 0),
        // A credit note is owed to the patient, never by them.
        InvoiceKind::CreditNote => (InvoiceStatus::Paid, sums.total >= 0),
    };
    if amounts.is_empty() || refusal {
        return Err(AppError::Conflict {
            field: None,
            message: "Add what the invoice charges first: it has no lines or comes to nothing.".into(),
        });
    }
    let settings = invoices::settings(tx, org).await?;
    let today = utc_to_local(Utc::now(), zone(timezone)).date();
    let prefix = match invoice.kind {
        InvoiceKind::Invoice => &settings.invoice_prefix,
        InvoiceKind::CreditNote => &settings.credit_note_prefix,
    };
    let number = invoices::take_number(tx, org, invoice.kind, today.year()).await?;
    let label = number_label(prefix, today.year(), number);
    invoices::issue(
        tx,
        org,
        invoice.id,
        &Issue {
            year: today.year(),
            number,
            number_label: &label,
            due_on: today + Duration::days(i64::from(settings.payment_terms_days)),
            settings: &settings,
            totals: &sums,
            status,
        },
    )
    .await?;
    inventory::settle_invoice(tx, org, by, invoice, &label).await?;
    Ok(label)
}

/// Corrects an issued invoice the only lawful way: a credit note, numbered in its own
/// series, that repeats its lines negated; the invoice is then void.
pub async fn credit(ctx: &RequestContext, id: Uuid) -> Result<Uuid, AppError> {
    ctx.require(Action::ManageInvoices)?;
    let org = ctx.org_id();
    let mut tx = ctx.tenant().await?;
    // Its payments go back to the patient's credit: the patient's money is locked first.
    if let Some(h) = invoices::header(&mut tx, org, id).await? {
        payments::lock_patient(&mut tx, org, h.patient_id).await?;
    }
    let invoice = locked_invoice(&mut tx, ctx, id).await?;
    if invoice.kind != InvoiceKind::Invoice
        || !matches!(
            invoice.status,
            InvoiceStatus::Issued | InvoiceStatus::PartiallyPaid | InvoiceStatus::Paid
        )
    {
        return Err(AppError::Conflict {
            field: None,
            message: "Only an issued invoice that has not been credited can be credited.".into(),
        });
    }
    let note_id = invoices::insert_draft(
        &mut tx,
        org,
        &NewDraft {
            branch_id: invoice.branch_id,
            patient_id: invoice.patient_id,
            appointment_id: invoice.appointment_id,
            kind: InvoiceKind::CreditNote,
            credits: Some(invoice.id),
            currency: &invoice.currency,
            tax_mode: invoice.tax_mode,
            notes: &format!(
                "Cancels invoice {}.",
                invoice.number_label.as_deref().unwrap_or_default()
            ),
            created_by: ctx.user.user_id,
        },
    )
    .await?;
    invoices::copy_lines_credited(&mut tx, org, invoice.id, note_id).await?;
    let note = invoices::lock(&mut tx, org, note_id)
        .await?
        .ok_or_else(|| AppError::not_found("That credit note"))?;
    let label = issue_in(&mut tx, (org, ctx.user.user_id), &ctx.user.branch.timezone, &note).await?;
    invoices::set_status(&mut tx, org, invoice.id, InvoiceStatus::Void).await?;
    let released = super::payments::release(&mut tx, ctx, invoice.id).await?;
    ctx.audit(
        &mut tx,
        "invoice.credited",
        "invoice",
        Some(invoice.id),
        json!({"credit_note_id": note_id, "credit_note": label, "paid_back_to_credit": released}),
    )
    .await?;
    ctx.audit(
        &mut tx,
        "invoice.issued",
        "invoice",
        Some(note_id),
        json!({"number": label, "credits": invoice.number_label}),
    )
    .await?;
    tx.commit().await?;
    Ok(note_id)
}

pub async fn settings(ctx: &RequestContext) -> Result<InvoiceSettings, AppError> {
    ctx.require(Action::ManageBillingSettings)?;
    let mut tx = ctx.tenant().await?;
    let settings = invoices::settings(&mut tx, ctx.org_id()).await?;
    tx.commit().await?;
    Ok(settings)
}

pub async fn save_settings(ctx: &RequestContext, form: &InvoiceSettingsForm) -> Result<(), AppError> {
    ctx.require(Action::ManageBillingSettings)?;
    let settings = form.parse()?;
    let mut tx = ctx.tenant().await?;
    let before = invoices::settings(&mut tx, ctx.org_id()).await?;
    invoices::save_settings(&mut tx, ctx.org_id(), &settings).await?;
    ctx.audit(
        &mut tx,
        "invoice_settings.changed",
        "organization",
        Some(ctx.org_id()),
        audit::changes(&json!(before), &json!(settings)),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The invoice and receipt downloads.
pub fn routes() -> Routes {
    Routes::new()
        .add(Method::GET, "/app/invoices/{id}/invoice.pdf", invoice_pdf)
        .add(Method::GET, "/app/invoices/{id}/receipt.pdf", receipt_pdf)
}

async fn invoice_pdf(Staff(ctx): Staff, Path(id): Path<String>) -> Response {
    pdf(&ctx, &id, documents::Kind::Invoice)
        .await
        .unwrap_or_else(IntoResponse::into_response)
}

async fn receipt_pdf(Staff(ctx): Staff, Path(id): Path<String>) -> Response {
    pdf(&ctx, &id, documents::Kind::Receipt)
        .await
        .unwrap_or_else(IntoResponse::into_response)
}

/// `GET /app/invoices/{id}/(invoice|receipt).pdf`: the document as a download, for whoever
/// may see the invoice.
async fn pdf(ctx: &RequestContext, id: &str, kind: documents::Kind) -> Result<Response, AppError> {
    let id = Uuid::parse_str(id).map_err(|_| AppError::not_found("That invoice"))?;
    let (invoice, _) = get(ctx, id).await?;
    let bytes = documents::render(&invoice, kind)?;
    Ok(documents::response(&kind.file_name(&invoice), bytes, false))
}
