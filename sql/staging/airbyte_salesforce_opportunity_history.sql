-- model: kind=by_file key=_source_file
-- grain: one row per raw row of Airbyte's Salesforce `OpportunityHistory` stream (a destination's
-- typed final table: the API field names as columns, `_airbyte_*` columns), typed and checked as
-- the Data Export's OpportunityHistory.csv is
-- (sql/_fragments/salesforce_opportunity_history_record.sql and the salesforce_typed_* fragment),
-- with its reject reason (NULL = usable). Datetimes are UTC (a typed timestamp, ISO with `Z` or
-- `+0000`; a time without a zone is UTC), dates (CloseDate, ConvertedDate) read as the export's. A
-- row with IsDeleted true (the recycle bin) is a deletion: the record makes no events. Usable only
-- for a usable row of staging.airbyte_salesforce_opportunities (as the Data Export's).
with source as (
    select * from raw.airbyte_salesforce_opportunity_history
),

renamed as (
    select
        -- lineage
        _load_id, _source_file, _row_number, _row_hash, _delimiter,
        -- version order (Append mode: sql/_fragments/airbyte_latest_version.sql); a history row
        -- is one change, never edited: its versions differ in IsDeleted (and SystemModstamp) only
        {{ airbyte_version_columns(record, '$.systemmodstamp', '$.createddate') }},
        {{ salesforce_opportunity_history_record(record) }}
    from source
),

{{ salesforce_typed_opportunity_history(renamed, staging.airbyte_salesforce_opportunities, 'UTC') }}
