"""Shopify orders export: a hand-made file with Shopify's own headers, every expected event worked
out by hand in the comments (T0 = 2026-06-01 09:00 UTC)."""

from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from builders import CONTACT_HEADER, hubspot_contact, write_csv
from conftest import open_build, rows

# Shopify's orders export (Orders > Export > CSV), its columns in Shopify's order; the columns
# journeyflow does not read (addresses, phones, notes, ...) are left out of this file
SHOPIFY_HEADER = [
    "Name", "Email", "Financial Status", "Paid at", "Fulfillment Status", "Fulfilled at",
    "Accepts Marketing", "Currency", "Subtotal", "Shipping", "Taxes", "Total", "Discount Code",
    "Discount Amount", "Shipping Method", "Created at", "Lineitem quantity", "Lineitem name",
    "Lineitem price", "Lineitem sku", "Billing Name", "Cancelled at", "Payment Method",
    "Refunded Amount", "Outstanding Balance", "Id", "Source",
]


def order_row(name: str, email: str, created: str, *, status: str = "paid", paid: str = "",
              fulfilled: str = "", currency: str = "EUR", subtotal: str = "", total: str = "",
              code: str = "", discount: str = "", qty: str = "1", item: str = "Mug",
              price: str = "10.00", cancelled: str = "", refunded: str = "0.00",
              order_id: str = "") -> list[str]:
    """The first row of an order: its own fields and its first line item."""
    return [name, email, status, paid, "fulfilled" if fulfilled else "unfulfilled", fulfilled,
            "yes", currency, subtotal, "0.00", "0.00", total, code, discount, "Standard",
            created, qty, item, price, "SKU-1", "Anna Schmidt", cancelled, "Shopify Payments",
            refunded, "0.00", order_id, "web"]


def item_row(name: str, email: str, created: str, qty: str, item: str, price: str) -> list[str]:
    """A further line item of an order: Shopify leaves the order's own fields empty."""
    row = [""] * len(SHOPIFY_HEADER)
    row[0], row[1], row[15], row[16], row[17], row[18] = name, email, created, qty, item, price
    return row


def write_shop_input(folder: Path) -> None:
    write_csv(folder / "shopify" / "orders_export_1.csv", SHOPIFY_HEADER, [
        # 1-2: order #1001, two line items (2 mugs, 1 tote); 11:00 +0200 = T0
        order_row("#1001", "Anna@Example.com", "2026-06-01 11:00:00 +0200",
                  paid="2026-06-01 11:05:00 +0200", subtotal="50.00", total="54.50",
                  code="WELCOME10", discount="5.00", qty="2", price="20.00", order_id="5001"),
        item_row("#1001", "Anna@Example.com", "2026-06-01 11:00:00 +0200", "1", "Tote", "10.00"),
        # 3: Anna's second order, partly refunded; created 06-03 08:00 UTC, fulfilled 06-04 07:00
        # UTC: the refund is placed at the latest time of the row, 06-04 07:00
        order_row("#1002", "anna@example.com", "2026-06-03 10:00:00 +0200", status="partially_refunded",
                  paid="2026-06-03 10:01:00 +0200", fulfilled="2026-06-04 09:00:00 +0200",
                  total="30.00", qty="3", refunded="12.00"),
        # 4-5: Ben in US dollars; 12:00 -0400 = 16:00 UTC; Total with a thousands separator; the
        # second line item's quantity is no number (rejected, the order keeps its first item)
        order_row("#1003", "ben@example.com", "2026-06-02 12:00:00 -0400", currency="USD",
                  total="1,200.00", price="1200.00"),
        item_row("#1003", "ben@example.com", "2026-06-02 12:00:00 -0400", "x", "Gift card", "0.00"),
        # 6-10: bad orders
        order_row("#1004", "", "2026-06-02 10:00:00 +0200", total="10.00"),
        order_row("#1005", "carl@example.com", "2026-06-02 10:00:00 +0200", total="abc"),
        order_row("#1006", "carl@example.com", "yesterday", total="10.00"),
        order_row("#1007", "carl@example.com", "2026-06-02 10:00:00 +0200", currency="EURO",
                  total="10.00"),
        item_row("#1008", "carl@example.com", "2026-06-02 10:00:00 +0200", "1", "Mug", "10.00"),
    ])
    # Anna is a HubSpot contact: her orders stitch to the CRM by email
    write_csv(folder / "hubspot" / "contacts.csv", CONTACT_HEADER, [
        hubspot_contact("101", "anna@example.com", "2026-05-30T09:00:00Z"),
    ])


@pytest.fixture(scope="module")
def shop_built(tmp_path_factory) -> Iterator[duckdb.DuckDBPyConnection]:
    base = tmp_path_factory.mktemp("shop")
    write_shop_input(base / "input")
    con = open_build(base)
    yield con
    con.close()


def test_one_event_per_order_and_refunds_as_their_own_event(shop_built):
    events = rows(shop_built, """
        SELECT source_record_id, event_name, strftime(occurred_at, '%Y-%m-%d %H:%M'), value, currency,
               json_extract(properties, '$.items')::INT, json_extract_string(properties, '$.discount_code')
        FROM staging.events WHERE source = 'shopify' ORDER BY occurred_at, event_name
    """)
    assert events == [
        # #1001: Total 54.50 EUR, 2 line items with 2 + 1 = 3 items
        ("#1001", "order_placed", "2026-06-01 09:00", 54.5, "EUR", 3, "WELCOME10"),
        # #1003: "1,200.00" = 1200; its second line item was rejected: 1 item
        ("#1003", "order_placed", "2026-06-02 16:00", 1200.0, "USD", 1, None),
        ("#1002", "order_placed", "2026-06-03 08:00", 30.0, "EUR", 3, None),
        # refunded 12.00 of #1002, at its latest time (fulfilled 09:00 +0200)
        ("#1002", "order_refunded", "2026-06-04 07:00", 12.0, "EUR", 3, None),
    ]


