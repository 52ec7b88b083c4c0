//! Visit use cases: what the appointment page shows of a visit, and recording what was
//! done (services, materials) and written (the clinical note, its addenda). Starting and
//! completing follow the status machine (`calendar::set_status`).

use chrono::{DateTime, Utc};
use serde_json::json;
use uuid::Uuid;

use super::{
    auth::context::RequestContext,
    calendar::locked,
    db::{
        self, appointments, catalog, organizations,
        visits::{self, Which},
        Tx,
    },
    inventory,
};
use crate::domain::{
    access::Action,
    appointment::Status,
    time::{utc_to_local, zone},
    visit::{parse_addendum, Addendum, ClinicalNote, MaterialForm, NoteForm, ServiceChoice, ServiceLine, VisitRecord},
    AppError,
};

fn clock(ctx: &RequestContext, at: DateTime<Utc>) -> String {
    utc_to_local(at, zone(&ctx.user.branch.timezone))
        .format("%H:%M")
        .to_string()
}

/// The visit of an appointment of the caller's branch, as its page shows it. Reading the
/// clinical note, for those allowed to, is written to the audit log.
pub async fn record(ctx: &RequestContext, id: Uuid) -> Result<VisitRecord, AppError> {
    ctx.require(Action::ViewCalendar)?;
    let org = ctx.org_id();
    let mut tx = ctx.tenant().await?;
    let appointment = appointments::by_ids(&mut tx, org, &[id], zone(&ctx.user.branch.timezone))
        .await?
        .into_iter()
        .find(|a| a.branch_id == ctx.user.branch.id)
        .ok_or_else(|| AppError::not_found("That appointment"))?;
    let visit = visits::get(&mut tx, org, id).await?;
    let (services, materials) = match visit {
        Some(_) => (
            visits::services(&mut tx, org, id).await?,
            visits::materials(&mut tx, org, id).await?,
        ),
        None => (Vec::new(), Vec::new()),
    };
    let note = match &visit {
        Some(v) if ctx.user.can(Action::ReadClinicalNotes) => {
            let addenda = visits::addenda(&mut tx, org, id)
                .await?
                .into_iter()
                .map(|(author_name, at, body)| Addendum {
                    author_name,
                    when_local: ctx.local_time(at),
                    body,
                })
                .collect();
            ctx.audit(&mut tx, "visit.note_read", "visit", Some(id), json!({}))
                .await?;
            let writer = ctx.user.can(Action::WriteClinicalNotes);
            Some(ClinicalNote {
                note: v.note.clone(),
                signed: v.signed_at.map(|at| {
                    format!(
                        "Signed by {} on {}",
                        v.signer_name.as_deref().unwrap_or("the practitioner"),
                        ctx.local_time(at)
                    )
                }),
                addenda,
                editable: writer
                    && v.signed_at.is_none()
                    && v.completed_at.is_none()
                    && v.practitioner_id == ctx.user.user_id,
                may_add_addendum: writer && v.completed_at.is_some(),
            })
        }
        _ => None,
    };
    let can_record = ctx.user.can(Action::RecordVisits) && visit.is_some();
    let stock_choices = if can_record {
        inventory::choices(&mut tx, org, ctx.user.branch.id, |r| {
            Some(format!("{} ({} {} here)", r.item.name, r.on_hand, r.item.unit))
        })
        .await?
    } else {
        Vec::new()
    };
    let service_choices = if can_record {
        catalog::services(&mut tx, org)
            .await?
            .into_iter()
            .filter(|s| s.active)
            .map(|s| ServiceChoice {
                id: s.id,
                name: s.name,
                price: s.price_minor,
            })
            .collect()
    } else {
        Vec::new()
    };
    let currency = organizations::currency(&mut tx, org).await?;
    let invoice = match appointment.status {
        Status::Completed if ctx.user.can(Action::ViewInvoices) => visits::invoice_of(&mut tx, org, id).await?,
        _ => None,
    };
    tx.commit().await?;
    let signed = visit.as_ref().is_some_and(|v| v.signed_at.is_some());
    Ok(VisitRecord {
        appointment_id: id,
        status: appointment.status,
        arrived_local: appointment.arrived_at.map(|at| clock(ctx, at)),
        started_local: visit.as_ref().map(|v| clock(ctx, v.started_at)),
        completed_local: visit.as_ref().and_then(|v| v.completed_at).map(|at| clock(ctx, at)),
        currency,
        services,
        materials,
        note,
        can_record,
        can_override_price: ctx.user.can(Action::OverridePrices),
        service_choices,
        stock_choices,
        invoice,
        can_invoice: ctx.user.can(Action::ManageInvoices),
        can_undo: ctx.user.can(Action::ManageAppointments)
            && appointment.status.undone(true).is_some()
            && !(appointment.status == Status::Completed && signed),
    })
}

