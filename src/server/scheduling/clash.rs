//! What stands in the way of a booking or a move, in words a receptionist can act on.

use chrono_tz::Tz;
use uuid::Uuid;

use crate::{
    domain::{appointment::Span, time::utc_to_local, AppError},
    server::db::{
        appointments::{self, Taken},
        Db,
    },
};

/// Why a time cannot be had.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cause {
    /// An exclusion constraint refused it: the practitioner, a room or equipment is booked.
    Taken(Taken),
    /// No room of this kind is free.
    NoRoom(String),
    /// None of these kinds of equipment is free.
    NoEquipment(Vec<String>),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Clash {
    /// The time the booking would block, buffers included.
    pub span: Span,
    pub cause: Cause,
    /// The appointment being moved, if any: its own time does not stand in the way.
    pub moving: Option<Uuid>,
}

/// A refused write: what stands in the way, whose time it was, and the zone to name the
/// times in.
#[derive(Debug, Clone)]
pub struct Refusal {
    pub clash: Clash,
    pub practitioner_id: Uuid,
    pub tz: Tz,
}

/// The refusal for a clash, naming what is booked and from when to when, read in a
/// transaction of its own (the refused one is aborted). The practitioner's own
/// appointment is the clearest thing to name, so it is looked for first whatever the
/// constraint was.
pub async fn explain(db: &Db, org_id: Uuid, refusal: &Refusal) -> AppError {
    let Refusal {
        clash,
        practitioner_id,
        tz,
    } = refusal;
    let mut tx = match db.tenant(org_id).await {
        Ok(tx) => tx,
        Err(err) => return err,
    };
    let mine = Taken::Practitioner(*practitioner_id);
    let mut order = vec![mine];
    if let Cause::Taken(what) = clash.cause {
        if what != mine {
            order.push(what);
        }
    }
    for what in order {
        let subject = match what {
            Taken::Practitioner(_) => "",
            Taken::Room(_) => "The room ",
            Taken::Resource(_) => "The equipment ",
        };
        if let Ok(Some((name, starts, ends, service))) =
            appointments::clash(&mut tx, org_id, what, clash.span, clash.moving).await
        {
            let (s, e) = (utc_to_local(starts, *tz), utc_to_local(ends, *tz));
            return conflict(format!(
                "{subject}{name} is already booked from {} to {} on {} ({service}). Choose another time.",
                s.format("%H:%M"),
                e.format("%H:%M"),
                s.format("%-d %b"),
            ));
        }
    }
    conflict(match &clash.cause {
        Cause::NoRoom(kind) => format!("No {kind} room is free at that time. Choose another time."),
        Cause::NoEquipment(kinds) => format!("No {} is free at that time. Choose another time.", kinds.join(" or ")),
        Cause::Taken(_) => "That time was just taken. Choose another time.".into(),
    })
}

/// The answer when the rooms or equipment the engine chose kept being taken.
pub fn kept_taken() -> AppError {
    conflict("The rooms and equipment for that time were just taken. Choose another time.".into())
}

fn conflict(message: String) -> AppError {
    AppError::Conflict {
        field: Some("time".into()),
        message,
    }
}
