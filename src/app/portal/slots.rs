//! Choosing a time (`/book/{org}/{branch}/{service}`) and confirming it with one's
//! details (`…/confirm`).

use crate::components::loaded::loaded_or;
use chrono::{Duration, NaiveDate};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use super::{encode, instant_param, param, parse_date, parse_instant, parse_uuid, PortalError, PortalFrame, Steps};
use crate::{
    components::form::{action_error, field_error, Checkbox, Choice, FormAlert, RadioGroup, SubmitButton, TextField},
    domain::{
        availability::Slot,
        portal::{ChosenTime, DayFree, PortalBookingForm, PortalConfirm, PortalDay, TimesQuery},
        AppError,
    },
};

#[server]
pub async fn available_times(#[server(flatten)] query: TimesQuery) -> Result<PortalDay, AppError> {
    use crate::server::{
        auth::context::app_state,
        portal::{self, Ask},
    };
    let ask = Ask {
        branch_id: query.branch,
        service_id: query.service,
        practitioner: query.practitioner,
        except: None,
    };
    portal::day(&app_state()?, &query.slug, ask, query.date, query.wanted).await
}

#[server]
pub async fn booking_summary(#[server(flatten)] chosen: ChosenTime) -> Result<PortalConfirm, AppError> {
    use crate::server::{
        auth::context::app_state,
        portal::{self, Ask},
    };
    let ask = Ask {
        branch_id: chosen.branch,
        service_id: chosen.service,
        practitioner: chosen.practitioner,
        except: None,
    };
    portal::confirm(&app_state()?, &chosen.slug, ask, chosen.at).await
}

/// Books the time, then shows the booking's own page; when someone else took the time
/// first, goes back to the times with the nearest free ones offered.
#[server]
pub async fn book_online(#[server(flatten)] form: PortalBookingForm) -> Result<(), AppError> {
    use crate::server::{
        auth::context::{app_state, client},
        portal::{self, Booked, PortalRequest},
    };
    let booking = form.parse()?;
    let key = booking.key.to_string();
    let state = app_state()?;
    let request = PortalRequest {
        slug: &form.slug,
        branch_id: booking.branch_id,
        service_id: booking.service_id,
        practitioner: booking.practitioner,
        starts_at: booking.starts_at,
        patient: booking.patient,
        key: &key,
    };
    match portal::book(&state, &request, &client()).await? {
        Booked::Done { token } => leptos_axum::redirect(&format!("/manage/{token}?booked=1")),
        Booked::Taken => {
            let (slug, branch, service) = (&form.slug, booking.branch_id, booking.service_id);
            let who = booking.practitioner.map(|p| p.to_string()).unwrap_or_default();
            leptos_axum::redirect(&format!(
                "/book/{slug}/{branch}/{service}?p={who}&wanted={}&taken=1",
                encode(&instant_param(booking.starts_at))
            ));
        }
    }
    Ok(())
}

/// What a slot does when chosen: open the confirmation step, or move a booking there.
#[derive(Clone)]
pub(super) enum SlotAction {
    /// Links to `{confirm}?at=…&p=…`.
    Book { confirm: String, practitioner: String },
    /// Posts the time to move the booking with this manage token.
    Move {
        token: String,
        action: ServerAction<super::MoveBooking>,
    },
}

