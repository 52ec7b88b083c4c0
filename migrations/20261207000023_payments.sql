-- Payments: several per invoice, one across a patient's open invoices, what is left over
-- kept as the patient's credit, refunds never beyond what was paid.

create table payments (
    id uuid primary key default gen_random_uuid(),
    org_id uuid not null references organizations (id) on delete cascade,
    branch_id uuid not null,
    patient_id uuid not null,
    method text not null check (method in ('cash', 'card', 'bank_transfer', 'insurance', 'other')),
    reference text not null default '' check (length(reference) <= 200),
    amount_minor bigint not null check (amount_minor > 0),
    refunded_minor bigint not null default 0,
    -- the form's key: a form sent twice records one payment
    idempotency_key uuid not null,
    received_by uuid,
    received_at timestamptz not null default now(),
    constraint payments_org_id_id_key unique (org_id, id),
    constraint payments_idempotency_key unique (org_id, idempotency_key),
    constraint payments_refunded_within_amount check (refunded_minor between 0 and amount_minor),
    constraint payments_branch_fkey foreign key (org_id, branch_id) references branches (org_id, id),
    constraint payments_patient_fkey foreign key (org_id, patient_id) references patients (org_id, id)
);
create index payments_patient_idx on payments (patient_id, received_at);
create index payments_branch_time_idx on payments (branch_id, received_at);

-- How much of a payment went to which invoice. A negative row takes an amount back
-- (a refund of money that had paid an invoice, or an invoice credited after payment);
-- what a payment has not given to invoices is the patient's credit.
create table payment_allocations (
    id uuid primary key default gen_random_uuid(),
    org_id uuid not null references organizations (id) on delete cascade,
    payment_id uuid not null,
    invoice_id uuid not null,
    amount_minor bigint not null check (amount_minor <> 0),
    created_at timestamptz not null default now(),
    constraint payment_allocations_payment_fkey foreign key (org_id, payment_id) references payments (org_id, id),
    constraint payment_allocations_invoice_fkey foreign key (org_id, invoice_id) references invoices (org_id, id)
);
create index payment_allocations_payment_idx on payment_allocations (payment_id);
create index payment_allocations_invoice_idx on payment_allocations (invoice_id);

create table refunds (
    id uuid primary key default gen_random_uuid(),
    org_id uuid not null references organizations (id) on delete cascade,
    payment_id uuid not null,
    amount_minor bigint not null check (amount_minor > 0),
    method text not null check (method in ('cash', 'card', 'bank_transfer', 'insurance', 'other')),
    reason text not null check (length(btrim(reason)) between 1 and 300),
    refunded_by uuid,
    created_at timestamptz not null default now(),
    constraint refunds_payment_fkey foreign key (org_id, payment_id) references payments (org_id, id)
);
create index refunds_payment_idx on refunds (payment_id);

-- Money records are kept: corrections are new rows (refunds, negative allocations).
revoke delete, truncate on payments, payment_allocations, refunds from careops_app;
revoke update on payment_allocations, refunds from careops_app;

do $$
declare
    t text;
begin
    foreach t in array array['payments', 'payment_allocations', 'refunds'] loop
        execute format('alter table %I enable row level security', t);
        execute format(
            'create policy tenant_isolation on %I using (org_id = app_org_id()) with check (org_id = app_org_id())', t);
    end loop;
end
$$;
