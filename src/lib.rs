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
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_body(app::App);
}
