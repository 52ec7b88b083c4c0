//! Signing up, in and out.

mod login;
mod signup;

pub use login::LoginPage;
pub use signup::SignUpPage;

use leptos::prelude::*;

use crate::domain::{session::CurrentUser, AppError};

/// Creates an organization with its first branch and owner, and signs the owner in.
#[server]
pub async fn sign_up(
    org_name: String,
    branch_name: String,
    timezone: String,
    full_name: String,
    email: String,
    password: String,
) -> Result<(), AppError> {
    use crate::server::auth::{context, service};

    let input = service::SignUp::parse(
        &org_name,
        &branch_name,
        &timezone,
        &full_name,
        &email,
        &password,
    )?;
    let state = context::app_state()?;
    let tokens = service::sign_up(&state, input, &context::client()).await?;
    context::set_session_cookies(&state, &tokens);
    leptos_axum::redirect("/app");
    Ok(())
}

/// Signs in with email and password, then goes to `next` (a path on this site).
#[server]
pub async fn log_in(email: String, password: String, next: Option<String>) -> Result<(), AppError> {
    use crate::{
        domain::account::safe_next_path,
        server::auth::{context, service},
    };

    let state = context::app_state()?;
    let tokens = service::log_in(&state, &email, password, &context::client()).await?;
    context::set_session_cookies(&state, &tokens);
    leptos_axum::redirect(&safe_next_path(next.as_deref()));
    Ok(())
}

/// Ends this device's session.
#[server]
pub async fn log_out() -> Result<(), AppError> {
    use crate::server::auth::{context, service};

    let state = context::app_state()?;
    if let Some(auth) = context::authenticated() {
        service::log_out(&state, auth).await?;
    }
    context::clear_session_cookies(&state);
    leptos_axum::redirect("/login");
    Ok(())
}

/// The signed-in user, their organization and current branch.
#[server]
pub async fn get_current_user() -> Result<CurrentUser, AppError> {
    use crate::server::auth::context::RequestContext;

    Ok(RequestContext::load().await?.user)
}
