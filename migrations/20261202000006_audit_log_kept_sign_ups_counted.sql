-- The audit log must outlive anything the application can do. Its rows go with their
-- organization (on delete cascade), and a cascade runs with the table owner's rights, so
-- an application that could delete its organization could erase its own audit trail.
-- Nothing in CareOps deletes an organization; the app role loses the right to.
revoke delete, truncate on organizations from careops_app;

-- Sign-ups are counted per address like sign-in attempts: each costs a password hash.
alter table auth_attempts drop constraint auth_attempts_kind_check;
alter table auth_attempts add constraint auth_attempts_kind_check
    check (kind in ('password', 'second_factor', 'portal_booking', 'sign_up'));
