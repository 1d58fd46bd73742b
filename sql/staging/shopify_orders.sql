-- model: kind=by_file key=_source_file
-- grain: one row per raw row of a Shopify orders export (one row per line item), typed, email hashed,
-- with its reject reason (NULL = usable)
-- Shopify (Orders > Export, CSV) writes one row per line item: Name, Email, Created at and the
-- Lineitem columns on every row, the order's own fields (Financial Status, Paid at, Currency,
-- Subtotal, Total, Discount Code, Refunded Amount, Cancelled at, ...) on its first row only. That
-- row is the order row; sql/staging/events/shopify_orders.sql makes one event per order from it.
-- Times: `2026-06-01 14:03:12 +0200` as Shopify writes them, or any form parse_export_timestamp
-- accepts (zone-less = $shopify_time_zone). Amounts: `54.50`, `1,054.50`; `;` files `1.054,50`.
with source as (
    select * from raw.shopify_orders
),

renamed as (
    select
        -- lineage
        _load_id, _source_file, _row_number, _row_hash, _delimiter,
        -- ids
        nullif(trim(json_extract_string(record, '$.name')), '') as order_name,
        nullif(trim(json_extract_string(record, '$.id')), '') as order_id,
        json_extract_string(record, '$.email') as email_text,
        -- timestamps (text as exported; Shopify puts a space before the offset)
        regexp_replace(json_extract_string(record, '$.created_at'), '\s+([+-][0-9]{2}:?[0-9]{2})\s*$', '\1')
            as created_text,
        regexp_replace(json_extract_string(record, '$.paid_at'), '\s+([+-][0-9]{2}:?[0-9]{2})\s*$', '\1')
            as paid_text,
        regexp_replace(json_extract_string(record, '$.cancelled_at'), '\s+([+-][0-9]{2}:?[0-9]{2})\s*$', '\1')
            as cancelled_text,
        regexp_replace(json_extract_string(record, '$.fulfilled_at'), '\s+([+-][0-9]{2}:?[0-9]{2})\s*$', '\1')
            as fulfilled_text,
        -- measures (text as exported)
        nullif(trim(json_extract_string(record, '$.total')), '') as total_text,
        nullif(trim(json_extract_string(record, '$.subtotal')), '') as subtotal_text,
        nullif(trim(json_extract_string(record, '$.discount_amount')), '') as discount_text,
        nullif(trim(json_extract_string(record, '$.refunded_amount')), '') as refunded_text,
        nullif(trim(json_extract_string(record, '$.lineitem_quantity')), '') as quantity_text,
        nullif(trim(json_extract_string(record, '$.lineitem_price')), '') as price_text,
        -- attributes
        upper(nullif(trim(json_extract_string(record, '$.currency')), '')) as currency,
        nullif(lower(trim(json_extract_string(record, '$.financial_status'))), '') as financial_status,
        nullif(lower(trim(json_extract_string(record, '$.fulfillment_status'))), '') as fulfillment_status,
        nullif(trim(json_extract_string(record, '$.discount_code')), '') as discount_code,
        nullif(trim(json_extract_string(record, '$.source')), '') as order_source,
        nullif(trim(json_extract_string(record, '$.lineitem_name')), '') as lineitem_name
    from source
),

parsed as (
    select
        *,
        list_transform(
            [created_text, paid_text, cancelled_text, fulfilled_text],
            {{ parse_export_timestamp($shopify_time_zone) }}
        ) as parsed_times,
        {{ parse_export_amount(total_text, _delimiter) }} as total,
        {{ parse_export_amount(subtotal_text, _delimiter) }} as subtotal,
        {{ parse_export_amount(discount_text, _delimiter) }} as discount_amount,
        {{ parse_export_amount(refunded_text, _delimiter) }} as refunded_amount,
        {{ parse_export_amount(price_text, _delimiter) }} as lineitem_price,
        try_cast(quantity_text as integer) as lineitem_quantity,
        {{ hash_email(email_text) }} as email_hash,
        -- the order's own fields are on its first row: Financial Status or Total given
        financial_status is not null or total_text is not null as is_order_row
    from renamed
),

typed as (
    select
        * exclude (email_text, parsed_times, _delimiter),
        parsed_times[1] as created_at,
        parsed_times[2] as paid_at,
        parsed_times[3] as cancelled_at,
        parsed_times[4] as fulfilled_at,
        list_filter(
            [
                {'label': 'Created at', 'txt': created_text, 'ts': parsed_times[1]},
                {'label': 'Paid at', 'txt': paid_text, 'ts': parsed_times[2]},
                {'label': 'Cancelled at', 'txt': cancelled_text, 'ts': parsed_times[3]},
                {'label': 'Fulfilled at', 'txt': fulfilled_text, 'ts': parsed_times[4]}
            ],
            lambda d: {{ unusable_timestamp(d) }}
        )[1] as bad_time,
        -- an order whose rows in this file carry no order row has no totals to make its event from
        bool_or(is_order_row) over (partition by _source_file, order_name) as order_has_order_row,
        count(*) filter (where is_order_row) over (partition by _source_file, order_name)
            as order_rows_of_order
    from parsed
)

select
    * exclude (bad_time, order_has_order_row, order_rows_of_order),
    case
        when order_name is null then 'missing Name (the order number)'
        when not order_has_order_row
            then 'no row of order ' || left(order_name, 40)
                || ' carries its Financial Status and Total (the order row is missing)'
        when is_order_row and order_rows_of_order > 1
            then 'order ' || left(order_name, 40) || ' has ' || order_rows_of_order
                || ' rows with its own fields (Financial Status, Total) in one file'
        when is_order_row and email_hash is null
            then 'missing Email (an order of no known customer: no person to attach it to)'
        when is_order_row and (created_text is null or trim(created_text) = '') then 'missing Created at'
        {{ unusable_timestamp_reason(bad_time, timestamp) }}
        when is_order_row and total_text is null then 'missing Total'
        when total_text is not null and total is null then 'Total is not a number: ' || left(total_text, 40)
        when total < 0 then 'Total is negative: ' || left(total_text, 40)
        when abs(total) > 1e15 then 'Total out of range (beyond ±10^15): ' || left(total_text, 40)
        when is_order_row and currency is null then 'missing Currency'
        when is_order_row and not regexp_full_match(currency, '[A-Z]{3}')
            then 'Currency is not an ISO 4217 code (three letters): ' || left(currency, 40)
        when subtotal_text is not null and subtotal is null
            then 'Subtotal is not a number: ' || left(subtotal_text, 40)
        when discount_text is not null and discount_amount is null
            then 'Discount Amount is not a number: ' || left(discount_text, 40)
        when refunded_text is not null and refunded_amount is null
            then 'Refunded Amount is not a number: ' || left(refunded_text, 40)
        when refunded_amount < 0 or refunded_amount > total
            then 'Refunded Amount is not between 0 and the Total: ' || left(refunded_text, 40)
        when quantity_text is not null and lineitem_quantity is null
            then 'Lineitem quantity is not a whole number: ' || left(quantity_text, 40)
        when price_text is not null and lineitem_price is null
            then 'Lineitem price is not a number: ' || left(price_text, 40)
    end as _reject_reason
from typed
