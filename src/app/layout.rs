//! The staff app's frame: brand, organization and branch, user menu, navigation.

use leptos::prelude::*;
use leptos_router::{
    components::{Outlet, Redirect, A},
    hooks::use_location,
};

use super::{
    auth::{get_current_user, LogOut},
    errors::ErrorPanel,
};
use crate::domain::{session::CurrentUser, AppError};

/// Everything under `/app`: loads the signed-in user once and sends anyone without a
/// session to the sign-in page, remembering where they were going.
#[component]
pub fn AppLayout() -> impl IntoView {
    let user = Resource::new(|| (), |_| get_current_user());
    let location = use_location();

    view! {
        <Suspense fallback=|| view! { <p class="page-loading" role="status">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match user.await {
                    Ok(user) => view! { <Shell user/> }.into_any(),
                    Err(AppError::Unauthenticated(_)) => {
                        let here = format!("{}{}", location.pathname.get_untracked(), location.search.get_untracked());
                        let here = if location.search.get_untracked().is_empty() {
                            location.pathname.get_untracked()
                        } else {
                            here
                        };
                        let next: String = form_urlencoded::byte_serialize(here.as_bytes()).collect();
                        view! { <Redirect path=format!("/login?next={next}")/> }.into_any()
                    }
                    Err(error) => view! { <main class="content" id="main"><ErrorPanel error/></main> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn Shell(user: CurrentUser) -> impl IntoView {
    provide_context(user.clone());
    view! {
        <a class="skip-link" href="#main">"Skip to content"</a>
        <header class="topbar">
            <a class="topbar__brand" href="/app">"CareOps"</a>
            <p class="topbar__where">
                <span class="topbar__org">{user.org_name.clone()}</span>
                <span class="topbar__sep" aria-hidden="true">"/"</span>
                <span class="topbar__branch" title=user.branch.timezone.clone()>{user.branch.name.clone()}</span>
            </p>
            <UserMenu user=user.clone()/>
        </header>
        <div class="app-frame">
            <nav class="sidenav" aria-label="Main">
                <ul>
                    <li><A href="/app" exact=true>"Overview"</A></li>
                </ul>
            </nav>
            <main class="content" id="main" tabindex="-1">
                <Outlet/>
            </main>
        </div>
    }
}

/// A disclosure (works without JavaScript) with who is signed in and the log-out button.
#[component]
fn UserMenu(user: CurrentUser) -> impl IntoView {
    let log_out = ServerAction::<LogOut>::new();
    view! {
        <details class="user-menu">
            <summary class="user-menu__toggle">
                <span class="visually-hidden">"Account menu for "</span>
                {user.full_name.clone()}
            </summary>
            <div class="user-menu__panel">
                <p class="user-menu__email">{user.email.clone()}</p>
                <p class="user-menu__role">{user.role.label()}</p>
                <ActionForm action=log_out>
                    <button class="button button--quiet" type="submit">"Log out"</button>
                </ActionForm>
            </div>
        </details>
    }
}
