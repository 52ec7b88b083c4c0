//! Items and the stock ledger. A movement's balance and order are set by the database
//! (trigger `stock_movements_balance`, under the item's row lock); nothing here updates
//! or deletes a movement.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::Tx;
use crate::domain::{
    inventory::{BranchStock, Item, ItemDetails, Movement, MovementKind, StockAlert, StockRow},
    invoice::Product,
    stock_use::{ItemUsage, RecipeLine, ServiceUsage},
    time::local_datetime,
    AppError,
};

/// One movement to append.
pub struct NewMovement<'a> {
    pub item_id: Uuid,
    pub branch_id: Uuid,
    pub kind: MovementKind,
    pub quantity: i32,
    pub unit_cost_minor: Option<i64>,
    pub reason: &'a str,
    pub transfer_id: Option<Uuid>,
    /// The visit a consumption is for.
    pub appointment_id: Option<Uuid>,
    /// The invoice a sale is on.
    pub invoice_id: Option<Uuid>,
    pub recorded_by: Uuid,
}

macro_rules! item_of {
    ($r:expr) => {
        Item {
            id: $r.id,
            name: $r.name,
            sku: $r.sku,
            unit: $r.unit,
            category: $r.category,
            cost_minor: $r.cost_minor,
            sale_price_minor: $r.sale_price_minor,
            reorder_level: $r.reorder_level,
            reorder_quantity: $r.reorder_quantity,
            supplier: $r.supplier,
            active: $r.active,
        }
    };
}

/// Every item with what the branch holds: the last balance of its ledger there.
pub async fn stock(tx: &mut Tx, org_id: Uuid, branch_id: Uuid) -> Result<Vec<StockRow>, AppError> {
    let rows = sqlx::query!(
        r#"select i.id, i.name, i.sku, i.unit, i.category, i.cost_minor, i.sale_price_minor, i.reorder_level,
                  i.reorder_quantity, i.supplier, i.active, coalesce(m.balance_after, 0) as "on_hand!"
           from inventory_items i
           left join lateral (
               select balance_after from stock_movements m
                where m.item_id = i.id and m.branch_id = $2 order by m.seq desc limit 1) m on true
           where i.org_id = $1
           order by i.active desc, lower(i.name), i.id"#,
        org_id,
        branch_id,
    )
    .fetch_all(&mut **tx)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| StockRow {
            on_hand: r.on_hand,
            item: item_of!(r),
        })
        .collect())
}

/// An item that is for sale (in use, with a sale price).
pub async fn product(tx: &mut Tx, org_id: Uuid, id: Uuid) -> Result<Option<Product>, AppError> {
    Ok(sqlx::query!(
        r#"select name, sale_price_minor as "sale_price!" from inventory_items
           where org_id = $1 and id = $2 and active and sale_price_minor is not null"#,
        org_id,
        id,
    )
    .fetch_optional(&mut **tx)
    .await?
    .map(|r| Product {
        name: r.name,
        sale_price: r.sale_price,
    }))
}

/// What one item of an invoice's lines sells.
pub struct Sale {
    pub item_id: Uuid,
    pub name: String,
    pub unit: String,
    pub quantity: i32,
}

/// The products an invoice's lines sell, per item (by item id: the order in which every
/// writer takes the items' locks).
pub async fn sold_on(tx: &mut Tx, org_id: Uuid, invoice_id: Uuid) -> Result<Vec<Sale>, AppError> {
    let rows = sqlx::query!(
        r#"select l.item_id as "item_id!", i.name, i.unit, sum(l.quantity)::integer as "quantity!"
           from invoice_lines l join inventory_items i on i.id = l.item_id
           where l.org_id = $1 and l.invoice_id = $2
           group by l.item_id, i.name, i.unit
           order by l.item_id"#,
        org_id,
        invoice_id,
    )
    .fetch_all(&mut **tx)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| Sale {
            item_id: r.item_id,
            name: r.name,
            unit: r.unit,
            quantity: r.quantity,
        })
        .collect())
}

pub async fn item(tx: &mut Tx, org_id: Uuid, id: Uuid) -> Result<Option<Item>, AppError> {
    let row = sqlx::query!(
        "select id, name, sku, unit, category, cost_minor, sale_price_minor, reorder_level, reorder_quantity,
                supplier, active
         from inventory_items where org_id = $1 and id = $2",
        org_id,
        id,
    )
    .fetch_optional(&mut **tx)
    .await?;
    Ok(row.map(|r| item_of!(r)))
}

