//! Organizations, branches, users and memberships.

use uuid::Uuid;

use super::Tx;
use crate::domain::{
    access::Role,
    account::{BranchName, Email, OrgName, PersonName, TimeZone},
    session::{BranchSummary, CurrentUser},
    AppError,
};

pub struct NewOrganization<'a> {
    pub org_name: &'a OrgName,
    pub branch_name: &'a BranchName,
    pub timezone: TimeZone,
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
    insert_organization(tx, org_id, new.org_name).await?;
    let branch_id = create_branch(tx, org_id, new.branch_name, new.timezone).await?;
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
pub async fn create_branch(
    tx: &mut Tx,
    org_id: Uuid,
    name: &BranchName,
    timezone: TimeZone,
) -> Result<Uuid, AppError> {
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
async fn insert_organization(tx: &mut Tx, org_id: Uuid, name: &OrgName) -> Result<(), AppError> {
    let base = portal_slug(name.as_str());
    let candidates = (1..=5)
        .map(|n| {
            if n == 1 {
                base.clone()
            } else {
                format!("{base}-{n}")
            }
        })
        .chain(std::iter::once(format!(
            "{base}-{}",
            &org_id.simple().to_string()[..8]
        )));
    for slug in candidates {
        // `on conflict do nothing` keeps the transaction usable when the slug is taken.
        let inserted = sqlx::query_scalar!(
            "insert into organizations (id, name, slug) values ($1, $2, $3)
             on conflict (slug) do nothing returning id",
            org_id,
            name.as_str(),
            slug,
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

/// The signed-in user with their current branch and role there. The current branch is
/// the one they last chose if they still belong to it, else their first branch.
#[tracing::instrument(skip_all, fields(%user_id))]
pub async fn current_user(tx: &mut Tx, user_id: Uuid) -> Result<Option<CurrentUser>, AppError> {
    let row = sqlx::query!(
        r#"
        select u.id, u.full_name, u.email, u.org_id, o.name as org_name,
               b.id as branch_id, b.name as branch_name, b.timezone, m.role
        from users u
        join organizations o on o.id = u.org_id
        join memberships m on m.user_id = u.id
        join branches b on b.org_id = u.org_id and (m.branch_id = b.id or m.branch_id is null)
        where u.id = $1 and u.is_active
        order by b.id is not distinct from u.current_branch_id desc,
                 m.branch_id is null desc,
                 b.created_at, b.id
        limit 1
        "#,
        user_id,
    )
    .fetch_optional(&mut **tx)
    .await?;

    row.map(|r| {
        let role = Role::parse(&r.role)
            .ok_or_else(|| super::super::error::internal("unknown role", &r.role))?;
        Ok(CurrentUser {
            user_id: r.id,
            full_name: r.full_name,
            email: r.email,
            org_id: r.org_id,
            org_name: r.org_name,
            branch: BranchSummary {
                id: r.branch_id,
                name: r.branch_name,
                timezone: r.timezone,
            },
            role,
        })
    })
    .transpose()
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
