//! Payments, their allocations to invoices, refunds, and a patient's account.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::Tx;
use crate::{
    domain::{
        invoice::InvoiceStatus,
        payment::{NewPayment, NewRefund, PatientAccount, PaymentMethod},
        AppError,
    },
    server::error::internal,
};

/// Serialises the money of one patient: payments, credit used and refunds for them take
/// turns, so that none reads a balance another is changing. (`no key update` leaves
/// bookings for the patient free to go on.)
pub async fn lock_patient(tx: &mut Tx, org_id: Uuid, patient_id: Uuid) -> Result<(), AppError> {
    sqlx::query!(
        "select id from patients where org_id = $1 and id = $2 for no key update",
        org_id,
        patient_id
    )
    .fetch_optional(&mut **tx)
    .await?
    .ok_or_else(|| AppError::not_found("That patient"))?;
    Ok(())
}

/// Records a payment; `None` when one with the same form key was recorded already.
pub async fn insert(
    tx: &mut Tx,
    org_id: Uuid,
    branch_id: Uuid,
    patient_id: Uuid,
    p: &NewPayment,
    by: Uuid,
) -> Result<Option<Uuid>, AppError> {
    Ok(sqlx::query_scalar!(
        "insert into payments (org_id, branch_id, patient_id, method, reference, amount_minor, idempotency_key, received_by)
         values ($1, $2, $3, $4, $5, $6, $7, $8)
         on conflict (org_id, idempotency_key) do nothing
         returning id",
        org_id,
        branch_id,
        patient_id,
        p.method.as_str(),
        p.reference,
        p.amount,
        p.key,
        by,
    )
    .fetch_optional(&mut **tx)
    .await?)
}

/// Whether a payment with this form key was recorded.
pub async fn recorded(tx: &mut Tx, org_id: Uuid, key: Uuid) -> Result<bool, AppError> {
    Ok(sqlx::query_scalar!(
        r#"select exists (select 1 from payments where org_id = $1 and idempotency_key = $2) as "found!""#,
        org_id,
        key
    )
    .fetch_one(&mut **tx)
    .await?)
}

/// An open invoice of a patient: what it totals and what is paid.
pub struct Open {
    pub id: Uuid,
    pub number_label: String,
    pub total: i64,
    pub paid: i64,
    pub issued_at: Option<DateTime<Utc>>,
}

/// The patient's open invoices in a branch, oldest first.
pub async fn open_invoices(
    tx: &mut Tx,
    org_id: Uuid,
    branch_id: Uuid,
    patient_id: Uuid,
) -> Result<Vec<Open>, AppError> {
    Ok(sqlx::query_as!(
        Open,
        r#"select id, coalesce(number_label, '') as "number_label!", total_minor as total, paid_minor as paid, issued_at
         from invoices
         where org_id = $1 and branch_id = $2 and patient_id = $3 and kind = 'invoice'
           and status in ('issued', 'partially_paid')
         order by issued_at, number"#,
        org_id,
        branch_id,
        patient_id,
    )
    .fetch_all(&mut **tx)
    .await?)
}

/// Gives `amount` (negative: takes it back) of a payment to an invoice, and moves the
/// invoice's paid amount and status with it.
pub async fn allocate(
    tx: &mut Tx,
    org_id: Uuid,
    payment_id: Uuid,
    invoice_id: Uuid,
    amount: i64,
) -> Result<(), AppError> {
    let row = sqlx::query!(
        "with a as (insert into payment_allocations (org_id, payment_id, invoice_id, amount_minor) values ($1, $2, $3, $4))
         update invoices set paid_minor = paid_minor + $4 where org_id = $1 and id = $3
         returning total_minor, paid_minor, status",
        org_id,
        payment_id,
        invoice_id,
        amount,
    )
    .fetch_one(&mut **tx)
    .await?;
    // A void invoice (credited) stays void; an issued one follows what is paid.
    if row.status != InvoiceStatus::Void.as_str() {
        let status = InvoiceStatus::after_payment(row.total_minor, row.paid_minor);
        sqlx::query!(
            "update invoices set status = $3 where org_id = $1 and id = $2",
            org_id,
            invoice_id,
            status.as_str()
        )
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

/// The patient's payments with money not given to any invoice, oldest first: their
/// credit, payment by payment.
pub async fn unallocated(tx: &mut Tx, org_id: Uuid, patient_id: Uuid) -> Result<Vec<(Uuid, i64)>, AppError> {
    let rows = sqlx::query!(
        r#"select p.id, p.amount_minor - p.refunded_minor
                  - coalesce((select sum(a.amount_minor) from payment_allocations a where a.payment_id = p.id), 0)::bigint
                  as "left!"
           from payments p where p.org_id = $1 and p.patient_id = $2
           order by p.received_at, p.id"#,
        org_id,
        patient_id,
    )
    .fetch_all(&mut **tx)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| (r.id, r.left))
        .filter(|(_, left)| *left > 0)
        .collect())
}

