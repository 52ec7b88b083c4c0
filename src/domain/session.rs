//! Who is signed in, where: what the shell shows and every feature starts from.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::access::Role;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BranchSummary {
    pub id: Uuid,
    pub name: String,
    /// IANA name, e.g. `Europe/Berlin`.
    pub timezone: String,
}

/// The signed-in staff member, their organization and their current branch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CurrentUser {
    pub user_id: Uuid,
    pub full_name: String,
    pub email: String,
    pub org_id: Uuid,
    pub org_name: String,
    pub branch: BranchSummary,
    pub role: Role,
}
