-- model: kind=by_file key=_source_file
-- grain: one row per raw Salesforce OpportunityContactRole row: which contact an opportunity is for
-- (opportunities belong to accounts, not people), typed, with its reject reason (NULL = usable)
with source as (
    select * from raw.salesforce_opportunity_contact_roles
),

renamed as (
    select
        -- lineage
        _load_id, _source_file, _row_number, _row_hash,
        {{ salesforce_contact_role_record(record) }}
    from source
),

{{ salesforce_typed_contact_roles(renamed, $salesforce_time_zone) }}
