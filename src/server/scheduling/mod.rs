//! The scheduling engine: the only code that places an appointment or moves one, for
//! staff, the portal and the API alike. It chooses rooms and equipment, takes its locks
//! in one order, lets the exclusion constraints decide, names what clashes and until
//! when, retries what concurrency undid, and keeps one clinic's rush from holding the
//! connections every other clinic needs.
//!
//! A write goes: plan (reads only) → [`Claims::take`] (every advisory lock the write
//! needs, sorted, in one statement) → insert or update → [`record::record`].

mod clash;
mod gate;
mod hours;
mod moves;
mod place;
pub mod record;

use std::collections::BTreeSet;

use uuid::Uuid;

pub use clash::{kept_taken, Cause, Clash, Refusal};
pub use gate::{write, Attempt, Gate};
pub use hours::{hours_rule, Practitioner};
pub use moves::{relocate, Relocation, Target};
pub use place::{place, Booking, Patient};

use super::db::{appointments, Tx};
use crate::domain::{availability, catalog::Service, patient::phone_digits, AppError};

/// What a service or an online offer needs besides the practitioner.
#[derive(Debug, Clone, Copy)]
pub struct Needs<'a> {
    pub service_id: Uuid,
    pub buffer_before_minutes: i32,
    pub buffer_after_minutes: i32,
    /// A room of this kind, chosen by the engine when the caller names none.
    pub room_kind: Option<&'a str>,
    /// One free piece of equipment of each kind.
    pub resource_kinds: &'a [String],
}

impl<'a> Needs<'a> {
    /// What a catalog service needs (staff bookings and moves).
    pub fn of(service: &'a Service) -> Self {
        Self {
            service_id: service.id,
            buffer_before_minutes: service.buffer_before_minutes,
            buffer_after_minutes: service.buffer_after_minutes,
            room_kind: service.room_kind.as_deref(),
            resource_kinds: &service.resource_kinds,
        }
    }

    /// What a service offered online needs, as the availability engine read it.
    pub fn offered(service_id: Uuid, needs: &'a availability::Needs) -> Self {
        Self {
            service_id,
            buffer_before_minutes: needs.buffer_before_minutes,
            buffer_after_minutes: needs.buffer_after_minutes,
            room_kind: needs.room_kind.as_deref(),
            resource_kinds: &needs.resource_kinds,
        }
    }
}

/// How a write ended that did not fail.
#[derive(Debug)]
pub enum Outcome<T> {
    Done(T),
    /// What stands in the way.
    Refused(Clash),
    /// A room or piece of equipment the engine chose was taken meanwhile: plan again.
    Again,
}

/// The advisory locks a write takes before it changes anything. Two writes that could
/// collide in an exclusion constraint share a key (the practitioner, the room, the
/// equipment; the booker's contact for the portal's find-or-create), so they queue
/// instead of waiting for each other inside the constraint, which is what deadlocked.
/// Taking them sorted, all at once, means no two writes ever wait in a cycle.
#[derive(Debug, Default)]
pub struct Claims(BTreeSet<String>);

impl Claims {
    pub fn practitioner(&mut self, id: Uuid) {
        self.0.insert(format!("appointment:practitioner:{id}"));
    }

    pub fn room(&mut self, id: Uuid) {
        self.0.insert(format!("appointment:room:{id}"));
    }

    pub fn resource(&mut self, id: Uuid) {
        self.0.insert(format!("appointment:resource:{id}"));
    }

    /// A patient found or created by phone or email within an organization.
    pub fn contact(&mut self, org_id: Uuid, phone: &str, email: &str) {
        let digits = phone_digits(phone);
        if !digits.is_empty() {
            self.0.insert(format!("patient:{org_id}:phone:{digits}"));
        }
        let email = email.trim().to_lowercase();
        if !email.is_empty() {
            self.0.insert(format!("patient:{org_id}:email:{email}"));
        }
    }

    pub async fn take(self, tx: &mut Tx) -> Result<(), AppError> {
        let keys: Vec<String> = self.0.into_iter().collect();
        appointments::claim(tx, &keys).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn claims_are_sorted_and_named_once() {
        let (a, b) = (Uuid::from_u128(2), Uuid::from_u128(1));
        let mut claims = Claims::default();
        claims.room(a);
        claims.practitioner(a);
        claims.room(a);
        claims.contact(b, "+44 20 7946 0958", " Ada@Example.org ");
        let keys: Vec<&String> = claims.0.iter().collect();
        assert_eq!(keys.len(), 4);
        assert!(keys.windows(2).all(|w| w[0] < w[1]));
        assert!(keys.iter().any(|k| k.ends_with("email:ada@example.org")));
    }
}
