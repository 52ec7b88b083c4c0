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
        appointment::Status,
        calendar::{count_by_status, StatusCount, TodayPage},
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
            {loaded_with(data, "Loading today's appointments…", move |TodayPage { today, appointments: list, reminders_not_sent }| {
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
                                            <td><A href=format!("/app/calendar/appointments/{}", a.id)>{a.patient_name.clone()}</A></td>
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
                    }
                    .into_any()
            })}
        </section>
    }
}
