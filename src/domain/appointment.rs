//! Appointments: the status machine, the time they block (buffers included), the view
//! every list shows, and the forms that book, move and cancel them. What the calendar
//! pages show is `domain::calendar`.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::error::AppError;

/// scheduled → confirmed → arrived → in_progress → completed, or cancelled / no_show.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Scheduled,
    Confirmed,
    Arrived,
    InProgress,
    Completed,
    Cancelled,
    NoShow,
}

impl Status {
    pub const ALL: [Status; 7] = [
        Status::Scheduled,
        Status::Confirmed,
        Status::Arrived,
        Status::InProgress,
        Status::Completed,
        Status::Cancelled,
        Status::NoShow,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Scheduled => "scheduled",
            Status::Confirmed => "confirmed",
            Status::Arrived => "arrived",
            Status::InProgress => "in_progress",
            Status::Completed => "completed",
            Status::Cancelled => "cancelled",
            Status::NoShow => "no_show",
        }
    }

    pub fn parse(value: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|s| s.as_str() == value)
    }

    pub fn label(self) -> &'static str {
        match self {
            Status::Scheduled => "Scheduled",
            Status::Confirmed => "Confirmed",
            Status::Arrived => "Arrived",
            Status::InProgress => "In progress",
            Status::Completed => "Completed",
            Status::Cancelled => "Cancelled",
            Status::NoShow => "No-show",
        }
    }

    /// The statuses this one may move to.
    pub fn next(self) -> &'static [Status] {
        use Status::*;
        match self {
            Scheduled => &[Confirmed, Arrived, Cancelled, NoShow],
            Confirmed => &[Arrived, Cancelled, NoShow],
            Arrived => &[InProgress, Cancelled],
            InProgress => &[Completed],
            Completed | Cancelled | NoShow => &[],
        }
    }

    /// The step back from a mistaken one, if there is one: an arrival or a no-show goes
    /// back to how it was before (`confirmed` if the patient had confirmed), a started
    /// visit back to arrived, a completed one back to in progress. Whether the visit's
    /// record still allows it (a signed note, an invoice) is the visit's to say.
    pub fn undone(self, confirmed: bool) -> Option<Status> {
        use Status::*;
        let booked = if confirmed { Confirmed } else { Scheduled };
        match self {
            Arrived | NoShow => Some(booked),
            InProgress => Some(Arrived),
            Completed => Some(InProgress),
            Scheduled | Confirmed | Cancelled => None,
        }
    }

    /// How the undo button reads.
    pub fn undo_label(self) -> &'static str {
        match self {
            Status::Arrived => "Undo arrival",
            Status::InProgress => "Undo start",
            Status::Completed => "Reopen the visit",
            Status::NoShow => "Undo no-show",
            Status::Scheduled | Status::Confirmed | Status::Cancelled => "",
        }
    }

    pub fn can_become(self, to: Status) -> bool {
        self.next().contains(&to)
    }

    /// Refuses any move the machine does not allow, saying which.
    pub fn transition(self, to: Status) -> Result<Status, AppError> {
        if self.can_become(to) {
            Ok(to)
        } else {
            Err(AppError::Conflict {
                field: Some("status".into()),
                message: format!(
                    "An appointment that is {} cannot become {}.",
                    self.label().to_lowercase(),
                    to.label().to_lowercase()
                ),
            })
        }
    }

    /// Still to happen: it may be moved, resized or reassigned.
    pub fn is_movable(self) -> bool {
        matches!(self, Status::Scheduled | Status::Confirmed)
    }

    /// It holds its time (everything but a cancellation does).
    pub fn blocks_time(self) -> bool {
        self != Status::Cancelled
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    Staff,
    Portal,
    Api,
}

impl Source {
    pub fn as_str(self) -> &'static str {
        match self {
            Source::Staff => "staff",
            Source::Portal => "portal",
            Source::Api => "api",
        }
    }

    pub fn parse(value: &str) -> Option<Source> {
        [Source::Staff, Source::Portal, Source::Api]
            .into_iter()
            .find(|s| s.as_str() == value)
    }
}

/// A half-open span of time, `[start, end)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
}

impl Span {
    /// What an appointment takes: its own time widened by the buffers before and after.
    pub fn blocked(start: DateTime<Utc>, end: DateTime<Utc>, before_minutes: i32, after_minutes: i32) -> Self {
        Self {
            start: start - Duration::minutes(i64::from(before_minutes)),
            end: end + Duration::minutes(i64::from(after_minutes)),
        }
    }

