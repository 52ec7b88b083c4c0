//! Settings → Messages → Wording: the organization's own wording of each message.

use serde_json::json;

use crate::{
    domain::{
        access::Action,
        templates::{channels, default_template, message_kind, Template, TemplateForm, TemplateView, TEMPLATE_KINDS},
        AppError,
    },
    server::{auth::context::RequestContext, db::templates},
};

/// Every kind and channel, in the organization's wording or the built-in one.
pub async fn list(ctx: &RequestContext) -> Result<Vec<TemplateView>, AppError> {
    ctx.require(Action::ManageMessaging)?;
    let mut tx = ctx.tenant().await?;
    let own = templates::list(&mut tx, ctx.org_id()).await?;
    tx.commit().await?;
    Ok(TEMPLATE_KINDS
        .into_iter()
        .flat_map(|kind| channels(kind).iter().map(move |channel| (kind, *channel)))
        .map(
            |(kind, channel)| match own.iter().find(|t| t.kind == kind && t.channel == channel) {
                Some(t) => TemplateView {
                    template: t.clone(),
                    own: true,
                },
                None => TemplateView {
                    template: default_template(kind, channel),
                    own: false,
                },
            },
        )
        .collect())
}

pub async fn save(ctx: &RequestContext, form: TemplateForm) -> Result<(), AppError> {
    ctx.require(Action::ManageMessaging)?;
    let template: Template = form.parse()?;
    let mut tx = ctx.tenant().await?;
    templates::save(&mut tx, ctx.org_id(), ctx.user.user_id, &template).await?;
    ctx.audit(
        &mut tx,
        "messaging.template_changed",
        "organization",
        Some(ctx.org_id()),
        json!({"after": template}),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Back to the built-in wording.
pub async fn reset(ctx: &RequestContext, kind: &str, channel: &str) -> Result<(), AppError> {
    ctx.require(Action::ManageMessaging)?;
    let kind = message_kind(kind).ok_or_else(|| AppError::not_found("That message"))?;
    let mut tx = ctx.tenant().await?;
    if !templates::reset(&mut tx, ctx.org_id(), kind.as_str(), channel).await? {
        return Err(AppError::not_found("Your own wording of that message"));
    }
    ctx.audit(
        &mut tx,
        "messaging.template_reset",
        "organization",
        Some(ctx.org_id()),
        json!({"kind": kind.as_str(), "channel": channel}),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
