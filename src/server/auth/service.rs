//! Sign-up, log-in, refresh and log-out, independent of how they are called.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::{
    password,
    tokens::{hash_refresh_token, new_refresh_token, Authenticated},
};
use crate::{
    domain::{
        account::{BranchName, Email, NewPassword, OrgName, PersonName, TimeZone},
        AppError,
    },
    server::{
        db::{
            accounts::{self, NewOrganization},
            sessions::{self, ClientInfo},
            Tx,
        },
        AppState,
    },
};

/// The tokens to hand to the browser after a successful sign-in or refresh.
pub struct IssuedTokens {
    pub auth: Authenticated,
    pub access: String,
    /// A new refresh token and when its session ends; `None` when the browser already
    /// holds the current one (a concurrent refresh).
    pub refresh: Option<(String, DateTime<Utc>)>,
}

/// What a person types to open an account for their practice.
pub struct SignUp {
    pub org_name: OrgName,
    pub branch_name: BranchName,
    pub timezone: TimeZone,
    pub full_name: PersonName,
    pub email: Email,
    pub password: NewPassword,
}

impl SignUp {
    pub fn parse(
        org_name: &str,
        branch_name: &str,
        timezone: &str,
        full_name: &str,
        email: &str,
        password: &str,
    ) -> Result<Self, AppError> {
        match (
            OrgName::parse("org_name", org_name),
            BranchName::parse("branch_name", branch_name),
            TimeZone::parse("timezone", timezone),
            PersonName::parse("full_name", full_name),
            Email::parse("email", email),
            NewPassword::parse("password", password).and_then(password::not_common),
        ) {
            (
                Ok(org_name),
                Ok(branch_name),
                Ok(timezone),
                Ok(full_name),
                Ok(email),
                Ok(password),
            ) => Ok(Self {
                org_name,
                branch_name,
                timezone,
                full_name,
                email,
                password,
            }),
            (a, b, c, d, e, f) => Err(AppError::Validation(
                [a.err(), b.err(), c.err(), d.err(), e.err(), f.err()]
                    .into_iter()
                    .flatten()
                    .collect(),
            )),
        }
    }
}

#[tracing::instrument(skip_all, fields(email = %input.email))]
pub async fn sign_up(
    state: &AppState,
    input: SignUp,
    client: &ClientInfo,
) -> Result<IssuedTokens, AppError> {
    let password_hash = password::hash_password(input.password).await?;
    let org_id = Uuid::new_v4();
    let mut tx = state.db.tenant(org_id).await?;
    let created = accounts::create_organization(
        &mut tx,
        org_id,
        NewOrganization {
            org_name: &input.org_name,
            branch_name: &input.branch_name,
            timezone: input.timezone,
            owner_name: &input.full_name,
            owner_email: &input.email,
            password_hash: &password_hash,
        },
    )
    .await?;
    let tokens = start_session(state, &mut tx, org_id, created.user_id, client).await?;
    tx.commit().await?;
    tracing::info!(%org_id, user_id = %created.user_id, "organization signed up");
    Ok(tokens)
}

fn wrong_credentials() -> AppError {
    AppError::Unauthenticated("The email or password is incorrect.".into())
}

#[tracing::instrument(skip_all)]
pub async fn log_in(
    state: &AppState,
    email: &str,
    password: String,
    client: &ClientInfo,
) -> Result<IssuedTokens, AppError> {
    // A malformed email cannot match an account; it still costs a hash, like any miss.
    let candidate = match Email::parse("email", email) {
        Ok(email) => sessions::login_candidate(state.db.pool(), email.as_str()).await?,
        Err(_) => None,
    };
    let stored = candidate.as_ref().map(|c| c.password_hash.clone());
    let matches = password::verify_password(password, stored).await;
    let candidate = match candidate {
        Some(c) if matches && c.is_active => c,
        _ => {
            tracing::info!("failed log-in");
            return Err(wrong_credentials());
        }
    };
    let mut tx = state.db.tenant(candidate.org_id).await?;
    let tokens = start_session(state, &mut tx, candidate.org_id, candidate.user_id, client).await?;
    tx.commit().await?;
    tracing::info!(user_id = %candidate.user_id, "logged in");
    Ok(tokens)
}

