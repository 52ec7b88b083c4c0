//! `/app/settings/messages/wording`: the wording of each message by email and by text,
//! with its variables, a preview with example details (live while typing, once the page
//! is hydrated), and for texts their length in characters and parts.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

use crate::{
    components::{
        form::{action_done, action_error, field_error, FormAlert, SubmitButton, TextArea, TextField},
        loaded::loaded,
        toast::Toast,
    },
    domain::{
        messaging::MESSAGE_KINDS,
        templates::{example, fill, sms_size, variables, TemplateForm, TemplateView},
        AppError,
    },
};

#[server]
pub async fn get_templates() -> Result<Vec<TemplateView>, AppError> {
    use crate::server::{auth::context::RequestContext, messaging::templates};
    templates::list(&RequestContext::load().await?).await
}

#[server]
pub async fn save_template(#[server(flatten)] form: TemplateForm) -> Result<(), AppError> {
    use crate::server::{auth::context::RequestContext, messaging::templates};
    templates::save(&RequestContext::load().await?, form).await
}

#[server]
pub async fn reset_template(kind: String, channel: String) -> Result<(), AppError> {
    use crate::server::{auth::context::RequestContext, messaging::templates};
    templates::reset(&RequestContext::load().await?, &kind, &channel).await
}

#[component]
pub fn WordingPage() -> impl IntoView {
    let reloads = RwSignal::new(0u32);
    let templates = Resource::new(move || reloads.get(), |_| get_templates());
    view! {
        <Title text="Wording of messages"/>
        <p><A href="/app/settings/messages">"← Messages"</A></p>
        <h1>"Wording of messages"</h1>
        <p class="field__hint">"Write each message as your clinic speaks. A word in braces, like {when}, is filled in for each patient; the preview shows an example."</p>
        {loaded(templates, move |list: Vec<TemplateView>| {
            list.into_iter()
                .map(|t| view! { <TemplateEditor view=t reloads/> })
                .collect_view()
                .into_any()
        })}
    }
}

#[component]
fn TemplateEditor(view: TemplateView, reloads: RwSignal<u32>) -> impl IntoView {
    let save = ServerAction::<SaveTemplate>::new();
    let reset = ServerAction::<ResetTemplate>::new();
    let error = action_error(save);
    let saved = action_done(save, "Saved. Messages written from now on use it.");
    let reset_error = action_error(reset);
    Effect::new(move || {
        if reset.value().with(|v| matches!(v, Some(Ok(())))) {
            reloads.update(|n| *n += 1);
        }
    });
    let t = view.template;
    let own = RwSignal::new(view.own);
    Effect::new(move || {
        if save.value().with(|v| matches!(v, Some(Ok(())))) {
            own.set(true);
        }
    });
    let email = t.channel == "email";
    let channel: &'static str = if email { "email" } else { "sms" };
    let kind = t.kind.as_str();
    let id = format!("{kind}-{channel}");
    let (title_id, subject_id, body_id) = (format!("{id}-title"), format!("{id}-subject"), format!("{id}-body"));
    let labelled_by = title_id.clone();
    let title = format!(
        "{} · {}",
        MESSAGE_KINDS
            .iter()
            .find(|(k, _)| *k == kind)
            .map_or(kind, |(_, label)| label),
        if email { "Email" } else { "Text message" }
    );
    let subject = RwSignal::new(t.subject.clone());
    let body = RwSignal::new(t.body.clone());
    let sample = example(t.kind);
    let preview_subject = move || fill(&subject.get(), &sample);
    let preview_body = move || fill(&body.get(), &sample);
    let names = variables(t.kind)
        .map(|v| format!("{{{v}}}"))
        .collect::<Vec<_>>()
        .join(" ");
    view! {
        <section class="panel" aria-labelledby=labelled_by data-testid="template">
            <h2 id=title_id>{title}</h2>
            <p class="field__hint">{move || if own.get() { "Your own wording." } else { "The built-in wording." }}</p>
            <ActionForm action=save attr:class="form">
                <FormAlert error/>
                <Toast message=saved/>
                <input type="hidden" name="kind" value=kind/>
                <input type="hidden" name="channel" value=channel/>
                {email.then(|| view! {
                    <TextField label="Subject" name="subject" id=subject_id value=t.subject.clone()
                        error=field_error(error, "subject")
                        on:input=move |ev| subject.set(event_target_value(&ev))/>
                })}
                <TextArea label="Message" name="body" id=body_id rows=if email { 8 } else { 3 } value=t.body.clone()
                    hint=format!("Variables: {names}") error=field_error(error, "body")
                    on:input=move |ev| body.set(event_target_value(&ev))/>
                <div class="message-preview" aria-live="polite">
                    <h3>"Preview"</h3>
                    {email.then(|| view! { <p><strong data-testid="preview-subject">{preview_subject}</strong></p> })}
                    <pre class="message__body" data-testid="preview-body">{preview_body}</pre>
                    {(!email).then(|| view! {
                        <p class="field__hint" data-testid="sms-size">{move || sms_size(&preview_body()).words()}</p>
                    })}
                </div>
                <SubmitButton label="Save wording" pending_label="Saving…" pending=save.pending()/>
            </ActionForm>
            <Show when=move || own.get()>
                <ActionForm action=reset attr:class="inline-fields">
                    <FormAlert error=reset_error/>
                    <input type="hidden" name="kind" value=kind/>
                    <input type="hidden" name="channel" value=channel/>
                    <button class="button" type="submit">"Use the built-in wording"</button>
                </ActionForm>
            </Show>
        </section>
    }
}
