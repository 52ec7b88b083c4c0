//! The calendar grid. Rendered on the server as positioned blocks and slot links (so it
//! reads and books without JavaScript); hydrated, it adds dragging to move, dragging the
//! lower edge to resize, Alt+arrow keys for both, and live updates from `/ws`.

use chrono::NaiveDate;
use leptos::prelude::*;
use uuid::Uuid;

use crate::{
    app::realtime::use_realtime,
    domain::{
        appointment::{RescheduleForm, Status},
        calendar::{CalendarBlock, CalendarData, CalendarQuery, CalendarView, Grouping},
        realtime::apply,
    },
};

/// Tenths of a pixel per minute of the day (a minute is 1.5 pixels).
const PPM_TENTHS: i32 = 15;
/// Pixels per minute of the day.
const PPM: f64 = PPM_TENTHS as f64 / 10.0;
/// Moves and resizes snap to this many minutes.
const SNAP: i32 = 5;
/// Blocks shorter than this many minutes lay their text out in lines that wrap, not one
/// line each, so that a 30-minute block still shows whose it is and what.
const SHORT: i32 = 50;
/// What one Alt+arrow press moves or resizes by.
const KEY_STEP: i32 = 15;

/// One column of the grid: a practitioner or room on one day. A day view has one per
/// practitioner or room; a week view one per day and chosen practitioner or room.
#[derive(Debug, Clone, PartialEq)]
struct Column {
    date: NaiveDate,
    id: Uuid,
    /// The practitioner's or room's name.
    label: String,
    /// The first of its day's columns in a week (it carries the day's label).
    starts_day: bool,
    /// Working intervals to shade, minutes of the day.
    open: Vec<(u32, u32)>,
    closed: bool,
}

fn columns(data: &CalendarData) -> Vec<Column> {
    data.days
        .iter()
        .flat_map(|&date| {
            data.columns.iter().enumerate().map(move |(n, c)| Column {
                date,
                id: c.id,
                label: c.label.clone(),
                starts_day: n == 0,
                open: data
                    .hours
                    .iter()
                    .find(|h| h.column == c.id && h.date == date)
                    .map(|h| h.intervals.clone())
                    .unwrap_or_default(),
                closed: data.closures.contains(&date),
            })
        })
        .collect()
}

fn belongs(column: &Column, grouping: Grouping, a: &CalendarBlock) -> bool {
    a.local_date == column.date
        && match grouping {
            Grouping::Practitioner => a.practitioner_id == column.id,
            Grouping::Room => a.room_id == Some(column.id),
        }
}

/// Where an appointment's block stands among those it overlaps: lane `lane` of `of`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Lane {
    lane: usize,
    of: usize,
}

/// Side-by-side lanes for appointments that overlap in one column, in the list's order
/// (so that drawing a block needs no search: a busy column holds hundreds).
fn lanes(list: &[CalendarBlock]) -> Vec<Lane> {
    let mut sorted: Vec<usize> = (0..list.len()).collect();
    sorted.sort_by_key(|&i| (list[i].start_minute, list[i].end_minute));
    let mut out = vec![Lane { lane: 0, of: 1 }; list.len()];
    let mut cluster: Vec<(usize, usize)> = Vec::new();
    let mut lane_ends: Vec<u32> = Vec::new();
    let mut cluster_end = 0;
    for i in sorted {
        let a = &list[i];
        if a.start_minute >= cluster_end && !cluster.is_empty() {
            let of = lane_ends.len();
            cluster.drain(..).for_each(|(at, lane)| out[at] = Lane { lane, of });
            lane_ends.clear();
        }
        let lane = match lane_ends.iter().position(|end| *end <= a.start_minute) {
            Some(free) => {
                lane_ends[free] = a.end_minute;
                free
            }
            None => {
                lane_ends.push(a.end_minute);
                lane_ends.len() - 1
            }
        };
        cluster.push((i, lane));
        cluster_end = cluster_end.max(a.end_minute);
        if cluster.len() == 1 {
            cluster_end = a.end_minute;
        }
    }
    let of = lane_ends.len();
    cluster.into_iter().for_each(|(at, lane)| out[at] = Lane { lane, of });
    out
}