async fn start_session(
    state: &AppState,
    tx: &mut Tx,
    org_id: Uuid,
    user_id: Uuid,
    client: &ClientInfo,
) -> Result<IssuedTokens, AppError> {
    let now = Utc::now();
    let policy = &state.config.session;
    let session_expires = now + policy.absolute_lifetime;
    let session_id = sessions::create_session(tx, org_id, user_id, client, session_expires).await?;
    let (refresh, hash) = new_refresh_token();
    sessions::insert_refresh_token(tx, org_id, session_id, &hash, session_expires).await?;
    let auth = Authenticated {
        user_id,
        org_id,
        session_id,
    };
    Ok(IssuedTokens {
        auth,
        access: state.keys.issue_access(auth, now, policy.access_ttl)?,
        refresh: Some((refresh, session_expires)),
    })
}

/// Exchanges a refresh token for a new access token and the next refresh token.
///
/// `Ok(None)` means the browser's session is over (unknown, expired, revoked or stolen
/// token) and its cookies should go.
#[tracing::instrument(skip_all)]
pub async fn refresh(state: &AppState, token: &str) -> Result<Option<IssuedTokens>, AppError> {
    let Some(owner) = sessions::token_owner(state.db.pool(), &hash_refresh_token(token)).await?
    else {
        return Ok(None);
    };
    let mut tx = state.db.tenant(owner.org_id).await?;
    let Some(current) = sessions::lock_token(&mut tx, owner.token_id).await? else {
        return Ok(None);
    };
    let now = Utc::now();
    let policy = &state.config.session;
    if current.session_revoked || !current.user_active {
        return Ok(None);
    }
    let idle = now - current.session_last_seen_at;
    if current.session_expires_at <= now
        || current.token_expires_at <= now
        || idle > chrono::Duration::from_std(policy.idle_timeout).unwrap_or(chrono::TimeDelta::MAX)
    {
        sessions::revoke_session(&mut tx, owner.session_id, "expired").await?;
        tx.commit().await?;
        return Ok(None);
    }
    let auth = Authenticated {
        user_id: owner.user_id,
        org_id: owner.org_id,
        session_id: owner.session_id,
    };
    if let Some(rotated_at) = current.rotated_at {
        let grace = chrono::Duration::from_std(policy.refresh_reuse_grace).unwrap_or_default();
        if now - rotated_at <= grace {
            // Two requests from one browser raced with the same cookie: the first got
            // the next refresh token, this one only needs an access token.
            return Ok(Some(IssuedTokens {
                auth,
                access: state.keys.issue_access(auth, now, policy.access_ttl)?,
                refresh: None,
            }));
        }
        // A token that was already exchanged came back: someone holds a copy. End the
        // whole family, so that neither the thief nor the victim can go on with it.
        tracing::warn!(session_id = %owner.session_id, user_id = %owner.user_id, "refresh token reuse; session revoked");
        sessions::revoke_session(&mut tx, owner.session_id, "refresh token reuse").await?;
        tx.commit().await?;
        return Ok(None);
    }
    sessions::mark_rotated(&mut tx, owner.token_id).await?;
    let (next, hash) = new_refresh_token();
    sessions::insert_refresh_token(
        &mut tx,
        owner.org_id,
        owner.session_id,
        &hash,
        current.session_expires_at,
    )
    .await?;
    tx.commit().await?;
    Ok(Some(IssuedTokens {
        auth,
        access: state.keys.issue_access(auth, now, policy.access_ttl)?,
        refresh: Some((next, current.session_expires_at)),
    }))
}

#[tracing::instrument(skip_all, fields(session_id = %auth.session_id))]
pub async fn log_out(state: &AppState, auth: Authenticated) -> Result<(), AppError> {
    let mut tx = state.db.tenant(auth.org_id).await?;
    sessions::revoke_session(&mut tx, auth.session_id, "logged out").await?;
    tx.commit().await?;
    Ok(())
}
