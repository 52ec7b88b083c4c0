//! The visit on the appointment page: arrival and waiting time, the services performed,
//! the materials used, and the clinical note with its addenda.

use chrono::Utc;
use leptos::prelude::*;
use leptos_router::components::A;
use uuid::Uuid;

use crate::app::billing::InvoiceVisit;

use crate::{
    components::{
        form::{action_error, field_error, Choice, FormAlert, SelectField, SubmitButton, TextArea, TextField},
        loaded::loaded,
    },
    domain::{
        appointment::{AppointmentView, Status},
        money::format_minor,
        visit::{ClinicalNote, MaterialForm, NoteForm, ServiceLineForm, VisitRecord, NOTE_SECTIONS},
        AppError,
    },
};

#[server]
pub async fn get_visit(id: Uuid) -> Result<VisitRecord, AppError> {
    use crate::server::{auth::context::RequestContext, visits};
    visits::record(&RequestContext::load().await?, id).await
}

#[server]
pub async fn add_visit_service(id: Uuid, #[server(flatten)] form: ServiceLineForm) -> Result<(), AppError> {
    use crate::server::{auth::context::RequestContext, visits};
    visits::add_service(&RequestContext::load().await?, id, |currency| form.parse(currency)).await
}

#[server]
pub async fn remove_visit_service(id: Uuid, line_id: Uuid) -> Result<(), AppError> {
    use crate::server::{auth::context::RequestContext, visits};
    visits::remove_service(&RequestContext::load().await?, id, line_id).await
}

#[server]
pub async fn add_visit_material(id: Uuid, #[server(flatten)] form: MaterialForm) -> Result<(), AppError> {
    use crate::server::{auth::context::RequestContext, visits};
    visits::add_material(&RequestContext::load().await?, id, &form).await
}

#[server]
pub async fn remove_visit_material(id: Uuid, material_id: Uuid) -> Result<(), AppError> {
    use crate::server::{auth::context::RequestContext, visits};
    visits::remove_material(&RequestContext::load().await?, id, material_id).await
}

#[server]
pub async fn save_visit_note(id: Uuid, #[server(flatten)] form: NoteForm) -> Result<(), AppError> {
    use crate::server::{auth::context::RequestContext, visits};
    visits::save_note(&RequestContext::load().await?, id, &form).await
}

#[server]
pub async fn add_note_addendum(id: Uuid, body: String) -> Result<(), AppError> {
    use crate::server::{auth::context::RequestContext, visits};
    visits::add_addendum(&RequestContext::load().await?, id, &body).await
}

/// "Waiting 12 min" while the patient waits, counted on from the server's figure once
/// the page is live.
#[component]
pub fn Waiting(appointment: AppointmentView) -> impl IntoView {
    let now = RwSignal::new(Utc::now());
    #[cfg(feature = "hydrate")]
    {
        let handle = set_interval_with_handle(move || now.set(Utc::now()), std::time::Duration::from_secs(30));
        if let Ok(handle) = handle {
            on_cleanup(move || handle.clear());
        }
    }
    move || {
        appointment.waiting_minutes(now.get()).map(
            |m| view! { <span class="badge badge--waiting" data-testid="waiting">{format!("Waiting {m} min")}</span> },
        )
    }
}

