//! Form template use cases: the list, a new template, the builder's save (the next
//! version when the content changed: a version is never edited), and the services
//! whose bookings ask for it.

use serde_json::json;
use uuid::Uuid;

use super::{
    auth::context::RequestContext,
    db::{catalog, forms},
};
use crate::domain::{
    access::Action,
    calendar::CalendarColumn,
    forms::{FormTemplate, TemplateForm, TemplateSummary},
    AppError,
};

pub async fn templates(ctx: &RequestContext) -> Result<Vec<TemplateSummary>, AppError> {
    ctx.require(Action::ManageForms)?;
    let mut tx = ctx.tenant().await?;
    let list = forms::list(&mut tx, ctx.org_id()).await?;
    tx.commit().await?;
    Ok(list)
}

/// A new, empty template called `name`: its id.
pub async fn create(ctx: &RequestContext, name: &str) -> Result<Uuid, AppError> {
    ctx.require(Action::ManageForms)?;
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 200 {
        return Err(AppError::field("name", "Give the form a title (up to 200 characters)."));
    }
    let mut tx = ctx.tenant().await?;
    let id = forms::create(&mut tx, ctx.org_id(), name).await?;
    ctx.audit(
        &mut tx,
        "form_template.created",
        "form_template",
        Some(id),
        json!({"name": name}),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// The template as its builder shows it.
pub async fn template(ctx: &RequestContext, id: Uuid) -> Result<FormTemplate, AppError> {
    ctx.require(Action::ManageForms)?;
    let org = ctx.org_id();
    let mut tx = ctx.tenant().await?;
    let current = forms::current(&mut tx, org, id, false)
        .await?
        .ok_or_else(|| AppError::not_found("That form"))?;
    let service_choices = catalog::services(&mut tx, org)
        .await?
        .into_iter()
        .filter(|s| s.active || current.services.contains(&s.id))
        .map(|s| CalendarColumn {
            id: s.id,
            label: s.name,
        })
        .collect();
    tx.commit().await?;
    let saved = current
        .saved_at
        .map(|at| format!("{} by {}", ctx.local_time(at), current.saved_by.unwrap_or_default()));
    Ok(FormTemplate {
        id,
        name: current.name,
        intro: current.intro,
        fields: current.fields,
        version: current.version,
        saved,
        active: current.active,
        services: current.services,
        service_choices,
    })
}

/// Saves the builder's form: the next version if the title, introduction or fields
/// changed, and the services and whether it is in use in any case. The version now
/// current.
pub async fn save(ctx: &RequestContext, id: Uuid, form: &TemplateForm) -> Result<i32, AppError> {
    ctx.require(Action::ManageForms)?;
    let draft = form.parse()?;
    let org = ctx.org_id();
    let mut tx = ctx.tenant().await?;
    let current = forms::current(&mut tx, org, id, true)
        .await?
        .ok_or_else(|| AppError::not_found("That form"))?;
    let changed = current.version == 0
        || current.name != draft.name
        || current.intro != draft.intro
        || current.fields != draft.fields;
    let version = if changed {
        let content = (draft.name.as_str(), draft.intro.as_str(), draft.fields.as_slice());
        forms::add_version(&mut tx, org, id, content, ctx.user.user_id).await?
    } else {
        current.version
    };
    if current.active != draft.active {
        forms::set_active(&mut tx, org, id, draft.active).await?;
    }
    let mut services = draft.services.clone();
    services.sort();
    services.dedup();
    forms::set_services(&mut tx, org, id, &services).await?;
    let diff = json!({
        "version": version, "new_version": changed, "fields": draft.fields.len(), "active": draft.active,
        "services_before": current.services, "services": services,
    });
    ctx.audit(&mut tx, "form_template.saved", "form_template", Some(id), diff)
        .await?;
    tx.commit().await?;
    Ok(version)
}
