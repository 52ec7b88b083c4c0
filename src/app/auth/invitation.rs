//! `/invite/{token}`: joining an organization from an invitation link.

use crate::components::{loaded::loaded_or, url::param};
use leptos::prelude::*;
use leptos_meta::Title;

use super::{get_invitation, AcceptInvitation};
use crate::{
    components::form::{action_error, field_error, FormAlert, SubmitButton, TextField},
    domain::account::{InvitationInfo, MIN_PASSWORD_CHARS},
};

#[component]
pub fn InvitationPage() -> impl IntoView {
    let token = param("token");
    let invitation = Resource::new(token, get_invitation);
    let action = ServerAction::<AcceptInvitation>::new();
    let error = action_error(action);

    view! {
        <Title text="Join your team"/>
        <main class="auth" id="main">
            <section class="auth__card" aria-labelledby="invite-title">
                <p class="auth__brand">"CareOps"</p>
                {loaded_or(
                    invitation,
                    "Checking your invitation…",
                    |error| view! {
                        <h1 id="invite-title">"Invitation not valid"</h1>
                        <p role="alert">{error.to_string()}</p>
                        <p><a href="/login">"Go to sign in"</a></p>
                    }.into_any(),
                    move |InvitationInfo { org_name, email }| view! {
                                <h1 id="invite-title">{format!("Join {org_name}")}</h1>
                                <p>"You were invited as " <strong>{email}</strong> ". Choose your name and a password to finish."</p>
                                <ActionForm action attr:class="form">
                                    <FormAlert error/>
                                    <input type="hidden" name="token" value=token/>
                                    <TextField label="Full name" name="full_name" autocomplete="name" required=true error=field_error(error, "full_name")/>
                                    <TextField
                                        label="Password"
                                        name="password"
                                        kind="password"
                                        autocomplete="new-password"
                                        hint=format!("At least {MIN_PASSWORD_CHARS} characters.")
                                        required=true
                                        error=field_error(error, "password")
                                    />
                                    <SubmitButton label="Join" pending_label="Joining…" pending=action.pending()/>
                                </ActionForm>
                    },
                )}
            </section>
        </main>
    }
}