/// The visit's panel, for an appointment whose patient has arrived.
#[component]
pub fn VisitPanel(appointment: AppointmentView) -> impl IntoView {
    let id = appointment.id;
    let add_service = ServerAction::<AddVisitService>::new();
    let remove_service = ServerAction::<RemoveVisitService>::new();
    let add_material = ServerAction::<AddVisitMaterial>::new();
    let remove_material = ServerAction::<RemoveVisitMaterial>::new();
    let save_note = ServerAction::<SaveVisitNote>::new();
    let add_addendum = ServerAction::<AddNoteAddendum>::new();
    let record = Resource::new(
        move || {
            (
                add_service.version().get(),
                remove_service.version().get(),
                add_material.version().get(),
                remove_material.version().get(),
                save_note.version().get(),
                add_addendum.version().get(),
            )
        },
        move |_| get_visit(id),
    );
    let errors = Errors {
        service: action_error(add_service),
        remove_service: action_error(remove_service),
        material: action_error(add_material),
        remove_material: action_error(remove_material),
        note: action_error(save_note),
        addendum: action_error(add_addendum),
    };
    let actions = Actions {
        invoice: ServerAction::<InvoiceVisit>::new(),
        add_service,
        remove_service,
        add_material,
        remove_material,
        save_note,
        add_addendum,
    };
    view! {
        <section class="panel visit" aria-labelledby="visit-title">
            <h2 id="visit-title">"Visit"</h2>
            <p class="visit__times">
                <Waiting appointment=appointment.clone()/>
            </p>
            {loaded(record, move |r| view! { <Record record=r actions errors/> })}
        </section>
    }
}

#[derive(Clone, Copy)]
struct Actions {
    add_service: ServerAction<AddVisitService>,
    remove_service: ServerAction<RemoveVisitService>,
    add_material: ServerAction<AddVisitMaterial>,
    remove_material: ServerAction<RemoveVisitMaterial>,
    save_note: ServerAction<SaveVisitNote>,
    add_addendum: ServerAction<AddNoteAddendum>,
    invoice: ServerAction<InvoiceVisit>,
}

#[derive(Clone, Copy)]
struct Errors {
    service: Signal<Option<AppError>>,
    remove_service: Signal<Option<AppError>>,
    material: Signal<Option<AppError>>,
    remove_material: Signal<Option<AppError>>,
    note: Signal<Option<AppError>>,
    addendum: Signal<Option<AppError>>,
}

fn times(r: &VisitRecord) -> String {
    [
        r.arrived_local.as_ref().map(|t| format!("Arrived {t}")),
        r.started_local.as_ref().map(|t| format!("started {t}")),
        r.completed_local.as_ref().map(|t| format!("completed {t}")),
    ]
    .into_iter()
    .flatten()
    .collect::<Vec<_>>()
    .join(" · ")
}

