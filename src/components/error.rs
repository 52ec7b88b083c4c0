//! An error inside a page: what happened and what the person can do next. Staff and
//! patients see the same panel; patients are offered a place to start again.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::domain::AppError;

/// On the server it also sets the page's status (404, 403, …). `restart` is where a
/// patient begins again (the portal); without it, staff get a way back or a retry.
#[component]
pub fn ErrorPanel(error: AppError, #[prop(default = None)] restart: Option<String>) -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        if let Ok(status) = axum::http::StatusCode::from_u16(error.status_code()) {
            response.set_status(status);
        }
    }
    let title = match (&error, restart.is_some()) {
        (AppError::NotFound(_), _) => "Not found",
        (AppError::Forbidden(_), _) => "Not allowed",
        (AppError::Network | AppError::Unavailable, true) => "Can't reach the booking service",
        (AppError::Network | AppError::Unavailable, false) => "Can't reach CareOps",
        _ => "Something went wrong",
    };
    let next = match (restart, &error) {
        (Some(href), _) => view! { <p><a class="button" href=href>"Start again"</a></p> }.into_any(),
        (None, AppError::NotFound(_) | AppError::Forbidden(_)) => {
            view! { <p><a href="/app" class="button">"Go to the overview"</a></p> }.into_any()
        }
        (None, _) => view! { <p><a href="" class="button">"Try again"</a></p> }.into_any(),
    };
    view! {
        <Title text=title/>
        <section class="error-panel" role="alert">
            <h1>{title}</h1>
            <p>{error.to_string()}</p>
            {next}
        </section>
    }
}
