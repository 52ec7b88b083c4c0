//! Visits: started and completed, the services performed, the materials used, the
//! clinical note and its addenda.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::Tx;
use crate::domain::{
    visit::{Material, NoteForm, PerformedService, UsedMaterial},
    AppError,
};

/// A visit's state and its note.
pub struct Visit {
    pub practitioner_id: Uuid,
    pub started_at: DateTime<Utc>,
    pub completed_at: Option<DateTime<Utc>>,
    pub note: NoteForm,
    pub signed_at: Option<DateTime<Utc>>,
    pub signer_name: Option<String>,
}

pub async fn get(tx: &mut Tx, org_id: Uuid, appointment_id: Uuid) -> Result<Option<Visit>, AppError> {
    let row = sqlx::query!(
        r#"select v.practitioner_id, v.started_at, v.completed_at, v.subjective, v.objective, v.assessment, v.plan,
                  v.signed_at, u.full_name as "signer_name?"
           from visits v left join users u on u.id = v.signed_by
           where v.org_id = $1 and v.appointment_id = $2"#,
        org_id,
        appointment_id,
    )
    .fetch_optional(&mut **tx)
    .await?;
    Ok(row.map(|r| Visit {
        practitioner_id: r.practitioner_id,
        started_at: r.started_at,
        completed_at: r.completed_at,
        note: NoteForm {
            subjective: r.subjective,
            objective: r.objective,
            assessment: r.assessment,
            plan: r.plan,
        },
        signed_at: r.signed_at,
        signer_name: r.signer_name,
    }))
}

/// Starts the visit of an appointment (again, after an undone start: the record made
/// so far is kept). A first start records the booked service at the catalog's price, and
/// returns its line.
pub async fn start(
    tx: &mut Tx,
    org_id: Uuid,
    appointment_id: Uuid,
    by: Uuid,
    at: DateTime<Utc>,
) -> Result<Option<Uuid>, AppError> {
    Ok(sqlx::query_scalar!(
        r#"with started as (
             insert into visits (appointment_id, org_id, branch_id, patient_id, practitioner_id, started_at)
             select id, org_id, branch_id, patient_id, practitioner_id, $4 from appointments
             where org_id = $1 and id = $2
             on conflict (appointment_id) do update set started_at = $4
             returning appointment_id, (xmax = 0) as first
           )
           insert into visit_services (org_id, appointment_id, service_id, unit_price_minor, added_by)
           select a.org_id, a.id, a.service_id, s.price_minor, $3
           from started join appointments a on a.id = started.appointment_id join services s on s.id = a.service_id
           where started.first
           returning id"#,
        org_id,
        appointment_id,
        by,
        at,
    )
    .fetch_optional(&mut **tx)
    .await?)
}

