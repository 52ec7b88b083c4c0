-- The organization's own wording of a message, per kind and channel; without a row the
-- built-in wording is used. Variables ({when}, {manage_link}, ...) are checked when saved.
create table message_templates (
    org_id uuid not null references organizations (id) on delete cascade,
    kind text not null check (kind in ('booking_confirmation', 'cancellation', 'reschedule', 'reminder')),
    channel text not null check (channel in ('email', 'sms')),
    -- Email only; empty for a text message.
    subject text not null default '' check (length(subject) <= 200),
    body text not null check (length(body) between 1 and 5000),
    updated_by uuid references users (id) on delete set null,
    updated_at timestamptz not null default now(),
    primary key (org_id, kind, channel)
);
alter table message_templates enable row level security;
create policy tenant_isolation on message_templates
    using (org_id = app_org_id()) with check (org_id = app_org_id());
