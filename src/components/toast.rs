//! A short confirmation after a change ("Saved."). The live region is always in the
//! page, empty until there is something to say, so screen readers announce the message
//! when it appears without taking the focus away.

use leptos::prelude::*;

#[component]
pub fn Toast(#[prop(into)] message: Signal<Option<String>>) -> impl IntoView {
    view! {
        <div class="toast" role="status" aria-live="polite">
            {move || message.get().map(|text| view! { <p class="notice toast__text">{text}</p> })}
        </div>
    }
}
