//! `/app/settings/services` and `/app/settings/places`: what the branch books.

use crate::components::url::id_param;
use crate::components::{error::ErrorPanel, loaded::loaded};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use uuid::Uuid;

use crate::{
    app::calendar::choices,
    components::{
        form::{
            action_done, action_error, field_error, Checkbox, CheckboxGroup, Choice, FormAlert, SelectField,
            SubmitButton, TextField,
        },
        table::{columns, DataTable},
        toast::Toast,
    },
    domain::{
        catalog::{Place, PlaceForm, Places, Service, ServiceForm, ServicesPage},
        money::{amount_input, format_minor},
        stock_use::{RecipeForm, ServiceRecipe},
        AppError,
    },
};

#[server]
pub async fn get_services() -> Result<ServicesPage, AppError> {
    use crate::server::{auth::context::RequestContext, catalog};
    catalog::services_page(&RequestContext::load().await?).await
}

/// Creates (no id) or updates a service.
#[server]
pub async fn save_service(
    #[server(default)] id: Option<Uuid>,
    #[server(flatten)] form: ServiceForm,
) -> Result<(), AppError> {
    use crate::server::{auth::context::RequestContext, catalog};
    let saved = catalog::save_service(&RequestContext::load().await?, id, &form).await?;
    if id.is_none() {
        leptos_axum::redirect(&format!("/app/settings/services/{saved}"));
    }
    Ok(())
}

#[component]
pub fn ServicesListPage() -> impl IntoView {
    let page = Resource::new(|| (), |_| get_services());
    let create = ServerAction::<SaveService>::new();
    let error = action_error(create);
    view! {
        <Title text="Services"/>
        <p><A href="/app/settings">"← Settings"</A></p>
        <h1>"Services"</h1>
        {loaded(page, move |page| {
                let (services, currency) = (page.services.clone(), page.currency.clone());
                view! {
                    <DataTable
                        label="Services"
                        columns=columns(["Service", "Length", "Price", "Online", "Needs"])
                        rows=services
                        empty="No services yet: add the first one below."
                        row=move |s| view! {
                            <tr data-testid="service-row">
                                <td><span class="swatch" style=format!("background: {}", s.colour)></span><A href=format!("/app/settings/services/{}", s.id)>{s.name.clone()}</A>{(!s.active).then_some(" (retired)")}</td>
                                <td>{format!("{} min", s.duration_minutes)}</td>
                                <td>{format_minor(s.price_minor, &currency)}</td>
                                <td>{if s.online_bookable { "Yes" } else { "No" }}</td>
                                <td>{s.room_kind.iter().map(|k| format!("{k} room")).chain(s.resource_kinds.iter().cloned()).collect::<Vec<_>>().join(", ")}</td>
                            </tr>
                        }
                    />
                    <section class="panel" aria-labelledby="new-service">
                        <h2 id="new-service">"Add a service"</h2>
                        <ActionForm action=create attr:class="form">
                            <ServiceFields service=None page=page.clone() error/>
                            <SubmitButton label="Add service" pending_label="Adding…" pending=create.pending()/>
                        </ActionForm>
                    </section>
                }
                .into_any()
        })}
    }
}

#[component]
pub fn ServiceEditPage() -> impl IntoView {
    let id = id_param("id");
    let save = ServerAction::<SaveService>::new();
    let page = Resource::new(move || save.version().get(), |_| get_services());
    let error = action_error(save);
    let saved = action_done(save, "Saved.");
    view! {
        {loaded(page, move |page| {
                let Some(service) = page.services.iter().find(|s| Some(s.id) == id()).cloned() else {
                    return view! { <ErrorPanel error=AppError::not_found("That service")/> }.into_any();
                };
                view! {
                    <Title text=service.name.clone()/>
                    <p><A href="/app/settings/services">"← Services"</A></p>
                    <h1>{service.name.clone()}</h1>
                    <ActionForm action=save attr:class="form panel">
                        <Toast message=saved/>
                        <input type="hidden" name="id" value=service.id.to_string()/>
                        <ServiceFields service=Some(service.clone()) page=page.clone() error/>
                        <Checkbox label="Retired (no longer booked)" name="retired" checked=!service.active/>
                        <SubmitButton label="Save" pending_label="Saving…" pending=save.pending()/>
                    </ActionForm>
                }
                .into_any()
        })}
        <ServiceMaterials id/>
    }
}

#[server]
pub async fn get_service_materials(service_id: Uuid) -> Result<ServiceRecipe, AppError> {
    use crate::server::{auth::context::RequestContext, inventory};
    inventory::service_recipe(&RequestContext::load().await?, service_id).await
}

