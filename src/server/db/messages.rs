//! The message log as the sender sees it: the message it is about to send, its hand-over
//! to a provider and its outcome; the organization's sending settings.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::{Pool, Tx};
use crate::domain::{
    messages::MessageKind,
    messaging::{EmailSettings, LoggedMessage, MessageLogFilter, Reminders, SmsSettings},
    patient::OutboxMessage,
    AppError,
};

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
    /// Still true: not a reminder, or a reminder of an appointment still to come, at the
    /// start it was planned for.
    pub current: bool,
    /// A receipt's invoice, whose PDF an email attaches.
    pub invoice_id: Option<Uuid>,
}

/// Locks message `id` if it is queued (or was being sent); `None` once it was sent,
/// failed or cancelled: a second run of its job finds nothing to do.
pub async fn claim(tx: &mut Tx, org_id: Uuid, id: Uuid) -> Result<Option<Due>, AppError> {
    let row = sqlx::query!(
        r#"select m.channel, m.recipient, m.subject, m.body, m.attempts, m.invoice_id, m.status = 'sending' as "interrupted!",
                  (m.patient_id is null
                   or case when m.channel = 'email' then p.consent_email else p.consent_sms end) as "consent!",
                  (m.planned_for is null
                   or (a.status in ('scheduled', 'confirmed') and a.starts_at > now() and a.starts_at = m.planned_for))
                  as "current!"
           from messages m
           left join patients p on p.id = m.patient_id
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
        invoice_id: r.invoice_id,
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
        /// The provider that took it: the fallback, when the first refused.
        provider: &'static str,
        provider_message_id: String,
    },
    /// Refused for good, tried too often, or perhaps sent by a cut-off try.
    Failed { error: String },
    /// Refused for now: the queue tries again later.
    Retry { error: String },
    /// Not sent, and never will be.
    Cancelled { reason: String },
}

