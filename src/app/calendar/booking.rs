//! `/app/calendar/new`: booking an appointment (once, or as a recurring series).

use super::choices;
use crate::components::loaded::loaded;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{
    components::{Form, A},
    hooks::use_query_map,
};

use crate::{
    components::form::{
        action_error, field_error, Checkbox, Choice, DateField, FieldMessage, FormAlert, SelectField, SubmitButton,
        TextArea, TextField, TimeField,
    },
    domain::{appointment::BookingForm, calendar::BookingOptions, AppError},
};

#[server]
pub async fn get_booking_options(#[server(default)] query: String) -> Result<BookingOptions, AppError> {
    use crate::server::{auth::context::RequestContext, calendar};
    calendar::booking_options(&RequestContext::load().await?, &query).await
}

/// Books an appointment, or a recurring series when `repeat` is ticked, then shows its day
/// (a walk-in's own page).
#[server]
pub async fn create_appointment(#[server(flatten)] form: BookingForm) -> Result<(), AppError> {
    use crate::{
        domain::appointment::Source,
        server::{auth::context::RequestContext, calendar},
    };
    let input = form.parse(Source::Staff)?;
    let created = calendar::create(&RequestContext::load().await?, &input).await?;
    // A walk-in's page, to start the visit; else the day booked.
    let to = match created.first() {
        Some(a) if input.walk_in => format!("/app/calendar/appointments/{}", a.id),
        Some(a) => format!("/app/calendar?date={}", a.local_date),
        None => "/app/calendar".to_owned(),
    };
    leptos_axum::redirect(&to);
    Ok(())
}

#[component]
pub fn NewAppointmentPage() -> impl IntoView {
    let query = use_query_map();
    let q = move |key: &str| query.read().get(key).unwrap_or_default();
    let options = Resource::new(move || q("q"), get_booking_options);
    let action = ServerAction::<CreateAppointment>::new();
    let error = action_error(action);

    view! {
        <Title text="New appointment"/>
        <p><A href=move || format!("/app/calendar?date={}", q("date"))>"← Calendar"</A></p>
        <h1>"New appointment"</h1>
        {loaded(options, move |options| {
                let (date, time, chosen_practitioner, chosen_room, search) = (q("date"), q("time"), q("practitioner"), q("room"), q("q"));
                // The patient search is its own GET form: it works without JavaScript.
                let search_form = {
                    let (date, time, practitioner, room, search) =
                        (date.clone(), time.clone(), chosen_practitioner.clone(), chosen_room.clone(), search.clone());
                    view! {
                        <Form method="GET" action="/app/calendar/new" attr:class="filters panel">
                            <input type="hidden" name="date" value=date.clone()/>
                            <input type="hidden" name="time" value=time.clone()/>
                            <input type="hidden" name="practitioner" value=practitioner.clone()/>
                            <input type="hidden" name="room" value=room.clone()/>
                            <div class="field">
                                <label class="field__label" for="patient-search">"Find a patient"</label>
                                <input class="field__input" id="patient-search" type="search" name="q" value=search.clone() placeholder="Name, phone or email"/>
                            </div>
                            <button class="button" type="submit">"Search"</button>
                        </Form>
                    }
                };
                view! {
                    {search_form}
                    <ActionForm action attr:class="form panel">
                        <FormAlert error/>
                        <fieldset class="form__group">
                            <legend>"Patient"</legend>
                            {if options.patients.is_empty() {
                                (!search.is_empty()).then(|| view! { <p class="field__hint">"No patient matches. Add them below."</p> }).into_any()
                            } else {
                                view! {
                                    <div class="choice-list" role="radiogroup" aria-label="Patients found">
                                        {options.patients.iter().map(|p| view! {
                                            <label class="checkbox">
                                                <input type="radio" name="patient_id" value=p.id.to_string()/>
                                                {p.full_name.clone()} <span class="field__hint">{format!(" {}", p.phone)}</span>
                                            </label>
                                        }).collect_view()}
                                    </div>
                                }.into_any()
                            }}
                            <FieldMessage error=field_error(error, "patient_id")/>
                            <p class="field__hint">"Or add a new patient:"</p>
                            <TextField label="New patient's name" name="new_patient_name" autocomplete="off" error=field_error(error, "new_patient_name")/>
                            <TextField label="New patient's phone" name="new_patient_phone" kind="tel" autocomplete="off" error=field_error(error, "new_patient_phone")/>
                        </fieldset>
                        <SelectField
                            label="Service"
                            name="service_id"
                            id="booking-service"
                            options=options.services.iter().map(|s| Choice::new(s.id, format!("{} ({} min)", s.name, s.duration_minutes))).collect()
                            required=true
                            error=field_error(error, "service_id")
                        />
                        <SelectField
                            label="Practitioner"
                            name="practitioner_id"
                            id="booking-practitioner"
                            options=choices(&options.practitioners)
                            selected=chosen_practitioner
                            required=true
                            error=field_error(error, "practitioner_id")
                        />
                        <Checkbox label="The patient is here now (walk-in)" name="walk_in" hint="Books the visit from now, whatever the date and time below say, and marks them arrived. No confirmation is sent." error=field_error(error, "walk_in")/>
                        // Not `required` in the page: a walk-in needs neither (the server asks for
                        // them when they are missing and it is no walk-in).
                        <DateField label="Date" name="date" value=date error=field_error(error, "date")/>
                        <TimeField label="Start time" name="time" value=time hint="Not needed for a walk-in." error=field_error(error, "time")/>
                        <TextField label="Minutes" name="minutes" kind="number" hint="Leave empty for the service's usual length." error=field_error(error, "minutes")/>
                        <SelectField
                            label="Room"
                            name="room_id"
                            id="booking-room"
                            options=choices(&options.rooms)
                            selected=chosen_room
                            empty="Any suitable room"
                            error=field_error(error, "room_id")
                        />
                        <TextArea label="Notes" name="notes" id="booking-notes" rows=2 error=field_error(error, "notes")/>
                        <fieldset class="form__group">
                            <legend>"Repeat"</legend>
                            <Checkbox label="Book a recurring series" name="repeat"/>
                            <div class="inline-fields">
                                <TextField label="Every" name="repeat_every" kind="number" value="1" error=field_error(error, "repeat_every")/>
                                <SelectField
                                    label="Unit"
                                    name="repeat_unit"
                                    id="repeat-unit"
                                    options=vec![Choice::new("weeks", "weeks"), Choice::new("days", "days")]
                                    error=field_error(error, "repeat_unit")
                                />
                                <TextField label="Times" name="repeat_count" kind="number" hint="How many appointments in all" error=field_error(error, "repeat_count")/>
                                <DateField label="Or until" name="repeat_until" error=field_error(error, "repeat_until")/>
                            </div>
                        </fieldset>
                        {if options.can_override {
                            view! { <Checkbox label="Book outside working hours" name="override_hours" error=field_error(error, "override_hours")/> }.into_any()
                        } else {
                            // Refused without the permission; the reason still belongs under the form.
                            view! { <FieldMessage error=field_error(error, "override_hours")/> }.into_any()
                        }}
                        <SubmitButton label="Book" pending_label="Booking…" pending=action.pending()/>
                    </ActionForm>
                }
                .into_any()
        })}
    }
}
