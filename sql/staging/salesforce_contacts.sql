-- model: kind=by_file key=_source_file
-- grain: one row per raw Salesforce Contact row (API field names as headers), typed, email hashed,
-- with its reject reason (NULL = usable)
-- Timestamps: as in salesforce_leads.sql (`2026-06-03T09:15:00.000+0000`; zone-less = $salesforce_time_zone)
with source as (
    select * from raw.salesforce_contacts
),

renamed as (
    select
        -- lineage
        _load_id, _source_file, _row_number, _row_hash,
        {{ salesforce_contact_record(record) }}
    from source
),

{{ salesforce_typed_contacts(renamed, $salesforce_time_zone) }}
