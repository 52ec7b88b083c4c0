//! Staff members, their access (a role per branch, or organization-wide), and
//! invitations to join.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{
    access::Role,
    account::Email,
    error::{AppError, FieldError},
};

/// One role held by a staff member: at one branch, or (no branch) everywhere.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberAccess {
    pub branch_id: Option<Uuid>,
    pub branch_name: Option<String>,
    pub role: Role,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StaffMember {
    pub user_id: Uuid,
    pub full_name: String,
    pub email: String,
    pub is_active: bool,
    pub two_factor: bool,
    pub last_login_at: Option<DateTime<Utc>>,
    /// `last_login_at` in the viewer's branch time zone.
    #[serde(default)]
    pub last_login_local: Option<String>,
    pub access: Vec<MemberAccess>,
}

impl StaffMember {
    /// Their most powerful role anywhere (roles are ordered owner first).
    pub fn highest_role(&self) -> Option<Role> {
        self.access.iter().map(|a| a.role).min()
    }

    pub fn org_wide_role(&self) -> Option<Role> {
        self.access.iter().find(|a| a.branch_id.is_none()).map(|a| a.role)
    }

    pub fn role_at(&self, branch_id: Uuid) -> Option<Role> {
        self.access
            .iter()
            .find(|a| a.branch_id == Some(branch_id))
            .map(|a| a.role)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingInvitation {
    pub id: Uuid,
    pub email: String,
    pub role: Role,
    /// Empty when the invitation is for the whole organization.
    pub branch_names: Vec<String>,
    pub invited_by: String,
    pub expires_at: DateTime<Utc>,
    /// `expires_at` in the viewer's branch time zone.
    #[serde(default)]
    pub expires_local: String,
}

/// The access to give someone: one role everywhere (administrators only), or a role per
/// branch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AccessGrant {
    OrgWide(Role),
    Branches(Vec<(Uuid, Role)>),
}

/// One row of the access form: a branch and the role there (empty for no access).
/// Forms send them as `roles[0][branch]`, `roles[0][role]`, … (a map keyed by branch id
/// would not do: serde_qs reads a key that starts with a digit as a list index).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BranchRoleInput {
    pub branch: String,
    #[serde(default)]
    pub role: String,
}

impl AccessGrant {
    /// From the staff form: `org_role` ("admin" or empty) and a role per branch.
    pub fn parse(org_role: &str, roles: &[BranchRoleInput]) -> Result<Self, AppError> {
        if !org_role.trim().is_empty() {
            return match Role::parse(org_role.trim()) {
                Some(role) if role.may_be_org_wide() => Ok(Self::OrgWide(role)),
                _ => Err(AppError::field(
                    "org_role",
                    "Only administrators can work across the whole organization.",
                )),
            };
        }
        let mut branches = Vec::new();
        for BranchRoleInput { branch, role } in roles {
            if role.trim().is_empty() {
                continue;
            }
            let branch =
                Uuid::parse_str(branch).map_err(|_| AppError::BadRequest("Unknown branch in the form.".into()))?;
            let role = Role::parse(role.trim())
                .filter(|r| Role::ASSIGNABLE.contains(r))
                .ok_or_else(|| AppError::field("roles", "Choose a role from the list."))?;
            branches.push((branch, role));
        }
        if branches.is_empty() {
            return Err(AppError::field("roles", "Give access to at least one branch."));
        }
        branches.sort();
        Ok(Self::Branches(branches))
    }

    pub fn roles(&self) -> Vec<Role> {
        match self {
            Self::OrgWide(role) => vec![*role],
            Self::Branches(list) => list.iter().map(|(_, r)| *r).collect(),
        }
    }
}

/// The access form as posted: `org_role` ("admin" when ticked) and a role per branch.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct StaffAccessForm {
    pub org_role: Option<String>,
    pub roles: Vec<BranchRoleInput>,
}

impl StaffAccessForm {
    pub fn parse(&self) -> Result<AccessGrant, AppError> {
        AccessGrant::parse(self.org_role.as_deref().unwrap_or_default(), &self.roles)
    }
}

/// The invitation form as posted; `branches[]` once per ticked branch.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct InviteForm {
    pub email: String,
    pub role: String,
    #[serde(default)]
    pub branches: Vec<String>,
}

impl InviteForm {
    pub fn parse(&self) -> Result<InviteInput, AppError> {
        InviteInput::parse(&self.email, &self.role, &self.branches)
    }
}

/// An invitation to send: who, with which role, where.
#[derive(Debug, Clone)]
pub struct InviteInput {
    pub email: Email,
    pub role: Role,
    /// Empty for an organization-wide administrator.
    pub branches: Vec<Uuid>,
}

