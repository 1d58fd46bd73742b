-- grain: one row per ticket created/solved/rated in the ticket's latest export
-- staging.events unions this file with every other source's (sql/staging/events.sql).
-- The rating events here come from the ticket's embedded satisfaction_rating, at updated_at: only
-- a fallback for tickets without an answered rating in the ratings export
-- (sql/staging/events/zendesk_satisfaction_ratings.sql), so a ticket is rated once.
with tickets as (
    {{ latest_version(staging.zendesk_tickets, ticket_id, _is_deleted) }}
),

rated_in_ratings_export as (
    select distinct ticket_id
    from staging.zendesk_satisfaction_ratings
    where _reject_reason is null and not _is_duplicate and score in ('good', 'bad')
)

select
    'zendesk' as source,
    'raw.zendesk_tickets' as source_table,
    cast(null as varchar) as email_hash,
    via_channel as origin,
    {{ ticket_event_columns(e) }}
from tickets
cross join unnest([
    {'event_name': 'ticket_created', 'occurred_at': created_at},
    {
        'event_name': 'ticket_solved',
        'occurred_at': case when status in ('solved', 'closed') then updated_at end
    },
    {
        'event_name': 'ticket_rated_good',
        'occurred_at': case when satisfaction_score = 'good' then updated_at end
    },
    {
        'event_name': 'ticket_rated_bad',
        'occurred_at': case when satisfaction_score = 'bad' then updated_at end
    }
]) as stages(e)
where e.occurred_at is not null
    and not (
        e.event_name in ('ticket_rated_good', 'ticket_rated_bad')
        and ticket_id in (select ticket_id from rated_in_ratings_export)
    )
