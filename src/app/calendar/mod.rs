//! `/app/calendar`: the live appointment calendar, booking and the appointment page.

mod booking;
mod detail;
mod grid;

pub use booking::{CreateAppointment, GetBookingOptions, NewAppointmentPage};
pub use detail::{
    AppointmentPage, CancelAppointment, GetAppointment, RescheduleAppointment, SetAppointmentStatus,
    UndoAppointmentStatus,
};

use crate::components::{
    form::{CheckboxGroup, Choice},
    loaded::loaded_with,
};
use chrono::{Duration, NaiveDate};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{
    components::{Form, A},
    hooks::use_query_map,
};
use uuid::Uuid;

use super::realtime::use_realtime;
use crate::domain::{
    calendar::{CalendarColumn, CalendarData, CalendarQuery, CalendarView, Grouping, WEEK_COLUMNS},
    AppError,
};
use grid::Grid;

/// The visible range and filters, read from the address (so every view can be linked,
/// bookmarked and opened without JavaScript).
fn from_address(query: &leptos_router::params::ParamsMap) -> CalendarQuery {
    let ids = |key: &str| -> Vec<Uuid> {
        query
            .get_all(key)
            .unwrap_or_default()
            .iter()
            .filter_map(|v| Uuid::parse_str(v).ok())
            .collect()
    };
    CalendarQuery {
        date: query
            .get("date")
            .and_then(|d| NaiveDate::parse_from_str(&d, "%Y-%m-%d").ok()),
        view: if query.get("view").as_deref() == Some("week") {
            CalendarView::Week
        } else {
            CalendarView::Day
        },
        grouping: if query.get("group").as_deref() == Some("room") {
            Grouping::Room
        } else {
            Grouping::Practitioner
        },
        practitioners: ids("practitioner"),
        rooms: ids("room"),
        services: ids("service"),
    }
}

#[server]
pub async fn get_calendar(#[server(flatten)] query: CalendarQuery) -> Result<CalendarData, AppError> {
    use crate::server::{auth::context::RequestContext, calendar};
    let ctx = RequestContext::load().await?;
    let remembered = calendar::remembered_week(&ctx, &query);
    calendar::calendar(&ctx, &query, &remembered).await
}

#[component]
pub fn CalendarPage() -> impl IntoView {
    let query = use_query_map();
    let params = Memo::new(move |_| from_address(&query.read()));
    let resyncs = use_realtime().map(|r| r.resyncs);
    let data = Resource::new(
        move || (params.get(), resyncs.map(|r| r.get())),
        |(p, _)| get_calendar(p),
    );

    view! {
        <Title text="Calendar"/>
        {loaded_with(data, "Loading the calendar…", move |data| {
            let p = params.get_untracked();
            view! {
                <Toolbar data=data.clone() params=p.clone()/>
                <Grid data params=p/>
            }
        })}
    }
}

/// Practitioners, rooms or services as the options of a form field.
pub(crate) fn choices(columns: &[CalendarColumn]) -> Vec<Choice> {
    columns.iter().map(|c| Choice::new(c.id, c.label.clone())).collect()
}

fn day_title(data: &CalendarData) -> String {
    let first = data.days[0];
    match data.view {
        CalendarView::Day => first.format("%A %-d %B %Y").to_string(),
        CalendarView::Week => {
            let last = data.days[data.days.len() - 1];
            format!("{} – {}", first.format("%-d %b"), last.format("%-d %b %Y"))
        }
    }
}