pub async fn create_item(tx: &mut Tx, org_id: Uuid, d: &ItemDetails) -> Result<Uuid, AppError> {
    Ok(sqlx::query_scalar!(
        "insert into inventory_items (org_id, name, sku, unit, category, cost_minor, sale_price_minor,
                                      reorder_level, reorder_quantity, supplier, active)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) returning id",
        org_id,
        d.name,
        d.sku,
        d.unit,
        d.category,
        d.cost_minor,
        d.sale_price_minor,
        d.reorder_level,
        d.reorder_quantity,
        d.supplier,
        d.active,
    )
    .fetch_one(&mut **tx)
    .await?)
}

/// Whether the item exists (in this organization) to be updated.
pub async fn update_item(tx: &mut Tx, org_id: Uuid, id: Uuid, d: &ItemDetails) -> Result<bool, AppError> {
    let done = sqlx::query!(
        "update inventory_items set name = $3, sku = $4, unit = $5, category = $6, cost_minor = $7,
                sale_price_minor = $8, reorder_level = $9, reorder_quantity = $10, supplier = $11, active = $12
         where org_id = $1 and id = $2",
        org_id,
        id,
        d.name,
        d.sku,
        d.unit,
        d.category,
        d.cost_minor,
        d.sale_price_minor,
        d.reorder_level,
        d.reorder_quantity,
        d.supplier,
        d.active,
    )
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// The last price an item was received at becomes its cost.
pub async fn set_cost(tx: &mut Tx, org_id: Uuid, id: Uuid, cost_minor: i64) -> Result<(), AppError> {
    sqlx::query!(
        "update inventory_items set cost_minor = $3 where org_id = $1 and id = $2",
        org_id,
        id,
        cost_minor
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Appends a movement and answers the item's balance at its branch after it.
pub async fn append(tx: &mut Tx, org_id: Uuid, m: &NewMovement<'_>) -> Result<i32, AppError> {
    Ok(sqlx::query_scalar!(
        "insert into stock_movements (org_id, item_id, branch_id, kind, quantity, balance_after, unit_cost_minor,
                                      reason, transfer_id, recorded_by, appointment_id, invoice_id, seq)
         values ($1, $2, $3, $4, $5, 0, $6, $7, $8, $9, $10, $11, 0) returning balance_after",
        org_id,
        m.item_id,
        m.branch_id,
        m.kind.as_str(),
        m.quantity,
        m.unit_cost_minor,
        m.reason,
        m.transfer_id,
        m.recorded_by,
        m.appointment_id,
        m.invoice_id,
    )
    .fetch_one(&mut **tx)
    .await?)
}

/// Every branch of the organization with what it holds of the item, by branch name.
pub async fn item_stock(tx: &mut Tx, org_id: Uuid, item_id: Uuid) -> Result<Vec<BranchStock>, AppError> {
    let rows = sqlx::query!(
        r#"select b.id, b.name, coalesce(m.balance_after, 0) as "on_hand!"
           from branches b
           left join lateral (
               select balance_after from stock_movements m
                where m.item_id = $2 and m.branch_id = b.id order by m.seq desc limit 1) m on true
           where b.org_id = $1
           order by b.name, b.id"#,
        org_id,
        item_id,
    )
    .fetch_all(&mut **tx)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| BranchStock {
            branch_id: r.id,
            branch: r.name,
            on_hand: r.on_hand,
        })
        .collect())
}

/// The item's latest movements at the branch, newest first, their times in `timezone`.
pub async fn movements(
    tx: &mut Tx,
    org_id: Uuid,
    (item_id, branch_id): (Uuid, Uuid),
    timezone: &str,
    limit: i64,
) -> Result<Vec<Movement>, AppError> {
    let rows = sqlx::query!(
        r#"select m.id, m.kind, m.quantity, m.balance_after, m.unit_cost_minor, m.reason, m.created_at, m.appointment_id,
                  m.invoice_id,
                  u.full_name as recorder,
                  (select b.name from stock_movements o join branches b on b.id = o.branch_id
                    where o.transfer_id = m.transfer_id and o.id <> m.id) as other_branch
           from stock_movements m join users u on u.id = m.recorded_by
           where m.org_id = $1 and m.item_id = $2 and m.branch_id = $3
           order by m.seq desc limit $4"#,
        org_id,
        item_id,
        branch_id,
        limit,
    )
    .fetch_all(&mut **tx)
    .await?;
    Ok(rows
        .into_iter()
        .filter_map(|r| {
            Some(Movement {
                id: r.id,
                kind: MovementKind::parse(&r.kind)?,
                quantity: r.quantity,
                balance_after: r.balance_after,
                unit_cost_minor: r.unit_cost_minor,
                reason: r.reason,
                other_branch: r.other_branch,
                appointment_id: r.appointment_id,
                invoice_id: r.invoice_id,
                recorded_by: r.recorder,
                when: local_datetime(r.created_at, timezone),
            })
        })
        .collect())
}

