-- model: kind=by_file key=_source_file
-- grain: one row per raw row of Fivetran's Salesforce `contact` table, typed, email hashed, with
-- its reject reason (NULL = usable)
-- As salesforce_contacts.sql (sql/_fragments/salesforce_typed_contacts.sql); created_date a UTC
-- instant, soft deletes as in fivetran_salesforce_leads.sql.
with source as (
    select * from raw.fivetran_salesforce_contacts
),

renamed as (
    select
        -- lineage
        _load_id, _source_file, _row_number, _row_hash,
        -- ids
        trim(json_extract_string(record, '$.id')) as contact_id,
        nullif(trim(json_extract_string(record, '$.account_id')), '') as account_id,
        json_extract_string(record, '$.email') as email_text,
        -- timestamps (text as dumped)
        json_extract_string(record, '$.created_date') as created_text,
        -- attributes
        nullif(trim(json_extract_string(record, '$.lead_source')), '') as lead_source,
        {{ fivetran_salesforce_deleted(record) }} as deleted_reason
    from source
),

{{ salesforce_typed_contacts(renamed, 'UTC') }}
