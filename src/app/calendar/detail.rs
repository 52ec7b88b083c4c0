//! `/app/calendar/appointments/{id}`: one appointment, its status, moving and cancelling.

use crate::components::loaded::loaded;
use crate::components::url::id_param;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use uuid::Uuid;

use super::choices;
use crate::app::{billing::AccountItem, settings::MessageTimeline, visits::VisitPanel};
use crate::{
    components::{
        confirm::{Confirm, ConfirmButton},
        form::{
            action_error, field_error, Checkbox, Choice, DateField, FieldMessage, FormAlert, RadioGroup, SelectField,
            SubmitButton, TextField, TimeField,
        },
    },
    domain::{
        appointment::{AppointmentView, CancelForm, RescheduleForm, Status},
        calendar::AppointmentDetail,
        AppError,
    },
};

#[server]
pub async fn get_appointment(id: Uuid) -> Result<AppointmentDetail, AppError> {
    use crate::server::{auth::context::RequestContext, calendar};
    calendar::detail(&RequestContext::load().await?, id).await
}

/// Moves, resizes or reassigns an appointment (or it and the following ones of its
/// series).
#[server]
pub async fn reschedule_appointment(
    id: Uuid,
    #[server(flatten)] form: RescheduleForm,
) -> Result<Vec<AppointmentView>, AppError> {
    use crate::server::{auth::context::RequestContext, calendar};
    let change = form.parse()?;
    calendar::reschedule(&RequestContext::load().await?, id, &change).await
}

#[server]
pub async fn cancel_appointment(id: Uuid, #[server(flatten)] form: CancelForm) -> Result<(), AppError> {
    use crate::server::{auth::context::RequestContext, calendar};
    calendar::cancel(&RequestContext::load().await?, id, &form.reason, form.scope()).await?;
    Ok(())
}

#[server]
pub async fn set_appointment_status(id: Uuid, status: String) -> Result<(), AppError> {
    use crate::server::{auth::context::RequestContext, calendar};
    let status = Status::parse(&status).ok_or_else(|| AppError::BadRequest("Unknown status.".into()))?;
    calendar::set_status(&RequestContext::load().await?, id, status).await?;
    Ok(())
}

/// Takes back the last step of the status machine (an arrival, a start, a completion, a
/// no-show) that was a mistake.
#[server]
pub async fn undo_appointment_status(id: Uuid) -> Result<(), AppError> {
    use crate::server::{auth::context::RequestContext, calendar};
    calendar::undo(&RequestContext::load().await?, id).await?;
    Ok(())
}

fn action_label(status: Status) -> &'static str {
    match status {
        Status::Confirmed => "Confirm",
        Status::Arrived => "Mark as arrived",
        Status::InProgress => "Start",
        Status::Completed => "Complete",
        Status::NoShow => "Mark as no-show",
        Status::Scheduled | Status::Cancelled => "",
    }
}

