-- grain: one row per ticket created/resolved in the ticket's latest export (page files overlap)
-- staging.events unions this file with every other source's (sql/staging/events.sql)
with tickets as (
    select * exclude (version_rank)
    from (
        select
            *,
            row_number() over (
                partition by ticket_id
                order by updated_at desc nulls last, _source_file desc, _row_number desc
            ) as version_rank
        from staging.freshdesk_tickets
        where _reject_reason is null and not _is_duplicate
    )
    where version_rank = 1
)

select
    'freshdesk' as source,
    'raw.freshdesk_tickets' as source_table,
    ticket_id || '|' || e.event_name as natural_key,
    ticket_id as source_record_id,
    _source_file, _row_number, _load_id,
    e.occurred_at,
    cast(null as varchar) as anonymous_id,
    cast(null as varchar) as user_id,
    email_hash,
    cast(null as varchar) as crm_contact_id,
    support_user_id,
    e.event_name,
    cast(null as varchar) as page_path,
    cast(null as varchar) as utm_source,
    cast(null as varchar) as utm_medium,
    cast(null as varchar) as utm_campaign,
    channel as origin,
    cast(null as double) as value,
    cast(null as varchar) as currency,
    json_object('status', status, 'type', ticket_type, 'priority', priority) as properties
from tickets
cross join unnest([
    {'event_name': 'ticket_created', 'occurred_at': created_at},
    {
        -- a resolved or closed ticket: at stats.resolved_at (include=stats), else at updated_at
        -- as for Zendesk; a reopened ticket keeps an old resolved_at but is not resolved
        'event_name': 'ticket_solved',
        'occurred_at': case when status in ('resolved', 'closed') then coalesce(resolved_at, updated_at) end
    }
]) as stages(e)
where e.occurred_at is not null
