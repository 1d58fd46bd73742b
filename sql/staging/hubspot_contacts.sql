-- model: kind=by_file key=_source_file
-- grain: one row per raw HubSpot contact row, typed, emails hashed, with its reject reason (NULL = usable)
-- dates: ISO 8601, `YYYY-MM-DD HH:MM[:SS]`, German `DD.MM.YYYY[ HH:MM[:SS]]`, or 10/13/16-digit epoch
-- (s/ms/µs); a date without a zone is local time of $hubspot_time_zone
with source as (
    select * from raw.hubspot_contacts
),

renamed as (
    select
        -- lineage
        _load_id, _source_file, _row_number, _row_hash,
        -- ids
        json_extract_string(record, '$.record_id') as record_id,
        json_extract_string(record, '$.email') as email_text,
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
    {{ hubspot_contact_typed(
        renamed, $hubspot_time_zone, 'Create Date', 'Became a Lead Date', 'Became a Marketing Qualified Lead Date',
        'Became a Sales Qualified Lead Date', 'Became a Customer Date', 'Last Marketing Email Open Date'
    ) }}
)

select
    * exclude (bad_date),
    case
        when record_id is null or trim(record_id) = '' then 'missing Record ID'
        when create_date_text is null or trim(create_date_text) = '' then 'missing Create Date'
        {{ unusable_timestamp_reason(bad_date, date) }}
    end as _reject_reason
from typed
