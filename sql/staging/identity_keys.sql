-- grain: one row per event or profile record with the identifiers it carries (input to stitching)
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
    -- Zendesk end users are no events, but they tie a requester to an email and a shop login;
    -- agents and admins are staff, not customers
    select
        cast(null as timestamptz) as occurred_at,
        cast(null as varchar) as anon,
        'user:' || user_id as usr,
        'email:' || email_hash as email,
        cast(null as varchar) as crm,
        support_user_id as support
    from staging.zendesk_users
    where _reject_reason is null and not _is_duplicate and coalesce(role, 'end-user') = 'end-user'
)

select * from event_keys
union all
select * from profile_keys