#[component]
pub fn AppointmentPage() -> impl IntoView {
    let id = id_param("id");
    let move_action = ServerAction::<RescheduleAppointment>::new();
    let cancel_action = ServerAction::<CancelAppointment>::new();
    let status_action = ServerAction::<SetAppointmentStatus>::new();
    let undo_action = ServerAction::<UndoAppointmentStatus>::new();
    let detail = Resource::new(
        move || {
            (
                id(),
                move_action.version().get(),
                cancel_action.version().get(),
                status_action.version().get(),
                undo_action.version().get(),
            )
        },
        |(id, ..)| async move {
            match id {
                Some(id) => get_appointment(id).await,
                None => Err(AppError::not_found("That appointment")),
            }
        },
    );
    let move_error = action_error(move_action);
    let cancel_error = action_error(cancel_action);
    let status_error = action_error(status_action);
    let undo_error = action_error(undo_action);

    view! {
        {loaded(detail, move |detail| {
                let a = detail.appointment.clone();
                let id = a.id.to_string();
                let back = format!("/app/calendar?date={}", a.local_date);
                let series = a.series_id.is_some();
                let movable = detail.can_manage && a.status.is_movable();
                let steps: Vec<Status> = detail.next.iter().copied().filter(|s| *s != Status::Cancelled).collect();
                let undo = (detail.can_manage && a.status.undone(true).is_some()).then(|| {
                    let id = id.clone();
                    view! {
                        <ActionForm action=undo_action>
                            <input type="hidden" name="id" value=id/>
                            <button class="button button--quiet" type="submit">{a.status.undo_label()}</button>
                        </ActionForm>
                    }
                });
                let status_section = (detail.can_manage && (!steps.is_empty() || undo.is_some())).then(|| {
                    let id = id.clone();
                    view! {
                        <section class="panel" aria-labelledby="status-title">
                            <h2 id="status-title">"Status"</h2>
                            <FormAlert error=status_error/>
                            <FormAlert error=undo_error/>
                            <div class="button-row">
                                {steps.into_iter().map(|s| {
                                    let id = id.clone();
                                    view! {
                                        <ActionForm action=status_action>
                                            <input type="hidden" name="id" value=id/>
                                            <input type="hidden" name="status" value=s.as_str()/>
                                            <button class="button" type="submit">{action_label(s)}</button>
                                        </ActionForm>
                                    }
                                }).collect_view()}
                                {undo}
                            </div>
                        </section>
                    }
                });
                let visit = matches!(a.status, Status::Arrived | Status::InProgress | Status::Completed)
                    .then(|| view! { <VisitPanel appointment=a.clone()/> });
                let move_section = movable.then(|| {
                    let (id, a) = (id.clone(), a.clone());
                    let start = a.time_label.split('–').next().unwrap_or_default().to_owned();
                    view! {
                        <section class="panel" aria-labelledby="move-title">
                            <h2 id="move-title">"Move or change"</h2>
                            <ActionForm action=move_action attr:class="form form--inline">
                                <FormAlert error=move_error/>
                                <input type="hidden" name="id" value=id/>
                                <DateField label="Date" name="date" value=a.local_date.to_string() required=true error=field_error(move_error, "date")/>
                                <TimeField label="Start time" name="time" value=start required=true error=field_error(move_error, "time")/>
                                <TextField label="Minutes" name="minutes" kind="number" value=a.minutes().to_string() error=field_error(move_error, "minutes")/>
                                <SelectField
                                    label="Practitioner"
                                    name="practitioner_id"
                                    id="move-practitioner"
                                    options=choices(&detail.practitioners)
                                    selected=a.practitioner_id.to_string()
                                    error=field_error(move_error, "practitioner_id")
                                />
                                <SelectField
                                    label="Room"
                                    name="room_id"
                                    id="move-room"
                                    options=choices(&detail.rooms)
                                    selected=a.room_id.map(|r| r.to_string()).unwrap_or_default()
                                    empty="Keep, or any suitable"
                                    error=field_error(move_error, "room_id")
                                />
                                {series.then(scope_choice)}
                                {if detail.can_override {
                                    view! { <Checkbox label="Book outside working hours" name="override_hours" error=field_error(move_error, "override_hours")/> }.into_any()
                                } else {
                                    view! { <FieldMessage error=field_error(move_error, "override_hours")/> }.into_any()
                                }}
                                <SubmitButton label="Save changes" pending_label="Saving…" pending=move_action.pending()/>
                            </ActionForm>
                        </section>
                    }
                });
                let cancel_section = (detail.can_manage && a.status.can_become(Status::Cancelled)).then(|| {
                    let id = id.clone();
                    let question = format!(
                        "{}'s time is freed for others; the appointment stays in the history as cancelled, with its reason.",
                        a.patient_name
                    );
                    view! {
                        <section class="panel" aria-labelledby="cancel-title">
                            <h2 id="cancel-title">"Cancel"</h2>
                            <FormAlert error=cancel_error/>
                            <Confirm key="cancel" label="Cancel appointment" question back="Keep the appointment">
                                <ActionForm action=cancel_action attr:class="form form--inline">
                                    <input type="hidden" name="id" value=id/>
                                    <TextField label="Reason" name="reason" required=true hint="For example: patient called in sick." error=field_error(cancel_error, "reason")/>
                                    {series.then(scope_choice)}
                                    <ConfirmButton label="Cancel the appointment" pending=cancel_action.pending()/>
                                </ActionForm>
                            </Confirm>
                        </section>
                    }
                });
                view! {
                    <Title text=format!("{} · {}", a.patient_name, a.service_name)/>
                    <p><A href=back>"← Calendar"</A></p>
                    <h1>{a.patient_name.clone()}</h1>
                    <dl class="summary">
                        <div class="summary__item"><dt>"When"</dt><dd data-testid="appointment-when">{format!("{} {}", a.local_date.format("%a %-d %b %Y"), a.time_label)}</dd></div>
                        <div class="summary__item"><dt>"Service"</dt><dd>{a.service_name.clone()}</dd></div>
                        <div class="summary__item"><dt>"Practitioner"</dt><dd>{a.practitioner_name.clone()}</dd></div>
                        <div class="summary__item"><dt>"Room"</dt><dd>{a.room_name.clone().unwrap_or_else(|| "—".into())}</dd></div>
                        <div class="summary__item"><dt>"Status"</dt><dd data-testid="appointment-status">{a.status.label()}</dd></div>
                        {detail.account.clone().map(|account| view! { <AccountItem account/> })}
                        {(!a.resource_names.is_empty()).then(|| view! {
                            <div class="summary__item"><dt>"Equipment"</dt><dd>{a.resource_names.join(", ")}</dd></div>
                        })}
                    </dl>
                    {(a.source == crate::domain::appointment::Source::Portal).then(|| view! { <p class="badge">"Booked online"</p> })}
                    {series.then(|| view! { <p class="field__hint">"Part of a recurring series."</p> })}
                    {(!a.notes.is_empty()).then(|| view! { <p class="notice">{a.notes.clone()}</p> })}
                    {a.cancel_reason.clone().map(|r| view! { <p class="notice">"Cancelled: " {r}</p> })}
                    {status_section}
                    {visit}
                    {move_section}
                    {cancel_section}
                    {(a.forms_due > 0).then(|| view! {
                        <p class="notice" data-testid="appointment-forms">
                            {if a.forms_due == 1 { "1 form is not filled in yet: ".to_owned() } else { format!("{} forms are not filled in yet: ", a.forms_due) }}
                            <A href=format!("/app/patients/{}#forms-title", a.patient_id)>{format!("{}'s forms", a.patient_name)}</A>
                        </p>
                    })}
                    <section class="panel" aria-labelledby="messages-title">
                        <h2 id="messages-title">"Messages to the patient"</h2>
                        <MessageTimeline messages=detail.messages.clone()/>
                    </section>
                }
                .into_any()
        })}
    }
}

/// "This one" or "this and the following" for a series.
fn scope_choice() -> impl IntoView {
    view! {
        <RadioGroup
            legend="Apply to"
            name="scope"
            choices=vec![
                Choice::new("this", "This appointment only"),
                Choice::new("following", "This and the following ones"),
            ]
            selected="this"
        />
    }
}
