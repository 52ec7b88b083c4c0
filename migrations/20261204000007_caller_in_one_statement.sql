-- Who is asking, in one round trip. Every server function and API call starts by
-- resolving its caller: the session or API token, the user, their organization and the
-- branches they may work in. That took a token look-up and a transaction of four more
-- statements; these functions do it in one statement, outside any transaction.
--
-- They run as the caller (security invoker) and set the organization for the rest of
-- their statement's own transaction, so row-level security applies to every read in them
-- as it does to any request. Only the API token's look-up crosses the tenant wall, through
-- the existing auth_api_token().

-- One row per branch the user may work in (an organization-wide membership covers every
-- branch), by branch name; `credential_id` is the session or token that was checked.
create type caller_row as (
    credential_id uuid, user_id uuid, full_name text, email text, org_id uuid,
    current_branch_id uuid, two_factor boolean, org_name text,
    branch_id uuid, branch_name text, timezone text, role text
);

-- No rows: the user is gone or deactivated.
create function caller_rows(p_credential uuid, p_user uuid)
returns setof caller_row
language sql stable
set search_path = public
as $$
    select p_credential, u.id, u.full_name, u.email, u.org_id, u.current_branch_id,
           u.totp_enabled_at is not null, o.name, b.id, b.name, b.timezone, m.role
    from users u
    join organizations o on o.id = u.org_id
    join memberships m on m.user_id = u.id
    join branches b on b.org_id = m.org_id and (m.branch_id = b.id or m.branch_id is null)
    where u.id = p_user and u.is_active
    order by b.name, b.id
$$;

-- A browser session's caller (the organization and user come from its signed access
-- token): nothing when the session is revoked, past its absolute lifetime or idle for
-- longer than the organization allows. Its last use is recorded at most once a minute.
create function session_caller(p_org uuid, p_session uuid, p_user uuid)
returns setof caller_row
language plpgsql volatile
set search_path = public
as $$
begin
    perform set_config('app.org_id', p_org::text, true);
    if not exists (
        select 1 from sessions s join organizations o on o.id = s.org_id
        where s.id = p_session and s.user_id = p_user and s.revoked_at is null and s.expires_at > now()
          and s.last_seen_at > now() - make_interval(mins => o.session_idle_minutes)
    ) then
        return;
    end if;
    update sessions set last_seen_at = now()
    where id = p_session and last_seen_at < now() - interval '1 minute';
    return query select * from caller_rows(p_session, p_user);
end
$$;

-- An API token's caller: nothing when the token is unknown or revoked. Its last use is
-- recorded at most once a minute.
create function api_caller(p_token_hash bytea)
returns setof caller_row
language plpgsql volatile
set search_path = public
as $$
declare
    t record;
begin
    select * into t from auth_api_token(p_token_hash);
    if not found then
        return;
    end if;
    perform set_config('app.org_id', t.org_id::text, true);
    update api_tokens set last_used_at = now()
    where id = t.token_id and (last_used_at is null or last_used_at < now() - interval '1 minute');
    return query select * from caller_rows(t.token_id, t.user_id);
end
$$;

revoke all on function caller_rows(uuid, uuid) from public;
revoke all on function session_caller(uuid, uuid, uuid) from public;
revoke all on function api_caller(bytea) from public;
grant execute on function caller_rows(uuid, uuid) to careops_app;
grant execute on function session_caller(uuid, uuid, uuid) to careops_app;
grant execute on function api_caller(bytea) to careops_app;
