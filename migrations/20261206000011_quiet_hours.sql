-- Quiet hours: text messages that would arrive between these local times (in the
-- branch's zone; the span may cross midnight) wait until they end. Off by default.
alter table organizations
    add column quiet_hours_start time,
    add column quiet_hours_end time,
    add constraint organizations_quiet_hours_check
        check ((quiet_hours_start is null) = (quiet_hours_end is null)
               and (quiet_hours_start is null or quiet_hours_start <> quiet_hours_end));

-- The appointment start a reminder was planned for: a reminder whose appointment starts
-- at another time now is stale (its send time may have moved for quiet hours, so the send
-- time alone cannot tell).
alter table messages add column planned_for timestamptz;
update messages set planned_for = send_at + make_interval(mins => reminder_minutes) where reminder_minutes is not null;
alter table messages add constraint messages_planned_for_check check ((reminder_minutes is null) = (planned_for is null));
