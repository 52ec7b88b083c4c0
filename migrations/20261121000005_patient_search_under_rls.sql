-- Row-level security keeps functions and operators that are not leakproof (lower(), LIKE,
-- row comparisons) out of index scans, so under it the patient list and search read every
-- patient of the organization (70-100 ms at 100,000). This function pages through the
-- patients (all, or those whose name, phone digits or email contain p_term) as the table
-- owner, but only in the organization the transaction set (it answers nothing for any
-- other p_org_id), and plans each call with its own values, so a rare term uses the
-- trigram index and the list or a common term the name order.
create function patient_search(
    p_org_id uuid, p_term text, p_after_name text, p_after_id uuid, p_limit integer, p_prefix_first boolean
)
returns table (id uuid, full_name text, phone text, email text)
language plpgsql stable security definer set search_path = public, pg_temp
as $$
begin
    if p_org_id is distinct from app_org_id() then
        return;
    end if;
    return query execute
        'select p.id, p.full_name, p.phone, p.email from patients p
         where p.org_id = $1 and p.archived_at is null'
        || case when p_term <> '' then ' and p.search like ''%'' || $2 || ''%''' else '' end
        || ' and lower(p.full_name) >= $3 and (lower(p.full_name) > $3 or p.id > $4)
         order by $5 and lower(p.full_name) not like $2 || ''%'', lower(p.full_name), p.id
         limit $6'
        using p_org_id, p_term, p_after_name, p_after_id, p_prefix_first, p_limit;
end
$$;
revoke all on function patient_search(uuid, text, text, uuid, integer, boolean) from public;
grant execute on function patient_search(uuid, text, text, uuid, integer, boolean) to careops_app;

-- The same wall kept the duplicate check and the portal's patient match off the email
-- index (lower(email) is not leakproof): a stored lower-case copy is compared instead.
alter table patients add column email_lower text generated always as (lower(email)) stored;
drop index patients_email_idx;
create index patients_email_idx on patients (org_id, email_lower);
