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
                "A live calendar that never double-books, patient records, online booking your patients can use on a phone, and confirmations and reminders by email and text, for clinics and care practices."
            </p>
            <ul class="landing__points">
                <li>"Practitioners, rooms and equipment booked together, in each branch's time zone."</li>
                <li>"A booking page with no app to install; patients move or cancel from their own link."</li>
                <li>"Reminders 24, 3 and 1 hours before, sent once, with their delivery shown to your team."</li>
                <li>"Roles per branch, two-factor sign-in and an audit log of every change."</li>
            </ul>
            <p class="landing__actions">
                <a class="button button--primary" href="/signup">"Create an account"</a>
                <a class="button" href="/login">"Sign in"</a>
            </p>
        </main>
    }
}
