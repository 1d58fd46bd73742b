-- model: kind=full
-- grain: one row per combination of identifiers seen together on an event or profile record, with
-- the first time it was seen (input to stitching). Most of a person's events carry the same
-- combination: at 10M events, 12M records give 1.6M rows, so quality.identity_conflicts and
-- core.identity_links, which both need only the combinations and their first time, read those.
with event_keys as (
    select
        occurred_at,
        'anon:' || anonymous_id as anon,
        'user:' || user_id as usr,
        'email:' || email_hash as email,
        crm_contact_id as crm,
        support_user_id as support
    from staging.events
),

newest_airbyte_zendesk_users as (
    -- an Append-mode `users` table holds every version of a user: the newest by Airbyte's
    -- extraction time gives their identifiers and role, as an Append + Deduped table would
    {{ airbyte_latest_version(staging.airbyte_zendesk_users, zendesk_user_id, false) }}
),

zendesk_users as (
    -- the Users API export's, Fivetran's `user` table's and Airbyte's `users` stream's, typed alike
    select user_id, email_hash, support_user_id, role, _reject_reason, _is_duplicate
    from staging.zendesk_users
    union all
    select user_id, email_hash, support_user_id, role, _reject_reason, _is_duplicate
    from staging.fivetran_zendesk_users
    union all
    select user_id, email_hash, support_user_id, role, _reject_reason, _is_duplicate
    from newest_airbyte_zendesk_users
),

profile_keys as (
    -- Zendesk end users are no events, but they tie a requester to an email and a shop login;
    -- agents and admins are staff, not customers
    select
        cast(null as timestamptz) as occurred_at,
        cast(null as varchar) as anon,
        'user:' || user_id as usr,
        'email:' || email_hash as email,
        cast(null as varchar) as crm,
        support_user_id as support
    from zendesk_users
    where _reject_reason is null and not _is_duplicate and coalesce(role, 'end-user') = 'end-user'
),

salesforce_contact_keys as (
    -- a Salesforce contact ties its id to its email even when it makes no event of its own (a
    -- converted lead's contact: the lead's events carry the contact id, maybe an older email)
    select
        cast(null as timestamptz) as occurred_at,
        cast(null as varchar) as anon,
        cast(null as varchar) as usr,
        'email:' || email_hash as email,
        crm_contact_id as crm,
        cast(null as varchar) as support
    from staging.salesforce_contacts
    where _reject_reason is null and not _is_duplicate
),

record_keys as (
    select * from event_keys
    union all
    select * from profile_keys
    union all
    select * from salesforce_contact_keys
)

select anon, usr, email, crm, support, min(occurred_at) as first_seen_at
from record_keys
group by anon, usr, email, crm, support