/// Sets how many of an item one of the service uses.
#[server]
pub async fn save_service_material(service_id: Uuid, #[server(flatten)] form: RecipeForm) -> Result<(), AppError> {
    use crate::server::{auth::context::RequestContext, inventory};
    inventory::change_recipe(
        &RequestContext::load().await?,
        service_id,
        inventory::RecipeChange::Set(&form),
    )
    .await
}

#[server]
pub async fn remove_service_material(service_id: Uuid, item_id: Uuid) -> Result<(), AppError> {
    use crate::server::{auth::context::RequestContext, inventory};
    let change = inventory::RecipeChange::Remove(item_id);
    inventory::change_recipe(&RequestContext::load().await?, service_id, change).await
}

/// The service's materials recipe: what one of it uses up from stock.
#[component]
fn ServiceMaterials(id: impl Fn() -> Option<Uuid> + Copy + Send + Sync + 'static) -> impl IntoView {
    let save = ServerAction::<SaveServiceMaterial>::new();
    let remove = ServerAction::<RemoveServiceMaterial>::new();
    let recipe = Resource::new(
        move || (id(), save.version().get(), remove.version().get()),
        |(id, _, _)| async move {
            match id {
                Some(id) => get_service_materials(id).await,
                None => Err(AppError::not_found("That service")),
            }
        },
    );
    let (error, remove_error) = (action_error(save), action_error(remove));
    view! {
        <section class="panel" aria-labelledby="service-materials">
            <h2 id="service-materials">"Materials each visit uses"</h2>
            <p class="field__hint">"They are put on the visit when this service is recorded, where staff can change them, and taken from the branch's stock when the visit is completed."</p>
            <FormAlert error=remove_error/>
            {loaded(recipe, move |recipe| {
                let service = id().map(|id| id.to_string()).unwrap_or_default();
                let options: Vec<Choice> = recipe.items.iter().map(|i| Choice::new(i.id, i.label.clone())).collect();
                let lines = recipe.lines.iter().map(|line| {
                    let (service, item) = (service.clone(), line.item_id.to_string());
                    let label = format!("Remove {}", line.item);
                    view! {
                        <li class="list__item" data-testid="service-material">
                            {format!("{} × {} ({})", line.quantity, line.item, line.unit)}
                            <ActionForm action=remove attr:class="inline-form">
                                <input type="hidden" name="service_id" value=service/>
                                <input type="hidden" name="item_id" value=item/>
                                <button class="button button--small" type="submit" aria-label=label>"Remove"</button>
                            </ActionForm>
                        </li>
                    }
                }).collect_view();
                view! {
                    {if recipe.lines.is_empty() {
                        view! { <p class="field__hint">"None: this service uses nothing from stock."</p> }.into_any()
                    } else {
                        view! { <ul class="list">{lines}</ul> }.into_any()
                    }}
                    {if options.is_empty() {
                        view! { <p class="field__hint">"Add items on the " <A href="/app/stock">"Stock"</A> " page first."</p> }.into_any()
                    } else {
                        view! {
                            <ActionForm action=save attr:class="form form--inline">
                                <FormAlert error/>
                                <input type="hidden" name="service_id" value=service.clone()/>
                                <SelectField label="Item" name="item_id" id="service-material-item" options required=true error=field_error(error, "item_id")/>
                                <TextField label="Quantity" name="quantity" id="service-material-quantity" kind="number" min="1" value="1" hint="For one of the service. Adding an item again changes its quantity." error=field_error(error, "quantity")/>
                                <SubmitButton label="Add material" pending_label="Adding…" pending=save.pending()/>
                            </ActionForm>
                        }.into_any()
                    }}
                }
            })}
        </section>
    }
}

