//! The "Online booking" settings: the portal's address, the current branch's booking
//! rules, and the services' own notice and horizon.

use serde_json::json;
use uuid::Uuid;

use super::auth::context::RequestContext;
use crate::domain::{
    access::Action,
    portal::{OnlineBookingSettings, OnlineRules, ServiceRules, ServiceRulesRow},
    AppError,
};

pub async fn settings(ctx: &RequestContext) -> Result<OnlineBookingSettings, AppError> {
    ctx.require(Action::ManageBranches)?;
    let mut tx = ctx.tenant().await?;
    let branch = sqlx::query!(
        "select b.name, b.booking_min_notice_minutes, b.booking_max_days_ahead, b.booking_slot_step_minutes,
                b.cancellation_window_hours, o.slug
         from branches b join organizations o on o.id = b.org_id
         where b.org_id = $1 and b.id = $2",
        ctx.org_id(),
        ctx.user.branch.id,
    )
    .fetch_one(&mut *tx)
    .await?;
    let services = sqlx::query!(
        "select id, name, online_bookable, min_notice_minutes, max_days_ahead from services
         where org_id = $1 and active order by name",
        ctx.org_id(),
    )
    .fetch_all(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(OnlineBookingSettings {
        portal_url: format!("{}/book/{}", ctx.base_url, branch.slug),
        branch_name: branch.name,
        rules: OnlineRules {
            min_notice_minutes: branch.booking_min_notice_minutes,
            max_days_ahead: branch.booking_max_days_ahead,
            slot_step_minutes: branch.booking_slot_step_minutes,
            cancellation_window_hours: branch.cancellation_window_hours,
        },
        services: services
            .into_iter()
            .map(|s| ServiceRulesRow {
                id: s.id,
                name: s.name,
                online_bookable: s.online_bookable,
                rules: ServiceRules {
                    min_notice_minutes: s.min_notice_minutes,
                    max_days_ahead: s.max_days_ahead,
                },
            })
            .collect(),
    })
}

/// The current branch's rules.
pub async fn save_rules(ctx: &RequestContext, rules: OnlineRules) -> Result<(), AppError> {
    ctx.require(Action::ManageBranches)?;
    let mut tx = ctx.tenant().await?;
    sqlx::query!(
        "update branches set booking_min_notice_minutes = $3, booking_max_days_ahead = $4,
                booking_slot_step_minutes = $5, cancellation_window_hours = $6, updated_at = now()
         where org_id = $1 and id = $2",
        ctx.org_id(),
        ctx.user.branch.id,
        rules.min_notice_minutes,
        rules.max_days_ahead,
        rules.slot_step_minutes,
        rules.cancellation_window_hours,
    )
    .execute(&mut *tx)
    .await?;
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
    let changed = sqlx::query!(
        "update services set min_notice_minutes = $3, max_days_ahead = $4, updated_at = now()
         where org_id = $1 and id = $2",
        ctx.org_id(),
        service_id,
        rules.min_notice_minutes,
        rules.max_days_ahead,
    )
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if changed == 0 {
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
