//! The outbox: messages to patients, written with the change they tell about.

use uuid::Uuid;

use super::Tx;
use crate::domain::{patient::OutboxMessage, AppError};

/// A patient's messages, newest first (`created_local` is left for the caller).
pub async fn for_patient(
    tx: &mut Tx,
    org_id: Uuid,
    patient_id: Uuid,
    branch_ids: &[Uuid],
) -> Result<Vec<(OutboxMessage, chrono::DateTime<chrono::Utc>)>, AppError> {
    let rows = sqlx::query!(
        "select id, kind, channel, recipient, subject, body, status, created_at from messages
         where org_id = $1 and patient_id = $2 and branch_id = any($3)
         order by created_at desc, id limit 100",
        org_id,
        patient_id,
        branch_ids,
    )
    .fetch_all(&mut **tx)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            (
                OutboxMessage {
                    id: r.id,
                    kind: r.kind,
                    channel: r.channel,
                    recipient: r.recipient,
                    subject: r.subject,
                    body: r.body,
                    status: r.status,
                    created_local: String::new(),
                },
                r.created_at,
            )
        })
        .collect())
}