    /// The same rule as the database's `&&` on `[)` ranges: touching is not overlapping.
    pub fn overlaps(&self, other: &Span) -> bool {
        self.start < other.end && other.start < self.end
    }
}

/// An appointment as the calendar and lists show it. Times come twice: as instants (for
/// the API) and as the branch's local date and minutes since local midnight (for
/// drawing, so the browser needs no time-zone rules).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppointmentView {
    pub id: Uuid,
    pub branch_id: Uuid,
    pub patient_id: Uuid,
    pub patient_name: String,
    pub practitioner_id: Uuid,
    pub practitioner_name: String,
    pub service_id: Uuid,
    pub service_name: String,
    pub colour: String,
    pub room_id: Option<Uuid>,
    pub room_name: Option<String>,
    pub resource_names: Vec<String>,
    pub status: Status,
    pub source: Source,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub buffer_before_minutes: i32,
    pub buffer_after_minutes: i32,
    pub series_id: Option<Uuid>,
    pub notes: String,
    pub cancel_reason: Option<String>,
    /// When the patient checked in (the waiting time runs from it until the visit starts).
    pub arrived_at: Option<DateTime<Utc>>,
    pub local_date: NaiveDate,
    pub start_minute: u32,
    pub end_minute: u32,
    /// `09:00–09:45`
    pub time_label: String,
    /// Forms asked of the patient for this visit and not filled in yet.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub forms_due: u32,
}

/// Leaves a count of none out of what is sent (a busy week is thousands of appointments).
pub fn is_zero(n: &u32) -> bool {
    *n == 0
}

impl AppointmentView {
    pub fn minutes(&self) -> i64 {
        (self.ends_at - self.starts_at).num_minutes()
    }

    /// Whole minutes the patient has been waiting at `now`, while they wait.
    pub fn waiting_minutes(&self, now: DateTime<Utc>) -> Option<i64> {
        match (self.status, self.arrived_at) {
            (Status::Arrived, Some(at)) => Some((now - at).num_minutes().max(0)),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use proptest::prelude::*;
    use Status::*;

    #[test]
    fn the_status_machine_allows_exactly_these_moves() {
        let allowed = [
            (Scheduled, Confirmed),
            (Scheduled, Arrived),
            (Scheduled, Cancelled),
            (Scheduled, NoShow),
            (Confirmed, Arrived),
            (Confirmed, Cancelled),
            (Confirmed, NoShow),
            (Arrived, InProgress),
            (Arrived, Cancelled),
            (InProgress, Completed),
        ];
        for from in Status::ALL {
            for to in Status::ALL {
                assert_eq!(from.can_become(to), allowed.contains(&(from, to)), "{from:?} → {to:?}");
            }
        }
        let refused = Completed.transition(Arrived).unwrap_err();
        assert_eq!(
            refused.to_string(),
            "An appointment that is completed cannot become arrived."
        );
        assert_eq!(refused.status_code(), 409);
    }

    #[test]
    fn a_mistaken_step_is_undone_to_where_it_came_from() {
        assert_eq!(Arrived.undone(true), Some(Confirmed));
        assert_eq!(Arrived.undone(false), Some(Scheduled));
        assert_eq!(NoShow.undone(false), Some(Scheduled));
        assert_eq!(InProgress.undone(true), Some(Arrived));
        assert_eq!(Completed.undone(true), Some(InProgress));
        for status in [Scheduled, Confirmed, Cancelled] {
            assert_eq!(status.undone(true), None, "{status:?}");
            assert_eq!(status.undo_label(), "");
        }
    }

    #[test]
    fn only_future_appointments_move_and_only_cancelled_ones_free_their_time() {
        assert!(Scheduled.is_movable() && Confirmed.is_movable());
        assert!(!Arrived.is_movable() && !Completed.is_movable());
        for status in Status::ALL {
            assert_eq!(status.blocks_time(), status != Cancelled);
            assert_eq!(Status::parse(status.as_str()), Some(status));
        }
    }

    fn at(minute: i64) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 6, 1, 8, 0, 0).unwrap() + Duration::minutes(minute)
    }

