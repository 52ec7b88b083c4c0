-- Low-stock alerts reach people: an alert that opens queues a job that emails the
-- branch's owners and admins (through the message pipeline, in the organization's
-- wording), and every opened or closed alert tells the branch's open apps how many are
-- open now (the shell's badge). A daily job re-checks every item at every branch.
-- (plpgsql: the queue's functions are looked up when the triggers run; see 0016.)

alter table messages drop constraint messages_kind_check;
alter table messages add constraint messages_kind_check
    check (kind in ('booking_confirmation', 'cancellation', 'reschedule', 'reminder', 'staff_invitation',
                    'password_reset', 'receipt', 'low_stock'));
alter table messages drop constraint messages_patient_check;
alter table messages add constraint messages_patient_check
    check ((patient_id is null) = (kind in ('staff_invitation', 'password_reset', 'low_stock')));

alter table message_templates drop constraint message_templates_kind_check;
alter table message_templates add constraint message_templates_kind_check
    check (kind in ('booking_confirmation', 'cancellation', 'reschedule', 'reminder', 'staff_invitation',
                    'password_reset', 'receipt', 'low_stock'));

-- When its emails were queued; an open alert without is still to be told.
alter table stock_alerts add column notified_at timestamptz;

create function stock_alerts_notify(p_org uuid, p_alert uuid) returns void
language plpgsql security definer set search_path = public
as $$
begin
    perform graphile_worker.add_job('notify_stock_alert', json_build_object('org_id', p_org, 'id', p_alert),
                                    job_key => 'stock_alert:' || p_alert);
end
$$;
revoke all on function stock_alerts_notify(uuid, uuid) from public;

create function stock_alerts_changed() returns trigger
language plpgsql security definer set search_path = public
as $$
begin
    if tg_op = 'INSERT' then
        perform stock_alerts_notify(new.org_id, new.id);
    end if;
    -- Realtime's channel and envelope (server::realtime): the branch's open alerts.
    perform pg_notify('careops_events', json_build_object(
        'org_id', new.org_id, 'branch_id', new.branch_id,
        'event', json_build_object('type', 'stock_alerts', 'open',
            (select count(*) from stock_alerts where branch_id = new.branch_id and closed_at is null)))::text);
    return null;
end
$$;

create trigger stock_alerts_changed after insert or update of closed_at on stock_alerts
    for each row execute function stock_alerts_changed();

-- The daily re-check: every item's alert at every branch set from its stock now, and an
-- open alert whose emails were never queued (its job gave up) queued again; how many
-- alerts are open.
create function stock_alerts_recheck() returns bigint
language plpgsql security definer set search_path = public
as $$
declare
    position record;
    open_count bigint;
begin
    for position in
        select distinct on (item_id, branch_id) org_id, item_id, branch_id, balance_after
          from stock_movements order by item_id, branch_id, seq desc
    loop
        perform stock_alert_sync(position.org_id, position.item_id, position.branch_id, position.balance_after);
    end loop;
    perform stock_alerts_notify(org_id, id) from stock_alerts where closed_at is null and notified_at is null;
    select count(*) into open_count from stock_alerts where closed_at is null;
    return open_count;
end
$$;
revoke all on function stock_alerts_recheck() from public;
grant execute on function stock_alerts_recheck() to careops_app;
