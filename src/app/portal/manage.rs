//! `/manage/{token}`: the patient's own page for a booking, from the link they were
//! given: see it, cancel it, or move it to another free time, within the branch's
//! cancellation window.

use crate::components::loaded::loaded_or;
use chrono::{DateTime, NaiveDate, Utc};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use super::{
    param, parse_date, parse_instant,
    slots::{SlotAction, SlotPicker},
    PortalError, PortalFrame,
};
use crate::{
    components::{
        confirm::{Confirm, ConfirmButton},
        form::{action_error, FormAlert},
    },
    domain::{
        portal::{dotted, PortalBooking, PortalDay},
        AppError,
    },
};

#[server]
pub async fn manage_booking(token: String) -> Result<PortalBooking, AppError> {
    use crate::server::{auth::context::app_state, portal};
    portal::booking(&app_state()?, &token).await
}

#[server]
pub async fn cancel_booking(token: String) -> Result<(), AppError> {
    use crate::server::{
        auth::context::{app_state, client},
        portal,
    };
    portal::cancel(&app_state()?, &token, &client()).await?;
    leptos_axum::redirect(&format!("/manage/{token}?cancelled=1"));
    Ok(())
}

/// The free times the booking could move to (its own time does not stand in the way).
#[server]
pub async fn move_options(
    token: String,
    date: Option<NaiveDate>,
    wanted: Option<DateTime<Utc>>,
) -> Result<PortalDay, AppError> {
    use crate::server::{auth::context::app_state, portal};
    portal::move_options(&app_state()?, &token, date, wanted).await
}

#[server]
pub async fn move_booking(token: String, at: String) -> Result<(), AppError> {
    use super::encode;
    use crate::server::{
        auth::context::{app_state, client},
        portal::{self, Booked},
    };
    let starts_at = parse_instant(&at)
        .ok_or_else(|| AppError::BadRequest("The chosen time is not valid; please choose a time again.".into()))?;
    let state = app_state()?;
    match portal::reschedule(&state, &token, starts_at, &client()).await? {
        Booked::Done { token } => leptos_axum::redirect(&format!("/manage/{token}?moved=1")),
        Booked::Taken => leptos_axum::redirect(&format!("/manage/{token}/move?wanted={}&taken=1", encode(&at))),
    }
    Ok(())
}

#[component]
pub fn ManagePage() -> impl IntoView {
    let token = param("token");
    let query = use_query_map();
    let flag = move |name: &str| query.read().get(name).is_some();
    let cancel = ServerAction::<CancelBooking>::new();
    let booking = Resource::new(
        move || (token(), cancel.version().get()),
        |(token, _)| manage_booking(token),
    );
    let error = action_error(cancel);
    view! {
        {loaded_or(booking, "Loading…", move |error| view! { <PortalError error restart=None/> }.into_any(), move |b| {
                let home = format!("/book/{}", b.slug);
                let title = if b.cancelled {
                    "Your appointment is cancelled"
                } else if flag("booked") {
                    "You're booked"
                } else if flag("moved") {
                    "Your appointment has moved"
                } else {
                    "Your appointment"
                };
                let call = if b.branch.phone.is_empty() { b.org_name.clone() } else { b.branch.phone.clone() };
                let token = token();
                view! {
                    <Title text=title/>
                    <PortalFrame org=b.org_name.clone() home=home.clone()>
                        <h1 data-testid="manage-title">{title}</h1>
                        <dl class="summary portal__summary">
                            <div class="summary__item"><dt>"What"</dt><dd>{b.service.clone()}</dd></div>
                            <div class="summary__item"><dt>"When"</dt><dd data-testid="manage-when">{b.when.clone()}</dd></div>
                            <div class="summary__item"><dt>"With"</dt><dd>{b.practitioner.clone()}</dd></div>
                            <div class="summary__item"><dt>"Where"</dt><dd>{b.branch.place()}</dd></div>
                        </dl>
                        {(!b.cancelled).then(|| view! {
                            <p class="button-row">
                                <a class="button" href=format!("/manage/{token}/appointment.ics") download="appointment.ics">"Add to my calendar"</a>
                            </p>
                            {(!b.branch.phone.is_empty()).then(|| view! {
                                <p>"Questions? Call " <a href=format!("tel:{}", b.branch.phone)>{b.branch.phone.clone()}</a> "."</p>
                            })}
                        })}
                        {if b.cancelled {
                            view! { <p><a class="button button--primary" href=home>"Book another time"</a></p> }.into_any()
                        } else if b.can_change {
                            view! {
                                <p>"You can cancel or move it online until " {b.change_deadline.clone()} ". The link to this page is in your confirmation message; you can also bookmark it."</p>
                                <FormAlert error/>
                                <div class="button-row">
                                    <a class="button" href=format!("/manage/{token}/move")>"Choose another time"</a>
                                    <Confirm key="cancel" label="Cancel appointment" back="No, keep it" question=format!("Cancel {} on {}? The time is then free for someone else.", b.service, b.when)>
                                        <ActionForm action=cancel>
                                            <input type="hidden" name="token" value=token.clone()/>
                                            <ConfirmButton label="Yes, cancel it" pending_label="Cancelling…" pending=cancel.pending()/>
                                        </ActionForm>
                                    </Confirm>
                                </div>
                            }.into_any()
                        } else {
                            view! { <p>{format!("Online changes were possible until {}. To change it now, please call {call}.", b.change_deadline)}</p> }.into_any()
                        }}
                    </PortalFrame>
                }
                .into_any()
        })}
    }
}

/// `/manage/{token}/move`: the same practitioner's free times.
#[component]
pub fn MovePage() -> impl IntoView {
    let token = param("token");
    let query = use_query_map();
    let q = move |name: &str| query.read().get(name).unwrap_or_default();
    let action = ServerAction::<MoveBooking>::new();
    let error = action_error(action);
    let data = Resource::new(
        move || (token(), q("date"), q("wanted")),
        |(token, date, wanted)| move_options(token, parse_date(&date), parse_instant(&wanted)),
    );
    view! {
        {loaded_or(data, "Finding free times…", move |error| view! { <PortalError error restart=Some(format!("/manage/{}", token()))/> }.into_any(), move |day| {
                let token = token();
                let back = format!("/manage/{token}");
                let base = format!("{back}/move?");
                let slot_action = SlotAction::Move { token, action };
                view! {
                    <Title text="Choose another time"/>
                    <PortalFrame org=day.org.name.clone() home=format!("/book/{}", day.org.slug)>
                        <p class="portal__back"><a href=back>"← Keep my appointment"</a></p>
                        <h1>"Choose another time"</h1>
                        <p class="portal__where">{dotted([day.service.name.as_str(), day.practitioners.iter().find(|p| Some(p.id) == day.practitioner).map_or("", |p| p.name.as_str()), &day.branch.name])}</p>
                        <FormAlert error/>
                        <SlotPicker day base slot_action taken=!q("taken").is_empty()/>
                    </PortalFrame>
                }
                .into_any()
        })}
    }
}