/// What the patient's open invoices owe, and their credit.
pub async fn account(tx: &mut Tx, org_id: Uuid, patient_id: Uuid) -> Result<PatientAccount, AppError> {
    let row = sqlx::query!(
        r#"select
             coalesce((select sum(total_minor - paid_minor) from invoices
                       where org_id = $1 and patient_id = $2 and kind = 'invoice' and status in ('issued', 'partially_paid')), 0)::bigint
               as "owed!",
             coalesce((select sum(amount_minor - refunded_minor) from payments where org_id = $1 and patient_id = $2), 0)::bigint
             - coalesce((select sum(a.amount_minor) from payment_allocations a join payments p on p.id = a.payment_id
                         where p.org_id = $1 and p.patient_id = $2), 0)::bigint as "credit!",
             (select currency from organizations where id = $1) as "currency!""#,
        org_id,
        patient_id,
    )
    .fetch_one(&mut **tx)
    .await?;
    Ok(PatientAccount {
        owed: row.owed,
        credit: row.credit,
        currency: row.currency,
    })
}

/// The patient of a payment taken at `branch_id`.
pub async fn patient_of(tx: &mut Tx, org_id: Uuid, id: Uuid, branch_id: Uuid) -> Result<Option<Uuid>, AppError> {
    Ok(sqlx::query_scalar!(
        "select patient_id from payments where org_id = $1 and id = $2 and branch_id = $3",
        org_id,
        id,
        branch_id
    )
    .fetch_optional(&mut **tx)
    .await?)
}

/// A payment, locked: its patient, branch, amount and what was refunded.
pub struct Locked {
    pub id: Uuid,
    pub branch_id: Uuid,
    pub patient_id: Uuid,
    pub amount: i64,
    pub refunded: i64,
}

pub async fn lock(tx: &mut Tx, org_id: Uuid, id: Uuid) -> Result<Option<Locked>, AppError> {
    Ok(sqlx::query_as!(
        Locked,
        "select id, branch_id, patient_id, amount_minor as amount, refunded_minor as refunded
         from payments where org_id = $1 and id = $2 for update",
        org_id,
        id,
    )
    .fetch_optional(&mut **tx)
    .await?)
}

/// Where a payment's money went: invoice by invoice, the latest first (refunds take
/// back from there).
pub async fn allocations_of(tx: &mut Tx, org_id: Uuid, payment_id: Uuid) -> Result<Vec<(Uuid, i64)>, AppError> {
    let rows = sqlx::query!(
        r#"select invoice_id, sum(amount_minor)::bigint as "amount!" from payment_allocations
           where org_id = $1 and payment_id = $2 group by invoice_id having sum(amount_minor) > 0
           order by max(created_at) desc"#,
        org_id,
        payment_id,
    )
    .fetch_all(&mut **tx)
    .await?;
    Ok(rows.into_iter().map(|r| (r.invoice_id, r.amount)).collect())
}

