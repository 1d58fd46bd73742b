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
        {{ salesforce_opportunity_record(record) }}
    from source
),

{{ salesforce_typed_opportunities(renamed, staging.salesforce_opportunity_contact_roles, $salesforce_time_zone) }}
