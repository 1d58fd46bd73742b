-- model: kind=by_file key=_source_file
-- grain: one row per raw row of Airbyte's Salesforce `Opportunity` stream (a destination's typed
-- final table: the API field names as columns, `_airbyte_*` columns), typed and checked as the Data
-- Export's Opportunity.csv is (sql/_fragments/salesforce_opportunity_record.sql and the
-- salesforce_typed_* fragment), with its reject reason (NULL = usable). Datetimes are UTC (a typed
-- timestamp, ISO with `Z` or `+0000`; a time without a zone is UTC), dates (CloseDate,
-- ConvertedDate) read as the export's. A row with IsDeleted true (the recycle bin) is a deletion:
-- the record makes no events. The person: the primary contact of
-- staging.airbyte_salesforce_opportunity_contact_roles, else the Opportunity's own ContactId (as
-- the Data Export's).
with source as (
    select * from raw.airbyte_salesforce_opportunities
),

renamed as (
    select
        -- lineage
        _load_id, _source_file, _row_number, _row_hash, _delimiter,
        -- version order (Append mode: sql/_fragments/airbyte_latest_version.sql)
        {{ airbyte_version_columns(record, '$.systemmodstamp', '$.lastmodifieddate') }},
        {{ salesforce_opportunity_record(record) }}
    from source
),

newest_roles as (
    -- an Append-mode stream holds several rows of a contact role (IsPrimary moved to another
    -- contact, IsDeleted): its newest by Airbyte's extraction time, deletion rows kept, so that
    -- the fragment's latest_version drops a deleted one
    {{ airbyte_latest_version(staging.airbyte_salesforce_opportunity_contact_roles, role_id, _is_deleted) }}
),

{{ salesforce_typed_opportunities(renamed, newest_roles, 'UTC') }}
