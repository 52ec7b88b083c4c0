//! The Leptos app: the HTML shell, the route table, and one module per feature.

pub mod account;
pub mod auth;
pub mod billing;
pub mod calendar;
mod errors;
pub mod home;
pub mod inventory;
mod landing;
mod layout;
mod pages;
pub mod patients;
pub mod portal;
pub mod realtime;
pub mod settings;
pub mod staff;
pub mod visits;

pub use auth::{GetCurrentUser, LogIn, LogOut, SignUp};
pub use layout::SwitchBranch;

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, HashedStylesheet, MetaTags, Title};
use leptos_router::{
    components::{ParentRoute, Route, Router, Routes},
    path, Lazy, SsrMode,
};

/// The document around the app, rendered on the server only.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    let scripted = !ships_no_code(&request_path());
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <meta name="color-scheme" content="light"/>
                <link rel="icon" href="/favicon.ico" sizes="any"/>
                <AutoReload options=options.clone()/>
                {scripted.then(|| view! { <HydrationScripts options=options.clone()/> })}
                <HashedStylesheet options id="leptos"/>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

/// Pages for people outside the staff app ship no script and no WASM at all: the
/// patients' portal (`/book/...`, `/manage/...`) and their forms (`/forms/...`, with a
/// few lines of plain script for drawing a signature), the landing page, sign-in with its
/// two-factor steps, sign-up and accepting an invitation. Each is complete as links and
/// forms that post, so a phone on a slow line gets the page and nothing else; the staff
/// app's code loads once someone is in it.
fn ships_no_code(path: &str) -> bool {
    const SECTIONS: [&str; 8] = [
        "/book",
        "/forms",
        "/manage",
        "/login",
        "/signup",
        "/invite",
        "/forgot-password",
        "/reset-password",
    ];
    path == "/"
        || SECTIONS.iter().any(|section| {
            path.strip_prefix(section)
                .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
        })
}

/// The path of the request being rendered.
fn request_path() -> String {
    #[cfg(feature = "ssr")]
    if let Some(parts) = use_context::<http::request::Parts>() {
        return parts.uri.path().to_string();
    }
    String::new()
}