#[component]
fn Record(record: VisitRecord, actions: Actions, errors: Errors) -> impl IntoView {
    let begun = record.started_local.is_some();
    let id = record.appointment_id.to_string();
    let currency = record.currency.clone();
    let total = format_minor(record.services_total(), &currency);
    let none_used = record.materials.is_empty();
    let services = begun.then(|| {
        let lines = record
            .services
            .iter()
            .map(|s| {
                let (id, line) = (id.clone(), s.id.to_string());
                let price = format_minor(s.unit_price, &currency);
                let remove = format!("Remove {}", s.name);
                view! {
                    <tr>
                        <td>{s.name.clone()}{s.price_overridden.then(|| view! { <span class="badge">"price changed"</span> })}</td>
                        <td class="number">{s.quantity}</td>
                        <td class="number">{price}</td>
                        <td class="number">{format_minor(s.total(), &currency)}</td>
                        <td>
                            {record.can_record.then(|| view! {
                                <ActionForm action=actions.remove_service>
                                    <input type="hidden" name="id" value=id/>
                                    <input type="hidden" name="line_id" value=line/>
                                    <button class="button button--small" type="submit" aria-label=remove>"Remove"</button>
                                </ActionForm>
                            })}
                        </td>
                    </tr>
                }
            })
            .collect_view();
        let options: Vec<Choice> = record
            .service_choices
            .iter()
            .map(|s| Choice::new(s.id, format!("{} ({})", s.name, format_minor(s.price, &currency))))
            .collect();
        let add = record.can_record.then(|| {
            let id = id.clone();
            view! {
                <ActionForm action=actions.add_service attr:class="form form--inline">
                    <input type="hidden" name="id" value=id/>
                    <SelectField label="Service" name="service_id" id="visit-service" options required=true error=field_error(errors.service, "service_id")/>
                    <TextField label="Quantity" name="quantity" id="visit-service-quantity" kind="number" min="1" value="1" error=field_error(errors.service, "quantity")/>
                    {record.can_override_price.then(|| view! {
                        <TextField label="Price" name="price" id="visit-service-price" inputmode="decimal" hint="Blank: the catalog's price." error=field_error(errors.service, "price")/>
                    })}
                    <SubmitButton label="Add service" pending_label="Adding…" pending=actions.add_service.pending()/>
                </ActionForm>
            }
        });
        view! {
            <h3>"Services performed"</h3>
            <FormAlert error=errors.service/>
            <FormAlert error=errors.remove_service/>
            <table class="table" data-testid="visit-services">
                <thead><tr><th scope="col">"Service"</th><th scope="col" class="number">"Qty"</th><th scope="col" class="number">"Price"</th><th scope="col" class="number">"Total"</th><th scope="col"><span class="visually-hidden">"Actions"</span></th></tr></thead>
                <tbody>{lines}</tbody>
                <tfoot><tr><th scope="row" colspan="3">"Total"</th><td class="number" data-testid="visit-total">{total}</td><td></td></tr></tfoot>
            </table>
            {add}
        }
    });
    let materials = begun.then(|| {
        let used = record
            .materials
            .iter()
            .map(|m| {
                let (id, material) = (id.clone(), m.id.to_string());
                let remove = format!("Remove {}", m.description);
                let what = format!("{} × {}{}", m.quantity, m.description, if m.unit.is_empty() { String::new() } else { format!(" ({})", m.unit) });
                let source = match (&m.service, m.item_id.is_some(), m.consumed) {
                    (_, true, true) => Some("taken from stock".to_owned()),
                    (Some(service), _, _) => Some(format!("for {service}")),
                    (None, true, false) => Some("from stock".to_owned()),
                    (None, false, _) => None,
                };
                view! {
                    <li>
                        {what}
                        {source.map(|s| view! { " " <span class="badge">{s}</span> })}
                        {record.can_record.then(|| view! {
                            <ActionForm action=actions.remove_material attr:class="inline-form">
                                <input type="hidden" name="id" value=id/>
                                <input type="hidden" name="material_id" value=material/>
                                <button class="button button--small" type="submit" aria-label=remove>"Remove"</button>
                            </ActionForm>
                        })}
                    </li>
                }
            })
            .collect_view();
        let stock: Vec<Choice> = record.stock_choices.iter().map(|i| Choice::new(i.id, i.label.clone())).collect();
        let add = record.can_record.then(|| {
            let id = id.clone();
            let from_stock = (!stock.is_empty()).then(|| view! {
                <SelectField label="From stock" name="item_id" id="visit-material-item" options=stock empty="Not from stock: describe it" error=field_error(errors.material, "item_id")/>
            });
            view! {
                <ActionForm action=actions.add_material attr:class="form form--inline">
                    <input type="hidden" name="id" value=id/>
                    {from_stock}
                    <TextField label="Material" name="description" id="visit-material" hint="Not from stock, for example: hot pack." error=field_error(errors.material, "description")/>
                    <TextField label="Quantity" name="quantity" id="visit-material-quantity" kind="number" min="1" value="1" error=field_error(errors.material, "quantity")/>
                    <TextField label="Unit" name="unit" id="visit-material-unit" hint="Optional: ml, pairs…" error=field_error(errors.material, "unit")/>
                    <SubmitButton label="Add material" pending_label="Adding…" pending=actions.add_material.pending()/>
                </ActionForm>
            }
        });
        view! {
            <h3>"Materials used"</h3>
            <FormAlert error=errors.material/>
            <FormAlert error=errors.remove_material/>
            {if none_used {
                view! { <p class="field__hint">"None recorded."</p> }.into_any()
            } else {
                view! { <ul class="visit__materials" data-testid="visit-materials">{used}</ul> }.into_any()
            }}
            {add}
        }
    });
    let note = record
        .note
        .clone()
        .map(|note| view! { <Note note id=id.clone() actions errors/> });
    let invoice = (record.status == Status::Completed).then(|| match record.invoice.clone() {
        Some((invoice, number)) => view! {
            <p class="visit__invoice">"Invoice: " <A href=format!("/app/invoices/{invoice}")>{number}</A></p>
        }
        .into_any(),
        None if record.can_invoice => view! {
            <ActionForm action=actions.invoice attr:class="visit__invoice">
                <input type="hidden" name="appointment_id" value=id.clone()/>
                <button class="button button--primary" type="submit">"Create invoice"</button>
            </ActionForm>
        }
        .into_any(),
        None => ().into_any(),
    });
    view! {
        <p data-testid="visit-times">{times(&record)}</p>
        {(!begun && record.status == Status::Arrived).then(|| view! {
            <p class="field__hint">"Start the visit to record services, materials and the clinical note."</p>
        })}
        {invoice}
        {services}
        {materials}
        {note}
    }
}

