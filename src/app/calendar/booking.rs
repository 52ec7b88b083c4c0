//! `/app/calendar/new`: booking an appointment (once, or as a recurring series).

// A server function takes one argument per form field.
#![allow(clippy::too_many_arguments)]

use crate::components::loaded::loaded;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{
    components::{Form, A},
    hooks::use_query_map,
};

use crate::{
    components::form::{action_error, field_error, FormAlert, SubmitButton, TextField},
    domain::{appointment::BookingOptions, AppError},
};

#[server]
pub async fn get_booking_options(#[server(default)] query: String) -> Result<BookingOptions, AppError> {
    use crate::server::{auth::context::RequestContext, calendar};
    calendar::booking_options(&RequestContext::load().await?, &query).await
}

/// Books an appointment, or a recurring series when `repeat` is ticked, then shows its day.
#[server]
pub async fn create_appointment(
    #[server(default)] patient_id: String,
    #[server(default)] new_patient_name: String,
    #[server(default)] new_patient_phone: String,
    practitioner_id: String,
    service_id: String,
    #[server(default)] room_id: String,
    date: String,
    time: String,
    #[server(default)] minutes: String,
    #[server(default)] notes: String,
    #[server(default)] override_hours: Option<String>,
    #[server(default)] repeat: Option<String>,
    #[server(default)] repeat_every: String,
    #[server(default)] repeat_unit: String,
    #[server(default)] repeat_until: String,
    #[server(default)] repeat_count: String,
) -> Result<(), AppError> {
    use crate::{
        domain::appointment::{BookingForm, NewAppointment, Source},
        server::{auth::context::RequestContext, calendar},
    };
    let form = BookingForm {
        patient_id: &patient_id,
        new_patient_name: &new_patient_name,
        new_patient_phone: &new_patient_phone,
        practitioner_id: &practitioner_id,
        service_id: &service_id,
        room_id: &room_id,
        date: &date,
        time: &time,
        minutes: &minutes,
        notes: &notes,
        override_hours: override_hours.is_some(),
        repeat: repeat.map(|_| {
            (
                repeat_every.as_str(),
                repeat_unit.as_str(),
                repeat_until.as_str(),
                repeat_count.as_str(),
            )
        }),
    };
    let input = NewAppointment::parse(&form, Source::Staff)?;
    let created = calendar::create(&RequestContext::load().await?, &input).await?;
    let date = created.first().map_or(input.start.date(), |a| a.local_date);
    leptos_axum::redirect(&format!("/app/calendar?date={date}"));
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
                            {move || error.get().and_then(|e| e.field_message("patient_id")).map(|m| view! { <p class="field__error">{m}</p> })}
                            <p class="field__hint">"Or add a new patient:"</p>
                            <TextField label="New patient's name" name="new_patient_name" autocomplete="off" error=field_error(error, "new_patient_name")/>
                            <TextField label="New patient's phone" name="new_patient_phone" kind="tel" autocomplete="off" error=field_error(error, "new_patient_phone")/>
                        </fieldset>
                        <div class="field">
                            <label class="field__label" for="booking-service">"Service"</label>
                            <select class="field__input" id="booking-service" name="service_id" required=true>
                                {options.services.iter().map(|s| view! {
                                    <option value=s.id.to_string()>{format!("{} ({} min)", s.name, s.duration_minutes)}</option>
                                }).collect_view()}
                            </select>
                            {move || error.get().and_then(|e| e.field_message("service_id")).map(|m| view! { <p class="field__error">{m}</p> })}
                        </div>
                        <div class="field">
                            <label class="field__label" for="booking-practitioner">"Practitioner"</label>
                            <select class="field__input" id="booking-practitioner" name="practitioner_id" required=true>
                                {options.practitioners.iter().map(|p| view! {
                                    <option value=p.id.to_string() selected=p.id.to_string() == chosen_practitioner>{p.label.clone()}</option>
                                }).collect_view()}
                            </select>
                            {move || error.get().and_then(|e| e.field_message("practitioner_id")).map(|m| view! { <p class="field__error">{m}</p> })}
                        </div>
                        <TextField label="Date" name="date" kind="date" value=date required=true error=field_error(error, "date")/>
                        <TextField label="Start time" name="time" kind="time" value=time required=true error=field_error(error, "time")/>
                        <TextField label="Minutes" name="minutes" kind="number" hint="Leave empty for the service's usual length." error=field_error(error, "minutes")/>
                        <div class="field">
                            <label class="field__label" for="booking-room">"Room"</label>
                            <select class="field__input" id="booking-room" name="room_id">
                                <option value="">"Any suitable room"</option>
                                {options.rooms.iter().map(|r| view! {
                                    <option value=r.id.to_string() selected=r.id.to_string() == chosen_room>{r.label.clone()}</option>
                                }).collect_view()}
                            </select>
                        </div>
                        <div class="field">
                            <label class="field__label" for="booking-notes">"Notes"</label>
                            <textarea class="field__input" id="booking-notes" name="notes" rows="2"></textarea>
                        </div>
                        <fieldset class="form__group">
                            <legend>"Repeat"</legend>
                            <label class="checkbox"><input type="checkbox" name="repeat" value="on"/>"Book a recurring series"</label>
                            <div class="inline-fields">
                                <TextField label="Every" name="repeat_every" kind="number" value="1" error=field_error(error, "repeat_every")/>
                                <div class="field">
                                    <label class="field__label" for="repeat-unit">"Unit"</label>
                                    <select class="field__input" id="repeat-unit" name="repeat_unit">
                                        <option value="weeks">"weeks"</option>
                                        <option value="days">"days"</option>
                                    </select>
                                </div>
                                <TextField label="Times" name="repeat_count" kind="number" hint="How many appointments in all" error=field_error(error, "repeat_count")/>
                                <TextField label="Or until" name="repeat_until" kind="date" error=field_error(error, "repeat_until")/>
                            </div>
                        </fieldset>
                        {options.can_override.then(|| view! {
                            <label class="checkbox"><input type="checkbox" name="override_hours" value="on"/>"Book outside working hours"</label>
                        })}
                        {move || error.get().and_then(|e| e.field_message("override_hours")).map(|m| view! { <p class="field__error">{m}</p> })}
                        <SubmitButton label="Book" pending_label="Booking…" pending=action.pending()/>
                    </ActionForm>
                }
                .into_any()
        })}
    }
}
