-- grain: one row per ticket created/resolved, from the ticket's latest version in the API pages
-- (raw.freshdesk_tickets) or the web app's CSV export (raw.freshdesk_tickets_csv): pages overlap,
-- and a ticket in both kinds of export is one ticket
-- staging.events unions this file with every other source's (sql/staging/events.sql)
with versions as (
    select
        'raw.freshdesk_tickets' as source_table, 1 as export_rank,
        _source_file, _row_number, _load_id, ticket_id, email_hash, support_user_id,
        created_at, updated_at, resolved_at, status, priority, channel, ticket_type
    from staging.freshdesk_tickets
    where _reject_reason is null and not _is_duplicate
    union all
    select
        'raw.freshdesk_tickets_csv' as source_table, 2 as export_rank,
        _source_file, _row_number, _load_id, ticket_id, email_hash, support_user_id,
        created_at, updated_at, resolved_at, status, priority, channel, ticket_type
    from staging.freshdesk_tickets_csv
    where _reject_reason is null and not _is_duplicate
),

tickets as (
    -- the latest update wins; on a tie the API version. The requester's ids come from any
    -- version (the CSV has the email, and the requester id only with the Contact ID column)
    select
        * exclude (version_rank, email_hash, support_user_id, any_email_hash, any_support_user_id),
        coalesce(email_hash, any_email_hash) as email_hash,
        coalesce(support_user_id, any_support_user_id) as support_user_id
    from (
        select
            *,
            max(email_hash) over (partition by ticket_id) as any_email_hash,
            max(support_user_id) over (partition by ticket_id) as any_support_user_id,
            row_number() over (
                partition by ticket_id
                order by updated_at desc nulls last, export_rank, _source_file desc, _row_number desc
            ) as version_rank
        from versions
    )
    where version_rank = 1
)

select
    'freshdesk' as source,
    source_table,
    channel as origin,
    {{ ticket_event_columns(e, email_hash) }}
from tickets
cross join unnest([
    {'event_name': 'ticket_created', 'occurred_at': created_at},
    {
        -- a resolved or closed ticket: at stats.resolved_at (API with include=stats) or the
        -- CSV's Resolved time (else Closed time), else at updated_at as for Zendesk; a reopened
        -- ticket keeps an old resolved_at but is not resolved
        'event_name': 'ticket_solved',
        'occurred_at': case when status in ('resolved', 'closed') then coalesce(resolved_at, updated_at) end
    }
]) as stages(e)
where e.occurred_at is not null
