-- The canonical events of a staged Zendesk ticket table ($arg: the API export's or a connector's):
-- created, solved and, from the ticket's embedded satisfaction_rating at updated_at, rated, of the
-- ticket's latest version (a deletion row drops the ticket). Used by
-- sql/staging/events/zendesk_tickets.sql, fivetran_zendesk_tickets.sql and airbyte_zendesk_tickets.sql. source_table is
-- raw.zendesk_tickets for both: a ticket's id names it whichever way it came, so a ticket in an
-- export and in a dump is one event. The embedded rating is only a fallback for tickets without an
-- answered rating in any reader's ratings table (sql/_fragments/zendesk_rating_events.sql), so a ticket
-- is rated once.
with tickets as (
    {{ latest_version($arg, ticket_id, _is_deleted) }}
),

rated_in_ratings_export as (
    select ticket_id
    from staging.zendesk_satisfaction_ratings
    where _reject_reason is null and not _is_duplicate and score in ('good', 'bad')
    union
    select ticket_id
    from staging.fivetran_zendesk_satisfaction_ratings
    where _reject_reason is null and not _is_duplicate and score in ('good', 'bad')
    union
    select ticket_id
    from staging.airbyte_zendesk_satisfaction_ratings
    where _reject_reason is null and not _is_duplicate and score in ('good', 'bad')
)

select
    'zendesk' as source,
    'raw.zendesk_tickets' as source_table,
    via_channel as origin,
    {{ ticket_event_columns(e, null) }}
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
