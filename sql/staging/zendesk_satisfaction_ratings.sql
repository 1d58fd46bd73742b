-- model: kind=by_file key=_source_file
-- grain: one row per raw Zendesk satisfaction rating, typed, with its reject reason (NULL = usable)
-- timestamps: ISO 8601 (the API writes `...Z`), German `DD.MM.YYYY HH:MM`, or 10/13/16-digit epoch;
-- a timestamp without a zone is local time of $zendesk_time_zone
with source as (
    select * from raw.zendesk_satisfaction_ratings
),

renamed as (
    select
        -- lineage
        _load_id, _source_file, _row_number, _row_hash,
        -- ids
        json_extract_string(record, '$.id') as rating_id,
        json_extract_string(record, '$.ticket_id') as ticket_id,
        json_extract_string(record, '$.requester_id') as requester_id,
        json_extract_string(record, '$.assignee_id') as assignee_id,
        -- timestamps (text as exported)
        json_extract_string(record, '$.created_at') as created_at_text,
        json_extract_string(record, '$.updated_at') as updated_at_text,
        -- attributes (the free-text comment stays in raw)
        json_extract_string(record, '$.score') as score_text,
        lower(trim(json_extract_string(record, '$.score'))) as score,
        json_extract_string(record, '$.reason') as reason,
        nullif(trim(coalesce(json_extract_string(record, '$.comment'), '')), '') is not null
            as has_comment
    from source
),

{{ zendesk_ticket_times(renamed) }}

select
    * exclude (bad_time, score_text),
    case
        when rating_id is null then 'missing id'
        when ticket_id is null then 'missing ticket_id'
        when requester_id is null then 'missing requester_id'
        when score is null or score = '' then 'missing score'
        when score not in ('good', 'bad', 'offered', 'unoffered')
            then 'score must be good, bad, offered or unoffered, got ' || left(score_text, 20)
        when created_at_text is null or trim(created_at_text) = '' then 'missing created_at'
        {{ unusable_timestamp_reason(bad_time, timestamp) }}
    end as _reject_reason
from typed
