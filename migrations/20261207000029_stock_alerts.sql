-- Low-stock alerts: one per item and branch while its stock is at or below the item's
-- reorder level, opened by the movement that crosses the level (not by every movement
-- below it) and closed by the one that lifts the stock above it. Kept by a trigger on
-- the ledger, so every writer of movements keeps them right.

create table stock_alerts (
    id uuid primary key default gen_random_uuid(),
    org_id uuid not null,
    item_id uuid not null,
    branch_id uuid not null,
    -- What the branch held when the alert opened.
    on_hand integer not null,
    opened_at timestamptz not null default now(),
    closed_at timestamptz,
    constraint stock_alerts_item_fkey foreign key (org_id, item_id) references inventory_items (org_id, id),
    constraint stock_alerts_branch_fkey foreign key (org_id, branch_id) references branches (org_id, id)
);

create unique index stock_alerts_open_key on stock_alerts (item_id, branch_id) where closed_at is null;
create index stock_alerts_branch_idx on stock_alerts (branch_id, opened_at desc) where closed_at is null;

select enable_tenant_isolation('stock_alerts');

-- Opens or closes the item's alert at a branch for the stock it holds now; whether one
-- is open.
create function stock_alert_sync(p_org uuid, p_item uuid, p_branch uuid, p_on_hand integer) returns boolean
language plpgsql as $$
declare
    level integer;
begin
    select reorder_level into level from inventory_items where id = p_item;
    if level > 0 and p_on_hand <= level then
        insert into stock_alerts (org_id, item_id, branch_id, on_hand)
        values (p_org, p_item, p_branch, p_on_hand)
        on conflict (item_id, branch_id) where closed_at is null do nothing;
        return true;
    end if;
    update stock_alerts set closed_at = now()
     where item_id = p_item and branch_id = p_branch and closed_at is null;
    return false;
end
$$;

create function stock_movements_alert() returns trigger language plpgsql as $$
begin
    perform stock_alert_sync(new.org_id, new.item_id, new.branch_id, new.balance_after);
    return null;
end
$$;

create trigger stock_movements_alert after insert on stock_movements
    for each row execute function stock_movements_alert();
