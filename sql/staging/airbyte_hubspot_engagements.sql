-- model: kind=by_file key=_source_file
-- grain: one row per raw row of Airbyte's HubSpot `engagements_calls`, `engagements_meetings` and
-- `engagements_emails` streams (and their `*_archived` streams), typed into the columns of
-- staging.hubspot_engagements (the CRM v3 export's), with its reject reason (NULL = usable)
-- The type is the stream's name (the dump file's, or `_dump_table` for a DuckDB file's row); the
-- properties are flattened into `properties_<name>` (properties_hs_timestamp,
-- properties_hs_call_direction, ...); the contacts are the `contacts` list Airbyte adds to each
-- engagement. Times are UTC (a time without a zone is UTC) or epoch milliseconds. An archived
-- engagement (`archived` true) makes no events.
with source as (
    select * from raw.airbyte_hubspot_engagements
),

renamed as (
    select
        -- lineage
        _load_id, _source_file, _row_number, _row_hash,
        -- version order (Append mode: sql/_fragments/airbyte_latest_version.sql)
        {{ airbyte_version_columns(record, '$.updatedAt', '$.updatedat') }},
        -- ids
        -- the table a DuckDB file's row came from, else the dump file's name
        case regexp_extract(
            lower(coalesce(json_extract_string(record, '$._dump_table'), _source_file)),
            'engagements_(calls|meetings|emails)[^/\\]*$', 1
        )
            when 'calls' then 'call' when 'meetings' then 'meeting' when 'emails' then 'email'
        end as engagement_type,
        nullif(trim(json_extract_string(record, '$.id')), '') as engagement_id,
        {{ airbyte_ids(record, '$.contacts') }} as contact_ids,
        -- timestamps (text as dumped)
        json_extract_string(record, '$.properties_hs_timestamp') as hs_timestamp_text,
        json_extract_string(record, '$.properties_hs_meeting_start_time') as meeting_start_text,
        -- measures
        trim(json_extract_string(record, '$.properties_hs_call_duration')) as call_duration_text,
        -- attributes
        {{ airbyte_archived(record) }} as archived,
        upper(trim(json_extract_string(record, '$.properties_hs_call_direction'))) as call_direction,
        lower(trim(json_extract_string(record, '$.properties_hs_call_disposition'))) as call_disposition_id,
        upper(trim(json_extract_string(record, '$.properties_hs_call_status'))) as call_status,
        upper(trim(json_extract_string(record, '$.properties_hs_meeting_outcome'))) as meeting_outcome,
        upper(trim(json_extract_string(record, '$.properties_hs_email_direction'))) as email_direction,
        upper(trim(json_extract_string(record, '$.properties_hs_email_status'))) as email_status,
        {{ airbyte_change(record, 'properties_hs_timestamp') }} as timestamp_change
    from source
),

parsed as (
    select
        *,
        list_transform(
            [hs_timestamp_text, meeting_start_text], {{ parse_export_timestamp('UTC') }}
        ) as parsed_times,
        {{ hubspot_call_duration(call_duration_text) }} as call_duration_seconds
    from renamed
),

typed as (
    {{ hubspot_engagement_typed(parsed, 'properties_hs_timestamp', 'properties_hs_meeting_start_time') }}
)

select
    * exclude (bad_time, contact_ids, call_disposition_id, timestamp_change),
    archived as _is_deleted,
    case
        when engagement_id is null then 'missing id'
        when engagement_type is null
            then 'file name does not say the stream (engagements_calls*, engagements_meetings*, engagements_emails*)'
        when hs_timestamp_text is null or trim(hs_timestamp_text) = ''
            then 'missing properties_hs_timestamp'
                || coalesce(' (nulled by Airbyte: ' || timestamp_change || ')', '')
        {{ unusable_timestamp_reason(bad_time, timestamp) }}
        when call_duration_text <> '' and call_duration_seconds is null
            then 'properties_hs_call_duration is not a number of milliseconds: ' || left(call_duration_text, 40)
        when call_duration_seconds > 1e9
            then 'properties_hs_call_duration out of range (beyond 10^12 milliseconds): ' || left(call_duration_text, 40)
        when array_length(crm_contact_ids) = 0 then 'no associated contact (contacts is empty)'
        when archived then 'archived in HubSpot (archived is true)'
    end as _reject_reason
from typed
