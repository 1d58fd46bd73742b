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
        coalesce(l.line_item_count, 0) as line_item_count,
        coalesce(l.item_count, 0) as item_count,
        -- at least a second after the order, so the refund follows the purchase
        greatest(o.created_at + interval 1 second, coalesce(o.paid_at, o.created_at),
                 coalesce(o.fulfilled_at, o.created_at), coalesce(o.cancelled_at, o.created_at))
            as refunded_at
    from orders as o
    left join line_items as l on l._source_file = o._source_file and l.order_name = o.order_name
)

select
    'shopify' as source,
    'raw.shopify_orders' as source_table,
    order_name || '|' || e.event_name as natural_key,
    order_name as source_record_id,
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
    order_source as origin,
    e.value,
    currency,
    json_object(
        'order_id', order_id, 'financial_status', financial_status,
        'fulfillment_status', fulfillment_status, 'discount_code', discount_code,
        'discount_amount', discount_amount, 'line_items', line_item_count, 'items', item_count,
        'cancelled', (cancelled_at is not null)
    ) as properties
from order_events
cross join unnest([
    -- a cancelled order, or one whose payment was voided (never captured), is no purchase
    {'event_name': case when cancelled_at is not null or financial_status = 'voided'
                        then 'order_not_completed' else 'order_placed' end,
     'occurred_at': created_at, 'value': total},
    {'event_name': 'order_refunded', 'occurred_at': refunded_at,
     'value': case when refunded_amount > 0 then refunded_amount end}
]) as kinds(e)
where e.event_name <> 'order_refunded' or e.value is not null
