//! Placing new appointments: one, or every occurrence of a series (all or none).

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::{Cause, Claims, Clash, Needs, Outcome};
use crate::{
    domain::{
        appointment::{Source, Span},
        portal::PortalPatient,
        AppError,
    },
    server::db::{
        appointments::{self, overlap_of, NewRow, Taken},
        patients, Tx,
    },
};

/// Whom the appointment is for.
#[derive(Debug, Clone, Copy)]
pub enum Patient<'a> {
    /// A patient of the organization the caller has already checked.
    Known(Uuid),
    /// A new record with a name and phone (staff booking someone new).
    New { name: &'a str, phone: &'a str },
    /// An online booker: the known patient with that phone or email, else a new record.
    /// Bookings from one contact are serialised, so parallel ones make one patient.
    Booker(&'a PortalPatient),
}

pub struct Booking<'a> {
    pub branch_id: Uuid,
    pub practitioner_id: Uuid,
    pub patient: Patient<'a>,
    pub needs: Needs<'a>,
    /// A room the caller named (and checked); `None` lets the engine choose one of the
    /// kind the service needs.
    pub room_id: Option<Uuid>,
    pub series_id: Option<Uuid>,
    /// Start and end of each appointment to place.
    pub occurrences: &'a [(DateTime<Utc>, DateTime<Utc>)],
    pub source: Source,
    pub notes: &'a str,
    pub created_by: Option<Uuid>,
}

struct Planned {
    starts: DateTime<Utc>,
    ends: DateTime<Utc>,
    span: Span,
    room_id: Option<Uuid>,
    /// The engine chose the room: if it is taken meanwhile, another may be free.
    chosen_room: bool,
    resources: Vec<Uuid>,
}

/// Places the booking's appointments in `tx` and returns their ids. When any occurrence
/// is refused (`Refused`, `Again`) the transaction is spent: the caller drops it, and on
/// `Again` tries anew.
pub async fn place(tx: &mut Tx, org_id: Uuid, b: &Booking<'_>) -> Result<Outcome<Vec<Uuid>>, AppError> {
    let mut claims = Claims::default();
    let mut plan = Vec::with_capacity(b.occurrences.len());
    for &(starts, ends) in b.occurrences {
        let span = Span::blocked(
            starts,
            ends,
            b.needs.buffer_before_minutes,
            b.needs.buffer_after_minutes,
        );
        let refused = |cause| {
            Ok(Outcome::Refused(Clash {
                span,
                cause,
                moving: None,
            }))
        };
        let (room_id, chosen_room) = match (b.room_id, b.needs.room_kind) {
            (Some(id), _) => (Some(id), false),
            (None, Some(kind)) => match appointments::free_room(tx, org_id, b.branch_id, kind, span, None).await? {
                Some(id) => (Some(id), true),
                None => return refused(Cause::NoRoom(kind.to_owned())),
            },
            (None, None) => (None, false),
        };
        let resources =
            match appointments::free_resources(tx, org_id, b.branch_id, b.needs.resource_kinds, span).await? {
                Ok(list) => list,
                Err(missing) => return refused(Cause::NoEquipment(missing)),
            };
        claims.practitioner(b.practitioner_id, span);
        if let Some(room) = room_id {
            claims.room(room, span);
        }
        resources.iter().for_each(|r| claims.resource(*r, span));
        plan.push(Planned {
            starts,
            ends,
            span,
            room_id,
            chosen_room,
            resources,
        });
    }
    if let Patient::Booker(p) = b.patient {
        claims.contact(org_id, p.phone.as_str(), p.email.as_ref().map_or("", |e| e.as_str()));
    }
    claims.take(tx).await?;
    let patient_id = resolve(tx, org_id, b.patient).await?;

    let mut ids = Vec::with_capacity(plan.len());
    for p in &plan {
        let row = NewRow {
            branch_id: b.branch_id,
            patient_id,
            practitioner_id: b.practitioner_id,
            service_id: b.needs.service_id,
            room_id: p.room_id,
            series_id: b.series_id,
            starts_at: p.starts,
            ends_at: p.ends,
            buffer_before_minutes: b.needs.buffer_before_minutes,
            buffer_after_minutes: b.needs.buffer_after_minutes,
            source: b.source,
            notes: b.notes,
            created_by: b.created_by,
        };
        // A refused insert aborts the transaction, which the caller then drops: nothing
        // of the booking stays, and no savepoint costs two more round trips.
        let inserted = match appointments::insert(tx, org_id, &row).await {
            Ok(id) => appointments::attach_resources(tx, org_id, id, &p.resources)
                .await
                .map(|()| id),
            Err(err) => Err(err),
        };
        match inserted {
            Ok(id) => ids.push(id),
            Err(err) => {
                let what = match overlap_of(&err) {
                    Some("appointments_practitioner_overlap") => Taken::Practitioner(b.practitioner_id),
                    Some("appointments_room_overlap") if p.chosen_room => return Ok(Outcome::Again),
                    Some("appointments_room_overlap") => Taken::Room(p.room_id.unwrap_or_default()),
                    Some("appointment_resources_overlap") => return Ok(Outcome::Again),
                    _ => return Err(err.into()),
                };
                return Ok(Outcome::Refused(Clash {
                    span: p.span,
                    cause: Cause::Taken(what),
                    moving: None,
                }));
            }
        }
    }
    Ok(Outcome::Done(ids))
}

/// The patient's id, creating the record where the booking asks for a new one.
async fn resolve(tx: &mut Tx, org_id: Uuid, patient: Patient<'_>) -> Result<Uuid, AppError> {
    match patient {
        Patient::Known(id) => Ok(id),
        Patient::New { name, phone } => patients::create_quick(tx, org_id, name, phone).await,
        Patient::Booker(p) => {
            let email = p.email.as_ref().map_or("", |e| e.as_str());
            match patients::find_by_contact(tx, org_id, p.phone.as_str(), email).await? {
                Some(id) => {
                    patients::add_consents(tx, org_id, id, p.phone.as_str(), email, p.consent_sms, p.consent_email)
                        .await?;
                    Ok(id)
                }
                None => {
                    let id = patients::create_quick(tx, org_id, p.name.as_str(), p.phone.as_str()).await?;
                    patients::complete_contact(tx, org_id, id, email, p.consent_sms, p.consent_email).await?;
                    Ok(id)
                }
            }
        }
    }
}
