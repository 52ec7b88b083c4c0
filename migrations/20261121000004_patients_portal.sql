-- Patients and the online booking portal: searchable patient records with consents and
-- tags, booking rules per branch (with per-service overrides), the outbox of messages to
-- patients, and idempotent portal bookings.

create extension if not exists pg_trgm;

alter table patients
    add column consent_sms boolean not null default false,
    add column consent_email boolean not null default false,
    add column tags text[] not null default '{}',
    -- set when this record was merged into another (the survivor)
    add column merged_into uuid,
    -- digits only, for matching "+44 20 7946 0958" with "020 7946 0958"-style typing
    add column phone_digits text generated always as (regexp_replace(phone, '\D', '', 'g')) stored,
    -- one lower-cased text for the search box: name, phone digits, email
    add column search text generated always as (
        lower(full_name) || ' ' || regexp_replace(phone, '\D', '', 'g') || ' ' || lower(email)
    ) stored,
    add constraint patients_merged_into_fkey foreign key (org_id, merged_into) references patients (org_id, id);

-- Substring search that stays fast at hundreds of thousands of patients.
create index patients_search_idx on patients using gin (search gin_trgm_ops);
-- Keyset paging of the list, by name.
create index patients_list_idx on patients (org_id, lower(full_name), id) where archived_at is null;
-- Duplicate warnings and portal matching.
create index patients_phone_idx on patients (org_id, phone_digits) where phone_digits <> '';
create index patients_email_idx on patients (org_id, lower(email)) where email <> '';

alter table branches
    -- patients cannot book later than this many minutes ahead of the start
    add column booking_min_notice_minutes integer not null default 120 check (booking_min_notice_minutes between 0 and 20160),
    -- nor further ahead than this many days
    add column booking_max_days_ahead integer not null default 60 check (booking_max_days_ahead between 1 and 366),
    -- offered start times are this many minutes apart
    add column booking_slot_step_minutes integer not null default 15 check (booking_slot_step_minutes between 5 and 120),
    -- patients may cancel or move online until this many hours before the start
    add column cancellation_window_hours integer not null default 24 check (cancellation_window_hours between 0 and 720);

alter table services
    add column min_notice_minutes integer check (min_notice_minutes between 0 and 20160),
    add column max_days_ahead integer check (max_days_ahead between 1 and 366);

-- Every message a patient would receive, written with the change it tells about; a
-- sender delivers them later (and marks them sent).
create table outbox (
    id uuid primary key default gen_random_uuid(),
    org_id uuid not null references organizations (id) on delete cascade,
    branch_id uuid not null,
    patient_id uuid not null,
    appointment_id uuid,
    kind text not null check (kind in ('booking_confirmation', 'cancellation', 'reschedule')),
    channel text not null check (channel in ('email', 'sms')),
    recipient text not null,
    subject text not null default '',
    body text not null,
    status text not null default 'pending' check (status in ('pending', 'sent', 'failed')),
    created_at timestamptz not null default now(),
    sent_at timestamptz,
    constraint outbox_branch_fkey foreign key (org_id, branch_id) references branches (org_id, id) on delete cascade,
    constraint outbox_patient_fkey foreign key (org_id, patient_id) references patients (org_id, id) on delete cascade,
    constraint outbox_appointment_fkey foreign key (org_id, appointment_id) references appointments (org_id, id) on delete cascade
);
create index outbox_patient_idx on outbox (patient_id, created_at desc);
create index outbox_pending_idx on outbox (created_at) where status = 'pending';

-- A submitted portal booking form, by the key the form carried: a second submission of
-- the same form finds the first booking instead of making another.
create table portal_requests (
    org_id uuid not null references organizations (id) on delete cascade,
    key text not null check (length(key) between 16 and 80),
    appointment_id uuid not null,
    created_at timestamptz not null default now(),
    primary key (org_id, key),
    constraint portal_requests_appointment_fkey foreign key (org_id, appointment_id)
        references appointments (org_id, id) on delete cascade
);

-- An uploaded CSV between its preview and its import.
create table patient_imports (
    id uuid primary key default gen_random_uuid(),
    org_id uuid not null references organizations (id) on delete cascade,
    created_by uuid not null,
    -- [{"line": 2, "fields": {...}, "problems": [...]}, ...]
    rows jsonb not null,
    created_at timestamptz not null default now(),
    imported_at timestamptz,
    constraint patient_imports_user_fkey foreign key (org_id, created_by) references users (org_id, id) on delete cascade
);

alter table auth_attempts drop constraint auth_attempts_kind_check;
alter table auth_attempts add constraint auth_attempts_kind_check
    check (kind in ('password', 'second_factor', 'portal_booking'));

do $$
declare
    t text;
begin
    foreach t in array array['outbox', 'portal_requests', 'patient_imports'] loop
        execute format('alter table %I enable row level security', t);
        execute format(
            'create policy tenant_isolation on %I using (org_id = app_org_id()) with check (org_id = app_org_id())', t);
    end loop;
end
$$;

-- The booking portal starts from an address (/book/{slug}) before the organization is
-- known: this look-up crosses the tenant wall on purpose and returns only the id.
create function portal_organization(p_slug text)
returns table (org_id uuid)
language sql stable security definer set search_path = public
as $$
    select id from organizations where slug = p_slug
$$;
revoke all on function portal_organization(text) from public;
grant execute on function portal_organization(text) to careops_app;
