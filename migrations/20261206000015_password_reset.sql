-- A forgotten password: a single-use link by email, valid for an hour. The message has no
-- branch, so no one reads it in the message log; its link is blanked once it has gone.
alter table messages alter column branch_id drop not null;
alter table messages drop constraint messages_kind_check;
alter table messages add constraint messages_kind_check
    check (kind in ('booking_confirmation', 'cancellation', 'reschedule', 'reminder', 'staff_invitation',
                    'password_reset'));
alter table messages drop constraint messages_patient_check;
alter table messages add constraint messages_patient_check
    check ((patient_id is null) = (kind in ('staff_invitation', 'password_reset')));
alter table messages add constraint messages_branch_check check ((branch_id is null) = (kind = 'password_reset'));

create table password_resets (
    id uuid primary key default gen_random_uuid(),
    org_id uuid not null references organizations (id) on delete cascade,
    user_id uuid not null references users (id) on delete cascade,
    token_hash bytea not null unique,
    expires_at timestamptz not null,
    used_at timestamptz,
    created_at timestamptz not null default now()
);
create index password_resets_user_idx on password_resets (user_id, created_at desc);
alter table password_resets enable row level security;
create policy tenant_isolation on password_resets
    using (org_id = app_org_id()) with check (org_id = app_org_id());

alter table auth_attempts drop constraint auth_attempts_kind_check;
alter table auth_attempts add constraint auth_attempts_kind_check
    check (kind in ('password', 'second_factor', 'portal_booking', 'sign_up', 'password_reset'));

-- The link names no organization: this look-up crosses the tenant wall, as signing in does.
create function auth_password_reset(p_token_hash bytea)
returns table (reset_id uuid, org_id uuid, user_id uuid)
language sql stable security definer set search_path = public
as $$
    select id, org_id, user_id from password_resets
    where token_hash = p_token_hash and used_at is null and expires_at > now()
$$;
revoke all on function auth_password_reset(bytea) from public;
grant execute on function auth_password_reset(bytea) to careops_app;
