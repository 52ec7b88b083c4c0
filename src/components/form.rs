//! Form pieces: labelled fields (text, date and time, select, textarea, checkboxes and
//! radio buttons) with their hints and error lines tied to them for screen readers, the
//! alert above a form, and the submit button. They work the same before hydration
//! (plain POST) and after it.

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

/// `message` once an action's last submission succeeded (for a [`Toast`](super::toast::Toast)).
pub fn action_done<S>(action: ServerAction<S>, message: &'static str) -> Signal<Option<String>>
where
    S: ServerFn<Error = AppError> + Clone + Send + Sync + 'static,
    S::Output: Clone + Send + Sync + 'static,
{
    Signal::derive(move || {
        action
            .value()
            .with(|value| value.as_ref().is_some_and(Result::is_ok))
            .then(|| message.to_owned())
    })
}

/// The message for one field out of a submission's error.
pub fn field_error(error: Signal<Option<AppError>>, name: impl Into<String>) -> Signal<Option<String>> {
    let name = name.into();
    Signal::derive(move || error.with(|e| e.as_ref().and_then(|e| e.field_message(&name))))
}

/// One option of a select or of a radio group, or one box of a checkbox group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Choice {
    pub value: String,
    pub label: String,
}

impl Choice {
    pub fn new(value: impl ToString, label: impl Into<String>) -> Self {
        Self {
            value: value.to_string(),
            label: label.into(),
        }
    }
}

/// The id of a field named `name` when the page gives none: `field-{name}`, with the
/// brackets of list names (`practitioners[]`) left out.
fn default_id(name: &str) -> String {
    let plain: String = name
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || c == '_' { c } else { '-' })
        .collect();
    format!("field-{}", plain.trim_end_matches('-'))
}

/// The ids that tie a field's control to its hint and error line.
#[derive(Clone)]
struct Wiring {
    id: String,
    hint_id: Option<String>,
    error_id: String,
    error: MaybeProp<String>,
}

impl Wiring {
    fn new(id: String, has_hint: bool, error: MaybeProp<String>) -> Self {
        Self {
            hint_id: has_hint.then(|| format!("{id}-hint")),
            error_id: format!("{id}-error"),
            id,
            error,
        }
    }

    fn invalid(&self) -> impl Fn() -> bool + Copy + Send + Sync + 'static {
        let error = self.error;
        move || error.with(Option::is_some)
    }

    fn aria_invalid(&self) -> impl Fn() -> Option<&'static str> + Copy + Send + Sync + 'static {
        let invalid = self.invalid();
        move || invalid().then_some("true")
    }

    /// The hint's id, and the error line's while there is an error.
    fn described_by(&self) -> impl Fn() -> Option<String> + Clone + Send + Sync + 'static {
        let (hint_id, error_id, invalid) = (self.hint_id.clone(), self.error_id.clone(), self.invalid());
        move || {
            let ids: Vec<&str> = hint_id
                .as_deref()
                .into_iter()
                .chain(invalid().then_some(error_id.as_str()))
                .collect();
            (!ids.is_empty()).then(|| ids.join(" "))
        }
    }

    /// The hint under the label; an empty one is none (a form built from data, such as a
    /// patient's form, may have none).
    fn hint(&self, hint: Option<String>) -> impl IntoView {
        let id = self.hint_id.clone();
        hint.filter(|h| !h.is_empty())
            .map(|hint| view! { <p class="field__hint" id=id>{hint}</p> })
    }

    fn error_line(&self) -> impl IntoView {
        let (error, error_id) = (self.error, self.error_id.clone());
        view! {
            <Show when=self.invalid()>
                <p class="field__error" id=error_id.clone()>{move || error.get()}</p>
            </Show>
        }
    }

    /// Label, hint, the control and the error line, in the field's frame.
    fn frame(&self, label: String, label_hidden: bool, hint: Option<String>, control: AnyView) -> impl IntoView {
        let label_class = if label_hidden {
            "visually-hidden"
        } else {
            "field__label"
        };
        view! {
            <div class="field" class:field--invalid=self.invalid()>
                <label class=label_class for=self.id.clone()>{label}</label>
                {self.hint(hint)}
                {control}
                {self.error_line()}
            </div>
        }
    }
}

