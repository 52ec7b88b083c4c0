//! What the calendar pages show: the grid's days, columns, hours and appointments, the
//! address of a view, the Today page, the booking form's choices and one appointment's
//! page. The appointment itself and its rules are `domain::appointment`.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{
    appointment::{AppointmentView, Source, Status},
    catalog::Service,
    patient::PatientSummary,
    realtime::Listed,
};

/// How a calendar shows a day: by practitioner or by room.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Grouping {
    #[default]
    Practitioner,
    Room,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum CalendarView {
    #[default]
    Day,
    Week,
}

/// One column of the calendar grid: a practitioner or a room.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CalendarColumn {
    pub id: Uuid,
    pub label: String,
}

/// The most practitioners or rooms a week shows side by side. Seven days of each must
/// stay readable and clickable; a busy clinic has twenty, which only the day view shows.
pub const WEEK_COLUMNS: usize = 3;

/// Whose week a week view shows: the practitioners or rooms asked for, else those chosen
/// last on this browser, else the viewer's own column, else the first; at most
/// [`WEEK_COLUMNS`], in the order of `all`. Ids that are not in `all` (another branch's,
/// or gone) are passed over.
pub fn week_columns(all: &[CalendarColumn], asked: &[Uuid], remembered: &[Uuid], own: Uuid) -> Vec<CalendarColumn> {
    let pick = |ids: &[Uuid]| -> Vec<CalendarColumn> {
        all.iter()
            .filter(|c| ids.contains(&c.id))
            .take(WEEK_COLUMNS)
            .cloned()
            .collect()
    };
    [pick(asked), pick(remembered), pick(&[own])]
        .into_iter()
        .find(|chosen| !chosen.is_empty())
        .unwrap_or_else(|| all.iter().take(1).cloned().collect())
}

/// Working time of one column on one day, in minutes of the local day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ColumnHours {
    pub column: Uuid,
    pub date: NaiveDate,
    pub intervals: Vec<(u32, u32)>,
}

/// What a calendar page shows: a day (today when absent) or its week, columns by
/// practitioner or by room, and the filters. The page reads it from its address and
/// asks `get_calendar` for it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct CalendarQuery {
    pub date: Option<NaiveDate>,
    pub view: CalendarView,
    pub grouping: Grouping,
    pub practitioners: Vec<Uuid>,
    pub rooms: Vec<Uuid>,
    pub services: Vec<Uuid>,
}

impl CalendarQuery {
    /// The address of this view with some parts changed.
    pub fn href(&self, date: NaiveDate, view: CalendarView, grouping: Grouping) -> String {
        let mut url = format!(
            "/app/calendar?date={date}&view={}&group={}",
            if view == CalendarView::Week { "week" } else { "day" },
            if grouping == Grouping::Room {
                "room"
            } else {
                "practitioner"
            },
        );
        for (key, ids) in [
            ("practitioner", &self.practitioners),
            ("room", &self.rooms),
            ("service", &self.services),
        ] {
            for id in ids {
                url.push_str(&format!("&{key}={id}"));
            }
        }
        url
    }

    /// The same filters with one practitioner or room (as `grouping` lays out) as the only
    /// column: a week of one, which a phone reaches in one tap.
    pub fn only(&self, grouping: Grouping, id: Uuid) -> CalendarQuery {
        let mut one = self.clone();
        match grouping {
            Grouping::Practitioner => one.practitioners = vec![id],
            Grouping::Room => one.rooms = vec![id],
        }
        one
    }
}

/// Today at the caller's branch, and its appointments (cancelled ones included).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TodayPage {
    pub today: NaiveDate,
    pub appointments: Vec<AppointmentView>,
    /// Tomorrow's appointments whose reminder could not be sent: worth a phone call.
    pub reminders_not_sent: Vec<ReminderNotSent>,
    /// When today has no appointment to see: the branch's next ones, at most
    /// `UPCOMING_SHOWN` within `UPCOMING_DAYS`.
    pub upcoming: Vec<AppointmentView>,
}

/// How many of the next appointments a day without any shows, and how far ahead it looks.
pub const UPCOMING_SHOWN: usize = 5;
pub const UPCOMING_DAYS: i64 = 14;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReminderNotSent {
    pub appointment_id: Uuid,
    pub patient_name: String,
    /// Tomorrow's start, "09:30", in the branch's zone.
    pub time_label: String,
    pub channel: String,
    pub reason: String,
}

/// An appointment as the calendar grid draws, filters and moves it, and nothing more: a
/// busy week is 2,000 of them, sent with the page and read back when it hydrates.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CalendarBlock {
    pub id: Uuid,
    pub practitioner_id: Uuid,
    pub service_id: Uuid,
    pub room_id: Option<Uuid>,
    pub patient_name: String,
    pub practitioner_name: String,
    pub service_name: String,
    pub colour: String,
    pub status: Status,
    pub source: Source,
    pub local_date: NaiveDate,
    pub start_minute: u32,
    pub end_minute: u32,
    /// `09:00–09:45`
    pub time_label: String,
    /// Forms the patient has not filled in yet for this visit.
    #[serde(default, skip_serializing_if = "super::appointment::is_zero")]
    pub forms_due: u32,
}

