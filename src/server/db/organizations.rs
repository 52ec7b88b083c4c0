//! Organization-wide settings.

use uuid::Uuid;

use super::Tx;
use crate::domain::{
    organization::{OrganizationProfile, SecurityPolicy},
    AppError,
};

/// The organization's currency (ISO 4217).
pub async fn currency(tx: &mut Tx, org_id: Uuid) -> Result<String, AppError> {
    Ok(
        sqlx::query_scalar!("select currency from organizations where id = $1", org_id)
            .fetch_one(&mut **tx)
            .await?,
    )
}

/// The organization's name and currency.
pub async fn profile(tx: &mut Tx, org_id: Uuid) -> Result<OrganizationProfile, AppError> {
    let row = sqlx::query!(
        "select name, currency, allow_negative_stock from organizations where id = $1",
        org_id
    )
    .fetch_one(&mut **tx)
    .await?;
    Ok(OrganizationProfile {
        name: row.name,
        currency: row.currency,
        allow_negative_stock: row.allow_negative_stock,
    })
}

pub async fn set_profile(tx: &mut Tx, org_id: Uuid, profile: &OrganizationProfile) -> Result<(), AppError> {
    sqlx::query!(
        "update organizations set name = $2, currency = $3, allow_negative_stock = $4 where id = $1",
        org_id,
        profile.name,
        profile.currency,
        profile.allow_negative_stock,
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The setup steps done at `branch_id` (see `SetupChecklist`), whether the checklist was
/// hidden, and the booking page's slug.
pub async fn setup_steps(tx: &mut Tx, org_id: Uuid, branch_id: Uuid) -> Result<SetupSteps, AppError> {
    let row = sqlx::query!(
        r#"
        select
            exists (select 1 from working_hours w where w.org_id = $1 and w.branch_id = $2) as "hours!",
            exists (select 1 from services s where s.org_id = $1 and s.active) as "service!",
            (select count(*) from users u where u.org_id = $1 and u.is_active) > 1
                or exists (select 1 from invitations i where i.org_id = $1 and i.revoked_at is null) as "team!",
            exists (
                select 1 from services s
                where s.org_id = $1 and s.active and s.online_bookable
                  and exists (
                      select 1 from working_hours w join users u on u.id = w.user_id and u.is_active
                      where w.org_id = $1 and w.branch_id = $2
                        and (not exists (select 1 from service_practitioners sp where sp.service_id = s.id)
                             or exists (select 1 from service_practitioners sp
                                        where sp.service_id = s.id and sp.user_id = w.user_id)))
            ) as "bookable!",
            exists (select 1 from appointments a where a.org_id = $1 and a.source = 'portal') as "booked_online!",
            o.setup_dismissed_at is not null as "dismissed!",
            o.slug
        from organizations o where o.id = $1
        "#,
        org_id,
        branch_id,
    )
    .fetch_one(&mut **tx)
    .await?;
    Ok(SetupSteps {
        hours: row.hours,
        service: row.service,
        team: row.team,
        bookable: row.bookable,
        booked_online: row.booked_online,
        dismissed: row.dismissed,
        slug: row.slug,
    })
}

pub struct SetupSteps {
    pub hours: bool,
    pub service: bool,
    pub team: bool,
    pub bookable: bool,
    pub booked_online: bool,
    pub dismissed: bool,
    pub slug: String,
}

pub async fn dismiss_setup(tx: &mut Tx, org_id: Uuid) -> Result<(), AppError> {
    sqlx::query!(
        "update organizations set setup_dismissed_at = coalesce(setup_dismissed_at, now()) where id = $1",
        org_id
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}

pub async fn security_policy(tx: &mut Tx, org_id: Uuid) -> Result<SecurityPolicy, AppError> {
    let row = sqlx::query!(
        "select require_two_factor, session_idle_minutes, session_max_hours from organizations where id = $1",
        org_id,
    )
    .fetch_one(&mut **tx)
    .await?;
    Ok(SecurityPolicy {
        require_two_factor: row.require_two_factor,
        session_idle_minutes: row.session_idle_minutes,
        session_max_hours: row.session_max_hours,
    })
}

/// Stores the policy. Turning two-factor on ends the sessions of everyone who has not
/// set it up, so that they meet the policy at their next sign-in.
pub async fn set_security_policy(tx: &mut Tx, org_id: Uuid, policy: &SecurityPolicy) -> Result<u64, AppError> {
    sqlx::query!(
        "update organizations set require_two_factor = $2, session_idle_minutes = $3, session_max_hours = $4
         where id = $1",
        org_id,
        policy.require_two_factor,
        policy.session_idle_minutes,
        policy.session_max_hours,
    )
    .execute(&mut **tx)
    .await?;
    if !policy.require_two_factor {
        return Ok(0);
    }
    let ended = sqlx::query!(
        "update sessions s set revoked_at = now(), revoked_reason = 'two-factor required'
         from users u
         where s.user_id = u.id and s.org_id = $1 and s.revoked_at is null and u.totp_enabled_at is null",
        org_id,
    )
    .execute(&mut **tx)
    .await?;
    Ok(ended.rows_affected())
}
