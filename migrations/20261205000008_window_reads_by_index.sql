-- Reads of a window of time find its appointments through an index, however long the
-- organization's history. Under row-level security `blocked && tstzrange(…)` cannot be an
-- index condition (`range_overlaps` is not leakproof), so each read of a calendar week,
-- of the portal's free times or of a room's free time read every appointment the
-- organization (or the room) ever had: 22 ms for a week at 100,000 appointments, growing
-- with every week the clinic works.
--
-- An appointment lasts at most 600 minutes (`LONGEST_MINUTES`, services' durations) and
-- keeps at most 120 minutes of buffer on either side (services' buffers); these checks
-- make that a fact the database holds. So one that blocks any of a window starts less
-- than 720 minutes before the window and less than 120 minutes after it ends: a bound on
-- `starts_at`, whose comparisons are leakproof and served by the index below.
alter table appointments
    add constraint appointments_longest_check check (ends_at <= starts_at + interval '600 minutes'),
    add constraint appointments_buffers_check check (buffer_before_minutes <= 120 and buffer_after_minutes <= 120);

create index appointments_org_starts_idx on appointments (org_id, starts_at);

-- Whether an appointment starting at `p_starts` may block part of [p_from, p_to). Queries
-- add it beside their exact `blocked && tstzrange(p_from, p_to)`; PostgreSQL inlines it, so
-- it becomes an index condition.
create function appointment_may_block(p_starts timestamptz, p_from timestamptz, p_to timestamptz)
returns boolean
language sql stable parallel safe
as $$
    select p_starts > p_from - interval '720 minutes' and p_starts < p_to + interval '120 minutes'
$$;
