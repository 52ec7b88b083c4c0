//! The Leptos app: the HTML shell, the route table, and one module per feature.

pub mod account;
pub mod auth;
pub mod calendar;
mod errors;
pub mod home;
mod landing;
mod layout;
pub mod patients;
pub mod portal;
pub mod realtime;
pub mod settings;
pub mod staff;

pub use auth::{GetCurrentUser, LogIn, LogOut, SignUp};
pub use layout::SwitchBranch;

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, HashedStylesheet, MetaTags, Title};
use leptos_router::{
    components::{ParentRoute, Route, Router, Routes},
    path, SsrMode,
};

/// The document around the app, rendered on the server only.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <meta name="color-scheme" content="light"/>
                <link rel="icon" href="/favicon.ico" sizes="any"/>
                <AutoReload options=options.clone()/>
                <HydrationScripts options=options.clone()/>
                <HashedStylesheet options id="leptos"/>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    // Effects run only in the browser, after hydration: tests and styles can tell the
    // page is interactive.
    Effect::new(|_| {
        if let Some(body) = document().body() {
            let _ = body.set_attribute("data-hydrated", "true");
        }
    });

    // Pages render completely on the server before the first byte is sent (SsrMode::Async):
    // they work without JavaScript, and a page can still answer with a redirect or a 404.
    view! {
        <Title formatter=|page: String| format!("{page} · CareOps")/>
        <Router>
            <Routes fallback=errors::NotFound>
                <Route path=path!("/") view=landing::Landing ssr=SsrMode::Async/>
                <Route path=path!("/login") view=auth::LoginPage ssr=SsrMode::Async/>
                <Route path=path!("/login/verify") view=auth::LoginVerifyPage ssr=SsrMode::Async/>
                <Route path=path!("/login/setup-2fa") view=auth::LoginEnrolmentPage ssr=SsrMode::Async/>
                <Route path=path!("/signup") view=auth::SignUpPage ssr=SsrMode::Async/>
                <Route path=path!("/invite/:token") view=auth::InvitationPage ssr=SsrMode::Async/>
                <Route path=path!("/book/:slug") view=portal::PortalHomePage ssr=SsrMode::Async/>
                <Route path=path!("/book/:slug/:branch") view=portal::PortalServicesPage ssr=SsrMode::Async/>
                <Route path=path!("/book/:slug/:branch/:service") view=portal::SlotsPage ssr=SsrMode::Async/>
                <Route path=path!("/book/:slug/:branch/:service/confirm") view=portal::ConfirmPage ssr=SsrMode::Async/>
                <Route path=path!("/manage/:token") view=portal::ManagePage ssr=SsrMode::Async/>
                <Route path=path!("/manage/:token/move") view=portal::MovePage ssr=SsrMode::Async/>
                <ParentRoute path=path!("/app") view=layout::AppLayout ssr=SsrMode::Async>
                    <Route path=path!("") view=home::Overview ssr=SsrMode::Async/>
                    <Route path=path!("account") view=account::AccountPage ssr=SsrMode::Async/>
                    <Route path=path!("calendar") view=calendar::CalendarPage ssr=SsrMode::Async/>
                    <Route path=path!("calendar/new") view=calendar::NewAppointmentPage ssr=SsrMode::Async/>
                    <Route path=path!("calendar/appointments/:id") view=calendar::AppointmentPage ssr=SsrMode::Async/>
                    <Route path=path!("patients") view=patients::PatientsPage ssr=SsrMode::Async/>
                    <Route path=path!("patients/new") view=patients::NewPatientPage ssr=SsrMode::Async/>
                    <Route path=path!("patients/import") view=patients::ImportPage ssr=SsrMode::Async/>
                    <Route path=path!("patients/import/:id") view=patients::ImportPreviewPage ssr=SsrMode::Async/>
                    <Route path=path!("patients/:id") view=patients::PatientPage ssr=SsrMode::Async/>
                    <Route path=path!("settings/services") view=settings::ServicesListPage ssr=SsrMode::Async/>
                    <Route path=path!("settings/services/:id") view=settings::ServiceEditPage ssr=SsrMode::Async/>
                    <Route path=path!("settings/places") view=settings::PlacesPage ssr=SsrMode::Async/>
                    <Route path=path!("settings/online-booking") view=settings::OnlineBookingPage ssr=SsrMode::Async/>
                    <Route path=path!("settings/hours") view=settings::HoursSettingsPage ssr=SsrMode::Async/>
                    <Route path=path!("staff") view=staff::StaffPage ssr=SsrMode::Async/>
                    <Route path=path!("staff/:id") view=staff::StaffMemberPage ssr=SsrMode::Async/>
                    <Route path=path!("settings") view=settings::SettingsIndex ssr=SsrMode::Async/>
                    <Route path=path!("settings/branches") view=settings::BranchesPage ssr=SsrMode::Async/>
                    <Route path=path!("settings/branches/new") view=settings::BranchNewPage ssr=SsrMode::Async/>
                    <Route path=path!("settings/branches/:id") view=settings::BranchEditPage ssr=SsrMode::Async/>
                    <Route path=path!("settings/security") view=settings::SecurityPage ssr=SsrMode::Async/>
                    <Route path=path!("settings/audit") view=settings::AuditPage ssr=SsrMode::Async/>
                </ParentRoute>
            </Routes>
        </Router>
    }
}
