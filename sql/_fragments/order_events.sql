-- The events of a shop's orders: {{ order_events('shopify', 'raw.shopify_orders', order_name, order_source) }}
-- ($arg1 the source, $arg2 the raw table named as source_table, $arg3 the order's key, $arg4 the
-- column shown as origin), over a CTE `order_events` of each order's latest version with created_at,
-- total, currency, email_hash, lineage and what each shop's export says in its own words:
-- not_completed (no purchase: cancelled, voided, failed, ...), refunded_at and refund_value (NULL:
-- no refund) and order_properties. An order is order_placed (order_not_completed when not
-- completed) at created_at for its total, and order_refunded at refunded_at for the refund.
-- Used by sql/staging/events/shopify_orders.sql and woocommerce_orders.sql.
select
    $arg1 as source,
    $arg2 as source_table,
    $arg3 || '|' || e.event_name as natural_key,
    $arg3 as source_record_id,
    _source_file, _row_number, _load_id,
    e.occurred_at,
    {{ event_identifiers(null, null, email_hash, null, null) }},
    e.event_name,
    {{ event_visit(null, null, null, null) }},
    $arg4 as origin,
    e.value,
    currency,
    order_properties as properties
from order_events
cross join unnest([
    {'event_name': case when not_completed then 'order_not_completed' else 'order_placed' end,
     'occurred_at': created_at, 'value': total},
    {'event_name': 'order_refunded', 'occurred_at': refunded_at, 'value': refund_value}
]) as kinds(e)
where e.event_name <> 'order_refunded' or e.value is not null
