-- model: kind=by_file key=_source_file
-- grain: one row per raw Salesforce Contact row (API field names as headers), typed, email hashed,
-- with its reject reason (NULL = usable)
-- Timestamps: as in salesforce_leads.sql (`2026-06-03T09:15:00.000+0000`; zone-less = $salesforce_time_zone)
with source as (
    select * from raw.salesforce_contacts
),

renamed as (
    select
        -- lineage
        _load_id, _source_file, _row_number, _row_hash,
        -- ids
        trim(json_extract_string(record, '$.id')) as contact_id,
        nullif(trim(json_extract_string(record, '$.accountid')), '') as account_id,
        json_extract_string(record, '$.email') as email_text,
        -- timestamps (text as exported)
        json_extract_string(record, '$.createddate') as created_text,
        -- attributes
        nullif(trim(json_extract_string(record, '$.leadsource')), '') as lead_source,
        -- Data Loader's "Export All" includes the recycle bin
        case when lower(trim(json_extract_string(record, '$.isdeleted'))) in ('true', '1')
            then 'IsDeleted is true (deleted in Salesforce)' end as deleted_reason
    from source
),

{{ salesforce_typed_contacts(renamed, $salesforce_time_zone) }}
