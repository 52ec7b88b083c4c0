-- Inventory: items of the organization, and an append-only ledger of movements per
-- branch from which stock is derived. Nothing edits a quantity in place: each movement
-- carries the balance after it (of its item at its branch), set here under the item's
-- row lock, so the stock on hand is the last movement's balance, one index probe away.

alter table organizations add column allow_negative_stock boolean not null default false;

create table inventory_items (
    id uuid primary key default gen_random_uuid(),
    org_id uuid not null references organizations (id) on delete cascade,
    name text not null check (length(name) between 1 and 200),
    sku text not null default '' check (length(sku) <= 64),
    unit text not null default 'unit' check (length(unit) between 1 and 32),
    category text not null default '' check (length(category) <= 100),
    -- What one unit costs to buy (the last price received at), and sells for if sold.
    cost_minor bigint not null default 0 check (cost_minor >= 0),
    sale_price_minor bigint check (sale_price_minor >= 0),
    -- At or below this many in a branch the item is low there; reorder this many.
    reorder_level integer not null default 0 check (reorder_level >= 0),
    reorder_quantity integer not null default 0 check (reorder_quantity >= 0),
    supplier text not null default '' check (length(supplier) <= 200),
    active boolean not null default true,
    created_at timestamptz not null default now(),
    constraint inventory_items_org_id_id_key unique (org_id, id)
);

create unique index inventory_items_sku_key on inventory_items (org_id, lower(sku)) where sku <> '';

select enable_tenant_isolation('inventory_items');

create sequence stock_movements_seq;

create table stock_movements (
    id uuid primary key default gen_random_uuid(),
    -- The order of an item's movements, taken under the item's lock (see below).
    seq bigint not null,
    org_id uuid not null,
    item_id uuid not null,
    branch_id uuid not null,
    kind text not null check (kind in ('receive', 'adjust', 'transfer_out', 'transfer_in', 'consume', 'sell')),
    quantity integer not null check (quantity <> 0),
    balance_after integer not null,
    unit_cost_minor bigint check (unit_cost_minor >= 0),
    reason text not null default '' check (length(reason) <= 500),
    -- Both sides of a transfer share it.
    transfer_id uuid,
    recorded_by uuid not null,
    created_at timestamptz not null default now(),
    constraint stock_movements_item_fkey foreign key (org_id, item_id) references inventory_items (org_id, id),
    constraint stock_movements_branch_fkey foreign key (org_id, branch_id) references branches (org_id, id),
    constraint stock_movements_recorder_fkey foreign key (org_id, recorded_by) references users (org_id, id),
    constraint stock_movements_transfer_check check ((kind in ('transfer_out', 'transfer_in')) = (transfer_id is not null)),
    constraint stock_movements_sign_check check (
        case kind
            when 'receive' then quantity > 0 and unit_cost_minor is not null
            when 'transfer_in' then quantity > 0
            when 'adjust' then reason <> ''
            else quantity < 0
        end)
);

create index stock_movements_position_idx on stock_movements (item_id, branch_id, seq desc) include (balance_after);
create index stock_movements_branch_idx on stock_movements (branch_id, created_at desc);

select enable_tenant_isolation('stock_movements');

-- The balance: under the item's row lock (one writer per item at a time, whatever the
-- branch), the movement takes the next number and adds its quantity to the last balance
-- of its item at its branch. The number is taken after the lock, so numbers follow the
-- order in which balances were computed.
create function stock_movements_balance() returns trigger language plpgsql as $$
begin
    perform 1 from inventory_items where id = new.item_id for no key update;
    new.seq := nextval('stock_movements_seq');
    new.balance_after := coalesce(
        (select balance_after from stock_movements
          where item_id = new.item_id and branch_id = new.branch_id
          order by seq desc limit 1), 0) + new.quantity;
    return new;
end
$$;

create trigger stock_movements_balance before insert on stock_movements
    for each row execute function stock_movements_balance();

create function stock_movements_append_only() returns trigger language plpgsql as $$
begin
    raise exception 'stock movements are never changed or removed: record another one'
        using errcode = 'check_violation', constraint = 'stock_movements_append_only';
end
$$;

create trigger stock_movements_append_only before update or delete on stock_movements
    for each row execute function stock_movements_append_only();
