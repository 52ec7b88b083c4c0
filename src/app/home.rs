//! `/app`: where a staff member lands: who and where they are, and today's appointments
//! at their branch by status, live.

use crate::components::loaded::loaded_with;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

use super::{calendar::SetAppointmentStatus, layout::with_user, realtime::use_realtime};
use crate::{
    components::{
        form::{action_error, FormAlert},
        table::{Column, DataTable},
    },
    domain::{
        access::Action,
        appointment::{AppointmentView, Status},
        calendar::{count_by_status, StatusCount, TodayPage, UPCOMING_DAYS},
        organization::SetupChecklist,
        realtime::apply,
        AppError,
    },
};

/// Today's date at the caller's branch and its appointments, cancelled ones included.
#[server]
pub async fn get_today() -> Result<TodayPage, AppError> {
    use crate::server::{auth::context::RequestContext, calendar};
    calendar::today(&RequestContext::load().await?).await
}

/// The setup checklist, for owners and admins, while a step is left and nobody hid it.
#[server]
pub async fn get_setup() -> Result<Option<SetupChecklist>, AppError> {
    use crate::server::{account, auth::context::RequestContext};
    account::setup_checklist(&RequestContext::load().await?).await
}

/// Hides the setup checklist for the whole organization.
#[server]
pub async fn dismiss_setup() -> Result<(), AppError> {
    use crate::server::{account, auth::context::RequestContext};
    account::dismiss_setup(&RequestContext::load().await?).await
}

#[component]
pub fn Overview() -> impl IntoView {
    // Loads beside the user rather than after it (every role may see the calendar).
    let step = ServerAction::<SetAppointmentStatus>::new();
    let resyncs = use_realtime().map(|r| r.resyncs);
    let today = Resource::new(
        move || (step.version().get(), resyncs.map(|r| r.get())),
        |_| get_today(),
    );
    view! {
        <Title text="Today"/>
        {with_user(move |user| {
            let first_name = user.full_name.split_whitespace().next().unwrap_or_default().to_owned();
            view! {
                <h1>{format!("Welcome, {first_name}")}</h1>
                <dl class="summary">
                    <div class="summary__item">
                        <dt>"Organization"</dt>
                        <dd data-testid="org-name">{user.org_name.clone()}</dd>
                    </div>
                    <div class="summary__item">
                        <dt>"Branch"</dt>
                        <dd data-testid="branch-name">{user.branch.name.clone()}</dd>
                    </div>
                    <div class="summary__item">
                        <dt>"Time zone"</dt>
                        <dd>{user.branch.timezone.clone()}</dd>
                    </div>
                    <div class="summary__item">
                        <dt>"Signed in as"</dt>
                        <dd data-testid="user-name">{user.full_name.clone()}" · "{user.role().label()}</dd>
                    </div>
                </dl>
                {user.can(Action::ManageBranches).then(|| view! { <Setup/> })}
                {user.can(Action::ViewCalendar).then(|| view! {
                    <Today data=today step can_manage=user.can(Action::ManageAppointments)/>
                })}
            }
        })}
    }
}

/// The button a row of today's list offers: the status it moves to, and its label.
struct NextStep {
    to: Status,
    label: &'static str,
}

fn next_step(status: Status) -> Option<NextStep> {
    let (to, label) = match status {
        Status::Scheduled | Status::Confirmed => (Status::Arrived, "Arrived"),
        Status::Arrived => (Status::InProgress, "Start"),
        Status::InProgress => (Status::Completed, "Complete"),
        _ => return None,
    };
    Some(NextStep { to, label })
}

