//! `/app/settings/hours`: practitioners' weekly hours, time off and branch closures.

use crate::components::loaded::loaded;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use uuid::Uuid;

use crate::{
    components::{
        confirm::{Confirm, ConfirmButton},
        form::{
            action_done, action_error, field_error, Choice, DateField, DateTimeField, FieldMessage, FormAlert,
            SelectField, SubmitButton, TextField,
        },
        toast::Toast,
    },
    domain::{
        branch::WEEKDAYS,
        schedule::{
            ClosureForm, ClosureRow, HoursPage, PersonHours, TimeOffForm, TimeOffRow, WeekForm, WorkingInterval,
            WORKWEEK,
        },
        AppError,
    },
};

#[server]
pub async fn get_hours() -> Result<HoursPage, AppError> {
    use crate::server::{auth::context::RequestContext, catalog};
    catalog::hours_page(&RequestContext::load().await?).await
}

/// Replaces someone's weekly hours (after copying a day to the workweek, when asked). A
/// problem is named on that person's day: `{user_id}.days.mon`.
#[server]
pub async fn save_hours(user_id: Uuid, #[server(flatten)] form: WeekForm) -> Result<(), AppError> {
    use crate::server::{auth::context::RequestContext, catalog};
    let hours = form.parse().map_err(|e| match e {
        AppError::Validation(errors) => AppError::Validation(
            errors
                .into_iter()
                .map(|e| crate::domain::FieldError::new(format!("{user_id}.{}", e.field), e.message))
                .collect(),
        ),
        other => other,
    })?;
    catalog::set_working_hours(&RequestContext::load().await?, user_id, &hours).await
}

#[server]
pub async fn add_time_off(user_id: Uuid, #[server(flatten)] form: TimeOffForm) -> Result<(), AppError> {
    use crate::server::{auth::context::RequestContext, catalog};
    let off = form.parse()?;
    catalog::add_time_off(&RequestContext::load().await?, user_id, &off).await?;
    Ok(())
}

#[server]
pub async fn remove_time_off(id: Uuid) -> Result<(), AppError> {
    use crate::server::{auth::context::RequestContext, catalog};
    catalog::remove_time_off(&RequestContext::load().await?, id).await
}

#[server]
pub async fn add_closure(#[server(flatten)] form: ClosureForm) -> Result<(), AppError> {
    use crate::server::{auth::context::RequestContext, catalog};
    let closure = form.parse()?;
    catalog::add_closure(&RequestContext::load().await?, &closure).await?;
    Ok(())
}

#[server]
pub async fn remove_closure(id: Uuid) -> Result<(), AppError> {
    use crate::server::{auth::context::RequestContext, catalog};
    catalog::remove_closure(&RequestContext::load().await?, id).await
}

