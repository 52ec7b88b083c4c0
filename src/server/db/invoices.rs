//! Invoices and credit notes, their lines, their numbering and the settings they print.

use chrono::{DateTime, NaiveDate, Utc};
use uuid::Uuid;

use super::Tx;
use crate::{
    domain::{
        invoice::{InvoiceFilter, InvoiceKind, InvoiceStatus, InvoiceTotals, LineAmounts, NewLine, TaxMode},
        invoice_settings::InvoiceSettings,
        AppError,
    },
    server::error::internal,
};

/// The organization's settings (the defaults until someone saves them).
pub async fn settings(tx: &mut Tx, org_id: Uuid) -> Result<InvoiceSettings, AppError> {
    let row = sqlx::query!(
        "select legal_name, address, tax_id, notes, payment_terms_days, invoice_prefix, credit_note_prefix,
                tax_mode, default_tax_bp, send_receipts
         from invoice_settings where org_id = $1",
        org_id,
    )
    .fetch_optional(&mut **tx)
    .await?;
    Ok(row
        .map(|row| InvoiceSettings {
            legal_name: row.legal_name,
            address: row.address,
            tax_id: row.tax_id,
            notes: row.notes,
            payment_terms_days: row.payment_terms_days,
            invoice_prefix: row.invoice_prefix,
            credit_note_prefix: row.credit_note_prefix,
            tax_mode: TaxMode::parse(&row.tax_mode).unwrap_or_default(),
            default_tax_bp: i64::from(row.default_tax_bp),
            send_receipts: row.send_receipts,
        })
        .unwrap_or_default())
}

pub async fn save_settings(tx: &mut Tx, org_id: Uuid, s: &InvoiceSettings) -> Result<(), AppError> {
    sqlx::query!(
        "insert into invoice_settings (org_id, legal_name, address, tax_id, notes, payment_terms_days, invoice_prefix,
                                       credit_note_prefix, tax_mode, default_tax_bp, send_receipts)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
         on conflict (org_id) do update set legal_name = $2, address = $3, tax_id = $4, notes = $5,
             payment_terms_days = $6, invoice_prefix = $7, credit_note_prefix = $8, tax_mode = $9,
             default_tax_bp = $10, send_receipts = $11, updated_at = now()",
        org_id,
        s.legal_name,
        s.address,
        s.tax_id,
        s.notes,
        s.payment_terms_days,
        s.invoice_prefix,
        s.credit_note_prefix,
        s.tax_mode.as_str(),
        s.default_tax_bp as i32,
        s.send_receipts,
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Whether the organization has issued anything (its currency is then fixed).
pub async fn any_issued(tx: &mut Tx, org_id: Uuid) -> Result<bool, AppError> {
    Ok(sqlx::query_scalar!(
        r#"select exists (select 1 from invoices where org_id = $1 and status <> 'draft') as "issued!""#,
        org_id
    )
    .fetch_one(&mut **tx)
    .await?)
}

pub struct NewDraft<'a> {
    pub branch_id: Uuid,
    pub patient_id: Uuid,
    pub appointment_id: Option<Uuid>,
    pub kind: InvoiceKind,
    pub credits: Option<Uuid>,
    pub currency: &'a str,
    pub tax_mode: TaxMode,
    pub notes: &'a str,
    pub created_by: Uuid,
}

pub async fn insert_draft(tx: &mut Tx, org_id: Uuid, d: &NewDraft<'_>) -> Result<Uuid, AppError> {
    Ok(sqlx::query_scalar!(
        "insert into invoices (org_id, branch_id, patient_id, appointment_id, kind, credits_invoice_id, currency,
                               tax_mode, notes, created_by)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) returning id",
        org_id,
        d.branch_id,
        d.patient_id,
        d.appointment_id,
        d.kind.as_str(),
        d.credits,
        d.currency,
        d.tax_mode.as_str(),
        d.notes,
        d.created_by,
    )
    .fetch_one(&mut **tx)
    .await?)
}

/// The live invoice of a visit, if it has one.
pub async fn of_visit(tx: &mut Tx, org_id: Uuid, appointment_id: Uuid) -> Result<Option<Uuid>, AppError> {
    Ok(sqlx::query_scalar!(
        "select id from invoices where org_id = $1 and appointment_id = $2 and kind = 'invoice' and status <> 'void'",
        org_id,
        appointment_id,
    )
    .fetch_optional(&mut **tx)
    .await?)
}