/// The appointment, locked, once its visit has begun: services, materials and notes are
/// recorded from the start of treatment on.
async fn begun(tx: &mut Tx, ctx: &RequestContext, id: Uuid) -> Result<visits::Visit, AppError> {
    let appointment = locked(tx, ctx, id).await?;
    if !matches!(appointment.status, Status::InProgress | Status::Completed) {
        return Err(AppError::Conflict {
            field: None,
            message: "Start the visit first: services, materials and notes are recorded once treatment has begun."
                .into(),
        });
    }
    visits::get(tx, ctx.org_id(), id)
        .await?
        .ok_or_else(|| AppError::not_found("That visit"))
}

/// Records a service performed; `line` reads it in the organization's currency.
pub async fn add_service(
    ctx: &RequestContext,
    id: Uuid,
    line: impl FnOnce(&str) -> Result<ServiceLine, AppError>,
) -> Result<(), AppError> {
    ctx.require(Action::RecordVisits)?;
    let mut tx = ctx.tenant().await?;
    let currency = organizations::currency(&mut tx, ctx.org_id()).await?;
    let line = line(&currency)?;
    if line.price.is_some() {
        ctx.require(Action::OverridePrices)?;
    }
    let visit = begun(&mut tx, ctx, id).await?;
    let line_id = visits::add_service(
        &mut tx,
        ctx.org_id(),
        id,
        line.service_id,
        line.quantity,
        line.price,
        ctx.user.user_id,
    )
    .await?
    .ok_or_else(|| AppError::field("service_id", "That service was not found."))?;
    visits::add_recipe(&mut tx, ctx.org_id(), line_id, ctx.user.user_id).await?;
    if visit.completed_at.is_some() {
        inventory::settle_visit(&mut tx, ctx.org_id(), ctx.user.user_id, id, Which::Line(line_id), None).await?;
    }
    let diff =
        json!({"service_id": line.service_id, "quantity": line.quantity, "price": line.price, "line_id": line_id});
    ctx.audit(&mut tx, "visit.service_added", "visit", Some(id), diff)
        .await?;
    tx.commit().await?;
    Ok(())
}

