-- model: kind=by_file key=_source_file
-- grain: one row per raw Salesforce OpportunityContactRole row: which contact an opportunity is for
-- (opportunities belong to accounts, not people), typed, with its reject reason (NULL = usable)
with source as (
    select * from raw.salesforce_opportunity_contact_roles
),

renamed as (
    select
        -- lineage
        _load_id, _source_file, _row_number, _row_hash,
        -- ids
        trim(json_extract_string(record, '$.id')) as role_id,
        nullif(trim(json_extract_string(record, '$.opportunityid')), '') as opportunity_id,
        nullif(trim(json_extract_string(record, '$.contactid')), '') as contact_id,
        -- timestamps (text as exported)
        json_extract_string(record, '$.createddate') as created_text,
        -- attributes
        lower(trim(json_extract_string(record, '$.isprimary'))) as is_primary_text,
        nullif(trim(json_extract_string(record, '$.role')), '') as contact_role,
        -- Data Loader's "Export All" includes the recycle bin
        coalesce(lower(trim(json_extract_string(record, '$.isdeleted'))) in ('true', '1'), false)
            as is_deleted
    from source
),

parsed as (
    select
        *,
        list_transform([created_text], {{ parse_export_timestamp($salesforce_time_zone) }})[1]
            as created_at,
        case
            when is_primary_text in ('true', '1', 'yes') then true
            when is_primary_text in ('false', '0', 'no', '') or is_primary_text is null then false
        end as is_primary
    from renamed
)

select
    * exclude (is_deleted),
    is_deleted as _is_deleted,
    case
        when role_id is null or role_id = '' then 'missing Id'
        when opportunity_id is null then 'missing OpportunityId'
        when contact_id is null then 'missing ContactId'
        when not regexp_full_match(contact_id, '[0-9A-Za-z]{15}([0-9A-Za-z]{3})?')
            then 'ContactId is not a Salesforce id: ' || left(contact_id, 40)
        when is_primary is null then 'IsPrimary is not true or false: ' || left(is_primary_text, 40)
        when trim(coalesce(created_text, '')) <> '' and created_at is null
            then 'CreatedDate is not a date: ' || left(created_text, 40)
        when created_at < timestamptz '2000-01-01 00:00:00+00' or created_at > $as_of + interval 1 day
            then 'CreatedDate out of range (before 2000 or in the future): ' || cast(created_at as varchar)
        when is_deleted then 'IsDeleted is true (deleted in Salesforce)'
    end as _reject_reason
from parsed