/// The branch's open low-stock alerts, oldest first, their times in `timezone`.
pub async fn open_alerts(
    tx: &mut Tx,
    org_id: Uuid,
    branch_id: Uuid,
    timezone: &str,
) -> Result<Vec<StockAlert>, AppError> {
    let rows = sqlx::query!(
        r#"select a.item_id, i.name, i.unit, i.reorder_quantity, a.opened_at,
                  coalesce((select balance_after from stock_movements m
                             where m.item_id = a.item_id and m.branch_id = a.branch_id
                             order by m.seq desc limit 1), 0) as "on_hand!"
           from stock_alerts a join inventory_items i on i.id = a.item_id
           where a.org_id = $1 and a.branch_id = $2 and a.closed_at is null
           order by a.opened_at, i.name"#,
        org_id,
        branch_id,
    )
    .fetch_all(&mut **tx)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| StockAlert {
            item_id: r.item_id,
            item: r.name,
            unit: r.unit,
            on_hand: r.on_hand,
            reorder_quantity: r.reorder_quantity,
            since: local_datetime(r.opened_at, timezone),
        })
        .collect())
}

/// After an item's reorder level changed: opens or closes its alert in every branch that
/// has stocked it, for what each holds now.
pub async fn resync_alerts(tx: &mut Tx, org_id: Uuid, item_id: Uuid) -> Result<(), AppError> {
    sqlx::query!(
        "select stock_alert_sync($1, $2, p.branch_id, p.balance_after)
         from (select distinct on (branch_id) branch_id, balance_after from stock_movements
                where org_id = $1 and item_id = $2 order by branch_id, seq desc) p",
        org_id,
        item_id,
    )
    .fetch_all(&mut **tx)
    .await?;
    Ok(())
}

/// Whether the organization lets stock go below zero.
pub async fn negative_allowed(tx: &mut Tx, org_id: Uuid) -> Result<bool, AppError> {
    Ok(
        sqlx::query_scalar!("select allow_negative_stock from organizations where id = $1", org_id)
            .fetch_one(&mut **tx)
            .await?,
    )
}

/// A service's materials recipe, by item name.
pub async fn recipe(tx: &mut Tx, org_id: Uuid, service_id: Uuid) -> Result<Vec<RecipeLine>, AppError> {
    Ok(sqlx::query_as!(
        RecipeLine,
        "select sm.item_id, i.name as item, i.unit, sm.quantity
         from service_materials sm join inventory_items i on i.id = sm.item_id
         where sm.org_id = $1 and sm.service_id = $2
         order by i.name, i.id",
        org_id,
        service_id,
    )
    .fetch_all(&mut **tx)
    .await?)
}

