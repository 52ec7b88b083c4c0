//! The settings features' security tables: branches and their API, the organization's
//! name and currency, the security policy, the catalog (services, rooms, equipment), working hours, time off and closures, and
//! the online booking rules. Their behaviour is tested where it is used (`calendar.rs`,
//! `portal.rs`, `staff.rs`, `api.rs`).

use crate::security::{Caller::Staff, Entry, Ids, Input};
use careops::{
    app::home::{DismissSetup, GetSetup},
    app::settings::{
        AddClosure, AddTimeOff, CreateBranch, GetBranch, GetHours, GetOnlineBooking, GetOrganization, GetPlaces,
        GetSecurityPolicy, GetServices, ListBranches, RemoveClosure, RemoveTimeOff, SaveBookingRules, SaveHours,
        SaveOrganization, SavePlace, SaveService, SaveServiceBookingRules, UpdateBranch, UpdateSecurityPolicy,
    },
    domain::access::Action::{
        ManageBranches, ManageCatalog, ManageOrganization, ManageSchedules, ManageSecurityPolicy, ViewBranches,
    },
};
use reqwest::Method;
use serde_json::json;

pub fn surface() -> Vec<Entry> {
    vec![
        Entry::function::<ListBranches>(Staff(ManageBranches), Ids::None, |_| Input::none()),
        Entry::function::<GetBranch>(Staff(ManageBranches), Ids::Org, |t| {
            Input::form([("id", t.side.branch.to_string())])
        }),
        Entry::function::<CreateBranch>(Staff(ManageBranches), Ids::None, |t| {
            Input::form([
                ("name", format!("Annex {}", t.round)),
                ("timezone", "Europe/Paris".into()),
            ])
        })
        .writes(),
        Entry::function::<UpdateBranch>(Staff(ManageBranches), Ids::Org, |t| {
            Input::form([
                ("id", t.side.branch.to_string()),
                ("name", "Harbour Street".into()),
                ("phone", format!("+44 20 7946 00{:02}", t.round)),
                ("timezone", "Europe/Berlin".into()),
            ])
        })
        .writes(),
        Entry::route(Method::GET, "/api/v1/branches", Staff(ViewBranches), Ids::None, |_| {
            Input::none()
        }),
        Entry::route(
            Method::POST,
            "/api/v1/branches",
            Staff(ManageBranches),
            Ids::None,
            |t| Input::none().json(json!({"name": format!("API Annex {}", t.round), "timezone": "Europe/Paris"})),
        )
        .writes(),
        Entry::route(
            Method::GET,
            "/api/v1/branches/{id}",
            Staff(ViewBranches),
            Ids::Org,
            |t| Input::at(format!("/api/v1/branches/{}", t.side.branch)),
        ),
        Entry::route(
            Method::PATCH,
            "/api/v1/branches/{id}",
            Staff(ManageBranches),
            Ids::Org,
            |t| {
                Input::at(format!("/api/v1/branches/{}", t.side.branch))
                    .json(json!({"phone": format!("+44 20 7946 01{:02}", t.round)}))
            },
        )
        .writes(),
        Entry::function::<GetSetup>(Staff(ManageBranches), Ids::None, |_| Input::none()),
        Entry::function::<DismissSetup>(Staff(ManageBranches), Ids::None, |_| Input::none()).writes(),
        Entry::function::<GetOrganization>(Staff(ManageOrganization), Ids::None, |_| Input::none()),
        Entry::function::<SaveOrganization>(Staff(ManageOrganization), Ids::None, |t| {
            Input::form([
                ("name", format!("Harbour Physio {}", t.round)),
                ("currency", "EUR".into()),
            ])
        })
        .writes(),
        Entry::function::<GetSecurityPolicy>(Staff(ManageSecurityPolicy), Ids::None, |_| Input::none()),
        Entry::function::<UpdateSecurityPolicy>(Staff(ManageSecurityPolicy), Ids::None, |t| {
            Input::form([
                ("session_idle_minutes", (60 + t.round).to_string()),
                ("session_max_hours", "12".into()),
            ])
        })
        .writes(),
        Entry::function::<GetOnlineBooking>(Staff(ManageBranches), Ids::None, |_| Input::none()),
        Entry::function::<SaveBookingRules>(Staff(ManageBranches), Ids::None, |t| {
            Input::form([
                ("min_notice_hours", "2".into()),
                ("max_days_ahead", (60 + t.round).to_string()),
                ("slot_step_minutes", "10".into()),
                ("cancellation_window_hours", "24".into()),
            ])
        })
        .writes(),
        Entry::function::<SaveServiceBookingRules>(Staff(ManageCatalog), Ids::Org, |t| {
            Input::form([
                ("id", t.side.service.to_string()),
                ("max_days_ahead", (50 + t.round).to_string()),
            ])
        })
        .writes(),
        Entry::function::<GetServices>(Staff(ManageCatalog), Ids::None, |_| Input::none()),
        // The service the other rows book, kept as it was but for its price.
        Entry::function::<SaveService>(Staff(ManageCatalog), Ids::Org, |t| {
            Input::form([
                ("id", t.side.service.to_string()),
                ("name", "Physiotherapy".into()),
                ("duration_minutes", "30".into()),
                ("price", (50 + t.round).to_string()),
                ("buffer_after_minutes", "10".into()),
                ("colour", "#0f6b7a".into()),
                ("online_bookable", "on".into()),
                ("room_kind", "treatment".into()),
            ])
        })
        .writes(),
        Entry::function::<GetPlaces>(Staff(ManageCatalog), Ids::None, |_| Input::none()),
        Entry::function::<SavePlace>(Staff(ManageCatalog), Ids::Org, |t| {
            Input::form([
                ("what", "room".into()),
                ("id", t.side.room.to_string()),
                ("name", format!("Room {}", t.round)),
                ("kind", "treatment".into()),
            ])
        })
        .writes(),
        Entry::function::<GetHours>(Staff(ManageSchedules), Ids::None, |_| Input::none()),
        // Weekdays as the bookings need them; Saturday differs each round.
        Entry::function::<SaveHours>(Staff(ManageSchedules), Ids::Org, |t| {
            let mut form = vec![("user_id".to_owned(), t.side.owner.to_string())];
            for (n, (weekday, ends)) in (1..=5)
                .map(|d| (d, "18:00".to_owned()))
                .chain([(6, format!("1{}:00", t.round + 1))])
                .enumerate()
            {
                form.extend([
                    (format!("intervals[{n}][weekday]"), weekday.to_string()),
                    (
                        format!("intervals[{n}][starts]"),
                        if weekday == 6 { "09:00" } else { "08:00" }.to_owned(),
                    ),
                    (format!("intervals[{n}][ends]"), ends),
                ]);
            }
            Input::fields(form)
        })
        .writes(),
        Entry::function::<AddTimeOff>(Staff(ManageSchedules), Ids::Org, |t| {
            let year = 2040 + t.round;
            Input::form([
                ("user_id", t.side.owner.to_string()),
                ("from", format!("{year}-03-02T08:00")),
                ("until", format!("{year}-03-02T12:00")),
            ])
        })
        .writes(),
        Entry::function::<RemoveTimeOff>(Staff(ManageSchedules), Ids::Org, |t| {
            Input::form([("id", t.spare().time_off.to_string())])
        })
        .writes(),
        Entry::function::<AddClosure>(Staff(ManageSchedules), Ids::None, |t| {
            Input::form([("day", format!("{}-05-01", 2040 + t.round)), ("name", "Holiday".into())])
        })
        .writes(),
        Entry::function::<RemoveClosure>(Staff(ManageSchedules), Ids::Org, |t| {
            Input::form([("id", t.spare().closure.to_string())])
        })
        .writes(),
    ]
}
