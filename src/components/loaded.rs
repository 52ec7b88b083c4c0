//! A page's data: a status line while it loads, the error panel if it failed, and the
//! page once it is there. Replaces the Suspense → match → ErrorPanel block every page
//! would otherwise write.

use leptos::prelude::*;
use serde::{de::DeserializeOwned, Serialize};

use super::error::ErrorPanel;
use crate::domain::AppError;

/// `show(value)` once `resource` has loaded.
pub fn loaded<T, V, F>(resource: Resource<Result<T, AppError>>, show: F) -> impl IntoView
where
    T: Clone + Send + Sync + Serialize + DeserializeOwned + 'static,
    F: Fn(T) -> V + Clone + Send + Sync + 'static,
    V: IntoView + 'static,
{
    loaded_with(resource, "Loading…", show)
}

/// The same, saying what it is waiting for ("Finding free times…").
pub fn loaded_with<T, V, F>(resource: Resource<Result<T, AppError>>, waiting: &'static str, show: F) -> impl IntoView
where
    T: Clone + Send + Sync + Serialize + DeserializeOwned + 'static,
    F: Fn(T) -> V + Clone + Send + Sync + 'static,
    V: IntoView + 'static,
{
    loaded_or(
        resource,
        waiting,
        |error| view! { <ErrorPanel error/> }.into_any(),
        show,
    )
}

/// The same, with the error shown by `failed` (the portal frames the panel in its page).
pub fn loaded_or<T, V, F, E>(
    resource: Resource<Result<T, AppError>>,
    waiting: &'static str,
    failed: E,
    show: F,
) -> impl IntoView
where
    T: Clone + Send + Sync + Serialize + DeserializeOwned + 'static,
    F: Fn(T) -> V + Clone + Send + Sync + 'static,
    E: Fn(AppError) -> AnyView + Clone + Send + Sync + 'static,
    V: IntoView + 'static,
{
    view! {
        <Suspense fallback=move || view! { <p role="status">{waiting}</p> }>
            {move || {
                let (show, failed) = (show.clone(), failed.clone());
                Suspend::new(async move {
                    match resource.await {
                        Ok(value) => show(value).into_any(),
                        Err(error) => failed(error),
                    }
                })
            }}
        </Suspense>
    }
}