    #[test]
    fn buffers_widen_the_blocked_time() {
        let first = Span::blocked(at(0), at(45), 0, 15); // cleaning until 09:00
        let second = Span::blocked(at(60), at(90), 0, 0);
        assert!(!first.overlaps(&second), "back to back after the buffer");
        let early = Span::blocked(at(50), at(80), 0, 0);
        assert!(first.overlaps(&early), "starts inside the cleaning time");
        let prep = Span::blocked(at(60), at(90), 10, 0); // preparation from 08:50
        assert!(first.overlaps(&prep), "its preparation meets the other's cleaning");
    }

    proptest! {
        /// Two buffered appointments overlap exactly when some minute is taken by both.
        #[test]
        fn overlap_matches_minute_by_minute(
            a_start in 0i64..200, a_len in 1i64..90, a_before in 0i32..30, a_after in 0i32..30,
            b_start in 0i64..200, b_len in 1i64..90, b_before in 0i32..30, b_after in 0i32..30,
        ) {
            let a = Span::blocked(at(a_start), at(a_start + a_len), a_before, a_after);
            let b = Span::blocked(at(b_start), at(b_start + b_len), b_before, b_after);
            let taken = |s: &Span, m: i64| s.start <= at(m) && at(m) < s.end;
            let shared = (-40..400).any(|m| taken(&a, m) && taken(&b, m));
            prop_assert_eq!(a.overlaps(&b), shared);
            prop_assert_eq!(a.overlaps(&b), b.overlaps(&a));
        }
    }
}

/// Which occurrences of a series a change applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    #[default]
    This,
    Following,
}

impl Scope {
    pub fn parse(raw: &str) -> Scope {
        if raw.trim() == "following" {
            Scope::Following
        } else {
            Scope::This
        }
    }
}

/// A local date and time of day from a form (`2026-11-21`, `09:30`).
pub fn parse_local_start(date: &str, time: &str) -> Result<chrono::NaiveDateTime, AppError> {
    let date = NaiveDate::parse_from_str(date.trim(), "%Y-%m-%d")
        .map_err(|_| super::error::FieldError::new("date", "Enter a date like 2026-11-21."));
    let time = chrono::NaiveTime::parse_from_str(time.trim(), "%H:%M")
        .map_err(|_| super::error::FieldError::new("time", "Enter a time like 09:30."));
    match (date, time) {
        (Ok(date), Ok(time)) => Ok(date.and_time(time)),
        (d, t) => Err(AppError::Validation([d.err(), t.err()].into_iter().flatten().collect())),
    }
}

/// A duration in minutes from a form; empty means "the service's own".
pub fn parse_minutes(raw: &str) -> Result<Option<i32>, AppError> {
    match raw.trim() {
        "" => Ok(None),
        text => check_minutes(Some(text.parse::<i32>().unwrap_or(0))),
    }
}

/// The longest an appointment may last, in minutes (services are held to it too).
pub const LONGEST_MINUTES: i32 = 600;

/// An appointment's length, if one is given: 5 to 600 minutes.
pub fn check_minutes(minutes: Option<i32>) -> Result<Option<i32>, AppError> {
    match minutes {
        None | Some(5..=LONGEST_MINUTES) => Ok(minutes),
        Some(_) => Err(AppError::field("minutes", "An appointment lasts 5 to 600 minutes.")),
    }
}

pub const MAX_NOTES_CHARS: usize = 2000;

/// An appointment's notes: trimmed, at most 2,000 characters, lines and tabs but no other
/// control characters.
pub fn parse_notes(raw: &str) -> Result<String, AppError> {
    let notes = raw.trim();
    if notes.chars().count() > MAX_NOTES_CHARS {
        return Err(AppError::field("notes", "Keep notes to 2000 characters."));
    }
    if notes
        .chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
    {
        return Err(AppError::field(
            "notes",
            "Remove the special characters from the notes.",
        ));
    }
    Ok(notes.to_owned())
}

/// An id chosen in a form (`None` for an empty choice).
pub fn parse_choice(field: &str, raw: &str) -> Result<Option<Uuid>, AppError> {
    match raw.trim() {
        "" => Ok(None),
        text => Uuid::parse_str(text)
            .map(Some)
            .map_err(|_| AppError::field(field, "Choose from the list.")),
    }
}

/// A booking as the form, the API or the portal asks for it.
#[derive(Debug, Clone)]
pub struct NewAppointment {
    pub patient: super::patient::PatientChoice,
    pub practitioner_id: Uuid,
    pub service_id: Uuid,
    pub room_id: Option<Uuid>,
    pub start: super::time::Start,
    pub minutes: Option<i32>,
    pub notes: String,
    pub override_hours: bool,
    pub recurrence: Option<super::recurrence::Recurrence>,
    pub source: Source,
    /// The patient is here without a booking: the visit starts now and they have arrived
    /// (no confirmation is sent).
    pub walk_in: bool,
}