/// Drafts the lines of a visit's invoice from its services performed, at `tax_bp`.
pub async fn lines_from_visit(
    tx: &mut Tx,
    org_id: Uuid,
    invoice_id: Uuid,
    appointment_id: Uuid,
    tax_bp: i64,
) -> Result<u64, AppError> {
    let done = sqlx::query!(
        "insert into invoice_lines (org_id, invoice_id, position, description, service_id, quantity, unit_price_minor, tax_bp)
         select $1, $2, row_number() over (order by vs.added_at, vs.id), s.name, s.id, vs.quantity, vs.unit_price_minor, $4
         from visit_services vs join services s on s.id = vs.service_id
         where vs.org_id = $1 and vs.appointment_id = $3",
        org_id,
        invoice_id,
        appointment_id,
        tax_bp as i32,
    )
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected())
}

pub async fn add_line(
    tx: &mut Tx,
    org_id: Uuid,
    invoice_id: Uuid,
    line: &NewLine,
    item_id: Option<Uuid>,
) -> Result<Uuid, AppError> {
    Ok(sqlx::query_scalar!(
        "insert into invoice_lines (org_id, invoice_id, position, description, item_id, quantity, unit_price_minor,
                                    discount_bp, tax_bp)
         values ($1, $2, (select coalesce(max(position), 0) + 1 from invoice_lines where invoice_id = $2),
                 $3, $4, $5, $6, $7, $8)
         returning id",
        org_id,
        invoice_id,
        line.description,
        item_id,
        line.amounts.quantity,
        line.amounts.unit_price,
        line.amounts.discount_bp as i32,
        line.amounts.tax_bp as i32,
    )
    .fetch_one(&mut **tx)
    .await?)
}

pub async fn remove_line(tx: &mut Tx, org_id: Uuid, invoice_id: Uuid, line_id: Uuid) -> Result<bool, AppError> {
    let done = sqlx::query!(
        "delete from invoice_lines where org_id = $1 and invoice_id = $2 and id = $3",
        org_id,
        invoice_id,
        line_id,
    )
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn delete_draft(tx: &mut Tx, org_id: Uuid, id: Uuid) -> Result<(), AppError> {
    sqlx::query!(
        "delete from invoices where org_id = $1 and id = $2 and status = 'draft'",
        org_id,
        id
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// What a change to an invoice depends on, locked for the transaction.
pub struct Locked {
    pub id: Uuid,
    pub branch_id: Uuid,
    pub patient_id: Uuid,
    pub appointment_id: Option<Uuid>,
    pub kind: InvoiceKind,
    pub status: InvoiceStatus,
    pub currency: String,
    pub tax_mode: TaxMode,
    pub number_label: Option<String>,
    pub total: i64,
    pub paid: i64,
}

pub async fn lock(tx: &mut Tx, org_id: Uuid, id: Uuid) -> Result<Option<Locked>, AppError> {
    let row = sqlx::query!(
        "select id, branch_id, patient_id, appointment_id, kind, status, currency, tax_mode, number_label,
                total_minor, paid_minor
         from invoices where org_id = $1 and id = $2 for update",
        org_id,
        id,
    )
    .fetch_optional(&mut **tx)
    .await?;
    row.map(|r| {
        Ok(Locked {
            id: r.id,
            branch_id: r.branch_id,
            patient_id: r.patient_id,
            appointment_id: r.appointment_id,
            kind: InvoiceKind::parse(&r.kind).ok_or_else(|| internal("invoice kind", &r.kind))?,
            status: InvoiceStatus::parse(&r.status).ok_or_else(|| internal("invoice status", &r.status))?,
            currency: r.currency,
            tax_mode: TaxMode::parse(&r.tax_mode).ok_or_else(|| internal("tax mode", &r.tax_mode))?,
            number_label: r.number_label,
            total: r.total_minor,
            paid: r.paid_minor,
        })
    })
    .transpose()
}

/// An invoice's lines in order: id, description, amounts, and the service they bill.
pub async fn lines(
    tx: &mut Tx,
    org_id: Uuid,
    invoice_id: Uuid,
) -> Result<Vec<(Uuid, String, LineAmounts, Option<Uuid>)>, AppError> {
    let rows = sqlx::query!(
        "select id, description, quantity, unit_price_minor, discount_bp, tax_bp, item_id
         from invoice_lines where org_id = $1 and invoice_id = $2 order by position, id",
        org_id,
        invoice_id,
    )
    .fetch_all(&mut **tx)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            (
                r.id,
                r.description,
                LineAmounts {
                    quantity: r.quantity,
                    unit_price: r.unit_price_minor,
                    discount_bp: i64::from(r.discount_bp),
                    tax_bp: i64::from(r.tax_bp),
                },
                r.item_id,
            )
        })
        .collect())
}

