//! Staff: members with their access, and invitations to join.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::Tx;
use crate::{
    domain::{
        access::Role,
        staff::{AccessGrant, InviteInput, MemberAccess, PendingInvitation, StaffMember},
        AppError,
    },
    server::error::internal,
};

fn role(value: &str) -> Result<Role, AppError> {
    Role::parse(value).ok_or_else(|| internal("unknown role", value))
}

/// Everyone in the organization (`only` narrows to one user), by name.
async fn load(tx: &mut Tx, org_id: Uuid, only: Option<Uuid>) -> Result<Vec<StaffMember>, AppError> {
    let users = sqlx::query!(
        r#"select id, full_name, email, is_active, totp_enabled_at is not null as "two_factor!", last_login_at
           from users where org_id = $1 and ($2::uuid is null or id = $2)
           order by full_name, id"#,
        org_id,
        only,
    )
    .fetch_all(&mut **tx)
    .await?;
    let access = sqlx::query!(
        r#"select m.user_id, m.branch_id, b.name as "branch_name?", m.role
           from memberships m left join branches b on b.id = m.branch_id
           where m.org_id = $1 and ($2::uuid is null or m.user_id = $2)
           order by b.name nulls first"#,
        org_id,
        only,
    )
    .fetch_all(&mut **tx)
    .await?;
    let mut by_user: BTreeMap<Uuid, Vec<MemberAccess>> = BTreeMap::new();
    for a in access {
        by_user.entry(a.user_id).or_default().push(MemberAccess {
            branch_id: a.branch_id,
            branch_name: a.branch_name,
            role: role(&a.role)?,
        });
    }
    Ok(users
        .into_iter()
        .map(|u| StaffMember {
            access: by_user.remove(&u.id).unwrap_or_default(),
            user_id: u.id,
            full_name: u.full_name,
            email: u.email,
            is_active: u.is_active,
            two_factor: u.two_factor,
            last_login_at: u.last_login_at,
            last_login_local: None,
        })
        .collect())
}

pub async fn list(tx: &mut Tx, org_id: Uuid) -> Result<Vec<StaffMember>, AppError> {
    load(tx, org_id, None).await
}

pub async fn get(tx: &mut Tx, org_id: Uuid, user_id: Uuid) -> Result<Option<StaffMember>, AppError> {
    Ok(load(tx, org_id, Some(user_id)).await?.pop())
}

/// Replaces a member's access. A branch of another organization fails the composite
/// foreign key (reported as not found).
pub async fn set_access(tx: &mut Tx, org_id: Uuid, user_id: Uuid, grant: &AccessGrant) -> Result<(), AppError> {
    sqlx::query!(
        "delete from memberships where org_id = $1 and user_id = $2",
        org_id,
        user_id
    )
    .execute(&mut **tx)
    .await?;
    insert_access(tx, org_id, user_id, grant).await
}