impl InviteInput {
    /// `branches` are the ids of the ticked boxes (`branches[]=…`).
    pub fn parse(email: &str, role: &str, branches: &[String]) -> Result<Self, AppError> {
        let email = Email::parse("email", email);
        let role = Role::parse(role.trim())
            .filter(|r| Role::ASSIGNABLE.contains(r))
            .ok_or_else(|| FieldError::new("role", "Choose a role."));
        let branch_ids: Result<Vec<Uuid>, AppError> = branches
            .iter()
            .map(|id| {
                Uuid::parse_str(id.trim()).map_err(|_| AppError::BadRequest("Unknown branch in the form.".into()))
            })
            .collect();
        let mut branch_ids = branch_ids?;
        branch_ids.sort();
        branch_ids.dedup();
        match (email, role) {
            (Ok(email), Ok(role)) => {
                if branch_ids.is_empty() && role != Role::Admin {
                    return Err(AppError::field("branches", "Choose at least one branch for this role."));
                }
                Ok(Self {
                    email,
                    role,
                    branches: branch_ids,
                })
            }
            (email, role) => Err(AppError::Validation(
                [email.err(), role.err()].into_iter().flatten().collect(),
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(pairs: &[(&str, &str)]) -> Vec<BranchRoleInput> {
        pairs
            .iter()
            .map(|(b, r)| BranchRoleInput {
                branch: b.to_string(),
                role: r.to_string(),
            })
            .collect()
    }

    #[test]
    fn org_wide_access_is_for_administrators_only() {
        assert_eq!(
            AccessGrant::parse("admin", &rows(&[])).unwrap(),
            AccessGrant::OrgWide(Role::Admin)
        );
        assert!(AccessGrant::parse("receptionist", &rows(&[])).is_err());
    }

    #[test]
    fn branch_access_needs_at_least_one_branch_and_no_owner_role() {
        let a = Uuid::new_v4();
        let grant = AccessGrant::parse("", &rows(&[(&a.to_string(), "practitioner"), ("ignored", "")])).unwrap();
        assert_eq!(grant, AccessGrant::Branches(vec![(a, Role::Practitioner)]));
        assert!(AccessGrant::parse("", &rows(&[])).is_err());
        assert!(AccessGrant::parse("", &rows(&[(&a.to_string(), "owner")])).is_err());
    }

    #[test]
    fn invitations_need_an_email_a_role_and_branches() {
        let a = Uuid::new_v4().to_string();
        let invite = InviteInput::parse("Nurse@Clinic.com", "receptionist", &[a.clone(), a.clone()]).unwrap();
        assert_eq!(invite.email.as_str(), "nurse@clinic.com");
        assert_eq!(invite.branches.len(), 1);
        assert!(InviteInput::parse("nurse@clinic.com", "receptionist", &[]).is_err());
        assert!(InviteInput::parse("nurse@clinic.com", "admin", &[]).is_ok());
        let AppError::Validation(errors) = InviteInput::parse("nope", "owner", &[]).unwrap_err() else {
            panic!("expected validation")
        };
        assert_eq!(errors.len(), 2);
    }

    #[test]
    fn the_highest_role_wins() {
        let member = StaffMember {
            user_id: Uuid::new_v4(),
            full_name: "A".into(),
            email: "a@b.co".into(),
            is_active: true,
            two_factor: false,
            last_login_at: None,
            last_login_local: None,
            access: vec![
                MemberAccess {
                    branch_id: Some(Uuid::new_v4()),
                    branch_name: None,
                    role: Role::Receptionist,
                },
                MemberAccess {
                    branch_id: Some(Uuid::new_v4()),
                    branch_name: None,
                    role: Role::Practitioner,
                },
            ],
        };
        assert_eq!(member.highest_role(), Some(Role::Practitioner));
    }
}

/// The staff page: everyone, the open invitations, and the branches to choose from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StaffOverview {
    pub members: Vec<StaffMember>,
    /// Only for those who may manage staff.
    pub invitations: Vec<InvitationLink>,
    pub branches: Vec<BranchChoice>,
    pub can_manage: bool,
}

/// An open invitation and its link (shown until CareOps sends email itself).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvitationLink {
    pub invitation: PendingInvitation,
    pub url: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BranchChoice {
    pub id: Uuid,
    pub name: String,
}

/// One member as the edit page shows them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StaffDetail {
    pub member: StaffMember,
    pub branches: Vec<BranchChoice>,
    /// `Err(reason)` when the viewer may not change this member.
    pub editable: Result<(), String>,
    /// Roles the viewer may hand out.
    pub grantable: Vec<Role>,
}
