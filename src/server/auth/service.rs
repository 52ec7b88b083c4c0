//! Sign-up, log-in (with its second step), invitations, refresh and log-out,
//! independent of how they are called. Every security event lands in the audit log.

use chrono::Utc;
use serde_json::json;
use uuid::Uuid;

use super::{
    password, throttle,
    tokens::{hash_token, new_token, Authenticated, Challenge, ChallengePurpose},
    totp,
};
use crate::{
    domain::{
        account::{
            zone_currency, BranchName, Email, EnrolmentView, NewPassword, OrgName, PersonName, SignUpForm, TimeZone,
        },
        branch::branch_address,
        contact::Phone,
        money::currency_code,
        AppError, FieldError,
    },
    server::{
        db::{
            accounts::{self, NewOrganization},
            audit, sessions,
            sessions::ClientInfo,
            staff, Tx,
        },
        error::internal,
        AppState,
    },
};

/// The tokens to hand to the browser after a successful sign-in or refresh.
pub struct IssuedTokens {
    pub auth: Authenticated,
    pub access: String,
    /// A new refresh token and when its session ends; `None` when the browser already
    /// holds the current one (a concurrent refresh).
    pub refresh: Option<(String, chrono::DateTime<Utc>)>,
}

/// Where a correct password leads.
pub enum LoginOutcome {
    SignedIn(IssuedTokens),
    /// A second step is due: the challenge goes into a short-lived cookie.
    SecondStep {
        challenge: String,
        purpose: ChallengePurpose,
    },
}

/// What a person types to open an account for their practice.
pub struct SignUp {
    pub org_name: OrgName,
    pub branch_name: BranchName,
    pub timezone: TimeZone,
    pub currency: &'static str,
    pub address: String,
    pub phone: Option<Phone>,
    pub full_name: PersonName,
    pub email: Email,
    pub password: NewPassword,
}

impl SignUp {
    pub fn parse(f: &SignUpForm) -> Result<Self, AppError> {
        let timezone = TimeZone::parse("timezone", &f.timezone);
        let currency = match f.currency.trim() {
            // The zone's own error speaks for both when the zone is wrong.
            "" | "auto" => match &timezone {
                Ok(tz) => zone_currency(tz.name())
                    .ok_or_else(|| FieldError::new("currency", "Choose the currency: the time zone does not tell it.")),
                Err(_) => Ok(""),
            },
            raw => currency_code(raw).ok_or_else(|| FieldError::new("currency", "Choose a currency from the list.")),
        };
        match (
            OrgName::parse("org_name", &f.org_name),
            BranchName::parse("branch_name", &f.branch_name),
            timezone,
            currency,
            branch_address("address", &f.address),
            Phone::parse_optional("phone", &f.phone),
            PersonName::parse("full_name", &f.full_name),
            Email::parse("email", &f.email),
            NewPassword::parse("password", &f.password).and_then(password::not_common),
        ) {
            (
                Ok(org_name),
                Ok(branch_name),
                Ok(timezone),
                Ok(currency),
                Ok(address),
                Ok(phone),
                Ok(full_name),
                Ok(email),
                Ok(password),
            ) => Ok(Self {
                org_name,
                branch_name,
                timezone,
                currency,
                address,
                phone,
                full_name,
                email,
                password,
            }),
            (a, b, c, d, e, f, g, h, i) => Err(AppError::Validation(
                [
                    a.err(),
                    b.err(),
                    c.err(),
                    d.err(),
                    e.err(),
                    f.err(),
                    g.err(),
                    h.err(),
                    i.err(),
                ]
                .into_iter()
                .flatten()
                .collect(),
            )),
        }
    }
}

/// A security event of one user, for the audit log.
pub(super) async fn audit_user(
    tx: &mut Tx,
    org_id: Uuid,
    user_id: Uuid,
    action: &str,
    client: &ClientInfo,
    diff: serde_json::Value,
) -> Result<(), AppError> {
    audit::record(
        tx,
        audit::Entry {
            org_id,
            branch_id: None,
            actor: Some(user_id),
            action,
            entity: "user",
            entity_id: Some(user_id),
            diff,
            ip: client.ip.as_deref(),
        },
    )
    .await
}

