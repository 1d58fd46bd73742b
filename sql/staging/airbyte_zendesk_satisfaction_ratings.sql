-- model: kind=by_file key=_source_file
-- grain: one row per raw row of Airbyte's Zendesk Support `satisfaction_ratings` stream (its typed
-- final table), typed into the columns of staging.zendesk_satisfaction_ratings (the API export's),
-- with its reject reason (NULL = usable)
-- The stream's records are the API's ratings; times are UTC (a time without a zone is UTC). The
-- free-text comment stays in raw. Typed and checked by sql/_fragments/zendesk_typed_ratings.sql.
with source as (
    select * from raw.airbyte_zendesk_satisfaction_ratings
),

renamed as (
    select
        -- lineage
        _load_id, _source_file, _row_number, _row_hash,
        -- version order (Append mode: sql/_fragments/airbyte_latest_version.sql)
        {{ airbyte_version_columns(record, '$.updated_at', '$.updated_at') }},
        -- ids
        nullif(trim(json_extract_string(record, '$.id')), '') as rating_id,
        nullif(trim(json_extract_string(record, '$.ticket_id')), '') as ticket_id,
        nullif(trim(json_extract_string(record, '$.requester_id')), '') as requester_id,
        nullif(trim(json_extract_string(record, '$.assignee_id')), '') as assignee_id,
        -- timestamps (text as dumped)
        json_extract_string(record, '$.created_at') as created_at_text,
        json_extract_string(record, '$.updated_at') as updated_at_text,
        -- attributes (the free-text comment stays in raw)
        json_extract_string(record, '$.score') as score_text,
        lower(trim(json_extract_string(record, '$.score'))) as score,
        nullif(trim(json_extract_string(record, '$.reason')), '') as reason,
        nullif(trim(coalesce(json_extract_string(record, '$.comment'), '')), '') is not null
            as has_comment,
        -- the stream, like the API, lists no deleted ratings
        cast(null as varchar) as deleted_reason
    from source
),

{{ zendesk_typed_ratings(renamed, 'UTC') }}
