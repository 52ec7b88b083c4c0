//! Use cases of one's own account (two-factor, sessions, API tokens) and of the
//! organization: its name and currency, the setup checklist, the security policy and the
//! audit log.

use chrono::Utc;
use serde_json::json;
use uuid::Uuid;

use super::{
    auth::{context::RequestContext, service, throttle, tokens::new_token, totp},
    db::{accounts, api_tokens, audit, organizations, sessions, staff},
    error::internal,
    qr,
};
use crate::domain::{
    access::Action,
    account::{ApiTokenInfo, DeviceSession, TwoFactorStatus},
    audit::{AuditActor, AuditPage, AuditQuery, AUDIT_PAGE_SIZE},
    organization::{OrganizationProfile, SecurityPolicy, SetupChecklist},
    time::zone,
    AppError,
};

pub async fn two_factor(ctx: &RequestContext) -> Result<TwoFactorStatus, AppError> {
    ctx.require(Action::ManageOwnAccount)?;
    let mut tx = ctx.tenant().await?;
    let policy = organizations::security_policy(&mut tx, ctx.org_id()).await?;
    let status = if ctx.user.two_factor {
        TwoFactorStatus {
            enabled: true,
            recovery_codes_left: accounts::unused_recovery_codes(&mut tx, ctx.user.user_id).await?,
            required_by_organization: policy.require_two_factor,
            enrolment: None,
        }
    } else {
        TwoFactorStatus {
            enabled: false,
            recovery_codes_left: 0,
            required_by_organization: policy.require_two_factor,
            enrolment: Some(service::enrolment(&ctx.state, &mut tx, ctx.user.user_id).await?),
        }
    };
    tx.commit().await?;
    Ok(status)
}

pub async fn enable_two_factor(ctx: &RequestContext, code: &str) -> Result<(), AppError> {
    ctx.require(Action::ManageOwnAccount)?;
    if ctx.user.two_factor {
        return Err(AppError::Conflict {
            field: None,
            message: "Two-factor authentication is already on.".into(),
        });
    }
    let mut tx = ctx.tenant().await?;
    service::confirm_enrolment(&ctx.state, &mut tx, ctx.org_id(), ctx.user.user_id, code, &ctx.client).await?;
    tx.commit().await?;
    Ok(())
}

