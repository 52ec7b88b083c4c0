//! Settings → Messages: how the organization's email goes out, a test send that reports
//! what the provider answered, and the reminders.

use serde_json::json;
use uuid::Uuid;

use super::{Carrier, Outbound};
use crate::{
    domain::{
        access::Action,
        account::Email,
        messaging::{EmailSettings, MessagingSettings, Reminders},
        AppError,
    },
    server::{auth::context::RequestContext, db::messages},
};

pub async fn settings(ctx: &RequestContext) -> Result<MessagingSettings, AppError> {
    ctx.require(Action::ManageMessaging)?;
    let mut tx = ctx.tenant().await?;
    let s = messages::settings(&mut tx, ctx.org_id()).await?;
    let reminders = messages::reminders(&mut tx, ctx.org_id()).await?;
    let time = |t: Option<chrono::NaiveTime>| t.map(|t| t.format("%H:%M").to_string()).unwrap_or_default();
    tx.commit().await?;
    Ok(MessagingSettings {
        email_provider: s.email_provider,
        sender_name: s.sender_name,
        sender_email: s.sender_email,
        smtp_host: s.smtp_host,
        smtp_port: s.smtp_port,
        smtp_security: s.smtp_security,
        smtp_username: s.smtp_username,
        smtp_password_set: s.smtp_password.is_some(),
        reminder_email_minutes: reminders.email,
        reminder_sms_minutes: reminders.sms,
        quiet_from: time(reminders.quiet_hours.map(|q| q.0)),
        quiet_until: time(reminders.quiet_hours.map(|q| q.1)),
    })
}

/// Saves the email settings; a password given replaces the stored one (sealed with the
/// data key), none keeps it.
pub async fn save_email(ctx: &RequestContext, settings: EmailSettings) -> Result<(), AppError> {
    ctx.require(Action::ManageMessaging)?;
    let sealed = settings
        .smtp_password
        .as_ref()
        .map(|p| ctx.state.vault.seal(p.as_bytes()));
    let mut tx = ctx.tenant().await?;
    messages::save_email(&mut tx, ctx.org_id(), &settings, sealed).await?;
    ctx.audit(
        &mut tx,
        "messaging.email_changed",
        "organization",
        Some(ctx.org_id()),
        json!({"after": settings, "password_replaced": settings.smtp_password.is_some()}),
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

/// Sends a test email to `to` with the saved settings, now (not through the queue), and
/// says what the provider answered; a refusal is an error on the address field.
pub async fn send_test(ctx: &RequestContext, to: Email) -> Result<String, AppError> {
    ctx.require(Action::ManageMessaging)?;
    let mut tx = ctx.tenant().await?;
    let sending = messages::settings(&mut tx, ctx.org_id()).await?;
    let carrier = Carrier::for_channel(&ctx.state, &sending, "email");
    let body = format!(
        "This is a test from CareOps, sent by {} with {}.\n\nIf you can read it, your patients' email will arrive too.",
        ctx.user.full_name,
        carrier.name()
    );
    let outcome = carrier
        .send(&Outbound {
            id: Uuid::new_v4(),
            channel: "email",
            to: to.as_str(),
            subject: "A test from CareOps",
            body: &body,
        })
        .await;
    ctx.audit(
        &mut tx,
        "messaging.test_sent",
        "organization",
        Some(ctx.org_id()),
        json!({"to": to.as_str(), "provider": carrier.name(), "accepted": outcome.is_ok()}),
    )
    .await?;
    tx.commit().await?;
    match (outcome, carrier.name()) {
        (Ok(_), "log") => Ok(format!(
            "Recorded, not sent: email goes to the log until you choose a mail server. ({to})"
        )),
        (Ok(accepted), _) => Ok(format!(
            "Sent: the mail server accepted it ({}). Check the inbox of {to}.",
            accepted.message_id
        )),
        (Err(super::providers::Refused::Permanent(why) | super::providers::Refused::Temporary(why)), _) => {
            Err(AppError::field("to", format!("Not sent. {why}")))
        }
    }
}
