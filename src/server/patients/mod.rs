//! Patient use cases: the list and search, records, duplicates and merging, import and
//! export. The CSV download and upload routes are in `routes.rs`.

pub mod routes;

use serde_json::json;
use uuid::Uuid;

use super::{
    auth::context::RequestContext,
    db::{appointments, audit, messages, patients},
};
use crate::domain::{
    access::Action,
    messaging::MessageLogFilter,
    patient::{
        cursor, parse_cursor, ImportFields, ImportPreview, ImportRow, OutboxMessage, Patient, PatientDetails,
        PatientPage, PatientProfile, PatientSummary, IMPORT_COLUMNS, PAGE_SIZE,
    },
    time::zone,
    AppError,
};

fn not_found() -> AppError {
    AppError::not_found("That patient")
}

pub async fn page(ctx: &RequestContext, query: &str, after: Option<&str>) -> Result<PatientPage, AppError> {
    ctx.require(Action::ViewPatients)?;
    let mut tx = ctx.tenant().await?;
    let mut rows = patients::page(&mut tx, ctx.org_id(), query, after.and_then(parse_cursor)).await?;
    tx.commit().await?;
    let next = (rows.len() as i64 > PAGE_SIZE).then(|| {
        rows.truncate(PAGE_SIZE as usize);
        rows.last().map(cursor)
    });
    Ok(PatientPage {
        patients: rows,
        next: next.flatten(),
    })
}

fn snapshot(d: &PatientDetails) -> serde_json::Value {
    json!({
        "full_name": d.full_name.as_str(),
        "phone": d.phone.as_ref().map_or("", |p| p.as_str()),
        "email": d.email.as_ref().map_or("", |e| e.as_str()),
        "birth_date": d.birth_date,
        "tags": d.tags,
        "consent_sms": d.consent_sms,
        "consent_email": d.consent_email,
    })
}

fn record_snapshot(p: &Patient) -> serde_json::Value {
    json!({
        "full_name": p.full_name, "phone": p.phone, "email": p.email, "birth_date": p.birth_date,
        "tags": p.tags, "consent_sms": p.consent_sms, "consent_email": p.consent_email,
    })
}

/// Patients with the same phone number or email (the warning before creating one).
pub async fn duplicates_of(
    ctx: &RequestContext,
    d: &PatientDetails,
    except: Option<Uuid>,
) -> Result<Vec<PatientSummary>, AppError> {
    let mut tx = ctx.tenant().await?;
    let found = patients::duplicates(
        &mut tx,
        ctx.org_id(),
        d.phone.as_ref().map_or("", |p| p.as_str()),
        d.email.as_ref().map_or("", |e| e.as_str()),
        except,
    )
    .await?;
    tx.commit().await?;
    Ok(found)
}

