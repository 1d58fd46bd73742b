-- model: kind=by_file key=_source_file
-- grain: one row per raw row of a Freshdesk ticket export (CSV), typed, emails hashed, with its
-- reject reason (NULL = usable). The same columns as staging.freshdesk_tickets (the API pages),
-- parsed and typed by the same fragment (sql/_fragments/freshdesk_ticket_times.sql);
-- sql/staging/events/freshdesk_tickets.sql makes the events of both, once per ticket.
-- Times are written in the helpdesk's time zone without a zone: local time of $freshdesk_time_zone
-- (ISO 8601, German `DD.MM.YYYY HH:MM` and epochs work as everywhere). Status, priority and
-- source come as names (`Resolved`, `Medium`, `Feedback Widget`) and are lower-cased like the API's.
with source as (
    select * from raw.freshdesk_tickets_csv
),

renamed as (
    select
        -- lineage
        _load_id, _source_file, _row_number, _row_hash,
        -- ids (CSV headers are normalised: "Ticket ID" -> ticket_id)
        nullif(trim(json_extract_string(record, '$.ticket_id')), '') as ticket_id,
        nullif(trim(coalesce(
            json_extract_string(record, '$.contact_id'), json_extract_string(record, '$.requester_id')
        )), '') as requester_id,
        coalesce(
            nullif(trim(json_extract_string(record, '$.requester_email')), ''),
            json_extract_string(record, '$.email')
        ) as email_text,
        -- timestamps (text as exported)
        json_extract_string(record, '$.created_time') as created_at_text,
        json_extract_string(record, '$.last_update_time') as updated_at_text,
        coalesce(
            nullif(trim(json_extract_string(record, '$.resolved_time')), ''),
            json_extract_string(record, '$.closed_time')
        ) as resolved_at_text,
        -- attributes (names as exported; the subject stays in raw)
        nullif(trim(json_extract_string(record, '$.status')), '') as status_text,
        nullif(trim(json_extract_string(record, '$.priority')), '') as priority_text,
        nullif(trim(json_extract_string(record, '$.source')), '') as source_text,
        nullif(trim(json_extract_string(record, '$.type')), '') as ticket_type
    from source
),

{{ freshdesk_ticket_times(renamed, 'Created time', 'Last update time', 'Resolved time') }},

typed as (
    select
        * exclude (status_text, priority_text, source_text),
        regexp_replace(lower(status_text), '[^a-z0-9]+', '_', 'g') as status,
        lower(priority_text) as priority,
        regexp_replace(lower(source_text), '[^a-z0-9]+', '_', 'g') as channel
    from timed
)

select
    * exclude (bad_time),
    case
        when ticket_id is null then 'missing Ticket ID'
        when email_hash is null and requester_id is null
            then 'missing Requester email (and no Contact ID): the ticket cannot be linked to a person'
        when created_at_text is null or trim(created_at_text) = '' then 'missing Created time'
        {{ unusable_timestamp_reason(bad_time, timestamp) }}
    end as _reject_reason
from typed
