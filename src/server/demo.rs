//! Demo data for `scripts/run`: a practice with two branches in different time zones.
//! Loaded once; running it again changes nothing.

use uuid::Uuid;

use super::{
    auth::password,
    db::{accounts, sessions, Db},
};
use crate::domain::{
    account::{BranchName, Email, NewPassword, OrgName, PersonName, TimeZone},
    AppError,
};

pub const OWNER_EMAIL: &str = "owner@riverside.demo.careops.test";
pub const PASSWORD: &str = "riverside-demo-2026";

fn parsed<T>(value: Result<T, crate::domain::FieldError>) -> Result<T, AppError> {
    value.map_err(|e| AppError::Validation(vec![e]))
}

/// Loads the demo practice unless it is there already; true when it loaded it.
pub async fn seed(db: &Db) -> Result<bool, AppError> {
    if sessions::login_candidate(db.pool(), OWNER_EMAIL)
        .await?
        .is_some()
    {
        return Ok(false);
    }
    let password_hash =
        password::hash_password(parsed(NewPassword::parse("password", PASSWORD))?).await?;
    let org_id = Uuid::new_v4();
    let mut tx = db.tenant(org_id).await?;
    accounts::create_organization(
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
    accounts::create_branch(
        &mut tx,
        org_id,
        &parsed(BranchName::parse("branch", "New York – Hudson Yards"))?,
        parsed(TimeZone::parse("tz", "America/New_York"))?,
    )
    .await?;
    tx.commit().await?;
    Ok(true)
}
