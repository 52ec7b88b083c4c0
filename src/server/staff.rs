//! Staff use cases: the list, invitations, access changes and deactivation.

use chrono::Utc;
use serde_json::json;
use uuid::Uuid;

use super::{
    auth::{context::RequestContext, tokens::new_token},
    db::{branches, staff},
    outbox,
};
use crate::domain::{
    access::{may_grant, may_manage_member, Action, Role, StaffSubject},
    messages::MessageKind,
    staff::{AccessGrant, BranchChoice, InvitationLink, InviteInput, StaffDetail, StaffMember, StaffOverview},
    templates::Values,
    AppError,
};

/// How long an invitation link works.
pub const INVITATION_TTL_DAYS: i64 = 7;

fn member_not_found() -> AppError {
    AppError::not_found("That staff member")
}

/// Whether the caller manages staff at `branch` (organization-wide access is checked by
/// the role rules: only the owner grants it).
fn manages(ctx: &RequestContext, branch: Uuid) -> bool {
    ctx.user
        .branches
        .iter()
        .any(|b| b.id == branch && b.role.can(Action::ManageStaff))
}

fn require_manages_all(ctx: &RequestContext, branches: impl IntoIterator<Item = Uuid>) -> Result<(), AppError> {
    for branch in branches {
        if !manages(ctx, branch) {
            return Err(AppError::Forbidden(
                "You can only give or change access at branches you administer.".into(),
            ));
        }
    }
    Ok(())
}

async fn branch_choices(ctx: &RequestContext) -> Result<Vec<BranchChoice>, AppError> {
    let mut tx = ctx.tenant().await?;
    let all = branches::list(&mut tx, ctx.org_id()).await?;
    tx.commit().await?;
    Ok(all
        .into_iter()
        .filter(|b| manages(ctx, b.id))
        .map(|b| BranchChoice { id: b.id, name: b.name })
        .collect())
}

fn invitation_url(base_url: &str, token: &str) -> String {
    format!("{base_url}/invite/{token}")
}

pub async fn overview(ctx: &RequestContext, base_url: &str) -> Result<StaffOverview, AppError> {
    ctx.require(Action::ViewStaff)?;
    let can_manage = ctx.user.can(Action::ManageStaff);
    let mut tx = ctx.tenant().await?;
    let mut members = staff::list(&mut tx, ctx.org_id()).await?;
    for member in &mut members {
        member.last_login_local = member.last_login_at.map(|t| ctx.local_time(t));
    }
    let invitations = if can_manage {
        staff::pending_invitations(&mut tx, ctx.org_id())
            .await?
            .into_iter()
            .filter_map(|(mut invitation, sealed)| {
                invitation.expires_local = ctx.local_time(invitation.expires_at);
                let token = String::from_utf8(ctx.state.vault.open(&sealed)?).ok()?;
                Some(InvitationLink {
                    invitation,
                    url: invitation_url(base_url, &token),
                })
            })
            .collect()
    } else {
        Vec::new()
    };
    tx.commit().await?;
    Ok(StaffOverview {
        members,
        invitations,
        branches: if can_manage {
            branch_choices(ctx).await?
        } else {
            Vec::new()
        },
        can_manage,
    })
}

pub async fn invite(ctx: &RequestContext, input: &InviteInput, base_url: &str) -> Result<String, AppError> {
    ctx.require(Action::ManageStaff)?;
    if !may_grant(ctx.user.role(), input.role) {
        return Err(AppError::Forbidden(format!(
            "You cannot invite someone as {}.",
            input.role.label().to_lowercase()
        )));
    }
    require_manages_all(ctx, input.branches.iter().copied())?;
    if super::db::sessions::login_candidate(ctx.state.db.pool(), input.email.as_str())
        .await?
        .is_some()
    {
        return Err(AppError::Conflict {
            field: Some("email".into()),
            message: "This person already has a CareOps account.".into(),
        });
    }
    let (token, hash) = new_token("");
    let sealed = ctx.state.vault.seal(token.as_bytes());
    let expires_at = Utc::now() + chrono::Duration::days(INVITATION_TTL_DAYS);
    let mut tx = ctx.tenant().await?;
    let id = staff::create_invitation(
        &mut tx,
        ctx.org_id(),
        ctx.user.user_id,
        input,
        &hash,
        &sealed,
        expires_at,
    )
    .await?;
    ctx.audit(
        &mut tx,
        "staff.invited",
        "invitation",
        Some(id),
        json!({"after": {"email": input.email.as_str(), "role": input.role.as_str(), "branches": input.branches}}),
    )
    .await?;
    // Emailed through the organization's provider, in the invitation's transaction; the
    // inviter sees the link too (the only way while email goes to the log).
    let url = invitation_url(base_url, &token);
    let (role, days) = (input.role.label().to_lowercase(), INVITATION_TTL_DAYS.to_string());
    outbox::email_staff(
        &mut tx,
        ctx.org_id(),
        Some(ctx.user.branch.id),
        MessageKind::StaffInvitation,
        input.email.as_str(),
        Values(&[
            ("clinic", &ctx.user.org_name),
            ("inviter", &ctx.user.full_name),
            ("role", &role),
            ("link", &url),
            ("days", &days),
        ]),
    )
    .await?;
    tx.commit().await?;
    tracing::info!(invitation_id = %id, email = %input.email, "staff invitation created");
    Ok(url)
}

