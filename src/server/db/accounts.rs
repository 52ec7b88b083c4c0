//! Organizations, branches, users and memberships.

use uuid::Uuid;

use super::{Pool, Tx};
use crate::{
    domain::{
        access::Role,
        account::{BranchName, Email, OrgName, PersonName, TimeZone},
        contact::Phone,
        session::{BranchAccess, CurrentUser},
        AppError,
    },
    server::error::internal,
};

pub struct NewOrganization<'a> {
    pub org_name: &'a OrgName,
    pub branch_name: &'a BranchName,
    pub timezone: TimeZone,
    /// ISO 4217.
    pub currency: &'a str,
    pub address: &'a str,
    pub phone: Option<&'a Phone>,
    pub owner_name: &'a PersonName,
    pub owner_email: &'a Email,
    pub password_hash: &'a str,
}

pub struct CreatedOrganization {
    pub user_id: Uuid,
    pub branch_id: Uuid,
}

/// Creates the organization, its first branch and its owner. `tx` must be scoped to
/// `org_id` (see `Db::tenant`), which the caller chose.
#[tracing::instrument(skip_all, fields(%org_id))]
pub async fn create_organization(
    tx: &mut Tx,
    org_id: Uuid,
    new: NewOrganization<'_>,
) -> Result<CreatedOrganization, AppError> {
    insert_organization(tx, org_id, new.org_name, new.currency).await?;
    let branch_id = create_branch(tx, org_id, new.branch_name, new.timezone).await?;
    sqlx::query!(
        "update branches set address = $3, phone = $4 where org_id = $1 and id = $2",
        org_id,
        branch_id,
        new.address,
        new.phone.map_or("", |p| p.as_str()),
    )
    .execute(&mut **tx)
    .await?;
    let user_id = sqlx::query_scalar!(
        "insert into users (org_id, email, full_name, password_hash, current_branch_id)
         values ($1, $2, $3, $4, $5) returning id",
        org_id,
        new.owner_email.as_str(),
        new.owner_name.as_str(),
        new.password_hash,
        branch_id,
    )
    .fetch_one(&mut **tx)
    .await?;
    sqlx::query!(
        "insert into memberships (org_id, user_id, branch_id, role) values ($1, $2, null, $3)",
        org_id,
        user_id,
        Role::Owner.as_str(),
    )
    .execute(&mut **tx)
    .await?;
    Ok(CreatedOrganization { user_id, branch_id })
}

/// Adds a branch to the organization `tx` is scoped to.
pub async fn create_branch(tx: &mut Tx, org_id: Uuid, name: &BranchName, timezone: TimeZone) -> Result<Uuid, AppError> {
    let id = sqlx::query_scalar!(
        "insert into branches (org_id, name, timezone) values ($1, $2, $3) returning id",
        org_id,
        name.as_str(),
        timezone.name(),
    )
    .fetch_one(&mut **tx)
    .await?;
    Ok(id)
}

/// Inserts the organization under the first free slug derived from its name.
async fn insert_organization(tx: &mut Tx, org_id: Uuid, name: &OrgName, currency: &str) -> Result<(), AppError> {
    let base = portal_slug(name.as_str());
    let candidates = (1..=5)
        .map(|n| if n == 1 { base.clone() } else { format!("{base}-{n}") })
        .chain(std::iter::once(format!("{base}-{}", &org_id.simple().to_string()[..8])));
    for slug in candidates {
        // `on conflict do nothing` keeps the transaction usable when the slug is taken.
        let inserted = sqlx::query_scalar!(
            "insert into organizations (id, name, slug, currency) values ($1, $2, $3, $4)
             on conflict (slug) do nothing returning id",
            org_id,
            name.as_str(),
            slug,
            currency,
        )
        .fetch_optional(&mut **tx)
        .await?;
        if inserted.is_some() {
            return Ok(());
        }
    }
    Err(AppError::Conflict {
        field: Some("org_name".into()),
        message: "Please choose a more distinctive organization name.".into(),
    })
}

/// The booking portal's address part: `Zürich Physio & Co.` → `zurich-physio-co`.
fn portal_slug(name: &str) -> String {
    let slug: String = slug::slugify(name).chars().take(48).collect();
    let slug = slug.trim_end_matches('-');
    if slug.is_empty() {
        "clinic".to_owned()
    } else {
        slug.to_owned()
    }
}