#[component]
fn Note(note: ClinicalNote, id: String, actions: Actions, errors: Errors) -> impl IntoView {
    let sections = NOTE_SECTIONS.map(|(field, label, hint)| {
        let text = note
            .note
            .sections()
            .iter()
            .find(|(f, _)| *f == field)
            .map(|(_, t)| t.to_string())
            .unwrap_or_default();
        (field, label, hint, text)
    });
    let body = if note.editable {
        let id = id.clone();
        view! {
            <ActionForm action=actions.save_note attr:class="form">
                <FormAlert error=errors.note/>
                <input type="hidden" name="id" value=id/>
                {sections.into_iter().map(|(field, label, hint, text)| view! {
                    <TextArea label=label name=field id=format!("note-{field}") value=text rows=3 hint=hint error=field_error(errors.note, field)/>
                }).collect_view()}
                <p class="field__hint">"Completing the visit signs the note; after that it cannot be changed, only added to."</p>
                <SubmitButton label="Save note" pending_label="Saving…" pending=actions.save_note.pending()/>
            </ActionForm>
        }
        .into_any()
    } else if note.note.is_empty() {
        view! { <p class="field__hint">"No note written."</p> }.into_any()
    } else {
        view! {
            <dl class="note" data-testid="clinical-note">
                {sections.into_iter().filter(|s| !s.3.is_empty()).map(|(_, label, _, text)| view! {
                    <dt>{label}</dt><dd class="note__text">{text}</dd>
                }).collect_view()}
            </dl>
        }
        .into_any()
    };
    let addenda = note
        .addenda
        .iter()
        .map(|a| {
            view! {
                <li class="note__addendum">
                    <p class="note__text">{a.body.clone()}</p>
                    <p class="field__hint">{format!("Addendum by {}, {}", a.author_name, a.when_local)}</p>
                </li>
            }
        })
        .collect_view();
    let add = note.may_add_addendum.then(|| {
        view! {
            <ActionForm action=actions.add_addendum attr:class="form">
                <FormAlert error=errors.addendum/>
                <input type="hidden" name="id" value=id.clone()/>
                <TextArea label="Add an addendum" name="body" id="note-addendum" rows=3 hint="Saved with your name and the time; it cannot be changed afterwards." error=field_error(errors.addendum, "body")/>
                <SubmitButton label="Add addendum" pending_label="Adding…" pending=actions.add_addendum.pending()/>
            </ActionForm>
        }
    });
    view! {
        <h3>"Clinical note"</h3>
        {note.signed.clone().map(|s| view! { <p class="badge" data-testid="note-signed">{s}</p> })}
        {body}
        {(!note.addenda.is_empty()).then(|| view! { <ul class="note__addenda" data-testid="note-addenda">{addenda}</ul> })}
        {add}
    }
}
