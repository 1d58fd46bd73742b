-- A Fivetran HubSpot association table of a contact with another object ($arg1 the raw table,
-- $arg2 the other object's id column: deal_id for `deal_contact`, engagement_id for
-- `engagement_contact`), typed: one row per raw row with link_key ($arg2|contact_id, the
-- association across dumps) and its reject reason (NULL = usable). A row soft-deleted by Fivetran
-- (`_fivetran_deleted`) is a deletion row: the association is gone.
with source as (
    select * from $arg1
),

renamed as (
    select
        -- lineage
        _load_id, _source_file, _row_number, _row_hash,
        -- ids
        nullif(trim(json_extract_string(record, '$.$arg2')), '') as $arg2,
        nullif(trim(json_extract_string(record, '$.contact_id')), '') as contact_id,
        -- attributes
        json_extract_string(record, '$.category') as category,
        {{ fivetran_deleted(record) }} as _is_deleted
    from source
)

select
    *,
    $arg2 || '|' || contact_id as link_key,
    case
        when $arg2 is null then 'missing $arg2'
        when contact_id is null then 'missing contact_id'
        when _is_deleted then 'deleted in HubSpot (_fivetran_deleted)'
    end as _reject_reason
from renamed
