-- model: kind=by_file key=_source_file
-- grain: one row per raw Salesforce OpportunityHistory row (written on every change of stage, amount,
-- probability or close date), typed, with its reject reason (NULL = usable)
-- A row is usable only when its opportunity is a usable row of the Opportunity export, which gives
-- the person (staging.salesforce_opportunities); the stage changes among the rows become events in
-- sql/staging/events/salesforce_opportunities.sql.
with source as (
    select * from raw.salesforce_opportunity_history
),

renamed as (
    select
        -- lineage
        _load_id, _source_file, _row_number, _row_hash, _delimiter,
        -- ids
        trim(json_extract_string(record, '$.id')) as history_id,
        nullif(trim(json_extract_string(record, '$.opportunityid')), '') as opportunity_id,
        -- measures
        trim(json_extract_string(record, '$.amount')) as amount_text,
        -- timestamps (text as exported)
        json_extract_string(record, '$.createddate') as created_text,
        json_extract_string(record, '$.closedate') as close_text,
        -- attributes
        nullif(trim(json_extract_string(record, '$.stagename')), '') as stage_name,
        -- Data Loader's "Export All" includes the recycle bin
        case when lower(trim(json_extract_string(record, '$.isdeleted'))) in ('true', '1')
            then 'IsDeleted is true (deleted in Salesforce)' end as deleted_reason
    from source
),

{{ salesforce_typed_opportunity_history(renamed, staging.salesforce_opportunities, $salesforce_time_zone) }}
