-- Invoices and credit notes: drafted from a completed visit or by hand, numbered at
-- issue with no gap and no duplicate, immutable once issued.

-- What an organization's invoices say about it, and how they are numbered and taxed.
create table invoice_settings (
    org_id uuid primary key references organizations (id) on delete cascade,
    legal_name text not null default '' check (length(legal_name) <= 200),
    address text not null default '' check (length(address) <= 500),
    tax_id text not null default '' check (length(tax_id) <= 50),
    notes text not null default '' check (length(notes) <= 2000),
    payment_terms_days integer not null default 14 check (payment_terms_days between 0 and 365),
    invoice_prefix text not null default 'INV' check (invoice_prefix ~ '^[A-Z0-9]{1,10}$'),
    credit_note_prefix text not null default 'CN' check (credit_note_prefix ~ '^[A-Z0-9]{1,10}$'),
    tax_mode text not null default 'exclusive' check (tax_mode in ('exclusive', 'inclusive')),
    default_tax_bp integer not null default 0 check (default_tax_bp between 0 and 10000),
    updated_at timestamptz not null default now()
);

-- The next number of each series (per organization, kind and year). Taking a number
-- updates the series' row: concurrent issues queue on its lock, and a transaction that
-- rolls back gives its number back, so numbers are consecutive with no gap.
create table invoice_series (
    org_id uuid not null references organizations (id) on delete cascade,
    kind text not null check (kind in ('invoice', 'credit_note')),
    year integer not null,
    next_number bigint not null check (next_number >= 1),
    primary key (org_id, kind, year)
);

create function invoice_number_take(p_org uuid, p_kind text, p_year integer) returns bigint
language sql
as $$
    insert into invoice_series as s (org_id, kind, year, next_number) values (p_org, p_kind, p_year, 2)
    on conflict (org_id, kind, year) do update set next_number = s.next_number + 1
    returning next_number - 1
$$;

create table invoices (
    id uuid primary key default gen_random_uuid(),
    org_id uuid not null references organizations (id) on delete cascade,
    branch_id uuid not null,
    patient_id uuid not null,
    -- the visit it was drafted from, if any
    appointment_id uuid,
    kind text not null default 'invoice' check (kind in ('invoice', 'credit_note')),
    -- a credit note's invoice
    credits_invoice_id uuid,
    status text not null default 'draft'
        check (status in ('draft', 'issued', 'partially_paid', 'paid', 'void')),
    year integer,
    number bigint,
    number_label text,
    currency text not null,
    tax_mode text not null check (tax_mode in ('exclusive', 'inclusive')),
    issued_at timestamptz,
    due_on date,
    -- the seller as the settings said at issue
    seller_name text not null default '',
    seller_address text not null default '',
    seller_tax_id text not null default '',
    notes text not null default '' check (length(notes) <= 2000),
    net_minor bigint not null default 0,
    tax_minor bigint not null default 0,
    total_minor bigint not null default 0,
    paid_minor bigint not null default 0,
    created_by uuid,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    constraint invoices_org_id_id_key unique (org_id, id),
    constraint invoices_number_key unique (org_id, kind, year, number),
    constraint invoices_branch_fkey foreign key (org_id, branch_id) references branches (org_id, id),
    constraint invoices_patient_fkey foreign key (org_id, patient_id) references patients (org_id, id),
    constraint invoices_appointment_fkey foreign key (org_id, appointment_id) references appointments (org_id, id),
    constraint invoices_credits_fkey foreign key (org_id, credits_invoice_id) references invoices (org_id, id),
    constraint invoices_numbered_when_issued check ((status = 'draft') = (number is null) or status = 'void'),
    constraint invoices_paid_within_total check (kind = 'credit_note' or paid_minor between 0 and greatest(total_minor, 0))
);
-- One live invoice per visit: a second "create invoice" opens the first.
create unique index invoices_one_per_visit on invoices (appointment_id)
    where appointment_id is not null and kind = 'invoice' and status <> 'void';
create index invoices_patient_idx on invoices (patient_id, created_at);
create index invoices_outstanding_idx on invoices (org_id, issued_at) where status in ('issued', 'partially_paid');
create index invoices_org_created_idx on invoices (org_id, created_at desc);

create table invoice_lines (
    id uuid primary key default gen_random_uuid(),
    org_id uuid not null references organizations (id) on delete cascade,
    invoice_id uuid not null,
    position integer not null,
    description text not null check (length(btrim(description)) between 1 and 300),
    service_id uuid,
    quantity bigint not null check (quantity between 1 and 10000),
    unit_price_minor bigint not null,
    discount_bp integer not null default 0 check (discount_bp between 0 and 10000),
    tax_bp integer not null default 0 check (tax_bp between 0 and 10000),
    constraint invoice_lines_invoice_fkey foreign key (org_id, invoice_id) references invoices (org_id, id) on delete cascade
);
create index invoice_lines_invoice_idx on invoice_lines (invoice_id, position);

-- An issued invoice or credit note is a legal document: its lines never change, and of
-- the invoice itself only what payments and crediting move (status, amount paid).
create function invoices_issued_immutable() returns trigger
language plpgsql
as $$
begin
    if tg_op = 'DELETE' then
        if old.status <> 'draft' then
            raise exception 'an issued invoice cannot be deleted' using errcode = 'check_violation',
                constraint = 'invoices_issued_immutable';
        end if;
        return old;
    end if;
    if old.status <> 'draft' and (
        new.number is distinct from old.number or new.year is distinct from old.year
        or new.number_label is distinct from old.number_label or new.patient_id is distinct from old.patient_id
        or new.issued_at is distinct from old.issued_at or new.total_minor is distinct from old.total_minor
        or new.net_minor is distinct from old.net_minor or new.tax_minor is distinct from old.tax_minor
        or new.seller_name is distinct from old.seller_name or new.seller_address is distinct from old.seller_address
        or new.seller_tax_id is distinct from old.seller_tax_id or new.notes is distinct from old.notes
        or new.currency is distinct from old.currency or new.kind is distinct from old.kind
        or new.status = 'draft'
    ) then
        raise exception 'an issued invoice cannot be changed' using errcode = 'check_violation',
            constraint = 'invoices_issued_immutable';
    end if;
    new.updated_at = now();
    return new;
end
$$;
create trigger invoices_issued_immutable before update or delete on invoices
    for each row execute function invoices_issued_immutable();

create function invoice_lines_of_drafts_only() returns trigger
language plpgsql
as $$
begin
    if exists (select 1 from invoices where id = coalesce(new.invoice_id, old.invoice_id) and status <> 'draft') then
        raise exception 'the lines of an issued invoice cannot be changed' using errcode = 'check_violation',
            constraint = 'invoices_issued_immutable';
    end if;
    return coalesce(new, old);
end
$$;
create trigger invoice_lines_of_drafts_only before insert or update or delete on invoice_lines
    for each row execute function invoice_lines_of_drafts_only();

do $$
declare
    t text;
begin
    foreach t in array array['invoice_settings', 'invoice_series', 'invoices', 'invoice_lines'] loop
        execute format('alter table %I enable row level security', t);
        execute format(
            'create policy tenant_isolation on %I using (org_id = app_org_id()) with check (org_id = app_org_id())', t);
    end loop;
end
$$;

-- An invoice's change log is read from the audit log by the invoice's id.
create index audit_log_entity_idx on audit_log (entity_id, id desc) where entity_id is not null;
