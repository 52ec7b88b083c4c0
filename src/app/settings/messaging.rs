//! `/app/settings/messages`: how email goes out (the log, or a mail server), a test send
//! that shows what the server answered, and which reminders patients get; and
//! `/app/settings/messages/log`, every message with its status, filtered by a plain GET
//! form, with a second try for one that was not sent.

use crate::components::loaded::loaded;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{
    components::{Form, A},
    hooks::use_query_map,
};
use uuid::Uuid;

use crate::{
    components::{
        form::{
            action_done, action_error, field_error, Checkbox, Choice, DateField, FormAlert, SelectField, SubmitButton,
            TextField, TimeField,
        },
        table::{columns, DataTable},
        toast::Toast,
    },
    domain::{
        messaging::{
            reminder_words, EmailSettingsForm, LoggedMessage, MessageLogQuery, MessagingSettings, RemindersForm,
            SmsSettingsForm, CHANNELS, EMAIL_PROVIDERS, MESSAGE_KINDS, MESSAGE_STATUSES, REMINDER_MINUTES,
            SMS_PROVIDERS,
        },
        patient::OutboxMessage,
        AppError,
    },
};

#[server]
pub async fn get_messaging() -> Result<MessagingSettings, AppError> {
    use crate::server::{auth::context::RequestContext, messaging::settings};
    settings::settings(&RequestContext::load().await?).await
}

#[server]
pub async fn save_email_settings(#[server(flatten)] form: EmailSettingsForm) -> Result<(), AppError> {
    use crate::server::{auth::context::RequestContext, messaging::settings};
    settings::save_email(&RequestContext::load().await?, form).await
}

#[server]
pub async fn save_sms_settings(#[server(flatten)] form: SmsSettingsForm) -> Result<(), AppError> {
    use crate::server::{auth::context::RequestContext, messaging::settings};
    settings::save_sms(&RequestContext::load().await?, form).await
}

#[server]
pub async fn send_test_email(to: String) -> Result<String, AppError> {
    use crate::{
        domain::account::Email,
        server::{auth::context::RequestContext, messaging::settings},
    };
    let to = Email::parse("to", &to).map_err(|e| AppError::Validation(vec![e]))?;
    settings::send_test(&RequestContext::load().await?, "email", to.as_str()).await
}

#[server]
pub async fn send_test_sms(to: String) -> Result<String, AppError> {
    use crate::{
        domain::contact::Phone,
        server::{auth::context::RequestContext, messaging::settings},
    };
    let to = Phone::parse("to", &to).map_err(|e| AppError::Validation(vec![e]))?;
    settings::send_test(&RequestContext::load().await?, "sms", to.as_str()).await
}

#[server]
pub async fn save_reminders(#[server(flatten)] form: RemindersForm) -> Result<(), AppError> {
    use crate::server::{auth::context::RequestContext, messaging::settings};
    let reminders = form.parse()?;
    settings::save_reminders(&RequestContext::load().await?, reminders).await
}

/// The newest messages of the caller's branches, filtered.
#[server]
pub async fn get_message_log(#[server(flatten)] query: MessageLogQuery) -> Result<Vec<LoggedMessage>, AppError> {
    use crate::server::{auth::context::RequestContext, messaging::log};
    log::list(&RequestContext::load().await?, &query).await
}

/// Sends a message that was not sent again, now.
#[server]
pub async fn resend_message(id: Uuid) -> Result<(), AppError> {
    use crate::server::{auth::context::RequestContext, messaging::log};
    log::resend(&RequestContext::load().await?, id).await
}

