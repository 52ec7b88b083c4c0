//! The Leptos app: the HTML shell, the route table, and one module per feature.

mod auth;
mod errors;
mod home;
mod landing;
mod layout;

pub use auth::{GetCurrentUser, LogIn, LogOut, SignUp};

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
                <Route path=path!("/signup") view=auth::SignUpPage ssr=SsrMode::Async/>
                <ParentRoute path=path!("/app") view=layout::AppLayout ssr=SsrMode::Async>
                    <Route path=path!("") view=home::Overview ssr=SsrMode::Async/>
                </ParentRoute>
            </Routes>
        </Router>
    }
}
