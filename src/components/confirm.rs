//! Asking before a destructive action (cancel, archive, merge, remove): a button that
//! opens the question, and inside it the form that does it. A disclosure, so it works
//! the same before hydration and after, from the keyboard and with a screen reader
//! (the button says whether it is open); nothing happens until the second button.

use leptos::prelude::*;

/// `children` is the form that acts, ending with its confirming button
/// ([`ConfirmButton`]).
#[component]
pub fn Confirm(
    /// The button that asks: "Archive this patient".
    #[prop(into)]
    label: String,
    /// Words only screen readers hear after the label, to tell one row's button from
    /// the next: ": Grace Hopper".
    #[prop(optional, into)]
    detail: Option<String>,
    /// What will happen, said before it does: "Grace Hopper's record moves to the archive."
    #[prop(into)]
    question: String,
    /// Open from the start: after a failed attempt, so that its errors show.
    #[prop(optional, into)]
    open: Signal<bool>,
    children: Children,
) -> impl IntoView {
    view! {
        <details class="confirm" open=move || open.get()>
            <summary class="button confirm__open">
                {label}
                {detail.map(|d| view! { <span class="visually-hidden">{d}</span> })}
            </summary>
            <div class="confirm__panel">
                <p class="confirm__question">{question}</p>
                {children()}
            </div>
        </details>
    }
}

/// The button that does what a [`Confirm`] asked about.
#[component]
pub fn ConfirmButton(
    #[prop(into)] label: String,
    /// What it says while the server works ("Cancelling…"); the label otherwise.
    #[prop(optional, into)]
    pending_label: Option<String>,
    #[prop(optional, into)] pending: Signal<bool>,
) -> impl IntoView {
    let pending_label = pending_label.unwrap_or_else(|| label.clone());
    view! {
        <button class="button button--danger" type="submit" disabled=move || pending.get()>
            {move || if pending.get() { pending_label.clone() } else { label.clone() }}
        </button>
    }
}