/// Writes the outcome of a send to message `id`.
pub async fn settle(tx: &mut Tx, org_id: Uuid, id: Uuid, settled: &Settled) -> Result<(), AppError> {
    let (status, provider, provider_message_id, error) = match settled {
        Settled::Sent {
            provider,
            provider_message_id,
        } => ("sent", Some(*provider), Some(provider_message_id), None),
        Settled::Failed { error } => ("failed", None, None, Some(error)),
        Settled::Retry { error } => ("queued", None, None, Some(error)),
        Settled::Cancelled { reason } => ("cancelled", None, None, Some(reason)),
    };
    sqlx::query!(
        "update messages set status = $3, provider = coalesce($6, provider),
                provider_message_id = coalesce($4, provider_message_id),
                last_error = $5, sent_at = case when $3 = 'sent' then now() else sent_at end, updated_at = now(),
                body = case when kind = 'password_reset' and $3 <> 'queued'
                            then 'A link to choose a new password (not kept).' else body end
         where org_id = $1 and id = $2",
        org_id,
        id,
        status,
        provider_message_id,
        error,
        provider,
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// How an organization sends: the provider per channel, the fallback for email, the
/// sender, and each provider's settings. Secrets are sealed with the data key.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Sending {
    pub email_provider: String,
    /// `none`, or the email provider tried when the first refuses.
    pub email_fallback: String,
    pub sms_provider: String,
    pub sender_name: String,
    pub sender_email: String,
    pub smtp_host: String,
    pub smtp_port: u16,
    pub smtp_security: String,
    pub smtp_username: String,
    pub smtp_password: Option<Vec<u8>>,
    pub sendgrid_api_key: Option<Vec<u8>>,
    pub sendgrid_webhook_key: String,
    pub resend_api_key: Option<Vec<u8>>,
    pub resend_webhook_secret: Option<Vec<u8>>,
    pub twilio_account_sid: String,
    pub twilio_auth_token: Option<Vec<u8>>,
    pub sms_sender: String,
}

/// The organization's sending settings; the defaults (the `log` provider) if it has none.
pub async fn settings(tx: &mut Tx, org_id: Uuid) -> Result<Sending, AppError> {
    let row = sqlx::query!(
        "select email_provider, email_fallback, sms_provider, sender_name, sender_email, smtp_host, smtp_port,
                smtp_security, smtp_username, smtp_password, sendgrid_api_key, sendgrid_webhook_key,
                resend_api_key, resend_webhook_secret, twilio_account_sid, twilio_auth_token, sms_sender
         from messaging_settings where org_id = $1",
        org_id,
    )
    .fetch_optional(&mut **tx)
    .await?;
    Ok(match row {
        Some(r) => Sending {
            email_provider: r.email_provider,
            email_fallback: r.email_fallback,
            sms_provider: r.sms_provider,
            sender_name: r.sender_name,
            sender_email: r.sender_email,
            smtp_host: r.smtp_host,
            smtp_port: u16::try_from(r.smtp_port).unwrap_or(587),
            smtp_security: r.smtp_security,
            smtp_username: r.smtp_username,
            smtp_password: r.smtp_password,
            sendgrid_api_key: r.sendgrid_api_key,
            sendgrid_webhook_key: r.sendgrid_webhook_key,
            resend_api_key: r.resend_api_key,
            resend_webhook_secret: r.resend_webhook_secret,
            twilio_account_sid: r.twilio_account_sid,
            twilio_auth_token: r.twilio_auth_token,
            sms_sender: r.sms_sender,
        },
        None => Sending {
            email_provider: "log".into(),
            email_fallback: "none".into(),
            sms_provider: "log".into(),
            smtp_port: 587,
            smtp_security: "starttls".into(),
            ..Sending::default()
        },
    })
}

/// Sealed secrets to store; `None` keeps the stored one.
#[derive(Debug, Default)]
pub struct SealedEmailSecrets {
    pub smtp_password: Option<Vec<u8>>,
    pub sendgrid_api_key: Option<Vec<u8>>,
    pub resend_api_key: Option<Vec<u8>>,
    pub resend_webhook_secret: Option<Vec<u8>>,
}

/// Saves the organization's email settings.
pub async fn save_email(
    tx: &mut Tx,
    org_id: Uuid,
    s: &EmailSettings,
    secrets: SealedEmailSecrets,
) -> Result<(), AppError> {
    sqlx::query!(
        "insert into messaging_settings (org_id, email_provider, email_fallback, sender_name, sender_email, smtp_host,
                                         smtp_port, smtp_security, smtp_username, smtp_password, sendgrid_api_key,
                                         sendgrid_webhook_key, resend_api_key, resend_webhook_secret)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
         on conflict (org_id) do update set
             email_provider = excluded.email_provider, email_fallback = excluded.email_fallback,
             sender_name = excluded.sender_name, sender_email = excluded.sender_email,
             smtp_host = excluded.smtp_host, smtp_port = excluded.smtp_port,
             smtp_security = excluded.smtp_security, smtp_username = excluded.smtp_username,
             smtp_password = coalesce(excluded.smtp_password, messaging_settings.smtp_password),
             sendgrid_api_key = coalesce(excluded.sendgrid_api_key, messaging_settings.sendgrid_api_key),
             sendgrid_webhook_key = excluded.sendgrid_webhook_key,
             resend_api_key = coalesce(excluded.resend_api_key, messaging_settings.resend_api_key),
             resend_webhook_secret = coalesce(excluded.resend_webhook_secret, messaging_settings.resend_webhook_secret),
             updated_at = now()",
        org_id,
        s.email_provider,
        s.email_fallback,
        s.sender_name,
        s.sender_email,
        s.smtp_host,
        i32::from(s.smtp_port),
        s.smtp_security,
        s.smtp_username,
        secrets.smtp_password,
        secrets.sendgrid_api_key,
        s.sendgrid_webhook_key,
        secrets.resend_api_key,
        secrets.resend_webhook_secret,
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Saves how the organization's text messages go out; `auth_token: None` keeps the stored one.
pub async fn save_sms(tx: &mut Tx, org_id: Uuid, s: &SmsSettings, auth_token: Option<Vec<u8>>) -> Result<(), AppError> {
    sqlx::query!(
        "insert into messaging_settings (org_id, sms_provider, twilio_account_sid, twilio_auth_token, sms_sender)
         values ($1, $2, $3, $4, $5)
         on conflict (org_id) do update set
             sms_provider = excluded.sms_provider, twilio_account_sid = excluded.twilio_account_sid,
             twilio_auth_token = coalesce(excluded.twilio_auth_token, messaging_settings.twilio_auth_token),
             sms_sender = excluded.sms_sender, updated_at = now()",
        org_id,
        s.sms_provider,
        s.twilio_account_sid,
        auth_token,
        s.sms_sender,
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Queues an email to someone who is no patient (an invitee, a user who forgot their
/// password), to go now; without a branch it shows in no one's message log.
pub async fn queue_staff_email(
    tx: &mut Tx,
    org_id: Uuid,
    branch_id: Option<Uuid>,
    kind: &str,
    to: &str,
    subject: &str,
    body: &str,
) -> Result<Uuid, AppError> {
    Ok(sqlx::query_scalar!(
        "insert into messages (org_id, branch_id, kind, channel, recipient, subject, body)
         values ($1, $2, $3, 'email', $4, $5, $6) returning id",
        org_id,
        branch_id,
        kind,
        to,
        subject,
        body,
    )
    .fetch_one(&mut **tx)
    .await?)
}

/// Queues a patient's receipt of an invoice: `(patient, invoice)`, `(channel, recipient)`.
pub async fn queue_receipt(
    tx: &mut Tx,
    org_id: Uuid,
    branch_id: Uuid,
    (patient_id, invoice_id): (Uuid, Uuid),
    (channel, recipient): (&str, &str),
    subject: &str,
    body: &str,
) -> Result<Uuid, AppError> {
    Ok(sqlx::query_scalar!(
        "insert into messages (org_id, branch_id, patient_id, invoice_id, kind, channel, recipient, subject, body)
         values ($1, $2, $3, $4, 'receipt', $5, $6, $7, $8) returning id",
        org_id,
        branch_id,
        patient_id,
        invoice_id,
        channel,
        recipient,
        subject,
        body,
    )
    .fetch_one(&mut **tx)
    .await?)
}

/// Queues a message of `kind` to a patient, about one of their appointments if given, to
/// go now: `(patient, appointment)`, `(channel, recipient)`, `(subject, body)`.
pub async fn queue_for_patient(
    tx: &mut Tx,
    org_id: Uuid,
    branch_id: Uuid,
    (patient_id, appointment_id): (Uuid, Option<Uuid>),
    kind: MessageKind,
    (channel, recipient): (&str, &str),
    (subject, body): (&str, &str),
) -> Result<Uuid, AppError> {
    Ok(sqlx::query_scalar!(
        "insert into messages (org_id, branch_id, patient_id, appointment_id, kind, channel, recipient, subject, body)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9) returning id",
        org_id,
        branch_id,
        patient_id,
        appointment_id,
        kind.as_str(),
        channel,
        recipient,
        subject,
        body,
    )
    .fetch_one(&mut **tx)
    .await?)
}

/// Forgets every organization's delivery-report receipts older than 30 days; how many.
pub async fn prune_receipts(pool: &Pool) -> Result<i64, AppError> {
    Ok(sqlx::query_scalar!(r#"select prune_webhook_receipts() as "pruned!""#)
        .fetch_one(pool)
        .await?)
}

/// Notes a provider's delivery report as taken; false if it was taken already (a replay,
/// or the provider sending it again).
pub async fn take_receipt(tx: &mut Tx, org_id: Uuid, provider: &str, receipt: &str) -> Result<bool, AppError> {
    let taken = sqlx::query!(
        "insert into webhook_receipts (org_id, provider, receipt_id) values ($1, $2, $3) on conflict do nothing",
        org_id,
        provider,
        receipt,
    )
    .execute(&mut **tx)
    .await?;
    Ok(taken.rows_affected() == 1)
}

/// Moves a message `provider` took on to what the provider reports (`delivered`,
/// `bounced`, `undeliverable` or `failed`, with the reason), found by our id or the
/// provider's. Only forward: a late report never undoes a later one, except a bounce
/// after a delivery. False if no message matched.
pub async fn report(
    tx: &mut Tx,
    org_id: Uuid,
    provider: &str,
    (ours, theirs): (Option<Uuid>, Option<&str>),
    status: &str,
    reason: Option<&str>,
) -> Result<bool, AppError> {
    let moved = sqlx::query!(
        "update messages set status = $5, last_error = coalesce($6, last_error), updated_at = now()
         where org_id = $1 and provider = $2 and (id = $3 or provider_message_id = $4)
           and (status in ('sending', 'sent') or (status = 'delivered' and $5 = 'bounced'))",
        org_id,
        provider,
        ours,
        theirs,
        status,
        reason,
    )
    .execute(&mut **tx)
    .await?;
    Ok(moved.rows_affected() > 0)
}

/// The reminders the organization sends (minutes before, for email and for SMS) and its
/// quiet hours for text messages.
pub async fn reminders(tx: &mut Tx, org_id: Uuid) -> Result<Reminders, AppError> {
    let row = sqlx::query!(
        "select reminder_email_minutes, reminder_sms_minutes, quiet_hours_start, quiet_hours_end
         from organizations where id = $1",
        org_id,
    )
    .fetch_one(&mut **tx)
    .await?;
    Ok(Reminders {
        email: row.reminder_email_minutes,
        sms: row.reminder_sms_minutes,
        quiet_hours: row.quiet_hours_start.zip(row.quiet_hours_end),
    })
}

/// Sets the reminders planned from now on (those already planned stay as they are).
pub async fn save_reminders(tx: &mut Tx, org_id: Uuid, r: &Reminders) -> Result<(), AppError> {
    sqlx::query!(
        "update organizations set reminder_email_minutes = $2, reminder_sms_minutes = $3,
                quiet_hours_start = $4, quiet_hours_end = $5
         where id = $1",
        org_id,
        &r.email,
        &r.sms,
        r.quiet_hours.map(|q| q.0),
        r.quiet_hours.map(|q| q.1),
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The newest messages of the caller's branches that pass `filter` (at most `limit`),
/// with the moment their status speaks of (`when_local` is left for the caller).
pub async fn log(
    tx: &mut Tx,
    org_id: Uuid,
    branch_ids: &[Uuid],
    filter: &MessageLogFilter,
    limit: i64,
) -> Result<Vec<(LoggedMessage, DateTime<Utc>)>, AppError> {
    let rows = sqlx::query!(
        r#"select m.id, m.kind, m.channel, m.recipient, m.subject, m.body, m.status, m.last_error,
                  m.patient_id as "patient_id?", coalesce(p.full_name, m.recipient) as "patient_name!",
                  case when m.status = 'queued' and m.last_error is null then m.send_at
                       when m.status = 'sent' then coalesce(m.sent_at, m.updated_at)
                       else m.updated_at end as "at!"
           from messages m left join patients p on p.id = m.patient_id
           where m.org_id = $1 and m.branch_id = any($2)
             and ($3::text is null or m.status = $3) and ($4::text is null or m.channel = $4)
             and ($5::text is null or m.kind = $5)
             and ($6::timestamptz is null or m.created_at >= $6) and ($7::timestamptz is null or m.created_at < $7)
             and ($9::uuid is null or m.patient_id = $9) and ($10::uuid is null or m.appointment_id = $10)
           order by m.created_at desc, m.send_at desc, m.id
           limit $8"#,
        org_id,
        branch_ids,
        filter.status,
        filter.channel,
        filter.kind,
        filter.from,
        filter.until,
        limit,
        filter.patient,
        filter.appointment,
    )
    .fetch_all(&mut **tx)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            (
                LoggedMessage {
                    patient_id: r.patient_id,
                    patient_name: r.patient_name,
                    message: OutboxMessage {
                        id: r.id,
                        kind: r.kind,
                        channel: r.channel,
                        recipient: r.recipient,
                        subject: r.subject,
                        body: r.body,
                        status: r.status,
                        last_error: r.last_error,
                        when_local: String::new(),
                    },
                },
                r.at,
            )
        })
        .collect())
}

/// Queues a failed message of the caller's branches again, to go now (the table's
/// trigger hands it to the queue); false if there is no such failed message.
pub async fn resend(tx: &mut Tx, org_id: Uuid, branch_ids: &[Uuid], id: Uuid) -> Result<bool, AppError> {
    let done = sqlx::query!(
        "update messages set status = 'queued', send_at = now(), last_error = null, updated_at = now()
         where org_id = $1 and id = $2 and branch_id = any($3) and status = 'failed'",
        org_id,
        id,
        branch_ids,
    )
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// A reminder of an appointment at `branch_id` starting in `[from, to)`, still to happen,
/// that failed: (appointment, patient, start, channel, reason), by start.
pub async fn failed_reminders(
    tx: &mut Tx,
    org_id: Uuid,
    branch_id: Uuid,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Vec<(Uuid, String, DateTime<Utc>, String, String)>, AppError> {
    let rows = sqlx::query!(
        r#"select distinct on (a.starts_at, a.id, m.channel) a.id, p.full_name, a.starts_at, m.channel,
                  coalesce(m.last_error, '') as "reason!"
           from messages m
           join appointments a on a.id = m.appointment_id
           join patients p on p.id = a.patient_id
           where m.org_id = $1 and m.branch_id = $2 and m.kind = 'reminder' and m.status = 'failed'
             and a.status in ('scheduled', 'confirmed') and a.starts_at >= $3 and a.starts_at < $4
             and appointment_may_block(a.starts_at, $3, $4)
           order by a.starts_at, a.id, m.channel, m.updated_at desc"#,
        org_id,
        branch_id,
        from,
        to,
    )
    .fetch_all(&mut **tx)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| (r.id, r.full_name, r.starts_at, r.channel, r.reason))
        .collect())
}

/// The job queue right now, over every organization: jobs due, planned for later and
/// running, and how long the oldest due one has waited (seconds).
pub struct QueueStats {
    pub due: i64,
    pub scheduled: i64,
    pub running: i64,
    pub oldest_due_seconds: f64,
}

pub async fn queue_stats(pool: &Pool) -> Result<QueueStats, AppError> {
    let r = sqlx::query!(
        r#"select due as "due!", scheduled as "scheduled!", running as "running!",
                  oldest_due_seconds as "oldest_due_seconds!" from queue_stats()"#
    )
    .fetch_one(pool)
    .await?;
    Ok(QueueStats {
        due: r.due,
        scheduled: r.scheduled,
        running: r.running,
        oldest_due_seconds: r.oldest_due_seconds,
    })
}

/// Messages by channel, provider and status, over every organization.
pub struct MessageCount {
    pub channel: String,
    pub provider: String,
    pub status: String,
    pub messages: i64,
}

pub async fn counts(pool: &Pool) -> Result<Vec<MessageCount>, AppError> {
    let rows = sqlx::query!(
        r#"select channel as "channel!", provider as "provider!", status as "status!", messages as "messages!"
           from message_counts()"#
    )
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| MessageCount {
            channel: r.channel,
            provider: r.provider,
            status: r.status,
            messages: r.messages,
        })
        .collect())
}
