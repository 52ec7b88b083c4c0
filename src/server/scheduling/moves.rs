//! Moving appointments: a new time, length, practitioner or room, for one appointment or
//! for an occurrence and the following ones of its series.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::{Cause, Claims, Clash, Needs, Outcome};
use crate::{
    domain::{appointment::Span, AppError},
    server::db::{
        appointments::{self, overlap_of, Taken},
        Tx,
    },
};

/// One appointment (locked by the caller) and where it goes.
#[derive(Debug, Clone, Copy)]
pub struct Target {
    pub id: Uuid,
    /// The room it has now.
    pub room_id: Option<Uuid>,
    pub starts: DateTime<Utc>,
    pub ends: DateTime<Utc>,
    /// Where it is now. A booking there waits inside the constraint for this move to
    /// end, so the move claims its old place as well as its new one.
    pub was: Was,
}

/// The practitioner and time an appointment has before it moves.
#[derive(Debug, Clone, Copy)]
pub struct Was {
    pub practitioner_id: Uuid,
    pub starts: DateTime<Utc>,
    pub ends: DateTime<Utc>,
}

pub struct Relocation<'a> {
    pub branch_id: Uuid,
    pub practitioner_id: Uuid,
    pub needs: Needs<'a>,
    /// A room the caller named (and checked); `None` keeps each appointment's room while
    /// it is free at the new time, else takes another of the kind the service needs.
    pub room_id: Option<Uuid>,
    /// In the order they move: the constraints are checked row by row, so a series that
    /// moves later moves its last occurrence first.
    pub targets: &'a [Target],
}

pub async fn relocate(tx: &mut Tx, org_id: Uuid, r: &Relocation<'_>) -> Result<Outcome<()>, AppError> {
    // Equipment moves with its appointment (by trigger), so it is claimed too.
    let ids: Vec<Uuid> = r.targets.iter().map(|t| t.id).collect();
    let held = appointments::resources_of(tx, &ids).await?;
    let mut claims = Claims::default();
    let mut rooms = Vec::with_capacity(r.targets.len());
    for target in r.targets {
        let span = span_of(r, target);
        let was = was_of(r, target);
        claims.practitioner(r.practitioner_id, span);
        claims.practitioner(target.was.practitioner_id, was);
        if let Some(room) = target.room_id {
            claims.room(room, was);
        }
        for (_, resource) in held.iter().filter(|(a, _)| *a == target.id) {
            claims.resource(*resource, span);
            claims.resource(*resource, was);
        }
        let room_id = match (r.room_id, target.room_id, r.needs.room_kind) {
            (Some(id), _, _) => Some(id),
            (None, Some(current), Some(kind)) => {
                let clash = appointments::clash(tx, org_id, Taken::Room(current), span, Some(target.id)).await?;
                if clash.is_none() {
                    Some(current)
                } else {
                    appointments::free_room(tx, org_id, r.branch_id, kind, span, Some(target.id))
                        .await?
                        .or(Some(current))
                }
            }
            (None, current, _) => current,
        };
        if let Some(room) = room_id {
            claims.room(room, span);
        }
        rooms.push(room_id);
    }
    claims.take(tx).await?;

    for (target, room_id) in r.targets.iter().zip(rooms) {
        let moved = appointments::move_to(
            tx,
            org_id,
            target.id,
            target.starts,
            target.ends,
            r.practitioner_id,
            room_id,
        )
        .await;
        // A refused update aborts the transaction, which the caller then drops.
        if let Err(err) = moved {
            let what = match overlap_of(&err) {
                Some("appointments_practitioner_overlap") => Taken::Practitioner(r.practitioner_id),
                Some("appointments_room_overlap") => Taken::Room(room_id.unwrap_or_default()),
                Some("appointment_resources_overlap") => Taken::Resource(
                    held.iter()
                        .find(|(a, _)| *a == target.id)
                        .map(|(_, res)| *res)
                        .unwrap_or_default(),
                ),
                _ => return Err(err.into()),
            };
            return Ok(Outcome::Refused(Clash {
                span: span_of(r, target),
                cause: Cause::Taken(what),
                moving: Some(target.id),
            }));
        }
    }
    Ok(Outcome::Done(()))
}

fn span_of(r: &Relocation<'_>, target: &Target) -> Span {
    Span::blocked(
        target.starts,
        target.ends,
        r.needs.buffer_before_minutes,
        r.needs.buffer_after_minutes,
    )
}

/// Where the target is now, buffers included.
fn was_of(r: &Relocation<'_>, target: &Target) -> Span {
    Span::blocked(
        target.was.starts,
        target.was.ends,
        r.needs.buffer_before_minutes,
        r.needs.buffer_after_minutes,
    )
}
