//! The availability engine: which start times a patient may book, from the working
//! hours, time off and closures, the appointments already booked (with their buffers),
//! what the service needs (length, buffers, a kind of room, kinds of equipment), and
//! the branch's booking rules, in the branch's time zone across daylight-saving changes.
//!
//! Pure: the server loads what a range needs and asks here; the same code compiles for
//! the browser.

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveTime, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{
    appointment::Span,
    schedule::WorkingInterval,
    time::{local_to_utc, utc_to_local},
};

/// The branch's rules for online booking, after any override of the service.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct BookingRules {
    /// No booking starts sooner than this after now.
    pub min_notice_minutes: i64,
    /// Nor later than this many days from now.
    pub max_days_ahead: i64,
    /// Offered start times are this many minutes apart within working hours.
    pub slot_step_minutes: i64,
}

/// What one booking of the service takes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Needs {
    pub minutes: i64,
    pub buffer_before_minutes: i32,
    pub buffer_after_minutes: i32,
    pub room_kind: Option<String>,
    pub resource_kinds: Vec<String>,
}

/// Everything one computation looks at.
#[derive(Debug, Clone, Default)]
pub struct World {
    /// Practitioners who may give the service, with their weekly hours at the branch.
    pub hours: Vec<(Uuid, WorkingInterval)>,
    /// Time off, per person.
    pub time_off: Vec<(Uuid, Span)>,
    /// Local dates the branch is closed.
    pub closures: Vec<NaiveDate>,
    /// Blocked time (buffers included) of live appointments, per practitioner.
    pub practitioner_busy: Vec<(Uuid, Span)>,
    /// Rooms of the branch (id, kind) and their blocked time.
    pub rooms: Vec<(Uuid, String)>,
    pub room_busy: Vec<(Uuid, Span)>,
    /// Equipment of the branch (id, kind) and its blocked time.
    pub resources: Vec<(Uuid, String)>,
    pub resource_busy: Vec<(Uuid, Span)>,
}

/// A start time a patient may book, and who would see them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Slot {
    pub starts_at: DateTime<Utc>,
    pub practitioner_id: Uuid,
    pub local_date: NaiveDate,
    /// `09:15`
    pub time: String,
}

/// Spans per key, sorted by start, for quick overlap checks.
struct Calendar(BTreeMap<Uuid, Vec<Span>>);

impl Calendar {
    fn new(spans: &[(Uuid, Span)]) -> Self {
        let mut map: BTreeMap<Uuid, Vec<Span>> = BTreeMap::new();
        for (key, span) in spans {
            map.entry(*key).or_default().push(*span);
        }
        for list in map.values_mut() {
            list.sort_by_key(|s| s.start);
        }
        Self(map)
    }

    /// Whether `key` is free for all of `span`.
    fn free(&self, key: Uuid, span: &Span) -> bool {
        let Some(list) = self.0.get(&key) else {
            return true;
        };
        // Only spans that start before `span` ends can overlap it.
        let before_end = list.partition_point(|s| s.start < span.end);
        !list[..before_end].iter().any(|s| s.overlaps(span))
    }
}

