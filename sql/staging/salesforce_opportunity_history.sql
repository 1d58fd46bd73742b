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
        {{ salesforce_opportunity_history_record(record) }}
    from source
),

{{ salesforce_typed_opportunity_history(renamed, staging.salesforce_opportunities, $salesforce_time_zone) }}