#[component]
pub fn MessagingSettingsPage() -> impl IntoView {
    let save = ServerAction::<SaveEmailSettings>::new();
    let save_sms = ServerAction::<SaveSmsSettings>::new();
    let test = ServerAction::<SendTestEmail>::new();
    let test_sms = ServerAction::<SendTestSms>::new();
    let reminders = ServerAction::<SaveReminders>::new();
    let settings = Resource::new(
        move || {
            (
                save.version().get(),
                save_sms.version().get(),
                reminders.version().get(),
            )
        },
        |_| get_messaging(),
    );
    let error = action_error(save);
    let saved = action_done(save, "Saved.");
    let sms_error = action_error(save_sms);
    let sms_saved = action_done(save_sms, "Saved.");
    let test_error = action_error(test);
    let answer = Signal::derive(move || test.value().get().and_then(Result::ok));
    let test_sms_error = action_error(test_sms);
    let sms_answer = Signal::derive(move || test_sms.value().get().and_then(Result::ok));
    let secret_hint = |set: bool| match set {
        true => "One is stored; it is never shown. Leave empty to keep it.",
        false => "Stored encrypted; never shown again.",
    };
    let choices = |list: &[(&str, &str)]| {
        list.iter()
            .map(|(key, label)| Choice::new(key, *label))
            .collect::<Vec<_>>()
    };
    let providers = move || choices(EMAIL_PROVIDERS);
    let reminders_saved = action_done(reminders, "Saved. Bookings from now on get these reminders.");
    let reminders_error = action_error(reminders);
    view! {
        <Title text="Messages"/>
        <p><A href="/app/settings">"← Settings"</A></p>
        <h1>"Messages"</h1>
        <p><A href="/app/settings/messages/log">"Every message sent, planned or not sent →"</A></p>
        <p><A href="/app/settings/messages/wording">"The wording of each message →"</A></p>
        {loaded(settings, move |s: MessagingSettings| {
            let sending = s.email_provider != "log";
            let fallbacks = std::iter::once(Choice::new("none", "No second provider"))
                .chain(providers().into_iter().skip(1))
                .collect::<Vec<_>>();
            view! {
                <section class="panel" aria-labelledby="email-title">
                    <h2 id="email-title">"How email goes out"</h2>
                    <p class="field__hint">
                        {if sending {
                            "Email to patients goes out through the provider chosen here; if it refuses or cannot be reached, through the second one."
                        } else {
                            "Email is recorded in each patient's messages but not sent. Choose a provider to send it."
                        }}
                    </p>
                    <ActionForm action=save attr:class="form">
                        <FormAlert error/>
                        <Toast message=saved/>
                        <SelectField label="Send email with" name="email_provider" selected=s.email_provider.clone()
                            options=providers() error=field_error(error, "email_provider")/>
                        <SelectField label="If it refuses, try" name="email_fallback" selected=s.email_fallback.clone()
                            options=fallbacks hint="Tried at once when the first provider refuses a message or cannot be reached; never when the first may have sent it."
                            error=field_error(error, "email_fallback")/>
                        <TextField label="Sender name" name="sender_name" value=s.sender_name.clone()
                            hint="What patients see as the sender, like your clinic's name." error=field_error(error, "sender_name")/>
                        <TextField label="Sender address" name="sender_email" kind="email" autocomplete="email" value=s.sender_email.clone()
                            hint="An address your provider lets you send from." error=field_error(error, "sender_email")/>
                        <fieldset class="form__group">
                            <legend>"Mail server (SMTP)"</legend>
                            <TextField label="Server" name="smtp_host" value=s.smtp_host.clone() placeholder="smtp.example.com"
                                error=field_error(error, "smtp_host")/>
                            <TextField label="Port" name="smtp_port" kind="number" inputmode="numeric" value=s.smtp_port.to_string()
                                hint="Usually 587 with STARTTLS, 465 with TLS." error=field_error(error, "smtp_port")/>
                            <SelectField label="Security" name="smtp_security" selected=s.smtp_security.clone()
                                options=vec![
                                    Choice::new("starttls", "STARTTLS (port 587)"),
                                    Choice::new("tls", "TLS (port 465)"),
                                    Choice::new("none", "None (a relay on your own network only)"),
                                ]/>
                            <TextField label="User name" name="smtp_username" autocomplete="off" value=s.smtp_username.clone()
                                error=field_error(error, "smtp_username")/>
                            <TextField label="Password" name="smtp_password" kind="password" autocomplete="new-password"
                                hint=secret_hint(s.smtp_password_set) error=field_error(error, "smtp_password")/>
                        </fieldset>
                        <fieldset class="form__group">
                            <legend>"SendGrid"</legend>
                            <TextField label="API key" name="sendgrid_api_key" id="sendgrid-api-key" kind="password" autocomplete="off"
                                hint=secret_hint(s.sendgrid_api_key_set) error=field_error(error, "sendgrid_api_key")/>
                            <TextField label="Event webhook verification key" name="sendgrid_webhook_key" value=s.sendgrid_webhook_key.clone()
                                hint="From SendGrid's Mail Settings → Event Webhook, with signing on. Without it, delivery reports are refused."
                                error=field_error(error, "sendgrid_webhook_key")/>
                            <p class="field__hint">"Event webhook address: "<code data-testid="sendgrid-webhook">{s.sendgrid_webhook_url.clone()}</code></p>
                        </fieldset>
                        <fieldset class="form__group">
                            <legend>"Resend"</legend>
                            <TextField label="API key" name="resend_api_key" id="resend-api-key" kind="password" autocomplete="off"
                                hint=secret_hint(s.resend_api_key_set) error=field_error(error, "resend_api_key")/>
                            <TextField label="Webhook signing secret" name="resend_webhook_secret" kind="password" autocomplete="off"
                                hint=secret_hint(s.resend_webhook_secret_set) error=field_error(error, "resend_webhook_secret")/>
                            <p class="field__hint">"Webhook address: "<code data-testid="resend-webhook">{s.resend_webhook_url.clone()}</code></p>
                        </fieldset>
                        <SubmitButton label="Save email settings" pending_label="Saving…" pending=save.pending()/>
                    </ActionForm>
                    <h3>"Send a test email"</h3>
                    <ActionForm action=test attr:class="inline-fields">
                        <TextField label="To" name="to" id="test-email-to" kind="email" autocomplete="email" required=true
                            error=field_error(test_error, "to")/>
                        <SubmitButton label="Send a test email" pending_label="Sending…" pending=test.pending()/>
                    </ActionForm>
                    <p role="status" data-testid="test-answer">{move || answer.get()}</p>
                </section>
                <section class="panel" aria-labelledby="sms-title">
                    <h2 id="sms-title">"How text messages go out"</h2>
                    <ActionForm action=save_sms attr:class="form">
                        <FormAlert error=sms_error/>
                        <Toast message=sms_saved/>
                        <SelectField label="Send text messages with" name="sms_provider" selected=s.sms_provider.clone()
                            options=choices(SMS_PROVIDERS)
                            error=field_error(sms_error, "sms_provider")/>
                        <fieldset class="form__group">
                            <legend>"Twilio"</legend>
                            <TextField label="Account SID" name="twilio_account_sid" autocomplete="off" value=s.twilio_account_sid.clone()
                                placeholder="AC…" error=field_error(sms_error, "twilio_account_sid")/>
                            <TextField label="Auth token" name="twilio_auth_token" kind="password" autocomplete="off"
                                hint=secret_hint(s.twilio_auth_token_set) error=field_error(sms_error, "twilio_auth_token")/>
                            <TextField label="Send from" name="sms_sender" kind="tel" autocomplete="off" value=s.sms_sender.clone()
                                hint="Your Twilio number with its country code, like +447700900123, or a messaging service SID (MG…)."
                                error=field_error(sms_error, "sms_sender")/>
                            <p class="field__hint">"Twilio reports delivery to "<code data-testid="twilio-webhook">{s.twilio_webhook_url.clone()}</code>", signed with your auth token."</p>
                        </fieldset>
                        <SubmitButton label="Save text message settings" pending_label="Saving…" pending=save_sms.pending()/>
                    </ActionForm>
                    <h3>"Send a test text"</h3>
                    <ActionForm action=test_sms attr:class="inline-fields">
                        <TextField label="To" name="to" id="test-sms-to" kind="tel" autocomplete="tel" required=true
                            error=field_error(test_sms_error, "to")/>
                        <SubmitButton label="Send a test text" pending_label="Sending…" pending=test_sms.pending()/>
                    </ActionForm>
                    <p role="status" data-testid="test-sms-answer">{move || sms_answer.get()}</p>
                </section>
                <section class="panel" aria-labelledby="reminders-title">
                    <h2 id="reminders-title">"Reminders"</h2>
                    <p class="field__hint">"Sent before each appointment by the channels the patient agreed to. A reminder whose time has passed when the appointment is booked is not sent."</p>
                    <ActionForm action=reminders attr:class="form">
                        <FormAlert error=reminders_error/>
                        <Toast message=reminders_saved/>
                        {[("email", "By email", s.reminder_email_minutes.clone()), ("sms", "By text message", s.reminder_sms_minutes.clone())]
                            .into_iter()
                            .map(|(channel, legend, on)| view! {
                                <fieldset class="form__group">
                                    <legend>{legend}</legend>
                                    {REMINDER_MINUTES.into_iter().map(|m| view! {
                                        <Checkbox label=format!("{} before", reminder_words(m)) name=format!("{channel}_{m}") checked=on.contains(&m)/>
                                    }).collect_view()}
                                </fieldset>
                            })
                            .collect_view()}
                        <fieldset class="form__group">
                            <legend>"Quiet hours for text messages"</legend>
                            <p class="field__hint">"Texts that would arrive in this time wait until it ends (unless the appointment comes first). Leave both empty for none."</p>
                            <div class="inline-fields">
                                <TimeField label="From" name="quiet_from" value=s.quiet_from.clone() error=field_error(reminders_error, "quiet_from")/>
                                <TimeField label="Until" name="quiet_until" value=s.quiet_until.clone() error=field_error(reminders_error, "quiet_until")/>
                            </div>
                        </fieldset>
                        <SubmitButton label="Save reminders" pending_label="Saving…" pending=reminders.pending()/>
                    </ActionForm>
                </section>
            }
            .into_any()
        })}
    }
}