fn hhmm(minute: i32) -> String {
    let minute = minute.clamp(0, 24 * 60 - 1);
    format!("{:02}:{:02}", minute / 60, minute % 60)
}

/// `minutes` as pixels, to a tenth; in integers, since formatting a float is slow
/// enough to show when a busy week draws 2,000 blocks.
fn px(minutes: i32) -> String {
    let tenths = minutes * PPM_TENTHS;
    let sign = if tenths < 0 { "-" } else { "" };
    format!("{sign}{}.{}px", (tenths / 10).abs(), (tenths % 10).abs())
}

/// A drag or key press in progress: how far the block has moved, in minutes and columns.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Shift {
    id: Uuid,
    resize: bool,
    start_x: f64,
    start_y: f64,
    column_width: f64,
    minutes: i32,
    columns: i32,
    moved: bool,
}

#[component]
pub fn Grid(data: CalendarData, params: CalendarQuery) -> impl IntoView {
    let cols = columns(&data);
    if cols.is_empty() {
        return view! {
            <div class="notice" role="note">
                <p>{match data.grouping {
                    Grouping::Practitioner => "No practitioners work at this branch yet. Add working hours in Settings → Working hours.",
                    Grouping::Room => "This branch has no rooms yet. Add them in Settings → Rooms & equipment.",
                }}</p>
            </div>
        }
        .into_any();
    }
    let (day_start, day_end) = (data.day_start as i32, data.day_end as i32);
    let grouping = data.grouping;
    let appointments = RwSignal::new(data.appointments.clone());
    let shift = RwSignal::new(None::<Shift>);
    // A drag ends with a click on the link; the move re-renders the blocks, so the click
    // lands on a new element. The grid remembers to swallow it.
    let just_dragged = StoredValue::new(false);
    let message = RwSignal::new(String::new());
    let now = RwSignal::new(data.now_minute as i32);
    let today = data.today;

    // Live changes from other screens, applied in place.
    if let Some(realtime) = use_realtime() {
        let days = data.days.clone();
        let filters = params.clone();
        let shown: Vec<Uuid> = data.columns.iter().map(|c| c.id).collect();
        Effect::new(move |_| {
            if let Some(event) = realtime.last.get() {
                appointments.update(|list| {
                    apply(list, &event, |a| {
                        a.status != Status::Cancelled
                            && days.contains(&a.local_date)
                            && match grouping {
                                Grouping::Practitioner => shown.contains(&a.practitioner_id),
                                Grouping::Room => a.room_id.is_some_and(|r| shown.contains(&r)),
                            }
                            && (filters.practitioners.is_empty() || filters.practitioners.contains(&a.practitioner_id))
                            && (filters.services.is_empty() || filters.services.contains(&a.service_id))
                            && (filters.rooms.is_empty() || a.room_id.is_some_and(|r| filters.rooms.contains(&r)))
                    })
                });
            }
        });
    }
    #[cfg(feature = "hydrate")]
    {
        let handle = set_interval_with_handle(move || now.update(|m| *m += 1), std::time::Duration::from_secs(60));
        if let Ok(handle) = handle {
            on_cleanup(move || handle.clear());
        }
    }

    let cols = StoredValue::new(cols);
    let column_count = cols.with_value(Vec::len);

    // Sends a finished move or resize; shows it at once and takes it back if refused.
    let commit = move |s: Shift| {
        let Some(original) = appointments.with_untracked(|l| l.iter().find(|a| a.id == s.id).cloned()) else {
            return;
        };
        let from = cols.with_value(|c| c.iter().position(|col| belongs(col, grouping, &original)));
        let Some(from) = from else { return };
        let to = (from as i32 + s.columns).clamp(0, column_count as i32 - 1) as usize;
        let target = cols.with_value(|c| c[to].clone());
        let (mut start, mut end) = (original.start_minute as i32, original.end_minute as i32);
        if s.resize {
            end = (end + s.minutes).max(start + SNAP);
        } else {
            start += s.minutes;
            end += s.minutes;
        }
        if start < 0
            || end > 24 * 60
            || (start == original.start_minute as i32 && end == original.end_minute as i32 && to == from)
        {
            return;
        }
        let mut moved = original.clone();
        moved.start_minute = start as u32;
        moved.end_minute = end as u32;
        moved.local_date = target.date;
        let (practitioner, room) = match grouping {
            Grouping::Practitioner => {
                moved.practitioner_id = target.id;
                (target.id.to_string(), String::new())
            }
            Grouping::Room => {
                moved.room_id = Some(target.id);
                (String::new(), target.id.to_string())
            }
        };
        moved.time_label = format!("{}–{}", hhmm(start), hhmm(end));
        appointments.update(|l| {
            if let Some(a) = l.iter_mut().find(|a| a.id == s.id) {
                *a = moved.clone();
            }
        });
        message.set(format!(
            "Moving {} to {} {}…",
            original.patient_name,
            target.date.format("%-d %b"),
            hhmm(start)
        ));
        leptos::task::spawn_local(async move {
            let form = RescheduleForm {
                date: target.date.to_string(),
                time: hhmm(start),
                minutes: (end - start).to_string(),
                practitioner_id: practitioner,
                room_id: room,
                scope: "this".into(),
                override_hours: None,
            };
            let result = super::detail::reschedule_appointment(s.id, form).await;
            match result {
                Ok(saved) => {
                    appointments.update(|l| {
                        for view in &saved {
                            if let Some(a) = l.iter_mut().find(|a| a.id == view.id) {
                                *a = CalendarBlock::from(view);
                            }
                        }
                    });
                    message.set(format!(
                        "Moved {} to {} {}.",
                        original.patient_name,
                        target.date.format("%-d %b"),
                        hhmm(start)
                    ));
                }
                Err(err) => {
                    appointments.update(|l| {
                        if let Some(a) = l.iter_mut().find(|a| a.id == s.id) {
                            *a = original.clone();
                        }
                    });
                    message.set(err.to_string());
                }
            }
        });
    };

    let dragged = Dragged {
        selector: Selector::new(move || shift.with(|s| s.map(|s| s.id))),
        shift,
    };
    let on_pointer_down = move |ev: leptos::ev::PointerEvent| {
        if ev.button() != 0 {
            return;
        }
        let Some(Hit {
            id,
            resize,
            column_width,
        }) = movable_block(&ev)
        else {
            return;
        };
        capture(&ev);
        just_dragged.set_value(false);
        shift.set(Some(Shift {
            id,
            resize,
            start_x: f64::from(ev.client_x()),
            start_y: f64::from(ev.client_y()),
            column_width,
            minutes: 0,
            columns: 0,
            moved: false,
        }));
    };
    let on_pointer_move = move |ev: leptos::ev::PointerEvent| {
        // Moving the pointer over the grid without dragging changes nothing.
        if shift.with_untracked(Option::is_none) {
            return;
        }
        shift.update(|s| {
            if let Some(s) = s.as_mut() {
                let (dx, dy) = (
                    f64::from(ev.client_x()) - s.start_x,
                    f64::from(ev.client_y()) - s.start_y,
                );
                s.moved |= dx.abs() > 4.0 || dy.abs() > 4.0;
                s.minutes = ((dy / PPM) / f64::from(SNAP)).round() as i32 * SNAP;
                s.columns = if s.resize || s.column_width <= 0.0 {
                    0
                } else {
                    (dx / s.column_width).round() as i32
                };
            }
        });
    };
    let on_pointer_up = move |_: leptos::ev::PointerEvent| {
        if let Some(s) = shift.get_untracked() {
            shift.set(None);
            if s.moved {
                just_dragged.set_value(true);
                commit(s);
            }
        }
    };
    let on_click = move |ev: leptos::ev::MouseEvent| {
        // The end of a drag is not a click on the link.
        if just_dragged.get_value() {
            ev.prevent_default();
            just_dragged.set_value(false);
        }
    };
    let on_key = move |ev: leptos::ev::KeyboardEvent| {
        if !ev.alt_key() {
            return;
        }
        let (minutes, columns, resize) = match (ev.key().as_str(), ev.shift_key()) {
            ("ArrowUp", false) => (-KEY_STEP, 0, false),
            ("ArrowDown", false) => (KEY_STEP, 0, false),
            ("ArrowUp", true) => (-KEY_STEP, 0, true),
            ("ArrowDown", true) => (KEY_STEP, 0, true),
            ("ArrowLeft", _) => (0, -1, false),
            ("ArrowRight", _) => (0, 1, false),
            _ => return,
        };
        let Some(Hit { id, .. }) = movable_block(&ev) else {
            return;
        };
        ev.prevent_default();
        commit(Shift {
            id,
            resize,
            start_x: 0.0,
            start_y: 0.0,
            column_width: 0.0,
            minutes,
            columns,
            moved: true,
        });
    };

    let hours: Vec<i32> = (day_start / 60..=(day_end - 1) / 60).collect();
    let body_height = px(day_end - day_start);
    let new_link = move |col: &Column, minute: i32| {
        let key = match grouping {
            Grouping::Practitioner => "practitioner",
            Grouping::Room => "room",
        };
        format!(
            "/app/calendar/new?date={}&time={}&{key}={}",
            col.date,
            hhmm(minute),
            col.id
        )
    };
    // A week of several practitioners or rooms names each column under its day.
    let named = data.view == CalendarView::Week && data.columns.len() > 1;

    view! {
        <div
            class="calendar"
            class:calendar--named=named
            role="region"
            aria-label="Appointments"
            style=format!("--columns: {column_count}")
            data-testid="calendar"
        >
            <div class="calendar__head">
                <div class="calendar__corner"></div>
                {cols.with_value(|c| c.iter().map(|col| {
                    let day = match data.view {
                        CalendarView::Day => None,
                        CalendarView::Week => col.starts_day.then(|| col.date.format("%a %-d").to_string()),
                    };
                    let name = (data.view == CalendarView::Day || named).then(|| col.label.clone());
                    view! {
                        <div
                            class="calendar__col-head"
                            class:calendar__col-head--today=col.date == today
                            class:calendar__col-head--day=col.starts_day && named
                            title=format!("{} · {}", col.label, col.date.format("%A %-d %B"))
                        >
                            {day.map(|d| view! { <span class="calendar__day">{d}</span> })}
                            {name.map(|n| view! { <span class="calendar__name">{n}</span> })}
                        </div>
                    }
                }).collect_view())}
            </div>
            <p class="visually-hidden" id="calendar-keys">
                "Alt and the arrow keys move an appointment; with Shift, up and down change its length."
            </p>
            <div
                class="calendar__body"
                style=format!("height: {body_height}")
                on:pointerdown=on_pointer_down
                on:pointermove=on_pointer_move
                on:pointerup=on_pointer_up
                on:click=on_click
                on:keydown=on_key
            >
                <div class="calendar__axis" aria-hidden="true">
                    {hours.iter().map(|h| view! {
                        <span class="calendar__hour" style=format!("top: {}", px(h * 60 - day_start))>{format!("{h:02}:00")}</span>
                    }).collect_view()}
                </div>
                {cols.with_value(|c| c.iter().enumerate().map(|(index, col)| {
                    let col = col.clone();
                    let slots: Vec<i32> = (day_start..day_end).step_by(15).collect();
                    let here = {
                        let col = col.clone();
                        move || appointments.with(|l| l.iter().filter(|a| belongs(&col, grouping, a)).cloned().collect::<Vec<_>>())
                    };
                    let is_today = col.date == today;
                    let dragged = dragged.clone();
                    view! {
                        <div
                            class="calendar__column"
                            class:calendar__column--day=col.starts_day && named
                            class:calendar__column--closed=col.closed
                            data-column=index
                            data-date=col.date.to_string()
                        >
                            {col.open.iter().map(|(s, e)| view! {
                                <div class="calendar__open" style=format!("top: {}; height: {}", px(*s as i32 - day_start), px(*e as i32 - *s as i32))></div>
                            }).collect_view()}
                            {col.closed.then(|| view! { <div class="calendar__closed">"Closed"</div> })}
                            // Stacked in order, a quarter of an hour each (CSS), so they need no
                            // position of their own: a busy day draws 800 of them.
                            <div class="calendar__slots">
                                {slots.into_iter().map(|m| view! {
                                    <a
                                        class="calendar__slot"
                                        href=new_link(&col, m)
                                        tabindex="-1"
                                        aria-hidden="true"
                                        data-time=hhmm(m)
                                    ></a>
                                }).collect_view()}
                            </div>
                            {is_today.then(|| view! {
                                <div class="calendar__now" aria-hidden="true" style=move || format!("top: {}", px(now.get() - day_start))></div>
                            })}
                            {move || {
                                let list = here();
                                let layout = lanes(&list);
                                list.into_iter().zip(layout).map(|(a, Lane { lane, of })| {
                                    view! { <Block appointment=a lane of day_start dragged=dragged.clone()/> }
                                }).collect_view()
                            }}
                        </div>
                    }
                }).collect_view())}
            </div>
            <p class="visually-hidden" role="status" aria-live="polite" data-testid="calendar-status">{move || message.get()}</p>
            <Show when=move || !message.get().is_empty()>
                <p class="calendar__message" aria-hidden="true">{move || message.get()}</p>
            </Show>
        </div>
    }
    .into_any()
}

