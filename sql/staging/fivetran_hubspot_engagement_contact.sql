-- model: kind=by_file key=_source_file
-- grain: one row per raw row of Fivetran's HubSpot `engagement_contact` table (an engagement's
-- association with a contact), typed, with its reject reason (NULL = usable)
-- link_key (engagement_id|contact_id) names the association across dumps; a row soft-deleted by
-- Fivetran (`_fivetran_deleted`) is a deletion row: the association is gone.
with source as (
    select * from raw.fivetran_hubspot_engagement_contact
),

renamed as (
    select
        -- lineage
        _load_id, _source_file, _row_number, _row_hash,
        -- ids
        nullif(trim(json_extract_string(record, '$.engagement_id')), '') as engagement_id,
        nullif(trim(json_extract_string(record, '$.contact_id')), '') as contact_id,
        -- attributes
        json_extract_string(record, '$.category') as category,
        {{ fivetran_deleted(record) }} as _is_deleted
    from source
)

select
    *,
    engagement_id || '|' || contact_id as link_key,
    case
        when engagement_id is null then 'missing engagement_id'
        when contact_id is null then 'missing contact_id'
        when _is_deleted then 'deleted in HubSpot (_fivetran_deleted)'
    end as _reject_reason
from renamed