/// The route view of a page that ships no code: its lazy route on the server, a whole
/// page load in the browser (`pages::ServerPage`). Its path must be in `ships_no_code`:
/// a page that hydrated as `ServerPage` would reload itself again and again.
macro_rules! server_page {
    ($page:ident) => {{
        #[cfg(feature = "ssr")]
        let view = Lazy::<pages::$page>::new();
        #[cfg(not(feature = "ssr"))]
        let view = pages::ServerPage;
        view
    }};
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    // Pages render completely on the server before the first byte is sent (SsrMode::Async):
    // they work without JavaScript, and a page can still answer with a redirect or a 404.
    view! {
        <Title formatter=|page: String| format!("{page} · CareOps")/>
        <Router>
            <Routes fallback=errors::NotFound>
                <Route path=path!("/") view=server_page!(Landing) ssr=SsrMode::Async/>
                <Route path=path!("/login") view=server_page!(Login) ssr=SsrMode::Async/>
                <Route path=path!("/login/verify") view=server_page!(LoginVerify) ssr=SsrMode::Async/>
                <Route path=path!("/login/setup-2fa") view=server_page!(LoginEnrolment) ssr=SsrMode::Async/>
                <Route path=path!("/signup") view=server_page!(SignUp) ssr=SsrMode::Async/>
                <Route path=path!("/invite/:token") view=server_page!(Invitation) ssr=SsrMode::Async/>
                <Route path=path!("/forgot-password") view=server_page!(ForgotPassword) ssr=SsrMode::Async/>
                <Route path=path!("/reset-password/:token") view=server_page!(ResetPassword) ssr=SsrMode::Async/>
                <Route path=path!("/book/:slug") view=server_page!(PortalHome) ssr=SsrMode::Async/>
                <Route path=path!("/book/:slug/:branch") view=server_page!(PortalServices) ssr=SsrMode::Async/>
                <Route path=path!("/book/:slug/:branch/:service") view=server_page!(PortalSlots) ssr=SsrMode::Async/>
                <Route path=path!("/book/:slug/:branch/:service/confirm") view=server_page!(PortalConfirm) ssr=SsrMode::Async/>
                <Route path=path!("/manage/:token") view=server_page!(PortalManage) ssr=SsrMode::Async/>
                <Route path=path!("/manage/:token/move") view=server_page!(PortalMove) ssr=SsrMode::Async/>
                <Route path=path!("/forms/:token") view=server_page!(FormLink) ssr=SsrMode::Async/>
                <ParentRoute path=path!("/app") view={Lazy::<pages::Staff>::new()} ssr=SsrMode::Async>
                    <Route path=path!("") view={Lazy::<pages::Overview>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("account") view={Lazy::<pages::Account>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("calendar") view={Lazy::<pages::Calendar>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("calendar/new") view={Lazy::<pages::NewAppointment>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("calendar/appointments/:id") view={Lazy::<pages::Appointment>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("invoices") view={Lazy::<pages::Invoices>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("takings") view={Lazy::<pages::Takings>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("invoices/:id") view={Lazy::<pages::Invoice>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("settings/invoices") view={Lazy::<pages::InvoiceSettings>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("stock") view={Lazy::<pages::Stock>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("stock/:id") view={Lazy::<pages::StockItem>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("stock/:id/edit") view={Lazy::<pages::StockItemEdit>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("patients") view={Lazy::<pages::Patients>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("patients/new") view={Lazy::<pages::NewPatient>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("patients/import") view={Lazy::<pages::PatientImport>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("patients/import/:id") view={Lazy::<pages::PatientImportPreview>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("patients/:id") view={Lazy::<pages::Patient>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("forms/:id") view={Lazy::<pages::Submission>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("settings/services") view={Lazy::<pages::Services>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("settings/services/:id") view={Lazy::<pages::ServiceEdit>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("settings/places") view={Lazy::<pages::Places>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("settings/forms") view={Lazy::<pages::Forms>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("settings/forms/:id") view={Lazy::<pages::FormBuilder>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("settings/online-booking") view={Lazy::<pages::OnlineBooking>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("settings/messages") view={Lazy::<pages::Messaging>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("settings/messages/log") view={Lazy::<pages::MessageLog>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("settings/messages/wording") view={Lazy::<pages::MessageWording>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("settings/hours") view={Lazy::<pages::Hours>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("staff") view={Lazy::<pages::StaffList>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("staff/:id") view={Lazy::<pages::StaffMember>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("settings") view={Lazy::<pages::Settings>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("settings/branches") view={Lazy::<pages::Branches>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("settings/branches/new") view={Lazy::<pages::BranchNew>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("settings/branches/:id") view={Lazy::<pages::BranchEdit>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("settings/security") view={Lazy::<pages::Security>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("settings/organization") view={Lazy::<pages::Organization>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("settings/audit") view={Lazy::<pages::Audit>::new()} ssr=SsrMode::Async/>
                </ParentRoute>
            </Routes>
        </Router>
    }
}

#[cfg(test)]
mod tests {
    use super::ships_no_code;

    #[test]
    fn public_pages_ship_no_code_and_the_staff_app_does() {
        for path in [
            "/",
            "/login",
            "/login/verify",
            "/signup",
            "/invite/abc",
            "/forgot-password",
            "/reset-password/abc",
            "/book/clinic/x",
            "/manage/t/move",
            "/forms/t",
        ] {
            assert!(ships_no_code(path), "{path}");
        }
        for path in ["/app", "/app/calendar", "/loginx", "/no-such-page"] {
            assert!(!ships_no_code(path), "{path}");
        }
    }
}
