//! Low-stock alerts reaching people: the emails an opened alert sends to its branch's
//! owners and admins, and the daily re-check. Alerts themselves are kept by the ledger's
//! trigger (see the stock alerts migration), which also queues the job that calls
//! [`notify`] and tells open apps how many alerts are open.

use uuid::Uuid;

use super::{
    auth::context::message_base_url,
    db::{inventory, organizations, staff},
    outbox, AppState,
};
use crate::domain::{messages::MessageKind, templates::Values, AppError};

/// Emails an open alert, once, to the branch's owners and admins; an alert closed (or
/// told) meanwhile sends nothing.
pub async fn notify(state: &AppState, org_id: Uuid, alert_id: Uuid) -> Result<(), AppError> {
    let mut tx = state.db.tenant(org_id).await?;
    let Some(alert) = inventory::alert_to_notify(&mut tx, org_id, alert_id).await? else {
        return Ok(());
    };
    let clinic = organizations::profile(&mut tx, org_id).await?.name;
    let link = format!("{}/app/stock/{}", message_base_url(state), alert.item_id);
    let (on_hand, reorder) = (alert.on_hand.to_string(), alert.reorder_quantity.to_string());
    let supplier = if alert.supplier.is_empty() {
        "not recorded"
    } else {
        alert.supplier.as_str()
    };
    let values = [
        ("clinic", clinic.as_str()),
        ("branch", alert.branch.as_str()),
        ("item", alert.item.as_str()),
        ("on_hand", on_hand.as_str()),
        ("unit", alert.unit.as_str()),
        ("reorder_quantity", reorder.as_str()),
        ("supplier", supplier),
        ("link", link.as_str()),
    ];
    for to in staff::managers_of(&mut tx, org_id, alert.branch_id).await? {
        let branch = Some(alert.branch_id);
        outbox::email_staff(&mut tx, org_id, branch, MessageKind::LowStock, &to, Values(&values)).await?;
    }
    inventory::mark_notified(&mut tx, org_id, alert_id).await?;
    tx.commit().await?;
    Ok(())
}
