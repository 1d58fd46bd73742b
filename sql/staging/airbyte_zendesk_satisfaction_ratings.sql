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
        {{ zendesk_connector_rating_columns(record) }},
        -- version order (Append mode: sql/_fragments/airbyte_latest_version.sql)
        {{ airbyte_version_columns(record, '$.updated_at', '$.updated_at') }},
        -- the stream, like the API, lists no deleted ratings
        cast(null as varchar) as deleted_reason
    from source
),

{{ zendesk_typed_ratings(renamed, 'UTC') }}
