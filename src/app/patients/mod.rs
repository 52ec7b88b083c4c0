//! `/app/patients`: finding, adding, editing, merging, importing and exporting patients.

mod forms;
mod import;

pub use forms::{GetSubmission, PatientFormsPanel, SendForm, SubmissionPage};
pub use import::{GetImport, ImportPage, ImportPreviewPage, RunImport};

use crate::app::{layout::with_user, settings::MessageTimeline};
use crate::components::loaded::{loaded, loaded_with};
use crate::components::url::{encode, id_param};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{
    components::{Form, A},
    hooks::{use_navigate, use_query_map},
    NavigateOptions,
};
use uuid::Uuid;

use crate::{
    components::{
        confirm::{Confirm, ConfirmButton},
        form::{
            action_done, action_error, field_error, Checkbox, DateField, FormAlert, SubmitButton, TextArea, TextField,
        },
        table::{columns, DataTable, PageLink, Pager},
        toast::Toast,
    },
    domain::{
        access::Action,
        patient::{Patient, PatientForm, PatientPage, PatientProfile},
        AppError,
    },
};

#[server]
pub async fn list_patients(
    #[server(default)] query: String,
    #[server(default)] after: Option<String>,
) -> Result<PatientPage, AppError> {
    use crate::server::{auth::context::RequestContext, patients};
    patients::page(&RequestContext::load().await?, &query, after.as_deref()).await
}

/// Adds a patient and opens their page. A phone or email already on file is refused
/// with a warning until `add_anyway` is ticked.
#[server]
pub async fn create_patient(
    #[server(flatten)] form: PatientForm,
    #[server(default)] add_anyway: Option<String>,
) -> Result<Uuid, AppError> {
    use crate::server::{auth::context::RequestContext, patients};
    let details = form.parse()?;
    let id = patients::create(&RequestContext::load().await?, &details, add_anyway.is_some()).await?;
    leptos_axum::redirect(&format!("/app/patients/{id}"));
    Ok(id)
}

#[server]
pub async fn get_patient(id: Uuid) -> Result<PatientProfile, AppError> {
    use crate::server::{auth::context::RequestContext, patients};
    patients::profile(&RequestContext::load().await?, id).await
}

#[server]
pub async fn update_patient(id: Uuid, #[server(flatten)] form: PatientForm) -> Result<(), AppError> {
    use crate::server::{auth::context::RequestContext, patients};
    let details = form.parse()?;
    patients::update(&RequestContext::load().await?, id, &details).await
}

#[server]
pub async fn archive_patient(id: Uuid, archived: bool) -> Result<(), AppError> {
    use crate::server::{auth::context::RequestContext, patients};
    patients::set_archived(&RequestContext::load().await?, id, archived).await
}

/// Merges `other` into `id`: the other record's appointments and messages move here.
#[server]
pub async fn merge_patients(id: Uuid, other: Uuid) -> Result<u64, AppError> {
    use crate::server::{auth::context::RequestContext, patients};
    patients::merge(&RequestContext::load().await?, id, other).await
}

