//! Settings → Messages → Log: every message of the caller's branches, filtered, and a
//! second try for one that was not sent.

use serde_json::json;
use uuid::Uuid;

use crate::{
    domain::{
        access::Action,
        messaging::{LoggedMessage, MessageLogQuery},
        time::zone,
        AppError,
    },
    server::{auth::context::RequestContext, db::messages},
};

/// The log shows this many messages, newest first.
pub const LOG_SIZE: i64 = 200;

pub async fn list(ctx: &RequestContext, query: &MessageLogQuery) -> Result<Vec<LoggedMessage>, AppError> {
    ctx.require(Action::ManageMessaging)?;
    let filter = query.parse(zone(&ctx.user.branch.timezone))?;
    let branches: Vec<Uuid> = ctx.user.branches.iter().map(|b| b.id).collect();
    let mut tx = ctx.tenant().await?;
    let rows = messages::log(&mut tx, ctx.org_id(), &branches, &filter, LOG_SIZE).await?;
    tx.commit().await?;
    Ok(rows
        .into_iter()
        .map(|(mut logged, at)| {
            logged.message.when_local = ctx.local_time(at);
            logged
        })
        .collect())
}

/// Sends a failed message again, now.
pub async fn resend(ctx: &RequestContext, id: Uuid) -> Result<(), AppError> {
    ctx.require(Action::ManageMessaging)?;
    let branches: Vec<Uuid> = ctx.user.branches.iter().map(|b| b.id).collect();
    let mut tx = ctx.tenant().await?;
    if !messages::resend(&mut tx, ctx.org_id(), &branches, id).await? {
        return Err(AppError::NotFound(
            "That message was not found among those not sent.".into(),
        ));
    }
    ctx.audit(&mut tx, "message.resent", "message", Some(id), json!({}))
        .await?;
    tx.commit().await?;
    Ok(())
}
