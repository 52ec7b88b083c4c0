//! Inventory use cases: items, and the movements staff record by hand (what arrives, a
//! count that differs, a transfer between branches). Every movement goes through
//! [`record`], which refuses to take stock below zero unless the organization allows it.

use serde_json::json;
use uuid::Uuid;

use super::{
    auth::context::RequestContext,
    db::{
        audit,
        inventory::{self, NewMovement},
        organizations, Tx,
    },
};
use crate::domain::{
    access::Action,
    calendar::CalendarColumn,
    inventory::{
        not_enough, ByHand, Item, ItemDetails, ItemForm, ItemPage, MovementForm, MovementKind, StockChange, StockPage,
    },
    AppError,
};

/// How many of an item's movements its page lists.
const LEDGER_LINES: i64 = 50;

fn item_json(d: &ItemDetails) -> serde_json::Value {
    json!({
        "name": d.name, "sku": d.sku, "unit": d.unit, "category": d.category, "cost_minor": d.cost_minor,
        "sale_price_minor": d.sale_price_minor, "reorder_level": d.reorder_level,
        "reorder_quantity": d.reorder_quantity, "supplier": d.supplier, "active": d.active,
    })
}

fn details_of(i: &Item) -> ItemDetails {
    ItemDetails {
        name: i.name.clone(),
        sku: i.sku.clone(),
        unit: i.unit.clone(),
        category: i.category.clone(),
        cost_minor: i.cost_minor,
        sale_price_minor: i.sale_price_minor,
        reorder_level: i.reorder_level,
        reorder_quantity: i.reorder_quantity,
        supplier: i.supplier.clone(),
        active: i.active,
    }
}

/// The caller's branch's stock of every item.
pub async fn stock_page(ctx: &RequestContext) -> Result<StockPage, AppError> {
    ctx.require(Action::ViewStock)?;
    let (org, branch) = (ctx.org_id(), ctx.user.branch.id);
    let mut tx = ctx.tenant().await?;
    let currency = organizations::currency(&mut tx, org).await?;
    let rows = inventory::stock(&mut tx, org, branch).await?;
    let alerts = inventory::open_alerts(&mut tx, org, branch, &ctx.user.branch.timezone).await?;
    tx.commit().await?;
    Ok(StockPage {
        branch: ctx.user.branch.name.clone(),
        currency,
        rows,
        alerts,
        can_manage: ctx.user.can(Action::ManageStock),
    })
}

/// An item, what each branch holds, and the caller's branch's latest movements.
pub async fn item_page(ctx: &RequestContext, id: Uuid) -> Result<ItemPage, AppError> {
    ctx.require(Action::ViewStock)?;
    let (org, branch) = (ctx.org_id(), ctx.user.branch.id);
    let mut tx = ctx.tenant().await?;
    let item = inventory::item(&mut tx, org, id)
        .await?
        .ok_or_else(|| AppError::not_found("That item"))?;
    let currency = organizations::currency(&mut tx, org).await?;
    // Only branches the caller works in: another branch's figures are not theirs to see.
    let stock = inventory::item_stock(&mut tx, org, id)
        .await?
        .into_iter()
        .filter(|s| ctx.user.branches.iter().any(|b| b.id == s.branch_id))
        .collect();
    let timezone = &ctx.user.branch.timezone;
    let movements = inventory::movements(&mut tx, org, (id, branch), timezone, LEDGER_LINES).await?;
    tx.commit().await?;
    let destinations = ctx
        .user
        .branches
        .iter()
        .filter(|b| b.id != branch && b.role.can(Action::ManageStock))
        .map(|b| CalendarColumn {
            id: b.id,
            label: b.name.clone(),
        })
        .collect();
    Ok(ItemPage {
        item,
        currency,
        branch_id: branch,
        stock,
        movements,
        destinations,
        can_manage: ctx.user.can(Action::ManageStock),
    })
}

