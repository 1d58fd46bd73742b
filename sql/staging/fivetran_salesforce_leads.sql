-- model: kind=by_file key=_source_file
-- grain: one row per raw row of Fivetran's Salesforce `lead` table (a Parquet or CSV dump, the
-- connector's snake_case columns), typed, email hashed, with its reject reason (NULL = usable)
-- Typed and checked as the Data Export's Lead.csv is (sql/_fragments/salesforce_typed_leads.sql),
-- so a lead makes the same events and identities from either. created_date is a UTC instant
-- (Parquet: a timestamp; a CSV dump: with or without a zone, zone-less = UTC); converted_date a
-- date. A soft-deleted row (`_fivetran_deleted`, or `is_deleted`: the recycle bin, which Fivetran
-- uses for Salesforce deletes) is a deletion: the lead makes no events.
with source as (
    select * from raw.fivetran_salesforce_leads
),

renamed as (
    select
        -- lineage
        _load_id, _source_file, _row_number, _row_hash,
        -- ids
        trim(json_extract_string(record, '$.id')) as lead_id,
        json_extract_string(record, '$.email') as email_text,
        nullif(trim(json_extract_string(record, '$.converted_contact_id')), '') as converted_contact_id,
        nullif(trim(json_extract_string(record, '$.converted_opportunity_id')), '')
            as converted_opportunity_id,
        -- timestamps (text as dumped)
        json_extract_string(record, '$.created_date') as created_text,
        json_extract_string(record, '$.converted_date') as converted_text,
        -- attributes
        lower(trim(json_extract_string(record, '$.is_converted'))) as is_converted_text,
        nullif(trim(json_extract_string(record, '$.lead_source')), '') as lead_source,
        nullif(trim(json_extract_string(record, '$.status')), '') as lead_status,
        {{ fivetran_salesforce_deleted(record) }} as deleted_reason
    from source
),

{{ salesforce_typed_leads(renamed, 'UTC') }}