/// What an `<input>` field is made of; the public fields below fill it in.
struct Input {
    label: String,
    name: String,
    id: Option<String>,
    kind: &'static str,
    autocomplete: Option<&'static str>,
    value: Option<String>,
    hint: Option<String>,
    required: bool,
    list: Option<&'static str>,
    inputmode: Option<&'static str>,
    placeholder: Option<String>,
    min: Option<&'static str>,
    label_hidden: bool,
    error: MaybeProp<String>,
}

impl Input {
    fn new(kind: &'static str, label: String, name: String) -> Self {
        Self {
            label,
            name,
            id: None,
            kind,
            autocomplete: None,
            value: None,
            hint: None,
            required: false,
            list: None,
            inputmode: None,
            placeholder: None,
            min: None,
            label_hidden: false,
            error: MaybeProp::default(),
        }
    }
}

fn input(field: Input) -> impl IntoView {
    let wiring = Wiring::new(
        field.id.unwrap_or_else(|| default_id(&field.name)),
        field.hint.as_deref().is_some_and(|h| !h.is_empty()),
        field.error,
    );
    let control = view! {
        <input
            class="field__input"
            id=wiring.id.clone()
            name=field.name
            type=field.kind
            autocomplete=field.autocomplete
            value=field.value
            required=field.required
            list=field.list
            inputmode=field.inputmode
            placeholder=field.placeholder
            min=field.min
            aria-invalid=wiring.aria_invalid()
            aria-describedby=wiring.described_by()
        />
    }
    .into_any();
    wiring.frame(field.label, field.label_hidden, field.hint, control)
}

/// A labelled input. The hint and error below it are tied to it for screen readers.
#[component]
pub fn TextField(
    #[prop(into)] label: String,
    #[prop(into)] name: String,
    /// `field-{name}` unless given.
    #[prop(optional, into)]
    id: Option<String>,
    #[prop(default = "text")] kind: &'static str,
    #[prop(optional)] autocomplete: Option<&'static str>,
    #[prop(optional, into)] value: Option<String>,
    #[prop(optional, into)] hint: Option<String>,
    #[prop(optional)] required: bool,
    #[prop(optional)] list: Option<&'static str>,
    #[prop(optional)] inputmode: Option<&'static str>,
    #[prop(optional, into)] placeholder: Option<String>,
    /// The smallest number a `number` field takes.
    #[prop(optional)]
    min: Option<&'static str>,
    /// The label is for screen readers only (the row or column around it says it).
    #[prop(optional)]
    label_hidden: bool,
    #[prop(optional, into)] error: MaybeProp<String>,
) -> impl IntoView {
    input(Input {
        label,
        name,
        id,
        kind,
        autocomplete,
        value,
        hint,
        required,
        list,
        inputmode,
        placeholder,
        min,
        label_hidden,
        error,
    })
}

/// A date field (`YYYY-MM-DD` on the wire).
#[component]
pub fn DateField(
    #[prop(into)] label: String,
    #[prop(into)] name: String,
    #[prop(optional, into)] id: Option<String>,
    #[prop(optional, into)] value: Option<String>,
    #[prop(optional, into)] hint: Option<String>,
    #[prop(optional)] required: bool,
    #[prop(optional, into)] error: MaybeProp<String>,
) -> impl IntoView {
    input(Input {
        id,
        value,
        hint,
        required,
        error,
        ..Input::new("date", label, name)
    })
}

