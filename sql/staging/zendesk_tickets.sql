-- model: kind=by_file key=_source_file
-- grain: one row per raw Zendesk ticket, typed, with its reject reason (NULL = usable)
-- timestamps: ISO 8601 (the API writes `...Z`), German `DD.MM.YYYY HH:MM`, or 10/13/16-digit epoch;
-- a timestamp without a zone is local time of $zendesk_time_zone. Typed and checked by
-- sql/_fragments/zendesk_typed_tickets.sql, as Fivetran's `ticket` table (fivetran_zendesk_tickets.sql)
with source as (
    select * from raw.zendesk_tickets
),

renamed as (
    select
        -- lineage
        _load_id, _source_file, _row_number, _row_hash,
        -- ids
        json_extract_string(record, '$.id') as ticket_id,
        json_extract_string(record, '$.requester_id') as requester_id,
        -- timestamps (text as exported)
        json_extract_string(record, '$.created_at') as created_at_text,
        json_extract_string(record, '$.updated_at') as updated_at_text,
        -- attributes
        json_extract_string(record, '$.status') as status,
        json_extract_string(record, '$.type') as ticket_type,
        json_extract_string(record, '$.priority') as priority,
        json_extract_string(record, '$.via.channel') as via_channel,
        json_extract_string(record, '$.satisfaction_rating.score') as satisfaction_score,
        {{ zendesk_ticket_status_deleted(record) }} as deleted_reason
    from source
),

{{ zendesk_typed_tickets(renamed, $zendesk_time_zone) }}
