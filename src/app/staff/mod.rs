//! `/app/staff`: everyone in the organization, invitations, and each member's access.

use super::layout::with_user;
use crate::components::loaded::loaded;
use crate::components::url::id_param;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use uuid::Uuid;

use crate::{
    components::{
        confirm::{Confirm, ConfirmButton},
        form::{
            action_done, action_error, field_error, Checkbox, CheckboxGroup, Choice, FieldMessage, FormAlert,
            SelectField, SubmitButton, TextField,
        },
        table::{columns, DataTable},
        toast::Toast,
    },
    domain::{
        access::Role,
        staff::{InviteForm, StaffAccessForm, StaffDetail, StaffMember, StaffOverview},
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
pub async fn invite_staff(#[server(flatten)] form: InviteForm) -> Result<String, AppError> {
    use crate::server::{
        auth::context::{request_base_url, RequestContext},
        staff,
    };
    let input = form.parse()?;
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
pub async fn update_staff_access(id: Uuid, #[server(flatten)] form: StaffAccessForm) -> Result<(), AppError> {
    use crate::server::{auth::context::RequestContext, staff};
    let grant = form.parse()?;
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
    let invite = ServerAction::<InviteStaff>::new();
    let revoke = ServerAction::<RevokeInvitation>::new();
    let overview = Resource::new(
        move || (invite.version().get(), revoke.version().get()),
        |_| get_staff(),
    );
    let invite_error = action_error(invite);
    let revoke_error = action_error(revoke);

    view! {
        <Title text="Staff"/>
        <h1>"Staff"</h1>
        {with_user(move |user| {
            // Only an owner makes administrators.
            let grantable: Vec<Role> = Role::ASSIGNABLE
                .into_iter()
                .filter(|r| *r != Role::Admin || user.role() == Role::Owner)
                .collect();
            loaded(overview, move |StaffOverview { members, invitations, branches, can_manage }| {
                    let grantable = grantable.clone();
                    view! {
                        <DataTable
                            label="Staff members"
                            columns=columns(["Name", "Access", "2FA", "Last sign-in", "Status"])
                            rows=members
                            row=move |m| {
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
                                }
                        />
                        {can_manage.then(|| view! {
                            <section class="panel" aria-labelledby="invite-title">
                                <h2 id="invite-title">"Invite someone"</h2>
                                <p class="field__hint">"CareOps does not send email yet: give the person the link that appears below."</p>
                                <ActionForm action=invite attr:class="form">
                                    <FormAlert error=invite_error/>
                                    <TextField label="Email" name="email" kind="email" required=true error=field_error(invite_error, "email")/>
                                    <SelectField
                                        label="Role"
                                        name="role"
                                        id="invite-role"
                                        options=grantable.iter().map(|r| Choice::new(r.as_str(), r.label())).collect()
                                        selected=Role::Receptionist.as_str()
                                        error=field_error(invite_error, "role")
                                    />
                                    <CheckboxGroup
                                        legend="Branches"
                                        name="branches[]"
                                        choices=branches.into_iter().map(|b| Choice::new(b.id, b.name)).collect()
                                        hint="Administrators invited without a branch work across the whole organization."
                                        error=field_error(invite_error, "branches")
                                    />
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
                                                        <Confirm
                                                            key=format!("withdraw-{}", i.id)
                                                            label="Withdraw"
                                                            detail=format!(" the invitation of {}", i.email)
                                                            question="The link stops working at once."
                                                        >
                                                            <ActionForm action=revoke>
                                                                <input type="hidden" name="id" value=i.id.to_string()/>
                                                                <ConfirmButton label="Withdraw the invitation" pending=revoke.pending()/>
                                                            </ActionForm>
                                                        </Confirm>
                                                    </li>
                                                }
                                            }).collect_view()}
                                        </ul>
                                    }.into_any()
                                }}
                            </section>
                        })}
                    }.into_any()
            })
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
    let saved = action_done(update, "Access saved.");

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
                            <AccessForm detail=detail.clone() action=update error=update_error saved/>
                            <section class="panel" aria-labelledby="status-title">
                                <h2 id="status-title">{if member.is_active { "Deactivate" } else { "Reactivate" }}</h2>
                                <p>{if member.is_active {
                                    "A deactivated member cannot sign in, and their open sessions end at once. Their records stay."
                                } else {
                                    "They will be able to sign in again with their password."
                                }}</p>
                                <FormAlert error=activate_error/>
                                {if member.is_active {
                                    view! {
                                        <Confirm key="deactivate" label="Deactivate" question=format!("{} is signed out everywhere and can no longer sign in.", member.full_name)>
                                            <ActionForm action=activate>
                                                <input type="hidden" name="id" value=member.user_id.to_string()/>
                                                <input type="hidden" name="active" value="false"/>
                                                <ConfirmButton label=format!("Deactivate {}", member.full_name) pending=activate.pending()/>
                                            </ActionForm>
                                        </Confirm>
                                    }.into_any()
                                } else {
                                    view! {
                                        <ActionForm action=activate>
                                            <input type="hidden" name="id" value=member.user_id.to_string()/>
                                            <input type="hidden" name="active" value="true"/>
                                            <button class="button" type="submit">"Reactivate"</button>
                                        </ActionForm>
                                    }.into_any()
                                }}
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
    saved: Signal<Option<String>>,
) -> impl IntoView {
    let member = detail.member;
    let org_admin = member.org_wide_role() == Some(Role::Admin);
    let can_grant_admin = detail.grantable.contains(&Role::Admin);
    let roles: Vec<Choice> = detail
        .grantable
        .iter()
        .map(|r| Choice::new(r.as_str(), r.label()))
        .collect();
    let member_id = member.user_id.to_string();
    view! {
        <section class="panel" aria-labelledby="access-title">
            <h2 id="access-title">"Access"</h2>
            <ActionForm action attr:class="form">
                <FormAlert error/>
                <Toast message=saved/>
                <input type="hidden" name="id" value=member_id/>
                {can_grant_admin.then(|| view! {
                    <Checkbox
                        label="Administrator of the whole organization (overrides the branch roles below)"
                        name="org_role"
                        value="admin"
                        checked=org_admin
                        error=field_error(error, "org_role")
                    />
                })}
                <DataTable
                    columns=columns(["Branch", "Role"])
                    rows=detail.branches.into_iter().enumerate().collect()
                    row=move |(n, b)| {
                        let current = member.role_at(b.id).map(|r| r.as_str().to_owned()).unwrap_or_default();
                        view! {
                            <tr>
                                <th scope="row">
                                    {b.name.clone()}
                                    <input type="hidden" name=format!("roles[{n}][branch]") value=b.id.to_string()/>
                                </th>
                                <td>
                                    <SelectField
                                        label=format!("Role at {}", b.name)
                                        label_hidden=true
                                        name=format!("roles[{n}][role]")
                                        id=format!("role-{}", b.id)
                                        options=roles.clone()
                                        selected=current
                                        empty="No access"
                                    />
                                </td>
                            </tr>
                        }
                    }
                />
                <FieldMessage error=field_error(error, "roles")/>
                <SubmitButton label="Save access" pending_label="Saving…" pending=action.pending()/>
            </ActionForm>
        </section>
    }
}
