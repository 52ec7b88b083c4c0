-- Scheduling: rooms, resources, services, working hours, time off, branch closures,
-- patients (the minimum the calendar needs) and appointments.
--
-- Double booking is impossible by construction: exclusion constraints refuse two live
-- appointments (anything not cancelled) whose blocked time, buffers included, overlaps
-- for the same practitioner, the same room or the same resource. Concurrent bookings
-- race inside PostgreSQL, not in a read-then-write.

create extension if not exists btree_gist;

create table rooms (
    id uuid primary key default gen_random_uuid(),
    org_id uuid not null references organizations (id) on delete cascade,
    branch_id uuid not null,
    name text not null check (length(name) between 1 and 80),
    -- what the room is for, matched against a service's room_kind ("treatment", "gym")
    kind text not null check (length(kind) between 1 and 40),
    active boolean not null default true,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    constraint rooms_org_id_id_key unique (org_id, id),
    constraint rooms_branch_fkey foreign key (org_id, branch_id) references branches (org_id, id) on delete cascade,
    constraint rooms_branch_name_key unique (branch_id, name)
);

-- Equipment booked with an appointment ("ultrasound", "shockwave").
create table resources (
    id uuid primary key default gen_random_uuid(),
    org_id uuid not null references organizations (id) on delete cascade,
    branch_id uuid not null,
    name text not null check (length(name) between 1 and 80),
    kind text not null check (length(kind) between 1 and 40),
    active boolean not null default true,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    constraint resources_org_id_id_key unique (org_id, id),
    constraint resources_branch_fkey foreign key (org_id, branch_id) references branches (org_id, id) on delete cascade,
    constraint resources_branch_name_key unique (branch_id, name)
);

-- The organization's catalog. A service names the kind of room and the kinds of
-- equipment it needs; a booking takes a free one of each in its branch.
create table services (
    id uuid primary key default gen_random_uuid(),
    org_id uuid not null references organizations (id) on delete cascade,
    name text not null check (length(name) between 1 and 80),
    duration_minutes integer not null check (duration_minutes between 5 and 600),
    price_minor bigint not null check (price_minor >= 0),
    buffer_before_minutes integer not null default 0 check (buffer_before_minutes between 0 and 120),
    buffer_after_minutes integer not null default 0 check (buffer_after_minutes between 0 and 120),
    colour text not null default '#0f6b7a' check (colour ~ '^#[0-9a-f]{6}$'),
    online_bookable boolean not null default true,
    room_kind text,
    resource_kinds text[] not null default '{}',
    active boolean not null default true,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    constraint services_org_id_id_key unique (org_id, id),
    constraint services_org_name_key unique (org_id, name)
);

-- Who gives which service.
create table service_practitioners (
    org_id uuid not null,
    service_id uuid not null,
    user_id uuid not null,
    primary key (service_id, user_id),
    constraint service_practitioners_service_fkey foreign key (org_id, service_id) references services (org_id, id) on delete cascade,
    constraint service_practitioners_user_fkey foreign key (org_id, user_id) references users (org_id, id) on delete cascade
);

-- A practitioner's weekly hours at a branch, in the branch's time zone; several
-- intervals a day make breaks.
create table working_hours (
    id uuid primary key default gen_random_uuid(),
    org_id uuid not null references organizations (id) on delete cascade,
    branch_id uuid not null,
    user_id uuid not null,
    weekday smallint not null check (weekday between 1 and 7),
    starts time not null,
    ends time not null check (ends > starts),
    constraint working_hours_branch_fkey foreign key (org_id, branch_id) references branches (org_id, id) on delete cascade,
    constraint working_hours_user_fkey foreign key (org_id, user_id) references users (org_id, id) on delete cascade
);
create index working_hours_lookup_idx on working_hours (branch_id, user_id, weekday);

create table time_off (
    id uuid primary key default gen_random_uuid(),
    org_id uuid not null references organizations (id) on delete cascade,
    user_id uuid not null,
    period tstzrange not null check (not isempty(period)),
    reason text not null default '',
    created_at timestamptz not null default now(),
    constraint time_off_user_fkey foreign key (org_id, user_id) references users (org_id, id) on delete cascade
);
create index time_off_lookup_idx on time_off using gist (user_id, period);

-- Days a branch is closed (public holidays), in its own calendar.
create table branch_closures (
    id uuid primary key default gen_random_uuid(),
    org_id uuid not null references organizations (id) on delete cascade,
    branch_id uuid not null,
    day date not null,
    name text not null default '',
    constraint branch_closures_branch_fkey foreign key (org_id, branch_id) references branches (org_id, id) on delete cascade,
    constraint branch_closures_day_key unique (branch_id, day)
);

create table patients (
    id uuid primary key default gen_random_uuid(),
    org_id uuid not null references organizations (id) on delete cascade,
    full_name text not null check (length(full_name) between 1 and 120),
    phone text not null default '',
    email text not null default '',
    birth_date date,
    notes text not null default '',
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    archived_at timestamptz,
    constraint patients_org_id_id_key unique (org_id, id)
);
create index patients_name_idx on patients (org_id, lower(full_name));

