//! Every page as a lazy route: the browser downloads a page's code when the page is
//! first opened (its own WASM chunk, split out by `cargo leptos build --split`), so the
//! module every page loads holds only the router, the shell and the reactive runtime.
//! On the server a lazy route renders as any other, and the page it renders preloads
//! its chunks.
//!
//! A new page is one line here and one `Lazy::<pages::Name>::new()` in the route table.

use leptos::prelude::{AnyView, IntoAny};
use leptos_router::{lazy_route, LazyRoute};

use super::{account, billing, calendar, home, inventory, layout, patients, settings, staff};
#[cfg(feature = "ssr")]
use super::{auth, landing, portal};

/// `$route` is the route's type, `$page` the page component (no props) it shows.
macro_rules! lazy_page {
    ($($route:ident => $page:path;)+) => {$(
        #[doc = concat!("The lazy route of `", stringify!($page), "`.")]
        pub struct $route;

        #[lazy_route]
        impl LazyRoute for $route {
            fn data() -> Self {
                $route
            }

            fn view(_this: Self) -> AnyView {
                $page().into_any()
            }
        }
    )+};
}

// The pages that ship no code (`super::ships_no_code`) exist on the server only: the
// browser never runs them, so their code stays out of the WASM (and out of the shared
// chunks the staff pages load). The browser's route table has `ServerPage` in their place.
#[cfg(feature = "ssr")]
lazy_page! {
    Landing => landing::Landing;
    Login => auth::LoginPage;
    LoginVerify => auth::LoginVerifyPage;
    LoginEnrolment => auth::LoginEnrolmentPage;
    SignUp => auth::SignUpPage;
    Invitation => auth::InvitationPage;
    ForgotPassword => auth::ForgotPasswordPage;
    ResetPassword => auth::ResetPasswordPage;

    PortalHome => portal::PortalHomePage;
    PortalServices => portal::PortalServicesPage;
    PortalSlots => portal::SlotsPage;
    PortalConfirm => portal::ConfirmPage;
    PortalManage => portal::ManagePage;
    PortalMove => portal::MovePage;
    FormLink => portal::PatientFormPage;
}

/// A page that ships no code, reached in the browser by a link or a redirect from the
/// staff app (signing out leads to `/login`): the server renders it, so the browser loads
/// it as a whole new page.
#[cfg(not(feature = "ssr"))]
#[leptos::component]
pub fn ServerPage() -> impl leptos::IntoView {
    #[cfg(feature = "hydrate")]
    {
        let _ = leptos::prelude::window().location().reload();
    }
}

lazy_page! {
    Staff => layout::AppLayout;
    Overview => home::Overview;
    Account => account::AccountPage;
    Calendar => calendar::CalendarPage;
    NewAppointment => calendar::NewAppointmentPage;
    Appointment => calendar::AppointmentPage;
    Invoices => billing::InvoicesPage;
    Takings => billing::TakingsPage;
    Invoice => billing::InvoicePage;
    InvoiceSettings => billing::InvoiceSettingsPage;
    Stock => inventory::StockListPage;
    StockItem => inventory::ItemDetailPage;
    StockItemEdit => inventory::ItemEditPage;
    Patients => patients::PatientsPage;
    NewPatient => patients::NewPatientPage;
    PatientImport => patients::ImportPage;
    PatientImportPreview => patients::ImportPreviewPage;
    Patient => patients::PatientPage;
    Submission => patients::SubmissionPage;
    Services => settings::ServicesListPage;
    ServiceEdit => settings::ServiceEditPage;
    Places => settings::PlacesPage;
    Forms => settings::FormsPage;
    FormBuilder => settings::FormBuilderPage;
    OnlineBooking => settings::OnlineBookingPage;
    Messaging => settings::MessagingSettingsPage;
    MessageLog => settings::MessageLogPage;
    MessageWording => settings::WordingPage;
    Hours => settings::HoursSettingsPage;
    StaffList => staff::StaffPage;
    StaffMember => staff::StaffMemberPage;
    Settings => settings::SettingsIndex;
    Branches => settings::BranchesPage;
    BranchNew => settings::BranchNewPage;
    BranchEdit => settings::BranchEditPage;
    Security => settings::SecurityPage;
    Organization => settings::OrganizationPage;
    Audit => settings::AuditPage;
}
