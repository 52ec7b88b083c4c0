//! A patient's forms: what was sent and whether it came back (on their profile; an
//! appointment says how many are missing and links here), sending one, and a submission's answers beside the questions of the
//! version the patient answered, printable and as a PDF. Answers are health data: the
//! roles allowed to read them open them, and every read is audited.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use uuid::Uuid;

use crate::{
    components::{
        form::{action_error, field_error, Choice, FormAlert, SelectField, SubmitButton},
        loaded::loaded,
        table::{columns, DataTable},
        toast::Toast,
        url::id_param,
    },
    domain::{
        form_submissions::{FormStatus, PatientForms, SubmissionView},
        forms::{Answer, FieldKind},
        AppError,
    },
};

/// Sends a form to the patient, for one of their appointments if given.
#[server]
pub async fn send_form(
    patient_id: Uuid,
    template: String,
    #[server(default)] appointment_id: Option<Uuid>,
) -> Result<String, AppError> {
    use crate::server::{auth::context::RequestContext, form_submissions};
    let template =
        Uuid::parse_str(template.trim()).map_err(|_| AppError::field("template", "Choose the form to send."))?;
    form_submissions::send(&RequestContext::load().await?, patient_id, template, appointment_id).await
}

#[server]
pub async fn get_submission(id: Uuid) -> Result<SubmissionView, AppError> {
    use crate::server::{auth::context::RequestContext, form_submissions};
    form_submissions::view(&RequestContext::load().await?, id).await
}

/// The patient's forms (loaded with their profile), and a form to send one.
#[component]
pub fn PatientFormsPanel(patient_id: Uuid, forms: PatientForms, send: ServerAction<SendForm>) -> impl IntoView {
    let error = action_error(send);
    let sent = Signal::derive(move || send.value().get().and_then(Result::ok));
    let can_read = forms.can_read;
    let options: Vec<Choice> = forms
        .sendable
        .iter()
        .map(|t| Choice::new(t.id, t.name.clone()))
        .collect();
    view! {
        <section class="panel" aria-labelledby="forms-title" data-testid="patient-forms">
            <h2 id="forms-title">"Forms"</h2>
            <Toast message=sent/>
            <DataTable
                columns=columns(["Form", "Status", "Sent", "For"])
                rows=forms.submissions
                empty="No forms sent yet."
                row=move |s| {
                    let name = format!("{} (version {})", s.name, s.version);
                    let status = s.status;
                    view! {
                        <tr data-testid="form-row" data-status=match status { FormStatus::Waiting => "waiting", FormStatus::Submitted => "submitted", FormStatus::Expired => "expired" }>
                            <td>{if can_read && status == FormStatus::Submitted {
                                view! { <A href=format!("/app/forms/{}", s.id)>{name}</A> }.into_any()
                            } else {
                                view! { <span>{name}</span> }.into_any()
                            }}</td>
                            <td>{s.status_label.clone()}</td>
                            <td>{s.requested.clone()}</td>
                            <td>{s.visit.clone().unwrap_or_else(|| "—".into())}</td>
                        </tr>
                    }
                }
            />
            {(!options.is_empty()).then(|| view! {
                <ActionForm action=send attr:class="form form--inline">
                    <input type="hidden" name="patient_id" value=patient_id.to_string()/>
                    <SelectField label="Send a form" name="template" options empty="Choose a form" hint="The patient gets a link by the channels they agreed to; it works for two weeks." error=field_error(error, "template")/>
                    <SubmitButton label="Send form" pending_label="Sending…" pending=send.pending()/>
                </ActionForm>
            })}
            <FormAlert error/>
        </section>
    }
}

/// `/app/forms/{id}`: one submission, as the patient answered it.
#[component]
pub fn SubmissionPage() -> impl IntoView {
    let id = id_param("id");
    let submission = Resource::new(id, |id| async move {
        match id {
            Some(id) => get_submission(id).await,
            None => Err(AppError::not_found("That form")),
        }
    });
    view! { {loaded(submission, move |s| view! { <Submission s/> }.into_any())} }
}

#[component]
fn Submission(s: SubmissionView) -> impl IntoView {
    let title = format!("{}: {}", s.summary.name, s.patient_name);
    let answers = s.answers.clone();
    view! {
        <Title text=title.clone()/>
        <p class="no-print"><A href=format!("/app/patients/{}", s.patient_id)>{format!("← {}", s.patient_name)}</A></p>
        <article class="submission" data-testid="submission">
            <p class="submission__clinic">{s.clinic.clone()}</p>
            <h1>{s.summary.name.clone()}</h1>
            <dl class="summary">
                <div class="summary__item"><dt>"Patient"</dt><dd>{s.patient_name.clone()}</dd></div>
                <div class="summary__item"><dt>"Status"</dt><dd>{s.summary.status_label.clone()}</dd></div>
                <div class="summary__item"><dt>"Version"</dt><dd>{format!("Version {}, as the patient saw it", s.summary.version)}</dd></div>
                {s.summary.visit.clone().map(|v| view! { <div class="summary__item"><dt>"For"</dt><dd>{v}</dd></div> })}
            </dl>
            {(!s.intro.is_empty()).then(|| view! { <p class="submission__intro">{s.intro.clone()}</p> })}
            <dl class="submission__answers">
                {s.fields.iter().map(|f| {
                    if f.kind == FieldKind::Heading {
                        return view! { <h2 class="submission__heading">{f.label.clone()}</h2> }.into_any();
                    }
                    let answer = answers.get(&f.key).cloned();
                    view! {
                        <div class="submission__item" data-testid="answer">
                            <dt>{f.label.clone()}</dt>
                            <dd>{match answer {
                                None => view! { <span class="field__hint">"Not answered"</span> }.into_any(),
                                Some(Answer::Signature { name, drawing: Some(path) }) => view! {
                                    <svg class="submission__signature" viewBox="0 0 600 200" role="img" aria-label=format!("Signature drawn by {name}")>
                                        <path d=path fill="none" stroke="currentColor" stroke-width="2.5" stroke-linecap="round" stroke-linejoin="round"/>
                                    </svg>
                                    <span>{format!("Signed by {name}")}</span>
                                }.into_any(),
                                Some(a) => view! { <span>{a.text()}</span> }.into_any(),
                            }}</dd>
                        </div>
                    }
                    .into_any()
                }).collect_view()}
            </dl>
        </article>
        <p class="field__hint no-print">"Printing this page prints the form alone, without the menus."</p>
        <div class="button-row no-print">
            <a class="button" href=format!("/app/forms/{}/form.pdf", s.summary.id) rel="external">"Download PDF"</a>
        </div>
    }
}
