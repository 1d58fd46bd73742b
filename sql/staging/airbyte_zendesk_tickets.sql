-- model: kind=by_file key=_source_file
-- grain: one row per raw row of Airbyte's Zendesk Support `tickets` stream (its typed final table),
-- typed into the columns of staging.zendesk_tickets (the Tickets API export's), with its reject
-- reason (NULL = usable)
-- The stream's records are the API's tickets: the same top-level columns, the nested `via` and
-- `satisfaction_rating` objects as JSON (an object in Parquet, JSON text in a CSV dump or a string
-- column), beside Airbyte's `_airbyte_raw_id`, `_airbyte_extracted_at` and `_airbyte_meta`. Times are
-- UTC (a time without a zone is UTC here, not the export's zendesk time zone). A ticket with status
-- deleted is a deletion row. Typed and checked by sql/_fragments/zendesk_typed_tickets.sql.
with source as (
    select * from raw.airbyte_zendesk_tickets
),

renamed as (
    select
        {{ zendesk_connector_ticket_columns(record) }},
        -- version order (Append mode: sql/_fragments/airbyte_latest_version.sql)
        {{ airbyte_version_columns(record, '$.updated_at', '$.updated_at') }},
        -- a nested object, or its JSON text: json_extract_string gives the object's JSON either way
        -- (text that is no JSON is no channel, as a ticket without `via` in the export)
        case when json_valid(json_extract_string(record, '$.via'))
            then json_extract_string(json_extract_string(record, '$.via'), '$.channel')
        end as via_channel,
        case when json_valid(json_extract_string(record, '$.satisfaction_rating'))
            then json_extract_string(json_extract_string(record, '$.satisfaction_rating'), '$.score')
        end as satisfaction_score,
        {{ zendesk_ticket_status_deleted(record) }} as deleted_reason
    from source
),

{{ zendesk_typed_tickets(renamed, 'UTC') }}
