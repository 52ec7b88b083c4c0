-- Products sold on invoices: a line may name the item it sells. Issuing the invoice
-- takes the items from the invoice's branch's stock (a `sell` movement naming the
-- invoice); issuing its credit note puts them back (a positive `sell` with its reason).

alter table invoice_lines
    add column item_id uuid,
    add constraint invoice_lines_item_fkey foreign key (org_id, item_id) references inventory_items (org_id, id);

alter table stock_movements
    add column invoice_id uuid,
    add constraint stock_movements_invoice_fkey foreign key (org_id, invoice_id) references invoices (org_id, id),
    drop constraint stock_movements_sign_check,
    add constraint stock_movements_sign_check check (
        case kind
            when 'receive' then quantity > 0 and unit_cost_minor is not null
            when 'transfer_in' then quantity > 0
            when 'adjust' then reason <> ''
            when 'consume' then (quantity < 0 or reason <> '') and appointment_id is not null
            when 'sell' then (quantity < 0 or reason <> '') and invoice_id is not null
            else quantity < 0
        end);

-- The daily re-check reads each item's last balance at each branch with one probe of
-- the position index, instead of sorting the whole ledger (a million movements and
-- growing) to find them.
create or replace function stock_alerts_recheck() returns bigint
language plpgsql security definer set search_path = public
as $$
declare
    position record;
    open_count bigint;
begin
    for position in
        select i.org_id, i.id as item_id, b.id as branch_id, m.balance_after
          from inventory_items i
          join branches b on b.org_id = i.org_id
          cross join lateral (
              select balance_after from stock_movements s
               where s.item_id = i.id and s.branch_id = b.id order by s.seq desc limit 1) m
    loop
        perform stock_alert_sync(position.org_id, position.item_id, position.branch_id, position.balance_after);
    end loop;
    perform stock_alerts_notify(org_id, id) from stock_alerts where closed_at is null and notified_at is null;
    select count(*) into open_count from stock_alerts where closed_at is null;
    return open_count;
end
$$;