/// Creates a patient; with look-alikes on file and no confirmation, answers 409 naming them.
pub async fn create(ctx: &RequestContext, d: &PatientDetails, confirmed: bool) -> Result<Uuid, AppError> {
    ctx.require(Action::ManagePatients)?;
    if !confirmed {
        let twins = duplicates_of(ctx, d, None).await?;
        if !twins.is_empty() {
            let names: Vec<String> = twins
                .iter()
                .map(|t| {
                    format!(
                        "{} ({})",
                        t.full_name,
                        if t.phone.is_empty() { &t.email } else { &t.phone }
                    )
                })
                .collect();
            return Err(AppError::Conflict {
                field: Some("duplicate".into()),
                message: format!(
                    "{} already on file with this phone or email: {}. Open that record, or tick “Add anyway”.",
                    if twins.len() == 1 {
                        "A patient is"
                    } else {
                        "Patients are"
                    },
                    names.join(", ")
                ),
            });
        }
    }
    let mut tx = ctx.tenant().await?;
    let id = patients::create(&mut tx, ctx.org_id(), d).await?;
    ctx.audit(
        &mut tx,
        "patient.created",
        "patient",
        Some(id),
        json!({"after": snapshot(d)}),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

pub async fn update(ctx: &RequestContext, id: Uuid, d: &PatientDetails) -> Result<(), AppError> {
    ctx.require(Action::ManagePatients)?;
    let mut tx = ctx.tenant().await?;
    let before = patients::record(&mut tx, ctx.org_id(), id)
        .await?
        .ok_or_else(not_found)?;
    patients::update(&mut tx, ctx.org_id(), id, d).await?;
    ctx.audit(
        &mut tx,
        "patient.updated",
        "patient",
        Some(id),
        audit::changes(&record_snapshot(&before), &snapshot(d)),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

pub async fn set_archived(ctx: &RequestContext, id: Uuid, archived: bool) -> Result<(), AppError> {
    ctx.require(Action::ManagePatients)?;
    let mut tx = ctx.tenant().await?;
    if !patients::set_archived(&mut tx, ctx.org_id(), id, archived).await? {
        return Err(not_found());
    }
    let action = if archived {
        "patient.archived"
    } else {
        "patient.restored"
    };
    ctx.audit(
        &mut tx,
        action,
        "patient",
        Some(id),
        json!({"after": {"archived": archived}}),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

pub async fn profile(ctx: &RequestContext, id: Uuid) -> Result<PatientProfile, AppError> {
    ctx.require(Action::ViewPatients)?;
    let mut tx = ctx.tenant().await?;
    let patient = patients::record(&mut tx, ctx.org_id(), id)
        .await?
        .ok_or_else(not_found)?;
    // The patient belongs to the organization; their appointments and messages belong to
    // branches, and the caller sees those of their own branches, each in its time zone.
    let branches: Vec<Uuid> = ctx.user.branches.iter().map(|b| b.id).collect();
    let rows = appointments::of_patient(&mut tx, ctx.org_id(), id, &branches).await?;
    let mut appointments = Vec::with_capacity(rows.len());
    for branch in &ctx.user.branches {
        let ids: Vec<Uuid> = rows.iter().filter(|r| r.branch_id == branch.id).map(|r| r.id).collect();
        if !ids.is_empty() {
            appointments.extend(appointments::by_ids(&mut tx, ctx.org_id(), &ids, zone(&branch.timezone)).await?);
        }
    }
    appointments.sort_by_key(|a| a.starts_at);
    let filter = MessageLogFilter {
        patient: Some(id),
        ..MessageLogFilter::default()
    };
    let messages = messages::log(&mut tx, ctx.org_id(), &branches, &filter, 100)
        .await?
        .into_iter()
        .map(|(logged, at)| OutboxMessage {
            when_local: ctx.local_time(at),
            ..logged.message
        })
        .collect();
    let duplicates = patients::duplicates(&mut tx, ctx.org_id(), &patient.phone, &patient.email, Some(id)).await?;
    let account = match ctx.user.can(Action::ViewInvoices) {
        true => Some(crate::server::db::payments::account(&mut tx, ctx.org_id(), id).await?),
        false => None,
    };
    let forms = crate::server::form_submissions::listed(ctx, &mut tx, id).await?;
    tx.commit().await?;
    Ok(PatientProfile {
        patient,
        appointments,
        messages,
        duplicates,
        account,
        forms,
    })
}

/// Merges `other` into `survivor` (appointments and messages move over).
pub async fn merge(ctx: &RequestContext, survivor: Uuid, other: Uuid) -> Result<u64, AppError> {
    ctx.require(Action::ManagePatients)?;
    if survivor == other {
        return Err(AppError::field(
            "other",
            "Choose another patient to merge into this one.",
        ));
    }
    let mut tx = ctx.tenant().await?;
    let kept = patients::get(&mut tx, ctx.org_id(), survivor)
        .await?
        .ok_or_else(not_found)?;
    let gone = patients::get(&mut tx, ctx.org_id(), other)
        .await?
        .ok_or_else(not_found)?;
    let moved = patients::merge(&mut tx, ctx.org_id(), survivor, other).await?;
    ctx.audit(
        &mut tx,
        "patient.merged",
        "patient",
        Some(survivor),
        json!({"before": {"duplicate": gone.full_name, "duplicate_id": other}, "after": {"kept": kept.full_name, "appointments_moved": moved}}),
    )
    .await?;
    tx.commit().await?;
    Ok(moved)
}

/// An uploaded line as kept between the preview and the import.
#[derive(serde::Serialize, serde::Deserialize)]
struct StoredRow {
    line: usize,
    fields: ImportFields,
}

fn stored_rows(stored: serde_json::Value) -> Result<Vec<StoredRow>, AppError> {
    serde_json::from_value(stored).map_err(|e| super::error::internal("reading a stored import", e))
}

/// Reads a CSV into rows with their problems, and keeps them for the import.
pub async fn preview_import(ctx: &RequestContext, csv_text: &str) -> Result<ImportPreview, AppError> {
    ctx.require(Action::ManagePatients)?;
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(csv_text.as_bytes());
    let headers: Vec<String> = reader
        .headers()
        .map_err(|_| AppError::field("file", "The file is not a CSV file."))?
        .iter()
        .map(|h| h.trim().to_lowercase().replace(' ', "_"))
        .collect();
    if !headers.iter().any(|h| h == "full_name") {
        return Err(AppError::field(
            "file",
            format!(
                "The first line must name the columns, with at least full_name (any of: {}).",
                IMPORT_COLUMNS.join(", ")
            ),
        ));
    }
    let mut rows = Vec::new();
    let mut stored = Vec::new();
    for (n, record) in reader.records().enumerate() {
        let line = n + 2;
        // A line the reader cannot take apart counts as empty: its row says what is missing.
        let record = record.unwrap_or_default();
        let get = |name: &str| {
            headers
                .iter()
                .position(|h| h == name)
                .and_then(|i| record.get(i))
                .unwrap_or("")
                .to_owned()
        };
        let fields: ImportFields = IMPORT_COLUMNS.map(get);
        let (row, _) = ImportRow::check(line, &fields);
        stored.push(StoredRow { line, fields });
        rows.push(row);
        if rows.len() > 10_000 {
            return Err(AppError::field("file", "Import at most 10,000 patients at a time."));
        }
    }
    let mut tx = ctx.tenant().await?;
    let stored = serde_json::to_value(&stored).map_err(|e| super::error::internal("storing an import", e))?;
    let id = patients::save_import(&mut tx, ctx.org_id(), ctx.user.user_id, &stored).await?;
    tx.commit().await?;
    let invalid = rows.iter().filter(|r| !r.problems.is_empty()).count();
    Ok(ImportPreview {
        id,
        valid: rows.len() - invalid,
        invalid,
        rows,
        imported: false,
    })
}

pub async fn import_preview(ctx: &RequestContext, id: Uuid) -> Result<ImportPreview, AppError> {
    ctx.require(Action::ManagePatients)?;
    let mut tx = ctx.tenant().await?;
    let (stored, imported) = patients::load_import(&mut tx, ctx.org_id(), id)
        .await?
        .ok_or_else(|| AppError::not_found("That import"))?;
    tx.commit().await?;
    let rows: Vec<ImportRow> = stored_rows(stored)?
        .iter()
        .map(|r| ImportRow::check(r.line, &r.fields).0)
        .collect();
    let invalid = rows.iter().filter(|r| !r.problems.is_empty()).count();
    Ok(ImportPreview {
        id,
        valid: rows.len() - invalid,
        invalid,
        rows,
        imported,
    })
}

/// Creates the valid rows of a previewed import, once.
pub async fn run_import(ctx: &RequestContext, id: Uuid) -> Result<usize, AppError> {
    ctx.require(Action::ManagePatients)?;
    let mut tx = ctx.tenant().await?;
    let (stored, imported) = patients::load_import(&mut tx, ctx.org_id(), id)
        .await?
        .ok_or_else(|| AppError::not_found("That import"))?;
    if imported {
        return Err(AppError::Conflict {
            field: None,
            message: "This file was imported already.".into(),
        });
    }
    let mut created = 0;
    for row in stored_rows(stored)? {
        if let (_, Some(details)) = ImportRow::check(row.line, &row.fields) {
            patients::create(&mut tx, ctx.org_id(), &details).await?;
            created += 1;
        }
    }
    patients::mark_imported(&mut tx, id).await?;
    ctx.audit(
        &mut tx,
        "patient.imported",
        "patient_import",
        Some(id),
        json!({"after": {"created": created}}),
    )
    .await?;
    tx.commit().await?;
    Ok(created)
}

/// Every live patient as CSV (the import's columns), and an audit entry for the export.
pub async fn export_csv(ctx: &RequestContext) -> Result<String, AppError> {
    ctx.require(Action::ExportPatients)?;
    let mut tx = ctx.tenant().await?;
    let all = patients::all(&mut tx, ctx.org_id()).await?;
    ctx.audit(
        &mut tx,
        "patient.exported",
        "patient",
        None,
        json!({"after": {"patients": all.len()}}),
    )
    .await?;
    tx.commit().await?;
    let mut writer = csv::Writer::from_writer(Vec::new());
    let failed = |e: csv::Error| super::error::internal("writing csv", e);
    writer.write_record(IMPORT_COLUMNS).map_err(failed)?;
    for p in all {
        let birth = p.birth_date.map(|d| d.to_string()).unwrap_or_default();
        let yes = |b: bool| if b { "yes" } else { "no" };
        writer
            .write_record([
                p.full_name.as_str(),
                &p.phone,
                &p.email,
                &birth,
                &p.notes,
                &p.tags.join(", "),
                yes(p.consent_sms),
                yes(p.consent_email),
            ])
            .map_err(failed)?;
    }
    let bytes = writer
        .into_inner()
        .map_err(|e| super::error::internal("writing csv", e))?;
    String::from_utf8(bytes).map_err(|e| super::error::internal("csv text", e))
}
