-- A booking writes its confirmations and its reminders (two channels, three reminders
-- each) in one statement, and the row trigger called graphile_worker.add_job once per
-- message: eight calls in the booking's transaction, each with its own advisory lock,
-- row lock and notification, took about 10 ms of a booking's 11 (pgbench, one client).
-- A statement trigger now adds the jobs of all the messages a statement queued in one
-- add_jobs call: about 1.5 ms for the eight.
drop trigger messages_enqueue on messages;
drop trigger messages_requeue on messages;

-- (No variable of graphile's types: this migration runs before the worker first migrates
-- the queue's schema, and a declaration would be checked now; a statement is checked
-- when it runs.)
create function messages_enqueue_all() returns trigger
language plpgsql security definer set search_path = public
as $$
begin
    perform graphile_worker.add_jobs(array_agg((
            'send_message', json_build_object('org_id', q.org_id, 'id', q.id), null, q.send_at, 25,
            'message:' || q.id, null, null)::graphile_worker.job_spec))
    from queued q
    where q.status = 'queued'
    having count(*) > 0;
    return null;
end
$$;
revoke all on function messages_enqueue_all() from public;

create trigger messages_enqueue after insert on messages
    referencing new table as queued
    for each statement execute function messages_enqueue_all();
-- A message queued again (a resend of a failed one: one at a time) replaces its old job,
-- keyed by the message, as before. A send that is to be tried again goes back from
-- sending to queued without a new job: the queue retries the job it has, after its back-off.
create trigger messages_requeue after update of status on messages
    for each row when (new.status = 'queued' and old.status not in ('queued', 'sending'))
    execute function messages_enqueue();