/// A time-of-day field (`HH:MM` on the wire).
#[component]
pub fn TimeField(
    #[prop(into)] label: String,
    #[prop(into)] name: String,
    #[prop(optional, into)] id: Option<String>,
    #[prop(optional, into)] value: Option<String>,
    #[prop(optional, into)] hint: Option<String>,
    #[prop(optional)] required: bool,
    /// The label is for screen readers only (a table's row and column say it).
    #[prop(optional)]
    label_hidden: bool,
    #[prop(optional, into)] error: MaybeProp<String>,
) -> impl IntoView {
    input(Input {
        id,
        value,
        hint,
        required,
        label_hidden,
        error,
        ..Input::new("time", label, name)
    })
}

/// A local date and time field (`YYYY-MM-DDTHH:MM` on the wire).
#[component]
pub fn DateTimeField(
    #[prop(into)] label: String,
    #[prop(into)] name: String,
    #[prop(optional, into)] id: Option<String>,
    #[prop(optional, into)] value: Option<String>,
    #[prop(optional, into)] hint: Option<String>,
    #[prop(optional)] required: bool,
    #[prop(optional, into)] error: MaybeProp<String>,
) -> impl IntoView {
    input(Input {
        id,
        value,
        hint,
        required,
        error,
        ..Input::new("datetime-local", label, name)
    })
}

/// A labelled text area.
#[component]
pub fn TextArea(
    #[prop(into)] label: String,
    #[prop(into)] name: String,
    #[prop(optional, into)] id: Option<String>,
    #[prop(optional, into)] value: Option<String>,
    #[prop(default = 3)] rows: u32,
    #[prop(optional, into)] hint: Option<String>,
    #[prop(optional, into)] error: MaybeProp<String>,
) -> impl IntoView {
    let wiring = Wiring::new(
        id.unwrap_or_else(|| default_id(&name)),
        hint.as_deref().is_some_and(|h| !h.is_empty()),
        error,
    );
    let control = view! {
        <textarea
            class="field__input"
            id=wiring.id.clone()
            name=name
            rows=rows
            aria-invalid=wiring.aria_invalid()
            aria-describedby=wiring.described_by()
        >
            {value}
        </textarea>
    }
    .into_any();
    wiring.frame(label, false, hint, control)
}

/// A labelled drop-down list.
#[component]
pub fn SelectField(
    #[prop(into)] label: String,
    #[prop(into)] name: String,
    #[prop(optional, into)] id: Option<String>,
    options: Vec<Choice>,
    /// The value chosen when the page opens (the first option otherwise).
    #[prop(optional, into)]
    selected: Option<String>,
    /// A first option that chooses nothing (empty value), with this text: "Anyone".
    #[prop(optional, into)]
    empty: Option<String>,
    #[prop(optional)] required: bool,
    #[prop(optional, into)] hint: Option<String>,
    /// The label is for screen readers only.
    #[prop(optional)]
    label_hidden: bool,
    /// An extra class on the `<select>` (a compact one in a toolbar).
    #[prop(optional)]
    class: Option<&'static str>,
    #[prop(optional, into)] error: MaybeProp<String>,
) -> impl IntoView {
    let wiring = Wiring::new(
        id.unwrap_or_else(|| default_id(&name)),
        hint.as_deref().is_some_and(|h| !h.is_empty()),
        error,
    );
    let chosen = selected.unwrap_or_default();
    let class = match class {
        Some(extra) => format!("field__input {extra}"),
        None => "field__input".to_owned(),
    };
    let control = view! {
        <select
            class=class
            id=wiring.id.clone()
            name=name
            required=required
            aria-invalid=wiring.aria_invalid()
            aria-describedby=wiring.described_by()
        >
            {empty.map(|text| view! { <option value="" selected=chosen.is_empty()>{text}</option> })}
            {options
                .into_iter()
                .map(|o| {
                    let selected = o.value == chosen;
                    view! { <option value=o.value selected=selected>{o.label}</option> }
                })
                .collect_view()}
        </select>
    }
    .into_any();
    wiring.frame(label, label_hidden, hint, control)
}

