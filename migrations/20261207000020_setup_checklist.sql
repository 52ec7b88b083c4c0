-- The home page's setup checklist is shown to owners and admins until every step is done
-- or someone hides it; hiding it is remembered for the whole organization.
alter table organizations add column setup_dismissed_at timestamptz;
