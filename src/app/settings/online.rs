//! `/app/settings/online-booking`: the portal's address, this branch's booking rules and
//! the services' own notice and horizon.

use crate::components::loaded::loaded;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use uuid::Uuid;

use crate::{
    components::{
        form::{action_done, action_error, field_error, FormAlert, SubmitButton, TextField},
        toast::Toast,
    },
    domain::{
        portal::{OnlineBookingSettings, OnlineRulesForm, ServiceRulesForm},
        AppError,
    },
};

#[server]
pub async fn get_online_booking() -> Result<OnlineBookingSettings, AppError> {
    use crate::server::{auth::context::RequestContext, portal};
    portal::settings::settings(&RequestContext::load().await?).await
}

#[server]
pub async fn save_booking_rules(#[server(flatten)] form: OnlineRulesForm) -> Result<(), AppError> {
    use crate::server::{auth::context::RequestContext, portal};
    let rules = form.parse()?;
    portal::settings::save_rules(&RequestContext::load().await?, rules).await
}

#[server]
pub async fn save_service_booking_rules(id: Uuid, #[server(flatten)] form: ServiceRulesForm) -> Result<(), AppError> {
    use crate::server::{auth::context::RequestContext, portal};
    let rules = form.parse()?;
    portal::settings::save_service_rules(&RequestContext::load().await?, id, rules).await
}

fn hours(minutes: i32) -> String {
    (minutes / 60).to_string()
}

#[component]
pub fn OnlineBookingPage() -> impl IntoView {
    let save = ServerAction::<SaveBookingRules>::new();
    let save_service = ServerAction::<SaveServiceBookingRules>::new();
    let settings = Resource::new(
        move || (save.version().get(), save_service.version().get()),
        |_| get_online_booking(),
    );
    let error = action_error(save);
    let service_error = action_error(save_service);
    let saved = action_done(save, "Saved.");
    view! {
        <Title text="Online booking"/>
        <p><A href="/app/settings">"← Settings"</A></p>
        <h1>"Online booking"</h1>
        {loaded(settings, move |s| {
                let r = s.rules;
                view! {
                    <section class="panel" aria-labelledby="portal-title">
                        <h2 id="portal-title">"Your booking page"</h2>
                        <p>"Patients book at " <a href=s.portal_url.clone() data-testid="portal-url">{s.portal_url.clone()}</a>
                           ". Link to it from your website; only services marked \"bookable online\" appear there."</p>
                    </section>
                    <section class="panel" aria-labelledby="rules-title">
                        <h2 id="rules-title">{format!("Rules at {}", s.branch_name)}</h2>
                        <ActionForm action=save attr:class="form">
                            <FormAlert error/>
                            <Toast message=saved/>
                            <TextField label="Minimum notice (hours)" name="min_notice_hours" kind="number" inputmode="numeric"
                                hint="No one can book a time sooner than this." value=hours(r.min_notice_minutes) required=true error=field_error(error, "min_notice_hours")/>
                            <TextField label="Book up to (days ahead)" name="max_days_ahead" kind="number" inputmode="numeric"
                                value=r.max_days_ahead.to_string() required=true error=field_error(error, "max_days_ahead")/>
                            <TextField label="Offer a start time every (minutes)" name="slot_step_minutes" kind="number" inputmode="numeric"
                                value=r.slot_step_minutes.to_string() required=true error=field_error(error, "slot_step_minutes")/>
                            <TextField label="Patients may cancel or move online until (hours before)" name="cancellation_window_hours" kind="number" inputmode="numeric"
                                value=r.cancellation_window_hours.to_string() required=true error=field_error(error, "cancellation_window_hours")/>
                            <SubmitButton label="Save rules" pending_label="Saving…" pending=save.pending()/>
                        </ActionForm>
                    </section>
                    <section class="panel" aria-labelledby="services-title">
                        <h2 id="services-title">"Services with their own notice or horizon"</h2>
                        <p class="field__hint">"Leave a field empty to use the branch's rule."</p>
                        <FormAlert error=service_error/>
                        <ul class="list">
                            {s.services.into_iter().map(|row| {
                                let id = row.id.to_string();
                                let notice_id = format!("notice-{id}");
                                let days_id = format!("days-{id}");
                                view! {
                                    <li class="list__item" data-testid="service-rules">
                                        <ActionForm action=save_service attr:class="inline-fields">
                                            <input type="hidden" name="id" value=id/>
                                            <strong>{row.name.clone()}{(!row.online_bookable).then_some(" (not bookable online)")}</strong>
                                            <TextField label="Notice (hours)" name="min_notice_hours" id=notice_id kind="number" min="0"
                                                value=row.rules.min_notice_minutes.map(hours).unwrap_or_default()/>
                                            <TextField label="Days ahead" name="max_days_ahead" id=days_id kind="number" min="1"
                                                value=row.rules.max_days_ahead.map(|d| d.to_string()).unwrap_or_default()/>
                                            <button class="button" type="submit">"Save"<span class="visually-hidden">{format!(" {}", row.name)}</span></button>
                                        </ActionForm>
                                    </li>
                                }
                            }).collect_view()}
                        </ul>
                    </section>
                }
                .into_any()
        })}
    }
}
