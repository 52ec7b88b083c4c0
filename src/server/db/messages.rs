//! The message log as the sender sees it: the message it is about to send, its hand-over
//! to a provider and its outcome; the organization's sending settings.

use uuid::Uuid;

use super::Tx;
use crate::domain::AppError;

/// A message whose job runs, held (row lock) until its transaction ends.
pub struct Due {
    pub channel: String,
    pub recipient: String,
    pub subject: String,
    pub body: String,
    /// Tries so far, this one not counted.
    pub attempts: i32,
    /// An earlier try was cut off after handing it to the provider (status `sending`):
    /// it may have gone out.
    pub interrupted: bool,
    /// The patient still agrees to messages by this channel.
    pub consent: bool,
    /// Still true: not a reminder, or a reminder of an appointment still to come at the
    /// time it was planned for.
    pub current: bool,
}

/// Locks message `id` if it is queued (or was being sent); `None` once it was sent,
/// failed or cancelled: a second run of its job finds nothing to do.
pub async fn claim(tx: &mut Tx, org_id: Uuid, id: Uuid) -> Result<Option<Due>, AppError> {
    let row = sqlx::query!(
        r#"select m.channel, m.recipient, m.subject, m.body, m.attempts, m.status = 'sending' as "interrupted!",
                  (case when m.channel = 'email' then p.consent_email else p.consent_sms end) as "consent!",
                  (m.reminder_minutes is null
                   or (a.status in ('scheduled', 'confirmed') and a.starts_at > now()
                       and m.send_at = a.starts_at - make_interval(mins => m.reminder_minutes))) as "current!"
           from messages m
           join patients p on p.id = m.patient_id
           left join appointments a on a.id = m.appointment_id
           where m.org_id = $1 and m.id = $2 and m.status in ('queued', 'sending')
           for update of m"#,
        org_id,
        id,
    )
    .fetch_optional(&mut **tx)
    .await?;
    Ok(row.map(|r| Due {
        channel: r.channel,
        recipient: r.recipient,
        subject: r.subject,
        body: r.body,
        attempts: r.attempts,
        interrupted: r.interrupted,
        consent: r.consent,
        current: r.current,
    }))
}

/// Marks message `id` as handed to `provider`, one more try, before the hand-over: if
/// the worker dies before it hears back, the next run knows it may have gone out.
pub async fn sending(tx: &mut Tx, org_id: Uuid, id: Uuid, provider: &str) -> Result<(), AppError> {
    sqlx::query!(
        "update messages set status = 'sending', provider = $3, attempts = attempts + 1, updated_at = now()
         where org_id = $1 and id = $2",
        org_id,
        id,
        provider,
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// How a send ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Settled {
    Sent {
        provider_message_id: String,
    },
    /// Refused for good, tried too often, or perhaps sent by a cut-off try.
    Failed {
        error: String,
    },
    /// Refused for now: the queue tries again later.
    Retry {
        error: String,
    },
    /// Not sent, and never will be.
    Cancelled {
        reason: String,
    },
}

/// Writes the outcome of a send to message `id`.
pub async fn settle(tx: &mut Tx, org_id: Uuid, id: Uuid, settled: &Settled) -> Result<(), AppError> {
    let (status, provider_message_id, error) = match settled {
        Settled::Sent { provider_message_id } => ("sent", Some(provider_message_id), None),
        Settled::Failed { error } => ("failed", None, Some(error)),
        Settled::Retry { error } => ("queued", None, Some(error)),
        Settled::Cancelled { reason } => ("cancelled", None, Some(reason)),
    };
    sqlx::query!(
        "update messages set status = $3, provider_message_id = coalesce($4, provider_message_id),
                last_error = $5, sent_at = case when $3 = 'sent' then now() else sent_at end, updated_at = now()
         where org_id = $1 and id = $2",
        org_id,
        id,
        status,
        provider_message_id,
        error,
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// How an organization sends: the provider per channel and the sender.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sending {
    pub email_provider: String,
    pub sms_provider: String,
    pub sender_name: String,
    pub sender_email: String,
    pub smtp_host: String,
    pub smtp_port: u16,
    pub smtp_security: String,
    pub smtp_username: String,
    /// Sealed with the data key.
    pub smtp_password: Option<Vec<u8>>,
}

/// The organization's sending settings; the defaults (the `log` provider) if it has none.
pub async fn settings(tx: &mut Tx, org_id: Uuid) -> Result<Sending, AppError> {
    let row = sqlx::query!(
        "select email_provider, sms_provider, sender_name, sender_email, smtp_host, smtp_port,
                smtp_security, smtp_username, smtp_password
         from messaging_settings where org_id = $1",
        org_id,
    )
    .fetch_optional(&mut **tx)
    .await?;
    Ok(match row {
        Some(r) => Sending {
            email_provider: r.email_provider,
            sms_provider: r.sms_provider,
            sender_name: r.sender_name,
            sender_email: r.sender_email,
            smtp_host: r.smtp_host,
            smtp_port: u16::try_from(r.smtp_port).unwrap_or(587),
            smtp_security: r.smtp_security,
            smtp_username: r.smtp_username,
            smtp_password: r.smtp_password,
        },
        None => Sending {
            email_provider: "log".into(),
            sms_provider: "log".into(),
            sender_name: String::new(),
            sender_email: String::new(),
            smtp_host: String::new(),
            smtp_port: 587,
            smtp_security: "starttls".into(),
            smtp_username: String::new(),
            smtp_password: None,
        },
    })
}
