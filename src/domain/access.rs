//! Staff roles. Each membership gives a user one role, for one branch or (owner and
//! admin only) for the whole organization.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Owner,
    Admin,
    Practitioner,
    Receptionist,
    Accountant,
}

impl Role {
    pub const ALL: [Role; 5] = [
        Role::Owner,
        Role::Admin,
        Role::Practitioner,
        Role::Receptionist,
        Role::Accountant,
    ];

    /// The value stored in `memberships.role`.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Owner => "owner",
            Role::Admin => "admin",
            Role::Practitioner => "practitioner",
            Role::Receptionist => "receptionist",
            Role::Accountant => "accountant",
        }
    }

    pub fn parse(value: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == value)
    }

    /// How the role reads in the interface.
    pub fn label(self) -> &'static str {
        match self {
            Role::Owner => "Owner",
            Role::Admin => "Administrator",
            Role::Practitioner => "Practitioner",
            Role::Receptionist => "Receptionist",
            Role::Accountant => "Accountant",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_role_round_trips_through_its_stored_name() {
        for role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()), Some(role));
        }
        assert_eq!(Role::parse("superuser"), None);
    }
}