async fn insert_access(tx: &mut Tx, org_id: Uuid, user_id: Uuid, grant: &AccessGrant) -> Result<(), AppError> {
    let (branches, roles): (Vec<Option<Uuid>>, Vec<String>) = match grant {
        AccessGrant::OrgWide(role) => (vec![None], vec![role.as_str().to_owned()]),
        AccessGrant::Branches(list) => list.iter().map(|(b, r)| (Some(*b), r.as_str().to_owned())).unzip(),
    };
    sqlx::query!(
        "insert into memberships (org_id, user_id, branch_id, role)
         select $1, $2, b, r from unnest($3::uuid[], $4::text[]) as t(b, r)",
        org_id,
        user_id,
        &branches as &[Option<Uuid>],
        &roles,
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Deactivates or reactivates a member; deactivation ends their sessions at once.
pub async fn set_active(tx: &mut Tx, org_id: Uuid, user_id: Uuid, active: bool) -> Result<bool, AppError> {
    let updated = sqlx::query!(
        "update users set is_active = $3, deactivated_at = case when $3 then null else now() end
         where org_id = $1 and id = $2 and is_active <> $3",
        org_id,
        user_id,
        active,
    )
    .execute(&mut **tx)
    .await?;
    if !active {
        sqlx::query!(
            "update sessions set revoked_at = now(), revoked_reason = 'deactivated'
             where user_id = $1 and revoked_at is null",
            user_id,
        )
        .execute(&mut **tx)
        .await?;
    }
    Ok(updated.rows_affected() == 1)
}

pub async fn create_invitation(
    tx: &mut Tx,
    org_id: Uuid,
    invited_by: Uuid,
    input: &InviteInput,
    token_hash: &[u8],
    token_sealed: &[u8],
    expires_at: DateTime<Utc>,
) -> Result<Uuid, AppError> {
    // Inviting the same address again replaces the earlier link.
    sqlx::query!(
        "update invitations set revoked_at = now()
         where org_id = $1 and email = $2 and accepted_at is null and revoked_at is null",
        org_id,
        input.email.as_str(),
    )
    .execute(&mut **tx)
    .await?;
    let id = sqlx::query_scalar!(
        "insert into invitations (org_id, email, role, token_hash, token_sealed, invited_by, expires_at)
         values ($1, $2, $3, $4, $5, $6, $7) returning id",
        org_id,
        input.email.as_str(),
        input.role.as_str(),
        token_hash,
        token_sealed,
        invited_by,
        expires_at,
    )
    .fetch_one(&mut **tx)
    .await?;
    sqlx::query!(
        "insert into invitation_branches (invitation_id, org_id, branch_id) select $1, $2, unnest($3::uuid[])",
        id,
        org_id,
        &input.branches,
    )
    .execute(&mut **tx)
    .await?;
    Ok(id)
}

/// Open invitations, newest first, each with its sealed link.
pub async fn pending_invitations(tx: &mut Tx, org_id: Uuid) -> Result<Vec<(PendingInvitation, Vec<u8>)>, AppError> {
    let rows = sqlx::query!(
        r#"select i.id, i.email, i.role, i.expires_at, i.token_sealed, u.full_name as invited_by,
                  coalesce(array_agg(b.name order by b.name) filter (where b.name is not null), '{}') as "branch_names!"
           from invitations i
           join users u on u.id = i.invited_by
           left join invitation_branches ib on ib.invitation_id = i.id
           left join branches b on b.id = ib.branch_id
           where i.org_id = $1 and i.accepted_at is null and i.revoked_at is null and i.expires_at > now()
           group by i.id, u.full_name
           order by i.created_at desc"#,
        org_id,
    )
    .fetch_all(&mut **tx)
    .await?;
    rows.into_iter()
        .map(|r| {
            let invitation = PendingInvitation {
                id: r.id,
                email: r.email,
                role: role(&r.role)?,
                branch_names: r.branch_names,
                invited_by: r.invited_by,
                expires_at: r.expires_at,
                expires_local: String::new(),
            };
            Ok((invitation, r.token_sealed))
        })
        .collect()
}

/// Withdraws an open invitation; `false` when there is none with that id.
pub async fn revoke_invitation(tx: &mut Tx, org_id: Uuid, id: Uuid) -> Result<bool, AppError> {
    let updated = sqlx::query!(
        "update invitations set revoked_at = now()
         where org_id = $1 and id = $2 and accepted_at is null and revoked_at is null",
        org_id,
        id,
    )
    .execute(&mut **tx)
    .await?;
    Ok(updated.rows_affected() == 1)
}

/// Which organization an invitation link belongs to, before that is known.
pub async fn invitation_org(pool: &sqlx::PgPool, token_hash: &[u8]) -> Result<Option<(Uuid, Uuid)>, AppError> {
    let row = sqlx::query!(
        r#"select invitation_id as "invitation_id!", org_id as "org_id!" from auth_invitation($1)"#,
        token_hash,
    )
    .fetch_optional(pool)
    .await?;
    Ok(row.map(|r| (r.invitation_id, r.org_id)))
}

/// An open invitation as the invited person sees it.
pub struct OpenInvitation {
    pub id: Uuid,
    pub org_name: String,
    pub email: String,
    pub role: Role,
    pub branches: Vec<Uuid>,
}

/// The invitation if it can still be accepted (not used, withdrawn or expired), locked.
pub async fn open_invitation(tx: &mut Tx, id: Uuid) -> Result<Option<OpenInvitation>, AppError> {
    let row = sqlx::query!(
        r#"select i.id, i.email, i.role, o.name as org_name,
                  array(select branch_id from invitation_branches where invitation_id = i.id) as "branches!"
           from invitations i join organizations o on o.id = i.org_id
           where i.id = $1 and i.accepted_at is null and i.revoked_at is null and i.expires_at > now()
           for update of i"#,
        id,
    )
    .fetch_optional(&mut **tx)
    .await?;
    row.map(|r| {
        Ok(OpenInvitation {
            id: r.id,
            org_name: r.org_name,
            email: r.email,
            role: role(&r.role)?,
            branches: r.branches,
        })
    })
    .transpose()
}

/// Creates a staff account with its access.
pub async fn create_member(
    tx: &mut Tx,
    org_id: Uuid,
    email: &str,
    full_name: &str,
    password_hash: &str,
    grant: &AccessGrant,
) -> Result<Uuid, AppError> {
    let user_id = sqlx::query_scalar!(
        "insert into users (org_id, email, full_name, password_hash) values ($1, $2, $3, $4) returning id",
        org_id,
        email,
        full_name,
        password_hash,
    )
    .fetch_one(&mut **tx)
    .await?;
    insert_access(tx, org_id, user_id, grant).await?;
    Ok(user_id)
}

/// Creates the invited user with the invitation's access and marks it used.
pub async fn accept_invitation(
    tx: &mut Tx,
    org_id: Uuid,
    invitation: &OpenInvitation,
    full_name: &str,
    password_hash: &str,
) -> Result<Uuid, AppError> {
    let grant = if invitation.branches.is_empty() {
        AccessGrant::OrgWide(invitation.role)
    } else {
        AccessGrant::Branches(invitation.branches.iter().map(|b| (*b, invitation.role)).collect())
    };
    let user_id = create_member(tx, org_id, &invitation.email, full_name, password_hash, &grant).await?;
    sqlx::query!(
        "update invitations set accepted_at = now() where id = $1",
        invitation.id
    )
    .execute(&mut **tx)
    .await?;
    Ok(user_id)
}

/// The emails of the active owners and admins of a branch (theirs, or the whole
/// organization's).
pub async fn managers_of(tx: &mut Tx, org_id: Uuid, branch_id: Uuid) -> Result<Vec<String>, AppError> {
    Ok(sqlx::query_scalar!(
        "select distinct u.email from memberships m join users u on u.id = m.user_id
         where m.org_id = $1 and (m.branch_id = $2 or m.branch_id is null) and m.role in ('owner', 'admin')
           and u.is_active
         order by u.email",
        org_id,
        branch_id,
    )
    .fetch_all(&mut **tx)
    .await?)
}
