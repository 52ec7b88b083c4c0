//! The address bar: route parameters and query-string encoding.

use leptos::prelude::*;
use leptos_router::hooks::use_params_map;
use uuid::Uuid;

/// A route parameter as text (empty when absent), tracked.
pub fn param(name: &'static str) -> impl Fn() -> String + Copy {
    let params = use_params_map();
    move || params.read().get(name).unwrap_or_default()
}

/// A route parameter that names a record (`/app/patients/:id`); `None` when it is not a
/// UUID, which the page shows as "not found".
pub fn id_param(name: &'static str) -> impl Fn() -> Option<Uuid> + Copy {
    let text = param(name);
    move || Uuid::parse_str(text().trim()).ok()
}

/// Text for a query-string value (`?q=…`).
pub fn encode(text: &str) -> String {
    form_urlencoded::byte_serialize(text.as_bytes()).collect()
}