/// Adds (no id) or changes an item.
pub async fn save_item(ctx: &RequestContext, id: Option<Uuid>, form: &ItemForm) -> Result<Uuid, AppError> {
    ctx.require(Action::ManageStock)?;
    let org = ctx.org_id();
    let mut tx = ctx.tenant().await?;
    let details = form.parse(&organizations::currency(&mut tx, org).await?)?;
    let id = match id {
        Some(id) => {
            let before = inventory::item(&mut tx, org, id)
                .await?
                .ok_or_else(|| AppError::not_found("That item"))?;
            inventory::update_item(&mut tx, org, id, &details).await?;
            if before.reorder_level != details.reorder_level {
                inventory::resync_alerts(&mut tx, org, id).await?;
            }
            let diff = audit::changes(&item_json(&details_of(&before)), &item_json(&details));
            ctx.audit(&mut tx, "inventory_item.updated", "inventory_item", Some(id), diff)
                .await?;
            id
        }
        None => {
            let id = inventory::create_item(&mut tx, org, &details).await?;
            ctx.audit(
                &mut tx,
                "inventory_item.created",
                "inventory_item",
                Some(id),
                json!({"after": item_json(&details)}),
            )
            .await?;
            id
        }
    };
    tx.commit().await?;
    Ok(id)
}

/// Appends movements in one transaction: a balance below zero, where the organization
/// does not allow one, refuses them all. The item's row lock (taken by the ledger's
/// trigger) makes two people taking the last unit at once queue, and the second one
/// sees the first one's balance.
/// `unit` is the item's, for the refusal's words.
pub async fn record(tx: &mut Tx, org_id: Uuid, unit: &str, movements: &[NewMovement<'_>]) -> Result<(), AppError> {
    let mut negative_allowed = None;
    for movement in movements {
        let balance = inventory::append(tx, org_id, movement).await?;
        if balance < 0 && movement.quantity < 0 {
            let allowed = match negative_allowed {
                Some(allowed) => allowed,
                None => *negative_allowed.insert(inventory::negative_allowed(tx, org_id).await?),
            };
            if !allowed {
                return Err(not_enough(balance - movement.quantity, unit, -movement.quantity));
            }
        }
    }
    Ok(())
}

/// A movement recorded by hand on the item's page, at the caller's branch.
pub async fn record_by_hand(
    ctx: &RequestContext,
    item_id: Uuid,
    kind: ByHand,
    form: &MovementForm,
) -> Result<(), AppError> {
    ctx.require(Action::ManageStock)?;
    let (org, branch) = (ctx.org_id(), ctx.user.branch.id);
    let mut tx = ctx.tenant().await?;
    let item = inventory::item(&mut tx, org, item_id)
        .await?
        .ok_or_else(|| AppError::not_found("That item"))?;
    let (change, reason) = form.parse(kind, &organizations::currency(&mut tx, org).await?)?;
    let at_branch = |kind, quantity, unit_cost_minor, transfer_id, branch_id| NewMovement {
        item_id,
        branch_id,
        kind,
        quantity,
        unit_cost_minor,
        reason: &reason,
        transfer_id,
        recorded_by: ctx.user.user_id,
    };
    let movements = match change {
        StockChange::Receive {
            quantity,
            unit_cost_minor,
        } => {
            inventory::set_cost(&mut tx, org, item_id, unit_cost_minor).await?;
            vec![at_branch(
                MovementKind::Receive,
                quantity,
                Some(unit_cost_minor),
                None,
                branch,
            )]
        }
        StockChange::Adjust { quantity } => vec![at_branch(MovementKind::Adjust, quantity, None, None, branch)],
        StockChange::Transfer { quantity, to_branch } => {
            if to_branch == branch {
                return Err(AppError::field("to_branch", "Choose another branch than this one."));
            }
            ctx.require_in(to_branch, Action::ManageStock, "That branch")?;
            let transfer = Some(Uuid::new_v4());
            vec![
                at_branch(MovementKind::TransferOut, -quantity, None, transfer, branch),
                at_branch(MovementKind::TransferIn, quantity, None, transfer, to_branch),
            ]
        }
    };
    record(&mut tx, org, &item.unit, &movements).await?;
    tx.commit().await?;
    Ok(())
}
