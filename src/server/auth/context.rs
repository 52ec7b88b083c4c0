//! The request context every server function and API handler starts from: the app's
//! state, who is asking, in which organization and branch, and the one guard that
//! decides whether they may.

use axum::http::request::Parts;
use axum_extra::extract::CookieJar;
use leptos::prelude::{expect_context, use_context};
use leptos_axum::ResponseOptions;
use uuid::Uuid;

use super::{cookies, middleware::client_of, service::IssuedTokens, tokens::Authenticated};
use crate::{
    domain::{access::Action, session::CurrentUser, AppError},
    server::{
        db::{accounts, audit, sessions::ClientInfo, Tx},
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
    parts().map(|p| client_of(&p.extensions)).unwrap_or_default()
}

/// The access token's identity, if the request carried a valid one.
pub fn authenticated() -> Option<Authenticated> {
    parts().ok()?.extensions.get::<Authenticated>().copied()
}

/// A cookie of the current request.
pub fn cookie(name: &str) -> Option<String> {
    let parts = parts().ok()?;
    CookieJar::from_headers(&parts.headers)
        .get(name)
        .map(|c| c.value().to_owned())
}

/// The address people reach CareOps at: `PUBLIC_URL`, else this request's host.
pub fn public_base_url(state: &AppState, parts: Option<&Parts>) -> String {
    if let Some(url) = &state.config.public_url {
        return url.clone();
    }
    let host = parts
        .and_then(|p| p.headers.get(axum::http::header::HOST))
        .and_then(|h| h.to_str().ok())
        .unwrap_or("127.0.0.1:3000");
    let scheme = if state.config.cookie_secure { "https" } else { "http" };
    format!("{scheme}://{host}")
}

/// The address in links sent to patients: `PUBLIC_URL`, else the address this server
/// listens on. Never a request's `Host`: anyone can send one, and a message would carry
/// their address, with a valid manage token, to a patient.
pub fn message_base_url(state: &AppState) -> String {
    match &state.config.public_url {
        Some(url) => url.clone(),
        None => format!("http://{}", state.leptos_options.site_addr),
    }
}

/// The base URL for links made during this server function call.
pub fn request_base_url(state: &AppState) -> String {
    public_base_url(state, parts().ok().as_ref())
}

pub fn set_cookies(values: impl IntoIterator<Item = axum::http::HeaderValue>) {
    let response = expect_context::<ResponseOptions>();
    for value in values {
        response.append_header(axum::http::header::SET_COOKIE, value);
    }
}

pub fn set_session_cookies(state: &AppState, tokens: &IssuedTokens) {
    set_cookies(cookies::issued(tokens, &state.config));
}

pub fn clear_session_cookies(state: &AppState) {
    set_cookies(cookies::cleared(&state.config));
}

pub fn set_challenge_cookie(state: &AppState, challenge: String) {
    set_cookies([cookies::challenge(challenge, &state.config)]);
}

pub fn clear_challenge_cookie(state: &AppState) {
    set_cookies([cookies::challenge_cleared(&state.config)]);
}

/// How the caller proved who they are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Credential {
    /// A browser session (cookies).
    Session(Uuid),
    /// An integration's API token.
    ApiToken(Uuid),
}

/// A signed-in staff member's request.
#[derive(Clone)]
pub struct RequestContext {
    pub state: AppState,
    pub user: CurrentUser,
    pub credential: Credential,
    pub client: ClientInfo,
    /// Where this caller reaches CareOps, for links made on their behalf.
    pub base_url: String,
}

impl RequestContext {
    /// The caller of a server function or page; `Unauthenticated` without a live session.
    pub async fn load() -> Result<Self, AppError> {
        let state = app_state()?;
        let auth = authenticated().ok_or_else(AppError::sign_in_required)?;
        let mut ctx = Self::for_session(state, auth, client()).await?;
        ctx.base_url = request_base_url(&ctx.state);
        Ok(ctx)
    }

    pub async fn for_session(state: AppState, auth: Authenticated, client: ClientInfo) -> Result<Self, AppError> {
        // The access token may be valid for minutes after a log-out or deactivation; the
        // session row is the truth.
        let user = accounts::session_caller(state.db.pool(), auth.org_id, auth.session_id, auth.user_id)
            .await?
            .ok_or_else(AppError::sign_in_required)?;
        Ok(Self {
            base_url: public_base_url(&state, None),
            state,
            user,
            credential: Credential::Session(auth.session_id),
            client,
        })
    }

    /// An API caller: a bearer token, and the branch named by `X-Branch-Id` (a branch
    /// they do not belong to is refused).
    pub async fn for_api_token(
        state: AppState,
        token: &str,
        branch: Option<Uuid>,
        client: ClientInfo,
    ) -> Result<Self, AppError> {
        let (token_id, user) = accounts::api_caller(state.db.pool(), &super::tokens::hash_token(token), branch)
            .await?
            .ok_or_else(|| AppError::Unauthenticated("The API token is missing, revoked or wrong.".into()))?;
        Ok(Self {
            base_url: public_base_url(&state, None),
            state,
            user,
            credential: Credential::ApiToken(token_id),
            client,
        })
    }

