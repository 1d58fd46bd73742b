-- model: kind=by_file key=_source_file
-- grain: one row per raw Salesforce Lead row (Data Loader / Data Export CSV, API field names as headers),
-- typed, email hashed, with its reject reason (NULL = usable)
-- Timestamps: `2026-06-03T09:15:00.000+0000` / `...Z` as Salesforce writes them, or any form
-- parse_export_timestamp accepts (zone-less = $salesforce_time_zone). Typed and checked as
-- Fivetran's `lead` table is (sql/_fragments/salesforce_typed_leads.sql).
with source as (
    select * from raw.salesforce_leads
),

renamed as (
    select
        -- lineage
        _load_id, _source_file, _row_number, _row_hash,
        -- ids
        trim(json_extract_string(record, '$.id')) as lead_id,
        json_extract_string(record, '$.email') as email_text,
        nullif(trim(json_extract_string(record, '$.convertedcontactid')), '') as converted_contact_id,
        nullif(trim(json_extract_string(record, '$.convertedopportunityid')), '')
            as converted_opportunity_id,
        -- timestamps (text as exported)
        json_extract_string(record, '$.createddate') as created_text,
        json_extract_string(record, '$.converteddate') as converted_text,
        -- attributes
        lower(trim(json_extract_string(record, '$.isconverted'))) as is_converted_text,
        nullif(trim(json_extract_string(record, '$.leadsource')), '') as lead_source,
        nullif(trim(json_extract_string(record, '$.status')), '') as lead_status,
        -- Data Loader's "Export All" includes the recycle bin
        case when lower(trim(json_extract_string(record, '$.isdeleted'))) in ('true', '1')
            then 'IsDeleted is true (deleted in Salesforce)' end as deleted_reason
    from source
),

{{ salesforce_typed_leads(renamed, $salesforce_time_zone) }}