/// The lines of a credit note: its invoice's, negated.
pub async fn copy_lines_credited(tx: &mut Tx, org_id: Uuid, from: Uuid, to: Uuid) -> Result<(), AppError> {
    sqlx::query!(
        "insert into invoice_lines (org_id, invoice_id, position, description, service_id, item_id, quantity,
                                    unit_price_minor, discount_bp, tax_bp)
         select org_id, $3, position, description, service_id, item_id, quantity, -unit_price_minor, discount_bp, tax_bp
         from invoice_lines where org_id = $1 and invoice_id = $2",
        org_id,
        from,
        to,
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Takes the next number of the series: the number's row stays locked until the
/// transaction ends, and a rollback gives the number back.
pub async fn take_number(tx: &mut Tx, org_id: Uuid, kind: InvoiceKind, year: i32) -> Result<i64, AppError> {
    sqlx::query_scalar!(
        r#"select invoice_number_take($1, $2, $3) as "number!""#,
        org_id,
        kind.as_str(),
        year
    )
    .fetch_one(&mut **tx)
    .await
    .map_err(Into::into)
}

pub struct Issue<'a> {
    pub year: i32,
    pub number: i64,
    pub number_label: &'a str,
    pub due_on: NaiveDate,
    pub settings: &'a InvoiceSettings,
    pub totals: &'a InvoiceTotals,
    pub status: InvoiceStatus,
}