impl From<&AppointmentView> for CalendarBlock {
    fn from(a: &AppointmentView) -> Self {
        Self {
            id: a.id,
            practitioner_id: a.practitioner_id,
            service_id: a.service_id,
            room_id: a.room_id,
            patient_name: a.patient_name.clone(),
            practitioner_name: a.practitioner_name.clone(),
            service_name: a.service_name.clone(),
            colour: a.colour.clone(),
            status: a.status,
            source: a.source,
            local_date: a.local_date,
            start_minute: a.start_minute,
            end_minute: a.end_minute,
            time_label: a.time_label.clone(),
            forms_due: a.forms_due,
        }
    }
}

impl Listed for CalendarBlock {
    fn id(&self) -> Uuid {
        self.id
    }

    fn place(&self) -> (NaiveDate, u32, Uuid) {
        (self.local_date, self.start_minute, self.id)
    }
}

/// Everything the calendar draws for a visible range.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CalendarData {
    pub timezone: String,
    pub view: CalendarView,
    pub grouping: Grouping,
    pub days: Vec<NaiveDate>,
    pub columns: Vec<CalendarColumn>,
    pub appointments: Vec<CalendarBlock>,
    pub hours: Vec<ColumnHours>,
    /// Days the branch is closed.
    pub closures: Vec<NaiveDate>,
    /// The drawn part of the day, in minutes (from the earliest opening to the latest close).
    pub day_start: u32,
    pub day_end: u32,
    /// Today's date and the current minute in the branch, for the now-line.
    pub today: NaiveDate,
    pub now_minute: u32,
    /// Filter choices.
    pub practitioners: Vec<CalendarColumn>,
    pub rooms: Vec<CalendarColumn>,
    pub services: Vec<CalendarColumn>,
}

/// How many appointments have one status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StatusCount {
    pub status: Status,
    pub count: usize,
}

/// Counts by status for the Today page, statuses without appointments left out.
pub fn count_by_status(appointments: &[AppointmentView]) -> Vec<StatusCount> {
    Status::ALL
        .into_iter()
        .map(|status| StatusCount {
            status,
            count: appointments.iter().filter(|a| a.status == status).count(),
        })
        .filter(|c| c.count > 0)
        .collect()
}

/// What the booking form offers: active services, the branch's practitioners and rooms,
/// and the patients matching a search, if one was made.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BookingOptions {
    pub services: Vec<Service>,
    pub practitioners: Vec<CalendarColumn>,
    pub rooms: Vec<CalendarColumn>,
    pub can_override: bool,
    pub patients: Vec<PatientSummary>,
}

/// An appointment with what the viewer may do to it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppointmentDetail {
    pub appointment: AppointmentView,
    pub next: Vec<Status>,
    pub practitioners: Vec<CalendarColumn>,
    pub rooms: Vec<CalendarColumn>,
    pub can_manage: bool,
    pub can_override: bool,
    /// The patient's messages about it, for those who may see patients.
    pub messages: Vec<crate::domain::patient::OutboxMessage>,
    /// What the patient owes and their credit, for those who see invoices.
    pub account: Option<crate::domain::payment::PatientAccount>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn people(n: u128) -> Vec<CalendarColumn> {
        (1..=n)
            .map(|i| CalendarColumn {
                id: Uuid::from_u128(i),
                label: format!("Practitioner {i}"),
            })
            .collect()
    }

    fn ids(columns: &[CalendarColumn]) -> Vec<u128> {
        columns.iter().map(|c| c.id.as_u128()).collect()
    }

    #[test]
    fn a_week_shows_those_asked_for_in_the_calendars_order_and_no_more_than_fit() {
        let all = people(20);
        let asked: Vec<Uuid> = [9, 2, 5, 7].map(Uuid::from_u128).to_vec();
        let got = week_columns(&all, &asked, &[Uuid::from_u128(1)], Uuid::from_u128(3));
        assert_eq!(
            ids(&got),
            vec![2, 5, 7],
            "the first {WEEK_COLUMNS} of the calendar's order"
        );
    }

    #[test]
    fn without_a_choice_a_week_opens_on_the_last_one_then_the_viewers_own_then_the_first() {
        let all = people(5);
        let (one, four) = (Uuid::from_u128(1), Uuid::from_u128(4));
        assert_eq!(ids(&week_columns(&all, &[], &[four], one)), vec![4], "remembered");
        assert_eq!(ids(&week_columns(&all, &[], &[], four)), vec![4], "their own column");
        assert_eq!(
            ids(&week_columns(&all, &[], &[], Uuid::nil())),
            vec![1],
            "not a practitioner here"
        );
        let elsewhere = Uuid::from_u128(99);
        assert_eq!(
            ids(&week_columns(&all, &[elsewhere], &[elsewhere], four)),
            vec![4],
            "ids of another branch are passed over"
        );
        assert!(week_columns(&[], &[], &[], four).is_empty(), "nobody to show");
    }
}
