//! `/app/settings/forms`: the intake and consent form templates; `/app/settings/forms/{id}`:
//! a template's builder. The builder is one form (every field's row, a blank row for a
//! new one, the services that ask for it), so that it works without JavaScript and each
//! save, move or removal is one new version.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use uuid::Uuid;

use crate::{
    components::{
        form::{
            action_error, field_error, Checkbox, CheckboxGroup, Choice, FormAlert, SelectField, SubmitButton, TextArea,
            TextField,
        },
        loaded::loaded,
        table::{columns, DataTable},
        toast::Toast,
        url::id_param,
    },
    domain::{
        forms::{FieldKind, FormField, FormTemplate, TemplateForm, TemplateSummary, NEW_ROW},
        AppError,
    },
};

#[server]
pub async fn get_forms() -> Result<Vec<TemplateSummary>, AppError> {
    use crate::server::{auth::context::RequestContext, forms};
    forms::templates(&RequestContext::load().await?).await
}

/// A new template; opens its builder.
#[server]
pub async fn create_form(name: String) -> Result<(), AppError> {
    use crate::server::{auth::context::RequestContext, forms};
    let id = forms::create(&RequestContext::load().await?, &name).await?;
    leptos_axum::redirect(&format!("/app/settings/forms/{id}"));
    Ok(())
}

#[server]
pub async fn get_form(id: Uuid) -> Result<FormTemplate, AppError> {
    use crate::server::{auth::context::RequestContext, forms};
    forms::template(&RequestContext::load().await?, id).await
}

/// The builder's save (or a row's move or removal): the version now current.
#[server]
pub async fn save_form(id: Uuid, #[server(flatten)] form: TemplateForm) -> Result<i32, AppError> {
    use crate::server::{auth::context::RequestContext, forms};
    forms::save(&RequestContext::load().await?, id, &form).await
}

#[component]
pub fn FormsPage() -> impl IntoView {
    let create = ServerAction::<CreateForm>::new();
    let list = Resource::new(|| (), |_| get_forms());
    let error = action_error(create);
    view! {
        <Title text="Forms"/>
        <h1>"Forms"</h1>
        <p class="field__hint">"Intake and consent forms patients fill in on their phone before a visit. A form attached to a service is requested with each booking of it."</p>
        {loaded(list, move |templates| view! {
            <DataTable
                label="Forms"
                columns=columns(["Form", "Version", "Questions", "Requested for"])
                rows=templates
                empty="No forms yet: start the first one below."
                row=|t: TemplateSummary| view! {
                    <tr data-testid="form-template">
                        <td><A href=format!("/app/settings/forms/{}", t.id)>{t.name.clone()}</A>{(!t.active).then_some(" (retired)")}</td>
                        <td class="number">{if t.version == 0 { "Not saved".to_owned() } else { t.version.to_string() }}</td>
                        <td class="number">{t.questions}</td>
                        <td>{if t.services.is_empty() { "Sent by hand".to_owned() } else { t.services.join(", ") }}</td>
                    </tr>
                }
            />
        }.into_any())}
        <section class="panel" aria-labelledby="new-form">
            <h2 id="new-form">"Start a form"</h2>
            <ActionForm action=create attr:class="form form--inline">
                <FormAlert error/>
                <TextField label="Title" name="name" required=true hint="What patients see, for example: New patient intake." error=field_error(error, "name")/>
                <SubmitButton label="Start" pending_label="Starting…" pending=create.pending()/>
            </ActionForm>
        </section>
    }
}