/// One row of `caller_rows`: the user, and one branch they may work in.
struct CallerRow {
    credential_id: Uuid,
    user_id: Uuid,
    full_name: String,
    email: String,
    org_id: Uuid,
    current_branch_id: Option<Uuid>,
    two_factor: bool,
    org_name: String,
    branch_id: Uuid,
    branch_name: String,
    timezone: String,
    role: String,
}

/// The caller behind a browser session (its organization and user come from the signed
/// access token), in one statement: `None` when the session is no longer live (revoked,
/// expired, idle too long) or the user is inactive or belongs nowhere. Records the
/// session's use at most once a minute.
#[tracing::instrument(skip_all, fields(%session_id, %user_id))]
pub async fn session_caller(
    pool: &Pool,
    org_id: Uuid,
    session_id: Uuid,
    user_id: Uuid,
) -> Result<Option<CurrentUser>, AppError> {
    let rows = sqlx::query_as!(
        CallerRow,
        r#"select credential_id as "credential_id!", user_id as "user_id!", full_name as "full_name!",
                  email as "email!", org_id as "org_id!", current_branch_id, two_factor as "two_factor!",
                  org_name as "org_name!", branch_id as "branch_id!", branch_name as "branch_name!",
                  timezone as "timezone!", role as "role!"
           from session_caller($1, $2, $3)"#,
        org_id,
        session_id,
        user_id,
    )
    .fetch_all(pool)
    .await?;
    Ok(caller(rows, None)?.map(|(_, user)| user))
}

/// The caller behind an API token, in one statement: the token's id and its user, whose
/// current branch is `requested` (`X-Branch-Id`) or the one they last chose. `None` when
/// the token is unknown or revoked, or its user inactive or nowhere. Records the token's
/// use at most once a minute.
#[tracing::instrument(skip_all)]
pub async fn api_caller(
    pool: &Pool,
    token_hash: &[u8],
    requested: Option<Uuid>,
) -> Result<Option<(Uuid, CurrentUser)>, AppError> {
    let rows = sqlx::query_as!(
        CallerRow,
        r#"select credential_id as "credential_id!", user_id as "user_id!", full_name as "full_name!",
                  email as "email!", org_id as "org_id!", current_branch_id, two_factor as "two_factor!",
                  org_name as "org_name!", branch_id as "branch_id!", branch_name as "branch_name!",
                  timezone as "timezone!", role as "role!"
           from api_caller($1)"#,
        token_hash,
    )
    .fetch_all(pool)
    .await?;
    caller(rows, requested)
}

/// The user with every branch they may work in and their role there; the current branch
/// is `requested` or, without one, the branch they last chose if they still belong to it,
/// else their first. `Forbidden` when `requested` is not one of theirs.
fn caller(rows: Vec<CallerRow>, requested: Option<Uuid>) -> Result<Option<(Uuid, CurrentUser)>, AppError> {
    let Some(first) = rows.first() else {
        return Ok(None);
    };
    let (credential_id, chosen) = (first.credential_id, first.current_branch_id);
    let (user_id, two_factor, org_id) = (first.user_id, first.two_factor, first.org_id);
    let (full_name, email, org_name) = (first.full_name.clone(), first.email.clone(), first.org_name.clone());
    let mut branches: Vec<BranchAccess> = Vec::with_capacity(rows.len());
    for r in rows {
        let role = Role::parse(&r.role).ok_or_else(|| internal("unknown role", &r.role))?;
        match branches.iter_mut().find(|b| b.id == r.branch_id) {
            // Both an organization-wide and a branch role: the stronger one counts.
            Some(existing) => existing.role = existing.role.min(role),
            None => branches.push(BranchAccess {
                id: r.branch_id,
                name: r.branch_name,
                timezone: r.timezone,
                role,
            }),
        }
    }
    let current = match requested {
        Some(id) => match branches.iter().find(|b| b.id == id) {
            Some(branch) => branch.clone(),
            None => return Err(AppError::Forbidden("You have no access to this branch.".into())),
        },
        None => match branches.iter().find(|b| Some(b.id) == chosen).or(branches.first()) {
            Some(branch) => branch.clone(),
            None => return Ok(None),
        },
    };
    Ok(Some((
        credential_id,
        CurrentUser {
            user_id,
            full_name,
            email,
            two_factor,
            org_id,
            org_name,
            branch: current,
            branches,
        },
    )))
}

