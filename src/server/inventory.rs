//! Inventory use cases: items, the movements staff record by hand (what arrives, a count
//! that differs, a transfer between branches) and what visits use up. Every movement goes
//! through [`record`], which refuses to take stock below zero unless the organization
//! allows it.

use serde_json::json;
use uuid::Uuid;

use super::{
    auth::context::RequestContext,
    db::{
        audit, catalog,
        inventory::{self, NewMovement},
        invoices::Locked,
        organizations,
        visits::{self, Which},
        Tx,
    },
    stock_usage,
};
use crate::domain::{
    access::Action,
    calendar::CalendarColumn,
    inventory::{not_enough, Item, ItemDetails, ItemPage, MovementKind, StockChange, StockPage, StockRow},
    invoice::InvoiceKind,
    stock_use::{not_enough_for_visit, not_enough_to_sell, RecipeForm, ServiceRecipe, StockOverview},
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
    let mut tx = ctx.tenant().await?;
    let page = stock_page_in(&mut tx, ctx).await?;
    tx.commit().await?;
    Ok(page)
}

/// The stock page: the branch's stock and what it used over the period `from` and
/// `until` name (a bad period is the usage's error, the stock still shows), in one
/// transaction.
pub async fn overview(ctx: &RequestContext, from: &str, until: &str) -> Result<StockOverview, AppError> {
    ctx.require(Action::ViewStock)?;
    let mut tx = ctx.tenant().await?;
    let stock = stock_page_in(&mut tx, ctx).await?;
    let usage = match stock_usage::period(ctx, from, until) {
        Ok(period) => Ok(stock_usage::report_in(&mut tx, ctx, period, stock.currency.clone()).await?),
        Err(invalid) => Err(invalid),
    };
    tx.commit().await?;
    Ok(StockOverview { stock, usage })
}

