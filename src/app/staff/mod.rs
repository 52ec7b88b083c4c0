//! `/app/staff`: everyone in the organization, invitations, and each member's access.

use crate::components::loaded::loaded;
use crate::components::url::id_param;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use uuid::Uuid;

use crate::{
    components::form::{action_error, field_error, FormAlert, SubmitButton, TextField},
    domain::{
        access::Role,
        session::CurrentUser,
        staff::{BranchRoleInput, StaffDetail, StaffMember, StaffOverview},
        AppError,
    },
};

#[server]
pub async fn get_staff() -> Result<StaffOverview, AppError> {
    use crate::server::{
        auth::context::{request_base_url, RequestContext},
        staff,
    };
    let ctx = RequestContext::load().await?;
    staff::overview(&ctx, &request_base_url(&ctx.state)).await
}

/// Invites someone by email; the answer is the link to give them.
#[server]
pub async fn invite_staff(
    email: String,
    role: String,
    #[server(default)] branches: Vec<String>,
) -> Result<String, AppError> {
    use crate::{
        domain::staff::InviteInput,
        server::{
            auth::context::{request_base_url, RequestContext},
            staff,
        },
    };
    let input = InviteInput::parse(&email, &role, &branches)?;
    let ctx = RequestContext::load().await?;
    staff::invite(&ctx, &input, &request_base_url(&ctx.state)).await
}

#[server]
pub async fn revoke_invitation(id: Uuid) -> Result<(), AppError> {
    use crate::server::{auth::context::RequestContext, staff};
    staff::revoke_invitation(&RequestContext::load().await?, id).await
}

#[server]
pub async fn get_staff_member(id: Uuid) -> Result<StaffDetail, AppError> {
    use crate::server::{auth::context::RequestContext, staff};
    staff::detail(&RequestContext::load().await?, id).await
}

/// Replaces a member's access: `org_role` "admin" for the whole organization, or a
/// role per branch in `roles[n][branch]` / `roles[n][role]`.
#[server]
pub async fn update_staff_access(
    id: Uuid,
    #[server(default)] org_role: Option<String>,
    #[server(default)] roles: Vec<BranchRoleInput>,
) -> Result<(), AppError> {
    use crate::{
        domain::staff::AccessGrant,
        server::{auth::context::RequestContext, staff},
    };
    let grant = AccessGrant::parse(org_role.as_deref().unwrap_or_default(), &roles)?;
    staff::update_access(&RequestContext::load().await?, id, &grant).await
}

#[server]
pub async fn set_staff_active(id: Uuid, active: bool) -> Result<(), AppError> {
    use crate::server::{auth::context::RequestContext, staff};
    staff::set_active(&RequestContext::load().await?, id, active).await
}

