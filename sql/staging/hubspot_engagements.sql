-- model: kind=by_file key=_source_file
-- grain: one row per raw HubSpot engagement (call, meeting or email of the CRM v3 objects API), typed,
-- with its reject reason (NULL = usable)
-- The list responses carry no object type: it is the file's name (calls*.json, meetings*.json,
-- emails*.json). Timestamps: ISO 8601 as the API writes them (`...Z`), epoch milliseconds, or any form
-- parse_export_timestamp accepts; a timestamp without a zone is local time of $hubspot_time_zone.
with source as (
    select * from raw.hubspot_engagements
),

renamed as (
    select
        -- lineage
        _load_id, _source_file, _row_number, _row_hash,
        -- ids
        case regexp_extract(lower(_source_file), '(calls|meetings|emails)[^/\\]*$', 1)
            when 'calls' then 'call' when 'meetings' then 'meeting' when 'emails' then 'email'
        end as engagement_type,
        json_extract_string(record, '$.id') as engagement_id,
        -- the results list typed by from_json, not a `[*]` path (a list in DuckDB, a text in Spark)
        list_filter(
            list_transform(
                coalesce(
                    from_json(json_extract(record, '$.associations.contacts.results'), '[{"id": "VARCHAR"}]'),
                    []
                ),
                lambda c: nullif(trim(c.id), '')
            ),
            lambda c: c is not null
        ) as contact_ids,
        -- timestamps (text as exported)
        json_extract_string(record, '$.properties.hs_timestamp') as hs_timestamp_text,
        json_extract_string(record, '$.properties.hs_meeting_start_time') as meeting_start_text,
        -- measures
        trim(json_extract_string(record, '$.properties.hs_call_duration')) as call_duration_text,
        -- attributes
        lower(coalesce(json_extract_string(record, '$.archived'), 'false')) = 'true' as archived,
        upper(trim(json_extract_string(record, '$.properties.hs_call_direction'))) as call_direction,
        lower(trim(json_extract_string(record, '$.properties.hs_call_disposition'))) as call_disposition_id,
        upper(trim(json_extract_string(record, '$.properties.hs_call_status'))) as call_status,
        upper(trim(json_extract_string(record, '$.properties.hs_meeting_outcome'))) as meeting_outcome,
        upper(trim(json_extract_string(record, '$.properties.hs_email_direction'))) as email_direction,
        upper(trim(json_extract_string(record, '$.properties.hs_email_status'))) as email_status
    from source
),

parsed as (
    select
        *,
        list_transform(
            [hs_timestamp_text, meeting_start_text],
            {{ parse_export_timestamp($hubspot_time_zone) }}
        ) as parsed_times,
        {{ hubspot_call_duration(call_duration_text) }} as call_duration_seconds
    from renamed
),

typed as (
    {{ hubspot_engagement_typed(parsed, 'hs_timestamp', 'hs_meeting_start_time') }}
)

select
    * exclude (bad_time, contact_ids, call_disposition_id),
    archived as _is_deleted,
    case
        when engagement_id is null or trim(engagement_id) = '' then 'missing id'
        when engagement_type is null
            then 'file name does not say the engagement type (calls*, meetings*, emails*)'
        when hs_timestamp_text is null or trim(hs_timestamp_text) = ''
            then 'missing properties.hs_timestamp'
        {{ unusable_timestamp_reason(bad_time, timestamp) }}
        when call_duration_text <> '' and call_duration_seconds is null
            then 'hs_call_duration is not a number of milliseconds: ' || left(call_duration_text, 40)
        when call_duration_seconds > 1e9
            then 'hs_call_duration out of range (beyond 10^12 milliseconds): ' || left(call_duration_text, 40)
        when array_length(crm_contact_ids) = 0
            then 'no associated contact (associations.contacts.results is empty or missing)'
        when archived then 'archived (deleted in HubSpot)'
    end as _reject_reason
from typed
