//! Who may do what. Staff roles, the actions of the product, the one matrix that joins
//! them, and the object-level rules that a role alone cannot decide. Every server
//! function and API handler asks here, through the request context's guard.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
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

    /// Roles that can be given to someone else (there is one owner: whoever signed up).
    pub const ASSIGNABLE: [Role; 4] = [Role::Admin, Role::Practitioner, Role::Receptionist, Role::Accountant];

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

    /// Owners and admins may hold their role for the whole organization.
    pub fn may_be_org_wide(self) -> bool {
        matches!(self, Role::Owner | Role::Admin)
    }

    pub fn can(self, action: Action) -> bool {
        PERMISSIONS
            .iter()
            .any(|(a, roles)| *a == action && roles.contains(&self))
    }
}

/// Everything a staff member can ask the product to do, as the permission matrix sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// See the organization's branches (everyone sees the ones they belong to).
    ViewBranches,
    /// Create branches and edit their details and opening hours.
    ManageBranches,
    /// The organization's security policy: required 2FA, session lifetimes.
    ManageSecurityPolicy,
    /// The organization's name and currency.
    ManageOrganization,
    /// See the staff list.
    ViewStaff,
    /// Invite staff, change their roles and branches, deactivate them.
    ManageStaff,
    /// Read the audit log.
    ViewAuditLog,
    /// Manage one's own account: password, 2FA, sessions, API tokens.
    ManageOwnAccount,
    /// See the calendar and the day's appointments.
    ViewCalendar,
    /// Book, move, cancel appointments and change their status.
    ManageAppointments,
    /// Book outside a practitioner's working hours (after confirming).
    OverrideWorkingHours,
    /// Services, rooms and equipment.
    ManageCatalog,
    /// Practitioners' working hours, time off and branch closures.
    ManageSchedules,
    /// Find and read patients.
    ViewPatients,
    /// Create and edit patients.
    ManagePatients,
    /// Download every patient as a file.
    ExportPatients,
    /// How messages go out: the provider, its credentials, the sender, the reminders.
    ManageMessaging,
    /// Record what a visit was: the services performed and the materials used.
    RecordVisits,
    /// Charge a service performed at another price than the catalog's.
    OverridePrices,
    /// Read clinical notes (health data: every read is in the audit log).
    ReadClinicalNotes,
    /// Write clinical notes and their addenda; the note itself only for one's own patient.
    WriteClinicalNotes,
    /// See invoices and credit notes.
    ViewInvoices,
    /// Draft, issue and credit invoices.
    ManageInvoices,
    /// What invoices say about the organization, their numbering and tax.
    ManageBillingSettings,
    /// Record payments and use a patient's credit.
    TakePayments,
    /// Give money back.
    RefundPayments,
    /// The end-of-day takings: what was taken by method and by whom, and the cash drawer.
    ViewTakings,
    /// See the stock of items and its movements.
    ViewStock,
    /// Add and change items, and record what arrives, is counted or moves between branches.
    ManageStock,
    /// Build intake and consent form templates and choose the services that ask for them.
    ManageForms,
    /// Read what patients answered on their forms (health data: every read is in the
    /// audit log).
    ReadFormAnswers,
}

impl Action {
    pub const ALL: [Action; 31] = [
        Action::ViewBranches,
        Action::ManageBranches,
        Action::ManageSecurityPolicy,
        Action::ManageOrganization,
        Action::ViewStaff,
        Action::ManageStaff,
        Action::ViewAuditLog,
        Action::ManageOwnAccount,
        Action::ViewCalendar,
        Action::ManageAppointments,
        Action::OverrideWorkingHours,
        Action::ManageCatalog,
        Action::ManageSchedules,
        Action::ViewPatients,
        Action::ManagePatients,
        Action::ExportPatients,
        Action::ManageMessaging,
        Action::RecordVisits,
        Action::OverridePrices,
        Action::ReadClinicalNotes,
        Action::WriteClinicalNotes,
        Action::ViewInvoices,
        Action::ManageInvoices,
        Action::ManageBillingSettings,
        Action::TakePayments,
        Action::RefundPayments,
        Action::ViewTakings,
        Action::ViewStock,
        Action::ManageStock,
        Action::ManageForms,
        Action::ReadFormAnswers,
    ];

