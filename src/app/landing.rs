use leptos::prelude::*;
use leptos_meta::Title;

/// `/`: what CareOps is, and the two ways in.
#[component]
pub fn Landing() -> impl IntoView {
    view! {
        <Title text="Clinic operations"/>
        <main class="landing" id="main">
            <p class="auth__brand">"CareOps"</p>
            <h1>"Run your clinic's day in one place"</h1>
            <p class="landing__lead">
                "Calendar, patients, visits, invoices and online booking for clinics and care practices."
            </p>
            <p class="landing__actions">
                <a class="button button--primary" href="/signup">"Create an account"</a>
                <a class="button" href="/login">"Sign in"</a>
            </p>
        </main>
    }
}
