//! The "Online booking" settings: the portal's address, the current branch's booking
//! rules, and the services' own notice and horizon.

use serde_json::json;
use uuid::Uuid;

use crate::{
    domain::{
        access::Action,
        portal::{OnlineBookingSettings, OnlineRules, ServiceRules},
        AppError,
    },
    server::{auth::context::RequestContext, db::portal},
};

pub async fn settings(ctx: &RequestContext) -> Result<OnlineBookingSettings, AppError> {
    ctx.require(Action::ManageBranches)?;
    let mut tx = ctx.tenant().await?;
    let mut settings = portal::online_settings(&mut tx, ctx.org_id(), ctx.user.branch.id).await?;
    tx.commit().await?;
    settings.portal_url = format!("{}{}", ctx.base_url, settings.portal_url);
    Ok(settings)
}

/// The current branch's rules.
pub async fn save_rules(ctx: &RequestContext, rules: OnlineRules) -> Result<(), AppError> {
    ctx.require(Action::ManageBranches)?;
    let mut tx = ctx.tenant().await?;
    portal::save_rules(&mut tx, ctx.org_id(), ctx.user.branch.id, &rules).await?;
    ctx.audit(
        &mut tx,
        "branch.booking_rules_changed",
        "branch",
        Some(ctx.user.branch.id),
        json!({"after": rules}),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

pub async fn save_service_rules(ctx: &RequestContext, service_id: Uuid, rules: ServiceRules) -> Result<(), AppError> {
    ctx.require(Action::ManageCatalog)?;
    let mut tx = ctx.tenant().await?;
    if !portal::save_service_rules(&mut tx, ctx.org_id(), service_id, &rules).await? {
        return Err(AppError::not_found("That service"));
    }
    ctx.audit(
        &mut tx,
        "service.booking_rules_changed",
        "service",
        Some(service_id),
        json!({"after": rules}),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
