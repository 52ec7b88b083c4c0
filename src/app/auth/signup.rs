use leptos::prelude::*;
use leptos_meta::Title;

use super::SignUp;
use crate::{
    components::form::{action_error, field_error, Choice, FormAlert, SelectField, SubmitButton, TextField},
    domain::{
        account::{all_time_zones, MIN_PASSWORD_CHARS},
        money::currencies,
    },
};

/// Fills in the browser's time zone when it names a place (not UTC) and the field still
/// holds the default.
const BROWSER_ZONE: &str = "try{var f=document.getElementById('field-timezone'),z=Intl.DateTimeFormat().resolvedOptions().timeZone;if(f&&/^[A-Z][a-z]+\\/[A-Za-z_\\/-]+$/.test(z)&&!/^Etc\\//.test(z)&&f.defaultValue===f.value)f.value=z}catch(e){}";

#[component]
pub fn SignUpPage() -> impl IntoView {
    let action = ServerAction::<SignUp>::new();
    let error = action_error(action);

    view! {
        <Title text="Create your account"/>
        <main class="auth" id="main">
            <section class="auth__card auth__card--wide" aria-labelledby="signup-title">
                <p class="auth__brand">"CareOps"</p>
                <h1 id="signup-title">"Create an account for your practice"</h1>
                <p class="auth__lead">"You become its owner. You can add branches and invite your team afterwards."</p>
                <ActionForm action attr:class="form">
                    <FormAlert error/>
                    <fieldset class="form__group">
                        <legend>"Your practice"</legend>
                        <TextField
                            label="Organization name"
                            name="org_name"
                            autocomplete="organization"
                            required=true
                            error=field_error(error, "org_name")
                        />
                        <TextField
                            label="First branch"
                            name="branch_name"
                            value="Main clinic"
                            hint="The location where you see patients. You can rename it later."
                            required=true
                            error=field_error(error, "branch_name")
                        />
                        <TextField
                            label="Time zone of that branch"
                            name="timezone"
                            value="Europe/London"
                            hint="Appointments are shown in this time zone. Type to search: a city such as Europe/Paris."
                            list="time-zones"
                            required=true
                            error=field_error(error, "timezone")
                        />
                        <datalist id="time-zones">
                            {all_time_zones().into_iter().map(|tz| view! { <option value=tz></option> }).collect_view()}
                        </datalist>
                        // The only script on the page: it proposes the browser's own zone.
                        <script inner_html=BROWSER_ZONE></script>
                        <SelectField
                            label="Currency"
                            name="currency"
                            empty="The currency of that time zone's country"
                            options=currencies().into_iter().map(|(code, name)| Choice::new(code, format!("{code} · {name}"))).collect()
                            hint="Prices and, later, invoices are in this currency. You can change it in Settings until the first invoice."
                            error=field_error(error, "currency")
                        />
                        <TextField
                            label="Address of that branch"
                            name="address"
                            autocomplete="street-address"
                            hint="Shown to patients on the booking page and in their messages. You can add it later."
                            error=field_error(error, "address")
                        />
                        <TextField
                            label="Phone of that branch"
                            name="phone"
                            kind="tel"
                            autocomplete="tel"
                            error=field_error(error, "phone")
                        />
                    </fieldset>
                    <fieldset class="form__group">
                        <legend>"You"</legend>
                        <TextField
                            label="Full name"
                            name="full_name"
                            autocomplete="name"
                            required=true
                            error=field_error(error, "full_name")
                        />
                        <TextField
                            label="Email"
                            name="email"
                            kind="email"
                            autocomplete="email"
                            required=true
                            error=field_error(error, "email")
                        />
                        <TextField
                            label="Password"
                            name="password"
                            kind="password"
                            autocomplete="new-password"
                            hint=format!("At least {MIN_PASSWORD_CHARS} characters. A few unrelated words work well.")
                            required=true
                            error=field_error(error, "password")
                        />
                    </fieldset>
                    <SubmitButton label="Create account" pending_label="Creating your account…" pending=action.pending()/>
                </ActionForm>
                <p class="auth__switch">"Already use CareOps? " <a href="/login">"Sign in"</a></p>
            </section>
        </main>
    }
}