/// A fortnight of days with how many times are free, the chosen day's free times, and
/// after "just taken" the nearest free times.
/// The day's free times in the parts of the day people think in: before noon, before
/// five, and after (only the parts that have any).
fn part_of_day(slots: Vec<Slot>) -> Vec<(&'static str, Vec<Slot>)> {
    let mut parts: Vec<(&'static str, Vec<Slot>)> = Vec::new();
    for slot in slots {
        let part = match slot.time.get(..2).and_then(|h| h.parse::<u8>().ok()) {
            Some(h) if h < 12 => "Morning",
            Some(h) if h < 17 => "Afternoon",
            _ => "Evening",
        };
        match parts.last_mut() {
            Some((last, list)) if *last == part => list.push(slot),
            _ => parts.push((part, vec![slot])),
        }
    }
    parts
}

#[component]
pub(super) fn SlotPicker(
    day: PortalDay,
    /// This page's path with the query it keeps (ends in `?` or `&`).
    base: String,
    slot_action: SlotAction,
    taken: bool,
) -> impl IntoView {
    let name_of = {
        let practitioners = day.practitioners.clone();
        move |id: uuid::Uuid| {
            practitioners
                .iter()
                .find(|p| p.id == id)
                .map(|p| p.name.clone())
                .unwrap_or_default()
        }
    };
    let day_label = |d: NaiveDate| d.format("%A %-d %B").to_string();
    let slot_view = {
        let name_of = name_of.clone();
        let slot_action = slot_action.clone();
        move |slot: Slot| {
            let label = format!(
                "{}, {}, with {}",
                slot.time,
                day_label(slot.local_date),
                name_of(slot.practitioner_id)
            );
            match slot_action.clone() {
                SlotAction::Book { confirm, practitioner } => {
                    let href = format!(
                        "{confirm}?at={}&p={practitioner}",
                        encode(&instant_param(slot.starts_at))
                    );
                    view! { <li><a class="slot" href=href aria-label=label data-testid="slot">{slot.time}</a></li> }
                        .into_any()
                }
                SlotAction::Move { token, action } => view! {
                    <li>
                        <ActionForm action>
                            <input type="hidden" name="token" value=token/>
                            <input type="hidden" name="at" value=instant_param(slot.starts_at)/>
                            <button class="slot" type="submit" aria-label=label data-testid="slot">{slot.time}</button>
                        </ActionForm>
                    </li>
                }
                .into_any(),
            }
        }
    };
    let first = day.days.first().map_or(day.date, |d| d.date);
    let earlier = (first > day.today).then(|| format!("{base}date={}", (first - Duration::days(14)).max(day.today)));
    let later = format!("{base}date={}", first + Duration::days(14));
    let chosen = day.date;
    let heading = format!("Free times on {}", day_label(chosen));

    view! {
        {(taken || !day.nearest.is_empty()).then(|| {
            let slot_view = slot_view.clone();
            view! {
                <section class="notice portal__taken" role="alert" aria-labelledby="taken-title">
                    <h2 id="taken-title">"Sorry, that time has just been booked by someone else"</h2>
                    {if day.nearest.is_empty() {
                        view! { <p>"Please choose another time below."</p> }.into_any()
                    } else {
                        view! {
                            <p>"These are the nearest free times:"</p>
                            <ul class="slots">{day.nearest.clone().into_iter().map(slot_view).collect_view()}</ul>
                        }.into_any()
                    }}
                </section>
            }
        })}
        <nav class="days" aria-label="Days">
            <ul class="days__list">
                {day.days.iter().map(|DayFree { date: d, free }| {
                    let current = *d == chosen;
                    let text = if *free == 0 { "No times".to_owned() } else { format!("{free} free") };
                    view! {
                        <li>
                            <a
                                class="days__item"
                                class:days__item--full=*free == 0
                                href=format!("{base}date={d}")
                                aria-current=current.then_some("date")
                                aria-label=format!("{}, {}", day_label(*d), if *free == 0 { "no free times".to_owned() } else { format!("{free} free times") })
                            >
                                <span class="days__weekday">{d.format("%a").to_string()}</span>
                                <span class="days__date">{d.format("%-d %b").to_string()}</span>
                                <span class="days__free">{text}</span>
                            </a>
                        </li>
                    }
                }).collect_view()}
            </ul>
            <p class="days__more">
                {earlier.map(|href| view! { <a href=href>"← Earlier days"</a> })}
                <a href=later>"Later days →"</a>
            </p>
        </nav>
        <section aria-labelledby="times-title">
            <h2 id="times-title">{heading}</h2>
            <p class="field__hint">"Times are in the clinic's local time."</p>
            {if day.slots.is_empty() {
                // A full day leads on to the next days that have times, with their first.
                let next = day.next_free.into_iter().map(|free| {
                    let id = format!("slots-{}", free.date);
                    let all = format!("{base}date={}", free.date);
                    view! {
                        <h3 class="slots__part" id=id.clone()>{day_label(free.date)}</h3>
                        <ul class="slots" aria-labelledby=id>{free.slots.into_iter().map(slot_view.clone()).collect_view()}</ul>
                        <p class="slots__all"><a href=all>{format!("All free times on {}", day_label(free.date))}</a></p>
                    }
                }).collect::<Vec<_>>();
                let none_soon = next.is_empty();
                view! {
                    <p>{if none_soon { "No free times on this day, nor on the days after it shown above. Try later days." } else { "This day is fully booked. The next free times:" }}</p>
                    <div data-testid="next-free">{next}</div>
                }.into_any()
            } else {
                view! {
                    <div data-testid="slots">
                        {part_of_day(day.slots).into_iter().map(|(part, slots)| {
                            let id = format!("slots-{}", part.to_lowercase());
                            view! {
                                <h3 class="slots__part" id=id.clone()>{part}</h3>
                                <ul class="slots" aria-labelledby=id>{slots.into_iter().map(slot_view.clone()).collect_view()}</ul>
                            }
                        }).collect_view()}
                    </div>
                }.into_any()
            }}
        </section>
    }
}

/// `/book/{org}/{branch}/{service}?p=…&date=…`: who and when.
#[component]
pub fn SlotsPage() -> impl IntoView {
    let (slug, branch, service) = (param("slug"), param("branch"), param("service"));
    let query = use_query_map();
    let q = move |name: &str| query.read().get(name).unwrap_or_default();
    let data = Resource::new(
        move || (slug(), branch(), service(), q("p"), q("date"), q("wanted")),
        |(slug, branch, service, p, date, wanted)| async move {
            match (parse_uuid(&branch), parse_uuid(&service)) {
                (Some(branch), Some(service)) => {
                    available_times(TimesQuery {
                        slug,
                        branch,
                        service,
                        practitioner: parse_uuid(&p),
                        date: parse_date(&date),
                        wanted: parse_instant(&wanted),
                    })
                    .await
                }
                _ => Err(AppError::NotFound(
                    "This booking page does not exist. Check the address with your clinic.".into(),
                )),
            }
        },
    );
    view! {
        {loaded_or(data, "Finding free times…", move |error| view! { <PortalError error restart=Some(format!("/book/{}", slug()))/> }.into_any(), move |day| {
                let home = format!("/book/{}", day.org.slug);
                let services = format!("{home}/{}", day.branch.id);
                let path = format!("{services}/{}", day.service.id);
                // A clinic where one person gives the service asks nobody to choose.
                let only = match day.practitioners.as_slice() {
                    [one] => Some(one.clone()),
                    _ => None,
                };
                let chosen = day.practitioner.or(only.as_ref().map(|p| p.id));
                let who = chosen.map(|p| p.to_string()).unwrap_or_default();
                let base = format!("{path}?p={who}&");
                let action = SlotAction::Book { confirm: format!("{path}/confirm"), practitioner: who.clone() };
                let date = day.date.to_string();
                view! {
                    <Title text=format!("Choose a time · {}", day.service.name)/>
                    <PortalFrame org=day.org.name.clone() home>
                        <Steps current=2/>
                        <p class="portal__back"><a href=services>"← Another treatment"</a></p>
                        <h1>{day.service.name.clone()}</h1>
                        <p class="portal__where">{format!("{} minutes · {} · {}", day.service.minutes, day.service.price, day.branch.name)}</p>
                        {match only {
                            Some(one) => view! { <p class="portal__who">"With " {one.name}</p> }.into_any(),
                            // Who: a plain GET form, so it works without JavaScript.
                            None => view! {
                                <form class="portal__who" method="get" action=path.clone()>
                                    <RadioGroup
                                        legend="Who would you like to see?"
                                        name="p"
                                        choices=std::iter::once(Choice::new("", "Anyone available"))
                                            .chain(day.practitioners.iter().map(|p| Choice::new(p.id, p.name.clone())))
                                            .collect()
                                        selected=who.clone()
                                    />
                                    <input type="hidden" name="date" value=date/>
                                    <button class="button" type="submit">"Show free times"</button>
                                </form>
                            }.into_any(),
                        }}
                        <SlotPicker day base slot_action=action taken=!q("taken").is_empty()/>
                    </PortalFrame>
                }
                .into_any()
        })}
    }
}

/// `/book/{org}/{branch}/{service}/confirm?at=…&p=…`: the patient's details.
#[component]
pub fn ConfirmPage() -> impl IntoView {
    let (slug, branch, service) = (param("slug"), param("branch"), param("service"));
    let query = use_query_map();
    let q = move |name: &str| query.read().get(name).unwrap_or_default();
    let data = Resource::new(
        move || (slug(), branch(), service(), q("p"), q("at")),
        |(slug, branch, service, p, at)| async move {
            match (parse_uuid(&branch), parse_uuid(&service), parse_instant(&at)) {
                (Some(branch), Some(service), Some(at)) => {
                    booking_summary(ChosenTime {
                        slug,
                        branch,
                        service,
                        practitioner: parse_uuid(&p),
                        at,
                    })
                    .await
                }
                _ => Err(AppError::NotFound(
                    "This booking page does not exist. Choose a time again.".into(),
                )),
            }
        },
    );
    let action = ServerAction::<BookOnline>::new();
    let error = action_error(action);
    view! {
        {loaded_or(data, "Loading…", move |error| view! { <PortalError error restart=Some(format!("/book/{}", slug()))/> }.into_any(), move |confirm| {
                let home = format!("/book/{}", slug());
                let times = format!("{home}/{}/{}?p={}", branch(), service(), q("p"));
                view! {
                    <Title text="Your details"/>
                    <PortalFrame org=confirm.org_name.clone() home>
                        <Steps current=3/>
                        <p class="portal__back"><a href=times>"← Another time"</a></p>
                        <h1>"Your details"</h1>
                        <dl class="summary portal__summary">
                            <div class="summary__item"><dt>"What"</dt><dd>{format!("{} ({} minutes, {})", confirm.service.name, confirm.service.minutes, confirm.service.price)}</dd></div>
                            <div class="summary__item"><dt>"When"</dt><dd data-testid="confirm-when">{confirm.when.clone()}</dd></div>
                            <div class="summary__item"><dt>"With"</dt><dd>{confirm.practitioner.clone().unwrap_or_else(|| "Whoever is free at that time".into())}</dd></div>
                            <div class="summary__item"><dt>"Where"</dt><dd>{confirm.branch.place()}</dd></div>
                        </dl>
                        <ActionForm action attr:class="form">
                            <FormAlert error/>
                            <input type="hidden" name="slug" value=slug()/>
                            <input type="hidden" name="branch" value=branch()/>
                            <input type="hidden" name="service" value=service()/>
                            <input type="hidden" name="practitioner" value=q("p")/>
                            <input type="hidden" name="at" value=q("at")/>
                            <input type="hidden" name="key" value=confirm.key.clone()/>
                            <TextField label="Full name" name="name" autocomplete="name" required=true error=field_error(error, "name")/>
                            <TextField label="Mobile phone" name="phone" kind="tel" autocomplete="tel" inputmode="tel" required=true error=field_error(error, "phone")/>
                            <TextField label="Email (optional)" name="email" kind="email" autocomplete="email" error=field_error(error, "email")/>
                            <fieldset class="form__group">
                                <legend>"Messages about this appointment"</legend>
                                <Checkbox label="Send me text messages" name="consent_sms"/>
                                <Checkbox label="Send me emails" name="consent_email"/>
                            </fieldset>
                            // Hidden from people (and screen readers): only robots fill it in.
                            <div class="honeypot" aria-hidden="true">
                                <label for="field-website">"Website"</label>
                                <input id="field-website" type="text" name="website" tabindex="-1" autocomplete="off"/>
                            </div>
                            <SubmitButton label="Confirm booking" pending_label="Booking…" pending=action.pending()/>
                        </ActionForm>
                    </PortalFrame>
                }
                .into_any()
        })}
    }
}
