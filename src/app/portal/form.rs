//! `/forms/{token}`: a form the clinic asked the patient to fill in, from the link in
//! their message. Rendered on the server and posted as a plain form (`POST
//! /forms/{token}`), so it works on any phone with or without JavaScript; a small script
//! adds drawing a signature and keeping what is typed as it is typed.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use super::PortalError;
use crate::{
    components::{
        form::{Checkbox, CheckboxGroup, Choice, DateField, RadioGroup, TextArea, TextField},
        loaded::loaded_or,
        url::param,
    },
    domain::{
        form_submissions::PatientForm,
        forms::{read_answers, FieldKind, FormField},
        AppError, FieldError,
    },
};

#[server]
pub async fn open_patient_form(token: String) -> Result<PatientForm, AppError> {
    use crate::server::{auth::context::app_state, form_submissions};
    form_submissions::patient_form(&app_state()?, &token).await
}

#[component]
pub fn PatientFormPage() -> impl IntoView {
    let token = param("token");
    let query = use_query_map();
    let flag = move |name: &str| query.read().get(name).is_some();
    let form = Resource::new(token, open_patient_form);
    view! {
        {loaded_or(form, "Loading…", move |error| view! { <PortalError error restart=None/> }.into_any(), move |form| {
            let body = match form.submitted.clone() {
                Some(at) => view! {
                    <h1 data-testid="form-title">"Thank you"</h1>
                    <p role="status">{format!("{} reached {} on {at}. You can close this page.", form.title, form.clinic)}</p>
                }
                .into_any(),
                None => view! { <Fill form=form.clone() token=token() saved=flag("saved") check=flag("check")/> }.into_any(),
            };
            view! {
                <Title text=form.title.clone()/>
                <div class="portal">
                    <header class="portal__top">
                        <span class="portal__org">{form.clinic.clone()}</span>
                        <span class="portal__by">"Forms"</span>
                    </header>
                    <main class="portal__main" id="main">{body}</main>
                </div>
            }
            .into_any()
        })}
    }
}

/// The form to fill in, with what was typed before and, after a refused send, what to
/// put right.
#[component]
fn Fill(form: PatientForm, token: String, saved: bool, check: bool) -> impl IntoView {
    let problems: Vec<FieldError> = match check.then(|| read_answers(&form.fields, &form.draft)) {
        Some(Err(AppError::Validation(errors))) => errors,
        _ => Vec::new(),
    };
    let intro: Vec<String> = form
        .intro
        .split("\n\n")
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(str::to_owned)
        .collect();
    let label_of = |key: &str| {
        form.fields
            .iter()
            .find(|f| f.key == key)
            .map_or_else(String::new, |f| f.label.clone())
    };
    let summary = (!problems.is_empty()).then(|| {
        view! {
            <div class="form-alert" id="problems" role="alert" tabindex="-1">
                <p class="form-alert__text">"Nothing was sent yet: please put these right, then send again. What you typed is kept."</p>
                <ul>
                    {problems.iter().map(|p| view! {
                        <li><a href=format!("#field-{}", p.field)>{format!("{}: {}", label_of(&p.field), p.message)}</a></li>
                    }).collect_view()}
                </ul>
            </div>
        }
    });
    let error_of = |key: &str| problems.iter().find(|p| p.field == key).map(|p| p.message.clone());
    let fields = form
        .fields
        .iter()
        .map(|field| {
            let error = error_of(&field.key);
            view! { <Question field=field.clone() form=form.clone() error/> }
        })
        .collect_view();
    let clinic = form.clinic.clone();
    view! {
        <h1 data-testid="form-title">{form.title.clone()}</h1>
        {form.visit.clone().map(|visit| view! { <p class="portal__where">{format!("For your {visit}")}</p> })}
        {intro.into_iter().map(|p| view! { <p>{p}</p> }).collect_view()}
        {saved.then(|| view! {
            <p class="notice" role="status">{format!("Saved. Open the same link again to finish: it works until {}.", form.until)}</p>
        })}
        {summary}
        <form class="form patient-form" method="post" action=format!("/forms/{token}") data-keep="">
            {fields}
            <p class="field__hint">{format!("The link works until {}. What you type is kept, so you can stop and come back.", form.until)}</p>
            <div class="button-row">
                <button class="button button--primary" type="submit" name="intent" value="send">{format!("Send to {clinic}")}</button>
                <button class="button" type="submit" name="intent" value="keep">"Save and finish later"</button>
            </div>
        </form>
        {(!form.branch_phone.is_empty()).then(|| view! {
            <p>"Questions? Call " <a href=format!("tel:{}", form.branch_phone)>{form.branch_phone.clone()}</a> "."</p>
        })}
        <script src="/form-signature.js" defer=true></script>
    }
}

/// One field as the patient answers it.
#[component]
fn Question(field: FormField, form: PatientForm, error: Option<String>) -> impl IntoView {
    let key = field.key.clone();
    let hint = field.help.clone();
    let label = match field.required && field.kind != FieldKind::Consent {
        true => format!("{} (required)", field.label),
        false => field.label.clone(),
    };
    let value = form.value(&key);
    let choices = |options: &[String]| options.iter().map(|c| Choice::new(c, c.clone())).collect::<Vec<_>>();
    let error = MaybeProp::from(error);
    match field.kind {
        FieldKind::Heading => view! { <h2 class="patient-form__heading">{field.label}</h2> }.into_any(),
        FieldKind::ShortText => view! { <TextField label name=key value hint=hint.clone() error/> }.into_any(),
        FieldKind::LongText => view! { <TextArea label name=key value rows=4 hint=hint.clone() error/> }.into_any(),
        FieldKind::Number => {
            view! { <TextField label name=key value inputmode="decimal" hint=hint.clone() error/> }.into_any()
        }
        FieldKind::Date => view! { <DateField label name=key value hint=hint.clone() error/> }.into_any(),
        FieldKind::SingleChoice => view! {
            <RadioGroup legend=label name=key choices=choices(&field.choices) selected=value hint=hint.clone() error/>
        }
        .into_any(),
        FieldKind::MultipleChoice => {
            let checked = field.choices.iter().filter(|c| form.chosen(&key, c)).cloned().collect();
            view! {
                <CheckboxGroup legend=label name=key choices=choices(&field.choices) checked hint=hint.clone() error/>
            }
            .into_any()
        }
        FieldKind::YesNo => view! {
            <RadioGroup legend=label name=key choices=vec![Choice::new("yes", "Yes"), Choice::new("no", "No")] selected=value hint=hint.clone() error/>
        }
        .into_any(),
        FieldKind::Consent => view! {
            <Checkbox label=field.label name=key value="accepted" checked=!value.is_empty() hint=hint.clone() error/>
        }
        .into_any(),
        FieldKind::Signature => {
            let drawing = form.value(&format!("{key}.drawing"));
            view! {
                <div class="signature" data-signature="">
                    <TextField label=format!("{label}: type your full name to sign") name=key.clone() value autocomplete="name" hint=hint.clone() error/>
                    <input type="hidden" name=format!("{key}.drawing") value=drawing/>
                </div>
            }
            .into_any()
        }
    }
}
