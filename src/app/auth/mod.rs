//! Signing up, in (with the second step) and out, and joining by invitation.

mod invitation;
mod login;
mod password_reset;
mod second_factor;
mod signup;

pub use invitation::InvitationPage;
pub use login::LoginPage;
pub use password_reset::{ForgotPasswordPage, ResetPasswordPage};
pub use second_factor::{LoginEnrolmentPage, LoginVerifyPage};
pub use signup::SignUpPage;

use leptos::prelude::*;

use crate::domain::{
    account::{EnrolmentView, InvitationInfo, JoinForm, LogInForm, SignUpForm},
    session::CurrentUser,
    AppError,
};

/// Where a successful first step goes: the app, or the second step.
#[cfg(feature = "ssr")]
fn after_password(state: &crate::server::AppState, outcome: crate::server::auth::service::LoginOutcome, next: &str) {
    use crate::server::auth::{context, service::LoginOutcome, tokens::ChallengePurpose};

    match outcome {
        LoginOutcome::SignedIn(tokens) => {
            context::set_session_cookies(state, &tokens);
            leptos_axum::redirect(next);
        }
        LoginOutcome::SecondStep { challenge, purpose } => {
            context::set_challenge_cookie(state, challenge);
            let step = match purpose {
                ChallengePurpose::Verify => "/login/verify",
                ChallengePurpose::Enrol => "/login/setup-2fa",
            };
            let next = crate::components::url::encode(next);
            leptos_axum::redirect(&format!("{step}?next={next}"));
        }
    }
}

/// Creates an organization with its first branch and owner, and signs the owner in.
#[server]
pub async fn sign_up(#[server(flatten)] form: SignUpForm) -> Result<(), AppError> {
    use crate::server::auth::{context, service};

    let input = service::SignUp::parse(&form)?;
    let state = context::app_state()?;
    let tokens = service::sign_up(&state, input, &context::client()).await?;
    context::set_session_cookies(&state, &tokens);
    leptos_axum::redirect("/app");
    Ok(())
}

/// Signs in with email and password, then goes to `next` (a path on this site), or to
/// the second step first.
#[server]
pub async fn log_in(#[server(flatten)] form: LogInForm) -> Result<(), AppError> {
    use crate::{
        domain::account::safe_next_path,
        server::auth::{context, service},
    };

    let LogInForm { email, password, next } = form;
    let state = context::app_state()?;
    let outcome = service::log_in(&state, &email, password, &context::client()).await?;
    after_password(&state, outcome, &safe_next_path(Some(&next)));
    Ok(())
}

/// The second step: a code from the authenticator app, or a recovery code.
#[server]
pub async fn verify_login_code(code: String, next: Option<String>) -> Result<(), AppError> {
    use crate::{
        domain::account::safe_next_path,
        server::auth::{context, cookies::CHALLENGE_COOKIE, service},
    };

    let state = context::app_state()?;
    let challenge = context::cookie(CHALLENGE_COOKIE);
    let tokens = service::verify_second_factor(&state, challenge.as_deref(), &code, &context::client()).await?;
    context::clear_challenge_cookie(&state);
    context::set_session_cookies(&state, &tokens);
    leptos_axum::redirect(&safe_next_path(next.as_deref()));
    Ok(())
}

/// The set-up a sign-in must finish when the organization requires 2FA.
#[server]
pub async fn get_login_enrolment() -> Result<EnrolmentView, AppError> {
    use crate::server::auth::{context, cookies::CHALLENGE_COOKIE, service};

    let state = context::app_state()?;
    service::login_enrolment(&state, context::cookie(CHALLENGE_COOKIE).as_deref()).await
}

#[server]
pub async fn confirm_login_enrolment(code: String, next: Option<String>) -> Result<(), AppError> {
    use crate::{
        domain::account::safe_next_path,
        server::auth::{context, cookies::CHALLENGE_COOKIE, service},
    };

    let state = context::app_state()?;
    let challenge = context::cookie(CHALLENGE_COOKIE);
    let tokens = service::confirm_login_enrolment(&state, challenge.as_deref(), &code, &context::client()).await?;
    context::clear_challenge_cookie(&state);
    context::set_session_cookies(&state, &tokens);
    leptos_axum::redirect(&safe_next_path(next.as_deref()));
    Ok(())
}

/// The organization and email an invitation link is for.
#[server]
pub async fn get_invitation(token: String) -> Result<InvitationInfo, AppError> {
    use crate::server::auth::{context, service};

    let state = context::app_state()?;
    let (_, open) = service::invitation(&state, &token).await?;
    Ok(InvitationInfo {
        org_name: open.org_name,
        email: open.email,
    })
}

/// Joins the organization that sent the invitation.
#[server]
pub async fn accept_invitation(token: String, #[server(flatten)] form: JoinForm) -> Result<(), AppError> {
    use crate::server::auth::{context, service};

    let state = context::app_state()?;
    let outcome =
        service::accept_invitation(&state, &token, &form.full_name, &form.password, &context::client()).await?;
    after_password(&state, outcome, "/app");
    Ok(())
}

/// Emails a link to choose a new password, if an account uses `email`; the page then
/// says so in words that tell nothing about whether one does.
#[server]
pub async fn request_password_reset(email: String) -> Result<(), AppError> {
    use crate::server::auth::{context, password_reset};

    let state = context::app_state()?;
    password_reset::request_password_reset(&state, &email, &context::client()).await?;
    leptos_axum::redirect("/forgot-password?sent=1");
    Ok(())
}

/// Sets a new password with the link's token; every session of the account ends.
#[server]
pub async fn reset_password(token: String, password: String) -> Result<(), AppError> {
    use crate::server::auth::{context, password_reset};

    let state = context::app_state()?;
    password_reset::reset_password(&state, &token, &password, &context::client()).await?;
    leptos_axum::redirect("/login?password=changed");
    Ok(())
}

/// Ends this device's session.
#[server]
pub async fn log_out() -> Result<(), AppError> {
    use crate::server::auth::{context, service};

    let state = context::app_state()?;
    if let Some(auth) = context::authenticated() {
        service::log_out(&state, auth, &context::client()).await?;
    }
    context::clear_session_cookies(&state);
    leptos_axum::redirect("/login");
    Ok(())
}

/// The signed-in user, their organization, branches and current branch.
#[server]
pub async fn get_current_user() -> Result<CurrentUser, AppError> {
    use crate::server::auth::context::RequestContext;

    Ok(RequestContext::load().await?.user)
}
