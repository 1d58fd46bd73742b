-- model: kind=by_file key=_source_file
-- grain: one row per raw row of Airbyte's Salesforce `OpportunityContactRole` stream (a
-- destination's typed final table: the API field names as columns, `_airbyte_*` columns), typed and
-- checked as the Data Export's OpportunityContactRole.csv is
-- (sql/_fragments/salesforce_contact_role_record.sql and the salesforce_typed_* fragment), with its
-- reject reason (NULL = usable). Datetimes are UTC (a typed timestamp, ISO with `Z` or `+0000`; a
-- time without a zone is UTC), dates (CloseDate, ConvertedDate) read as the export's. A row with
-- IsDeleted true (the recycle bin) is a deletion: the record makes no events.
with source as (
    select * from raw.airbyte_salesforce_opportunity_contact_roles
),

renamed as (
    select
        -- lineage
        _load_id, _source_file, _row_number, _row_hash,
        -- version order (Append mode: sql/_fragments/airbyte_latest_version.sql)
        {{ airbyte_version_columns(record, '$.systemmodstamp', '$.lastmodifieddate') }},
        {{ salesforce_contact_role_record(record) }}
    from source
),

{{ salesforce_typed_contact_roles(renamed, 'UTC') }}
