-- Staff invitations go through the message pipeline too: a message to a person who is no
-- patient (the invitee), sent with the organization's email provider.
alter table messages alter column patient_id drop not null;
alter table messages drop constraint messages_kind_check;
alter table messages add constraint messages_kind_check
    check (kind in ('booking_confirmation', 'cancellation', 'reschedule', 'reminder', 'staff_invitation'));
alter table messages add constraint messages_patient_check
    check ((patient_id is null) = (kind = 'staff_invitation'));
