use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use super::LogIn;
use crate::components::form::{action_error, field_error, FormAlert, SubmitButton, TextField};

#[component]
pub fn LoginPage() -> impl IntoView {
    let action = ServerAction::<LogIn>::new();
    let error = action_error(action);
    let query = use_query_map();
    let next = move || query.read().get("next").unwrap_or_default();
    let changed = move || query.read().get("password").as_deref() == Some("changed");

    view! {
        <Title text="Sign in"/>
        <main class="auth" id="main">
            <section class="auth__card" aria-labelledby="login-title">
                <p class="auth__brand">"CareOps"</p>
                <h1 id="login-title">"Sign in"</h1>
                <Show when=changed>
                    <p role="status" data-testid="password-changed">"Your password is changed. Sign in with it."</p>
                </Show>
                <ActionForm action attr:class="form">
                    <FormAlert error/>
                    <input type="hidden" name="next" value=next/>
                    <TextField
                        label="Email"
                        name="email"
                        kind="email"
                        autocomplete="username"
                        required=true
                        error=field_error(error, "email")
                    />
                    <TextField
                        label="Password"
                        name="password"
                        kind="password"
                        autocomplete="current-password"
                        required=true
                        error=field_error(error, "password")
                    />
                    <SubmitButton label="Sign in" pending_label="Signing in…" pending=action.pending()/>
                </ActionForm>
                <p class="auth__switch"><a href="/forgot-password">"Forgot your password?"</a></p>
                <p class="auth__switch">
                    "New to CareOps? " <a href="/signup">"Create an account for your practice"</a>
                </p>
            </section>
        </main>
    }
}