#[component]
pub fn PatientsPage() -> impl IntoView {
    let query = use_query_map();
    let q = move || query.read().get("q").unwrap_or_default();
    let after = move || query.read().get("after");
    let page = Resource::new(move || (q(), after()), |(q, after)| list_patients(q, after));
    // Hydrated, the list follows the search box as one types (a quarter of a second after
    // the last key); without JavaScript the form's button does the same.
    let navigate = use_navigate();
    let typing = StoredValue::new(None::<TimeoutHandle>);
    let search_as_you_type = move |ev: leptos::ev::Event| {
        let term = encode(event_target_value(&ev).trim());
        if let Some(handle) = typing.get_value() {
            handle.clear();
        }
        let navigate = navigate.clone();
        let handle = set_timeout_with_handle(
            move || {
                navigate(
                    &format!("/app/patients?q={term}"),
                    NavigateOptions {
                        replace: true,
                        ..Default::default()
                    },
                )
            },
            std::time::Duration::from_millis(250),
        );
        typing.set_value(handle.ok());
    };

    view! {
        <Title text="Patients"/>
        <div class="page-head">
            <h1>"Patients"</h1>
            <div class="button-row">
                {with_user(|user| {
                    let (can_add, can_export) = (user.can(Action::ManagePatients), user.can(Action::ExportPatients));
                    view! {
                        {can_add.then(|| view! { <A href="/app/patients/new" attr:class="button button--primary">"Add patient"</A> })}
                        {can_add.then(|| view! { <A href="/app/patients/import" attr:class="button">"Import CSV"</A> })}
                        {can_export.then(|| view! { <a href="/app/patients/export.csv" class="button" download="patients.csv">"Export CSV"</a> })}
                    }
                })}
            </div>
        </div>
        <Form method="GET" action="/app/patients" attr:class="filters" attr:role="search">
            <div class="field">
                <label class="field__label" for="patient-query">"Search by name, phone or email"</label>
                <input class="field__input" id="patient-query" type="search" name="q" value=q autocomplete="off" on:input=search_as_you_type/>
            </div>
            <button class="button" type="submit">"Search"</button>
        </Form>
        {loaded_with(page, "Searching…", move |page| {
                let search = encode(&q());
                let mut links = Vec::new();
                if after().is_some() {
                    links.push(PageLink { text: "First page", href: format!("/app/patients?q={search}") });
                }
                if let Some(cursor) = &page.next {
                    let cursor = encode(cursor);
                    links.push(PageLink { text: "Next page", href: format!("/app/patients?q={search}&after={cursor}") });
                }
                view! {
                    <DataTable
                        label="Patients"
                        columns=columns(["Name", "Phone", "Email"])
                        rows=page.patients
                        empty=if q().trim().is_empty() {
                            "No patients yet. Add one or import a list with the buttons above; patients who book online are added by themselves."
                        } else {
                            "No patients match. Check the spelling, or search by phone number or email."
                        }
                        pager=Pager { label: "Pages", links }
                        row=|p| view! {
                            <tr data-testid="patient-row">
                                <td><A href=format!("/app/patients/{}", p.id)>{p.full_name}</A></td>
                                <td>{p.phone}</td>
                                <td>{p.email}</td>
                            </tr>
                        }
                    />
                }
                .into_any()
        })}
    }
}

/// The fields of a patient, shared by the new and edit forms.
#[component]
fn PatientFieldset(patient: Option<Patient>, #[prop(into)] error: Signal<Option<AppError>>) -> impl IntoView {
    let get = |f: fn(&Patient) -> String| patient.as_ref().map(f).unwrap_or_default();
    let sms = patient.as_ref().is_some_and(|p| p.consent_sms);
    let email = patient.as_ref().is_some_and(|p| p.consent_email);
    view! {
        <FormAlert error/>
        <TextField label="Full name" name="full_name" autocomplete="off" value=get(|p| p.full_name.clone()) required=true error=field_error(error, "full_name")/>
        <TextField label="Phone" name="phone" kind="tel" autocomplete="off" value=get(|p| p.phone.clone()) error=field_error(error, "phone")/>
        <TextField label="Email" name="email" kind="email" autocomplete="off" value=get(|p| p.email.clone()) error=field_error(error, "email")/>
        <DateField label="Birth date" name="birth_date" value=get(|p| p.birth_date.map(|d| d.to_string()).unwrap_or_default()) error=field_error(error, "birth_date")/>
        <TextField label="Tags" name="tags" hint="Comma-separated, e.g. knee, sports" value=get(|p| p.tags.join(", ")) error=field_error(error, "tags")/>
        <TextArea label="Notes" name="notes" id="patient-notes" value=get(|p| p.notes.clone()) error=field_error(error, "notes")/>
        <fieldset class="form__group">
            <legend>"Consents"</legend>
            <Checkbox label="Text messages about appointments" name="consent_sms" checked=sms/>
            <Checkbox label="Emails about appointments" name="consent_email" checked=email/>
        </fieldset>
    }
}

