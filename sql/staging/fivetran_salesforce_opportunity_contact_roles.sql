-- model: kind=by_file key=_source_file
-- grain: one row per raw row of Fivetran's Salesforce `opportunity_contact_role` table: which
-- contact an opportunity is for, typed, with its reject reason (NULL = usable)
-- As salesforce_opportunity_contact_roles.sql (sql/_fragments/salesforce_typed_contact_roles.sql).
with source as (
    select * from raw.fivetran_salesforce_opportunity_contact_roles
),

renamed as (
    select
        -- lineage
        _load_id, _source_file, _row_number, _row_hash,
        -- ids
        trim(json_extract_string(record, '$.id')) as role_id,
        nullif(trim(json_extract_string(record, '$.opportunity_id')), '') as opportunity_id,
        nullif(trim(json_extract_string(record, '$.contact_id')), '') as contact_id,
        -- timestamps (text as dumped)
        json_extract_string(record, '$.created_date') as created_text,
        -- attributes
        lower(trim(json_extract_string(record, '$.is_primary'))) as is_primary_text,
        nullif(trim(json_extract_string(record, '$.role')), '') as contact_role,
        {{ fivetran_salesforce_deleted(record) }} as deleted_reason
    from source
),

{{ salesforce_typed_contact_roles(renamed, 'UTC') }}
