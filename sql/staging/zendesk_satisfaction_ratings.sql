-- model: kind=by_file key=_source_file
-- grain: one row per raw Zendesk satisfaction rating, typed, with its reject reason (NULL = usable)
-- timestamps: ISO 8601 (the API writes `...Z`), German `DD.MM.YYYY HH:MM`, or 10/13/16-digit epoch;
-- a timestamp without a zone is local time of $zendesk_time_zone. Typed and checked by
-- sql/_fragments/zendesk_typed_ratings.sql, as Fivetran's `satisfaction_rating` table
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
            as has_comment,
        -- the API lists no deleted ratings
        cast(null as varchar) as deleted_reason
    from source
),

{{ zendesk_typed_ratings(renamed, $zendesk_time_zone) }}