#[component]
pub fn HoursSettingsPage() -> impl IntoView {
    let save = ServerAction::<SaveHours>::new();
    let add_off = ServerAction::<AddTimeOff>::new();
    let remove_off = ServerAction::<RemoveTimeOff>::new();
    let add_closed = ServerAction::<AddClosure>::new();
    let remove_closed = ServerAction::<RemoveClosure>::new();
    let page = Resource::new(
        move || {
            (
                save.version().get(),
                add_off.version().get(),
                remove_off.version().get(),
                add_closed.version().get(),
                remove_closed.version().get(),
            )
        },
        |_| get_hours(),
    );
    let save_error = action_error(save);
    let hours_saved = action_done(save, "Hours saved.");
    let off_error = action_error(add_off);
    let closed_error = action_error(add_closed);

    view! {
        <Title text="Working hours"/>
        <p><A href="/app/settings">"← Settings"</A></p>
        <h1>"Working hours"</h1>
        {loaded(page, move |page| {
                let HoursPage { people, time_off, closures } = page;
                let people_choices: Vec<Choice> = people.iter().map(|p| Choice::new(p.id, p.name.clone())).collect();
                view! {
                    <section class="panel" aria-labelledby="weekly-title">
                        <h2 id="weekly-title">"Weekly hours at this branch"</h2>
                        <p class="field__hint">"A day with no times is a day off. Fill the empty row to add an interval (after a break); clear a row to remove it."</p>
                        <FormAlert error=save_error/>
                        <Toast message=hours_saved/>
                        {people.into_iter().map(|PersonHours { id, name, hours }| view! {
                            <ActionForm action=save attr:class="hours-row">
                                <input type="hidden" name="user_id" value=id.to_string()/>
                                <h3>{name.clone()}</h3>
                                <WeekFields id hours error=save_error/>
                                <button class="button button--primary" type="submit">"Save hours"<span class="visually-hidden">{format!(" of {name}")}</span></button>
                            </ActionForm>
                        }).collect_view()}
                    </section>
                    <section class="panel" aria-labelledby="off-title">
                        <h2 id="off-title">"Time off"</h2>
                        <ul class="list">
                            {time_off.into_iter().map(|TimeOffRow { id, who, from, until, reason }| view! {
                                <li class="list__item">
                                    <span><strong>{who.clone()}</strong>{format!(" · {from} – {until}")}{(!reason.is_empty()).then(|| format!(" · {reason}"))}</span>
                                    <Confirm key=format!("remove-{id}") label="Remove" detail=format!(": {who}'s time off") question="They count as working then again.">
                                        <ActionForm action=remove_off>
                                            <input type="hidden" name="id" value=id.to_string()/>
                                            <ConfirmButton label="Remove the time off" pending=remove_off.pending()/>
                                        </ActionForm>
                                    </Confirm>
                                </li>
                            }).collect_view()}
                        </ul>
                        <ActionForm action=add_off attr:class="inline-fields">
                            <FormAlert error=off_error/>
                            <SelectField label="Who" name="user_id" id="off-user" options=people_choices error=field_error(off_error, "user_id")/>
                            <DateTimeField label="From" name="from" required=true error=field_error(off_error, "from")/>
                            <DateTimeField label="Until" name="until" required=true error=field_error(off_error, "until")/>
                            <TextField label="Reason" name="reason" error=field_error(off_error, "reason")/>
                            <SubmitButton label="Add time off" pending_label="Adding…" pending=add_off.pending()/>
                        </ActionForm>
                    </section>
                    <section class="panel" aria-labelledby="closed-title">
                        <h2 id="closed-title">"Branch closed"</h2>
                        <ul class="list">
                            {closures.into_iter().map(|ClosureRow { id, day, name }| view! {
                                <li class="list__item">
                                    <span>{day.clone()}{(!name.is_empty()).then(|| format!(" · {name}"))}</span>
                                    <Confirm key=format!("remove-{id}") label="Remove" detail=format!(": closed on {day}") question="The branch counts as open that day again.">
                                        <ActionForm action=remove_closed>
                                            <input type="hidden" name="id" value=id.to_string()/>
                                            <ConfirmButton label="Remove the closed day" pending=remove_closed.pending()/>
                                        </ActionForm>
                                    </Confirm>
                                </li>
                            }).collect_view()}
                        </ul>
                        <ActionForm action=add_closed attr:class="inline-fields">
                            <FormAlert error=closed_error/>
                            <DateField label="Day" name="day" required=true error=field_error(closed_error, "day")/>
                            <TextField label="Name" name="name" hint="For example: Christmas Day" error=field_error(closed_error, "name")/>
                            <SubmitButton label="Add closed day" pending_label="Adding…" pending=add_closed.pending()/>
                        </ActionForm>
                    </section>
                }
                .into_any()
        })}
    }
}

/// One person's week: per day its intervals as pairs of time fields, and an empty pair to
/// add one; Monday to Friday can each be copied to the rest of the workweek.
#[component]
fn WeekFields(id: Uuid, hours: Vec<WorkingInterval>, #[prop(into)] error: Signal<Option<AppError>>) -> impl IntoView {
    let mut row = 0usize;
    WEEKDAYS
        .iter()
        .enumerate()
        .map(|(n, (key, day))| {
            let weekday = n as u8 + 1;
            let mut times: Vec<(String, String)> = hours
                .iter()
                .filter(|i| i.weekday == weekday)
                .map(|i| (i.starts.format("%H:%M").to_string(), i.ends.format("%H:%M").to_string()))
                .collect();
            // A blank row to add an interval; a day off gets two, for a morning and an afternoon.
            let off = times.is_empty();
            times.resize(times.len().max(1) + 1, (String::new(), String::new()));
            let rows = times
                .into_iter()
                .enumerate()
                .map(|(k, (starts, ends))| {
                    let (index, nth) = (row, if k == 0 { String::new() } else { format!(" ({})", k + 1) });
                    row += 1;
                    view! {
                        <div class="hours-day__interval">
                            <input type="hidden" name=format!("intervals[{index}][weekday]") value=weekday.to_string()/>
                            <input class="field__input" type="time" name=format!("intervals[{index}][starts]") value=starts aria-label=format!("{day} from{nth}")/>
                            <span aria-hidden="true">"–"</span>
                            <input class="field__input" type="time" name=format!("intervals[{index}][ends]") value=ends aria-label=format!("{day} until{nth}")/>
                        </div>
                    }
                })
                .collect_view();
            view! {
                <fieldset class="hours-day" data-day=*key>
                    <legend>{*day}{off.then_some(" · day off")}</legend>
                    {rows}
                    {WORKWEEK.contains(&weekday).then(|| view! {
                        <button class="button button--quiet" type="submit" name="copy" value=weekday.to_string() aria-label=format!("Copy {day}'s hours to Monday–Friday")>
                            "Copy to Monday–Friday"
                        </button>
                    })}
                    <FieldMessage error=field_error(error, format!("{id}.days.{key}"))/>
                </fieldset>
            }
        })
        .collect_view()
}
