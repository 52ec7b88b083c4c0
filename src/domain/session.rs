//! Who is signed in, where: what the shell shows and every feature starts from.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::access::{Action, Role};

/// A branch the user may work in, and their role there.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BranchAccess {
    pub id: Uuid,
    pub name: String,
    /// IANA name, e.g. `Europe/Berlin`.
    pub timezone: String,
    pub role: Role,
}

/// The signed-in staff member, their organization, the branches they may work in and
/// the current one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CurrentUser {
    pub user_id: Uuid,
    pub full_name: String,
    pub email: String,
    pub two_factor: bool,
    pub org_id: Uuid,
    pub org_name: String,
    pub branch: BranchAccess,
    /// Every branch they may switch to, the current one included.
    pub branches: Vec<BranchAccess>,
}

impl CurrentUser {
    /// Their role in the current branch.
    pub fn role(&self) -> Role {
        self.branch.role
    }

    pub fn can(&self, action: Action) -> bool {
        self.branch.role.can(action)
    }
}