#[component]
fn ServiceFields(
    service: Option<Service>,
    page: ServicesPage,
    #[prop(into)] error: Signal<Option<AppError>>,
) -> impl IntoView {
    let get = |f: fn(&Service) -> String, default: &str| service.as_ref().map_or_else(|| default.to_owned(), f);
    let given: Vec<String> = service
        .as_ref()
        .map(|s| s.practitioner_ids.iter().map(Uuid::to_string).collect())
        .unwrap_or_default();
    view! {
        <FormAlert error/>
        <TextField label="Name" name="name" value=get(|s| s.name.clone(), "") required=true error=field_error(error, "name")/>
        <TextField label="Length (minutes)" name="duration_minutes" kind="number" value=get(|s| s.duration_minutes.to_string(), "45") required=true error=field_error(error, "duration_minutes")/>
        <TextField label=format!("Price ({})", page.currency) name="price" value=service.as_ref().map(|s| amount_input(s.price_minor, &page.currency)).unwrap_or_default() required=true error=field_error(error, "price")/>
        <TextField label="Buffer before (minutes)" name="buffer_before_minutes" kind="number" value=get(|s| s.buffer_before_minutes.to_string(), "0") hint="Preparation: the practitioner and room are busy before the patient arrives." error=field_error(error, "buffer_before_minutes")/>
        <TextField label="Buffer after (minutes)" name="buffer_after_minutes" kind="number" value=get(|s| s.buffer_after_minutes.to_string(), "0") hint="Notes and cleaning after the patient leaves." error=field_error(error, "buffer_after_minutes")/>
        <TextField label="Colour" name="colour" kind="color" value=get(|s| s.colour.clone(), "#0f6b7a") error=field_error(error, "colour")/>
        <Checkbox label="Patients can book it online" name="online_bookable" checked=service.as_ref().is_none_or(|s| s.online_bookable)/>
        <TextField label="Room it needs (kind)" name="room_kind" value=get(|s| s.room_kind.clone().unwrap_or_default(), "") list="room-kinds" hint="Leave empty if any place will do." error=field_error(error, "room_kind")/>
        <datalist id="room-kinds">{page.room_kinds.iter().map(|k| view! { <option value=k.clone()></option> }).collect_view()}</datalist>
        <TextField label="Equipment it needs (kinds, comma-separated)" name="resource_kinds" value=get(|s| s.resource_kinds.join(", "), "") error=field_error(error, "resource_kinds")/>
        <CheckboxGroup
            legend="Given by"
            name="practitioners[]"
            choices=choices(&page.staff)
            checked=given
            hint="Tick nobody to let any practitioner give it."
            error=field_error(error, "practitioners")
        />
    }
}

#[server]
pub async fn get_places() -> Result<Places, AppError> {
    use crate::server::{auth::context::RequestContext, catalog};
    catalog::places_page(&RequestContext::load().await?).await
}

/// Adds (no id) or changes a room (`what` = room) or piece of equipment (`what` = resource).
#[server]
pub async fn save_place(
    what: String,
    #[server(default)] id: Option<Uuid>,
    #[server(flatten)] form: PlaceForm,
) -> Result<(), AppError> {
    use crate::server::{auth::context::RequestContext, catalog, db::catalog::PlaceKind};
    let place = match what.as_str() {
        "room" => PlaceKind::Room,
        "resource" => PlaceKind::Resource,
        _ => return Err(AppError::BadRequest("Unknown kind of place.".into())),
    };
    let details = form.parse()?;
    catalog::save_place(&RequestContext::load().await?, place, id, &details, form.active()).await?;
    Ok(())
}

#[component]
pub fn PlacesPage() -> impl IntoView {
    let save = ServerAction::<SavePlace>::new();
    let places = Resource::new(move || save.version().get(), |_| get_places());
    let error = action_error(save);
    view! {
        <Title text="Rooms and equipment"/>
        <p><A href="/app/settings">"← Settings"</A></p>
        <h1>"Rooms and equipment"</h1>
        <p class="field__hint">"Of the current branch. A service that needs a kind of room or equipment gets a free one of that kind when it is booked."</p>
        <FormAlert error/>
        {loaded(places, move |places| {
                view! {
                    <PlaceList title="Rooms" what="room" list=places.rooms save/>
                    <PlaceList title="Equipment" what="resource" list=places.equipment save/>
                }
                .into_any()
        })}
    }
}

#[component]
fn PlaceList(
    title: &'static str,
    what: &'static str,
    list: Vec<Place>,
    save: ServerAction<SavePlace>,
) -> impl IntoView {
    view! {
        <section class="panel" aria-label=title>
            <h2>{title}</h2>
            <ul class="list">
                {list.into_iter().map(|p| {
                    let row = format!("{what}-{}", p.id);
                    view! {
                        <li class="list__item">
                            <ActionForm action=save attr:class="inline-fields">
                                <input type="hidden" name="what" value=what/>
                                <input type="hidden" name="id" value=p.id.to_string()/>
                                <TextField label="Name" name="name" id=format!("{row}-name") value=p.name.clone() label_hidden=true/>
                                <TextField label="Kind" name="kind" id=format!("{row}-kind") value=p.kind.clone() label_hidden=true/>
                                <Checkbox label="Retired" name="retired" id=format!("{row}-retired") checked=!p.active/>
                                <button class="button button--quiet" type="submit">"Save"<span class="visually-hidden">{format!(" {}", p.name)}</span></button>
                            </ActionForm>
                        </li>
                    }
                }).collect_view()}
            </ul>
            <ActionForm action=save attr:class="inline-fields">
                <input type="hidden" name="what" value=what/>
                <TextField label="Name" name="name" id=format!("new-{what}-name") required=true/>
                <TextField label="Kind" name="kind" id=format!("new-{what}-kind") required=true placeholder=if what == "room" { "treatment" } else { "ultrasound" }/>
                <button class="button" type="submit">{format!("Add {}", if what == "room" { "room" } else { "equipment" })}</button>
            </ActionForm>
        </section>
    }
}
