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
        end as refund_value,
        -- an order that failed, was cancelled, awaits payment or is a checkout draft is no purchase
        order_status in ('failed', 'cancelled', 'pending', 'checkout-draft') as not_completed,
        json_object('order_number', order_number, 'status', order_status,
                    'discount_amount', discount_amount) as order_properties
    from orders
)

{{ order_events('woocommerce', 'raw.woocommerce_orders', order_id, payment_method) }}