    /// What the refusal says, completing "You are not allowed to ...".
    pub fn describe(self) -> &'static str {
        match self {
            Action::ViewBranches => "see this branch",
            Action::ManageBranches => "change branches",
            Action::ManageSecurityPolicy => "change the organization's security policy",
            Action::ManageOrganization => "change the organization's name or currency",
            Action::ViewStaff => "see the staff list",
            Action::ManageStaff => "manage staff",
            Action::ViewAuditLog => "read the audit log",
            Action::ManageOwnAccount => "change this account",
            Action::ViewCalendar => "see the calendar",
            Action::ManageAppointments => "book or change appointments",
            Action::OverrideWorkingHours => "book outside working hours",
            Action::ManageCatalog => "change services, rooms or equipment",
            Action::ManageSchedules => "change working hours, time off or closures",
            Action::ViewPatients => "see patients",
            Action::ManagePatients => "change patients",
            Action::ExportPatients => "export patients",
            Action::ManageMessaging => "change how messages are sent",
            Action::RecordVisits => "record services or materials of a visit",
            Action::OverridePrices => "change the price of a service",
            Action::ReadClinicalNotes => "read clinical notes",
            Action::WriteClinicalNotes => "write clinical notes",
            Action::ViewInvoices => "see invoices",
            Action::ManageInvoices => "draft, issue or credit invoices",
            Action::ManageBillingSettings => "change the invoice settings",
            Action::TakePayments => "record payments",
            Action::RefundPayments => "refund payments",
            Action::ViewTakings => "see the day's takings",
            Action::ViewStock => "see the stock",
            Action::ManageStock => "change the stock",
            Action::ManageForms => "change the form templates",
            Action::ReadFormAnswers => "read patients' form answers",
        }
    }
}

use Role::*;

/// The permission matrix: for each action, the roles that may take it.
pub const PERMISSIONS: &[(Action, &[Role])] = &[
    (
        Action::ViewBranches,
        &[Owner, Admin, Practitioner, Receptionist, Accountant],
    ),
    (Action::ManageBranches, &[Owner, Admin]),
    (Action::ManageSecurityPolicy, &[Owner]),
    (Action::ManageOrganization, &[Owner, Admin]),
    (Action::ViewStaff, &[Owner, Admin, Receptionist]),
    (Action::ManageStaff, &[Owner, Admin]),
    (Action::ViewAuditLog, &[Owner, Admin]),
    (
        Action::ManageOwnAccount,
        &[Owner, Admin, Practitioner, Receptionist, Accountant],
    ),
    (
        Action::ViewCalendar,
        &[Owner, Admin, Practitioner, Receptionist, Accountant],
    ),
    (Action::ManageAppointments, &[Owner, Admin, Practitioner, Receptionist]),
    (Action::OverrideWorkingHours, &[Owner, Admin]),
    (Action::ManageCatalog, &[Owner, Admin]),
    (Action::ManageSchedules, &[Owner, Admin]),
    (
        Action::ViewPatients,
        &[Owner, Admin, Practitioner, Receptionist, Accountant],
    ),
    (Action::ManagePatients, &[Owner, Admin, Practitioner, Receptionist]),
    (Action::ExportPatients, &[Owner, Admin]),
    (Action::ManageMessaging, &[Owner, Admin]),
    (Action::RecordVisits, &[Owner, Admin, Practitioner, Receptionist]),
    (Action::OverridePrices, &[Owner, Admin]),
    // Health data: the clinicians, not the front desk or the books.
    (Action::ReadClinicalNotes, &[Owner, Practitioner]),
    (Action::WriteClinicalNotes, &[Owner, Practitioner]),
    // Everyone at a clinic may bill a visit; settings are for managers and the books.
    (
        Action::ViewInvoices,
        &[Owner, Admin, Practitioner, Receptionist, Accountant],
    ),
    (
        Action::ManageInvoices,
        &[Owner, Admin, Practitioner, Receptionist, Accountant],
    ),
    (Action::ManageBillingSettings, &[Owner, Admin, Accountant]),
    (
        Action::TakePayments,
        &[Owner, Admin, Practitioner, Receptionist, Accountant],
    ),
    (Action::RefundPayments, &[Owner, Admin, Accountant]),
    // The front desk counts its drawer at the end of the day.
    (Action::ViewTakings, &[Owner, Admin, Receptionist, Accountant]),
    (
        Action::ViewStock,
        &[Owner, Admin, Practitioner, Receptionist, Accountant],
    ),
    (Action::ManageStock, &[Owner, Admin, Receptionist]),
    (Action::ManageForms, &[Owner, Admin]),
    // What patients answer on their forms is health data, as the clinical notes are.
    (Action::ReadFormAnswers, &[Owner, Practitioner]),
];

/// A staff member as an object of someone else's action.
#[derive(Debug, Clone, Copy)]
pub struct StaffSubject {
    pub user_id: Uuid,
    /// Their highest role anywhere in the organization.
    pub highest_role: Role,
}

