//! Patients: search and paging, records, duplicates, merging, history.

use uuid::Uuid;

use super::Tx;
use crate::domain::{
    patient::{phone_digits, Patient, PatientDetails, PatientSummary, PAGE_SIZE},
    AppError,
};

/// What the search box is compared with: digits for a phone number, lower-case text
/// otherwise (the `search` column holds name, phone digits and email).
fn search_term(query: &str) -> String {
    let query = query.trim();
    let has_text = query.chars().any(|c| c.is_alphabetic() || c == '@');
    let term = if has_text {
        query.to_lowercase()
    } else {
        phone_digits(query)
    };
    term.replace(['%', '_', '\\'], "")
}

/// A page of patients matching `query` (all when empty), by name, after `after`.
pub async fn page(
    tx: &mut Tx,
    org_id: Uuid,
    query: &str,
    after: Option<(String, Uuid)>,
) -> Result<Vec<PatientSummary>, AppError> {
    let term = search_term(query);
    // The first page starts after ("", nil): before every name.
    let (after_name, after_id) = after.unwrap_or_default();
    // Through `patient_search` (see its migration): row-level security would keep the
    // query off its indexes.
    let rows = sqlx::query_as!(
        PatientSummary,
        r#"select id as "id!", full_name as "full_name!", phone as "phone!", email as "email!"
           from patient_search($1, $2, $3, $4, $5, false)"#,
        org_id,
        term,
        after_name,
        after_id,
        (PAGE_SIZE + 1) as i32,
    )
    .fetch_all(&mut **tx)
    .await?;
    Ok(rows)
}

/// The best matches for a short search (the booking form's patient picker).
pub async fn search(tx: &mut Tx, org_id: Uuid, query: &str, limit: i64) -> Result<Vec<PatientSummary>, AppError> {
    let term = search_term(query);
    if term.is_empty() {
        return Ok(Vec::new());
    }
    Ok(sqlx::query_as!(
        PatientSummary,
        r#"select id as "id!", full_name as "full_name!", phone as "phone!", email as "email!"
           from patient_search($1, $2, '', $3, $4, true)"#,
        org_id,
        term,
        Uuid::nil(),
        limit as i32,
    )
    .fetch_all(&mut **tx)
    .await?)
}

pub async fn get(tx: &mut Tx, org_id: Uuid, id: Uuid) -> Result<Option<PatientSummary>, AppError> {
    Ok(sqlx::query_as!(
        PatientSummary,
        "select id, full_name, phone, email from patients where org_id = $1 and id = $2 and archived_at is null",
        org_id,
        id,
    )
    .fetch_optional(&mut **tx)
    .await?)
}

pub async fn record(tx: &mut Tx, org_id: Uuid, id: Uuid) -> Result<Option<Patient>, AppError> {
    let row = sqlx::query!(
        r#"select id, full_name, phone, email, birth_date, notes, tags, consent_sms, consent_email,
                  archived_at is not null as "archived!", created_at
           from patients where org_id = $1 and id = $2"#,
        org_id,
        id,
    )
    .fetch_optional(&mut **tx)
    .await?;
    Ok(row.map(|r| Patient {
        id: r.id,
        full_name: r.full_name,
        phone: r.phone,
        email: r.email,
        birth_date: r.birth_date,
        notes: r.notes,
        tags: r.tags,
        consent_sms: r.consent_sms,
        consent_email: r.consent_email,
        archived: r.archived,
        created_at: r.created_at,
    }))
}

/// A patient added from the booking form with a name and a phone number.
pub async fn create_quick(tx: &mut Tx, org_id: Uuid, full_name: &str, phone: &str) -> Result<Uuid, AppError> {
    Ok(sqlx::query_scalar!(
        "insert into patients (org_id, full_name, phone) values ($1, $2, $3) returning id",
        org_id,
        full_name,
        phone,
    )
    .fetch_one(&mut **tx)
    .await?)
}