#[component]
pub fn FormBuilderPage() -> impl IntoView {
    let id = id_param("id");
    let save = ServerAction::<SaveForm>::new();
    // Reloaded after a save that worked: a refused one keeps what was typed.
    let saved = Signal::derive(move || save.value().get().and_then(Result::ok));
    let template = Resource::new(
        move || (id(), saved.get()),
        |(id, _)| async move {
            match id {
                Some(id) => get_form(id).await,
                None => Err(AppError::not_found("That form")),
            }
        },
    );
    let error = action_error(save);
    let done = Signal::derive(move || saved.get().map(|v| format!("Saved: version {v}.")));
    // A browser keeps typed values over the saved ones the page then shows (until the form
    // is reset): after a save the new field's row is blank again.
    let builder = NodeRef::<leptos::html::Form>::new();
    Effect::new(move |_| {
        if saved.get().is_some() {
            if let Some(form) = builder.get_untracked() {
                form.reset();
            }
        }
    });
    view! {
        <Toast message=done/>
        {loaded(template, move |t: FormTemplate| {
            let status = match (&t.saved, t.version) {
                (Some(saved), version) => format!("Version {version}, saved {saved}. Saving a change makes version {}: what patients answered keeps the version they saw.", version + 1),
                (None, _) => "Not saved yet: add its fields, then save.".to_owned(),
            };
            let count = t.fields.len();
            let rows = t
                .fields
                .iter()
                .enumerate()
                .map(|(at, field)| view! { <FieldRow field=field.clone() at last={at + 1 == count} error/> })
                .collect_view();
            let blank = FormField {
                key: String::new(),
                kind: FieldKind::ShortText,
                label: String::new(),
                help: String::new(),
                required: false,
                choices: Vec::new(),
            };
            let services: Vec<Choice> = t.service_choices.iter().map(|s| Choice::new(s.id, s.label.clone())).collect();
            let chosen = t.services.iter().map(Uuid::to_string).collect();
            view! {
                <Title text=t.name.clone()/>
                <p><A href="/app/settings/forms">"← Forms"</A></p>
                <h1>{t.name.clone()}</h1>
                <p class="field__hint" data-testid="form-version">{status}</p>
                {crate::app::layout::with_user(move |user| {
                    user.can(crate::domain::access::Action::ReadFormAnswers).then(|| view! {
                        <p><a href=format!("/app/settings/forms/{}/answers.csv", t.id) rel="external" download="">"Download every answer (CSV)"</a></p>
                    })
                })}
                <ActionForm action=save node_ref=builder attr:class="form form-builder">
                    // Enter in a text box saves (the browser presses a form's first button).
                    <button class="visually-hidden" type="submit" tabindex="-1" aria-hidden="true">"Save"</button>
                    <FormAlert error/>
                    <input type="hidden" name="id" value=t.id.to_string()/>
                    <TextField label="Title" name="name" value=t.name.clone() required=true error=field_error(error, "name")/>
                    <TextArea label="Introduction (optional)" name="intro" value=t.intro.clone() hint="Shown above the questions: why the clinic asks, how long it takes." error=field_error(error, "intro")/>
                    <h2>"Fields"</h2>
                    {(count == 0).then(|| view! { <p>"No fields yet: add the first one below."</p> })}
                    <ol class="form-builder__fields">{rows}</ol>
                    <fieldset class="form-builder__field form-builder__field--new">
                        <legend>"Add a field"</legend>
                        <FieldInputs field=blank error/>
                    </fieldset>
                    <CheckboxGroup legend="Requested with each booking of" name="service[]" choices=services checked=chosen hint="The patient gets a link to fill it in with the booking's confirmation."/>
                    <Checkbox label="Retired (no longer sent; what was answered stays)" name="retired" checked=!t.active/>
                    <SubmitButton label="Save" pending_label="Saving…" pending=save.pending()/>
                </ActionForm>
            }
            .into_any()
        })}
    }
}

/// One field's row: its inputs, and buttons to move it or take it out (each a save).
#[component]
fn FieldRow(field: FormField, at: usize, last: bool, #[prop(into)] error: Signal<Option<AppError>>) -> impl IntoView {
    let (key, label) = (field.key.clone(), field.label.clone());
    let step = |verb: &str| format!("{verb}:{key}");
    view! {
        <li class="form-builder__field" data-testid="form-field">
            <FieldInputs field error/>
            <div class="button-row">
                {(at > 0).then(|| view! {
                    <button class="button button--small" type="submit" name="step" value=step("up") aria-label=format!("Move “{label}” up")>"Move up"</button>
                })}
                {(!last).then(|| view! {
                    <button class="button button--small" type="submit" name="step" value=step("down") aria-label=format!("Move “{label}” down")>"Move down"</button>
                })}
                <button class="button button--small button--quiet" type="submit" name="step" value=step("remove") aria-label=format!("Remove “{label}”")>"Remove"</button>
            </div>
        </li>
    }
}

/// A field's inputs, named as `TemplateForm` reads them; `key` blank for the new row.
#[component]
fn FieldInputs(field: FormField, #[prop(into)] error: Signal<Option<AppError>>) -> impl IntoView {
    let row = if field.key.is_empty() {
        NEW_ROW.to_owned()
    } else {
        field.key.clone()
    };
    let kinds: Vec<Choice> = FieldKind::ALL
        .iter()
        .map(|k| Choice::new(k.as_str(), k.label()))
        .collect();
    let id = |part: &str| format!("field-{row}-{part}");
    let message = |part: &str| field_error(error, format!("{row}.{part}"));
    view! {
        <input type="hidden" name="key[]" value=field.key.clone()/>
        <SelectField label="Kind" name="kind[]" id=id("kind") options=kinds selected=field.kind.as_str() error=message("kind")/>
        <TextField label="Question, heading or statement" name="label[]" id=id("label") value=field.label.clone() error=message("label")/>
        <TextField label="Help text (optional)" name="help[]" id=id("help") value=field.help.clone() error=message("help")/>
        <TextArea label="Choices, one a line (for one or several choices)" name="choices[]" id=id("choices") value=field.choices.join("\n") error=message("choices")/>
        <Checkbox label="Required" name="required[]" id=id("required") value=row.clone() checked=field.required/>
    }
}