/// The free start times between `first` and `last` (local dates, inclusive) for the
/// practitioners in `world.hours`, earliest first, each start once per practitioner.
pub fn slots(
    tz: Tz,
    now: DateTime<Utc>,
    rules: BookingRules,
    needs: &Needs,
    world: &World,
    first: NaiveDate,
    last: NaiveDate,
) -> Vec<Slot> {
    let earliest = now + Duration::minutes(rules.min_notice_minutes);
    let latest = now + Duration::days(rules.max_days_ahead);
    let step = rules.slot_step_minutes.max(5);
    let away = Calendar::new(&world.time_off);
    let busy = Calendar::new(&world.practitioner_busy);
    let rooms_busy = Calendar::new(&world.room_busy);
    let resources_busy = Calendar::new(&world.resource_busy);
    let rooms: Vec<Uuid> = match &needs.room_kind {
        Some(kind) => world
            .rooms
            .iter()
            .filter(|(_, k)| k == kind)
            .map(|(id, _)| *id)
            .collect(),
        None => Vec::new(),
    };
    let equipment: Vec<Vec<Uuid>> = needs
        .resource_kinds
        .iter()
        .map(|kind| {
            world
                .resources
                .iter()
                .filter(|(_, k)| k == kind)
                .map(|(id, _)| *id)
                .collect()
        })
        .collect();

    let mut out = Vec::new();
    let mut date = first;
    while date <= last {
        if !world.closures.contains(&date) {
            let weekday = date.weekday().number_from_monday() as u8;
            for (practitioner, interval) in world.hours.iter().filter(|(_, h)| h.weekday == weekday) {
                let mut local = date.and_time(interval.starts);
                let end_of_interval = date.and_time(interval.ends);
                while local + Duration::minutes(needs.minutes) <= end_of_interval {
                    let starts = local_to_utc(tz, local);
                    let ends = starts + Duration::minutes(needs.minutes);
                    // A wall-clock time that does not exist that day (the spring gap) is skipped.
                    let real = utc_to_local(starts, tz) == local;
                    let body = Span {
                        start: starts,
                        end: ends,
                    };
                    let blocked = Span::blocked(starts, ends, needs.buffer_before_minutes, needs.buffer_after_minutes);
                    let fits = real
                        && starts >= earliest
                        && starts <= latest
                        && away.free(*practitioner, &body)
                        && busy.free(*practitioner, &blocked)
                        && (needs.room_kind.is_none() || rooms.iter().any(|r| rooms_busy.free(*r, &blocked)))
                        && equipment
                            .iter()
                            .all(|kind| kind.iter().any(|r| resources_busy.free(*r, &blocked)));
                    if fits {
                        out.push(Slot {
                            starts_at: starts,
                            practitioner_id: *practitioner,
                            local_date: date,
                            time: local.time().format("%H:%M").to_string(),
                        });
                    }
                    local += Duration::minutes(step);
                }
            }
        }
        date += Duration::days(1);
    }
    out.sort_by_key(|s| (s.starts_at, s.practitioner_id));
    out.dedup_by_key(|s| (s.starts_at, s.practitioner_id));
    out
}

/// One slot per start time, for "any available practitioner" (the first free one).
pub fn any_practitioner(slots: Vec<Slot>) -> Vec<Slot> {
    let mut out: Vec<Slot> = Vec::with_capacity(slots.len());
    for slot in slots {
        if out.last().is_none_or(|last| last.starts_at != slot.starts_at) {
            out.push(slot);
        }
    }
    out
}

/// The free slots nearest to `wanted`, for "that time was just taken".
pub fn nearest(slots: &[Slot], wanted: DateTime<Utc>, count: usize) -> Vec<Slot> {
    let mut sorted: Vec<&Slot> = slots.iter().collect();
    sorted.sort_by_key(|s| ((s.starts_at - wanted).num_seconds().abs(), s.starts_at));
    let mut picked: Vec<Slot> = sorted.into_iter().take(count).cloned().collect();
    picked.sort_by_key(|s| s.starts_at);
    picked
}

/// A full day's way out: the first `days` later days with free times, each with its first
/// `per_day` times (the slots are in time order).
pub fn next_free_days(slots: &[Slot], after: NaiveDate, days: usize, per_day: usize) -> Vec<FreeDay> {
    let mut found: Vec<FreeDay> = Vec::new();
    for slot in slots.iter().filter(|s| s.local_date > after) {
        if found.last().is_none_or(|day| day.date != slot.local_date) {
            if found.len() == days {
                break;
            }
            found.push(FreeDay {
                date: slot.local_date,
                slots: Vec::new(),
            });
        }
        if let Some(day) = found.last_mut().filter(|day| day.slots.len() < per_day) {
            day.slots.push(slot.clone());
        }
    }
    found
}