#[tracing::instrument(skip_all, fields(email = %input.email))]
pub async fn sign_up(state: &AppState, input: SignUp, client: &ClientInfo) -> Result<IssuedTokens, AppError> {
    // Each sign-up costs a password hash: an address gets as many per minute as it gets
    // sign-in attempts.
    let per_ip = state.config.login_attempts_per_ip_minute;
    let ip = client.ip.as_deref();
    throttle::count(
        state.db.pool(),
        throttle::Kind::SignUp,
        &format!("sign_up:{}", ip.unwrap_or("unknown")),
        ip,
        per_ip,
        per_ip,
    )
    .await?;
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
            currency: input.currency,
            address: &input.address,
            phone: input.phone.as_ref(),
            owner_name: &input.full_name,
            owner_email: &input.email,
            password_hash: &password_hash,
        },
    )
    .await?;
    audit_user(
        &mut tx,
        org_id,
        created.user_id,
        "auth.signed_up",
        client,
        json!({"after": {
            "organization": input.org_name.as_str(), "branch": input.branch_name.as_str(), "currency": input.currency,
        }}),
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

/// Checks email and password. Unknown emails cost the same hash and get the same answer
/// as wrong passwords; both count towards the same rate limits and lock-out.
#[tracing::instrument(skip_all)]
pub async fn log_in(
    state: &AppState,
    email: &str,
    password: String,
    client: &ClientInfo,
) -> Result<LoginOutcome, AppError> {
    let account = email.trim().to_lowercase();
    let pool = state.db.pool();
    let ip = client.ip.as_deref();
    let attempt = throttle::begin(
        pool,
        throttle::Kind::Password,
        &account,
        ip,
        state.config.login_attempts_per_ip_minute,
    )
    .await?;

    let candidate = match Email::parse("email", email) {
        Ok(email) => sessions::login_candidate(pool, email.as_str()).await?,
        Err(_) => None,
    };
    let stored = candidate.as_ref().map(|c| c.password_hash.clone());
    let matches = password::verify_password(password, stored).await;
    let succeeded = matches && candidate.as_ref().is_some_and(|c| c.is_active);
    if succeeded {
        attempt.succeeded(pool).await?;
    }

    let Some(candidate) = candidate else {
        return Err(wrong_credentials());
    };
    let mut tx = state.db.tenant(candidate.org_id).await?;
    if !succeeded {
        audit_user(
            &mut tx,
            candidate.org_id,
            candidate.user_id,
            "auth.login_failed",
            client,
            json!({}),
        )
        .await?;
        tx.commit().await?;
        return Err(wrong_credentials());
    }

    let factor = accounts::second_factor_state(&mut tx, candidate.user_id)
        .await?
        .ok_or_else(wrong_credentials)?;
    let purpose = match (factor.secret.is_some(), factor.org_requires) {
        (true, _) => Some(ChallengePurpose::Verify),
        (false, true) => Some(ChallengePurpose::Enrol),
        (false, false) => None,
    };
    if let Some(purpose) = purpose {
        tx.commit().await?;
        let challenge = state.keys.issue_challenge(
            Challenge {
                user_id: candidate.user_id,
                org_id: candidate.org_id,
                purpose,
            },
            Utc::now(),
        )?;
        return Ok(LoginOutcome::SecondStep { challenge, purpose });
    }
    audit_user(
        &mut tx,
        candidate.org_id,
        candidate.user_id,
        "auth.logged_in",
        client,
        json!({}),
    )
    .await?;
    let tokens = start_session(state, &mut tx, candidate.org_id, candidate.user_id, client).await?;
    tx.commit().await?;
    Ok(LoginOutcome::SignedIn(tokens))
}

fn challenge_expired() -> AppError {
    AppError::Unauthenticated("Your sign-in took too long or was already used. Please sign in again.".into())
}

fn read_challenge(state: &AppState, token: Option<&str>, purpose: ChallengePurpose) -> Result<Challenge, AppError> {
    token
        .and_then(|t| state.keys.verify_challenge(t))
        .filter(|c| c.purpose == purpose)
        .ok_or_else(challenge_expired)
}

/// The second sign-in step: a code from the authenticator app, or a recovery code.
#[tracing::instrument(skip_all)]
pub async fn verify_second_factor(
    state: &AppState,
    challenge: Option<&str>,
    code: &str,
    client: &ClientInfo,
) -> Result<IssuedTokens, AppError> {
    let challenge = read_challenge(state, challenge, ChallengePurpose::Verify)?;
    let account = challenge.user_id.to_string();
    let pool = state.db.pool();
    let ip = client.ip.as_deref();
    let attempt = throttle::begin(
        pool,
        throttle::Kind::SecondFactor,
        &account,
        ip,
        state.config.login_attempts_per_ip_minute,
    )
    .await?;

    let mut tx = state.db.tenant(challenge.org_id).await?;
    let factor = accounts::second_factor_state(&mut tx, challenge.user_id)
        .await?
        .ok_or_else(challenge_expired)?;
    let secret = factor
        .secret
        .as_deref()
        .and_then(|sealed| state.vault.open(sealed))
        .ok_or_else(challenge_expired)?;

    let accepted = if code.chars().any(|c| c.is_ascii_alphabetic()) {
        let used = accounts::use_recovery_code(&mut tx, challenge.user_id, &totp::hash_recovery_code(code)).await?;
        if used {
            audit_user(
                &mut tx,
                challenge.org_id,
                challenge.user_id,
                "auth.recovery_code_used",
                client,
                json!({}),
            )
            .await?;
        }
        used
    } else {
        match totp::verify(&secret, code, Utc::now().timestamp() as u64, factor.last_step) {
            Some(step) => {
                accounts::record_totp_step(&mut tx, challenge.user_id, step).await?;
                true
            }
            None => false,
        }
    };
    if accepted {
        attempt.succeeded(pool).await?;
    }
    if !accepted {
        audit_user(
            &mut tx,
            challenge.org_id,
            challenge.user_id,
            "auth.second_factor_failed",
            client,
            json!({}),
        )
        .await?;
        tx.commit().await?;
        return Err(AppError::field(
            "code",
            "That code is not right. Enter the newest code from your app, or a recovery code.",
        ));
    }
    audit_user(
        &mut tx,
        challenge.org_id,
        challenge.user_id,
        "auth.logged_in",
        client,
        json!({}),
    )
    .await?;
    let tokens = start_session(state, &mut tx, challenge.org_id, challenge.user_id, client).await?;
    tx.commit().await?;
    Ok(tokens)
}

/// The enrolment in progress for a user: made on first request and kept (encrypted)
/// until confirmed, so that reloading the page shows the same QR code.
pub async fn enrolment(state: &AppState, tx: &mut Tx, user_id: Uuid) -> Result<EnrolmentView, AppError> {
    let factor = accounts::second_factor_state(tx, user_id)
        .await?
        .ok_or_else(AppError::sign_in_required)?;
    let existing = factor
        .pending
        .as_deref()
        .and_then(|sealed| state.vault.open(sealed))
        .and_then(|plain| serde_json::from_slice::<totp::Enrolment>(&plain).ok());
    let enrolment = match existing {
        Some(enrolment) => enrolment,
        None => {
            let fresh = totp::Enrolment::new();
            let plain = serde_json::to_vec(&fresh).map_err(|e| internal("encoding enrolment", e))?;
            accounts::set_pending_enrolment(tx, user_id, &state.vault.seal(&plain)).await?;
            fresh
        }
    };
    let url = totp::otpauth_url(&enrolment.secret, &factor.email).ok_or_else(|| internal("otpauth url", "invalid"))?;
    Ok(EnrolmentView {
        qr_svg: crate::server::qr::svg(&url).ok_or_else(|| internal("qr code", "too long"))?,
        secret: totp::secret_base32(&enrolment.secret),
        recovery_codes: enrolment.recovery_codes,
    })
}

/// Turns two-factor on once the user proves their app shows the right codes.
pub async fn confirm_enrolment(
    state: &AppState,
    tx: &mut Tx,
    org_id: Uuid,
    user_id: Uuid,
    code: &str,
    client: &ClientInfo,
) -> Result<(), AppError> {
    let factor = accounts::second_factor_state(tx, user_id)
        .await?
        .ok_or_else(AppError::sign_in_required)?;
    let enrolment = factor
        .pending
        .as_deref()
        .and_then(|sealed| state.vault.open(sealed))
        .and_then(|plain| serde_json::from_slice::<totp::Enrolment>(&plain).ok())
        .ok_or_else(|| AppError::Conflict {
            field: None,
            message: "The set-up expired. Reload the page to get a new QR code.".into(),
        })?;
    let step = totp::verify(&enrolment.secret, code, Utc::now().timestamp() as u64, None).ok_or_else(|| {
        AppError::field(
            "code",
            "That code does not match. Check that your phone's clock is right, and enter the newest code.",
        )
    })?;
    let hashes: Vec<Vec<u8>> = enrolment
        .recovery_codes
        .iter()
        .map(|c| totp::hash_recovery_code(c))
        .collect();
    let sealed = state.vault.seal(&enrolment.secret);
    accounts::enable_two_factor(tx, org_id, user_id, &sealed, step, &hashes).await?;
    audit_user(
        tx,
        org_id,
        user_id,
        "auth.two_factor_enabled",
        client,
        json!({"after": {"two_factor": true}}),
    )
    .await
}

/// The enrolment a sign-in must complete (the organization requires 2FA).
pub async fn login_enrolment(state: &AppState, challenge: Option<&str>) -> Result<EnrolmentView, AppError> {
    let challenge = read_challenge(state, challenge, ChallengePurpose::Enrol)?;
    let mut tx = state.db.tenant(challenge.org_id).await?;
    let view = enrolment(state, &mut tx, challenge.user_id).await?;
    tx.commit().await?;
    Ok(view)
}

pub async fn confirm_login_enrolment(
    state: &AppState,
    challenge: Option<&str>,
    code: &str,
    client: &ClientInfo,
) -> Result<IssuedTokens, AppError> {
    let challenge = read_challenge(state, challenge, ChallengePurpose::Enrol)?;
    let mut tx = state.db.tenant(challenge.org_id).await?;
    confirm_enrolment(state, &mut tx, challenge.org_id, challenge.user_id, code, client).await?;
    audit_user(
        &mut tx,
        challenge.org_id,
        challenge.user_id,
        "auth.logged_in",
        client,
        json!({}),
    )
    .await?;
    let tokens = start_session(state, &mut tx, challenge.org_id, challenge.user_id, client).await?;
    tx.commit().await?;
    Ok(tokens)
}

/// The organization and email an invitation link is for, if it can still be accepted.
pub async fn invitation(state: &AppState, token: &str) -> Result<(Uuid, staff::OpenInvitation), AppError> {
    let gone = || AppError::NotFound("This invitation link is no longer valid. Ask for a new one.".into());
    let (id, org_id) = staff::invitation_org(state.db.pool(), &hash_token(token))
        .await?
        .ok_or_else(gone)?;
    let mut tx = state.db.tenant(org_id).await?;
    let open = staff::open_invitation(&mut tx, id).await?.ok_or_else(gone)?;
    tx.commit().await?;
    Ok((org_id, open))
}

/// Accepts an invitation: creates the account with the invited access and signs in, or
/// (when the organization requires 2FA) asks for enrolment first.
pub async fn accept_invitation(
    state: &AppState,
    token: &str,
    full_name: &str,
    password: &str,
    client: &ClientInfo,
) -> Result<LoginOutcome, AppError> {
    let (name, password) = match (
        PersonName::parse("full_name", full_name),
        NewPassword::parse("password", password).and_then(password::not_common),
    ) {
        (Ok(name), Ok(password)) => (name, password),
        (name, password) => {
            return Err(AppError::Validation(
                [name.err(), password.err()].into_iter().flatten().collect(),
            ));
        }
    };
    let password_hash = password::hash_password(password).await?;
    let gone = || AppError::NotFound("This invitation link is no longer valid. Ask for a new one.".into());
    let (id, org_id) = staff::invitation_org(state.db.pool(), &hash_token(token))
        .await?
        .ok_or_else(gone)?;
    let mut tx = state.db.tenant(org_id).await?;
    // Locked: two clicks on one link create one account.
    let open = staff::open_invitation(&mut tx, id).await?.ok_or_else(gone)?;
    let user_id = staff::accept_invitation(&mut tx, org_id, &open, name.as_str(), &password_hash).await?;
    audit_user(
        &mut tx,
        org_id,
        user_id,
        "staff.joined",
        client,
        json!({"after": {"email": open.email, "role": open.role.as_str()}}),
    )
    .await?;
    let requires = accounts::second_factor_state(&mut tx, user_id)
        .await?
        .is_some_and(|f| f.org_requires);
    if requires {
        tx.commit().await?;
        let challenge = state.keys.issue_challenge(
            Challenge {
                user_id,
                org_id,
                purpose: ChallengePurpose::Enrol,
            },
            Utc::now(),
        )?;
        return Ok(LoginOutcome::SecondStep {
            challenge,
            purpose: ChallengePurpose::Enrol,
        });
    }
    let tokens = start_session(state, &mut tx, org_id, user_id, client).await?;
    tx.commit().await?;
    Ok(LoginOutcome::SignedIn(tokens))
}

async fn start_session(
    state: &AppState,
    tx: &mut Tx,
    org_id: Uuid,
    user_id: Uuid,
    client: &ClientInfo,
) -> Result<IssuedTokens, AppError> {
    let (session_id, session_expires) = sessions::create_session(tx, org_id, user_id, client).await?;
    let (refresh, hash) = new_token("");
    sessions::insert_refresh_token(tx, org_id, session_id, &hash, session_expires).await?;
    let auth = Authenticated {
        user_id,
        org_id,
        session_id,
    };
    Ok(IssuedTokens {
        auth,
        access: state
            .keys
            .issue_access(auth, Utc::now(), state.config.session.access_ttl)?,
        refresh: Some((refresh, session_expires)),
    })
}

/// Exchanges a refresh token for a new access token and the next refresh token.
///
/// `Ok(None)` means the browser's session is over (unknown, expired, idle, revoked or
/// stolen token) and its cookies should go.
#[tracing::instrument(skip_all)]
pub async fn refresh(state: &AppState, token: &str, client: &ClientInfo) -> Result<Option<IssuedTokens>, AppError> {
    let Some(owner) = sessions::token_owner(state.db.pool(), &hash_token(token)).await? else {
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
    if current.session_expires_at <= now || current.token_expires_at <= now || current.session_idle {
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
        audit_user(
            &mut tx,
            owner.org_id,
            owner.user_id,
            "auth.refresh_token_reused",
            client,
            json!({"after": {"session": owner.session_id}}),
        )
        .await?;
        tx.commit().await?;
        return Ok(None);
    }
    sessions::mark_rotated(&mut tx, owner.token_id).await?;
    let (next, hash) = new_token("");
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
pub async fn log_out(state: &AppState, auth: Authenticated, client: &ClientInfo) -> Result<(), AppError> {
    let mut tx = state.db.tenant(auth.org_id).await?;
    sessions::revoke_session(&mut tx, auth.session_id, "logged out").await?;
    audit_user(&mut tx, auth.org_id, auth.user_id, "auth.logged_out", client, json!({})).await?;
    tx.commit().await?;
    Ok(())
}