pub async fn revoke_invitation(ctx: &RequestContext, id: Uuid) -> Result<(), AppError> {
    ctx.require(Action::ManageStaff)?;
    let mut tx = ctx.tenant().await?;
    if !staff::revoke_invitation(&mut tx, ctx.org_id(), id).await? {
        return Err(AppError::not_found("That invitation"));
    }
    ctx.audit(&mut tx, "staff.invitation_revoked", "invitation", Some(id), json!({}))
        .await?;
    tx.commit().await?;
    Ok(())
}

async fn load_member(ctx: &RequestContext, id: Uuid) -> Result<StaffMember, AppError> {
    let mut tx = ctx.tenant().await?;
    let member = staff::get(&mut tx, ctx.org_id(), id)
        .await?
        .ok_or_else(member_not_found)?;
    tx.commit().await?;
    Ok(member)
}

/// Why the caller may not change `member`, if they may not.
fn check_manage(ctx: &RequestContext, member: &StaffMember) -> Result<(), AppError> {
    let subject = StaffSubject {
        user_id: member.user_id,
        highest_role: member.highest_role().unwrap_or(Role::Accountant),
    };
    may_manage_member(ctx.user.user_id, ctx.user.role(), subject)
        .map_err(|reason| AppError::Forbidden(reason.into()))?;
    require_manages_all(ctx, member.access.iter().filter_map(|a| a.branch_id))
}

pub async fn detail(ctx: &RequestContext, id: Uuid) -> Result<StaffDetail, AppError> {
    ctx.require(Action::ManageStaff)?;
    let member = load_member(ctx, id).await?;
    let editable = check_manage(ctx, &member).map_err(|e| e.to_string());
    Ok(StaffDetail {
        editable,
        grantable: Role::ASSIGNABLE
            .into_iter()
            .filter(|r| may_grant(ctx.user.role(), *r))
            .collect(),
        branches: branch_choices(ctx).await?,
        member,
    })
}

fn access_snapshot(member: &StaffMember) -> serde_json::Value {
    json!(member
        .access
        .iter()
        .map(|a| json!({"branch": a.branch_name.as_deref().unwrap_or("all branches"), "role": a.role.as_str()}))
        .collect::<Vec<_>>())
}

pub async fn update_access(ctx: &RequestContext, id: Uuid, grant: &AccessGrant) -> Result<(), AppError> {
    ctx.require(Action::ManageStaff)?;
    let before = load_member(ctx, id).await?;
    check_manage(ctx, &before)?;
    for role in grant.roles() {
        if !may_grant(ctx.user.role(), role) {
            return Err(AppError::Forbidden(format!(
                "You cannot make someone {}.",
                role.label().to_lowercase()
            )));
        }
    }
    if let AccessGrant::Branches(list) = grant {
        require_manages_all(ctx, list.iter().map(|(b, _)| *b))?;
    }
    let mut tx = ctx.tenant().await?;
    staff::set_access(&mut tx, ctx.org_id(), id, grant).await?;
    let after = staff::get(&mut tx, ctx.org_id(), id)
        .await?
        .ok_or_else(member_not_found)?;
    ctx.audit(
        &mut tx,
        "staff.access_changed",
        "user",
        Some(id),
        json!({"before": {"access": access_snapshot(&before)}, "after": {"access": access_snapshot(&after)}}),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Deactivating ends the member's sessions at once; reactivating lets them sign in again.
pub async fn set_active(ctx: &RequestContext, id: Uuid, active: bool) -> Result<(), AppError> {
    ctx.require(Action::ManageStaff)?;
    let member = load_member(ctx, id).await?;
    check_manage(ctx, &member)?;
    let mut tx = ctx.tenant().await?;
    if staff::set_active(&mut tx, ctx.org_id(), id, active).await? {
        let action = if active {
            "staff.reactivated"
        } else {
            "staff.deactivated"
        };
        ctx.audit(
            &mut tx,
            action,
            "user",
            Some(id),
            json!({"before": {"active": !active}, "after": {"active": active}}),
        )
        .await?;
    }
    tx.commit().await?;
    Ok(())
}
