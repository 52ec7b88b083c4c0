-- One place for the rule every tenant table follows: rows are seen and written only
-- by the organization the transaction is scoped to (`app_org_id()`).
create function enable_tenant_isolation(t regclass) returns void language plpgsql as $$
begin
    execute format('alter table %s enable row level security', t);
    execute format(
        'create policy tenant_isolation on %s using (org_id = app_org_id()) with check (org_id = app_org_id())', t);
end
$$;

-- `Idempotency-Key` on the API's POSTs: the first request with a key claims it (status
-- null while it runs); its answer is kept, and the same key from the same token gets that
-- answer again for a day instead of doing the work twice.
create table api_idempotency_keys (
    org_id uuid not null references organizations (id) on delete cascade,
    token_id uuid not null references api_tokens (id) on delete cascade,
    key text not null check (length(key) between 1 and 255),
    -- The method, path and body it was first sent with (SHA-256).
    fingerprint bytea not null,
    status smallint,
    body bytea,
    created_at timestamptz not null default now(),
    primary key (token_id, key)
);

select enable_tenant_isolation('api_idempotency_keys');