/// A later day offered when the chosen one is full, with its first free times.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FreeDay {
    pub date: NaiveDate,
    pub slots: Vec<Slot>,
}

/// The local time of day of a slot, as minutes (for tests and the portal's grouping).
pub fn minutes_of(slot: &Slot) -> u32 {
    NaiveTime::parse_from_str(&slot.time, "%H:%M").map_or(0, super::schedule::minute_of_day)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{schedule::within_hours, time::zone};
    use chrono::TimeZone;
    use proptest::prelude::*;

    fn monday() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 30).unwrap()
    }

    fn hours(who: Uuid, from: (u32, u32), to: (u32, u32)) -> Vec<(Uuid, WorkingInterval)> {
        (1..=5)
            .map(|weekday| {
                (
                    who,
                    WorkingInterval {
                        weekday,
                        starts: NaiveTime::from_hms_opt(from.0, from.1, 0).unwrap(),
                        ends: NaiveTime::from_hms_opt(to.0, to.1, 0).unwrap(),
                    },
                )
            })
            .collect()
    }

    fn rules() -> BookingRules {
        BookingRules {
            min_notice_minutes: 120,
            max_days_ahead: 60,
            slot_step_minutes: 15,
        }
    }

    fn needs(minutes: i64, after: i32) -> Needs {
        Needs {
            minutes,
            buffer_before_minutes: 0,
            buffer_after_minutes: after,
            room_kind: None,
            resource_kinds: vec![],
        }
    }

    fn at(date: NaiveDate, h: u32, m: u32, tz: Tz) -> DateTime<Utc> {
        local_to_utc(tz, date.and_hms_opt(h, m, 0).unwrap())
    }

    #[test]
    fn a_free_morning_offers_every_step_that_fits() {
        let tz = zone("Europe/Berlin");
        let who = Uuid::new_v4();
        let world = World {
            hours: hours(who, (9, 0), (10, 0)),
            ..Default::default()
        };
        let now = Utc.with_ymd_and_hms(2026, 11, 20, 12, 0, 0).unwrap();
        let got = slots(tz, now, rules(), &needs(30, 0), &world, monday(), monday());
        let times: Vec<&str> = got.iter().map(|s| s.time.as_str()).collect();
        assert_eq!(times, ["09:00", "09:15", "09:30"]);
    }

    #[test]
    fn booked_time_and_its_buffer_are_not_offered() {
        let tz = zone("Europe/Berlin");
        let who = Uuid::new_v4();
        let booked = Span::blocked(at(monday(), 9, 30, tz), at(monday(), 10, 0, tz), 0, 15);
        let world = World {
            hours: hours(who, (9, 0), (11, 0)),
            practitioner_busy: vec![(who, booked)],
            ..Default::default()
        };
        let now = Utc.with_ymd_and_hms(2026, 11, 20, 12, 0, 0).unwrap();
        let got = slots(tz, now, rules(), &needs(30, 0), &world, monday(), monday());
        let times: Vec<&str> = got.iter().map(|s| s.time.as_str()).collect();
        // 09:00 ends at 09:30 (fits); the booking and its cleaning run to 10:15.
        assert_eq!(times, ["09:00", "10:15", "10:30"]);
    }

    #[test]
    fn notice_horizon_closures_and_time_off_are_respected() {
        let tz = zone("America/New_York");
        let who = Uuid::new_v4();
        let now = at(monday(), 8, 0, tz);
        let mut world = World {
            hours: hours(who, (9, 0), (12, 0)),
            ..Default::default()
        };
        let got = slots(tz, now, rules(), &needs(60, 0), &world, monday(), monday());
        assert_eq!(got.first().map(|s| s.time.as_str()), Some("10:00"), "two hours' notice");
        world.closures = vec![monday()];
        assert!(slots(tz, now, rules(), &needs(60, 0), &world, monday(), monday()).is_empty());
        world.closures.clear();
        world.time_off = vec![(
            who,
            Span {
                start: at(monday(), 10, 30, tz),
                end: at(monday(), 23, 0, tz),
            },
        )];
        let got = slots(tz, now, rules(), &needs(30, 0), &world, monday(), monday());
        assert_eq!(got.iter().map(|s| s.time.as_str()).collect::<Vec<_>>(), ["10:00"]);
        let far = monday() + Duration::days(90);
        assert!(slots(
            tz,
            now,
            rules(),
            &needs(30, 0),
            &World {
                hours: hours(who, (9, 0), (12, 0)),
                ..Default::default()
            },
            far,
            far
        )
        .is_empty());
    }

    #[test]
    fn a_service_that_needs_a_room_is_offered_only_while_one_is_free() {
        let tz = zone("Europe/London");
        let (a, b, room) = (Uuid::new_v4(), Uuid::new_v4(), Uuid::new_v4());
        let mut hours_ab = hours(a, (9, 0), (10, 0));
        hours_ab.extend(hours(b, (9, 0), (10, 0)));
        let taken = Span {
            start: at(monday(), 9, 0, tz),
            end: at(monday(), 9, 30, tz),
        };
        let world = World {
            hours: hours_ab,
            rooms: vec![(room, "treatment".into())],
            room_busy: vec![(room, taken)],
            ..Default::default()
        };
        let mut service = needs(30, 0);
        service.room_kind = Some("treatment".into());
        let now = Utc.with_ymd_and_hms(2026, 11, 20, 12, 0, 0).unwrap();
        let got = any_practitioner(slots(tz, now, rules(), &service, &world, monday(), monday()));
        assert_eq!(got.iter().map(|s| s.time.as_str()).collect::<Vec<_>>(), ["09:30"]);
        service.resource_kinds = vec!["ultrasound".into()];
        assert!(
            slots(tz, now, rules(), &service, &world, monday(), monday()).is_empty(),
            "no ultrasound at all"
        );
    }

    #[test]
    fn the_nearest_free_slots_are_offered_around_a_taken_one() {
        let tz = zone("Europe/Berlin");
        let who = Uuid::new_v4();
        let world = World {
            hours: hours(who, (9, 0), (12, 0)),
            ..Default::default()
        };
        let now = Utc.with_ymd_and_hms(2026, 11, 20, 12, 0, 0).unwrap();
        let all = slots(tz, now, rules(), &needs(30, 0), &world, monday(), monday());
        let near = nearest(&all, at(monday(), 10, 0, tz), 3);
        assert_eq!(
            near.iter().map(|s| s.time.as_str()).collect::<Vec<_>>(),
            ["09:45", "10:00", "10:15"]
        );
    }

    #[test]
    fn a_full_day_offers_the_first_times_of_the_next_free_days() {
        let tz = zone("Europe/Berlin");
        let who = Uuid::new_v4();
        let world = World {
            hours: hours(who, (9, 0), (10, 0)),
            ..Default::default()
        };
        let now = Utc.with_ymd_and_hms(2026, 11, 20, 12, 0, 0).unwrap();
        let friday = monday() + chrono::Duration::days(4);
        let all = slots(tz, now, rules(), &needs(30, 0), &world, monday(), friday);
        let next = next_free_days(&all, monday(), 2, 2);
        let got: Vec<(NaiveDate, Vec<&str>)> = next
            .iter()
            .map(|d| (d.date, d.slots.iter().map(|s| s.time.as_str()).collect()))
            .collect();
        let tuesday = monday() + chrono::Duration::days(1);
        assert_eq!(
            got,
            [
                (tuesday, vec!["09:00", "09:15"]),
                (tuesday + chrono::Duration::days(1), vec!["09:00", "09:15"])
            ]
        );
        assert!(
            next_free_days(&all, friday, 2, 2).is_empty(),
            "nothing after the last day"
        );
    }

    #[test]
    fn slots_keep_their_wall_clock_times_across_the_change_to_summer_time() {
        let tz = zone("Europe/Berlin");
        let who = Uuid::new_v4();
        let world = World {
            hours: hours(who, (9, 0), (9, 30)),
            ..Default::default()
        };
        let friday = NaiveDate::from_ymd_opt(2026, 3, 27).unwrap();
        let monday_after = NaiveDate::from_ymd_opt(2026, 3, 30).unwrap();
        let now = Utc.with_ymd_and_hms(2026, 3, 1, 0, 0, 0).unwrap();
        let got = slots(tz, now, rules(), &needs(30, 0), &world, friday, monday_after);
        let utc_hours: Vec<(String, u32)> = got
            .iter()
            .map(|s| (s.time.clone(), chrono::Timelike::hour(&s.starts_at)))
            .collect();
        assert_eq!(utc_hours, [("09:00".to_owned(), 8), ("09:00".to_owned(), 7)]);
    }

    proptest! {
        /// Whatever is booked or away: no offered slot overlaps it, every slot lies inside
        /// its practitioner's hours, and the notice and horizon hold.
        #[test]
        fn offered_slots_never_clash_and_stay_within_hours_and_rules(
            zone_index in 0usize..2,
            start_hour in 6u32..10,
            length_hours in 2u32..9,
            minutes in prop::sample::select(vec![15i64, 20, 30, 45, 60]),
            step in prop::sample::select(vec![5i64, 10, 15, 30]),
            after in 0i32..20,
            notice in 0i64..3000,
            booked in prop::collection::vec((0i64..(5 * 24 * 60), 10i64..120), 0..25),
            away in prop::collection::vec((0i64..(5 * 24 * 60), 30i64..600), 0..3),
        ) {
            let tz = zone(["Europe/Berlin", "America/New_York"][zone_index]);
            let who = Uuid::new_v4();
            let base = at(monday(), 0, 0, tz);
            let world = World {
                hours: hours(who, (start_hour, 0), (start_hour + length_hours, 0)),
                practitioner_busy: booked.iter().map(|(m, len)| (who, Span { start: base + Duration::minutes(*m), end: base + Duration::minutes(m + len) })).collect(),
                time_off: away.iter().map(|(m, len)| (who, Span { start: base + Duration::minutes(*m), end: base + Duration::minutes(m + len) })).collect(),
                ..Default::default()
            };
            let rules = BookingRules { min_notice_minutes: notice, max_days_ahead: 4, slot_step_minutes: step };
            let service = needs(minutes, after);
            let now = base;
            let got = slots(tz, now, rules, &service, &world, monday(), monday() + Duration::days(6));
            for slot in &got {
                let blocked = Span::blocked(slot.starts_at, slot.starts_at + Duration::minutes(minutes), 0, after);
                let body = Span { start: slot.starts_at, end: slot.starts_at + Duration::minutes(minutes) };
                prop_assert!(world.practitioner_busy.iter().all(|(_, b)| !b.overlaps(&blocked)));
                prop_assert!(world.time_off.iter().all(|(_, t)| !t.overlaps(&body)));
                let local = utc_to_local(slot.starts_at, tz);
                let weekday = local.date().weekday().number_from_monday() as u8;
                let mine: Vec<WorkingInterval> = world.hours.iter().map(|(_, h)| *h).collect();
                let start = crate::domain::schedule::minute_of_day(local.time());
                prop_assert!(within_hours(&mine, weekday, start, start + minutes as u32));
                prop_assert!(slot.starts_at >= now + Duration::minutes(notice));
                prop_assert!(slot.starts_at <= now + Duration::days(4));
                prop_assert_eq!(minutes_of(slot), start);
            }
        }
    }
}
