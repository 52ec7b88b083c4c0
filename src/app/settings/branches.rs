//! `/app/settings/branches`: the organization's locations.

use crate::components::loaded::loaded;
use crate::components::url::id_param;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use uuid::Uuid;

use crate::{
    components::{
        form::{action_done, action_error, field_error, FormAlert, SubmitButton, TextField, TimeField},
        table::{columns, DataTable},
        toast::Toast,
    },
    domain::{
        account::COMMON_TIME_ZONES,
        branch::{Branch, BranchForm, WeekHoursInput, WEEKDAYS},
        AppError,
    },
};

#[server]
pub async fn list_branches() -> Result<Vec<Branch>, AppError> {
    use crate::{
        domain::access::Action,
        server::{auth::context::RequestContext, branches},
    };
    let ctx = RequestContext::load().await?;
    ctx.require(Action::ManageBranches)?;
    branches::list(&ctx).await
}

#[server]
pub async fn get_branch(id: Uuid) -> Result<Branch, AppError> {
    use crate::{
        domain::access::Action,
        server::{auth::context::RequestContext, branches},
    };
    let ctx = RequestContext::load().await?;
    ctx.require(Action::ManageBranches)?;
    branches::get(&ctx, id).await
}

#[server]
pub async fn create_branch(#[server(flatten)] form: BranchForm) -> Result<(), AppError> {
    use crate::server::{auth::context::RequestContext, branches};
    let details = form.parse()?;
    let branch = branches::create(&RequestContext::load().await?, &details).await?;
    leptos_axum::redirect(&format!("/app/settings/branches/{}", branch.id));
    Ok(())
}

#[server]
pub async fn update_branch(id: Uuid, #[server(flatten)] form: BranchForm) -> Result<(), AppError> {
    use crate::server::{auth::context::RequestContext, branches};
    let details = form.parse()?;
    branches::update(&RequestContext::load().await?, id, &details).await?;
    Ok(())
}

#[component]
pub fn BranchesPage() -> impl IntoView {
    let branches = Resource::new(|| (), |_| list_branches());
    view! {
        <Title text="Branches"/>
        <p><A href="/app/settings">"← Settings"</A></p>
        <div class="page-head">
            <h1>"Branches"</h1>
            <A href="/app/settings/branches/new" attr:class="button button--primary">"Add a branch"</A>
        </div>
        {loaded(branches, move |list| view! {
            <DataTable
                label="Branches"
                columns=columns(["Name", "Address", "Time zone"])
                rows=list
                row=|b| view! {
                    <tr data-testid="branch-row">
                        <td><A href=format!("/app/settings/branches/{}", b.id)>{b.name}</A></td>
                        <td>{b.address}</td>
                        <td>{b.timezone}</td>
                    </tr>
                }
            />
        })}
    }
}

#[component]
pub fn BranchNewPage() -> impl IntoView {
    let action = ServerAction::<CreateBranch>::new();
    let error = action_error(action);
    view! {
        <Title text="New branch"/>
        <p><A href="/app/settings/branches">"← Branches"</A></p>
        <h1>"New branch"</h1>
        <ActionForm action attr:class="form panel">
            <BranchFields branch=None error/>
            <SubmitButton label="Create branch" pending_label="Creating…" pending=action.pending()/>
        </ActionForm>
    }
}

#[component]
pub fn BranchEditPage() -> impl IntoView {
    let id = id_param("id");
    let action = ServerAction::<UpdateBranch>::new();
    let error = action_error(action);
    let saved = action_done(action, "Saved.");
    let branch = Resource::new(
        move || (id(), action.version().get()),
        |(id, _)| async move {
            match id {
                Some(id) => get_branch(id).await,
                None => Err(AppError::not_found("That branch")),
            }
        },
    );
    view! {
        {loaded(branch, move |branch| view! {
                        <Title text=branch.name.clone()/>
                        <p><A href="/app/settings/branches">"← Branches"</A></p>
                        <h1>{branch.name.clone()}</h1>
                        <ActionForm action attr:class="form panel">
                            <Toast message=saved/>
                            <input type="hidden" name="id" value=branch.id.to_string()/>
                            <BranchFields branch=Some(branch.clone()) error/>
                            <SubmitButton label="Save" pending_label="Saving…" pending=action.pending()/>
                        </ActionForm>
                    }.into_any())}
    }
}

/// The fields of a branch, shared by the create and edit forms.
#[component]
fn BranchFields(branch: Option<Branch>, #[prop(into)] error: Signal<Option<AppError>>) -> impl IntoView {
    let hours = branch
        .as_ref()
        .map(|b| b.opening_hours.to_input())
        .unwrap_or_else(default_hours);
    let value = |f: fn(&Branch) -> String| branch.as_ref().map(f).unwrap_or_default();
    view! {
        <FormAlert error/>
        <TextField label="Name" name="name" value=value(|b| b.name.clone()) required=true error=field_error(error, "name")/>
        <TextField label="Address" name="address" autocomplete="street-address" value=value(|b| b.address.clone()) error=field_error(error, "address")/>
        <TextField label="Phone" name="phone" kind="tel" autocomplete="tel" value=value(|b| b.phone.clone()) error=field_error(error, "phone")/>
        <TextField
            label="Time zone"
            name="timezone"
            value=branch.as_ref().map_or_else(|| "Europe/London".to_owned(), |b| b.timezone.clone())
            hint="Appointments and opening hours are in this time zone."
            list="time-zones"
            required=true
            error=field_error(error, "timezone")
        />
        <datalist id="time-zones">
            {COMMON_TIME_ZONES.iter().map(|(tz, _)| view! { <option value=*tz></option> }).collect_view()}
        </datalist>
        <fieldset class="form__group">
            <legend>"Opening hours"</legend>
            <p class="field__hint">"Leave both times empty on days the branch is closed."</p>
            <DataTable
                columns=columns(["Day", "Opens", "Closes"])
                rows=WEEKDAYS.iter().zip(hours.days().map(Clone::clone)).collect()
                compact=true
                row=move |((key, name), day)| {
                    // A day's problem (closing before opening) belongs to both its times.
                    let problem = field_error(error, format!("hours.{key}"));
                    view! {
                        <tr>
                            <th scope="row">{*name}</th>
                            <td><TimeField label=format!("{name} opens") label_hidden=true name=format!("hours[{key}][opens]") id=format!("hours-{key}-opens") value=day.opens error=problem/></td>
                            <td><TimeField label=format!("{name} closes") label_hidden=true name=format!("hours[{key}][closes]") id=format!("hours-{key}-closes") value=day.closes/></td>
                        </tr>
                    }
                }
            />
        </fieldset>
    }
}

/// A new branch starts open on weekdays, 08:00–18:00.
fn default_hours() -> WeekHoursInput {
    let weekday = crate::domain::branch::DayInput {
        opens: "08:00".into(),
        closes: "18:00".into(),
    };
    WeekHoursInput {
        mon: weekday.clone(),
        tue: weekday.clone(),
        wed: weekday.clone(),
        thu: weekday.clone(),
        fri: weekday,
        ..Default::default()
    }
}
