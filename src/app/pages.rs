//! Every page as a lazy route: the browser downloads a page's code when the page is
//! first opened (its own WASM chunk, split out by `cargo leptos build --split`), so the
//! module every page loads holds only the router, the shell and the reactive runtime.
//! On the server a lazy route renders as any other, and the page it renders preloads
//! its chunks.
//!
//! A new page is one line here and one `Lazy::<pages::Name>::new()` in the route table.

use leptos::prelude::{AnyView, IntoAny};
use leptos_router::{lazy_route, LazyRoute};

use super::{account, auth, calendar, home, landing, layout, patients, portal, settings, staff};

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

lazy_page! {
    Landing => landing::Landing;
    Login => auth::LoginPage;
    LoginVerify => auth::LoginVerifyPage;
    LoginEnrolment => auth::LoginEnrolmentPage;
    SignUp => auth::SignUpPage;
    Invitation => auth::InvitationPage;

    PortalHome => portal::PortalHomePage;
    PortalServices => portal::PortalServicesPage;
    PortalSlots => portal::SlotsPage;
    PortalConfirm => portal::ConfirmPage;
    PortalManage => portal::ManagePage;
    PortalMove => portal::MovePage;

    Staff => layout::AppLayout;
    Overview => home::Overview;
    Account => account::AccountPage;
    Calendar => calendar::CalendarPage;
    NewAppointment => calendar::NewAppointmentPage;
    Appointment => calendar::AppointmentPage;
    Patients => patients::PatientsPage;
    NewPatient => patients::NewPatientPage;
    PatientImport => patients::ImportPage;
    PatientImportPreview => patients::ImportPreviewPage;
    Patient => patients::PatientPage;
    Services => settings::ServicesListPage;
    ServiceEdit => settings::ServiceEditPage;
    Places => settings::PlacesPage;
    OnlineBooking => settings::OnlineBookingPage;
    Hours => settings::HoursSettingsPage;
    StaffList => staff::StaffPage;
    StaffMember => staff::StaffMemberPage;
    Settings => settings::SettingsIndex;
    Branches => settings::BranchesPage;
    BranchNew => settings::BranchNewPage;
    BranchEdit => settings::BranchEditPage;
    Security => settings::SecurityPage;
    Audit => settings::AuditPage;
}
