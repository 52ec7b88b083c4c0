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
pub use moves::{relocate, Relocation, Target, Was};
pub use place::{place, Booking, Patient};

use super::db::{appointments, Tx};
use crate::domain::{appointment::Span, availability, catalog::Service, patient::phone_digits, AppError};

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
/// collide in an exclusion constraint share a key (the practitioner, the room or the
/// equipment, at a quarter of an hour both take; the booker's contact for the portal's
/// find-or-create), so they queue instead of waiting for each other inside the
/// constraint, which is what deadlocked. Writes at other times of the same practitioner
/// share no key and run side by side. Taking the keys sorted, all at once, means no two
/// writes ever wait in a cycle.
#[derive(Debug, Default)]
pub struct Claims(BTreeSet<String>);

/// The grain of time a claim covers, in seconds: a quarter of an hour.
const GRAIN: i64 = 15 * 60;
/// Claims a day apart share a key (a needless wait, never a missed one), so a long
/// series or a day-long booking takes at most a day's grains per practitioner, room or
/// piece of equipment.
const GRAINS_PER_KEY_CYCLE: i64 = 24 * 60 * 60 / GRAIN;

/// The grains `span` touches, as key suffixes. Two overlapping spans share one: both
/// hold a moment, and so its quarter of an hour.
fn grains(span: Span) -> impl Iterator<Item = i64> {
    let first = span.start.timestamp().div_euclid(GRAIN);
    let last = (span.end.timestamp() - 1).div_euclid(GRAIN);
    (first..=last.min(first + GRAINS_PER_KEY_CYCLE - 1)).map(|g| g.rem_euclid(GRAINS_PER_KEY_CYCLE))
}

impl Claims {
    /// The practitioner during `span` (buffers included).
    pub fn practitioner(&mut self, id: Uuid, span: Span) {
        self.during("practitioner", id, span);
    }

    pub fn room(&mut self, id: Uuid, span: Span) {
        self.during("room", id, span);
    }

    pub fn resource(&mut self, id: Uuid, span: Span) {
        self.during("resource", id, span);
    }

    fn during(&mut self, what: &str, id: Uuid, span: Span) {
        self.0
            .extend(grains(span).map(|grain| format!("appointment:{what}:{id}:{grain}")));
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

    fn at(hour: u32, minute: u32, minutes: i64) -> Span {
        let start = chrono::NaiveDate::from_ymd_opt(2026, 12, 7)
            .and_then(|d| d.and_hms_opt(hour, minute, 0))
            .map(|t| t.and_utc())
            .expect("a valid time");
        Span {
            start,
            end: start + chrono::Duration::minutes(minutes),
        }
    }

    fn keys(span: Span) -> BTreeSet<String> {
        let mut claims = Claims::default();
        claims.practitioner(Uuid::from_u128(1), span);
        claims.0
    }

    #[test]
    fn claims_are_sorted_and_named_once() {
        let (a, b) = (Uuid::from_u128(2), Uuid::from_u128(1));
        let mut claims = Claims::default();
        claims.room(a, at(9, 0, 15));
        claims.practitioner(a, at(9, 0, 15));
        claims.room(a, at(9, 0, 15));
        claims.contact(b, "+44 20 7946 0958", " Ada@Example.org ");
        let keys: Vec<&String> = claims.0.iter().collect();
        assert_eq!(keys.len(), 4);
        assert!(keys.windows(2).all(|w| w[0] < w[1]));
        assert!(keys.iter().any(|k| k.ends_with("email:ada@example.org")));
    }

    #[test]
    fn overlapping_times_share_a_key_and_neighbours_do_not() {
        let booked = keys(at(10, 0, 30));
        assert_eq!(booked.len(), 2, "half an hour is two quarters: {booked:?}");
        // Overlapping by a minute, at either end, or inside: they must queue.
        for other in [at(9, 31, 30), at(10, 29, 30), at(10, 10, 5), at(8, 0, 240)] {
            assert!(!booked.is_disjoint(&keys(other)), "{other:?} overlaps");
        }
        // Touching is not overlapping: the half hours before and after run side by side.
        for other in [at(9, 30, 30), at(10, 30, 30)] {
            assert!(booked.is_disjoint(&keys(other)), "{other:?} only touches");
        }
    }

    #[test]
    fn a_long_span_takes_at_most_a_day_of_keys() {
        assert_eq!(keys(at(0, 0, 3 * 24 * 60)).len(), 96);
        assert_eq!(keys(at(23, 50, 20)).len(), 2, "across midnight");
        // The same time a day later shares its keys: a needless wait, never a missed one.
        let monday = at(10, 0, 30);
        let tuesday = Span {
            start: monday.start + chrono::Duration::days(1),
            end: monday.end + chrono::Duration::days(1),
        };
        assert_eq!(keys(monday), keys(tuesday));
    }
}
