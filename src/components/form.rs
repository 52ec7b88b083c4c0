//! Form pieces: labelled fields with their errors, the alert above a form, the submit
//! button. They work the same before hydration (plain POST) and after it.

use leptos::{prelude::*, server_fn::ServerFn};

use crate::domain::AppError;

/// The error of an action's last submission, if it failed.
pub fn action_error<S>(action: ServerAction<S>) -> Signal<Option<AppError>>
where
    S: ServerFn<Error = AppError> + Clone + Send + Sync + 'static,
    S::Output: Clone + Send + Sync + 'static,
{
    Signal::derive(move || {
        action
            .value()
            .with(|value| value.as_ref().and_then(|r| r.as_ref().err().cloned()))
    })
}

/// The message for one field out of a submission's error.
pub fn field_error(error: Signal<Option<AppError>>, name: &'static str) -> Signal<Option<String>> {
    Signal::derive(move || error.with(|e| e.as_ref().and_then(|e| e.field_message(name))))
}

/// A labelled input. The error below it is tied to it for screen readers.
#[component]
pub fn TextField(
    #[prop(into)] label: String,
    name: &'static str,
    #[prop(default = "text")] kind: &'static str,
    #[prop(optional)] autocomplete: Option<&'static str>,
    #[prop(optional, into)] value: Option<String>,
    #[prop(optional, into)] hint: Option<String>,
    #[prop(optional)] required: bool,
    #[prop(optional)] list: Option<&'static str>,
    #[prop(optional)] inputmode: Option<&'static str>,
    #[prop(into)] error: Signal<Option<String>>,
) -> impl IntoView {
    let id = format!("field-{name}");
    let hint_id = format!("{id}-hint");
    let error_id = format!("{id}-error");
    let described_by = {
        let (hint_id, error_id, has_hint) = (hint_id.clone(), error_id.clone(), hint.is_some());
        move || {
            let mut ids = Vec::new();
            if has_hint {
                ids.push(hint_id.clone());
            }
            if error.with(Option::is_some) {
                ids.push(error_id.clone());
            }
            (!ids.is_empty()).then(|| ids.join(" "))
        }
    };
    view! {
        <div class="field" class:field--invalid=move || error.with(Option::is_some)>
            <label class="field__label" for=id.clone()>{label}</label>
            {hint.map(|hint| view! { <p class="field__hint" id=hint_id>{hint}</p> })}
            <input
                class="field__input"
                id=id
                name=name
                type=kind
                autocomplete=autocomplete
                value=value
                required=required
                list=list
                inputmode=inputmode
                aria-invalid=move || error.with(Option::is_some).then_some("true")
                aria-describedby=described_by
            />
            <Show when=move || error.with(Option::is_some)>
                <p class="field__error" id=error_id.clone()>{move || error.get()}</p>
            </Show>
        </div>
    }
}

/// The message above a form after a failed submission. Field problems are named on
/// their fields; this says what happened and what to do.
#[component]
pub fn FormAlert(#[prop(into)] error: Signal<Option<AppError>>) -> impl IntoView {
    let message = move || {
        error.get().map(|e| match e {
            AppError::Validation(ref errors) if errors.len() > 1 => "Please correct the highlighted fields.".to_owned(),
            AppError::Validation(_) | AppError::Conflict { field: Some(_), .. } => {
                "Please correct the highlighted field.".to_owned()
            }
            other => other.to_string(),
        })
    };
    view! {
        <div class="form-alert" role="alert" aria-live="assertive">
            {move || message().map(|text| view! { <p class="form-alert__text">{text}</p> })}
        </div>
    }
}

/// A submit button that says what is happening while the server works.
#[component]
pub fn SubmitButton(
    #[prop(into)] label: String,
    #[prop(into)] pending_label: String,
    #[prop(into)] pending: Signal<bool>,
) -> impl IntoView {
    view! {
        <button class="button button--primary" type="submit" disabled=move || pending.get()>
            {move || if pending.get() { pending_label.clone() } else { label.clone() }}
        </button>
    }
}