/// Sets how many of an item one of the service uses; `false` when the organization has
/// no such service or item.
pub async fn set_recipe_line(
    tx: &mut Tx,
    org_id: Uuid,
    service_id: Uuid,
    item_id: Uuid,
    quantity: i32,
) -> Result<bool, AppError> {
    let done = sqlx::query!(
        "insert into service_materials (org_id, service_id, item_id, quantity)
         select $1, s.id, i.id, $4 from services s, inventory_items i
         where s.org_id = $1 and s.id = $2 and i.org_id = $1 and i.id = $3
         on conflict (service_id, item_id) do update set quantity = excluded.quantity",
        org_id,
        service_id,
        item_id,
        quantity,
    )
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn remove_recipe_line(tx: &mut Tx, org_id: Uuid, service_id: Uuid, item_id: Uuid) -> Result<bool, AppError> {
    let done = sqlx::query!(
        "delete from service_materials where org_id = $1 and service_id = $2 and item_id = $3",
        org_id,
        service_id,
        item_id,
    )
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// An open alert whose emails are still to be queued, with what they say.
pub struct AlertNotice {
    pub branch_id: Uuid,
    pub branch: String,
    pub item_id: Uuid,
    pub item: String,
    pub unit: String,
    pub on_hand: i32,
    pub reorder_quantity: i32,
    pub supplier: String,
}

pub async fn alert_to_notify(tx: &mut Tx, org_id: Uuid, id: Uuid) -> Result<Option<AlertNotice>, AppError> {
    Ok(sqlx::query_as!(
        AlertNotice,
        "select a.branch_id, b.name as branch, a.item_id, i.name as item, i.unit, a.on_hand, i.reorder_quantity, i.supplier
         from stock_alerts a join inventory_items i on i.id = a.item_id join branches b on b.id = a.branch_id
         where a.org_id = $1 and a.id = $2 and a.closed_at is null and a.notified_at is null
         for update of a",
        org_id,
        id,
    )
    .fetch_optional(&mut **tx)
    .await?)
}

pub async fn mark_notified(tx: &mut Tx, org_id: Uuid, id: Uuid) -> Result<(), AppError> {
    sqlx::query!(
        "update stock_alerts set notified_at = now() where org_id = $1 and id = $2",
        org_id,
        id
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// How many alerts are open at the branch.
pub async fn open_alert_count(tx: &mut Tx, org_id: Uuid, branch_id: Uuid) -> Result<i64, AppError> {
    Ok(sqlx::query_scalar!(
        r#"select count(*) as "open!" from stock_alerts where org_id = $1 and branch_id = $2 and closed_at is null"#,
        org_id,
        branch_id,
    )
    .fetch_one(&mut **tx)
    .await?)
}

/// Every organization's alerts set from the stock now, and those never told queued
/// again (`stock_alerts_recheck`); how many are open.
pub async fn recheck_alerts(pool: &sqlx::PgPool) -> Result<i64, AppError> {
    Ok(sqlx::query_scalar!(r#"select stock_alerts_recheck() as "open!""#)
        .fetch_one(pool)
        .await?)
}

/// What each item's stock at the branch gave in `[from, to)`: used in visits (less what
/// they gave back) and sold; most used first.
pub async fn usage_per_item(
    tx: &mut Tx,
    org_id: Uuid,
    branch_id: Uuid,
    (from, to): (DateTime<Utc>, DateTime<Utc>),
) -> Result<Vec<ItemUsage>, AppError> {
    Ok(sqlx::query_as!(
        ItemUsage,
        r#"select i.id as item_id, i.name as item, i.sku, i.unit, u.used as "used!",
                  u.used * i.cost_minor as "cost_minor!"
           from (select item_id, (-sum(quantity))::bigint as used from stock_movements
                  where org_id = $1 and branch_id = $2 and kind in ('consume', 'sell')
                    and created_at >= $3 and created_at < $4
                  group by item_id) u
           join inventory_items i on i.id = u.item_id
           where u.used <> 0
           order by u.used desc, i.name"#,
        org_id,
        branch_id,
        from,
        to,
    )
    .fetch_all(&mut **tx)
    .await?)
}

/// What the branch's visits completed in `[from, to)` used, per service and item: a
/// material brought by a service line counts for that service, one added by hand for
/// the visit's booked service.
pub async fn usage_per_service(
    tx: &mut Tx,
    org_id: Uuid,
    branch_id: Uuid,
    (from, to): (DateTime<Utc>, DateTime<Utc>),
) -> Result<Vec<ServiceUsage>, AppError> {
    Ok(sqlx::query_as!(
        ServiceUsage,
        r#"select s.name as service, i.name as item, i.unit, sum(m.quantity)::bigint as "used!",
                  count(distinct m.appointment_id) as "visits!"
           from visit_materials m
           join visits v on v.appointment_id = m.appointment_id
           join appointments a on a.id = m.appointment_id
           left join visit_services vs on vs.id = m.service_line_id
           join services s on s.id = coalesce(vs.service_id, a.service_id)
           join inventory_items i on i.id = m.item_id
           where m.org_id = $1 and v.branch_id = $2 and m.consumed
             and v.completed_at >= $3 and v.completed_at < $4
           group by s.name, i.name, i.unit
           order by s.name, i.name"#,
        org_id,
        branch_id,
        from,
        to,
    )
    .fetch_all(&mut **tx)
    .await?)
}