/// Puts what a service line's service uses (its materials recipe, times the line's
/// quantity) on the visit, from the items still in use.
pub async fn add_recipe(tx: &mut Tx, org_id: Uuid, line_id: Uuid, by: Uuid) -> Result<(), AppError> {
    sqlx::query!(
        "insert into visit_materials (org_id, appointment_id, item_id, description, quantity, unit, added_by, service_line_id)
         select vs.org_id, vs.appointment_id, i.id, i.name, least(sm.quantity * vs.quantity, 10000), left(i.unit, 20), $3, vs.id
         from visit_services vs
         join service_materials sm on sm.service_id = vs.service_id
         join inventory_items i on i.id = sm.item_id and i.active
         where vs.org_id = $1 and vs.id = $2
         order by i.name",
        org_id,
        line_id,
        by,
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Completes the visit; a note with anything in it is signed, in the name of the treating
/// practitioner who wrote it.
pub async fn complete(tx: &mut Tx, org_id: Uuid, appointment_id: Uuid, at: DateTime<Utc>) -> Result<(), AppError> {
    sqlx::query!(
        "update visits set completed_at = $3::timestamptz,
                signed_at = case when concat(subjective, objective, assessment, plan) <> '' then $3 end,
                signed_by = case when concat(subjective, objective, assessment, plan) <> '' then practitioner_id end
         where org_id = $1 and appointment_id = $2",
        org_id,
        appointment_id,
        at,
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Reopens a completed visit whose note was not signed; `false` when it was.
pub async fn reopen(tx: &mut Tx, org_id: Uuid, appointment_id: Uuid) -> Result<bool, AppError> {
    let done = sqlx::query!(
        "update visits set completed_at = null where org_id = $1 and appointment_id = $2 and signed_at is null",
        org_id,
        appointment_id,
    )
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn save_note(tx: &mut Tx, org_id: Uuid, appointment_id: Uuid, note: &NoteForm) -> Result<(), AppError> {
    sqlx::query!(
        "update visits set subjective = $3, objective = $4, assessment = $5, plan = $6, note_updated_at = now()
         where org_id = $1 and appointment_id = $2",
        org_id,
        appointment_id,
        note.subjective,
        note.objective,
        note.assessment,
        note.plan,
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}

pub async fn add_addendum(
    tx: &mut Tx,
    org_id: Uuid,
    appointment_id: Uuid,
    author: Uuid,
    body: &str,
) -> Result<Uuid, AppError> {
    Ok(sqlx::query_scalar!(
        "insert into visit_note_addenda (org_id, appointment_id, author_id, body) values ($1, $2, $3, $4) returning id",
        org_id,
        appointment_id,
        author,
        body,
    )
    .fetch_one(&mut **tx)
    .await?)
}

/// A note's addenda, oldest first: author, time, words.
pub async fn addenda(
    tx: &mut Tx,
    org_id: Uuid,
    appointment_id: Uuid,
) -> Result<Vec<(String, DateTime<Utc>, String)>, AppError> {
    let rows = sqlx::query!(
        "select u.full_name, n.created_at, n.body from visit_note_addenda n join users u on u.id = n.author_id
         where n.org_id = $1 and n.appointment_id = $2 order by n.created_at, n.id",
        org_id,
        appointment_id,
    )
    .fetch_all(&mut **tx)
    .await?;
    Ok(rows.into_iter().map(|r| (r.full_name, r.created_at, r.body)).collect())
}

pub async fn services(tx: &mut Tx, org_id: Uuid, appointment_id: Uuid) -> Result<Vec<PerformedService>, AppError> {
    Ok(sqlx::query_as!(
        PerformedService,
        "select vs.id, vs.service_id, s.name, vs.quantity, vs.unit_price_minor as unit_price, vs.price_overridden
         from visit_services vs join services s on s.id = vs.service_id
         where vs.org_id = $1 and vs.appointment_id = $2 order by vs.added_at, vs.id",
        org_id,
        appointment_id,
    )
    .fetch_all(&mut **tx)
    .await?)
}

/// Adds a service performed at `price`, or at the catalog's; `None` when the service is
/// not in the organization's catalog.
pub async fn add_service(
    tx: &mut Tx,
    org_id: Uuid,
    appointment_id: Uuid,
    service_id: Uuid,
    quantity: i32,
    price: Option<i64>,
    by: Uuid,
) -> Result<Option<Uuid>, AppError> {
    Ok(sqlx::query_scalar!(
        "insert into visit_services (org_id, appointment_id, service_id, quantity, unit_price_minor, price_overridden, added_by)
         select $1, $2, s.id, $4, coalesce($5, s.price_minor), $5::bigint is not null, $6
         from services s where s.org_id = $1 and s.id = $3
         returning id",
        org_id,
        appointment_id,
        service_id,
        quantity,
        price,
        by,
    )
    .fetch_optional(&mut **tx)
    .await?)
}

/// Removes a line of the visit; `false` when the visit has no such line.
pub async fn remove_service(tx: &mut Tx, org_id: Uuid, appointment_id: Uuid, id: Uuid) -> Result<bool, AppError> {
    let done = sqlx::query!(
        "delete from visit_services where org_id = $1 and appointment_id = $2 and id = $3",
        org_id,
        appointment_id,
        id,
    )
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn materials(tx: &mut Tx, org_id: Uuid, appointment_id: Uuid) -> Result<Vec<UsedMaterial>, AppError> {
    Ok(sqlx::query_as!(
        UsedMaterial,
        r#"select m.id, m.description, m.quantity, m.unit, m.item_id, s.name as "service?", m.consumed
           from visit_materials m
           left join visit_services vs on vs.id = m.service_line_id
           left join services s on s.id = vs.service_id
           where m.org_id = $1 and m.appointment_id = $2 order by m.added_at, m.id"#,
        org_id,
        appointment_id,
    )
    .fetch_all(&mut **tx)
    .await?)
}

pub async fn add_material(
    tx: &mut Tx,
    org_id: Uuid,
    appointment_id: Uuid,
    material: &Material,
    by: Uuid,
) -> Result<Uuid, AppError> {
    Ok(sqlx::query_scalar!(
        "insert into visit_materials (org_id, appointment_id, item_id, description, quantity, unit, added_by)
         values ($1, $2, $7, $3, $4, $5, $6) returning id",
        org_id,
        appointment_id,
        material.description,
        material.quantity,
        material.unit,
        by,
        material.item_id,
    )
    .fetch_one(&mut **tx)
    .await?)
}

pub async fn remove_material(tx: &mut Tx, org_id: Uuid, appointment_id: Uuid, id: Uuid) -> Result<bool, AppError> {
    let done = sqlx::query!(
        "delete from visit_materials where org_id = $1 and appointment_id = $2 and id = $3",
        org_id,
        appointment_id,
        id,
    )
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Which of a visit's materials from stock to settle with the ledger.
#[derive(Debug, Clone, Copy)]
pub enum Which {
    All,
    Material(Uuid),
    Line(Uuid),
}

/// What a visit takes of one item at its branch: the materials' ids and their sum.
pub struct ItemUse {
    pub branch_id: Uuid,
    pub item_id: Uuid,
    pub name: String,
    pub unit: String,
    pub quantity: i32,
    pub materials: Vec<Uuid>,
}

/// A visit's materials from stock, consumed or not, per item (by item id: the order in
/// which every writer takes the items' locks).
pub async fn stock_uses(
    tx: &mut Tx,
    org_id: Uuid,
    appointment_id: Uuid,
    consumed: bool,
    which: Which,
) -> Result<Vec<ItemUse>, AppError> {
    let (material, line) = match which {
        Which::All => (None, None),
        Which::Material(id) => (Some(id), None),
        Which::Line(id) => (None, Some(id)),
    };
    let rows = sqlx::query!(
        r#"select v.branch_id, m.item_id as "item_id!", i.name, i.unit,
                  sum(m.quantity)::integer as "quantity!", array_agg(m.id) as "ids!"
           from visit_materials m
           join visits v on v.appointment_id = m.appointment_id
           join inventory_items i on i.id = m.item_id
           where m.org_id = $1 and m.appointment_id = $2 and m.consumed = $3
             and ($4::uuid is null or m.id = $4) and ($5::uuid is null or m.service_line_id = $5)
           group by v.branch_id, m.item_id, i.name, i.unit
           order by m.item_id"#,
        org_id,
        appointment_id,
        consumed,
        material,
        line,
    )
    .fetch_all(&mut **tx)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| ItemUse {
            branch_id: r.branch_id,
            item_id: r.item_id,
            name: r.name,
            unit: r.unit,
            quantity: r.quantity,
            materials: r.ids,
        })
        .collect())
}

pub async fn mark_consumed(tx: &mut Tx, org_id: Uuid, ids: &[Uuid], consumed: bool) -> Result<(), AppError> {
    sqlx::query!(
        "update visit_materials set consumed = $3 where org_id = $1 and id = any($2)",
        org_id,
        ids,
        consumed,
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The visit's live invoice: its id, and its number or "Draft".
pub async fn invoice_of(tx: &mut Tx, org_id: Uuid, appointment_id: Uuid) -> Result<Option<(Uuid, String)>, AppError> {
    let row = sqlx::query!(
        "select id, number_label from invoices
         where org_id = $1 and appointment_id = $2 and kind = 'invoice' and status <> 'void'",
        org_id,
        appointment_id,
    )
    .fetch_optional(&mut **tx)
    .await?;
    Ok(row.map(|r| (r.id, r.number_label.unwrap_or_else(|| "Draft".into()))))
}