/// One appointment on the grid: a link to its page. The grid handles its dragging and
/// keys (one set of listeners for all blocks, not five per block: a busy week has 2,000);
/// a block only follows the drag while it is the one dragged.
#[component]
fn Block(appointment: CalendarBlock, lane: usize, of: usize, day_start: i32, dragged: Dragged) -> impl IntoView {
    let id = appointment.id;
    let movable = appointment.status.is_movable();
    let top = appointment.start_minute as i32 - day_start;
    let height = (appointment.end_minute as i32 - appointment.start_minute as i32).max(10);
    let place = format!(
        "--c: {}; --top: {}; --h: {}; --lane: {lane}; --of: {}",
        appointment.colour,
        px(top),
        px(height),
        of.max(1)
    );
    let Dragged { selector, shift } = dragged;
    let is_dragged = {
        let selector = selector.clone();
        move || selector.selected(&Some(id))
    };
    let style = {
        let is_dragged = is_dragged.clone();
        // Only the dragged block reads the drag: the others never run this again.
        move || match is_dragged().then(|| shift.get()).flatten() {
            Some(s) if s.resize => format!("{place}; --h: {}", px((height + s.minutes).max(SNAP))),
            Some(s) => format!(
                "{place}; --top: {}; transform: translateX({:.0}px)",
                px(top + s.minutes),
                f64::from(s.columns) * s.column_width
            ),
            None => place.clone(),
        }
    };
    let status = appointment.status;
    let online = appointment.source == crate::domain::appointment::Source::Portal;
    let label = format!(
        "{}, {} with {}, {}{}{}",
        appointment.time_label,
        appointment.patient_name,
        appointment.practitioner_name,
        appointment.service_name,
        if status == Status::Scheduled {
            String::new()
        } else {
            format!(", {}", status.label())
        },
        if appointment.forms_due > 0 {
            ", forms not filled in yet"
        } else {
            ""
        }
    );

    view! {
        <a
            href=format!("/app/calendar/appointments/{id}")
            class="calendar__appointment"
            class:calendar__appointment--movable=movable
            class:calendar__appointment--short=height < SHORT
            class:calendar__appointment--dragging=move || is_dragged() && shift.get().is_some_and(|s| s.moved)
            data-status=status.as_str()
            data-testid="appointment"
            style=style
            title=label.clone()
            aria-label=label
            aria-describedby=movable.then_some("calendar-keys")
            draggable="false"
        >
            <span class="calendar__time">{appointment.time_label.clone()}</span>
            <span class="calendar__patient">{appointment.patient_name.clone()}</span>
            <span class="calendar__service">{appointment.service_name.clone()}</span>
            {(status != Status::Scheduled).then(|| view! { <span class="calendar__status">{status.label()}</span> })}
            {online.then(|| view! { <span class="calendar__online" title="Booked online">"Online"</span> })}
            {(appointment.forms_due > 0).then(|| view! {
                <span class="calendar__forms" title="Forms not filled in yet" data-testid="forms-due">"Forms"</span>
            })}
            {movable.then(|| view! { <span class="calendar__resize" aria-hidden="true"></span> })}
        </a>
    }
}

