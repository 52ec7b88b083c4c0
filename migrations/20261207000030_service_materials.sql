-- What a service uses up (its materials recipe), and the visit's materials taken from
-- stock: a service line brings its recipe onto the visit, where staff change it; the
-- visit's completion consumes what is on it, in the ledger, linked to the visit.

create table service_materials (
    org_id uuid not null,
    service_id uuid not null,
    item_id uuid not null,
    -- For one of the service; a visit line of two uses twice as much.
    quantity integer not null check (quantity between 1 and 10000),
    primary key (service_id, item_id),
    constraint service_materials_service_fkey foreign key (org_id, service_id)
        references services (org_id, id) on delete cascade,
    constraint service_materials_item_fkey foreign key (org_id, item_id)
        references inventory_items (org_id, id) on delete cascade
);

select enable_tenant_isolation('service_materials');

-- A material from stock names its item; one brought by a service line goes with the
-- line; `consumed` once the ledger holds its consumption (at the visit's completion,
-- or at once when added to a completed visit).
alter table visit_materials
    add constraint visit_materials_item_fkey foreign key (org_id, item_id) references inventory_items (org_id, id),
    add column service_line_id uuid references visit_services (id) on delete cascade,
    add column consumed boolean not null default false;

-- A consumption names its visit, for usage per service; one that gives back what a
-- visit had used (the material removed, the completion undone) is a positive
-- consumption with its reason.
alter table stock_movements
    add column appointment_id uuid,
    drop constraint stock_movements_sign_check,
    add constraint stock_movements_sign_check check (
        case kind
            when 'receive' then quantity > 0 and unit_cost_minor is not null
            when 'transfer_in' then quantity > 0
            when 'adjust' then reason <> ''
            when 'consume' then (quantity < 0 or reason <> '') and appointment_id is not null
            else quantity < 0
        end);

-- Usage over a period: per item from the ledger, per service from completed visits.
create index stock_movements_usage_idx on stock_movements (branch_id, created_at) where kind in ('consume', 'sell');
create index visits_completed_idx on visits (branch_id, completed_at) where completed_at is not null;