#[component]
fn Today(
    data: Resource<Result<TodayPage, AppError>>,
    step: ServerAction<SetAppointmentStatus>,
    can_manage: bool,
) -> impl IntoView {
    let realtime = use_realtime();
    let step_error = action_error(step);

    view! {
        <section class="panel" aria-labelledby="today-title">
            <div class="page-head">
                <h2 id="today-title">"Today"</h2>
                <A href="/app/calendar">"Open the calendar"</A>
            </div>
            <FormAlert error=step_error/>
            {loaded_with(data, "Loading today's appointments…", move |TodayPage { today, appointments: list, reminders_not_sent, upcoming }| {
                    let appointments = RwSignal::new(list);
                    if let Some(realtime) = realtime {
                        Effect::new(move |_| {
                            if let Some(event) = realtime.last.get() {
                                appointments.update(|l| apply(l, &event, |a| a.local_date == today));
                            }
                        });
                    }
                    let unreminded = (!reminders_not_sent.is_empty()).then(|| view! {
                        <div class="notice" role="note" data-testid="reminders-not-sent">
                            <p><strong>"Reminders not sent for tomorrow."</strong>" These patients may not know; a call helps."</p>
                            <ul>
                                {reminders_not_sent.into_iter().map(|r| view! {
                                    <li>
                                        <A href=format!("/app/calendar/appointments/{}", r.appointment_id)>{format!("{} {}", r.time_label, r.patient_name)}</A>
                                        {format!(" · {}: {}", if r.channel == "sms" { "text" } else { "email" }, r.reason)}
                                    </li>
                                }).collect_view()}
                            </ul>
                        </div>
                    });
                    let quiet = appointments.with_untracked(|l| l.iter().all(|a| a.status == Status::Cancelled));
                    let upcoming = quiet.then(|| view! { <Upcoming upcoming can_manage/> });
                    view! {
                        {unreminded}
                        <ul class="counts" aria-label="Appointments by status" data-testid="today-counts">
                            {move || appointments.with(|l| count_by_status(l)).into_iter().map(|StatusCount { status, count: n }| view! {
                                <li class="counts__item" data-status=status.as_str()><strong>{n}</strong>" "{status.label()}</li>
                            }).collect_view()}
                        </ul>
                        {move || view! {
                            <DataTable
                                label="Today's appointments"
                                columns=vec![
                                    "Time".into(), "Patient".into(), "Service".into(), "With".into(), "Status".into(),
                                    Column::hidden("Next step"),
                                ]
                                rows=appointments.get()
                                empty="No appointments today."
                                row=move |a| {
                                    let patient = a.patient_name.clone();
                                    view! {
                                        <tr data-testid="today-row" data-status=a.status.as_str()>
                                            <td>{a.time_label.clone()}</td>
                                            <td>
                                                <A href=format!("/app/calendar/appointments/{}", a.id)>{a.patient_name.clone()}</A>
                                                {(a.forms_due > 0).then(|| view! {
                                                    " " <span class="calendar__forms" data-testid="forms-due">"Forms not filled in"</span>
                                                })}
                                            </td>
                                            <td>{a.service_name.clone()}</td>
                                            <td>{a.practitioner_name.clone()}</td>
                                            <td>{a.status.label()}</td>
                                            <td>{next_step(a.status).filter(|_| can_manage).map(|NextStep { to, label }| view! {
                                                <ActionForm action=step>
                                                    <input type="hidden" name="id" value=a.id.to_string()/>
                                                    <input type="hidden" name="status" value=to.as_str()/>
                                                    <button class="button button--quiet" type="submit">{label}<span class="visually-hidden">{format!(": {patient}")}</span></button>
                                                </ActionForm>
                                            })}</td>
                                        </tr>
                                    }
                                }
                            />
                        }}
                        {upcoming}
                    }
                    .into_any()
            })}
        </section>
    }
}