/// The drag in progress, and which block it moves (so that only that block follows it).
#[derive(Clone)]
struct Dragged {
    selector: Selector<Option<Uuid>>,
    shift: RwSignal<Option<Shift>>,
}

/// The movable block a pointer or key event happened on.
struct Hit {
    id: Uuid,
    /// On its lower edge: the drag resizes.
    resize: bool,
    /// The width of its column, for moves sideways.
    column_width: f64,
}

/// Finds the movable block of an event in the page.
#[cfg(feature = "hydrate")]
fn movable_block(ev: &web_sys::Event) -> Option<Hit> {
    use wasm_bindgen::JsCast;
    let target = ev.target()?.dyn_into::<web_sys::Element>().ok()?;
    let block = target.closest(".calendar__appointment--movable").ok()??;
    Some(Hit {
        // A block is a link to its appointment's page: the address ends in its id.
        id: block.get_attribute("href")?.rsplit('/').next()?.parse().ok()?,
        resize: target.class_list().contains("calendar__resize"),
        column_width: block
            .parent_element()
            .map_or(0.0, |column| column.get_bounding_client_rect().width()),
    })
}

/// Keeps a drag's pointer events on the block it started on, wherever the pointer goes.
#[cfg(feature = "hydrate")]
fn capture(ev: &web_sys::PointerEvent) {
    use wasm_bindgen::JsCast;
    let block = ev
        .target()
        .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
        .and_then(|t| t.closest(".calendar__appointment").ok().flatten());
    if let Some(block) = block {
        let _ = block.set_pointer_capture(ev.pointer_id());
    }
}

