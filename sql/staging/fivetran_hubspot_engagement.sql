-- model: kind=by_file key=_source_file
-- grain: one row per raw row of Fivetran's HubSpot `engagement` table (every engagement: call,
-- meeting, email, note, task, ...), typed, with its reject reason (NULL = usable)
-- The parent of engagement_call/_meeting/_email: its `timestamp` is when a pre-v3 connector's
-- engagement happened (a v3 connector leaves it empty and fills the subtype's property_hs_timestamp),
-- so staging.fivetran_hubspot_engagements takes it when the subtype row has no time of its own.
-- Notes and tasks are read here only as parents: they make no events.
with source as (
    select * from raw.fivetran_hubspot_engagement
),

renamed as (
    select
        -- lineage
        _load_id, _source_file, _row_number, _row_hash,
        -- ids
        nullif(trim(json_extract_string(record, '$.id')), '') as engagement_id,
        -- timestamps (text as dumped)
        nullif(trim(json_extract_string(record, '$.timestamp')), '') as timestamp_text,
        -- attributes
        upper(trim(json_extract_string(record, '$.type'))) as engagement_kind,
        {{ fivetran_deleted(record) }} as _is_deleted
    from source
)

select
    *,
    case
        when engagement_id is null then 'missing id'
        when _is_deleted then 'deleted in HubSpot (_fivetran_deleted)'
    end as _reject_reason
from renamed