/// Why one staff member may not change another, or `Ok` when they may.
///
/// Nobody changes their own roles or deactivates themselves (no self-promotion, no
/// locking the organization out by accident); the owner is changed by nobody; only the
/// owner may make or unmake administrators.
pub fn may_manage_member(actor_id: Uuid, actor_role: Role, subject: StaffSubject) -> Result<(), &'static str> {
    if !actor_role.can(Action::ManageStaff) {
        return Err("You are not allowed to manage staff.");
    }
    if subject.user_id == actor_id {
        return Err("You cannot change your own access. Ask another administrator.");
    }
    if subject.highest_role == Owner {
        return Err("The owner's access cannot be changed.");
    }
    if subject.highest_role == Admin && actor_role != Owner {
        return Err("Only the owner can change an administrator's access.");
    }
    Ok(())
}

/// Whether `actor_role` may hand out `role` (an admin may not create admins).
pub fn may_grant(actor_role: Role, role: Role) -> bool {
    match role {
        Owner => false,
        Admin => actor_role == Owner,
        _ => actor_role.can(Action::ManageStaff),
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

    #[test]
    fn every_action_has_exactly_one_row_in_the_matrix() {
        for action in Action::ALL {
            let rows = PERMISSIONS.iter().filter(|(a, _)| *a == action).count();
            assert_eq!(rows, 1, "{action:?}");
        }
    }

    /// The matrix, spelled out: a change to who may do what must change this test too.
    #[test]
    fn the_permission_matrix() {
        let expected: &[(Action, [bool; 5])] = &[
            //                                  owner  admin  pract  recep  acct
            (Action::ViewBranches, [true, true, true, true, true]),
            (Action::ManageBranches, [true, true, false, false, false]),
            (Action::ManageSecurityPolicy, [true, false, false, false, false]),
            (Action::ManageOrganization, [true, true, false, false, false]),
            (Action::ViewStaff, [true, true, false, true, false]),
            (Action::ManageStaff, [true, true, false, false, false]),
            (Action::ViewAuditLog, [true, true, false, false, false]),
            (Action::ManageOwnAccount, [true, true, true, true, true]),
            (Action::ViewCalendar, [true, true, true, true, true]),
            (Action::ManageAppointments, [true, true, true, true, false]),
            (Action::OverrideWorkingHours, [true, true, false, false, false]),
            (Action::ManageCatalog, [true, true, false, false, false]),
            (Action::ManageSchedules, [true, true, false, false, false]),
            (Action::ViewPatients, [true, true, true, true, true]),
            (Action::ManagePatients, [true, true, true, true, false]),
            (Action::ExportPatients, [true, true, false, false, false]),
            (Action::ManageMessaging, [true, true, false, false, false]),
            (Action::RecordVisits, [true, true, true, true, false]),
            (Action::OverridePrices, [true, true, false, false, false]),
            (Action::ReadClinicalNotes, [true, false, true, false, false]),
            (Action::WriteClinicalNotes, [true, false, true, false, false]),
            (Action::ViewInvoices, [true, true, true, true, true]),
            (Action::ManageInvoices, [true, true, true, true, true]),
            (Action::ManageBillingSettings, [true, true, false, false, true]),
            (Action::TakePayments, [true, true, true, true, true]),
            (Action::RefundPayments, [true, true, false, false, true]),
            (Action::ViewTakings, [true, true, false, true, true]),
            (Action::ViewStock, [true, true, true, true, true]),
            (Action::ManageStock, [true, true, false, true, false]),
            (Action::ManageForms, [true, true, false, false, false]),
        ];
        for (action, allowed) in expected {
            for (role, allowed) in Role::ALL.iter().zip(allowed) {
                assert_eq!(role.can(*action), *allowed, "{role:?} × {action:?}");
            }
        }
    }

    fn subject(role: Role) -> StaffSubject {
        StaffSubject {
            user_id: Uuid::new_v4(),
            highest_role: role,
        }
    }

    #[test]
    fn nobody_changes_their_own_access() {
        let me = Uuid::new_v4();
        let myself = StaffSubject {
            user_id: me,
            highest_role: Owner,
        };
        assert!(may_manage_member(me, Owner, myself).is_err());
    }

    #[test]
    fn admins_manage_staff_but_not_the_owner_or_other_admins() {
        let admin = Uuid::new_v4();
        assert!(may_manage_member(admin, Admin, subject(Receptionist)).is_ok());
        assert!(may_manage_member(admin, Admin, subject(Owner)).is_err());
        assert!(may_manage_member(admin, Admin, subject(Admin)).is_err());
        assert!(may_manage_member(Uuid::new_v4(), Owner, subject(Admin)).is_ok());
        assert!(may_manage_member(Uuid::new_v4(), Receptionist, subject(Practitioner)).is_err());
    }

    #[test]
    fn only_the_owner_makes_administrators_and_nobody_makes_owners() {
        assert!(may_grant(Owner, Admin));
        assert!(!may_grant(Admin, Admin));
        assert!(may_grant(Admin, Receptionist));
        assert!(!may_grant(Owner, Owner));
        assert!(!may_grant(Receptionist, Practitioner));
    }
}
