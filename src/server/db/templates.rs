//! The organization's own wording of its messages.

use uuid::Uuid;

use super::Tx;
use crate::{
    domain::{
        templates::{message_kind, Template},
        AppError,
    },
    server::error::internal,
};

pub async fn list(tx: &mut Tx, org_id: Uuid) -> Result<Vec<Template>, AppError> {
    let rows = sqlx::query!(
        "select kind, channel, subject, body from message_templates where org_id = $1",
        org_id,
    )
    .fetch_all(&mut **tx)
    .await?;
    rows.into_iter()
        .map(|r| {
            Ok(Template {
                kind: message_kind(&r.kind).ok_or_else(|| internal("unknown message kind", &r.kind))?,
                channel: r.channel,
                subject: r.subject,
                body: r.body,
            })
        })
        .collect()
}

pub async fn save(tx: &mut Tx, org_id: Uuid, user_id: Uuid, t: &Template) -> Result<(), AppError> {
    sqlx::query!(
        "insert into message_templates (org_id, kind, channel, subject, body, updated_by)
         values ($1, $2, $3, $4, $5, $6)
         on conflict (org_id, kind, channel) do update set
             subject = excluded.subject, body = excluded.body, updated_by = excluded.updated_by, updated_at = now()",
        org_id,
        t.kind.as_str(),
        t.channel,
        t.subject,
        t.body,
        user_id,
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Goes back to the built-in wording; false if the organization had none of its own.
pub async fn reset(tx: &mut Tx, org_id: Uuid, kind: &str, channel: &str) -> Result<bool, AppError> {
    let deleted = sqlx::query!(
        "delete from message_templates where org_id = $1 and kind = $2 and channel = $3",
        org_id,
        kind,
        channel,
    )
    .execute(&mut **tx)
    .await?;
    Ok(deleted.rows_affected() > 0)
}