pub async fn remove_service(ctx: &RequestContext, id: Uuid, line_id: Uuid) -> Result<(), AppError> {
    ctx.require(Action::RecordVisits)?;
    let mut tx = ctx.tenant().await?;
    begun(&mut tx, ctx, id).await?;
    let back = Some("Its service was taken off the visit");
    inventory::settle_visit(&mut tx, ctx.org_id(), ctx.user.user_id, id, Which::Line(line_id), back).await?;
    if !visits::remove_service(&mut tx, ctx.org_id(), id, line_id).await? {
        return Err(AppError::not_found("That service line"));
    }
    ctx.audit(
        &mut tx,
        "visit.service_removed",
        "visit",
        Some(id),
        json!({"line_id": line_id}),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

pub async fn add_material(ctx: &RequestContext, id: Uuid, form: &MaterialForm) -> Result<(), AppError> {
    ctx.require(Action::RecordVisits)?;
    let mut material = form.parse()?;
    let mut tx = ctx.tenant().await?;
    let visit = begun(&mut tx, ctx, id).await?;
    if let Some(item_id) = material.item_id {
        let item = db::inventory::item(&mut tx, ctx.org_id(), item_id)
            .await?
            .filter(|i| i.active)
            .ok_or_else(|| AppError::field("item_id", "That item is not in stock use: choose another."))?;
        material.description = item.name;
        material.unit = item.unit.chars().take(20).collect();
    }
    let material_id = visits::add_material(&mut tx, ctx.org_id(), id, &material, ctx.user.user_id).await?;
    if visit.completed_at.is_some() {
        let which = Which::Material(material_id);
        inventory::settle_visit(&mut tx, ctx.org_id(), ctx.user.user_id, id, which, None).await?;
    }
    let diff = json!({"material_id": material_id, "item_id": material.item_id, "description": material.description, "quantity": material.quantity, "unit": material.unit});
    ctx.audit(&mut tx, "visit.material_added", "visit", Some(id), diff)
        .await?;
    tx.commit().await?;
    Ok(())
}

pub async fn remove_material(ctx: &RequestContext, id: Uuid, material_id: Uuid) -> Result<(), AppError> {
    ctx.require(Action::RecordVisits)?;
    let mut tx = ctx.tenant().await?;
    begun(&mut tx, ctx, id).await?;
    let back = Some("Taken off the visit");
    inventory::settle_visit(
        &mut tx,
        ctx.org_id(),
        ctx.user.user_id,
        id,
        Which::Material(material_id),
        back,
    )
    .await?;
    if !visits::remove_material(&mut tx, ctx.org_id(), id, material_id).await? {
        return Err(AppError::not_found("That material"));
    }
    ctx.audit(
        &mut tx,
        "visit.material_removed",
        "visit",
        Some(id),
        json!({"material_id": material_id}),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Saves the treating practitioner's note while the visit is in progress. The audit log
/// records which sections changed, not their words (health data stays in the record).
pub async fn save_note(ctx: &RequestContext, id: Uuid, form: &NoteForm) -> Result<(), AppError> {
    ctx.require(Action::WriteClinicalNotes)?;
    let note = form.parse()?;
    let mut tx = ctx.tenant().await?;
    let visit = begun(&mut tx, ctx, id).await?;
    if visit.practitioner_id != ctx.user.user_id {
        return Err(AppError::Forbidden(
            "Only the treating practitioner writes this note. Add an addendum once the visit is completed.".into(),
        ));
    }
    if visit.completed_at.is_some() {
        return Err(AppError::Conflict {
            field: None,
            message: "The visit is completed and its note signed. Add an addendum instead.".into(),
        });
    }
    let changed: Vec<&str> = note
        .sections()
        .iter()
        .zip(visit.note.sections())
        .filter(|((_, new), (_, old))| new != old)
        .map(|((field, _), _)| *field)
        .collect();
    visits::save_note(&mut tx, ctx.org_id(), id, &note).await?;
    ctx.audit(
        &mut tx,
        "visit.note_saved",
        "visit",
        Some(id),
        json!({"sections": changed}),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Adds to the note of a completed visit, in the writer's name and with the time.
pub async fn add_addendum(ctx: &RequestContext, id: Uuid, body: &str) -> Result<(), AppError> {
    ctx.require(Action::WriteClinicalNotes)?;
    let body = parse_addendum(body)?;
    let mut tx = ctx.tenant().await?;
    let visit = begun(&mut tx, ctx, id).await?;
    if visit.completed_at.is_none() {
        return Err(AppError::Conflict {
            field: Some("body".into()),
            message: "The note can still be changed while the visit is in progress; addenda follow its completion."
                .into(),
        });
    }
    let addendum = visits::add_addendum(&mut tx, ctx.org_id(), id, ctx.user.user_id, &body).await?;
    ctx.audit(
        &mut tx,
        "visit.addendum_added",
        "visit",
        Some(id),
        json!({"addendum_id": addendum}),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// What a status step does to the visit: starting opens (or resumes) it, with the booked
/// service and what its recipe uses; completing closes it, signs its note and takes its
/// materials from stock.
pub(crate) async fn follow_status(tx: &mut Tx, ctx: &RequestContext, id: Uuid, to: Status) -> Result<(), AppError> {
    let (org, by) = (ctx.org_id(), ctx.user.user_id);
    match to {
        Status::InProgress => match visits::start(tx, org, id, by, Utc::now()).await? {
            Some(line) => visits::add_recipe(tx, org, line, by).await,
            None => Ok(()),
        },
        Status::Completed => {
            visits::complete(tx, org, id, Utc::now()).await?;
            inventory::settle_visit(tx, org, by, id, Which::All, None).await
        }
        _ => Ok(()),
    }
}

/// Reopens a completed visit for an undone completion; refused once its note is signed.
pub(crate) async fn reopen(tx: &mut Tx, ctx: &RequestContext, id: Uuid) -> Result<(), AppError> {
    let Some(visit) = visits::get(tx, ctx.org_id(), id).await? else {
        return Ok(());
    };
    if visit.signed_at.is_none() && visits::reopen(tx, ctx.org_id(), id).await? {
        let back = Some("The visit's completion was undone");
        inventory::settle_visit(tx, ctx.org_id(), ctx.user.user_id, id, Which::All, back).await
    } else {
        Err(AppError::Conflict {
            field: Some("status".into()),
            message: "The note was signed when the visit was completed, so the visit stays completed. Add an addendum to the note instead.".into(),
        })
    }
}
