-- The outbox becomes the message log: every message to a patient, from queued to sent or
-- failed, with the provider's answer; reminders are planned in it ahead of their time.
-- The job queue (graphile_worker, in its own schema, migrated by the worker at start-up)
-- is told of each queued message by a trigger, in the transaction that queued it.

alter table outbox rename to messages;
alter index outbox_patient_idx rename to messages_patient_idx;
drop index outbox_pending_idx;

alter table messages drop constraint outbox_kind_check;
alter table messages add constraint messages_kind_check
    check (kind in ('booking_confirmation', 'cancellation', 'reschedule', 'reminder'));

alter table messages drop constraint outbox_status_check;
alter table messages alter column status set default 'queued';
alter table messages
    -- When it may go: now for a confirmation, the reminder's time for a reminder.
    add column send_at timestamptz not null default now(),
    -- A reminder's distance before the appointment.
    add column reminder_minutes integer check (reminder_minutes between 1 and 20160),
    add column attempts integer not null default 0,
    add column provider text,
    add column provider_message_id text,
    -- In words a receptionist understands.
    add column last_error text,
    add column updated_at timestamptz not null default now();

-- Written before anything sent messages: their moment has passed.
update messages set status = 'cancelled', last_error = 'Written before CareOps sent messages; never sent.'
where status = 'pending';
-- queued (waiting for its time or a worker), sending (handed to a provider, no answer yet),
-- sent (the provider accepted it), delivered (the provider says it arrived), failed (gave
-- up, see last_error), cancelled (a reminder of an appointment that moved, ended or was
-- cancelled; consent withdrawn).
alter table messages add constraint messages_status_check
    check (status in ('queued', 'sending', 'sent', 'delivered', 'failed', 'cancelled'));

create index messages_appointment_idx on messages (appointment_id, created_at) where appointment_id is not null;

-- Which reminders an organization sends, in minutes before the appointment, per channel.
alter table organizations
    add column reminder_email_minutes integer[] not null default '{1440,180,60}',
    add column reminder_sms_minutes integer[] not null default '{1440,180,60}';

-- Which provider sends each channel, and its settings (credentials sealed with DATA_KEY;
-- the application never shows them back).
create table messaging_settings (
    org_id uuid primary key references organizations (id) on delete cascade,
    email_provider text not null default 'log' check (email_provider in ('log', 'smtp')),
    sms_provider text not null default 'log' check (sms_provider in ('log')),
    sender_name text not null default '' check (length(sender_name) <= 120),
    sender_email text not null default '' check (length(sender_email) <= 254),
    -- SMTP: host, port, security, user name (readable); the password sealed apart.
    smtp_host text not null default '' check (length(smtp_host) <= 253),
    smtp_port integer not null default 587 check (smtp_port between 1 and 65535),
    smtp_security text not null default 'starttls' check (smtp_security in ('starttls', 'tls', 'none')),
    smtp_username text not null default '' check (length(smtp_username) <= 254),
    smtp_password bytea,
    updated_at timestamptz not null default now()
);
alter table messaging_settings enable row level security;
create policy tenant_isolation on messaging_settings
    using (org_id = app_org_id()) with check (org_id = app_org_id());

-- Hands each queued message to the job queue, keyed by the message: a message queued
-- again (a resend of a failed one) replaces its old job instead of adding a second. Runs
-- as the owner, who owns the queue's schema; the application role has no access to it.
-- A send that is to be tried again goes back from sending to queued without a new job:
-- the queue retries the job it has, after its back-off.
create function messages_enqueue() returns trigger
language plpgsql security definer set search_path = public
as $$
begin
    perform graphile_worker.add_job(
        'send_message',
        json_build_object('org_id', new.org_id, 'id', new.id),
        run_at => new.send_at,
        max_attempts => 25,
        job_key => 'message:' || new.id,
        job_key_mode => 'replace');
    return null;
end
$$;
revoke all on function messages_enqueue() from public;

create trigger messages_enqueue after insert on messages
    for each row when (new.status = 'queued')
    execute function messages_enqueue();
create trigger messages_requeue after update of status on messages
    for each row when (new.status = 'queued' and old.status not in ('queued', 'sending'))
    execute function messages_enqueue();
