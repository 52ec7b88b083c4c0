use leptos::prelude::*;
use leptos_meta::Title;

use super::SignUp;
use crate::{
    components::form::{action_error, field_error, FormAlert, SubmitButton, TextField},
    domain::account::{COMMON_TIME_ZONES, MIN_PASSWORD_CHARS},
};

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
                            hint="Appointments are shown in this time zone."
                            list="time-zones"
                            required=true
                            error=field_error(error, "timezone")
                        />
                        <datalist id="time-zones">
                            {COMMON_TIME_ZONES.iter().map(|tz| view! { <option value=*tz></option> }).collect_view()}
                        </datalist>
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
