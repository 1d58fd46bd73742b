-- grain: one row per identifier and the record-level anchor it was seen with (edges of the identity graph)
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

profile_keys as (
    -- Zendesk users are no events, but they tie a requester to an email and a shop login
    select
        cast(null as timestamptz) as occurred_at,
        cast(null as varchar) as anon,
        'user:' || user_id as usr,
        'email:' || email_hash as email,
        cast(null as varchar) as crm,
        support_user_id as support
    from staging.zendesk_users
    where _reject_reason is null and not _is_duplicate
),

record_keys as (
    select * from event_keys
    union all
    select * from profile_keys
),

anchored as (
    select
        occurred_at,
        coalesce(usr, email, crm, support, anon) as anchor,
        unnest([usr, email, crm, support, anon]) as identifier
    from record_keys
)

select
    identifier,
    anchor,
    min(occurred_at) as first_seen_at
from anchored
where identifier is not null
group by identifier, anchor
