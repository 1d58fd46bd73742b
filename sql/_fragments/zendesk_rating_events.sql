-- One ticket_rated_good/bad event per ticket with an answered (good/bad) satisfaction rating in the
-- staged ratings table $arg (the API export's or a connector's): its latest answer, at the rating's
-- own created_at. A deletion row (a connector's soft delete) is a version: a rating deleted in the
-- latest dump makes no event. source_table is raw.zendesk_satisfaction_ratings for both readers,
-- the natural key the ticket's: a ticket rated in an export and in a dump is one event.
with answered as (
    select *
    from $arg
    where (_reject_reason is null or _is_deleted) and not _is_duplicate and score in ('good', 'bad')
),

latest_per_ticket as (
    select * exclude (version_rank)
    from (
        select
            *,
            row_number() over (
                partition by ticket_id
                order by updated_at desc nulls last, _source_file desc, _row_number desc, rating_id desc
            ) as version_rank
        from answered
    )
    where version_rank = 1 and not _is_deleted
)

select
    'zendesk' as source,
    'raw.zendesk_satisfaction_ratings' as source_table,
    ticket_id || '|rating' as natural_key,
    rating_id as source_record_id,
    _source_file, _row_number, _load_id,
    created_at as occurred_at,
    {{ event_identifiers(null, null, null, null, support_user_id) }},
    'ticket_rated_' || score as event_name,
    {{ event_visit(null, null, null, null) }},
    cast(null as varchar) as origin,
    cast(null as double) as value,
    cast(null as varchar) as currency,
    json_object(
        'ticket_id', ticket_id, 'score', score, 'reason', reason, 'has_comment', has_comment
    ) as properties
from latest_per_ticket
