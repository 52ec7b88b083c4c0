//! Settings → Messages: how the organization's email and text messages go out (provider,
//! fallback, credentials sealed with the data key and never shown back), a test send that
//! reports what the provider answered, and the reminders.

use serde_json::json;
use uuid::Uuid;

use super::{webhooks::twilio_path, Carrier, Outbound};
use crate::{
    domain::{
        access::Action,
        messaging::{
            provider_label, EmailSecretsStored, EmailSettingsForm, MessagingSettings, Reminders, SmsSettingsForm,
        },
        AppError,
    },
    server::{
        auth::context::{message_base_url, RequestContext},
        db::messages::{self, SealedEmailSecrets},
    },
};

pub async fn settings(ctx: &RequestContext) -> Result<MessagingSettings, AppError> {
    ctx.require(Action::ManageMessaging)?;
    let mut tx = ctx.tenant().await?;
    let s = messages::settings(&mut tx, ctx.org_id()).await?;
    let reminders = messages::reminders(&mut tx, ctx.org_id()).await?;
    let time = |t: Option<chrono::NaiveTime>| t.map(|t| t.format("%H:%M").to_string()).unwrap_or_default();
    tx.commit().await?;
    let base = message_base_url(&ctx.state);
    let org = ctx.org_id();
    Ok(MessagingSettings {
        email_provider: s.email_provider,
        email_fallback: s.email_fallback,
        sender_name: s.sender_name,
        sender_email: s.sender_email,
        smtp_host: s.smtp_host,
        smtp_port: s.smtp_port,
        smtp_security: s.smtp_security,
        smtp_username: s.smtp_username,
        smtp_password_set: s.smtp_password.is_some(),
        sendgrid_api_key_set: s.sendgrid_api_key.is_some(),
        sendgrid_webhook_key: s.sendgrid_webhook_key,
        resend_api_key_set: s.resend_api_key.is_some(),
        resend_webhook_secret_set: s.resend_webhook_secret.is_some(),
        sms_provider: s.sms_provider,
        twilio_account_sid: s.twilio_account_sid,
        twilio_auth_token_set: s.twilio_auth_token.is_some(),
        sms_sender: s.sms_sender,
        sendgrid_webhook_url: format!("{base}/webhooks/sendgrid/{org}"),
        resend_webhook_url: format!("{base}/webhooks/resend/{org}"),
        twilio_webhook_url: format!("{base}{}", twilio_path(org)),
        reminder_email_minutes: reminders.email,
        reminder_sms_minutes: reminders.sms,
        quiet_from: time(reminders.quiet_hours.map(|q| q.0)),
        quiet_until: time(reminders.quiet_hours.map(|q| q.1)),
    })
}

