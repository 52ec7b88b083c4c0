-- Staff invitations and password resets get their wording too (by email only: staff
-- are not texted).
alter table message_templates drop constraint message_templates_kind_check;
alter table message_templates add constraint message_templates_kind_check
    check (kind in ('booking_confirmation', 'cancellation', 'reschedule', 'reminder', 'staff_invitation',
                    'password_reset'));
alter table message_templates add constraint message_templates_staff_by_email_check
    check (channel = 'email' or kind not in ('staff_invitation', 'password_reset'));
