//! The staff app's frame: brand, organization and branch (with the switcher), user
//! menu, and a navigation that lists only pages the user may open.

use crate::components::url::encode;
use crate::components::{
    error::ErrorPanel,
    form::{Choice, SelectField},
};
use leptos::prelude::*;
use leptos_router::{
    components::{Outlet, Redirect, A},
    hooks::use_location,
};
use uuid::Uuid;

use super::{
    auth::{get_current_user, LogOut},
    realtime::{LiveIndicator, Realtime},
    settings::settings_pages,
};
use crate::domain::{access::Action, session::CurrentUser, AppError};

/// Makes `branch_id` the user's current branch (remembered for their next visit).
#[server]
pub async fn switch_branch(branch_id: Uuid) -> Result<(), AppError> {
    use crate::server::{auth::context::RequestContext, branches};
    branches::switch(&RequestContext::load().await?, branch_id).await
}

/// Everything under `/app`: loads the signed-in user once and sends anyone without a
/// session to the sign-in page, remembering where they were going.
#[component]
pub fn AppLayout() -> impl IntoView {
    let switch = ServerAction::<SwitchBranch>::new();
    // Switching branch reloads the user, and with it every page below.
    let user = Resource::new(move || switch.version().get(), |_| get_current_user());
    let location = use_location();

    view! {
        <Suspense fallback=|| view! { <p class="page-loading" role="status">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match user.await {
                    Ok(user) => view! { <Shell user switch/> }.into_any(),
                    Err(AppError::Unauthenticated(_)) => {
                        let path = location.pathname.get_untracked();
                        let search = location.search.get_untracked();
                        let here = if search.is_empty() { path } else { format!("{path}?{search}") };
                        let next = encode(&here);
                        view! { <Redirect path=format!("/login?next={next}")/> }.into_any()
                    }
                    Err(error) => view! { <main class="content" id="main"><ErrorPanel error/></main> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn Shell(user: CurrentUser, switch: ServerAction<SwitchBranch>) -> impl IntoView {
    provide_context(user.clone());
    let live = user.can(Action::ViewCalendar);
    if live {
        Realtime::provide();
    }
    let has_settings = !settings_pages(&user).is_empty();
    let has_staff = user.can(Action::ViewStaff);
    let has_patients = user.can(Action::ViewPatients);
    view! {
        <a class="skip-link" href="#main">"Skip to content"</a>
        <header class="topbar">
            <a class="topbar__brand" href="/app">"CareOps"</a>
            <div class="topbar__where">
                <span class="topbar__org" data-testid="current-org">{user.org_name.clone()}</span>
                <BranchSwitcher user=user.clone() switch/>
            </div>
            {live.then(|| view! { <LiveIndicator/> })}
            <UserMenu user=user.clone()/>
        </header>
        <div class="app-frame">
            <nav class="sidenav" aria-label="Main">
                <ul>
                    <li><A href="/app" exact=true>"Today"</A></li>
                    {live.then(|| view! { <li><A href="/app/calendar">"Calendar"</A></li> })}
                    {has_patients.then(|| view! { <li><A href="/app/patients">"Patients"</A></li> })}
                    {has_staff.then(|| view! { <li><A href="/app/staff">"Staff"</A></li> })}
                    {has_settings.then(|| view! { <li><A href="/app/settings">"Settings"</A></li> })}
                    <li><A href="/app/account">"Account"</A></li>
                </ul>
            </nav>
            <main class="content" id="main" tabindex="-1">
                <Outlet/>
            </main>
        </div>
    }
}

/// The current branch; with several, a form to switch (works without JavaScript).
#[component]
fn BranchSwitcher(user: CurrentUser, switch: ServerAction<SwitchBranch>) -> impl IntoView {
    if user.branches.len() < 2 {
        return view! {
            <span class="topbar__branch" data-testid="current-branch" title=user.branch.timezone.clone()>
                {user.branch.name.clone()}
            </span>
        }
        .into_any();
    }
    view! {
        <ActionForm action=switch attr:class="branch-switcher">
            <SelectField
                label="Current branch"
                label_hidden=true
                name="branch_id"
                id="branch-switcher"
                class="branch-switcher__select"
                options=user.branches.iter().map(|b| Choice::new(b.id, b.name.clone())).collect()
                selected=user.branch.id.to_string()
            />
            <button class="button button--quiet" type="submit">"Switch"</button>
        </ActionForm>
    }
    .into_any()
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
                <p class="user-menu__role">{user.role().label()}</p>
                <p><A href="/app/account">"Your account"</A></p>
                <ActionForm action=log_out>
                    <button class="button button--quiet" type="submit">"Log out"</button>
                </ActionForm>
            </div>
        </details>
    }
}
