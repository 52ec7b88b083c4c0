//! The second sign-in step: a code from the authenticator app, or setting one up when
//! the organization requires it.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use super::{get_login_enrolment, ConfirmLoginEnrolment, VerifyLoginCode};
use crate::{
    app::account::enrolment::EnrolmentPanel,
    components::{
        form::{action_error, field_error, FormAlert, SubmitButton, TextField},
        loaded::loaded_or,
    },
};

fn next_param() -> impl Fn() -> String + Copy + Send + Sync + 'static {
    let query = use_query_map();
    move || query.read().get("next").unwrap_or_default()
}

#[component]
pub fn LoginVerifyPage() -> impl IntoView {
    let action = ServerAction::<VerifyLoginCode>::new();
    let error = action_error(action);
    let next = next_param();
    view! {
        <Title text="Two-factor check"/>
        <main class="auth" id="main">
            <section class="auth__card" aria-labelledby="verify-title">
                <p class="auth__brand">"CareOps"</p>
                <h1 id="verify-title">"Enter your code"</h1>
                <p>"Open your authenticator app and enter the 6-digit code for CareOps. Lost your phone? Enter one of your recovery codes instead."</p>
                <ActionForm action attr:class="form">
                    <FormAlert error/>
                    <input type="hidden" name="next" value=next/>
                    <TextField
                        label="Code"
                        name="code"
                        autocomplete="one-time-code"
                        required=true
                        error=field_error(error, "code")
                    />
                    <SubmitButton label="Verify" pending_label="Checking…" pending=action.pending()/>
                </ActionForm>
                <p class="auth__switch"><a href="/login">"Start again"</a></p>
            </section>
        </main>
    }
}

#[component]
pub fn LoginEnrolmentPage() -> impl IntoView {
    let action = ServerAction::<ConfirmLoginEnrolment>::new();
    let error = action_error(action);
    let next = next_param();
    let enrolment = Resource::new(|| (), |_| get_login_enrolment());
    view! {
        <Title text="Set up two-factor authentication"/>
        <main class="auth" id="main">
            <section class="auth__card auth__card--wide" aria-labelledby="enrol-title">
                <p class="auth__brand">"CareOps"</p>
                <h1 id="enrol-title">"Set up two-factor authentication"</h1>
                <p>"Your organization asks everyone to confirm their sign-in with a code from their phone. It takes a minute."</p>
                {loaded_or(
                    enrolment,
                    "Preparing…",
                    |error| view! {
                        <div class="form-alert" role="alert"><p class="form-alert__text">{error.to_string()}</p></div>
                        <p><a class="button button--primary" href="/login">"Sign in again"</a></p>
                    }.into_any(),
                    move |enrolment| view! {
                                <EnrolmentPanel enrolment/>
                                <ActionForm action attr:class="form">
                                    <FormAlert error/>
                                    <input type="hidden" name="next" value=next/>
                                    <TextField
                                        label="Code from your app"
                                        name="code"
                                        autocomplete="one-time-code"
                                        inputmode="numeric"
                                        required=true
                                        error=field_error(error, "code")
                                    />
                                    <SubmitButton label="Turn on and continue" pending_label="Checking…" pending=action.pending()/>
                                </ActionForm>
                    },
                )}
            </section>
        </main>
    }
}
