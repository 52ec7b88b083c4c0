-- The job that sends a message was spelled out twice: once for the messages a statement
-- queues (0016) and once for a resend (0009). It is now spelled out here only, and both
-- triggers hand their messages to this function.
-- (plpgsql: its statements are checked when they run, so this migration needs no queue
-- schema yet; see 0016.)
create function messages_add_jobs(batch messages[]) returns void
language plpgsql security definer set search_path = public
as $$
begin
    -- Keyed by the message: a message queued again replaces its old job.
    perform graphile_worker.add_jobs(array_agg((
            'send_message', json_build_object('org_id', m.org_id, 'id', m.id), null, m.send_at, 25,
            'message:' || m.id, null, null)::graphile_worker.job_spec))
    from unnest(batch) m
    where m.status = 'queued'
    having count(*) > 0;
end
$$;
revoke all on function messages_add_jobs(messages[]) from public;

create or replace function messages_enqueue_all() returns trigger
language plpgsql security definer set search_path = public
as $$
begin
    perform messages_add_jobs(array(select q::messages from queued q));
    return null;
end
$$;

create or replace function messages_enqueue() returns trigger
language plpgsql security definer set search_path = public
as $$
begin
    perform messages_add_jobs(array[new]);
    return null;
end
$$;
