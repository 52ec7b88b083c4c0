-- Email through SendGrid's or Resend's HTTP API beside SMTP, with a fallback provider;
-- text messages through Twilio; their delivery reports, signature-checked, move a sent
-- message on to delivered, bounced or undeliverable.

alter table messaging_settings drop constraint messaging_settings_email_provider_check;
alter table messaging_settings drop constraint messaging_settings_sms_provider_check;
alter table messaging_settings
    add constraint messaging_settings_email_provider_check
        check (email_provider in ('log', 'smtp', 'sendgrid', 'resend')),
    add constraint messaging_settings_sms_provider_check check (sms_provider in ('log', 'twilio')),
    -- Tried in the same attempt when the first provider refuses or cannot be reached.
    add column email_fallback text not null default 'none'
        check (email_fallback in ('none', 'smtp', 'sendgrid', 'resend') and email_fallback <> email_provider),
    -- Secrets sealed with DATA_KEY; what is not secret is readable.
    add column sendgrid_api_key bytea,
    -- SendGrid's public key for its signed event webhook (base64 DER, as SendGrid shows it).
    add column sendgrid_webhook_key text not null default '' check (length(sendgrid_webhook_key) <= 1000),
    add column resend_api_key bytea,
    -- Resend's signing secret for its webhooks (whsec_...).
    add column resend_webhook_secret bytea,
    add column twilio_account_sid text not null default '' check (length(twilio_account_sid) <= 64),
    add column twilio_auth_token bytea,
    -- The number texts come from (E.164), or a messaging service (MG...).
    add column sms_sender text not null default '' check (length(sms_sender) <= 64);

-- bounced (the receiving mail server refused it), undeliverable (the carrier could not
-- deliver the text), as the providers report after accepting a message.
alter table messages drop constraint messages_status_check;
alter table messages add constraint messages_status_check
    check (status in ('queued', 'sending', 'sent', 'delivered', 'bounced', 'undeliverable', 'failed', 'cancelled'));
create index messages_provider_message_idx on messages (org_id, provider_message_id)
    where provider_message_id is not null;

-- Delivery reports already taken, by the provider's id for the report: one sent again
-- (a replay, or the provider's own retry) changes nothing.
create table webhook_receipts (
    org_id uuid not null references organizations (id) on delete cascade,
    provider text not null check (provider in ('sendgrid', 'resend', 'twilio')),
    receipt_id text not null check (length(receipt_id) <= 200),
    received_at timestamptz not null default now(),
    primary key (org_id, provider, receipt_id)
);
alter table webhook_receipts enable row level security;
create policy tenant_isolation on webhook_receipts
    using (org_id = app_org_id()) with check (org_id = app_org_id());