pub async fn issue(tx: &mut Tx, org_id: Uuid, id: Uuid, i: &Issue<'_>) -> Result<(), AppError> {
    sqlx::query!(
        "update invoices set status = $3, year = $4, number = $5, number_label = $6, issued_at = now(), due_on = $7,
                seller_name = $8, seller_address = $9, seller_tax_id = $10,
                notes = case when notes = '' then $11 else notes end,
                net_minor = $12, tax_minor = $13, total_minor = $14
         where org_id = $1 and id = $2 and status = 'draft'",
        org_id,
        id,
        i.status.as_str(),
        i.year,
        i.number,
        i.number_label,
        i.due_on,
        i.settings.legal_name,
        i.settings.address,
        i.settings.tax_id,
        i.settings.notes,
        i.totals.net,
        i.totals.tax,
        i.totals.total,
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}

pub async fn set_status(tx: &mut Tx, org_id: Uuid, id: Uuid, status: InvoiceStatus) -> Result<(), AppError> {
    sqlx::query!(
        "update invoices set status = $3 where org_id = $1 and id = $2",
        org_id,
        id,
        status.as_str()
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// An invoice's header as its page shows it.
pub struct Header {
    pub id: Uuid,
    pub branch_id: Uuid,
    pub kind: InvoiceKind,
    pub status: InvoiceStatus,
    pub number_label: Option<String>,
    pub patient_id: Uuid,
    pub patient_name: String,
    pub appointment_id: Option<Uuid>,
    pub credits: Option<(Uuid, String)>,
    pub credited_by: Vec<(Uuid, String)>,
    pub currency: String,
    pub tax_mode: TaxMode,
    pub issued_at: Option<DateTime<Utc>>,
    pub due_on: Option<NaiveDate>,
    pub seller_name: String,
    pub seller_address: String,
    pub seller_tax_id: String,
    pub notes: String,
    pub paid: i64,
}

pub async fn header(tx: &mut Tx, org_id: Uuid, id: Uuid) -> Result<Option<Header>, AppError> {
    let row = sqlx::query!(
        r#"select i.id, i.branch_id, i.kind, i.status, i.number_label, i.patient_id, p.full_name as patient_name,
                  i.appointment_id, i.credits_invoice_id, c.number_label as "credits_label?", i.currency, i.tax_mode,
                  i.issued_at, i.due_on, i.seller_name, i.seller_address, i.seller_tax_id, i.notes, i.paid_minor,
                  coalesce((select jsonb_agg(jsonb_build_array(n.id, n.number_label) order by n.issued_at)
                            from invoices n where n.credits_invoice_id = i.id), '[]') as "credited_by!"
           from invoices i join patients p on p.id = i.patient_id
           left join invoices c on c.id = i.credits_invoice_id
           where i.org_id = $1 and i.id = $2"#,
        org_id,
        id,
    )
    .fetch_optional(&mut **tx)
    .await?;
    row.map(|r| {
        Ok(Header {
            id: r.id,
            branch_id: r.branch_id,
            kind: InvoiceKind::parse(&r.kind).ok_or_else(|| internal("invoice kind", &r.kind))?,
            status: InvoiceStatus::parse(&r.status).ok_or_else(|| internal("invoice status", &r.status))?,
            number_label: r.number_label,
            patient_id: r.patient_id,
            patient_name: r.patient_name,
            appointment_id: r.appointment_id,
            credits: r.credits_invoice_id.zip(r.credits_label),
            credited_by: serde_json::from_value(r.credited_by).map_err(|e| internal("credit notes", e))?,
            currency: r.currency,
            tax_mode: TaxMode::parse(&r.tax_mode).ok_or_else(|| internal("tax mode", &r.tax_mode))?,
            issued_at: r.issued_at,
            due_on: r.due_on,
            seller_name: r.seller_name,
            seller_address: r.seller_address,
            seller_tax_id: r.seller_tax_id,
            notes: r.notes,
            paid: r.paid_minor,
        })
    })
    .transpose()
}

/// A row of the invoices list.
pub struct Listed {
    pub id: Uuid,
    pub kind: InvoiceKind,
    pub status: InvoiceStatus,
    pub number_label: Option<String>,
    pub patient_name: String,
    pub at: DateTime<Utc>,
    pub total: i64,
    pub paid: i64,
}

/// A branch's invoices, newest first (outstanding: oldest issued first, as they are
/// chased). Drafts carry the totals of their lines.
/// What the branch's open invoices still owe, all of them.
pub async fn owed(tx: &mut Tx, org_id: Uuid, branch_id: Uuid) -> Result<i64, AppError> {
    Ok(sqlx::query_scalar!(
        r#"select coalesce(sum(total_minor - paid_minor), 0)::bigint as "owed!"
           from invoices where org_id = $1 and branch_id = $2 and status in ('issued', 'partially_paid')"#,
        org_id,
        branch_id,
    )
    .fetch_one(&mut **tx)
    .await?)
}

pub async fn list(
    tx: &mut Tx,
    org_id: Uuid,
    branch_id: Uuid,
    filter: InvoiceFilter,
    limit: i64,
) -> Result<Vec<Listed>, AppError> {
    let rows = sqlx::query!(
        r#"select i.id, i.kind, i.status, i.number_label, p.full_name as patient_name,
                  coalesce(i.issued_at, i.created_at) as "at!", i.total_minor, i.paid_minor
           from invoices i join patients p on p.id = i.patient_id
           where i.org_id = $1 and i.branch_id = $2
             and case $3::text when 'outstanding' then i.status in ('issued', 'partially_paid')
                               when 'drafts' then i.status = 'draft'
                               else true end
           order by case when $3::text = 'outstanding' then i.issued_at end asc,
                    coalesce(i.issued_at, i.created_at) desc, i.id
           limit $4"#,
        org_id,
        branch_id,
        filter.as_str(),
        limit,
    )
    .fetch_all(&mut **tx)
    .await?;
    rows.into_iter()
        .map(|r| {
            Ok(Listed {
                id: r.id,
                kind: InvoiceKind::parse(&r.kind).ok_or_else(|| internal("invoice kind", &r.kind))?,
                status: InvoiceStatus::parse(&r.status).ok_or_else(|| internal("invoice status", &r.status))?,
                number_label: r.number_label,
                patient_name: r.patient_name,
                at: r.at,
                total: r.total_minor,
                paid: r.paid_minor,
            })
        })
        .collect()
}
