//! `/app`: where a staff member lands after signing in.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::domain::session::CurrentUser;

#[component]
pub fn Overview() -> impl IntoView {
    let user = expect_context::<CurrentUser>();
    let first_name = user.full_name.split_whitespace().next().unwrap_or_default().to_owned();
    view! {
        <Title text="Overview"/>
        <h1>{format!("Welcome, {first_name}")}</h1>
        <dl class="summary">
            <div class="summary__item">
                <dt>"Organization"</dt>
                <dd data-testid="org-name">{user.org_name.clone()}</dd>
            </div>
            <div class="summary__item">
                <dt>"Branch"</dt>
                <dd data-testid="branch-name">{user.branch.name.clone()}</dd>
            </div>
            <div class="summary__item">
                <dt>"Time zone"</dt>
                <dd>{user.branch.timezone.clone()}</dd>
            </div>
            <div class="summary__item">
                <dt>"Signed in as"</dt>
                <dd data-testid="user-name">{user.full_name.clone()}" · "{user.role().label()}</dd>
            </div>
        </dl>
    }
}
