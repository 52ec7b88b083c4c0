-- Foundation: organizations, branches, staff accounts and their sessions.
--
-- Tenancy: every tenant row carries org_id. Row-level security on org_id is the second
-- wall behind the application's own filters: the app connects as careops_app, which is
-- neither superuser nor table owner nor BYPASSRLS, and sets app.org_id per transaction.
-- A connection that never set it sees no tenant rows at all.

do $$
begin
    create role careops_app login nosuperuser nocreatedb nocreaterole nobypassrls;
exception when duplicate_object then
    -- roles are cluster-wide; another database of this cluster created it already
    null;
end
$$;

grant usage on schema public to careops_app;
alter default privileges in schema public grant select, insert, update, delete on tables to careops_app;
alter default privileges in schema public grant usage, select on sequences to careops_app;

-- The organization whose rows this transaction may see, or null.
create function app_org_id() returns uuid
language sql stable
as $$ select nullif(current_setting('app.org_id', true), '')::uuid $$;

create function set_updated_at() returns trigger
language plpgsql
as $$
begin
    new.updated_at = now();
    return new;
end
$$;

create table organizations (
    id uuid primary key default gen_random_uuid(),
    name text not null check (length(name) between 1 and 120),
    -- the booking portal lives at /book/{slug}
    slug text not null check (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$'),
    currency char(3) not null default 'EUR',
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    constraint organizations_slug_key unique (slug)
);

create table branches (
    id uuid primary key default gen_random_uuid(),
    org_id uuid not null references organizations (id) on delete cascade,
    name text not null check (length(name) between 1 and 120),
    timezone text not null,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    -- lets other tables reference (org_id, branch_id) so a row cannot point into another organization
    constraint branches_org_id_id_key unique (org_id, id)
);

create table users (
    id uuid primary key default gen_random_uuid(),
    org_id uuid not null references organizations (id) on delete cascade,
    email text not null check (email = lower(email)),
    full_name text not null check (length(full_name) between 1 and 120),
    password_hash text not null,
    is_active boolean not null default true,
    -- the branch this user last chose in the shell
    current_branch_id uuid,
    last_login_at timestamptz,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    constraint users_org_id_id_key unique (org_id, id),
    constraint users_email_key unique (email),
    constraint users_current_branch_fkey foreign key (org_id, current_branch_id)
        references branches (org_id, id) on delete set null (current_branch_id)
);

-- A staff member's role, for one branch or (branch_id null) for the whole organization.
create table memberships (
    id uuid primary key default gen_random_uuid(),
    org_id uuid not null references organizations (id) on delete cascade,
    user_id uuid not null,
    branch_id uuid,
    role text not null check (role in ('owner', 'admin', 'practitioner', 'receptionist', 'accountant')),
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    constraint memberships_user_fkey foreign key (org_id, user_id) references users (org_id, id) on delete cascade,
    constraint memberships_branch_fkey foreign key (org_id, branch_id) references branches (org_id, id) on delete cascade,
    constraint memberships_org_wide_roles check (branch_id is not null or role in ('owner', 'admin'))
);
create unique index memberships_user_branch_key on memberships (user_id, coalesce(branch_id, '00000000-0000-0000-0000-000000000000'::uuid));

-- One signed-in device: the family of refresh tokens that descend from one log-in.
create table sessions (
    id uuid primary key default gen_random_uuid(),
    org_id uuid not null references organizations (id) on delete cascade,
    user_id uuid not null,
    user_agent text not null default '',
    ip text,
    created_at timestamptz not null default now(),
    last_seen_at timestamptz not null default now(),
    -- absolute lifetime: no refresh extends a session past this
    expires_at timestamptz not null,
    revoked_at timestamptz,
    revoked_reason text,
    constraint sessions_user_fkey foreign key (org_id, user_id) references users (org_id, id) on delete cascade
);
create index sessions_user_idx on sessions (user_id) where revoked_at is null;

create table refresh_tokens (
    id uuid primary key default gen_random_uuid(),
    org_id uuid not null references organizations (id) on delete cascade,
    session_id uuid not null references sessions (id) on delete cascade,
    -- SHA-256 of the token; the token itself exists only in the browser's cookie
    token_hash bytea not null,
    created_at timestamptz not null default now(),
    expires_at timestamptz not null,
    -- set when this token was exchanged for the next one; presenting it again is reuse
    rotated_at timestamptz,
    constraint refresh_tokens_token_hash_key unique (token_hash)
);
create index refresh_tokens_session_idx on refresh_tokens (session_id);

create trigger organizations_updated_at before update on organizations for each row execute function set_updated_at();
create trigger branches_updated_at before update on branches for each row execute function set_updated_at();
create trigger users_updated_at before update on users for each row execute function set_updated_at();
create trigger memberships_updated_at before update on memberships for each row execute function set_updated_at();

alter table organizations enable row level security;
create policy tenant_isolation on organizations using (id = app_org_id()) with check (id = app_org_id());

do $$
declare
    t text;
begin
    foreach t in array array['branches', 'users', 'memberships', 'sessions', 'refresh_tokens'] loop
        execute format('alter table %I enable row level security', t);
        execute format(
            'create policy tenant_isolation on %I using (org_id = app_org_id()) with check (org_id = app_org_id())', t);
    end loop;
end
$$;

-- Signing in starts before anyone knows the organization: these two look-ups cross the
-- tenant wall on purpose, return only what the next step needs, and run as the owner.

create function auth_user_by_email(p_email text)
returns table (user_id uuid, org_id uuid, password_hash text, is_active boolean)
language sql stable security definer set search_path = public
as $$
    select id, org_id, password_hash, is_active from users where email = lower(p_email)
$$;

create function auth_refresh_token(p_token_hash bytea)
returns table (token_id uuid, org_id uuid, session_id uuid, user_id uuid)
language sql stable security definer set search_path = public
as $$
    select t.id, t.org_id, t.session_id, s.user_id
    from refresh_tokens t join sessions s on s.id = t.session_id
    where t.token_hash = p_token_hash
$$;

revoke all on function auth_user_by_email(text) from public;
revoke all on function auth_refresh_token(bytea) from public;
grant execute on function auth_user_by_email(text) to careops_app;
grant execute on function auth_refresh_token(bytea) to careops_app;