async fn stock_page_in(tx: &mut Tx, ctx: &RequestContext) -> Result<StockPage, AppError> {
    let (org, branch) = (ctx.org_id(), ctx.user.branch.id);
    let currency = organizations::currency(tx, org).await?;
    let rows = inventory::stock(tx, org, branch).await?;
    let alerts = inventory::open_alerts(tx, org, branch, &ctx.user.branch.timezone).await?;
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

/// Adds (no id) or changes an item; `details` reads it in the organization's currency.
pub async fn save_item(
    ctx: &RequestContext,
    id: Option<Uuid>,
    details: impl FnOnce(&str) -> Result<ItemDetails, AppError>,
) -> Result<Uuid, AppError> {
    ctx.require(Action::ManageStock)?;
    let org = ctx.org_id();
    let mut tx = ctx.tenant().await?;
    let details = details(&organizations::currency(&mut tx, org).await?)?;
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
/// does not allow one, refuses them all with `refusal(movement, on hand before it)`. The
/// item's row lock (taken by the ledger's trigger) makes two people taking the last unit
/// at once queue, and the second one sees the first one's balance.
pub async fn record(
    tx: &mut Tx,
    org_id: Uuid,
    movements: &[NewMovement<'_>],
    refusal: impl Fn(&NewMovement<'_>, i32) -> AppError,
) -> Result<(), AppError> {
    let mut negative_allowed = None;
    for movement in movements {
        let balance = inventory::append(tx, org_id, movement).await?;
        if balance < 0 && movement.quantity < 0 {
            let allowed = match negative_allowed {
                Some(allowed) => allowed,
                None => *negative_allowed.insert(inventory::negative_allowed(tx, org_id).await?),
            };
            if !allowed {
                return Err(refusal(movement, balance - movement.quantity));
            }
        }
    }
    Ok(())
}

/// The items in use at a branch as a pick list, each labelled by `label` from what the
/// branch holds of it (`None` leaves it out).
pub async fn choices(
    tx: &mut Tx,
    org_id: Uuid,
    branch_id: Uuid,
    label: impl Fn(&StockRow) -> Option<String>,
) -> Result<Vec<CalendarColumn>, AppError> {
    Ok(inventory::stock(tx, org_id, branch_id)
        .await?
        .iter()
        .filter(|r| r.item.active)
        .filter_map(|r| label(r).map(|label| CalendarColumn { id: r.item.id, label }))
        .collect())
}

/// Takes an issued invoice's products from its branch's stock or, issuing a credit note
/// (`label` its number), puts them back.
pub async fn settle_invoice(
    tx: &mut Tx,
    org_id: Uuid,
    by: Uuid,
    invoice: &Locked,
    label: &str,
) -> Result<(), AppError> {
    let sales = inventory::sold_on(tx, org_id, invoice.id).await?;
    let back = invoice.kind == InvoiceKind::CreditNote;
    let reason = if back {
        format!("Credit note {label}")
    } else {
        String::new()
    };
    let movements: Vec<NewMovement> = sales
        .iter()
        .map(|s| NewMovement {
            item_id: s.item_id,
            branch_id: invoice.branch_id,
            kind: MovementKind::Sell,
            quantity: if back { s.quantity } else { -s.quantity },
            unit_cost_minor: None,
            reason: &reason,
            transfer_id: None,
            appointment_id: None,
            invoice_id: Some(invoice.id),
            recorded_by: by,
        })
        .collect();
    record(tx, org_id, &movements, |m, on_hand| {
        let (name, unit) = sales
            .iter()
            .find(|s| s.item_id == m.item_id)
            .map_or(("", ""), |s| (s.name.as_str(), s.unit.as_str()));
        not_enough_to_sell(name, on_hand, unit, -m.quantity)
    })
    .await
}

/// Consumes a visit's materials from stock, at the visit's branch, or (`give_back` with
/// its reason) returns what the visit had consumed.
pub async fn settle_visit(
    tx: &mut Tx,
    org_id: Uuid,
    by: Uuid,
    appointment_id: Uuid,
    which: Which,
    give_back: Option<&str>,
) -> Result<(), AppError> {
    let uses = visits::stock_uses(tx, org_id, appointment_id, give_back.is_some(), which).await?;
    let movements: Vec<NewMovement> = uses
        .iter()
        .map(|u| NewMovement {
            item_id: u.item_id,
            branch_id: u.branch_id,
            kind: MovementKind::Consume,
            quantity: if give_back.is_some() { u.quantity } else { -u.quantity },
            unit_cost_minor: None,
            reason: give_back.unwrap_or(""),
            transfer_id: None,
            appointment_id: Some(appointment_id),
            invoice_id: None,
            recorded_by: by,
        })
        .collect();
    record(tx, org_id, &movements, |m, on_hand| {
        let (name, unit) = uses
            .iter()
            .find(|u| u.item_id == m.item_id)
            .map_or(("", ""), |u| (u.name.as_str(), u.unit.as_str()));
        not_enough_for_visit(name, on_hand, unit, -m.quantity)
    })
    .await?;
    let ids: Vec<Uuid> = uses.iter().flat_map(|u| u.materials.iter().copied()).collect();
    visits::mark_consumed(tx, org_id, &ids, give_back.is_none()).await
}

/// A movement recorded by hand at the caller's branch; `change` reads it (and its
/// reason) in the organization's currency.
pub async fn record_by_hand(
    ctx: &RequestContext,
    item_id: Uuid,
    change: impl FnOnce(&str) -> Result<(StockChange, String), AppError>,
) -> Result<(), AppError> {
    ctx.require(Action::ManageStock)?;
    let (org, branch) = (ctx.org_id(), ctx.user.branch.id);
    let mut tx = ctx.tenant().await?;
    let item = inventory::item(&mut tx, org, item_id)
        .await?
        .ok_or_else(|| AppError::not_found("That item"))?;
    let (change, reason) = change(&organizations::currency(&mut tx, org).await?)?;
    let at_branch = |kind, quantity, unit_cost_minor, transfer_id, branch_id| NewMovement {
        item_id,
        branch_id,
        kind,
        quantity,
        unit_cost_minor,
        reason: &reason,
        transfer_id,
        appointment_id: None,
        invoice_id: None,
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
    record(&mut tx, org, &movements, |m, on_hand| {
        not_enough(on_hand, &item.unit, -m.quantity)
    })
    .await?;
    tx.commit().await?;
    Ok(())
}

/// A service's materials recipe, with the items (in use) it can take.
pub async fn service_recipe(ctx: &RequestContext, service_id: Uuid) -> Result<ServiceRecipe, AppError> {
    ctx.require(Action::ManageCatalog)?;
    let org = ctx.org_id();
    let mut tx = ctx.tenant().await?;
    catalog::service(&mut tx, org, service_id)
        .await?
        .ok_or_else(|| AppError::not_found("That service"))?;
    let lines = inventory::recipe(&mut tx, org, service_id).await?;
    let items = choices(&mut tx, org, ctx.user.branch.id, |r| {
        Some(format!("{} ({})", r.item.name, r.item.unit))
    })
    .await?;
    tx.commit().await?;
    Ok(ServiceRecipe { lines, items })
}

/// A change to a service's recipe: how much of an item it uses, or that it uses none.
pub enum RecipeChange<'a> {
    Set(&'a RecipeForm),
    Remove(Uuid),
}

pub async fn change_recipe(ctx: &RequestContext, service_id: Uuid, change: RecipeChange<'_>) -> Result<(), AppError> {
    ctx.require(Action::ManageCatalog)?;
    let org = ctx.org_id();
    let mut tx = ctx.tenant().await?;
    let diff = match change {
        RecipeChange::Set(form) => {
            let (item_id, quantity) = form.parse()?;
            if !inventory::set_recipe_line(&mut tx, org, service_id, item_id, quantity).await? {
                return Err(AppError::not_found("That service or item"));
            }
            json!({"item_id": item_id, "quantity": quantity})
        }
        RecipeChange::Remove(item_id) => {
            if !inventory::remove_recipe_line(&mut tx, org, service_id, item_id).await? {
                return Err(AppError::not_found("That material"));
            }
            json!({"item_id": item_id, "quantity": 0})
        }
    };
    ctx.audit(&mut tx, "service.materials_changed", "service", Some(service_id), diff)
        .await?;
    tx.commit().await?;
    Ok(())
}

/// How many low-stock alerts are open at the caller's branch, for those who restock it
/// (the shell's badge; anyone else is refused before the database is asked).
pub async fn open_alert_count(ctx: &RequestContext) -> Result<i64, AppError> {
    ctx.require(Action::ManageStock)?;
    let mut tx = ctx.tenant().await?;
    let open = inventory::open_alert_count(&mut tx, ctx.org_id(), ctx.user.branch.id).await?;
    tx.commit().await?;
    Ok(open)
}