#[component]
pub fn NewPatientPage() -> impl IntoView {
    let action = ServerAction::<CreatePatient>::new();
    let error = action_error(action);
    let duplicate = move || error.get().and_then(|e| e.field_message("duplicate"));
    view! {
        <Title text="Add patient"/>
        <p><A href="/app/patients">"← Patients"</A></p>
        <h1>"Add patient"</h1>
        <ActionForm action attr:class="form panel">
            <PatientFieldset patient=None error/>
            {move || duplicate().map(|message| view! {
                <div class="notice" role="alert">
                    <p>{message}</p>
                    <Checkbox label="Add anyway: it is a different person" name="add_anyway"/>
                </div>
            })}
            <SubmitButton label="Add patient" pending_label="Adding…" pending=action.pending()/>
        </ActionForm>
    }
}

#[component]
pub fn PatientPage() -> impl IntoView {
    let id = id_param("id");
    let update = ServerAction::<UpdatePatient>::new();
    let archive = ServerAction::<ArchivePatient>::new();
    let merge = ServerAction::<MergePatients>::new();
    let send_form = ServerAction::<SendForm>::new();
    let invoice = ServerAction::<crate::app::billing::DraftInvoice>::new();
    let invoice_error = action_error(invoice);
    let profile = Resource::new(
        move || {
            (
                id(),
                update.version().get(),
                archive.version().get(),
                merge.version().get(),
                send_form.version().get(),
            )
        },
        |(id, ..)| async move {
            match id {
                Some(id) => get_patient(id).await,
                None => Err(AppError::not_found("That patient")),
            }
        },
    );
    let update_error = action_error(update);
    let merge_error = action_error(merge);
    let saved = action_done(update, "Saved.");

    view! {
        {with_user(move |user| {
            let can_edit = user.can(Action::ManagePatients);
            let can_invoice = user.can(Action::ManageInvoices);
            loaded(profile, move |profile| {
                let p = profile.patient.clone();
                let pid = p.id.to_string();
                let duplicates = (can_edit && !profile.duplicates.is_empty()).then(|| {
                    let (pid, name) = (pid.clone(), p.full_name.clone());
                    let found = profile.duplicates.clone();
                    view! {
                        <section class="notice" aria-labelledby="dupes-title">
                            <h2 id="dupes-title">"Possible duplicates"</h2>
                            <p>"These records share this patient's phone or email. Merging moves their appointments and messages here."</p>
                            <FormAlert error=merge_error/>
                            <ul class="list">
                                {found.into_iter().map(|d| {
                                    let (pid, name) = (pid.clone(), name.clone());
                                    let merge_label = format!(": {}", d.full_name);
                                    let question = format!(
                                        "{}'s appointments and messages move to {name}, and {}'s record is archived. This cannot be undone.",
                                        d.full_name, d.full_name
                                    );
                                    view! {
                                        <li class="list__item" data-testid="duplicate">
                                            <A href=format!("/app/patients/{}", d.id)>{d.full_name.clone()}</A>
                                            <span class="field__hint">{format!("{} {}", d.phone, d.email)}</span>
                                            <Confirm key=format!("merge-{}", d.id) label="Merge into this record" detail=merge_label question=question>
                                                <ActionForm action=merge>
                                                    <input type="hidden" name="id" value=pid/>
                                                    <input type="hidden" name="other" value=d.id.to_string()/>
                                                    <ConfirmButton label="Merge" pending=merge.pending()/>
                                                </ActionForm>
                                            </Confirm>
                                        </li>
                                    }
                                }).collect_view()}
                            </ul>
                        </section>
                    }
                });
                let edit = can_edit.then(|| {
                    let (p, pid) = (p.clone(), pid.clone());
                    let (form_patient, form_id) = (p.clone(), pid.clone());
                    view! {
                        <section class="panel" aria-labelledby="details-title">
                            <h2 id="details-title">"Details"</h2>
                            <ActionForm action=update attr:class="form form--inline">
                                <Toast message=saved/>
                                <input type="hidden" name="id" value=form_id/>
                                <PatientFieldset patient=Some(form_patient) error=update_error/>
                                <SubmitButton label="Save" pending_label="Saving…" pending=update.pending()/>
                            </ActionForm>
                            {if p.archived {
                                view! {
                                    <ActionForm action=archive>
                                        <input type="hidden" name="id" value=pid/>
                                        <input type="hidden" name="archived" value="false"/>
                                        <button class="button button--quiet" type="submit">"Restore from the archive"</button>
                                    </ActionForm>
                                }.into_any()
                            } else {
                                let question = format!(
                                    "{} leaves the patient list and search. Their appointments and messages stay, and the record can be restored.",
                                    p.full_name
                                );
                                view! {
                                    <Confirm key="archive" label="Archive this patient" question>
                                        <ActionForm action=archive>
                                            <input type="hidden" name="id" value=pid/>
                                            <input type="hidden" name="archived" value="true"/>
                                            <ConfirmButton label="Archive" pending=archive.pending()/>
                                        </ActionForm>
                                    </Confirm>
                                }.into_any()
                            }}
                        </section>
                    }
                });
                view! {
                    <Title text=p.full_name.clone()/>
                    <p><A href="/app/patients">"← Patients"</A></p>
                    <h1>{p.full_name.clone()}{p.archived.then_some(" (archived)")}</h1>
                    <dl class="summary">
                        <div class="summary__item"><dt>"Phone"</dt><dd>{p.phone.clone()}</dd></div>
                        <div class="summary__item"><dt>"Email"</dt><dd>{p.email.clone()}</dd></div>
                        <div class="summary__item"><dt>"Consents"</dt><dd>{match (p.consent_sms, p.consent_email) {
                            (true, true) => "Texts and emails", (true, false) => "Texts", (false, true) => "Emails", _ => "None",
                        }}</dd></div>
                        {profile.account.clone().map(|account| view! { <crate::app::billing::AccountItem account/> })}
                        <div class="summary__item"><dt>"Tags"</dt><dd>{if p.tags.is_empty() { "—".to_owned() } else { p.tags.join(", ") }}</dd></div>
                    </dl>
                    {duplicates}
                    {can_invoice.then(|| view! {
                        <FormAlert error=invoice_error/>
                        <ActionForm action=invoice attr:class="button-row">
                            <input type="hidden" name="patient_id" value=pid.clone()/>
                            <button class="button" type="submit">"New invoice"</button>
                        </ActionForm>
                    })}
                    <section class="panel" aria-labelledby="history-title">
                        <h2 id="history-title">"Appointments"</h2>
                        <DataTable
                            columns=columns(["When", "Service", "With", "Status"])
                            rows=profile.appointments.clone()
                            empty="None yet."
                            row=|a| view! {
                                <tr data-testid="history-row">
                                    <td><A href=format!("/app/calendar/appointments/{}", a.id)>{format!("{} {}", a.local_date.format("%-d %b %Y"), a.time_label)}</A></td>
                                    <td>{a.service_name.clone()}</td>
                                    <td>{a.practitioner_name.clone()}</td>
                                    <td>{a.status.label()}{(a.source == crate::domain::appointment::Source::Portal).then_some(" · online")}</td>
                                </tr>
                            }
                        />
                    </section>
                    <PatientFormsPanel patient_id=p.id forms=profile.forms.clone() send=send_form/>
                    <section class="panel" aria-labelledby="messages-title">
                        <h2 id="messages-title">"Messages"</h2>
                        <MessageTimeline messages=profile.messages.clone()/>
                    </section>
                    {edit}
                }
                .into_any()
            })
        })}
    }
}
