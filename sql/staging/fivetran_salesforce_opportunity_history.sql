-- model: kind=by_file key=_source_file
-- grain: one row per raw row of Fivetran's Salesforce `opportunity_history` table (the
-- OpportunityHistory object: one row per change of stage, amount, probability or close date),
-- typed, with its reject reason (NULL = usable)
-- As salesforce_opportunity_history.sql (sql/_fragments/salesforce_typed_opportunity_history.sql):
-- usable only for a usable row of staging.fivetran_salesforce_opportunities.
with source as (
    select * from raw.fivetran_salesforce_opportunity_history
),

renamed as (
    select
        -- lineage
        _load_id, _source_file, _row_number, _row_hash, _delimiter,
        -- ids
        trim(json_extract_string(record, '$.id')) as history_id,
        nullif(trim(json_extract_string(record, '$.opportunity_id')), '') as opportunity_id,
        -- measures
        trim(json_extract_string(record, '$.amount')) as amount_text,
        -- timestamps (text as dumped)
        json_extract_string(record, '$.created_date') as created_text,
        json_extract_string(record, '$.close_date') as close_text,
        -- attributes
        nullif(trim(json_extract_string(record, '$.stage_name')), '') as stage_name,
        {{ fivetran_salesforce_deleted(record) }} as deleted_reason
    from source
),

{{ salesforce_typed_opportunity_history(renamed, staging.fivetran_salesforce_opportunities, 'UTC') }}