/// Remembers the branch the user works in; the caller checked they belong to it.
pub async fn set_current_branch(tx: &mut Tx, user_id: Uuid, branch_id: Uuid) -> Result<(), AppError> {
    sqlx::query!(
        "update users set current_branch_id = $2 where id = $1",
        user_id,
        branch_id
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// What the sign-in steps need to know about a user's second factor.
pub struct SecondFactorState {
    pub email: String,
    /// Encrypted TOTP secret, once enrolment is confirmed.
    pub secret: Option<Vec<u8>>,
    /// Encrypted enrolment in progress.
    pub pending: Option<Vec<u8>>,
    pub last_step: Option<i64>,
    pub org_requires: bool,
}

pub async fn second_factor_state(tx: &mut Tx, user_id: Uuid) -> Result<Option<SecondFactorState>, AppError> {
    let row = sqlx::query!(
        r#"select u.email, u.totp_secret, u.totp_pending, u.totp_last_step, o.require_two_factor
           from users u join organizations o on o.id = u.org_id
           where u.id = $1 and u.is_active
           for update of u"#,
        user_id,
    )
    .fetch_optional(&mut **tx)
    .await?;
    Ok(row.map(|r| SecondFactorState {
        email: r.email,
        secret: r.totp_secret,
        pending: r.totp_pending,
        last_step: r.totp_last_step,
        org_requires: r.require_two_factor,
    }))
}

pub async fn set_pending_enrolment(tx: &mut Tx, user_id: Uuid, sealed: &[u8]) -> Result<(), AppError> {
    sqlx::query!("update users set totp_pending = $2 where id = $1", user_id, sealed)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Turns two-factor on with the confirmed secret and stores the recovery codes' hashes.
pub async fn enable_two_factor(
    tx: &mut Tx,
    org_id: Uuid,
    user_id: Uuid,
    sealed_secret: &[u8],
    step: i64,
    recovery_hashes: &[Vec<u8>],
) -> Result<(), AppError> {
    sqlx::query!(
        "update users set totp_secret = $2, totp_pending = null, totp_enabled_at = now(), totp_last_step = $3
         where id = $1",
        user_id,
        sealed_secret,
        step,
    )
    .execute(&mut **tx)
    .await?;
    sqlx::query!("delete from recovery_codes where user_id = $1", user_id)
        .execute(&mut **tx)
        .await?;
    sqlx::query!(
        "insert into recovery_codes (org_id, user_id, code_hash) select $1, $2, unnest($3::bytea[])",
        org_id,
        user_id,
        recovery_hashes,
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}

pub async fn disable_two_factor(tx: &mut Tx, user_id: Uuid) -> Result<(), AppError> {
    sqlx::query!(
        "update users set totp_secret = null, totp_pending = null, totp_enabled_at = null, totp_last_step = null
         where id = $1",
        user_id,
    )
    .execute(&mut **tx)
    .await?;
    sqlx::query!("delete from recovery_codes where user_id = $1", user_id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

pub async fn record_totp_step(tx: &mut Tx, user_id: Uuid, step: i64) -> Result<(), AppError> {
    sqlx::query!("update users set totp_last_step = $2 where id = $1", user_id, step)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Spends a recovery code; false when it is unknown or already used.
pub async fn use_recovery_code(tx: &mut Tx, user_id: Uuid, code_hash: &[u8]) -> Result<bool, AppError> {
    let used = sqlx::query!(
        "update recovery_codes set used_at = now()
         where user_id = $1 and code_hash = $2 and used_at is null",
        user_id,
        code_hash,
    )
    .execute(&mut **tx)
    .await?;
    Ok(used.rows_affected() == 1)
}

pub async fn unused_recovery_codes(tx: &mut Tx, user_id: Uuid) -> Result<i64, AppError> {
    Ok(sqlx::query_scalar!(
        r#"select count(*) as "count!" from recovery_codes where user_id = $1 and used_at is null"#,
        user_id
    )
    .fetch_one(&mut **tx)
    .await?)
}

#[cfg(test)]
mod tests {
    use super::portal_slug;

    #[test]
    fn portal_slug_is_ascii_and_bounded() {
        assert_eq!(portal_slug("Zürich Physio & Co."), "zurich-physio-co");
        assert_eq!(portal_slug("Dr. Ada's Clinic"), "dr-ada-s-clinic");
        assert_eq!(portal_slug("!!!"), "clinic");
        assert!(portal_slug(&"long name ".repeat(20)).len() <= 48);
    }
}
