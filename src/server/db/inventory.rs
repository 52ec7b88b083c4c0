//! Items and the stock ledger. A movement's balance and order are set by the database
//! (trigger `stock_movements_balance`, under the item's row lock); nothing here updates
//! or deletes a movement.

use uuid::Uuid;

use super::Tx;
use crate::domain::{
    inventory::{BranchStock, Item, ItemDetails, Movement, MovementKind, StockAlert, StockRow},
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
                                      reason, transfer_id, recorded_by, seq)
         values ($1, $2, $3, $4, $5, 0, $6, $7, $8, $9, 0) returning balance_after",
        org_id,
        m.item_id,
        m.branch_id,
        m.kind.as_str(),
        m.quantity,
        m.unit_cost_minor,
        m.reason,
        m.transfer_id,
        m.recorded_by,
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
        r#"select m.id, m.kind, m.quantity, m.balance_after, m.unit_cost_minor, m.reason, m.created_at,
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