def test_orders_stitch_by_email_and_repeat_purchase_is_loyalty(shop_built):
    touchpoints = rows(shop_built, """
        SELECT t.touchpoint, t.phase, t.channel, t.is_conversion, m.has_contact
        FROM core.touchpoints AS t
        JOIN (SELECT person_id, bool_or(source = 'hubspot') AS has_contact
              FROM core.touchpoints GROUP BY person_id) AS m ON m.person_id = t.person_id
        WHERE t.source = 'shopify' ORDER BY t.occurred_at
    """)
    assert touchpoints == [
        # Anna's first order is the conversion; her person holds her HubSpot contact
        ("purchase", "acquisition", "web", True, True),
        # Ben: his own person, no contact
        ("purchase", "acquisition", "web", True, False),
        # Anna's second order: a repeat purchase (loyalty); the refund is service
        ("repeat_purchase", "loyalty", "web", True, True),
        ("order_refunded", "service", "web", False, True),
    ]


def test_bad_orders_land_in_quarantine_with_a_reason(shop_built):
    assert rows(shop_built, """
        SELECT row_number, reason FROM quality.rejected_rows
        WHERE raw_table = 'raw.shopify_orders' ORDER BY row_number
    """) == [
        (5, "Lineitem quantity is not a whole number: x"),
        (6, "missing Email (an order of no known customer: no person to attach it to)"),
        (7, "Total is not a number: abc"),
        (8, "Created at is not a timestamp: yesterday"),
        (9, "Currency is not an ISO 4217 code (three letters): EURO"),
        (10, "no row of order #1008 carries its Financial Status and Total (the order row is missing)"),
    ]
    # read = loaded + rejected: 10 rows, 6 rejected
    assert rows(shop_built, """
        SELECT rows_read, rows_loaded, rows_rejected FROM quality.load_summary
        WHERE raw_table = 'raw.shopify_orders'
    """) == [(10, 4, 6)]


# ---- WooCommerce -------------------------------------------------------------------------------
# The order export's column keys as the "Import and Export of WooCommerce Orders" mapping names
# them (a subset, in its order)
WOO_HEADER = [
    "order_id", "order_number", "order_date", "paid_date", "status", "shipping_total", "tax_total",
    "discount_total", "order_total", "refunded_total", "order_currency", "payment_method",
    "customer_email", "billing_first_name", "billing_last_name", "billing_email",
]


def woo_row(order_id: str, email: str, date: str, total: str, *, status: str = "completed",
            refunded: str = "0.00", currency: str = "EUR", billing_email: str = "") -> list[str]:
    return [order_id, order_id, date, date, status, "0.00", "0.00", "0.00", total, refunded,
            currency, "stripe", email, "Dora", "Berg", billing_email]


def test_woocommerce_orders_make_order_and_refund_events(build, tmp_path):
    write_csv(tmp_path / "input" / "woocommerce" / "orders-2026-06-05.csv", WOO_HEADER, [
        # 1: zone-less order_date read in UTC (the default zone): 10:00 UTC
        woo_row("501", "dora@example.com", "2026-06-01 10:00:00", "99.90"),
        # 2: the extensions' US date 6/2/2026 = June 2; refunded 20 of 40; customer_email empty,
        # billing_email stands in; the refund goes to the latest date of the order (June 2)
        woo_row("502", "", "6/2/2026 9:30:00", "40.00", status="refunded", refunded="20.00",
                billing_email="dora@example.com"),
        # 3-6: bad rows
        woo_row("503", "", "2026-06-02 10:00:00", "10.00"),
        woo_row("504", "erik@example.com", "2026-06-02 10:00:00", "ten"),
        woo_row("505", "erik@example.com", "31.02.2026 10:00", "10.00"),
        woo_row("506", "erik@example.com", "2026-06-02 10:00:00", "10.00", refunded="12.00"),
    ])
    con = build()
    assert rows(con, """
        SELECT source_record_id, event_name, strftime(occurred_at, '%Y-%m-%d %H:%M'), value, currency
        FROM staging.events WHERE source = 'woocommerce' ORDER BY occurred_at, event_name
    """) == [
        ("501", "order_placed", "2026-06-01 10:00", 99.9, "EUR"),
        ("502", "order_placed", "2026-06-02 09:30", 40.0, "EUR"),
        ("502", "order_refunded", "2026-06-02 09:30", 20.0, "EUR"),
    ]
    # one person by email: first order purchase, second repeat purchase, then the refund
    assert rows(con, """
        SELECT touchpoint, phase, count(DISTINCT person_id) OVER () FROM core.touchpoints
        WHERE source = 'woocommerce' ORDER BY touchpoint_number
    """) == [("purchase", "acquisition", 1), ("repeat_purchase", "loyalty", 1),
             ("order_refunded", "service", 1)]
    assert rows(con, """
        SELECT row_number, reason FROM quality.rejected_rows
        WHERE raw_table = 'raw.woocommerce_orders' ORDER BY row_number
    """) == [
        (3, "missing customer_email and billing_email (an order of no known customer)"),
        (4, "order_total is not a number: ten"),
        (5, "order_date is not a timestamp: 31.02.2026 10:00"),
        (6, "refunded_total is not between 0 and the order_total: 12.00"),
    ]
