//! Branch use cases, shared by the server functions and the REST API.

use serde_json::json;
use uuid::Uuid;

use super::{
    auth::context::RequestContext,
    db::{audit, branches},
};
use crate::domain::{
    access::Action,
    branch::{Branch, BranchDetails},
    AppError,
};

const BRANCH: &str = "That branch";

fn not_found() -> AppError {
    AppError::not_found(BRANCH)
}

fn snapshot(branch: &Branch) -> serde_json::Value {
    json!({
        "name": branch.name,
        "address": branch.address,
        "phone": branch.phone,
        "timezone": branch.timezone,
        "opening_hours": branch.opening_hours,
    })
}

/// The branches the caller works in (everyone's, for owners and organization-wide admins).
pub async fn list(ctx: &RequestContext) -> Result<Vec<Branch>, AppError> {
    ctx.require(Action::ViewBranches)?;
    let mut tx = ctx.tenant().await?;
    let all = branches::list(&mut tx, ctx.org_id()).await?;
    tx.commit().await?;
    Ok(all
        .into_iter()
        .filter(|b| ctx.user.branches.iter().any(|mine| mine.id == b.id))
        .collect())
}

/// One branch the caller works in; another organization's, or one they do not belong
/// to, is not found.
pub async fn get(ctx: &RequestContext, id: Uuid) -> Result<Branch, AppError> {
    ctx.require_in(id, Action::ViewBranches, BRANCH)?;
    let mut tx = ctx.tenant().await?;
    let branch = branches::get(&mut tx, ctx.org_id(), id).await?.ok_or_else(not_found)?;
    tx.commit().await?;
    Ok(branch)
}

pub async fn create(ctx: &RequestContext, details: &BranchDetails) -> Result<Branch, AppError> {
    ctx.require(Action::ManageBranches)?;
    let mut tx = ctx.tenant().await?;
    let id = branches::create(&mut tx, ctx.org_id(), details).await?;
    branches::grant_creator(&mut tx, ctx.org_id(), ctx.user.user_id, id, ctx.user.role()).await?;
    let branch = branches::get(&mut tx, ctx.org_id(), id).await?.ok_or_else(not_found)?;
    ctx.audit(
        &mut tx,
        "branch.created",
        "branch",
        Some(id),
        json!({"after": snapshot(&branch)}),
    )
    .await?;
    tx.commit().await?;
    Ok(branch)
}

pub async fn update(ctx: &RequestContext, id: Uuid, details: &BranchDetails) -> Result<Branch, AppError> {
    // The caller's role in the branch being changed decides, not the one in their current
    // branch: an administrator here may be a receptionist there.
    ctx.require_in(id, Action::ManageBranches, BRANCH)?;
    let mut tx = ctx.tenant().await?;
    let before = branches::get(&mut tx, ctx.org_id(), id).await?.ok_or_else(not_found)?;
    branches::update(&mut tx, ctx.org_id(), id, details)
        .await?
        .ok_or_else(not_found)?;
    let after = branches::get(&mut tx, ctx.org_id(), id).await?.ok_or_else(not_found)?;
    ctx.audit(
        &mut tx,
        "branch.updated",
        "branch",
        Some(id),
        audit::changes(&snapshot(&before), &snapshot(&after)),
    )
    .await?;
    tx.commit().await?;
    Ok(after)
}

/// Makes `id` the caller's current branch; it must be one of theirs.
pub async fn switch(ctx: &RequestContext, id: Uuid) -> Result<(), AppError> {
    if !ctx.user.branches.iter().any(|b| b.id == id) {
        return Err(AppError::Forbidden("You have no access to this branch.".into()));
    }
    let mut tx = ctx.tenant().await?;
    super::db::accounts::set_current_branch(&mut tx, ctx.user.user_id, id).await?;
    ctx.audit(
        &mut tx,
        "branch.switched",
        "user",
        Some(ctx.user.user_id),
        json!({"before": {"branch": ctx.user.branch.id}, "after": {"branch": id}}),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
