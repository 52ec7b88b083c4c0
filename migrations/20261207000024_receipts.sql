-- Receipts: a patient's receipt of an invoice goes by email, with the PDF attached (drawn
-- when it is sent), or by text message, with a signed link to the PDF. An organization
-- may have one sent by itself when an invoice is paid in full.
alter table messages add column invoice_id uuid;
alter table messages add constraint messages_invoice_fkey
    foreign key (org_id, invoice_id) references invoices (org_id, id) on delete cascade;
alter table messages drop constraint messages_kind_check;
alter table messages add constraint messages_kind_check
    check (kind in ('booking_confirmation', 'cancellation', 'reschedule', 'reminder', 'staff_invitation',
                    'password_reset', 'receipt'));
alter table messages add constraint messages_receipt_check check ((invoice_id is not null) = (kind = 'receipt'));
create index messages_invoice_idx on messages (invoice_id) where invoice_id is not null;

alter table message_templates drop constraint message_templates_kind_check;
alter table message_templates add constraint message_templates_kind_check
    check (kind in ('booking_confirmation', 'cancellation', 'reschedule', 'reminder', 'staff_invitation',
                    'password_reset', 'receipt'));

alter table invoice_settings add column send_receipts boolean not null default false;