#[component]
fn Toolbar(data: CalendarData, params: CalendarQuery) -> impl IntoView {
    let step = if data.view == CalendarView::Week { 7 } else { 1 };
    let first = data.days[0];
    let (view, grouping) = (data.view, data.grouping);
    let link = |date: NaiveDate| params.href(date, view, grouping);
    let ids = |list: &[Uuid]| list.iter().map(Uuid::to_string).collect::<Vec<_>>();
    let new_href = format!("/app/calendar/new?date={first}");
    // A week shows a chosen few practitioners or rooms: the panel ticks those shown, says
    // how many fit, and its summary names them.
    let week = view == CalendarView::Week;
    let shown: Vec<String> = data.columns.iter().map(|c| c.id.to_string()).collect();
    let fits = |what: &str| format!("{what} (a week shows up to {WEEK_COLUMNS})");
    let ((practitioners_legend, practitioners_checked), (rooms_legend, rooms_checked)) = match (week, grouping) {
        (true, Grouping::Practitioner) => ((fits("Practitioners"), shown), ("Rooms".to_owned(), ids(&params.rooms))),
        (true, Grouping::Room) => (
            ("Practitioners".to_owned(), ids(&params.practitioners)),
            (fits("Rooms"), shown),
        ),
        (false, _) => (
            ("Practitioners".to_owned(), ids(&params.practitioners)),
            ("Rooms".to_owned(), ids(&params.rooms)),
        ),
    };
    let asked = match grouping {
        Grouping::Practitioner => params.practitioners.len(),
        Grouping::Room => params.rooms.len(),
    };
    let summary = if week {
        let names: Vec<&str> = data.columns.iter().map(|c| c.label.as_str()).collect();
        format!("Showing {} · change", names.join(", "))
    } else {
        "Filters".to_owned()
    };
    // One tap per person (or room) for their week: the quick way on a phone, no
    // JavaScript needed; the panel below chooses a few side by side.
    let week_of = {
        let (label, list) = match grouping {
            Grouping::Practitioner => ("Whose week", &data.practitioners),
            Grouping::Room => ("Which room's week", &data.rooms),
        };
        let alone = match data.columns.as_slice() {
            [one] => Some(one.id),
            _ => None,
        };
        (week && list.len() > 1).then(|| {
            let links = list
                .iter()
                .map(|c| {
                    let href = params.only(grouping, c.id).href(first, view, grouping);
                    let current = (alone == Some(c.id)).then_some("true");
                    let name = c.label.clone();
                    view! { <li><a href=href class="week-of__link" aria-current=current>{name}</a></li> }
                })
                .collect_view();
            view! { <nav class="week-of" aria-label=label><ul class="week-of__list">{links}</ul></nav> }
        })
    };
    view! {
        <div class="calendar-head">
            <h1 class="calendar-head__title">{day_title(&data)}</h1>
            <nav class="calendar-nav" aria-label="Dates">
                <A href=link(first - Duration::days(step)) attr:class="button" attr:aria-label="Previous">"‹"</A>
                <A href=link(data.today) attr:class="button">"Today"</A>
                <A href=link(first + Duration::days(step)) attr:class="button" attr:aria-label="Next">"›"</A>
            </nav>
            <nav class="segmented" aria-label="View">
                <A href=params.href(first, CalendarView::Day, grouping) attr:aria-current=(view == CalendarView::Day).then_some("true")>"Day"</A>
                <A href=params.href(first, CalendarView::Week, grouping) attr:aria-current=(view == CalendarView::Week).then_some("true")>"Week"</A>
            </nav>
            <nav class="segmented" aria-label="Columns">
                <A href=params.href(first, view, Grouping::Practitioner) attr:aria-current=(grouping == Grouping::Practitioner).then_some("true")>"By practitioner"</A>
                <A href=params.href(first, view, Grouping::Room) attr:aria-current=(grouping == Grouping::Room).then_some("true")>"By room"</A>
            </nav>
            <A href=new_href attr:class="button button--primary">"New appointment"</A>
        </div>
        {(week && asked > WEEK_COLUMNS).then(|| view! {
            <p class="notice" role="note">
                {format!("A week shows up to {WEEK_COLUMNS} side by side, so it shows the first {WEEK_COLUMNS} chosen. The day view shows everyone.")}
            </p>
        })}
        {week_of}
        <details class="filters-panel">
            <summary>{summary}</summary>
            <Form method="GET" action="/app/calendar" attr:class="filters">
                <input type="hidden" name="date" value=first.to_string()/>
                <input type="hidden" name="view" value=if view == CalendarView::Week { "week" } else { "day" }/>
                <input type="hidden" name="group" value=if grouping == Grouping::Room { "room" } else { "practitioner" }/>
                <CheckboxGroup legend=practitioners_legend name="practitioner" choices=choices(&data.practitioners) checked=practitioners_checked/>
                <CheckboxGroup legend=rooms_legend name="room" choices=choices(&data.rooms) checked=rooms_checked/>
                <CheckboxGroup legend="Services" name="service" choices=choices(&data.services) checked=ids(&params.services)/>
                <button class="button" type="submit">"Apply filters"</button>
                <A href=CalendarQuery::default().href(first, view, grouping)>"Clear"</A>
            </Form>
        </details>
    }
}
