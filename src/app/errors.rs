//! What people see when a page does not exist or something failed.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::domain::AppError;

#[component]
pub fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(axum::http::StatusCode::NOT_FOUND);
    }
    view! {
        <Title text="Page not found"/>
        <main class="message-page" id="main">
            <h1>"Page not found"</h1>
            <p>"There is nothing at this address. It may have moved, or the link may be mistyped."</p>
            <p><a class="button button--primary" href="/app">"Go to CareOps"</a></p>
        </main>
    }
}

/// An error inside a page, with what the person can do about it. On the server it
/// also sets the page's status (404, 403, …).
#[component]
pub fn ErrorPanel(error: AppError) -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        if let Ok(status) = axum::http::StatusCode::from_u16(error.status_code()) {
            response.set_status(status);
        }
    }
    let title = match error {
        AppError::NotFound(_) => "Not found",
        AppError::Forbidden(_) => "Not allowed",
        AppError::Network | AppError::Unavailable => "Can't reach CareOps",
        _ => "Something went wrong",
    };
    view! {
        <Title text=title/>
        <section class="error-panel" role="alert">
            <h1>{title}</h1>
            <p>{error.to_string()}</p>
            {match error {
                AppError::NotFound(_) | AppError::Forbidden(_) => view! { <p><a href="/app" class="button">"Go to the overview"</a></p> }.into_any(),
                _ => view! { <p><a href="" class="button">"Try again"</a></p> }.into_any(),
            }}
        </section>
    }
}
