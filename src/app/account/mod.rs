//! `/app/account`: one's own two-factor authentication, signed-in devices and API tokens.

pub mod enrolment;

use leptos::prelude::*;
use leptos_meta::Title;
use uuid::Uuid;

use crate::{
    components::{
        confirm::{Confirm, ConfirmButton},
        form::{action_error, field_error, FormAlert, SubmitButton, TextField},
        loaded::{loaded, loaded_or},
        table::{Column, DataTable},
    },
    domain::{
        account::{ApiTokens, DeviceSession, TwoFactorStatus},
        AppError,
    },
};
use enrolment::EnrolmentPanel;

#[server]
pub async fn get_two_factor() -> Result<TwoFactorStatus, AppError> {
    use crate::server::{account, auth::context::RequestContext};
    account::two_factor(&RequestContext::load().await?).await
}

#[server]
pub async fn enable_two_factor(code: String) -> Result<(), AppError> {
    use crate::server::{account, auth::context::RequestContext};
    account::enable_two_factor(&RequestContext::load().await?, &code).await
}

#[server]
pub async fn disable_two_factor(code: String) -> Result<(), AppError> {
    use crate::server::{account, auth::context::RequestContext};
    account::disable_two_factor(&RequestContext::load().await?, &code).await
}

#[server]
pub async fn list_sessions() -> Result<Vec<DeviceSession>, AppError> {
    use crate::server::{account, auth::context::RequestContext};
    account::sessions(&RequestContext::load().await?).await
}

/// Ends one of the caller's sessions; ending this one signs out here too.
#[server]
pub async fn revoke_session(id: Uuid) -> Result<(), AppError> {
    use crate::server::{
        account,
        auth::context::{self, RequestContext},
    };
    let ctx = RequestContext::load().await?;
    account::revoke_session(&ctx, id).await?;
    if ctx.session_id() == Some(id) {
        context::clear_session_cookies(&ctx.state);
        leptos_axum::redirect("/login");
    }
    Ok(())
}

/// The caller's API tokens, and a token just created by a form without JavaScript.
#[server]
pub async fn list_api_tokens() -> Result<ApiTokens, AppError> {
    use crate::server::{account, auth::context::RequestContext, flash};
    let ctx = RequestContext::load().await?;
    let tokens = account::api_tokens(&ctx).await?;
    Ok(ApiTokens {
        tokens,
        created: flash::take(&ctx.state),
    })
}

/// Creates an API token; its secret is returned this once.
#[server]
pub async fn create_api_token(name: String) -> Result<String, AppError> {
    use crate::server::{account, auth::context::RequestContext, flash};
    let ctx = RequestContext::load().await?;
    let token = account::create_api_token(&ctx, &name).await?;
    flash::set(&ctx.state, &token);
    Ok(token)
}

#[server]
pub async fn revoke_api_token(id: Uuid) -> Result<(), AppError> {
    use crate::server::{account, auth::context::RequestContext};
    account::revoke_api_token(&RequestContext::load().await?, id).await
}

#[component]
pub fn AccountPage() -> impl IntoView {
    view! {
        <Title text="Your account"/>
        <h1>"Your account"</h1>
        <TwoFactorSection/>
        <SessionsSection/>
        <ApiTokensSection/>
    }
}

#[component]
fn TwoFactorSection() -> impl IntoView {
    let enable = ServerAction::<EnableTwoFactor>::new();
    let disable = ServerAction::<DisableTwoFactor>::new();
    let status = Resource::new(
        move || (enable.version().get(), disable.version().get()),
        |_| get_two_factor(),
    );
    let enable_error = action_error(enable);
    let disable_error = action_error(disable);

    view! {
        <section class="panel" aria-labelledby="two-factor-title">
            <h2 id="two-factor-title">"Two-factor authentication"</h2>
            {loaded_or(status, "Loading…", |error| view! { <p role="alert">{error.to_string()}</p> }.into_any(), move |status| {
                    match status {
                        TwoFactorStatus { enabled: true, recovery_codes_left, required_by_organization, .. } => view! {
                            <p class="status status--ok" data-testid="two-factor-status">"On"</p>
                            <p>{format!("{recovery_codes_left} of 10 recovery codes unused.")}</p>
                            {if required_by_organization {
                                view! { <p class="field__hint">"Your organization requires two-factor authentication."</p> }.into_any()
                            } else {
                                view! {
                                    <ActionForm action=disable attr:class="form form--inline">
                                        <FormAlert error=disable_error/>
                                        <TextField label="Code from your app, to turn it off" name="code" autocomplete="one-time-code" inputmode="numeric" required=true error=field_error(disable_error, "code")/>
                                        <SubmitButton label="Turn off" pending_label="Turning off…" pending=disable.pending()/>
                                    </ActionForm>
                                }.into_any()
                            }}
                        }.into_any(),
                        TwoFactorStatus { enrolment, .. } => view! {
                            <p class="status status--off" data-testid="two-factor-status">"Off"</p>
                            <p>"Protect your account: a stolen password alone will not be enough to sign in."</p>
                            {enrolment.map(|enrolment| view! { <EnrolmentPanel enrolment/> })}
                            <ActionForm action=enable attr:class="form form--inline">
                                <FormAlert error=enable_error/>
                                <TextField label="Code from your app" name="code" autocomplete="one-time-code" inputmode="numeric" required=true error=field_error(enable_error, "code")/>
                                <SubmitButton label="Turn on" pending_label="Checking…" pending=enable.pending()/>
                            </ActionForm>
                        }.into_any(),
                    }
            })}
        </section>
    }
}

