-- Forms sent to patients. A request answers one frozen version of a template (so the
-- answers always show what the patient saw); it is made by a booking of a service that
-- asks for the form, or by staff from the patient's profile or an appointment. The
-- patient opens it from a signed link until it expires; what they typed before sending
-- is kept as a draft, so they can come back to the same link and go on.

create table form_submissions (
    id uuid primary key default gen_random_uuid(),
    org_id uuid not null references organizations (id) on delete cascade,
    branch_id uuid not null,
    patient_id uuid not null,
    -- The visit it is for, if any: a booking's forms, or one sent from an appointment.
    appointment_id uuid,
    template_id uuid not null,
    version integer not null,
    -- Who sent it; none when a booking asked for it.
    requested_by uuid,
    requested_at timestamptz not null default now(),
    expires_at timestamptz not null,
    -- What the patient has typed so far, as posted: [[key, value], ...].
    draft jsonb not null default '[]' check (jsonb_typeof(draft) = 'array'),
    -- `domain::forms::Answers`, once sent.
    answers jsonb check (jsonb_typeof(answers) = 'object'),
    submitted_at timestamptz,
    constraint form_submissions_sent_check check ((answers is null) = (submitted_at is null)),
    constraint form_submissions_org_id_id_key unique (org_id, id),
    constraint form_submissions_branch_fkey foreign key (org_id, branch_id) references branches (org_id, id),
    constraint form_submissions_patient_fkey foreign key (org_id, patient_id)
        references patients (org_id, id) on delete cascade,
    constraint form_submissions_appointment_fkey foreign key (org_id, appointment_id)
        references appointments (org_id, id) on delete cascade,
    constraint form_submissions_template_fkey foreign key (org_id, template_id)
        references form_templates (org_id, id) on delete cascade,
    constraint form_submissions_version_fkey foreign key (template_id, version)
        references form_versions (template_id, version),
    constraint form_submissions_requester_fkey foreign key (org_id, requested_by) references users (org_id, id)
);
-- One request of a form per appointment.
create unique index form_submissions_appointment_key on form_submissions (appointment_id, template_id)
    where appointment_id is not null;
create index form_submissions_patient_idx on form_submissions (patient_id, requested_at desc);
create index form_submissions_answers_idx on form_submissions (template_id, submitted_at)
    where submitted_at is not null;
select enable_tenant_isolation('form_submissions');

alter table messages drop constraint messages_kind_check;
alter table messages add constraint messages_kind_check
    check (kind in ('booking_confirmation', 'cancellation', 'reschedule', 'reminder', 'staff_invitation',
                    'password_reset', 'receipt', 'low_stock', 'form_request'));

alter table message_templates drop constraint message_templates_kind_check;
alter table message_templates add constraint message_templates_kind_check
    check (kind in ('booking_confirmation', 'cancellation', 'reschedule', 'reminder', 'staff_invitation',
                    'password_reset', 'receipt', 'low_stock', 'form_request'));