/// The booking form as posted: who, with whom, what and when, and the series when
/// `repeat` is ticked. Ticked boxes arrive as `Some("on")`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BookingForm {
    #[serde(default)]
    pub patient_id: String,
    #[serde(default)]
    pub new_patient_name: String,
    #[serde(default)]
    pub new_patient_phone: String,
    pub practitioner_id: String,
    pub service_id: String,
    #[serde(default)]
    pub room_id: String,
    pub date: String,
    pub time: String,
    #[serde(default)]
    pub minutes: String,
    #[serde(default)]
    pub notes: String,
    #[serde(default)]
    pub override_hours: Option<String>,
    #[serde(default)]
    pub repeat: Option<String>,
    /// "The patient is here now": the date and time are now's.
    #[serde(default)]
    pub walk_in: Option<String>,
    #[serde(default)]
    pub repeat_every: String,
    #[serde(default)]
    pub repeat_unit: String,
    #[serde(default)]
    pub repeat_until: String,
    #[serde(default)]
    pub repeat_count: String,
}

/// Now, to the minute: when a walk-in's visit starts.
fn now_to_the_minute() -> chrono::DateTime<chrono::Utc> {
    use chrono::DurationRound;
    let now = chrono::Utc::now();
    now.duration_trunc(chrono::Duration::minutes(1)).unwrap_or(now)
}

impl BookingForm {
    /// Parses the form, naming every field that is wrong at once.
    pub fn parse(&self, source: Source) -> Result<NewAppointment, AppError> {
        let form = self;
        fn take<T>(errors: &mut Vec<super::error::FieldError>, result: Result<T, AppError>) -> Option<T> {
            match result {
                Ok(value) => Some(value),
                Err(AppError::Validation(list)) => {
                    errors.extend(list);
                    None
                }
                Err(other) => {
                    errors.push(super::error::FieldError::new("form", other.to_string()));
                    None
                }
            }
        }
        let required = |field: &str, what: &str, raw: &str| {
            parse_choice(field, raw).and_then(|id| id.ok_or_else(|| AppError::field(field, format!("Choose {what}."))))
        };
        let mut errors = Vec::new();
        let patient = take(
            &mut errors,
            super::patient::PatientChoice::parse(&form.patient_id, &form.new_patient_name, &form.new_patient_phone),
        );
        let practitioner_id = take(
            &mut errors,
            required("practitioner_id", "a practitioner", &form.practitioner_id),
        );
        let service_id = take(&mut errors, required("service_id", "a service", &form.service_id));
        let room_id = take(&mut errors, parse_choice("room_id", &form.room_id));
        let walk_in = form.walk_in.is_some();
        let start = match walk_in {
            // Replaced by the moment it is booked; the form's date and time do not matter.
            true => Some(chrono::NaiveDateTime::default()),
            false => take(&mut errors, parse_local_start(&form.date, &form.time)),
        };
        if walk_in && form.repeat.is_some() {
            errors.push(super::error::FieldError::new(
                "walk_in",
                "A walk-in is one visit: untick \"Book a recurring series\".",
            ));
        }
        let minutes = take(&mut errors, parse_minutes(&form.minutes));
        let notes = take(&mut errors, parse_notes(&form.notes));
        let recurrence = match (&form.repeat, start) {
            (Some(_), Some(start)) => take(
                &mut errors,
                super::recurrence::Recurrence::parse(
                    &form.repeat_every,
                    &form.repeat_unit,
                    &form.repeat_until,
                    &form.repeat_count,
                    start.date(),
                ),
            )
            .map(Some),
            _ => Some(None),
        };
        match (
            patient,
            practitioner_id,
            service_id,
            room_id,
            start,
            minutes,
            notes,
            recurrence,
        ) {
            (
                Some(patient),
                Some(practitioner_id),
                Some(service_id),
                Some(room_id),
                Some(start),
                Some(minutes),
                Some(notes),
                Some(recurrence),
            ) if errors.is_empty() => Ok(NewAppointment {
                patient,
                practitioner_id,
                service_id,
                room_id,
                start: match walk_in {
                    true => super::time::Start::Exact(now_to_the_minute()),
                    false => super::time::Start::Local(start),
                },
                minutes,
                notes,
                override_hours: form.override_hours.is_some(),
                recurrence,
                source,
                walk_in,
            }),
            _ => Err(AppError::Validation(errors)),
        }
    }
}