#[component]
fn SessionsSection() -> impl IntoView {
    let revoke = ServerAction::<RevokeSession>::new();
    let sessions = Resource::new(move || revoke.version().get(), |_| list_sessions());
    let revoke_error = action_error(revoke);

    view! {
        <section class="panel" aria-labelledby="sessions-title">
            <h2 id="sessions-title">"Signed-in devices"</h2>
            <FormAlert error=revoke_error/>
            {loaded(sessions, move |list| view! {
                            <DataTable
                                label="Signed-in devices"
                                columns=vec!["Device".into(), "Address".into(), "Last active".into(), Column::hidden("Actions")]
                                rows=list
                                row=move |s| {
                                        let device = s.device();
                                        view! {
                                            <tr data-testid="session-row">
                                                <td>{device.clone()}{s.current.then(|| view! { <span class="badge">"This device"</span> })}</td>
                                                <td>{s.ip.clone().unwrap_or_default()}</td>
                                                <td>{s.last_seen_local.clone()}</td>
                                                <td>
                                                    <ActionForm action=revoke>
                                                        <input type="hidden" name="id" value=s.id.to_string()/>
                                                        <button class="button button--quiet" type="submit">
                                                            {if s.current { "Sign out" } else { "End session" }}
                                                            <span class="visually-hidden">{format!(" on {device}")}</span>
                                                        </button>
                                                    </ActionForm>
                                                </td>
                                            </tr>
                                        }
                                    }
                            />
                        })}
        </section>
    }
}

#[component]
fn ApiTokensSection() -> impl IntoView {
    let create = ServerAction::<CreateApiToken>::new();
    let revoke = ServerAction::<RevokeApiToken>::new();
    let tokens = Resource::new(
        move || (create.version().get(), revoke.version().get()),
        |_| list_api_tokens(),
    );
    let create_error = action_error(create);
    let created = move || create.value().get().and_then(Result::ok);

    view! {
        <section class="panel" aria-labelledby="api-title">
            <h2 id="api-title">"API tokens"</h2>
            <p>"Integrations call the CareOps API with a token that acts as you. Send it as " <code>"Authorization: Bearer …"</code> ", and the branch as " <code>"X-Branch-Id"</code> "."</p>
            {loaded(tokens, move |ApiTokens { tokens: list, created: flashed }| {
                            let shown = created().or(flashed);
                            view! {
                                {shown.map(|token| view! {
                                    <div class="notice" role="status">
                                        <p>"Copy this token now. It will not be shown again."</p>
                                        <code class="notice__secret" data-testid="new-api-token">{token}</code>
                                    </div>
                                })}
                                <ul class="list">
                                    {list.into_iter().map(|t| view! {
                                        <li class="list__item">
                                            <span>{t.name.clone()}</span>
                                            <span class="field__hint">{format!("created {}", t.created_local)}</span>
                                            <Confirm
                                                key=format!("revoke-{}", t.id)
                                                label="Revoke"
                                                detail=format!(" {}", t.name)
                                                question="Whatever uses this token can no longer call CareOps."
                                            >
                                                <ActionForm action=revoke>
                                                    <input type="hidden" name="id" value=t.id.to_string()/>
                                                    <ConfirmButton label="Revoke the token" pending=revoke.pending()/>
                                                </ActionForm>
                                            </Confirm>
                                        </li>
                                    }).collect_view()}
                                </ul>
                            }
                        })}
            <ActionForm action=create attr:class="form form--inline">
                <FormAlert error=create_error/>
                <TextField label="Token name" name="name" hint="What uses it, e.g. \"Accounting export\"." required=true error=field_error(create_error, "name")/>
                <SubmitButton label="Create token" pending_label="Creating…" pending=create.pending()/>
            </ActionForm>
        </section>
    }
}
