-- The visit: when the patient arrived and when treatment began and ended, the services
-- performed, the materials used, and the clinical note with its addenda.

-- When the patient confirmed and when they arrived, kept on the appointment: the calendar
-- shows the waiting time, and undoing a mistaken arrival goes back to confirmed only if
-- the patient had confirmed.
alter table appointments
    add column confirmed_at timestamptz,
    add column arrived_at timestamptz;

-- One per appointment, from the moment treatment starts. The note is the treating
-- practitioner's (subjective, objective, assessment, plan); completing the visit signs
-- it, and a signed note never changes again: later words are addenda.
create table visits (
    appointment_id uuid primary key,
    org_id uuid not null references organizations (id) on delete cascade,
    branch_id uuid not null,
    patient_id uuid not null,
    practitioner_id uuid not null,
    started_at timestamptz not null default now(),
    completed_at timestamptz,
    subjective text not null default '' check (length(subjective) <= 20000),
    objective text not null default '' check (length(objective) <= 20000),
    assessment text not null default '' check (length(assessment) <= 20000),
    plan text not null default '' check (length(plan) <= 20000),
    note_updated_at timestamptz,
    signed_at timestamptz,
    signed_by uuid,
    constraint visits_org_id_appointment_id_key unique (org_id, appointment_id),
    constraint visits_appointment_fkey foreign key (org_id, appointment_id)
        references appointments (org_id, id) on delete cascade,
    constraint visits_patient_fkey foreign key (org_id, patient_id) references patients (org_id, id),
    constraint visits_signer_fkey foreign key (org_id, signed_by) references users (org_id, id),
    constraint visits_signed_when_completed check (signed_at is null or completed_at is not null)
);
create index visits_patient_idx on visits (patient_id, started_at desc);

-- The second wall behind the application's rule: a signed note cannot be rewritten, nor
-- unsigned, by any statement.
create function visits_signed_note_locked() returns trigger
language plpgsql
as $$
begin
    if old.signed_at is not null and (
        new.subjective is distinct from old.subjective or new.objective is distinct from old.objective
        or new.assessment is distinct from old.assessment or new.plan is distinct from old.plan
        or new.signed_at is distinct from old.signed_at or new.signed_by is distinct from old.signed_by
    ) then
        raise exception 'a signed clinical note cannot be changed' using errcode = 'check_violation',
            constraint = 'visits_note_signed';
    end if;
    return new;
end
$$;
create trigger visits_signed_note_locked before update on visits
    for each row execute function visits_signed_note_locked();

-- Words added to a note after it was signed, with their author and time; never edited.
create table visit_note_addenda (
    id uuid primary key default gen_random_uuid(),
    org_id uuid not null references organizations (id) on delete cascade,
    appointment_id uuid not null,
    author_id uuid not null,
    body text not null check (length(btrim(body)) between 1 and 20000),
    created_at timestamptz not null default now(),
    constraint visit_note_addenda_visit_fkey foreign key (org_id, appointment_id)
        references visits (org_id, appointment_id) on delete cascade,
    constraint visit_note_addenda_author_fkey foreign key (org_id, author_id) references users (org_id, id)
);
create index visit_note_addenda_visit_idx on visit_note_addenda (appointment_id, created_at);
revoke update, delete, truncate on visit_note_addenda from careops_app;

-- The services performed: what the invoice is drafted from. The price is the catalog's
-- when added, unless someone allowed to changed it.
create table visit_services (
    id uuid primary key default gen_random_uuid(),
    org_id uuid not null references organizations (id) on delete cascade,
    appointment_id uuid not null,
    service_id uuid not null,
    quantity integer not null default 1 check (quantity between 1 and 100),
    unit_price_minor bigint not null check (unit_price_minor >= 0),
    price_overridden boolean not null default false,
    added_by uuid,
    added_at timestamptz not null default now(),
    constraint visit_services_visit_fkey foreign key (org_id, appointment_id)
        references visits (org_id, appointment_id) on delete cascade,
    constraint visit_services_service_fkey foreign key (org_id, service_id) references services (org_id, id)
);
create index visit_services_visit_idx on visit_services (appointment_id, added_at);

-- The materials used. `item_id` is the inventory item the stock is taken from, once the
-- organization keeps stock; until then a material is its description.
create table visit_materials (
    id uuid primary key default gen_random_uuid(),
    org_id uuid not null references organizations (id) on delete cascade,
    appointment_id uuid not null,
    item_id uuid,
    description text not null check (length(btrim(description)) between 1 and 200),
    quantity integer not null check (quantity between 1 and 10000),
    unit text not null default '' check (length(unit) <= 20),
    added_by uuid,
    added_at timestamptz not null default now(),
    constraint visit_materials_visit_fkey foreign key (org_id, appointment_id)
        references visits (org_id, appointment_id) on delete cascade
);
create index visit_materials_visit_idx on visit_materials (appointment_id, added_at);

do $$
declare
    t text;
begin
    foreach t in array array['visits', 'visit_note_addenda', 'visit_services', 'visit_materials'] loop
        execute format('alter table %I enable row level security', t);
        execute format(
            'create policy tenant_isolation on %I using (org_id = app_org_id()) with check (org_id = app_org_id())', t);
    end loop;
end
$$;