#[component]
pub fn MessageLogPage() -> impl IntoView {
    let query = use_query_map();
    let param = move |name: &str| query.read().get(name).unwrap_or_default();
    let resend = ServerAction::<ResendMessage>::new();
    let log = Resource::new(
        move || {
            (
                MessageLogQuery {
                    status: param("status"),
                    channel: param("channel"),
                    kind: param("kind"),
                    from: param("from"),
                    until: param("until"),
                },
                resend.version().get(),
            )
        },
        |(query, _)| get_message_log(query),
    );
    let resend_error = action_error(resend);
    let resent = action_done(resend, "Queued to go again now.");
    let choices = |list: &[(&str, &str)]| {
        list.iter()
            .map(|(key, label)| Choice::new(key, *label))
            .collect::<Vec<_>>()
    };
    view! {
        <Title text="Message log"/>
        <p><A href="/app/settings/messages">"← Messages"</A></p>
        <h1>"Message log"</h1>
        <Form method="GET" action="/app/settings/messages/log" attr:class="filters">
            <SelectField label="Status" name="status" id="filter-status" options=choices(MESSAGE_STATUSES) selected=param("status") empty="Any"/>
            <SelectField label="Channel" name="channel" id="filter-channel" options=choices(CHANNELS) selected=param("channel") empty="Any"/>
            <SelectField label="About" name="kind" id="filter-kind" options=choices(MESSAGE_KINDS) selected=param("kind") empty="Anything"/>
            <DateField label="Written from" name="from" id="filter-from" value=param("from")/>
            <DateField label="Until" name="until" id="filter-until" value=param("until")/>
            <button class="button" type="submit">"Filter"</button>
        </Form>
        <FormAlert error=resend_error/>
        <Toast message=resent/>
        {loaded(log, move |rows: Vec<LoggedMessage>| view! {
            <DataTable
                label="Messages"
                columns=columns(["When", "Patient", "About", "To", "Status"])
                rows=rows
                empty="No message matches these filters."
                row=move |r: LoggedMessage| {
                    let m = r.message;
                    let failed = m.status == "failed";
                    view! {
                        <tr data-testid="logged-message" data-status=m.status.clone()>
                            <td>{m.when_local.clone()}</td>
                            <td>{match r.patient_id {
                                Some(id) => view! { <A href=format!("/app/patients/{id}")>{r.patient_name}</A> }.into_any(),
                                None => r.patient_name.into_any(),
                            }}</td>
                            <td>{m.kind_label()}</td>
                            <td>{format!("{} · {}", if m.channel == "sms" { "Text" } else { "Email" }, m.recipient)}</td>
                            <td class="table__wrap">
                                {m.status_words()}
                                {m.last_error.clone().filter(|_| m.status != "sent").map(|why| view! { <p class="message__error">{why}</p> })}
                                {failed.then(|| view! {
                                    <ActionForm action=resend>
                                        <input type="hidden" name="id" value=m.id.to_string()/>
                                        <button class="button" type="submit">"Send again"<span class="visually-hidden">{format!(" to {}", m.recipient)}</span></button>
                                    </ActionForm>
                                })}
                            </td>
                        </tr>
                    }
                }
            />
        }.into_any())}
    }
}

/// A patient's or an appointment's messages, newest first, each with where it stands and
/// why it did not go.
#[component]
pub fn MessageTimeline(messages: Vec<OutboxMessage>) -> impl IntoView {
    if messages.is_empty() {
        return view! { <p>"No messages."</p> }.into_any();
    }
    view! {
        <ul class="list">
            {messages.into_iter().map(|m| view! {
                <li class="list__item message" data-testid="message" data-status=m.status.clone()>
                    <span>
                        <strong>{if m.subject.is_empty() { m.kind_label().to_owned() } else { m.subject.clone() }}</strong>" "
                        <span class="field__hint">{format!("{} to {} · {}", if m.channel == "sms" { "Text" } else { "Email" }, m.recipient, m.status_words())}</span>
                    </span>
                    {m.last_error.clone().filter(|_| m.status != "sent").map(|why| view! { <p class="message__error">{why}</p> })}
                    <pre class="message__body">{m.body.clone()}</pre>
                </li>
            }).collect_view()}
        </ul>
    }
    .into_any()
}
