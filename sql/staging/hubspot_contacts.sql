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

parsed as (
    select
        *,
        -- one parser for every date column, so all accept the same formats
        list_transform(
            [create_date_text, lead_date_text, mql_date_text, sql_date_text, customer_date_text,
             email_open_date_text],
            {{ parse_export_timestamp($hubspot_time_zone) }}
        ) as parsed_dates,
        {{ hash_email(email_text) }} as email_hash
    from renamed
),

typed as (
    select
        * exclude (email_text, parsed_dates),
        'hubspot:' || record_id as crm_contact_id,
        parsed_dates[1] as created_at,
        parsed_dates[2] as became_lead_at,
        parsed_dates[3] as became_mql_at,
        parsed_dates[4] as became_sql_at,
        parsed_dates[5] as became_customer_at,
        parsed_dates[6] as email_opened_at,
        -- the first date that is given but unusable (not a date, or outside 2000 .. tomorrow)
        list_filter(
            [
                {'label': 'Create Date', 'txt': create_date_text, 'ts': parsed_dates[1]},
                {'label': 'Became a Lead Date', 'txt': lead_date_text, 'ts': parsed_dates[2]},
                {'label': 'Became a Marketing Qualified Lead Date', 'txt': mql_date_text, 'ts': parsed_dates[3]},
                {'label': 'Became a Sales Qualified Lead Date', 'txt': sql_date_text, 'ts': parsed_dates[4]},
                {'label': 'Became a Customer Date', 'txt': customer_date_text, 'ts': parsed_dates[5]},
                {'label': 'Last Marketing Email Open Date', 'txt': email_open_date_text, 'ts': parsed_dates[6]}
            ],
            lambda d: {{ unusable_timestamp(d) }}
        )[1] as bad_date
    from parsed
)

select
    * exclude (bad_date),
    case
        when record_id is null or trim(record_id) = '' then 'missing Record ID'
        when create_date_text is null or trim(create_date_text) = '' then 'missing Create Date'
        {{ unusable_timestamp_reason(bad_date, date) }}
    end as _reject_reason
from typed
