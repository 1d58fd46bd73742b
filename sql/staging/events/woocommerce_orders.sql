-- grain: one row per WooCommerce order (order_placed) and per refunded order (order_refunded), from the order's latest export
-- staging.events unions this file with every other source's (sql/staging/events.sql). A refund
-- is the refunded_total when the export has it, else the whole total of an order whose status is
-- `refunded`; the export gives no refund time: the latest date of the order (completed_date,
-- paid_date, order_date), as for Shopify (docs/sources.md).
with orders as (
    {{ latest_version(staging.woocommerce_orders, order_id, false) }}
),

order_events as (
    select
        *,
        -- at least a second after the order, so the refund follows the purchase
        greatest(created_at + interval 1 second, coalesce(paid_at, created_at),
                 coalesce(completed_at, created_at)) as refunded_at,
        case
            when refunded_amount > 0 then refunded_amount
            when refunded_amount is null and order_status = 'refunded' then total
        end as refund_value
    from orders
)

select
    'woocommerce' as source,
    'raw.woocommerce_orders' as source_table,
    order_id || '|' || e.event_name as natural_key,
    order_id as source_record_id,
    _source_file, _row_number, _load_id,
    e.occurred_at,
    cast(null as varchar) as anonymous_id,
    cast(null as varchar) as user_id,
    email_hash,
    cast(null as varchar) as crm_contact_id,
    cast(null as varchar) as support_user_id,
    e.event_name,
    cast(null as varchar) as page_path,
    cast(null as varchar) as utm_source,
    cast(null as varchar) as utm_medium,
    cast(null as varchar) as utm_campaign,
    payment_method as origin,
    e.value,
    currency,
    json_object('order_number', order_number, 'status', order_status,
                'discount_amount', discount_amount) as properties
from order_events
cross join unnest([
    -- an order that failed, was cancelled, awaits payment or is a checkout draft is no purchase
    {'event_name': case when order_status in ('failed', 'cancelled', 'pending', 'checkout-draft')
                        then 'order_not_completed' else 'order_placed' end,
     'occurred_at': created_at, 'value': total},
    {'event_name': 'order_refunded', 'occurred_at': refunded_at, 'value': refund_value}
]) as kinds(e)
where e.event_name <> 'order_refunded' or e.value is not null