#[cfg(test)]
mod form_tests {
    use super::*;

    #[test]
    fn start_minutes_and_choices_parse() {
        let start = parse_local_start("2026-11-21", "09:30").unwrap();
        assert_eq!(start.to_string(), "2026-11-21 09:30:00");
        let AppError::Validation(errors) = parse_local_start("21/11", "9h").unwrap_err() else {
            panic!()
        };
        assert_eq!(errors.len(), 2);
        assert_eq!(parse_minutes(""), Ok(None));
        assert_eq!(parse_minutes("45"), Ok(Some(45)));
        assert!(parse_minutes("2").is_err());
        assert_eq!(parse_choice("room_id", ""), Ok(None));
        assert!(parse_choice("room_id", "room 1").is_err());
        assert_eq!(Scope::parse("following"), Scope::Following);
        assert_eq!(Scope::parse("whatever"), Scope::This);
    }

    #[test]
    fn the_booking_form_names_every_problem_at_once() {
        let form = BookingForm {
            date: "tomorrow".into(),
            time: "9".into(),
            minutes: "1".into(),
            ..Default::default()
        };
        let AppError::Validation(errors) = form.parse(Source::Staff).unwrap_err() else {
            panic!("expected validation")
        };
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            ["patient_id", "practitioner_id", "service_id", "date", "time", "minutes"]
        );
    }

    #[test]
    fn a_complete_booking_form_parses_with_its_series() {
        let (p, s) = (Uuid::new_v4().to_string(), Uuid::new_v4().to_string());
        let booking = BookingForm {
            new_patient_name: "Ada Lovelace".into(),
            new_patient_phone: "+44 20 7946 0958".into(),
            practitioner_id: p,
            service_id: s,
            date: "2026-12-01".into(),
            time: "10:15".into(),
            repeat: Some("on".into()),
            repeat_every: "1".into(),
            repeat_unit: "weeks".into(),
            repeat_count: "4".into(),
            ..Default::default()
        }
        .parse(Source::Staff)
        .unwrap();
        let super::super::time::Start::Local(start) = booking.start else {
            panic!("a form names a wall-clock time")
        };
        assert_eq!(start.to_string(), "2026-12-01 10:15:00");
        assert_eq!(booking.recurrence.unwrap().dates(start.date()).len(), 4);
        assert!(matches!(
            booking.patient,
            super::super::patient::PatientChoice::New { .. }
        ));
    }
}

/// A move, a resize or a reassignment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reschedule {
    /// The new start; `None` keeps the current one (a resize or a reassignment).
    pub start: Option<super::time::Start>,
    pub minutes: Option<i32>,
    pub practitioner_id: Option<Uuid>,
    pub room_id: Option<Uuid>,
    pub scope: Scope,
    pub override_hours: bool,
}

/// The appointment page's "Move or change" form as posted. Empty `minutes`,
/// `practitioner_id` or `room_id` keep what the appointment has.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RescheduleForm {
    pub date: String,
    pub time: String,
    #[serde(default)]
    pub minutes: String,
    #[serde(default)]
    pub practitioner_id: String,
    #[serde(default)]
    pub room_id: String,
    /// `following` for this and the following appointments of a series.
    #[serde(default)]
    pub scope: String,
    #[serde(default)]
    pub override_hours: Option<String>,
}

impl RescheduleForm {
    pub fn parse(&self) -> Result<Reschedule, AppError> {
        Ok(Reschedule {
            start: Some(super::time::Start::Local(parse_local_start(&self.date, &self.time)?)),
            minutes: parse_minutes(&self.minutes)?,
            practitioner_id: parse_choice("practitioner_id", &self.practitioner_id)?,
            room_id: parse_choice("room_id", &self.room_id)?,
            scope: Scope::parse(&self.scope),
            override_hours: self.override_hours.is_some(),
        })
    }
}

/// The cancel form as posted: why, and for a series how many.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CancelForm {
    pub reason: String,
    #[serde(default)]
    pub scope: String,
}

impl CancelForm {
    /// This appointment only, or it and the following ones of its series.
    pub fn scope(&self) -> Scope {
        Scope::parse(&self.scope)
    }
}
