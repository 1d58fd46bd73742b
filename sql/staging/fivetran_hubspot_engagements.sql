-- model: kind=by_file key=_source_file
-- grain: one row per raw row of Fivetran's HubSpot `engagement_call`, `engagement_meeting` and
-- `engagement_email` tables, typed into the columns of staging.hubspot_engagements (the CRM v3
-- export's), with its reject reason (NULL = usable)
-- The type is the table's name (engagement_call*, engagement_meeting*, engagement_email*, or the
-- table of a DuckDB file's row, `_dump_table`), the
-- properties are `property_<internal name>` columns (property_hs_timestamp, property_hs_call_direction,
-- ...; a pre-v3 connector's `timestamp` column, of the row or of its parent in the `engagement` table,
-- staging.fivetran_hubspot_engagement, when property_hs_timestamp is not there), the contacts the
-- `engagement_contact` table's current associations (staging.fivetran_hubspot_engagement_contact).
-- Times are UTC (a time without a zone is UTC) or epoch milliseconds. A soft-deleted row
-- (`_fivetran_deleted`) makes no events.
with source as (
    select * from raw.fivetran_hubspot_engagements
),

contacts as (
    -- the current associations of each engagement (a deleted one is gone), as a sorted list
    select engagement_id, list_sort(list(contact_id)) as contact_ids
    from ({{ latest_version(staging.fivetran_hubspot_engagement_contact, link_key, _is_deleted) }})
    group by engagement_id
),

renamed as (
    select
        -- lineage
        _load_id, _source_file, _row_number, _row_hash,
        -- ids
        -- the table a DuckDB file's row came from, else the dump file's name
        nullif(regexp_extract(
            lower(coalesce(json_extract_string(record, '$._dump_table'), _source_file)),
            'engagement_(call|meeting|email)[^/\\]*$', 1
        ), '') as engagement_type,
        nullif(trim(json_extract_string(record, '$.engagement_id')), '') as engagement_id,
        -- timestamps (text as dumped; a pre-v3 connector's in `timestamp`, here or in the parent)
        coalesce(nullif(trim(json_extract_string(record, '$.property_hs_timestamp')), ''),
                 nullif(trim(json_extract_string(record, '$.timestamp')), '')) as own_timestamp_text,
        json_extract_string(record, '$.property_hs_meeting_start_time') as meeting_start_text,
        -- measures
        trim(json_extract_string(record, '$.property_hs_call_duration')) as call_duration_text,
        -- attributes
        {{ fivetran_deleted(record) }} as archived,
        upper(trim(json_extract_string(record, '$.property_hs_call_direction'))) as call_direction,
        lower(trim(json_extract_string(record, '$.property_hs_call_disposition'))) as call_disposition_id,
        upper(trim(json_extract_string(record, '$.property_hs_call_status'))) as call_status,
        upper(trim(json_extract_string(record, '$.property_hs_meeting_outcome'))) as meeting_outcome,
        upper(trim(json_extract_string(record, '$.property_hs_email_direction'))) as email_direction,
        upper(trim(json_extract_string(record, '$.property_hs_email_status'))) as email_status
    from source
),

timed as (
    -- the subtype row's own time, else its parent `engagement` row's (the latest usable one)
    select
        r.* exclude (own_timestamp_text),
        coalesce(r.own_timestamp_text, p.timestamp_text) as hs_timestamp_text
    from renamed as r
    left join ({{ latest_version(staging.fivetran_hubspot_engagement, engagement_id, _is_deleted) }}) as p
        on p.engagement_id = r.engagement_id
),

parsed as (
    select
        r.*,
        coalesce(c.contact_ids, []) as contact_ids,
        list_transform(
            [r.hs_timestamp_text, r.meeting_start_text], {{ parse_export_timestamp('UTC') }}
        ) as parsed_times,
        {{ hubspot_call_duration(r.call_duration_text) }} as call_duration_seconds
    from timed as r
    left join contacts as c on c.engagement_id = r.engagement_id
),

typed as (
    {{ hubspot_engagement_typed(parsed, 'property_hs_timestamp', 'property_hs_meeting_start_time') }}
)

select
    * exclude (bad_time, contact_ids, call_disposition_id),
    archived as _is_deleted,
    case
        when engagement_id is null then 'missing engagement_id'
        when engagement_type is null
            then 'file name does not say the engagement type (engagement_call*, engagement_meeting*, engagement_email*)'
        when hs_timestamp_text is null or trim(hs_timestamp_text) = ''
            then 'missing property_hs_timestamp'
        {{ unusable_timestamp_reason(bad_time, timestamp) }}
        when call_duration_text <> '' and call_duration_seconds is null
            then 'property_hs_call_duration is not a number of milliseconds: ' || left(call_duration_text, 40)
        when call_duration_seconds > 1e9
            then 'property_hs_call_duration out of range (beyond 10^12 milliseconds): ' || left(call_duration_text, 40)
        when array_length(crm_contact_ids) = 0
            then 'no associated contact (no engagement_contact row for the engagement)'
        when archived then 'deleted in HubSpot (_fivetran_deleted)'
    end as _reject_reason
from typed
