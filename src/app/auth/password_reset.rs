//! `/forgot-password` and `/reset-password/{token}`: choosing a new password with a
//! single-use link sent by email. Plain forms that post; no script.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use super::{RequestPasswordReset, ResetPassword};
use crate::{
    components::{
        form::{action_error, field_error, FormAlert, SubmitButton, TextField},
        url::param,
    },
    domain::account::MIN_PASSWORD_CHARS,
};

#[component]
pub fn ForgotPasswordPage() -> impl IntoView {
    let action = ServerAction::<RequestPasswordReset>::new();
    let error = action_error(action);
    let query = use_query_map();
    let sent = move || query.read().get("sent").is_some() || action.value().with(|v| matches!(v, Some(Ok(()))));
    view! {
        <Title text="Forgot your password"/>
        <main class="auth" id="main">
            <section class="auth__card" aria-labelledby="forgot-title">
                <p class="auth__brand">"CareOps"</p>
                <h1 id="forgot-title">"Forgot your password?"</h1>
                <Show
                    when=sent
                    fallback=move || view! {
                        <p>"Enter the address you sign in with. We email you a link to choose a new password."</p>
                        <ActionForm action attr:class="form">
                            <FormAlert error/>
                            <TextField label="Email" name="email" kind="email" autocomplete="username" required=true
                                error=field_error(error, "email")/>
                            <SubmitButton label="Email me a link" pending_label="Sending…" pending=action.pending()/>
                        </ActionForm>
                    }
                >
                    <p role="status" data-testid="reset-sent">
                        "If an account uses that address, a link to choose a new password is on its way. It works once, for an hour. Check your spam folder if it does not arrive in a few minutes."
                    </p>
                </Show>
                <p class="auth__switch"><a href="/login">"Back to sign in"</a></p>
            </section>
        </main>
    }
}

#[component]
pub fn ResetPasswordPage() -> impl IntoView {
    let token = param("token");
    let action = ServerAction::<ResetPassword>::new();
    let error = action_error(action);
    view! {
        <Title text="Choose a new password"/>
        <main class="auth" id="main">
            <section class="auth__card" aria-labelledby="reset-title">
                <p class="auth__brand">"CareOps"</p>
                <h1 id="reset-title">"Choose a new password"</h1>
                <p>"Everywhere you are signed in, you will be signed out."</p>
                <ActionForm action attr:class="form">
                    <FormAlert error/>
                    <input type="hidden" name="token" value=token/>
                    <TextField label="New password" name="password" kind="password" autocomplete="new-password"
                        hint=format!("At least {MIN_PASSWORD_CHARS} characters.") required=true
                        error=field_error(error, "password")/>
                    <SubmitButton label="Save my new password" pending_label="Saving…" pending=action.pending()/>
                </ActionForm>
                <p class="auth__switch"><a href="/forgot-password">"Ask for a new link"</a></p>
            </section>
        </main>
    }
}