fn access_summary(member: &StaffMember) -> String {
    member
        .access
        .iter()
        .map(|a| match &a.branch_name {
            Some(branch) => format!("{} at {branch}", a.role.label()),
            None => format!("{} (all branches)", a.role.label()),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

#[component]
pub fn StaffPage() -> impl IntoView {
    let user = expect_context::<CurrentUser>();
    let invite = ServerAction::<InviteStaff>::new();
    let revoke = ServerAction::<RevokeInvitation>::new();
    let overview = Resource::new(
        move || (invite.version().get(), revoke.version().get()),
        |_| get_staff(),
    );
    let invite_error = action_error(invite);
    let revoke_error = action_error(revoke);
    let grantable: Vec<Role> = Role::ASSIGNABLE
        .into_iter()
        .filter(|r| *r != Role::Admin || user.role() == Role::Owner)
        .collect();

    view! {
        <Title text="Staff"/>
        <h1>"Staff"</h1>
        {loaded(overview, move |StaffOverview { members, invitations, branches, can_manage }| {
                    let grantable = grantable.clone();
                    view! {
                        <table class="table" aria-label="Staff members">
                            <thead>
                                <tr>
                                    <th scope="col">"Name"</th>
                                    <th scope="col">"Access"</th>
                                    <th scope="col">"2FA"</th>
                                    <th scope="col">"Last sign-in"</th>
                                    <th scope="col">"Status"</th>
                                </tr>
                            </thead>
                            <tbody>
                                {members.into_iter().map(|m| {
                                    let access = access_summary(&m);
                                    let name = if can_manage {
                                        view! { <A href=format!("/app/staff/{}", m.user_id)>{m.full_name.clone()}</A> }.into_any()
                                    } else {
                                        view! { <span>{m.full_name.clone()}</span> }.into_any()
                                    };
                                    view! {
                                        <tr data-testid="staff-row">
                                            <td>{name}<br/><span class="field__hint">{m.email.clone()}</span></td>
                                            <td>{access}</td>
                                            <td>{if m.two_factor { "On" } else { "Off" }}</td>
                                            <td>{m.last_login_local.clone().unwrap_or_else(|| "Never".into())}</td>
                                            <td>{if m.is_active { "Active" } else { "Deactivated" }}</td>
                                        </tr>
                                    }
                                }).collect_view()}
                            </tbody>
                        </table>
                        {can_manage.then(|| view! {
                            <section class="panel" aria-labelledby="invite-title">
                                <h2 id="invite-title">"Invite someone"</h2>
                                <p class="field__hint">"CareOps does not send email yet: give the person the link that appears below."</p>
                                <ActionForm action=invite attr:class="form">
                                    <FormAlert error=invite_error/>
                                    <TextField label="Email" name="email" kind="email" required=true error=field_error(invite_error, "email")/>
                                    <div class="field">
                                        <label class="field__label" for="invite-role">"Role"</label>
                                        <select class="field__input" id="invite-role" name="role">
                                            {grantable.iter().map(|r| view! { <option value=r.as_str() selected=*r == Role::Receptionist>{r.label()}</option> }).collect_view()}
                                        </select>
                                    </div>
                                    <fieldset class="form__group">
                                        <legend>"Branches"</legend>
                                        <p class="field__hint">"Administrators invited without a branch work across the whole organization."</p>
                                        {branches.into_iter().map(|b| view! {
                                            <label class="checkbox">
                                                <input type="checkbox" name="branches[]" value=b.id.to_string()/>
                                                {b.name}
                                            </label>
                                        }).collect_view()}
                                        {move || invite_error.get().and_then(|e| e.field_message("branches")).map(|m| view! { <p class="field__error">{m}</p> })}
                                    </fieldset>
                                    <SubmitButton label="Create invitation" pending_label="Inviting…" pending=invite.pending()/>
                                </ActionForm>
                            </section>
                            <section class="panel" aria-labelledby="pending-title">
                                <h2 id="pending-title">"Open invitations"</h2>
                                <FormAlert error=revoke_error/>
                                {if invitations.is_empty() {
                                    view! { <p>"None."</p> }.into_any()
                                } else {
                                    view! {
                                        <ul class="list">
                                            {invitations.into_iter().map(|link| {
                                                let i = link.invitation;
                                                let place = if i.branch_names.is_empty() { "all branches".to_owned() } else { i.branch_names.join(", ") };
                                                view! {
                                                    <li class="list__item" data-testid="invitation">
                                                        <span><strong>{i.email.clone()}</strong>{format!(" · {} · {place}", i.role.label())}</span>
                                                        <label class="field__hint">
                                                            "Link (expires " {i.expires_local.clone()} "): "
                                                            <input class="field__input invitation-link" readonly value=link.url aria-label=format!("Invitation link for {}", i.email)/>
                                                        </label>
                                                        <ActionForm action=revoke>
                                                            <input type="hidden" name="id" value=i.id.to_string()/>
                                                            <button class="button button--quiet" type="submit">"Withdraw"<span class="visually-hidden">{format!(" the invitation of {}", i.email)}</span></button>
                                                        </ActionForm>
                                                    </li>
                                                }
                                            }).collect_view()}
                                        </ul>
                                    }.into_any()
                                }}
                            </section>
                        })}
                    }.into_any()
        })}
    }
}

#[component]
pub fn StaffMemberPage() -> impl IntoView {
    let id = id_param("id");
    let update = ServerAction::<UpdateStaffAccess>::new();
    let activate = ServerAction::<SetStaffActive>::new();
    let detail = Resource::new(
        move || (id(), update.version().get(), activate.version().get()),
        |(id, _, _)| async move {
            match id {
                Some(id) => get_staff_member(id).await,
                None => Err(AppError::not_found("That staff member")),
            }
        },
    );
    let update_error = action_error(update);
    let activate_error = action_error(activate);
    let saved = move || update.value().get().is_some_and(|r| r.is_ok());

    view! {
        {loaded(detail, move |detail| {
                let member = detail.member.clone();
                view! {
                    <Title text=member.full_name.clone()/>
                    <p><A href="/app/staff">"← Staff"</A></p>
                    <h1>{member.full_name.clone()}</h1>
                    <p>{member.email.clone()} " · " {if member.is_active { "Active" } else { "Deactivated" }}</p>
                    {match detail.editable.clone() {
                        Err(reason) => view! { <p class="notice" role="note">{reason}</p> }.into_any(),
                        Ok(()) => view! {
                            <AccessForm detail=detail.clone() action=update error=update_error saved=Signal::derive(saved)/>
                            <section class="panel" aria-labelledby="status-title">
                                <h2 id="status-title">{if member.is_active { "Deactivate" } else { "Reactivate" }}</h2>
                                <p>{if member.is_active {
                                    "A deactivated member cannot sign in, and their open sessions end at once. Their records stay."
                                } else {
                                    "They will be able to sign in again with their password."
                                }}</p>
                                <FormAlert error=activate_error/>
                                <ActionForm action=activate>
                                    <input type="hidden" name="id" value=member.user_id.to_string()/>
                                    <input type="hidden" name="active" value=(!member.is_active).to_string()/>
                                    <button class="button" type="submit">{if member.is_active { "Deactivate" } else { "Reactivate" }}</button>
                                </ActionForm>
                            </section>
                        }.into_any(),
                    }}
                }.into_any()
        })}
    }
}

#[component]
fn AccessForm(
    detail: StaffDetail,
    action: ServerAction<UpdateStaffAccess>,
    error: Signal<Option<AppError>>,
    saved: Signal<bool>,
) -> impl IntoView {
    let member = detail.member;
    let org_admin = member.org_wide_role() == Some(Role::Admin);
    let can_grant_admin = detail.grantable.contains(&Role::Admin);
    view! {
        <section class="panel" aria-labelledby="access-title">
            <h2 id="access-title">"Access"</h2>
            <ActionForm action attr:class="form">
                <FormAlert error/>
                {move || saved.get().then(|| view! { <p class="notice" role="status">"Access saved."</p> })}
                <input type="hidden" name="id" value=member.user_id.to_string()/>
                {can_grant_admin.then(|| view! {
                    <label class="checkbox">
                        <input type="checkbox" name="org_role" value="admin" checked=org_admin/>
                        "Administrator of the whole organization (overrides the branch roles below)"
                    </label>
                })}
                <table class="table">
                    <thead><tr><th scope="col">"Branch"</th><th scope="col">"Role"</th></tr></thead>
                    <tbody>
                        {detail.branches.iter().enumerate().map(|(n, b)| {
                            let current = member.role_at(b.id);
                            let select_id = format!("role-{}", b.id);
                            view! {
                                <tr>
                                    <td>
                                        <label for=select_id.clone()>{b.name.clone()}</label>
                                        <input type="hidden" name=format!("roles[{n}][branch]") value=b.id.to_string()/>
                                    </td>
                                    <td>
                                        <select class="field__input" id=select_id name=format!("roles[{n}][role]")>
                                            <option value="" selected=current.is_none()>"No access"</option>
                                            {detail.grantable.iter().map(|r| view! {
                                                <option value=r.as_str() selected=current == Some(*r)>{r.label()}</option>
                                            }).collect_view()}
                                        </select>
                                    </td>
                                </tr>
                            }
                        }).collect_view()}
                    </tbody>
                </table>
                {move || error.get().and_then(|e| e.field_message("roles")).map(|m| view! { <p class="field__error">{m}</p> })}
                <SubmitButton label="Save access" pending_label="Saving…" pending=action.pending()/>
            </ActionForm>
        </section>
    }
}