pub async fn create(tx: &mut Tx, org_id: Uuid, d: &PatientDetails) -> Result<Uuid, AppError> {
    Ok(sqlx::query_scalar!(
        "insert into patients (org_id, full_name, phone, email, birth_date, notes, tags, consent_sms, consent_email)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9) returning id",
        org_id,
        d.full_name.as_str(),
        d.phone.as_ref().map_or("", |p| p.as_str()),
        d.email.as_ref().map_or("", |e| e.as_str()),
        d.birth_date,
        d.notes,
        &d.tags,
        d.consent_sms,
        d.consent_email,
    )
    .fetch_one(&mut **tx)
    .await?)
}

pub async fn update(tx: &mut Tx, org_id: Uuid, id: Uuid, d: &PatientDetails) -> Result<bool, AppError> {
    let updated = sqlx::query!(
        "update patients set full_name = $3, phone = $4, email = $5, birth_date = $6, notes = $7, tags = $8,
                consent_sms = $9, consent_email = $10
         where org_id = $1 and id = $2",
        org_id,
        id,
        d.full_name.as_str(),
        d.phone.as_ref().map_or("", |p| p.as_str()),
        d.email.as_ref().map_or("", |e| e.as_str()),
        d.birth_date,
        d.notes,
        &d.tags,
        d.consent_sms,
        d.consent_email,
    )
    .execute(&mut **tx)
    .await?;
    Ok(updated.rows_affected() == 1)
}

pub async fn set_archived(tx: &mut Tx, org_id: Uuid, id: Uuid, archived: bool) -> Result<bool, AppError> {
    let updated = sqlx::query!(
        "update patients set archived_at = case when $3 then now() else null end
         where org_id = $1 and id = $2 and merged_into is null",
        org_id,
        id,
        archived,
    )
    .execute(&mut **tx)
    .await?;
    Ok(updated.rows_affected() == 1)
}

/// Other live records with the same phone number (by digits) or email.
pub async fn duplicates(
    tx: &mut Tx,
    org_id: Uuid,
    phone: &str,
    email: &str,
    except: Option<Uuid>,
) -> Result<Vec<PatientSummary>, AppError> {
    let digits = phone_digits(phone);
    let email = email.trim().to_lowercase();
    Ok(sqlx::query_as!(
        PatientSummary,
        "select id, full_name, phone, email from patients
         where org_id = $1 and archived_at is null and ($4::uuid is null or id <> $4)
           and ((length($2) >= 5 and phone_digits = $2) or ($3 <> '' and email_lower = $3))
         order by lower(full_name), id limit 10",
        org_id,
        digits,
        email,
        except,
    )
    .fetch_all(&mut **tx)
    .await?)
}

/// The patient a portal booking is for: the one with this phone and email, else this
/// phone, else this email.
pub async fn find_by_contact(tx: &mut Tx, org_id: Uuid, phone: &str, email: &str) -> Result<Option<Uuid>, AppError> {
    let digits = phone_digits(phone);
    let email = email.trim().to_lowercase();
    Ok(sqlx::query_scalar!(
        "select id from patients
         where org_id = $1 and archived_at is null
           and ((length($2) >= 5 and phone_digits = $2) or ($3 <> '' and email_lower = $3))
         order by (phone_digits = $2 and email_lower = $3) desc, (phone_digits = $2) desc, created_at
         limit 1",
        org_id,
        digits,
        email,
    )
    .fetch_optional(&mut **tx)
    .await?)
}

