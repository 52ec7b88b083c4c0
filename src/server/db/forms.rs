//! Form templates, their frozen versions, and the services that ask for them.

use chrono::{DateTime, Utc};
use sqlx::types::Json;
use uuid::Uuid;

use super::Tx;
use crate::domain::{
    forms::{FormField, TemplateSummary},
    AppError,
};

pub async fn list(tx: &mut Tx, org_id: Uuid) -> Result<Vec<TemplateSummary>, AppError> {
    Ok(sqlx::query_as!(
        TemplateSummary,
        r#"select t.id, t.name, t.version, t.active,
                  coalesce((select count(*) from form_versions v, jsonb_array_elements(v.fields) f
                             where v.template_id = t.id and v.version = t.version
                               and f->>'kind' <> 'heading'), 0) as "questions!",
                  array(select s.name from service_forms sf join services s on s.id = sf.service_id
                         where sf.template_id = t.id order by s.name) as "services!"
           from form_templates t where t.org_id = $1
           order by t.active desc, lower(t.name)"#,
        org_id,
    )
    .fetch_all(&mut **tx)
    .await?)
}

pub async fn create(tx: &mut Tx, org_id: Uuid, name: &str) -> Result<Uuid, AppError> {
    Ok(sqlx::query_scalar!(
        "insert into form_templates (org_id, name) values ($1, $2) returning id",
        org_id,
        name
    )
    .fetch_one(&mut **tx)
    .await?)
}

/// A template's current version, as saved.
pub struct Current {
    pub name: String,
    pub intro: String,
    pub fields: Vec<FormField>,
    pub version: i32,
    pub active: bool,
    pub saved_at: Option<DateTime<Utc>>,
    pub saved_by: Option<String>,
    pub services: Vec<Uuid>,
}

/// The template with its current version, locked against a concurrent save.
pub async fn current(tx: &mut Tx, org_id: Uuid, id: Uuid, lock: bool) -> Result<Option<Current>, AppError> {
    if lock {
        sqlx::query!(
            "select id from form_templates where org_id = $1 and id = $2 for update",
            org_id,
            id
        )
        .fetch_optional(&mut **tx)
        .await?;
    }
    let row = sqlx::query!(
        r#"select t.name as template_name, t.version, t.active, v.name as "name?", v.intro as "intro?",
                  v.fields as "fields?: Json<Vec<FormField>>", v.created_at as "saved_at?",
                  u.full_name as "saved_by?",
                  array(select service_id from service_forms sf where sf.template_id = t.id order by service_id)
                      as "services!"
           from form_templates t
           left join form_versions v on v.template_id = t.id and v.version = t.version
           left join users u on u.id = v.created_by
           where t.org_id = $1 and t.id = $2"#,
        org_id,
        id,
    )
    .fetch_optional(&mut **tx)
    .await?;
    Ok(row.map(|r| Current {
        name: r.name.unwrap_or(r.template_name),
        intro: r.intro.unwrap_or_default(),
        fields: r.fields.map(|f| f.0).unwrap_or_default(),
        version: r.version,
        active: r.active,
        saved_at: r.saved_at,
        saved_by: r.saved_by,
        services: r.services,
    }))
}

/// The template's next version, which becomes its current one.
pub async fn add_version(
    tx: &mut Tx,
    org_id: Uuid,
    id: Uuid,
    (name, intro, fields): (&str, &str, &[FormField]),
    by: Uuid,
) -> Result<i32, AppError> {
    let version = sqlx::query_scalar!(
        "update form_templates set version = version + 1, name = $3, updated_at = now()
         where org_id = $1 and id = $2 returning version",
        org_id,
        id,
        name,
    )
    .fetch_one(&mut **tx)
    .await?;
    sqlx::query!(
        "insert into form_versions (org_id, template_id, version, name, intro, fields, created_by)
         values ($1, $2, $3, $4, $5, $6, $7)",
        org_id,
        id,
        version,
        name,
        intro,
        Json(fields) as _,
        by,
    )
    .execute(&mut **tx)
    .await?;
    Ok(version)
}

pub async fn set_active(tx: &mut Tx, org_id: Uuid, id: Uuid, active: bool) -> Result<(), AppError> {
    sqlx::query!(
        "update form_templates set active = $3, updated_at = now() where org_id = $1 and id = $2",
        org_id,
        id,
        active
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The services whose bookings ask for the template: exactly `services`.
pub async fn set_services(tx: &mut Tx, org_id: Uuid, id: Uuid, services: &[Uuid]) -> Result<(), AppError> {
    sqlx::query!(
        "delete from service_forms where org_id = $1 and template_id = $2 and service_id <> all($3)",
        org_id,
        id,
        services,
    )
    .execute(&mut **tx)
    .await?;
    sqlx::query!(
        "insert into service_forms (org_id, service_id, template_id)
         select $1, s, $2 from unnest($3::uuid[]) s on conflict do nothing",
        org_id,
        id,
        services,
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}
