//! `/app/settings`: branches, the security policy and the audit log.

mod audit;
mod branches;
mod catalog;
mod forms;
mod hours;
mod messaging;
mod online;
mod organization;
mod wording;

pub use audit::{AuditPage, GetAuditLog};
pub use branches::{BranchEditPage, BranchNewPage, BranchesPage, CreateBranch, GetBranch, ListBranches, UpdateBranch};
pub use catalog::{
    GetPlaces, GetServiceMaterials, GetServices, PlacesPage, RemoveServiceMaterial, SavePlace, SaveService,
    SaveServiceMaterial, ServiceEditPage, ServicesListPage,
};
pub use forms::{CreateForm, FormBuilderPage, FormsPage, GetForm, GetForms, SaveForm};
pub use hours::{AddClosure, AddTimeOff, GetHours, HoursSettingsPage, RemoveClosure, RemoveTimeOff, SaveHours};
pub use messaging::{
    GetMessageLog, GetMessaging, MessageLogPage, MessageTimeline, MessagingSettingsPage, ResendMessage,
    SaveEmailSettings, SaveReminders, SaveSmsSettings, SendTestEmail, SendTestSms,
};
pub use online::{GetOnlineBooking, OnlineBookingPage, SaveBookingRules, SaveServiceBookingRules};
pub use organization::{GetOrganization, OrganizationPage, SaveOrganization};
pub use wording::{GetTemplates, ResetTemplate, SaveTemplate, WordingPage};

use super::layout::with_user;
use crate::components::{error::ErrorPanel, loaded::loaded};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

use crate::{
    components::{
        form::{action_error, field_error, Checkbox, FormAlert, SubmitButton, TextField},
        toast::Toast,
    },
    domain::{
        access::Action,
        organization::{SecurityPolicy, SecurityPolicyForm},
        session::CurrentUser,
        AppError,
    },
};

/// A settings page, as the settings index lists it.
pub struct SettingsLink {
    pub path: &'static str,
    pub title: &'static str,
    pub description: &'static str,
}

/// The settings pages the user may open.
pub fn settings_pages(user: &CurrentUser) -> Vec<SettingsLink> {
    [
        (
            Action::ManageBranches,
            "/app/settings/branches",
            "Branches",
            "Locations, addresses, time zones and opening hours.",
        ),
        (
            Action::ManageCatalog,
            "/app/settings/services",
            "Services",
            "What patients book: length, price, buffers, colour, who gives it.",
        ),
        (
            Action::ManageCatalog,
            "/app/settings/places",
            "Rooms & equipment",
            "The rooms and equipment of this branch that services need.",
        ),
        (
            Action::ManageSchedules,
            "/app/settings/hours",
            "Working hours",
            "Practitioners' weekly hours, time off, and days the branch is closed.",
        ),
        (
            Action::ManageBranches,
            "/app/settings/online-booking",
            "Online booking",
            "Your booking page's address, notice, horizon and cancellation window.",
        ),
        (
            Action::ManageForms,
            "/app/settings/forms",
            "Forms",
            "Intake and consent forms patients fill in on their phone, and the services that ask for them.",
        ),
        (
            Action::ManageMessaging,
            "/app/settings/messages",
            "Messages",
            "How email and texts go out, their wording, a test send, and the reminders patients get.",
        ),
        (
            Action::ManageBillingSettings,
            "/app/settings/invoices",
            "Invoices",
            "Your legal name, address and tax id on invoices, payment terms, numbering and tax.",
        ),
        (
            Action::ManageOrganization,
            "/app/settings/organization",
            "Organization",
            "Your organization's name, and the currency of its prices.",
        ),
        (
            Action::ManageSecurityPolicy,
            "/app/settings/security",
            "Security",
            "Two-factor authentication for everyone, session timeouts.",
        ),
        (
            Action::ViewAuditLog,
            "/app/settings/audit",
            "Audit log",
            "Every change and sign-in, by whom and when.",
        ),
    ]
    .into_iter()
    .filter(|(action, ..)| user.can(*action))
    .map(|(_, path, title, description)| SettingsLink {
        path,
        title,
        description,
    })
    .collect()
}

#[component]
pub fn SettingsIndex() -> impl IntoView {
    with_user(|user| {
        let pages = settings_pages(&user);
        if pages.is_empty() {
            let error = AppError::Forbidden("Settings are for owners and administrators.".into());
            return view! { <ErrorPanel error/> }.into_any();
        }
        view! {
            <Title text="Settings"/>
            <h1>"Settings"</h1>
            <ul class="cards">
                {pages.into_iter().map(|SettingsLink { path, title, description }| view! {
                    <li class="card"><A href=path>{title}</A><p>{description}</p></li>
                }).collect_view()}
            </ul>
        }
        .into_any()
    })
}

#[server]
pub async fn get_security_policy() -> Result<SecurityPolicy, AppError> {
    use crate::server::{account, auth::context::RequestContext};
    account::security_policy(&RequestContext::load().await?).await
}

/// Stores the policy; the answer is how many sessions it ended.
#[server]
pub async fn update_security_policy(#[server(flatten)] form: SecurityPolicyForm) -> Result<u64, AppError> {
    use crate::server::{account, auth::context::RequestContext};
    let policy = form.parse()?;
    account::set_security_policy(&RequestContext::load().await?, &policy).await
}

#[component]
pub fn SecurityPage() -> impl IntoView {
    let save = ServerAction::<UpdateSecurityPolicy>::new();
    let policy = Resource::new(move || save.version().get(), |_| get_security_policy());
    let error = action_error(save);
    let saved = Signal::derive(move || {
        save.value()
            .get()
            .and_then(Result::ok)
            .map(|ended| format!("Saved. {ended} session(s) without two-factor authentication were ended."))
    });

    view! {
        <Title text="Security settings"/>
        <p><A href="/app/settings">"← Settings"</A></p>
        <h1>"Security"</h1>
        {loaded(policy, move |policy| {
                view! {
                    <ActionForm action=save attr:class="form panel">
                        <FormAlert error/>
                        <Toast message=saved/>
                        <Checkbox
                            label="Require two-factor authentication for all staff"
                            name="require_two_factor"
                            checked=policy.require_two_factor
                            hint="Staff without it set it up at their next sign-in; their open sessions end now."
                            error=field_error(error, "require_two_factor")
                        />
                        <TextField
                            label="Sign out after this many idle minutes"
                            name="session_idle_minutes"
                            kind="number"
                            value=policy.session_idle_minutes.to_string()
                            required=true
                            error=field_error(error, "session_idle_minutes")
                        />
                        <TextField
                            label="Sign out after this many hours in any case"
                            name="session_max_hours"
                            kind="number"
                            value=policy.session_max_hours.to_string()
                            required=true
                            error=field_error(error, "session_max_hours")
                        />
                        <SubmitButton label="Save" pending_label="Saving…" pending=save.pending()/>
                    </ActionForm>
                }.into_any()
        })}
    }
}
