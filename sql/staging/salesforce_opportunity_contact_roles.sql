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
        case when lower(trim(json_extract_string(record, '$.isdeleted'))) in ('true', '1')
            then 'IsDeleted is true (deleted in Salesforce)' end as deleted_reason
    from source
),

{{ salesforce_typed_contact_roles(renamed, $salesforce_time_zone) }}
