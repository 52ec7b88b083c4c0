-- The delivery reports taken are remembered so that one sent again changes nothing. A
-- receipt stops mattering soon: SendGrid's and Resend's reports are refused once five
-- minutes old (they sign their time), and Twilio's, which do not, can only move a
-- message's status forward, which a report weeks old cannot. A daily job forgets receipts
-- after 30 days, for every organization, through this function (the application role
-- sees one organization's rows at a time).
create index webhook_receipts_received_idx on webhook_receipts (received_at);

create function prune_webhook_receipts() returns bigint
language sql security definer set search_path = public
as $$
    with gone as (
        delete from webhook_receipts where received_at < now() - interval '30 days' returning 1
    )
    select count(*) from gone
$$;
revoke all on function prune_webhook_receipts() from public;
grant execute on function prune_webhook_receipts() to careops_app;