-- A recurring series, kept as its rule in the branch's local time, so that every
-- occurrence keeps its wall-clock time across daylight-saving changes.
create table appointment_series (
    id uuid primary key default gen_random_uuid(),
    org_id uuid not null references organizations (id) on delete cascade,
    branch_id uuid not null,
    -- {"every": 1, "unit": "weeks", "until": "2027-03-01"} or {"every": 2, "unit": "days", "count": 6}
    rule jsonb not null,
    first_start_local timestamp not null,
    timezone text not null,
    created_at timestamptz not null default now(),
    constraint appointment_series_org_id_id_key unique (org_id, id),
    constraint appointment_series_branch_fkey foreign key (org_id, branch_id) references branches (org_id, id) on delete cascade
);

create table appointments (
    id uuid primary key default gen_random_uuid(),
    org_id uuid not null references organizations (id) on delete cascade,
    branch_id uuid not null,
    patient_id uuid not null,
    practitioner_id uuid not null,
    service_id uuid not null,
    room_id uuid,
    series_id uuid,
    starts_at timestamptz not null,
    ends_at timestamptz not null check (ends_at > starts_at),
    buffer_before_minutes integer not null default 0 check (buffer_before_minutes >= 0),
    buffer_after_minutes integer not null default 0 check (buffer_after_minutes >= 0),
    -- the time the practitioner, room and equipment are taken, buffers included (set by
    -- appointments_set_blocked; a generated column cannot, as timestamptz arithmetic is
    -- only stable, not immutable)
    blocked tstzrange not null,
    status text not null default 'scheduled'
        check (status in ('scheduled', 'confirmed', 'arrived', 'in_progress', 'completed', 'cancelled', 'no_show')),
    source text not null default 'staff' check (source in ('staff', 'portal', 'api')),
    notes text not null default '' check (length(notes) <= 2000),
    cancel_reason text,
    created_by uuid,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    constraint appointments_org_id_id_key unique (org_id, id),
    constraint appointments_branch_fkey foreign key (org_id, branch_id) references branches (org_id, id),
    constraint appointments_patient_fkey foreign key (org_id, patient_id) references patients (org_id, id),
    constraint appointments_practitioner_fkey foreign key (org_id, practitioner_id) references users (org_id, id),
    constraint appointments_service_fkey foreign key (org_id, service_id) references services (org_id, id),
    constraint appointments_room_fkey foreign key (org_id, room_id) references rooms (org_id, id),
    constraint appointments_series_fkey foreign key (org_id, series_id) references appointment_series (org_id, id),
    constraint appointments_practitioner_overlap exclude using gist (practitioner_id with =, blocked with &&)
        where (status <> 'cancelled'),
    constraint appointments_room_overlap exclude using gist (room_id with =, blocked with &&)
        where (status <> 'cancelled' and room_id is not null)
);
create index appointments_branch_time_idx on appointments using gist (branch_id, blocked);
create index appointments_patient_idx on appointments (patient_id, starts_at desc);
create index appointments_series_idx on appointments (series_id) where series_id is not null;

create function appointments_set_blocked() returns trigger
language plpgsql
as $$
begin
    new.blocked = tstzrange(new.starts_at - make_interval(mins => new.buffer_before_minutes),
                            new.ends_at + make_interval(mins => new.buffer_after_minutes), '[)');
    return new;
end
$$;
create trigger appointments_blocked before insert or update of starts_at, ends_at, buffer_before_minutes,
    buffer_after_minutes on appointments for each row execute function appointments_set_blocked();

-- The equipment an appointment takes; `blocked` and `live` follow the appointment.
create table appointment_resources (
    org_id uuid not null,
    appointment_id uuid not null,
    resource_id uuid not null,
    blocked tstzrange not null,
    live boolean not null default true,
    primary key (appointment_id, resource_id),
    constraint appointment_resources_appointment_fkey foreign key (org_id, appointment_id)
        references appointments (org_id, id) on delete cascade,
    constraint appointment_resources_resource_fkey foreign key (org_id, resource_id) references resources (org_id, id),
    constraint appointment_resources_overlap exclude using gist (resource_id with =, blocked with &&) where (live)
);

-- Keeps the equipment's booking in step with its appointment, in the same statement.
create function appointment_resources_follow() returns trigger
language plpgsql
as $$
begin
    update appointment_resources
    set blocked = new.blocked, live = new.status <> 'cancelled'
    where appointment_id = new.id and (blocked <> new.blocked or live <> (new.status <> 'cancelled'));
    return new;
end
$$;
create trigger appointments_resources_follow after update of starts_at, ends_at, buffer_before_minutes,
    buffer_after_minutes, status on appointments for each row execute function appointment_resources_follow();

create trigger rooms_updated_at before update on rooms for each row execute function set_updated_at();
create trigger resources_updated_at before update on resources for each row execute function set_updated_at();
create trigger services_updated_at before update on services for each row execute function set_updated_at();
create trigger patients_updated_at before update on patients for each row execute function set_updated_at();
create trigger appointments_updated_at before update on appointments for each row execute function set_updated_at();

do $$
declare
    t text;
begin
    foreach t in array array['rooms', 'resources', 'services', 'service_practitioners', 'working_hours', 'time_off',
                             'branch_closures', 'patients', 'appointment_series', 'appointments',
                             'appointment_resources'] loop
        execute format('alter table %I enable row level security', t);
        execute format(
            'create policy tenant_isolation on %I using (org_id = app_org_id()) with check (org_id = app_org_id())', t);
    end loop;
end
$$;
