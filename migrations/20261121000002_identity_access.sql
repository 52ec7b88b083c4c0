-- Identity and access: branch details, organization security policy, two-factor
-- authentication, invitations, API tokens, the audit log and the sign-in attempt ledger.

alter table organizations
    add column require_two_factor boolean not null default false,
    add column session_idle_minutes integer not null default 30
        check (session_idle_minutes between 5 and 720),
    add column session_max_hours integer not null default 12
        check (session_max_hours between 1 and 720);

alter table branches
    add column address text not null default '' check (length(address) <= 300),
    add column phone text not null default '' check (length(phone) <= 40),
    -- [{"weekday": 1, "opens": "08:00", "closes": "18:00"}, ...], Monday = 1
    add column opening_hours jsonb not null default '[]';

alter table users
    -- the TOTP secret, encrypted (see server::crypto); null until enrolment is confirmed
    add column totp_secret bytea,
    -- an enrolment in progress: secret and recovery codes, encrypted together
    add column totp_pending bytea,
    add column totp_enabled_at timestamptz,
    -- the last accepted time step: a code is accepted once (RFC 6238 §5.2)
    add column totp_last_step bigint,
    add column deactivated_at timestamptz;

create table recovery_codes (
    id uuid primary key default gen_random_uuid(),
    org_id uuid not null references organizations (id) on delete cascade,
    user_id uuid not null,
    code_hash bytea not null,
    used_at timestamptz,
    created_at timestamptz not null default now(),
    constraint recovery_codes_user_fkey foreign key (org_id, user_id) references users (org_id, id) on delete cascade
);
create index recovery_codes_user_idx on recovery_codes (user_id) where used_at is null;

create table invitations (
    id uuid primary key default gen_random_uuid(),
    org_id uuid not null references organizations (id) on delete cascade,
    email text not null check (email = lower(email)),
    role text not null check (role in ('admin', 'practitioner', 'receptionist', 'accountant')),
    token_hash bytea not null,
    -- the link itself, encrypted: shown to the organization's admins until it is used,
    -- since CareOps does not send email yet
    token_sealed bytea not null,
    invited_by uuid not null,
    created_at timestamptz not null default now(),
    expires_at timestamptz not null,
    accepted_at timestamptz,
    revoked_at timestamptz,
    constraint invitations_token_hash_key unique (token_hash),
    constraint invitations_org_id_id_key unique (org_id, id),
    constraint invitations_invited_by_fkey foreign key (org_id, invited_by) references users (org_id, id)
);
create unique index invitations_open_email_key on invitations (org_id, email)
    where accepted_at is null and revoked_at is null;

-- The branches an invitation grants; none means organization-wide (admins only).
create table invitation_branches (
    invitation_id uuid not null,
    org_id uuid not null,
    branch_id uuid not null,
    primary key (invitation_id, branch_id),
    constraint invitation_branches_invitation_fkey foreign key (org_id, invitation_id)
        references invitations (org_id, id) on delete cascade,
    constraint invitation_branches_branch_fkey foreign key (org_id, branch_id)
        references branches (org_id, id) on delete cascade
);

create table api_tokens (
    id uuid primary key default gen_random_uuid(),
    org_id uuid not null references organizations (id) on delete cascade,
    user_id uuid not null,
    name text not null check (length(name) between 1 and 80),
    token_hash bytea not null,
    created_at timestamptz not null default now(),
    last_used_at timestamptz,
    revoked_at timestamptz,
    constraint api_tokens_token_hash_key unique (token_hash),
    constraint api_tokens_user_fkey foreign key (org_id, user_id) references users (org_id, id) on delete cascade
);

-- Append-only: the application role may insert and read, never change or delete.
create table audit_log (
    id bigint generated always as identity primary key,
    org_id uuid not null references organizations (id) on delete cascade,
    branch_id uuid,
    actor_user_id uuid,
    action text not null,
    entity text not null,
    entity_id uuid,
    -- {"before": {...}, "after": {...}} with the changed fields only
    diff jsonb not null default '{}',
    ip text,
    created_at timestamptz not null default now()
);
create index audit_log_org_time_idx on audit_log (org_id, created_at desc, id desc);
revoke update, delete, truncate on audit_log from careops_app;

-- Sign-in and second-factor attempts, for rate limits and lock-out. Not tenant data:
-- a failed attempt may name an email that belongs to no organization.
create table auth_attempts (
    id bigint generated always as identity primary key,
    kind text not null check (kind in ('password', 'second_factor')),
    account text not null,
    ip text,
    succeeded boolean not null,
    created_at timestamptz not null default now()
);
create index auth_attempts_account_idx on auth_attempts (account, created_at desc);
create index auth_attempts_ip_idx on auth_attempts (ip, created_at desc);

do $$
declare
    t text;
begin
    foreach t in array array['recovery_codes', 'invitations', 'invitation_branches', 'api_tokens', 'audit_log'] loop
        execute format('alter table %I enable row level security', t);
        execute format(
            'create policy tenant_isolation on %I using (org_id = app_org_id()) with check (org_id = app_org_id())', t);
    end loop;
end
$$;

-- Look-ups that start before the organization is known (see the foundation migration).

create function auth_invitation(p_token_hash bytea)
returns table (invitation_id uuid, org_id uuid)
language sql stable security definer set search_path = public
as $$
    select id, org_id from invitations where token_hash = p_token_hash
$$;

create function auth_api_token(p_token_hash bytea)
returns table (token_id uuid, org_id uuid, user_id uuid)
language sql stable security definer set search_path = public
as $$
    select id, org_id, user_id from api_tokens where token_hash = p_token_hash and revoked_at is null
$$;

revoke all on function auth_invitation(bytea) from public;
revoke all on function auth_api_token(bytea) from public;
grant execute on function auth_invitation(bytea) to careops_app;
grant execute on function auth_api_token(bytea) to careops_app;