/// What payments gave an invoice, payment by payment.
pub async fn allocated_to(tx: &mut Tx, org_id: Uuid, invoice_id: Uuid) -> Result<Vec<(Uuid, i64)>, AppError> {
    let rows = sqlx::query!(
        r#"select payment_id, sum(amount_minor)::bigint as "amount!" from payment_allocations
           where org_id = $1 and invoice_id = $2 group by payment_id having sum(amount_minor) > 0"#,
        org_id,
        invoice_id,
    )
    .fetch_all(&mut **tx)
    .await?;
    Ok(rows.into_iter().map(|r| (r.payment_id, r.amount)).collect())
}

pub async fn refund(tx: &mut Tx, org_id: Uuid, payment_id: Uuid, r: &NewRefund, by: Uuid) -> Result<Uuid, AppError> {
    let id = sqlx::query_scalar!(
        "with p as (update payments set refunded_minor = refunded_minor + $3 where org_id = $1 and id = $2)
         insert into refunds (org_id, payment_id, amount_minor, method, reason, refunded_by)
         values ($1, $2, $3, $4, $5, $6) returning id",
        org_id,
        payment_id,
        r.amount,
        r.method.as_str(),
        r.reason,
        by,
    )
    .fetch_one(&mut **tx)
    .await?;
    Ok(id)
}

/// A payment as an invoice lists it.
pub struct OfInvoice {
    pub payment_id: Uuid,
    pub method: PaymentMethod,
    pub reference: String,
    pub received_at: DateTime<Utc>,
    pub received_by: String,
    pub applied: i64,
    pub amount: i64,
    pub refunded: i64,
}

pub async fn of_invoice(tx: &mut Tx, org_id: Uuid, invoice_id: Uuid) -> Result<Vec<OfInvoice>, AppError> {
    let rows = sqlx::query!(
        r#"select p.id, p.method, p.reference, p.received_at, coalesce(u.full_name, '') as "received_by!",
                  sum(a.amount_minor)::bigint as "applied!", p.amount_minor, p.refunded_minor
           from payment_allocations a join payments p on p.id = a.payment_id
           left join users u on u.id = p.received_by
           where a.org_id = $1 and a.invoice_id = $2
           group by p.id, u.full_name
           order by p.received_at, p.id"#,
        org_id,
        invoice_id,
    )
    .fetch_all(&mut **tx)
    .await?;
    rows.into_iter()
        .map(|r| {
            Ok(OfInvoice {
                payment_id: r.id,
                method: PaymentMethod::parse(&r.method).ok_or_else(|| internal("payment method", &r.method))?,
                reference: r.reference,
                received_at: r.received_at,
                received_by: r.received_by,
                applied: r.applied,
                amount: r.amount_minor,
                refunded: r.refunded_minor,
            })
        })
        .collect()
}

/// A branch's payments and refunds in `[from, to)`, per method and staff member:
/// (method, staff name, payments, received, refunded).
pub async fn takings(
    tx: &mut Tx,
    org_id: Uuid,
    branch_id: Uuid,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Vec<(PaymentMethod, String, i64, i64, i64)>, AppError> {
    let rows = sqlx::query!(
        r#"with moves as (
             select p.method, p.received_by as who, 1 as payments, p.amount_minor as received, 0::bigint as refunded
             from payments p where p.org_id = $1 and p.branch_id = $2 and p.received_at >= $3 and p.received_at < $4
             union all
             select r.method, r.refunded_by, 0, 0, r.amount_minor
             from refunds r join payments p on p.id = r.payment_id
             where r.org_id = $1 and p.branch_id = $2 and r.created_at >= $3 and r.created_at < $4
           )
           select m.method as "method!", coalesce(u.full_name, 'Someone') as "name!", sum(m.payments)::bigint as "payments!",
                  sum(m.received)::bigint as "received!", sum(m.refunded)::bigint as "refunded!"
           from moves m left join users u on u.id = m.who
           group by m.method, u.full_name
           order by u.full_name, m.method"#,
        org_id,
        branch_id,
        from,
        to,
    )
    .fetch_all(&mut **tx)
    .await?;
    rows.into_iter()
        .map(|r| {
            let method = PaymentMethod::parse(&r.method).ok_or_else(|| internal("payment method", &r.method))?;
            Ok((method, r.name, r.payments, r.received, r.refunded))
        })
        .collect()
}
