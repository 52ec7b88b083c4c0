//! `/app/settings/organization`: the organization's name and the currency its prices are in.

use crate::components::loaded::loaded;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

use crate::{
    components::{
        form::{
            action_done, action_error, field_error, Checkbox, Choice, FormAlert, SelectField, SubmitButton, TextField,
        },
        toast::Toast,
    },
    domain::{
        money::currencies,
        organization::{OrganizationForm, OrganizationProfile},
        AppError,
    },
};

#[server]
pub async fn get_organization() -> Result<OrganizationProfile, AppError> {
    use crate::server::{account, auth::context::RequestContext};
    account::organization(&RequestContext::load().await?).await
}

#[server]
pub async fn save_organization(#[server(flatten)] form: OrganizationForm) -> Result<(), AppError> {
    use crate::server::{account, auth::context::RequestContext};
    let profile = form.parse()?;
    account::save_organization(&RequestContext::load().await?, &profile).await
}

#[component]
pub fn OrganizationPage() -> impl IntoView {
    let save = ServerAction::<SaveOrganization>::new();
    let profile = Resource::new(move || save.version().get(), |_| get_organization());
    let error = action_error(save);
    let saved = action_done(save, "Saved. Prices show in the new currency from now on.");
    view! {
        <Title text="Organization"/>
        <p><A href="/app/settings">"← Settings"</A></p>
        <h1>"Organization"</h1>
        {loaded(profile, move |profile| {
            view! {
                <ActionForm action=save attr:class="form panel">
                    <FormAlert error/>
                    <Toast message=saved/>
                    <TextField
                        label="Organization name"
                        name="name"
                        value=profile.name
                        autocomplete="organization"
                        hint="Patients see it on the booking page and in their messages."
                        required=true
                        error=field_error(error, "name")
                    />
                    <SelectField
                        label="Currency"
                        name="currency"
                        selected=profile.currency
                        options=currencies().into_iter().map(|(code, name)| Choice::new(code, format!("{code} · {name}"))).collect()
                        hint="Prices are entered and shown in it. Amounts are kept as they are: 50.00 stays 50.00 in the new currency."
                        error=field_error(error, "currency")
                    />
                    <Checkbox
                        label="Allow stock to go below zero"
                        name="allow_negative_stock"
                        checked=profile.allow_negative_stock
                        hint="For clinics that use materials before the delivery is booked in. Otherwise taking more than a branch holds is refused."
                    />
                    <SubmitButton label="Save" pending_label="Saving…" pending=save.pending()/>
                </ActionForm>
            }
            .into_any()
        })}
    }
}