/// One checkbox with its label; sent as `name=value` when ticked, absent when not.
#[component]
pub fn Checkbox(
    #[prop(into)] label: String,
    #[prop(into)] name: String,
    #[prop(default = "on".into(), into)] value: String,
    #[prop(optional)] checked: bool,
    /// The base of the hint's and error line's ids; `field-{name}` unless given.
    #[prop(optional, into)]
    id: Option<String>,
    #[prop(optional, into)] hint: Option<String>,
    #[prop(optional, into)] error: MaybeProp<String>,
) -> impl IntoView {
    let wiring = Wiring::new(
        id.unwrap_or_else(|| default_id(&name)),
        hint.as_deref().is_some_and(|h| !h.is_empty()),
        error,
    );
    view! {
        <div class="field field--check" class:field--invalid=wiring.invalid()>
            <label class="checkbox">
                <input
                    type="checkbox"
                    name=name
                    value=value
                    checked=checked
                    aria-invalid=wiring.aria_invalid()
                    aria-describedby=wiring.described_by()
                />
                {label}
            </label>
            {wiring.hint(hint)}
            {wiring.error_line()}
        </div>
    }
}

/// Several boxes under one legend (`name` repeats, once per ticked box: `branches[]`).
#[component]
pub fn CheckboxGroup(
    #[prop(into)] legend: String,
    #[prop(into)] name: String,
    choices: Vec<Choice>,
    /// The values ticked when the page opens.
    #[prop(optional)]
    checked: Vec<String>,
    #[prop(optional, into)] hint: Option<String>,
    #[prop(optional, into)] error: MaybeProp<String>,
) -> impl IntoView {
    choice_group("checkbox", legend, name, choices, checked, hint, error)
}

/// Radio buttons under one legend: one value of several.
#[component]
pub fn RadioGroup(
    #[prop(into)] legend: String,
    #[prop(into)] name: String,
    choices: Vec<Choice>,
    /// The value chosen when the page opens.
    #[prop(optional, into)]
    selected: Option<String>,
    #[prop(optional, into)] hint: Option<String>,
    #[prop(optional, into)] error: MaybeProp<String>,
) -> impl IntoView {
    choice_group(
        "radio",
        legend,
        name,
        choices,
        selected.into_iter().collect(),
        hint,
        error,
    )
}

fn choice_group(
    kind: &'static str,
    legend: String,
    name: String,
    choices: Vec<Choice>,
    checked: Vec<String>,
    hint: Option<String>,
    error: MaybeProp<String>,
) -> impl IntoView {
    let wiring = Wiring::new(default_id(&name), hint.as_deref().is_some_and(|h| !h.is_empty()), error);
    view! {
        <fieldset class="form__group" aria-describedby=wiring.described_by()>
            <legend>{legend}</legend>
            {wiring.hint(hint)}
            {choices
                .into_iter()
                .map(|c| {
                    let ticked = checked.contains(&c.value);
                    view! {
                        <label class="checkbox">
                            <input type=kind name=name.clone() value=c.value checked=ticked/>
                            {c.label}
                        </label>
                    }
                })
                .collect_view()}
            {wiring.error_line()}
        </fieldset>
    }
}

/// A field's error line on its own, for a problem that no single control carries (the
/// choice among a list of radio buttons, a right the user lacks).
#[component]
pub fn FieldMessage(#[prop(into)] error: Signal<Option<String>>) -> impl IntoView {
    move || {
        error
            .get()
            .map(|message| view! { <p class="field__error">{message}</p> })
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

#[cfg(test)]
mod tests {
    use super::default_id;

    #[test]
    fn a_field_id_is_its_name_without_brackets() {
        assert_eq!(default_id("email"), "field-email");
        assert_eq!(default_id("practitioners[]"), "field-practitioners");
        assert_eq!(default_id("hours[mon][opens]"), "field-hours-mon--opens");
    }
}
