//! Asking before a destructive action (cancel, archive, merge, remove): a button that
//! asks, then the question with the form that does it and a way back. The question is a
//! state of the page's address (`?confirm=archive`), so it works the same before
//! hydration (a GET form, then a page with the question open) and after it (the same
//! address, reached without a reload); both steps are real buttons, and the focus moves
//! to the question when it opens and back to the button when it closes.

use leptos::{ev::SubmitEvent, html, prelude::*};
use leptos_router::{
    components::A,
    hooks::{use_location, use_navigate, use_query_map},
    NavigateOptions,
};

/// `children` is the form that acts, ending with its [`ConfirmButton`].
#[component]
pub fn Confirm(
    /// Names the question in the address; unique on the page ("archive", "merge-{id}").
    #[prop(into)]
    key: String,
    /// The button that asks: "Archive this patient".
    #[prop(into)]
    label: String,
    /// Words only screen readers hear after the label, to tell one row's button from
    /// the next: ": Grace Hopper".
    #[prop(optional, into)]
    detail: Option<String>,
    /// What will happen, said before it does.
    #[prop(into)]
    question: String,
    /// The way back without acting.
    #[prop(default = "No, go back".into(), into)]
    back: String,
    children: Children,
) -> impl IntoView {
    let query = use_query_map();
    let location = use_location();
    let asked = {
        let key = key.clone();
        Memo::new(move |_| query.read().get("confirm").as_deref() == Some(key.as_str()))
    };
    let question_ref = NodeRef::<html::P>::new();
    let ask_ref = NodeRef::<html::Button>::new();
    // Hydrated, opening and closing happen in place: the focus follows.
    Effect::new(move |was: Option<bool>| {
        let now = asked.get();
        if was.is_some_and(|was| was != now) {
            let _ = if now {
                question_ref.get().map(|p| p.focus())
            } else {
                ask_ref.get().map(|b| b.focus())
            };
        }
        now
    });
    let here = move || location.pathname.get();
    // Without JavaScript the GET form opens the question; hydrated, the router does,
    // keeping the page where it is (a path keeps its case: tokens are case-sensitive).
    let ask = {
        let (navigate, key) = (use_navigate(), key.clone());
        move |ev: SubmitEvent| {
            ev.prevent_default();
            let path = location.pathname.get_untracked();
            navigate(
                &format!("{path}?confirm={key}"),
                NavigateOptions {
                    scroll: false,
                    ..Default::default()
                },
            );
        }
    };
    let question_id = format!("confirm-{key}");
    let labelled_by = question_id.clone();
    view! {
        <div class="confirm">
            <form class="confirm__ask" method="get" on:submit=ask hidden=move || asked.get()>
                <button class="button" type="submit" name="confirm" value=key node_ref=ask_ref>
                    {label}
                    {detail.map(|d| view! { <span class="visually-hidden">{d}</span> })}
                </button>
            </form>
            <div class="confirm__panel" role="group" aria-labelledby=labelled_by hidden=move || !asked.get()>
                <p
                    class="confirm__question"
                    id=question_id
                    tabindex="-1"
                    autofocus=asked.get_untracked()
                    node_ref=question_ref
                >
                    {question}
                </p>
                {children()}
                <p class="confirm__back">
                    <A href=here scroll=false>
                        {back}
                    </A>
                </p>
            </div>
        </div>
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
