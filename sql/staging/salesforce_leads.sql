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
        {{ salesforce_lead_record(record) }}
    from source
),

{{ salesforce_typed_leads(renamed, $salesforce_time_zone) }}