/// Records the consents a portal booker gave for a known patient, but only for a channel
/// whose address they typed as the practice has it: an unauthenticated booker never
/// changes where a patient's messages go.
pub async fn add_consents(
    tx: &mut Tx,
    org_id: Uuid,
    id: Uuid,
    phone: &str,
    email: &str,
    sms: bool,
    mail: bool,
) -> Result<(), AppError> {
    sqlx::query!(
        "update patients set consent_sms = consent_sms or ($4 and phone_digits = $3 and $3 <> ''),
                consent_email = consent_email or ($6 and email_lower = lower($5) and $5 <> '')
         where org_id = $1 and id = $2",
        org_id,
        id,
        phone_digits(phone),
        sms,
        email,
        mail,
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Sets the email and consents of a patient the portal just created.
pub async fn complete_contact(
    tx: &mut Tx,
    org_id: Uuid,
    id: Uuid,
    email: &str,
    sms: bool,
    mail: bool,
) -> Result<(), AppError> {
    sqlx::query!(
        "update patients set email = case when email = '' then $3 else email end,
                consent_sms = consent_sms or $4, consent_email = consent_email or $5
         where org_id = $1 and id = $2",
        org_id,
        id,
        email,
        sms,
        mail,
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Merges `other` into `survivor`: appointments and messages move over, missing contact
/// details and tags are taken over, and `other` is archived as merged.
pub async fn merge(tx: &mut Tx, org_id: Uuid, survivor: Uuid, other: Uuid) -> Result<u64, AppError> {
    let moved = sqlx::query!(
        "update appointments set patient_id = $2 where org_id = $1 and patient_id = $3",
        org_id,
        survivor,
        other
    )
    .execute(&mut **tx)
    .await?
    .rows_affected();
    sqlx::query!(
        "update messages set patient_id = $2 where org_id = $1 and patient_id = $3",
        org_id,
        survivor,
        other
    )
    .execute(&mut **tx)
    .await?;
    sqlx::query!(
        "update patients s set
             phone = case when s.phone = '' then o.phone else s.phone end,
             email = case when s.email = '' then o.email else s.email end,
             birth_date = coalesce(s.birth_date, o.birth_date),
             notes = case when o.notes = '' then s.notes when s.notes = '' then o.notes else s.notes || E'\\n\\n' || o.notes end,
             tags = array(select distinct unnest(s.tags || o.tags) order by 1),
             consent_sms = s.consent_sms or o.consent_sms,
             consent_email = s.consent_email or o.consent_email
         from patients o
         where s.org_id = $1 and s.id = $2 and o.org_id = $1 and o.id = $3",
        org_id,
        survivor,
        other,
    )
    .execute(&mut **tx)
    .await?;
    sqlx::query!(
        "update patients set archived_at = now(), merged_into = $2 where org_id = $1 and id = $3",
        org_id,
        survivor,
        other
    )
    .execute(&mut **tx)
    .await?;
    Ok(moved)
}

/// Every live patient, for the CSV export.
pub async fn all(tx: &mut Tx, org_id: Uuid) -> Result<Vec<Patient>, AppError> {
    let rows = sqlx::query!(
        "select id, full_name, phone, email, birth_date, notes, tags, consent_sms, consent_email, created_at
         from patients where org_id = $1 and archived_at is null order by lower(full_name), id",
        org_id,
    )
    .fetch_all(&mut **tx)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| Patient {
            id: r.id,
            full_name: r.full_name,
            phone: r.phone,
            email: r.email,
            birth_date: r.birth_date,
            notes: r.notes,
            tags: r.tags,
            consent_sms: r.consent_sms,
            consent_email: r.consent_email,
            archived: false,
            created_at: r.created_at,
        })
        .collect())
}

pub async fn save_import(tx: &mut Tx, org_id: Uuid, user_id: Uuid, rows: &serde_json::Value) -> Result<Uuid, AppError> {
    Ok(sqlx::query_scalar!(
        "insert into patient_imports (org_id, created_by, rows) values ($1, $2, $3) returning id",
        org_id,
        user_id,
        rows,
    )
    .fetch_one(&mut **tx)
    .await?)
}

/// An import's rows and whether it ran, locked.
pub async fn load_import(tx: &mut Tx, org_id: Uuid, id: Uuid) -> Result<Option<(serde_json::Value, bool)>, AppError> {
    let row = sqlx::query!(
        r#"select rows, imported_at is not null as "imported!" from patient_imports where org_id = $1 and id = $2 for update"#,
        org_id,
        id,
    )
    .fetch_optional(&mut **tx)
    .await?;
    Ok(row.map(|r| (r.rows, r.imported)))
}

pub async fn mark_imported(tx: &mut Tx, id: Uuid) -> Result<(), AppError> {
    sqlx::query!("update patient_imports set imported_at = now() where id = $1", id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}
