//! Demo data for `scripts/run`: a practice with two branches in different time zones.
//! Loaded once; running it again changes nothing.

use uuid::Uuid;

use super::{
    auth::password,
    db::{accounts, sessions, staff, Db},
};
use crate::domain::{
    access::Role,
    account::{BranchName, Email, NewPassword, OrgName, PersonName, TimeZone},
    staff::AccessGrant,
    AppError,
};

pub const OWNER_EMAIL: &str = "owner@riverside.demo.careops.test";
pub const RECEPTION_EMAIL: &str = "reception@riverside.demo.careops.test";
pub const PRACTITIONER_EMAIL: &str = "physio@riverside.demo.careops.test";
/// Every demo account has this password.
pub const PASSWORD: &str = "riverside-demo-2026";

fn parsed<T>(value: Result<T, crate::domain::FieldError>) -> Result<T, AppError> {
    value.map_err(|e| AppError::Validation(vec![e]))
}

/// Loads the demo practice unless it is there already; true when it loaded it.
pub async fn seed(db: &Db) -> Result<bool, AppError> {
    if sessions::login_candidate(db.pool(), OWNER_EMAIL).await?.is_some() {
        return Ok(false);
    }
    let password_hash = password::hash_password(parsed(NewPassword::parse("password", PASSWORD))?).await?;
    let org_id = Uuid::new_v4();
    let mut tx = db.tenant(org_id).await?;
    let created = accounts::create_organization(
        &mut tx,
        org_id,
        accounts::NewOrganization {
            org_name: &parsed(OrgName::parse("org", "Riverside Physio"))?,
            branch_name: &parsed(BranchName::parse("branch", "London – Harbour Street"))?,
            timezone: parsed(TimeZone::parse("tz", "Europe/London"))?,
            owner_name: &parsed(PersonName::parse("name", "Morgan Reyes"))?,
            owner_email: &parsed(Email::parse("email", OWNER_EMAIL))?,
            password_hash: &password_hash,
        },
    )
    .await?;
    let new_york = accounts::create_branch(
        &mut tx,
        org_id,
        &parsed(BranchName::parse("branch", "New York – Hudson Yards"))?,
        parsed(TimeZone::parse("tz", "America/New_York"))?,
    )
    .await?;
    let staff = [
        (RECEPTION_EMAIL, "Sam Okafor", created.branch_id, Role::Receptionist),
        (PRACTITIONER_EMAIL, "Dr. Lena Vogel", new_york, Role::Practitioner),
    ];
    for (email, name, branch, role) in staff {
        let grant = AccessGrant::Branches(vec![(branch, role)]);
        staff::create_member(&mut tx, org_id, email, name, &password_hash, &grant).await?;
    }
    tx.commit().await?;
    Ok(true)
}