// Events only happen in the browser; the server renders the same markup.
#[cfg(not(feature = "hydrate"))]
fn movable_block(_: &leptos::web_sys::Event) -> Option<Hit> {
    None
}

#[cfg(not(feature = "hydrate"))]
fn capture(_: &leptos::web_sys::PointerEvent) {}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(start: u32, end: u32) -> CalendarBlock {
        CalendarBlock {
            id: Uuid::new_v4(),
            practitioner_id: Uuid::nil(),
            service_id: Uuid::nil(),
            room_id: None,
            patient_name: String::new(),
            practitioner_name: String::new(),
            service_name: String::new(),
            colour: String::new(),
            status: Status::Scheduled,
            source: crate::domain::appointment::Source::Staff,
            local_date: NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(),
            start_minute: start,
            end_minute: end,
            time_label: String::new(),
            forms_due: 0,
        }
    }

    #[test]
    fn overlapping_appointments_share_the_width_and_others_do_not() {
        let list = vec![at(540, 600), at(570, 630), at(600, 660), at(700, 760)];
        let got = lanes(&list);
        let of = |i: usize| (got[i].lane, got[i].of);
        assert_eq!(of(0), (0, 2));
        assert_eq!(of(1), (1, 2));
        assert_eq!(of(2), (0, 2), "reuses the first lane once it is free");
        assert_eq!(of(3), (0, 1), "alone after the cluster");
    }

    #[test]
    fn minutes_become_pixels_to_a_tenth() {
        assert_eq!(px(90), "135.0px");
        assert_eq!(px(5), "7.5px");
        assert_eq!(px(0), "0.0px");
        assert_eq!(px(-1), "-1.5px");
        assert_eq!(px(-10), "-15.0px");
    }

    #[test]
    fn minutes_read_as_clock_times() {
        assert_eq!(hhmm(9 * 60 + 5), "09:05");
        assert_eq!(hhmm(-10), "00:00");
    }
}
