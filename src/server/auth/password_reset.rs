//! A forgotten password: a single-use link by email, and the new password it sets.

use chrono::Utc;
use serde_json::json;

use super::{
    password,
    service::audit_user,
    throttle,
    tokens::{hash_token, new_token},
};
use crate::{
    domain::{
        account::{Email, NewPassword},
        messages::MessageKind,
        templates::Values,
        AppError,
    },
    server::{
        auth::context::message_base_url,
        db::{password_resets, sessions, sessions::ClientInfo},
        outbox, AppState,
    },
};

/// How long a link to choose a new password works.
pub const PASSWORD_RESET_MINUTES: i64 = 60;

/// Emails a single-use link to choose a new password if an active account uses `email`,
/// through its organization's email provider. The answer is the same whether it does or
/// not; requests count with sign-ins towards the limits per address typed and per
/// client, and one person has at most three links open.
pub async fn request_password_reset(state: &AppState, email: &str, client: &ClientInfo) -> Result<(), AppError> {
    let account = email.trim().to_lowercase();
    let pool = state.db.pool();
    throttle::count(
        pool,
        throttle::Kind::PasswordReset,
        &account,
        client.ip.as_deref(),
        throttle::ACCOUNT_ATTEMPTS_PER_MINUTE as u32,
        state.config.login_attempts_per_ip_minute,
    )
    .await?;
    let email = Email::parse("email", email).map_err(|e| AppError::Validation(vec![e]))?;
    let Some(candidate) = sessions::login_candidate(pool, email.as_str()).await? else {
        return Ok(());
    };
    if !candidate.is_active {
        return Ok(());
    }
    let (token, hash) = new_token("");
    let expires_at = Utc::now() + chrono::Duration::minutes(PASSWORD_RESET_MINUTES);
    let mut tx = state.db.tenant(candidate.org_id).await?;
    if password_resets::create(&mut tx, candidate.org_id, candidate.user_id, &hash, expires_at).await? {
        let url = format!("{}/reset-password/{token}", message_base_url(state));
        let minutes = PASSWORD_RESET_MINUTES.to_string();
        outbox::email_staff(
            &mut tx,
            candidate.org_id,
            None,
            MessageKind::PasswordReset,
            email.as_str(),
            Values(&[("email", email.as_str()), ("link", &url), ("minutes", &minutes)]),
        )
        .await?;
        audit_user(
            &mut tx,
            candidate.org_id,
            candidate.user_id,
            "auth.password_reset_requested",
            client,
            json!({}),
        )
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Sets a new password with a link from [`request_password_reset`], once, and ends every
/// session of its user.
pub async fn reset_password(
    state: &AppState,
    token: &str,
    password: &str,
    client: &ClientInfo,
) -> Result<(), AppError> {
    let password = NewPassword::parse("password", password)
        .and_then(password::not_common)
        .map_err(|e| AppError::Validation(vec![e]))?;
    let gone = || AppError::NotFound("This link has expired or was used already. Ask for a new one.".into());
    let (id, org_id, user_id) = password_resets::find(state.db.pool(), &hash_token(token))
        .await?
        .ok_or_else(gone)?;
    let password_hash = password::hash_password(password).await?;
    let mut tx = state.db.tenant(org_id).await?;
    if !password_resets::use_link(&mut tx, id, user_id, &password_hash).await? {
        return Err(gone());
    }
    audit_user(&mut tx, org_id, user_id, "auth.password_reset", client, json!({})).await?;
    tx.commit().await?;
    Ok(())
}
