-- What a branch's open invoices still owe (the invoices list's "Owed to this branch")
-- is summed from the index alone: without it, every open invoice's row was read (42 ms
-- with 66,667 open among 100,000 in `scripts/bench billing`).
create index invoices_owed_idx on invoices (org_id, branch_id) include (total_minor, paid_minor)
    where status in ('issued', 'partially_paid');