/// Saves the email settings; a secret given replaces the stored one (sealed with the
/// data key), an empty box keeps it.
pub async fn save_email(ctx: &RequestContext, form: EmailSettingsForm) -> Result<(), AppError> {
    ctx.require(Action::ManageMessaging)?;
    let mut tx = ctx.tenant().await?;
    let stored = messages::settings(&mut tx, ctx.org_id()).await?;
    let settings = form.parse(&EmailSecretsStored {
        sendgrid_api_key: stored.sendgrid_api_key.is_some(),
        resend_api_key: stored.resend_api_key.is_some(),
    })?;
    let seal = |secret: &Option<String>| secret.as_ref().map(|s| ctx.state.vault.seal(s.as_bytes()));
    let secrets = &settings.secrets;
    let sealed = SealedEmailSecrets {
        smtp_password: seal(&secrets.smtp_password),
        sendgrid_api_key: seal(&secrets.sendgrid_api_key),
        resend_api_key: seal(&secrets.resend_api_key),
        resend_webhook_secret: seal(&secrets.resend_webhook_secret),
    };
    messages::save_email(&mut tx, ctx.org_id(), &settings, sealed).await?;
    let replaced: Vec<&str> = [
        ("smtp_password", &secrets.smtp_password),
        ("sendgrid_api_key", &secrets.sendgrid_api_key),
        ("resend_api_key", &secrets.resend_api_key),
        ("resend_webhook_secret", &secrets.resend_webhook_secret),
    ]
    .into_iter()
    .filter_map(|(name, secret)| secret.as_ref().map(|_| name))
    .collect();
    ctx.audit(
        &mut tx,
        "messaging.email_changed",
        "organization",
        Some(ctx.org_id()),
        json!({"after": settings, "secrets_replaced": replaced}),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Saves how text messages go out; a token given replaces the stored one.
pub async fn save_sms(ctx: &RequestContext, form: SmsSettingsForm) -> Result<(), AppError> {
    ctx.require(Action::ManageMessaging)?;
    let mut tx = ctx.tenant().await?;
    let stored = messages::settings(&mut tx, ctx.org_id()).await?;
    let settings = form.parse(stored.twilio_auth_token.is_some())?;
    let sealed = settings
        .twilio_auth_token
        .as_ref()
        .map(|t| ctx.state.vault.seal(t.as_bytes()));
    messages::save_sms(&mut tx, ctx.org_id(), &settings, sealed).await?;
    ctx.audit(
        &mut tx,
        "messaging.sms_changed",
        "organization",
        Some(ctx.org_id()),
        json!({"after": settings, "token_replaced": settings.twilio_auth_token.is_some()}),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

pub async fn save_reminders(ctx: &RequestContext, reminders: Reminders) -> Result<(), AppError> {
    ctx.require(Action::ManageMessaging)?;
    let mut tx = ctx.tenant().await?;
    messages::save_reminders(&mut tx, ctx.org_id(), &reminders).await?;
    ctx.audit(
        &mut tx,
        "messaging.reminders_changed",
        "organization",
        Some(ctx.org_id()),
        json!({"after": {
            "email": reminders.email,
            "sms": reminders.sms,
            "quiet_hours": reminders.quiet_hours.map(|(from, until)| format!("{} to {}", from.format("%H:%M"), until.format("%H:%M"))),
        }}),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Sends a test by `channel` to `to` (an address or a number, checked by the caller) with
/// the saved settings, now (not through the queue), and says what the provider answered;
/// a refusal is an error on the `to` field.
pub async fn send_test(ctx: &RequestContext, channel: &str, to: &str) -> Result<String, AppError> {
    ctx.require(Action::ManageMessaging)?;
    let mut tx = ctx.tenant().await?;
    let sending = messages::settings(&mut tx, ctx.org_id()).await?;
    let carrier = Carrier::for_channel(&ctx.state, ctx.org_id(), &sending, channel);
    let body = format!(
        "This is a test from CareOps, sent by {} with {}. If you can read it, your patients' messages will arrive too.",
        ctx.user.full_name,
        carrier.name()
    );
    let (provider, outcome) = carrier
        .send(&Outbound {
            id: Uuid::new_v4(),
            channel,
            to,
            subject: "A test from CareOps",
            body: &body,
            attachment: None,
        })
        .await;
    ctx.audit(
        &mut tx,
        "messaging.test_sent",
        "organization",
        Some(ctx.org_id()),
        json!({"channel": channel, "to": to, "provider": provider, "accepted": outcome.is_ok()}),
    )
    .await?;
    tx.commit().await?;
    match (outcome, provider) {
        (Ok(_), "log") => Ok(format!(
            "Recorded, not sent: messages go to the log until you choose a provider. ({to})"
        )),
        (Ok(accepted), _) => Ok(format!(
            "Sent: {} accepted it ({}). Check that {to} received it.",
            provider_label(provider),
            accepted.message_id
        )),
        (Err(refused), _) => Err(AppError::field("to", format!("Not sent. {}", refused.reason()))),
    }
}