    /// The guard: may the caller take `action` in their current branch?
    pub fn require(&self, action: Action) -> Result<(), AppError> {
        if self.user.can(action) {
            Ok(())
        } else {
            tracing::info!(user_id = %self.user.user_id, ?action, "refused");
            Err(AppError::Forbidden(format!(
                "You are not allowed to {}. Ask an owner or administrator if you need to.",
                action.describe()
            )))
        }
    }

    /// The guard for an action on another branch than the current one: the caller's role
    /// in that branch decides. A branch they have no membership of is not found.
    pub fn require_in(&self, branch_id: Uuid, action: Action, what: &str) -> Result<(), AppError> {
        let access = self
            .user
            .branches
            .iter()
            .find(|b| b.id == branch_id)
            .ok_or_else(|| AppError::not_found(what))?;
        if access.role.can(action) {
            Ok(())
        } else {
            tracing::info!(user_id = %self.user.user_id, %branch_id, ?action, "refused");
            Err(AppError::Forbidden(format!(
                "You are not allowed to {} in {}. Ask an owner or administrator if you need to.",
                action.describe(),
                access.name
            )))
        }
    }

    /// An instant as the caller reads it: in their current branch's time zone.
    pub fn local_time(&self, instant: chrono::DateTime<chrono::Utc>) -> String {
        crate::domain::time::local_datetime(instant, &self.user.branch.timezone)
    }

    pub fn org_id(&self) -> Uuid {
        self.user.org_id
    }

    pub fn session_id(&self) -> Option<Uuid> {
        match self.credential {
            Credential::Session(id) => Some(id),
            Credential::ApiToken(_) => None,
        }
    }

    /// A transaction that sees only the caller's organization.
    pub async fn tenant(&self) -> Result<Tx, AppError> {
        self.state.db.tenant(self.user.org_id).await
    }

    /// The caller's organization's transaction for a write that changes appointments
    /// ([`Db::tenant_planned_once`](crate::server::db::Db::tenant_planned_once)).
    pub async fn tenant_planned_once(&self) -> Result<Tx, AppError> {
        self.state.db.tenant_planned_once(self.user.org_id).await
    }

    /// Appends to the audit log, in the transaction of the change it describes.
    pub async fn audit(
        &self,
        tx: &mut Tx,
        action: &str,
        entity: &str,
        entity_id: Option<Uuid>,
        diff: serde_json::Value,
    ) -> Result<(), AppError> {
        audit::record(
            tx,
            audit::Entry {
                org_id: self.user.org_id,
                branch_id: Some(self.user.branch.id),
                actor: Some(self.user.user_id),
                action,
                entity,
                entity_id,
                diff,
                ip: self.client.ip.as_deref(),
            },
        )
        .await
    }
}

/// The signed-in staff member behind a plain axum route (a download, a form upload): the
/// same request context as a server function's. Without a live session the browser is
/// sent to sign in and brought back to the page it was on.
pub struct Staff(pub RequestContext);

impl axum::extract::FromRequestParts<AppState> for Staff {
    type Rejection = axum::response::Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        use axum::response::{IntoResponse, Redirect};

        let sign_in = |parts: &Parts| {
            let next: String = form_urlencoded::byte_serialize(return_path(parts).as_bytes()).collect();
            Redirect::to(&format!("/login?next={next}")).into_response()
        };
        let Some(auth) = parts.extensions.get::<Authenticated>().copied() else {
            return Err(sign_in(parts));
        };
        match RequestContext::for_session(state.clone(), auth, client_of(&parts.extensions)).await {
            Ok(mut ctx) => {
                ctx.base_url = public_base_url(state, Some(parts));
                Ok(Staff(ctx))
            }
            Err(AppError::Unauthenticated(_)) => Err(sign_in(parts)),
            Err(err) => Err(err.into_response()),
        }
    }
}

/// Where to come back to after signing in: the page asked for, or for a form post the
/// page the form was on (its `Referer`, when it is one of ours).
fn return_path(parts: &Parts) -> String {
    let wanted = if parts.method == axum::http::Method::GET {
        parts.uri.path_and_query().map(|p| p.as_str().to_owned())
    } else {
        parts
            .headers
            .get(axum::http::header::REFERER)
            .and_then(|r| r.to_str().ok())
            .and_then(|r| r.parse::<axum::http::Uri>().ok())
            .and_then(|uri| uri.path_and_query().map(|p| p.as_str().to_owned()))
    };
    crate::domain::account::safe_next_path(wanted.as_deref())
}
