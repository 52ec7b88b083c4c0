//! The staff app's frame: brand, organization and branch (with the switcher), user
//! menu, and a navigation that lists only pages the user may open.

use crate::components::form::{Choice, SelectField};
use crate::components::url::encode;
use leptos::{prelude::*, server_fn::ServerFn};
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

/// The signed-in user, loaded once by the layout for every page under `/app`.
#[derive(Clone, Copy)]
pub struct SignedIn(Resource<Result<CurrentUser, AppError>>);

/// The signed-in user's resource, for pages to read inside their own `Suspense` (as
/// [`with_user`] does): the layout never holds a page inside one.
pub fn use_user() -> Resource<Result<CurrentUser, AppError>> {
    expect_context::<SignedIn>().0
}

/// `show(user)` once the signed-in user has loaded; nothing while loading or if that
/// failed (the layout sends a visitor without a session to sign in). `show` must not
/// create resources: create them at the top of the page, where they load in parallel.
pub fn with_user<V, F>(show: F) -> impl IntoView
where
    F: Fn(CurrentUser) -> V + Clone + Send + Sync + 'static,
    V: IntoView + 'static,
{
    let user = use_user();
    view! {
        <Suspense fallback=|| ()>
            {move || {
                let show = show.clone();
                Suspend::new(async move { user.await.ok().map(show) })
            }}
        </Suspense>
    }
}

/// Everything under `/app`: loads the signed-in user once and sends anyone without a
/// session to the sign-in page, remembering where they were going.
///
/// The page (`Outlet`) stays outside every `Suspense` here: a server render re-runs a
/// suspended closure more than once, and a page built inside one would create its
/// resources, and embed their data in the HTML, as many times.
#[component]
pub fn AppLayout() -> impl IntoView {
    let user = Resource::new(|| (), |_| get_current_user());
    provide_context(SignedIn(user));
    let realtime = Realtime::provide(user);
    let location = use_location();

    view! {
        <a class="skip-link" href="#main">"Skip to content"</a>
        <header class="topbar">
            <a class="topbar__brand" href="/app">"CareOps"</a>
            <Suspense fallback=|| view! { <span class="page-loading" role="status">"Loading…"</span> }>
                {move || Suspend::new(async move {
                    match user.await {
                        Ok(user) => view! { <TopBar user/> }.into_any(),
                        Err(AppError::Unauthenticated(_)) => {
                            let path = location.pathname.get_untracked();
                            let search = location.search.get_untracked();
                            let here = if search.is_empty() { path } else { format!("{path}?{search}") };
                            let next = encode(&here);
                            view! { <Redirect path=format!("/login?next={next}")/> }.into_any()
                        }
                        // The page below says what failed and what to do.
                        Err(_) => ().into_any(),
                    }
                })}
            </Suspense>
        </header>
        <div class="app-frame">
            <nav class="sidenav" aria-label="Main">
                <Suspense fallback=|| ()>
                    {move || Suspend::new(async move { user.await.ok().map(|user| view! { <SideNav user realtime/> }) })}
                </Suspense>
            </nav>
            <main class="content" id="main" tabindex="-1">
                <Outlet/>
            </main>
        </div>
    }
}

#[component]
fn TopBar(user: CurrentUser) -> impl IntoView {
    view! {
        <div class="topbar__where">
            <span class="topbar__org" data-testid="current-org">{user.org_name.clone()}</span>
            <BranchSwitcher user=user.clone()/>
        </div>
        <LiveIndicator/>
        <UserMenu user/>
    }
}

/// Only the pages the user may open.
#[component]
fn SideNav(user: CurrentUser, realtime: Realtime) -> impl IntoView {
    let has_calendar = user.can(Action::ViewCalendar);
    let has_settings = !settings_pages(&user).is_empty();
    let has_staff = user.can(Action::ViewStaff);
    let has_patients = user.can(Action::ViewPatients);
    let has_invoices = user.can(Action::ViewInvoices);
    let has_stock = user.can(Action::ViewStock);
    let restocks = user.can(Action::ManageStock);
    view! {
        <ul>
            <li><A href="/app" exact=true>"Today"</A></li>
            {has_calendar.then(|| view! { <li><A href="/app/calendar">"Calendar"</A></li> })}
            {has_patients.then(|| view! { <li><A href="/app/patients">"Patients"</A></li> })}
            {has_invoices.then(|| view! { <li><A href="/app/invoices">"Invoices"</A></li> })}
            {has_stock.then(|| view! { <li><A href="/app/stock">"Stock"{restocks.then(|| view! { <StockBadge realtime/> })}</A></li> })}
            {has_staff.then(|| view! { <li><A href="/app/staff">"Staff"</A></li> })}
            {has_settings.then(|| view! { <li><A href="/app/settings">"Settings"</A></li> })}
            <li><A href="/app/account">"Account"</A></li>
        </ul>
    }
}

/// The current branch; with several, a form to switch. It is a plain form, also when
/// hydrated: the server answers with a redirect back, and the page, its data and the
/// live connection all load afresh for the new branch.
#[component]
fn BranchSwitcher(user: CurrentUser) -> impl IntoView {
    if user.branches.len() < 2 {
        return view! {
            <span class="topbar__branch" data-testid="current-branch" title=user.branch.timezone.clone()>
                {user.branch.name.clone()}
            </span>
        }
        .into_any();
    }
    view! {
        <form method="post" action=SwitchBranch::url() class="branch-switcher">
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
        </form>
    }
    .into_any()
}

/// A disclosure (works without JavaScript) with who is signed in and the log-out button.
#[component]
fn UserMenu(user: CurrentUser) -> impl IntoView {
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
                // A plain form also when hydrated: signing out leads to `/login`, which
                // ships no code, so the browser loads it as a page of its own anyway (and
                // the live connection closes with this one).
                <form method="post" action=LogOut::url()>
                    <button class="button button--quiet" type="submit">"Log out"</button>
                </form>
            </div>
        </details>
    }
}

/// The open low-stock alerts on the navigation's "Stock", as the socket tells them (on
/// connecting, and whenever one opens or closes): a live extra, so it shows once the page
/// runs its script; the stock page lists the alerts with or without.
#[component]
fn StockBadge(realtime: Realtime) -> impl IntoView {
    move || {
        realtime.stock_alerts.get().filter(|open| *open > 0).map(|open| {
            view! {
                <span class="badge badge--low nav-badge" data-testid="stock-alert-badge">
                    {open}<span class="visually-hidden">" running low"</span>
                </span>
            }
        })
    }
}