/// Turning two-factor off takes a current code, and is refused while the organization
/// requires it.
pub async fn disable_two_factor(ctx: &RequestContext, code: &str) -> Result<(), AppError> {
    ctx.require(Action::ManageOwnAccount)?;
    let mut tx = ctx.tenant().await?;
    let factor = accounts::second_factor_state(&mut tx, ctx.user.user_id)
        .await?
        .ok_or_else(AppError::sign_in_required)?;
    if factor.org_requires {
        return Err(AppError::Forbidden(
            "Your organization requires two-factor authentication, so it cannot be turned off.".into(),
        ));
    }
    let secret = factor
        .secret
        .as_deref()
        .and_then(|sealed| ctx.state.vault.open(sealed))
        .ok_or_else(|| AppError::Conflict {
            field: None,
            message: "Two-factor authentication is not on.".into(),
        })?;
    // Guesses count like those at sign-in: someone at an unlocked screen gets no more.
    let pool = ctx.state.db.pool();
    let attempt = throttle::begin(
        pool,
        throttle::Kind::SecondFactor,
        &ctx.user.user_id.to_string(),
        ctx.client.ip.as_deref(),
        ctx.state.config.login_attempts_per_ip_minute,
    )
    .await?;
    totp::verify(&secret, code, Utc::now().timestamp() as u64, factor.last_step)
        .ok_or_else(|| AppError::field("code", "That code is not right. Enter the newest code from your app."))?;
    attempt.succeeded(pool).await?;
    accounts::disable_two_factor(&mut tx, ctx.user.user_id).await?;
    ctx.audit(
        &mut tx,
        "auth.two_factor_disabled",
        "user",
        Some(ctx.user.user_id),
        json!({"before": {"two_factor": true}, "after": {"two_factor": false}}),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

pub async fn sessions(ctx: &RequestContext) -> Result<Vec<DeviceSession>, AppError> {
    ctx.require(Action::ManageOwnAccount)?;
    let mut tx = ctx.tenant().await?;
    let mut list = sessions::list_for_user(&mut tx, ctx.user.user_id, ctx.session_id().unwrap_or_default()).await?;
    tx.commit().await?;
    for session in &mut list {
        session.last_seen_local = ctx.local_time(session.last_seen_at);
    }
    Ok(list)
}

/// Ends one of the caller's own sessions (another person's is not found).
pub async fn revoke_session(ctx: &RequestContext, id: Uuid) -> Result<(), AppError> {
    ctx.require(Action::ManageOwnAccount)?;
    let mut tx = ctx.tenant().await?;
    if !sessions::revoke_own(&mut tx, ctx.user.user_id, id).await? {
        return Err(AppError::not_found("That session"));
    }
    ctx.audit(&mut tx, "session.revoked", "session", Some(id), json!({}))
        .await?;
    tx.commit().await?;
    Ok(())
}

pub async fn api_tokens(ctx: &RequestContext) -> Result<Vec<ApiTokenInfo>, AppError> {
    ctx.require(Action::ManageOwnAccount)?;
    let mut tx = ctx.tenant().await?;
    let mut list = api_tokens::list(&mut tx, ctx.user.user_id).await?;
    tx.commit().await?;
    for token in &mut list {
        token.created_local = ctx.local_time(token.created_at);
    }
    Ok(list)
}

/// Creates a token acting as the caller; the secret is returned this once.
pub async fn create_api_token(ctx: &RequestContext, name: &str) -> Result<String, AppError> {
    ctx.require(Action::ManageOwnAccount)?;
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 80 {
        return Err(AppError::field(
            "name",
            "Name the token (up to 80 characters), e.g. the integration that uses it.",
        ));
    }
    let (token, hash) = new_token("cop_");
    let mut tx = ctx.tenant().await?;
    let id = api_tokens::create(&mut tx, ctx.org_id(), ctx.user.user_id, name, &hash).await?;
    ctx.audit(
        &mut tx,
        "api_token.created",
        "api_token",
        Some(id),
        json!({"after": {"name": name}}),
    )
    .await?;
    tx.commit().await?;
    Ok(token)
}

pub async fn revoke_api_token(ctx: &RequestContext, id: Uuid) -> Result<(), AppError> {
    ctx.require(Action::ManageOwnAccount)?;
    let mut tx = ctx.tenant().await?;
    if !api_tokens::revoke(&mut tx, ctx.user.user_id, id).await? {
        return Err(AppError::not_found("That API token"));
    }
    ctx.audit(&mut tx, "api_token.revoked", "api_token", Some(id), json!({}))
        .await?;
    tx.commit().await?;
    Ok(())
}

pub async fn organization(ctx: &RequestContext) -> Result<OrganizationProfile, AppError> {
    ctx.require(Action::ManageOrganization)?;
    let mut tx = ctx.tenant().await?;
    let profile = organizations::profile(&mut tx, ctx.org_id()).await?;
    tx.commit().await?;
    Ok(profile)
}

/// Renames the organization or changes its currency; the currency is fixed once an
/// invoice has been issued in it.
pub async fn save_organization(ctx: &RequestContext, profile: &OrganizationProfile) -> Result<(), AppError> {
    ctx.require(Action::ManageOrganization)?;
    let mut tx = ctx.tenant().await?;
    let before = organizations::profile(&mut tx, ctx.org_id()).await?;
    if before.currency != profile.currency && super::db::invoices::any_issued(&mut tx, ctx.org_id()).await? {
        return Err(AppError::field(
            "currency",
            format!(
                "Invoices have been issued in {}, so the currency stays {}.",
                before.currency, before.currency
            ),
        ));
    }
    organizations::set_profile(&mut tx, ctx.org_id(), profile).await?;
    ctx.audit(
        &mut tx,
        "organization.changed",
        "organization",
        Some(ctx.org_id()),
        audit::changes(&json!(before), &json!(profile)),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The setup checklist, while it has a step left and nobody hid it.
pub async fn setup_checklist(ctx: &RequestContext) -> Result<Option<SetupChecklist>, AppError> {
    ctx.require(Action::ManageBranches)?;
    let mut tx = ctx.tenant().await?;
    let steps = organizations::setup_steps(&mut tx, ctx.org_id(), ctx.user.branch.id).await?;
    tx.commit().await?;
    if steps.dismissed {
        return Ok(None);
    }
    let mut checklist = SetupChecklist {
        hours: steps.hours,
        service: steps.service,
        team: steps.team,
        bookable: steps.bookable,
        booked_online: steps.booked_online,
        portal_url: format!("{}/book/{}", ctx.base_url, steps.slug),
        qr_svg: String::new(),
    };
    // Every home page of a set-up clinic asks: the QR code is drawn only while it is shown.
    if checklist.done() {
        return Ok(None);
    }
    checklist.qr_svg = qr::svg(&checklist.portal_url).ok_or_else(|| internal("qr code", "booking link too long"))?;
    Ok(Some(checklist))
}

/// Hides the setup checklist for everyone in the organization.
pub async fn dismiss_setup(ctx: &RequestContext) -> Result<(), AppError> {
    ctx.require(Action::ManageBranches)?;
    let mut tx = ctx.tenant().await?;
    organizations::dismiss_setup(&mut tx, ctx.org_id()).await?;
    ctx.audit(
        &mut tx,
        "organization.setup_hidden",
        "organization",
        Some(ctx.org_id()),
        json!({}),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

pub async fn security_policy(ctx: &RequestContext) -> Result<SecurityPolicy, AppError> {
    ctx.require(Action::ManageSecurityPolicy)?;
    let mut tx = ctx.tenant().await?;
    let policy = organizations::security_policy(&mut tx, ctx.org_id()).await?;
    tx.commit().await?;
    Ok(policy)
}

/// Stores the policy; requiring two-factor ends the sessions of staff without it.
pub async fn set_security_policy(ctx: &RequestContext, policy: &SecurityPolicy) -> Result<u64, AppError> {
    ctx.require(Action::ManageSecurityPolicy)?;
    if policy.require_two_factor && !ctx.user.two_factor {
        return Err(AppError::Conflict {
            field: Some("require_two_factor".into()),
            message: "Turn on two-factor authentication for your own account first (Account page).".into(),
        });
    }
    let mut tx = ctx.tenant().await?;
    let before = organizations::security_policy(&mut tx, ctx.org_id()).await?;
    let ended = organizations::set_security_policy(&mut tx, ctx.org_id(), policy).await?;
    ctx.audit(
        &mut tx,
        "organization.security_changed",
        "organization",
        Some(ctx.org_id()),
        audit::changes(&json!(before), &json!(policy)),
    )
    .await?;
    tx.commit().await?;
    Ok(ended)
}

/// One page of the log, filtered by days in the caller's branch time zone.
pub async fn audit_log(ctx: &RequestContext, query: &AuditQuery) -> Result<AuditPage, AppError> {
    ctx.require(Action::ViewAuditLog)?;
    let filter = query.parse(zone(&ctx.user.branch.timezone))?;
    let mut tx = ctx.tenant().await?;
    let mut records = audit::list(&mut tx, ctx.org_id(), &filter).await?;
    let actors = staff::list(&mut tx, ctx.org_id())
        .await?
        .into_iter()
        .map(|m| AuditActor {
            id: m.user_id,
            name: m.full_name,
        })
        .collect();
    tx.commit().await?;
    for record in &mut records {
        record.at_local = ctx.local_time(record.at);
    }
    let next_before = (records.len() as i64 > AUDIT_PAGE_SIZE).then(|| {
        records.truncate(AUDIT_PAGE_SIZE as usize);
        records.last().map(|r| r.id)
    });
    Ok(AuditPage {
        records,
        next_before: next_before.flatten(),
        actors,
    })
}
