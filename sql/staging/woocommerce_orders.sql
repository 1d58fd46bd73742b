-- model: kind=by_file key=_source_file
-- grain: one row per raw row of a WooCommerce orders export, typed, email hashed, with its reject reason (NULL = usable)
-- The order export of WooCommerce's Order Export / Import extensions (column keys as the
-- "Import and Export of WooCommerce Orders" mapping names them: order_id, order_number, order_date,
-- paid_date, status, order_total, order_currency, customer_email, billing_email, ...). The
-- one-row-per-line-item formats repeat the order's fields on each of its rows: the order's last
-- row stands for it. Dates: `2026-06-01 14:03:12` (zone-less = $woocommerce_time_zone), `9/6/2016
-- 6:29:00` (M/D/YYYY), or any form parse_export_timestamp accepts.
with source as (
    select * from raw.woocommerce_orders
),

renamed as (
    select
        -- lineage
        _load_id, _source_file, _row_number, _row_hash, _delimiter,
        -- ids
        nullif(trim(json_extract_string(record, '$.order_id')), '') as order_id,
        nullif(trim(json_extract_string(record, '$.order_number')), '') as order_number,
        coalesce(nullif(trim(json_extract_string(record, '$.customer_email')), ''),
                 json_extract_string(record, '$.billing_email')) as email_text,
        -- timestamps (text as exported)
        nullif(trim(json_extract_string(record, '$.order_date')), '') as order_date_text,
        nullif(trim(json_extract_string(record, '$.paid_date')), '') as paid_date_text,
        nullif(trim(coalesce(json_extract_string(record, '$.completed_date'),
                             json_extract_string(record, '$.date_completed'))), '') as completed_date_text,
        -- measures (text as exported)
        nullif(trim(json_extract_string(record, '$.order_total')), '') as total_text,
        nullif(trim(coalesce(json_extract_string(record, '$.refunded_total'),
                             json_extract_string(record, '$.order_refund'))), '') as refunded_text,
        nullif(trim(json_extract_string(record, '$.discount_total')), '') as discount_text,
        -- attributes
        upper(nullif(trim(json_extract_string(record, '$.order_currency')), '')) as currency,
        lower(nullif(trim(json_extract_string(record, '$.status')), '')) as order_status,
        nullif(trim(json_extract_string(record, '$.payment_method')), '') as payment_method
    from source
),

parsed as (
    select
        *,
        list_transform(
            -- M/D/YYYY as ISO first (the extensions' US format), so it parses as the others
            list_transform(
                [order_date_text, paid_date_text, completed_date_text],
                lambda u: coalesce(
                    strftime(try_strptime(u, ['%m/%d/%Y %H:%M:%S', '%m/%d/%Y %H:%M']), '%Y-%m-%d %H:%M:%S'),
                    u
                )
            ),
            {{ parse_export_timestamp($woocommerce_time_zone) }}
        ) as parsed_times,
        {{ parse_export_amount(total_text, _delimiter) }} as total,
        {{ parse_export_amount(refunded_text, _delimiter) }} as refunded_amount,
        {{ parse_export_amount(discount_text, _delimiter) }} as discount_amount,
        {{ hash_email(email_text) }} as email_hash
    from renamed
),

typed as (
    select
        * exclude (email_text, parsed_times, _delimiter),
        parsed_times[1] as created_at,
        parsed_times[2] as paid_at,
        parsed_times[3] as completed_at,
        list_filter(
            [
                {'label': 'order_date', 'txt': order_date_text, 'ts': parsed_times[1]},
                {'label': 'paid_date', 'txt': paid_date_text, 'ts': parsed_times[2]},
                {'label': 'completed_date', 'txt': completed_date_text, 'ts': parsed_times[3]}
            ],
            lambda d: {{ unusable_timestamp(d) }}
        )[1] as bad_time
    from parsed
)

select
    * exclude (bad_time),
    case
        when order_id is null then 'missing order_id'
        when email_hash is null
            then 'missing customer_email and billing_email (an order of no known customer)'
        when order_date_text is null then 'missing order_date'
        {{ unusable_timestamp_reason(bad_time, timestamp) }}
        when total_text is null then 'missing order_total'
        when total is null then 'order_total is not a number: ' || left(total_text, 40)
        when total < 0 then 'order_total is negative: ' || left(total_text, 40)
        when abs(total) > 1e15 then 'order_total out of range (beyond ±10^15): ' || left(total_text, 40)
        when currency is null then 'missing order_currency'
        when not regexp_full_match(currency, '[A-Z]{3}')
            then 'order_currency is not an ISO 4217 code (three letters): ' || left(currency, 40)
        when refunded_text is not null and refunded_amount is null
            then 'refunded_total is not a number: ' || left(refunded_text, 40)
        when refunded_amount < 0 or refunded_amount > total
            then 'refunded_total is not between 0 and the order_total: ' || left(refunded_text, 40)
        when discount_text is not null and discount_amount is null
            then 'discount_total is not a number: ' || left(discount_text, 40)
    end as _reject_reason
from typed
