//! The request context every server function starts from: the app's state, who is
//! asking, and where (organization and branch).

use axum::{extract::ConnectInfo, http::request::Parts};
use leptos::prelude::{expect_context, use_context};
use leptos_axum::ResponseOptions;

use super::{cookies, middleware::client_info, service::IssuedTokens, tokens::Authenticated};
use crate::{
    domain::{session::CurrentUser, AppError},
    server::{
        db::{accounts, sessions, sessions::ClientInfo, Tx},
        error::internal,
        AppState,
    },
};

pub fn app_state() -> Result<AppState, AppError> {
    use_context::<AppState>().ok_or_else(|| internal("request context", "AppState missing"))
}

fn parts() -> Result<Parts, AppError> {
    use_context::<Parts>().ok_or_else(|| internal("request context", "request parts missing"))
}

pub fn client() -> ClientInfo {
    parts()
        .map(|p| {
            client_info(
                &p.headers,
                p.extensions.get::<ConnectInfo<std::net::SocketAddr>>(),
            )
        })
        .unwrap_or_default()
}

/// The access token's identity, if the request carried a valid one.
pub fn authenticated() -> Option<Authenticated> {
    parts().ok()?.extensions.get::<Authenticated>().copied()
}

pub fn set_session_cookies(state: &AppState, tokens: &IssuedTokens) {
    let response = expect_context::<ResponseOptions>();
    for value in cookies::issued(tokens, &state.config) {
        response.append_header(axum::http::header::SET_COOKIE, value);
    }
}

pub fn clear_session_cookies(state: &AppState) {
    let response = expect_context::<ResponseOptions>();
    for value in cookies::cleared(&state.config) {
        response.append_header(axum::http::header::SET_COOKIE, value);
    }
}

/// A signed-in staff member's request.
pub struct RequestContext {
    pub state: AppState,
    pub auth: Authenticated,
    pub user: CurrentUser,
}

impl RequestContext {
    /// Resolves the caller; `Unauthenticated` when there is no live session.
    pub async fn load() -> Result<Self, AppError> {
        let state = app_state()?;
        let auth = authenticated().ok_or_else(AppError::sign_in_required)?;
        let mut tx = state.db.tenant(auth.org_id).await?;
        // The access token may be valid for minutes after a log-out or deactivation; the
        // session row is the truth.
        if !sessions::touch_session(&mut tx, auth.session_id, auth.user_id).await? {
            return Err(AppError::sign_in_required());
        }
        let user = accounts::current_user(&mut tx, auth.user_id)
            .await?
            .ok_or_else(AppError::sign_in_required)?;
        tx.commit().await?;
        Ok(Self { state, auth, user })
    }

    /// A transaction that sees only the caller's organization.
    pub async fn tenant(&self) -> Result<Tx, AppError> {
        self.state.db.tenant(self.user.org_id).await
    }
}
