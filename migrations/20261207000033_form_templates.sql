-- Intake and consent form templates. A template's content (title, introduction,
-- fields) lives in numbered versions that are never changed: saving a changed template
-- adds the next version, so whatever answered an earlier one can show exactly what the
-- patient saw. The template row names the current version.

create table form_templates (
    id uuid primary key default gen_random_uuid(),
    org_id uuid not null references organizations (id) on delete cascade,
    name text not null check (length(btrim(name)) between 1 and 200),
    -- 0 until its first save.
    version integer not null default 0 check (version >= 0),
    active boolean not null default true,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    constraint form_templates_org_id_id_key unique (org_id, id)
);
create unique index form_templates_name_key on form_templates (org_id, lower(name));
select enable_tenant_isolation('form_templates');

create table form_versions (
    org_id uuid not null,
    template_id uuid not null,
    version integer not null check (version >= 1),
    name text not null check (length(btrim(name)) between 1 and 200),
    intro text not null default '' check (length(intro) <= 2000),
    -- [{key, kind, label, help, required, choices}], in order (`domain::forms::FormField`).
    fields jsonb not null check (jsonb_typeof(fields) = 'array'),
    created_by uuid not null,
    created_at timestamptz not null default now(),
    primary key (template_id, version),
    constraint form_versions_template_fkey foreign key (org_id, template_id)
        references form_templates (org_id, id) on delete cascade,
    constraint form_versions_creator_fkey foreign key (org_id, created_by) references users (org_id, id)
);
select enable_tenant_isolation('form_versions');

create function form_versions_frozen() returns trigger language plpgsql as $$
begin
    raise exception 'a form version is never changed: save the template to make a new one'
        using errcode = 'check_violation', constraint = 'form_versions_frozen';
end
$$;

create trigger form_versions_frozen before update on form_versions
    for each row execute function form_versions_frozen();

-- The forms a booking of a service asks the patient to fill in before the visit.
create table service_forms (
    org_id uuid not null,
    service_id uuid not null,
    template_id uuid not null,
    primary key (service_id, template_id),
    constraint service_forms_service_fkey foreign key (org_id, service_id)
        references services (org_id, id) on delete cascade,
    constraint service_forms_template_fkey foreign key (org_id, template_id)
        references form_templates (org_id, id) on delete cascade
);
create index service_forms_template_idx on service_forms (template_id);
select enable_tenant_isolation('service_forms');