/// What a day without appointments shows: the next ones, or the way to book one.
#[component]
fn Upcoming(upcoming: Vec<AppointmentView>, can_manage: bool) -> impl IntoView {
    if upcoming.is_empty() {
        return view! {
            <p data-testid="upcoming-none">{format!("Nothing is booked in the next {UPCOMING_DAYS} days either.")}</p>
            {can_manage.then(|| view! { <A href="/app/calendar/new" attr:class="button">"Book an appointment"</A> })}
        }
        .into_any();
    }
    view! {
        <h3 id="upcoming-title">"Coming up"</h3>
        <ul class="upcoming" aria-labelledby="upcoming-title" data-testid="upcoming">
            {upcoming.into_iter().map(|a| view! {
                <li>
                    <A href=format!("/app/calendar/appointments/{}", a.id)>
                        {format!("{} {}", a.local_date.format("%a %-d %b"), a.time_label)}
                    </A>
                    {format!(" · {} · {} · {}", a.patient_name, a.service_name, a.practitioner_name)}
                </li>
            }).collect_view()}
        </ul>
    }
    .into_any()
}

/// A step of the setup checklist: done or not, what to do, and where.
#[component]
fn Step(done: bool, title: &'static str, children: Children) -> impl IntoView {
    view! {
        <li class="setup__step" class:setup__step--done=done data-done=done.to_string()>
            <span class="setup__mark" aria-hidden="true">{if done { "✓" } else { "" }}</span>
            <div>
                <strong>{title}</strong>
                <span class="visually-hidden">{if done { " (done)" } else { " (to do)" }}</span>
                <div class="setup__how">{children()}</div>
            </div>
        </li>
    }
}

#[component]
fn Setup() -> impl IntoView {
    let hide = ServerAction::<DismissSetup>::new();
    let setup = Resource::new(move || hide.version().get(), |_| get_setup());
    // The copy button needs the browser's clipboard: it appears once the page is hydrated.
    let interactive = RwSignal::new(false);
    Effect::new(move |_| interactive.set(true));
    let copied = RwSignal::new(false);
    view! {
        <Transition fallback=|| ()>
            {move || setup.get().and_then(Result::ok).flatten().map(|s| {
                let (url, link, href) = (s.portal_url.clone(), s.portal_url.clone(), s.portal_url.clone());
                let copy = move |_: leptos::ev::MouseEvent| {
                    copy_to_clipboard(&url);
                    copied.set(true);
                };
                view! {
                    <section class="panel setup" aria-labelledby="setup-title" data-testid="setup">
                        <h2 id="setup-title">"Get ready for your first booking"</h2>
                        <ol class="setup__steps">
                            <Step done=s.hours title="Set working hours">
                                <A href="/app/settings/hours">"Working hours"</A>" for whoever sees patients here."
                            </Step>
                            <Step done=s.service title="Add a service">
                                <A href="/app/settings/services">"Services"</A>": what patients book, how long it takes, its price."
                            </Step>
                            <Step done=s.team title="Invite your team">
                                <A href="/app/staff">"Staff"</A>": practitioners and the front desk, each with their role."
                            </Step>
                            <Step done=s.bookable title="Check your booking page">
                                <a href=href target="_blank" rel="noopener">"Open it"</a>
                                " as a patient would. It offers times once a service is given by someone with hours."
                            </Step>
                            <Step done=s.booked_online title="Share your booking link">
                                <code class="setup__link" data-testid="setup-link">{link}</code>
                                {move || interactive.get().then(|| view! {
                                    <button class="button button--quiet" type="button" on:click=copy.clone()>
                                        {move || if copied.get() { "Copied" } else { "Copy link" }}
                                    </button>
                                })}
                                <p>"On your website, in emails, or printed at the front desk:"</p>
                                <div class="setup__qr" role="img" aria-label="QR code of your booking link" inner_html=s.qr_svg></div>
                            </Step>
                        </ol>
                        <ActionForm action=hide>
                            <button class="button button--quiet" type="submit">"Hide this list"</button>
                        </ActionForm>
                    </section>
                }
            })}
        </Transition>
    }
}

#[cfg(feature = "hydrate")]
fn copy_to_clipboard(text: &str) {
    let _ = window().navigator().clipboard().write_text(text);
}

#[cfg(not(feature = "hydrate"))]
fn copy_to_clipboard(_: &str) {}
