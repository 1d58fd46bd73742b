-- model: kind=by_file key=_source_file
-- grain: one row per raw Salesforce Opportunity row, typed, with the person it is for and its reject
-- reason (NULL = usable)
-- The person: the primary contact of staging.salesforce_opportunity_contact_roles, else the
-- Opportunity's own ContactId column (sql/_fragments/salesforce_typed_opportunities.sql).
with source as (
    select * from raw.salesforce_opportunities
),

renamed as (
    select
        -- lineage
        _load_id, _source_file, _row_number, _row_hash, _delimiter,
        -- ids
        trim(json_extract_string(record, '$.id')) as opportunity_id,
        nullif(trim(json_extract_string(record, '$.accountid')), '') as account_id,
        nullif(trim(json_extract_string(record, '$.contactid')), '') as own_contact_id,
        -- measures
        trim(json_extract_string(record, '$.amount')) as amount_text,
        nullif(upper(trim(json_extract_string(record, '$.currencyisocode'))), '') as currency_iso_code,
        -- timestamps (text as exported)
        json_extract_string(record, '$.createddate') as created_text,
        json_extract_string(record, '$.closedate') as close_text,
        -- attributes
        nullif(trim(json_extract_string(record, '$.stagename')), '') as stage_name,
        lower(trim(json_extract_string(record, '$.isclosed'))) as is_closed_text,
        lower(trim(json_extract_string(record, '$.iswon'))) as is_won_text,
        nullif(trim(json_extract_string(record, '$.leadsource')), '') as lead_source,
        -- Data Loader's "Export All" includes the recycle bin
        case when lower(trim(json_extract_string(record, '$.isdeleted'))) in ('true', '1')
            then 'IsDeleted is true (deleted in Salesforce)' end as deleted_reason
    from source
),

{{ salesforce_typed_opportunities(renamed, staging.salesforce_opportunity_contact_roles, $salesforce_time_zone) }}
