-- model: kind=by_file key=_source_file
-- grain: one row per raw row of Fivetran's Salesforce `opportunity` table, typed, with the person
-- it is for and its reject reason (NULL = usable)
-- As salesforce_opportunities.sql (sql/_fragments/salesforce_typed_opportunities.sql), the person
-- from staging.fivetran_salesforce_opportunity_contact_roles; amount a number (Parquet: a double),
-- created_date a UTC instant, close_date a date; soft deletes as in fivetran_salesforce_leads.sql.
with source as (
    select * from raw.fivetran_salesforce_opportunities
),

renamed as (
    select
        -- lineage
        _load_id, _source_file, _row_number, _row_hash, _delimiter,
        -- ids
        trim(json_extract_string(record, '$.id')) as opportunity_id,
        nullif(trim(json_extract_string(record, '$.account_id')), '') as account_id,
        nullif(trim(json_extract_string(record, '$.contact_id')), '') as own_contact_id,
        -- measures
        trim(json_extract_string(record, '$.amount')) as amount_text,
        nullif(upper(trim(json_extract_string(record, '$.currency_iso_code'))), '') as currency_iso_code,
        -- timestamps (text as dumped)
        json_extract_string(record, '$.created_date') as created_text,
        json_extract_string(record, '$.close_date') as close_text,
        -- attributes
        nullif(trim(json_extract_string(record, '$.stage_name')), '') as stage_name,
        lower(trim(json_extract_string(record, '$.is_closed'))) as is_closed_text,
        lower(trim(json_extract_string(record, '$.is_won'))) as is_won_text,
        nullif(trim(json_extract_string(record, '$.lead_source')), '') as lead_source,
        {{ fivetran_salesforce_deleted(record) }} as deleted_reason
    from source
),

{{ salesforce_typed_opportunities(renamed, staging.fivetran_salesforce_opportunity_contact_roles, 'UTC') }}
