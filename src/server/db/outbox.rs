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
        "select id, kind, channel, recipient, subject, body, status, created_at from outbox
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

/// What a message about an appointment needs to say, in one read.
pub struct Facts {
    pub org_name: String,
    pub branch_id: Uuid,
    pub branch_name: String,
    pub branch_address: String,
    pub timezone: String,
    pub patient_id: Uuid,
    pub patient_name: String,
    pub phone: String,
    pub email: String,
    pub consent_sms: bool,
    pub consent_email: bool,
    pub service: String,
    pub practitioner: String,
    pub starts_at: chrono::DateTime<chrono::Utc>,
}

pub async fn facts(tx: &mut Tx, org_id: Uuid, appointment_id: Uuid) -> Result<Option<Facts>, AppError> {
    let row = sqlx::query!(
        "select o.name as org_name, b.id as branch_id, b.name as branch_name, b.address, b.timezone,
                p.id as patient_id, p.full_name as patient_name, p.phone, p.email, p.consent_sms, p.consent_email,
                s.name as service, u.full_name as practitioner, a.starts_at
         from appointments a
         join organizations o on o.id = a.org_id
         join branches b on b.id = a.branch_id
         join patients p on p.id = a.patient_id
         join services s on s.id = a.service_id
         join users u on u.id = a.practitioner_id
         where a.org_id = $1 and a.id = $2",
        org_id,
        appointment_id,
    )
    .fetch_optional(&mut **tx)
    .await?;
    Ok(row.map(|r| Facts {
        org_name: r.org_name,
        branch_id: r.branch_id,
        branch_name: r.branch_name,
        branch_address: r.address,
        timezone: r.timezone,
        patient_id: r.patient_id,
        patient_name: r.patient_name,
        phone: r.phone,
        email: r.email,
        consent_sms: r.consent_sms,
        consent_email: r.consent_email,
        service: r.service,
        practitioner: r.practitioner,
        starts_at: r.starts_at,
    }))
}
