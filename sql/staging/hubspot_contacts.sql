-- grain: one row per raw HubSpot contact row, typed, emails hashed, with its reject reason (NULL = usable)
with source as (
    select * from raw.hubspot_contacts
),

renamed as (
    select
        -- lineage
        _load_id, _source_file, _row_number, _row_hash,
        -- ids
        json_extract_string(record, '$.record_id') as record_id,
        nullif(lower(trim(json_extract_string(record, '$.email'))), '') as email_normalised,
        nullif(trim(json_extract_string(record, '$.web_user_id')), '') as user_id,
        -- timestamps (text as exported)
        json_extract_string(record, '$.create_date') as create_date_text,
        json_extract_string(record, '$.became_a_lead_date') as lead_date_text,
        json_extract_string(record, '$.became_a_marketing_qualified_lead_date') as mql_date_text,
        json_extract_string(record, '$.became_a_sales_qualified_lead_date') as sql_date_text,
        json_extract_string(record, '$.became_a_customer_date') as customer_date_text,
        json_extract_string(record, '$.last_marketing_email_open_date') as email_open_date_text,
        -- attributes
        json_extract_string(record, '$.lifecycle_stage') as lifecycle_stage,
        json_extract_string(record, '$.original_source') as original_source
    from source
),

typed as (
    select
        * exclude (email_normalised),
        'hubspot:' || record_id as crm_contact_id,
        case when email_normalised is not null then sha256($salt || email_normalised) end as email_hash,
        try_cast(create_date_text as timestamptz) as created_at,
        try_cast(lead_date_text as timestamptz) as became_lead_at,
        try_cast(mql_date_text as timestamptz) as became_mql_at,
        try_cast(sql_date_text as timestamptz) as became_sql_at,
        try_cast(customer_date_text as timestamptz) as became_customer_at,
        try_cast(email_open_date_text as timestamptz) as email_opened_at
    from renamed
)

select
    *,
    case
        when record_id is null or trim(record_id) = '' then 'missing Record ID'
        when create_date_text is null or trim(create_date_text) = '' then 'missing Create Date'
        when created_at is null then 'Create Date is not a date: ' || left(create_date_text, 40)
        when lead_date_text <> '' and became_lead_at is null
            then 'Became a Lead Date is not a date: ' || left(lead_date_text, 40)
        when mql_date_text <> '' and became_mql_at is null
            then 'Became a Marketing Qualified Lead Date is not a date: ' || left(mql_date_text, 40)
        when sql_date_text <> '' and became_sql_at is null
            then 'Became a Sales Qualified Lead Date is not a date: ' || left(sql_date_text, 40)
        when customer_date_text <> '' and became_customer_at is null
            then 'Became a Customer Date is not a date: ' || left(customer_date_text, 40)
        when email_open_date_text <> '' and email_opened_at is null
            then 'Last Marketing Email Open Date is not a date: ' || left(email_open_date_text, 40)
    end as _reject_reason
from typed
