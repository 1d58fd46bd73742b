-- grain: one row per Shopify order (order_placed, or order_not_completed when cancelled or voided) and
-- per refunded order (order_refunded), from the
-- order's latest export; never one per line item
-- staging.events unions this file with every other source's (sql/staging/events.sql). The export
-- gives no refund time: a refund is placed at the latest time the order row carries (Cancelled
-- at, Fulfilled at, Paid at), at least a second after Created at, so it follows the purchase
-- (docs/sources.md).
with order_rows as (
    select * from staging.shopify_orders where is_order_row
),

orders as (
    {{ latest_version(order_rows, order_name, false) }}
),

line_items as (
    -- the usable line items of each order in the file its latest order row comes from
    select _source_file, order_name, count(*) as line_item_count, sum(lineitem_quantity) as item_count
    from staging.shopify_orders
    -- (an unchanged line item re-exported with a changed order row is flagged a duplicate of the
    -- earlier file's: it still counts in this file)
    where _reject_reason is null and lineitem_name is not null
    group by _source_file, order_name
),

order_events as (
    select
        o.*,
        -- at least a second after the order, so the refund follows the purchase
        greatest(o.created_at + interval 1 second, coalesce(o.paid_at, o.created_at),
                 coalesce(o.fulfilled_at, o.created_at), coalesce(o.cancelled_at, o.created_at))
            as refunded_at,
        case when o.refunded_amount > 0 then o.refunded_amount end as refund_value,
        -- a cancelled order, or one whose payment was voided (never captured), is no purchase
        o.cancelled_at is not null or o.financial_status = 'voided' as not_completed,
        json_object(
            'order_id', o.order_id, 'financial_status', o.financial_status,
            'fulfillment_status', o.fulfillment_status, 'discount_code', o.discount_code,
            'discount_amount', o.discount_amount, 'line_items', coalesce(l.line_item_count, 0),
            'items', coalesce(l.item_count, 0), 'cancelled', (o.cancelled_at is not null)
        ) as order_properties
    from orders as o
    left join line_items as l on l._source_file = o._source_file and l.order_name = o.order_name
)

{{ order_events('shopify', 'raw.shopify_orders', order_name, order_source) }}
