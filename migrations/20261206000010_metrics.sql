-- /metrics reads the job queue's depth and the messages by provider and status, counted
-- over every organization (numbers only), through these two functions: the application
-- role has no other way into the queue's schema or past row-level security.

create function queue_stats(out due bigint, out scheduled bigint, out running bigint, out oldest_due_seconds double precision)
language plpgsql stable security definer set search_path = public
as $$
begin
    select count(*) filter (where j.is_available and j.run_at <= now()),
           count(*) filter (where j.is_available and j.run_at > now()),
           count(*) filter (where j.locked_at is not null),
           coalesce(extract(epoch from now() - min(j.run_at) filter (where j.is_available and j.run_at <= now())), 0)
    into due, scheduled, running, oldest_due_seconds
    from graphile_worker._private_jobs j;
end
$$;
revoke all on function queue_stats() from public;
grant execute on function queue_stats() to careops_app;

create function message_counts()
returns table (channel text, provider text, status text, messages bigint)
language sql stable security definer set search_path = public
as $$
    select channel, coalesce(provider, 'none'), status, count(*) from messages group by 1, 2, 3 order by 1, 2, 3
$$;
revoke all on function message_counts() from public;
grant execute on function message_counts() to careops_app;
