//! CareOps: clinic and care-practice operations.
//!
//! `domain` is shared by the server and the browser; `app` and `components` are the
//! Leptos views (rendered on the server, hydrated in the browser); `server` exists only
//! in the server build.

// Leptos views are deeply nested generic types; the release build needs the headroom.
#![recursion_limit = "256"]

pub mod app;
pub mod components;
pub mod domain;
#[cfg(feature = "ssr")]
pub mod server;

#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    use leptos::prelude::document;

    console_error_panic_hook::set_once();
    // Every page is a lazy route: the app hydrates once the page's chunks are in, and only
    // then does the body say it is interactive (tests wait for `data-hydrated`; a click
    // before it is an ordinary form post or link, which works too).
    wasm_bindgen_futures::spawn_local(async {
        let Some(body) = document().body() else { return };
        leptos::mount::hydrate_from_async(body.clone(), app::App).await.forget();
        let _ = body.set_attribute("data-hydrated", "true");
    });
}
