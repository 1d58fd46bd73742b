"""The shipped taxonomy on real web data: page types by URL for every web source alike, and the
vendor-defined event names (GA4 recommended events, Segment e-commerce spec, Snowplow e-commerce),
each with a near miss. One build: every event is its own person, a minute apart."""

from __future__ import annotations

import json
from datetime import timedelta

import duckdb
import pytest

from builders import (
    T0,
    ga4_event,
    segment_call,
    snowplow_fields,
    snowplow_tsv_line,
    snowplow_unstruct,
    write_ga4,
    write_lines,
)
from conftest import open_build, rows

# path → page type touchpoint (None: ignored, the e-commerce event says it)
PAGES = {
    "/": "home_page",
    "/de-at/": "home_page",
    "/index.html": "home_page",
    "/collections/summer": "category_page",
    "/shop": "category_page",
    "/products/blue-shirt": None,
    "/products": "site_page",  # a listing without an item: no page type
    "/en/cart": None,
    "/checkout/payment": None,
    "/cartography": "site_page",  # near miss: a word that starts like `cart`
    "/search": "site_search",
    "/account/orders": "account_page",
    "/account/cancel": "cancellation_page",
    "/accounting-software": "site_page",  # near miss of /account
    "/en/Pricing": "pricing_page",  # any case, after a locale
    "/blog/how-to": "blog_article",
    "/blogger": "site_page",  # near miss of /blog
    "/docs/api/auth": "docs_article",
    "/hc/articles/returns": "help_article",
    "/hc/search": "help_article",  # near miss of /search: `hc` is no locale here
    "/hc/en-us/contact": "help_contact_page",
    "/contact": "contact_page",
    "/privacy-policy": "legal_page",
    "/impressum": "legal_page",
}

GA4_EVENTS = {
    "view_item_list": "product_list_view", "view_search_results": "product_list_view",
    "select_item": "product_click", "search": "site_search", "add_to_wishlist": "wishlist_add",
    "view_cart": "add_to_cart", "remove_from_cart": "remove_from_cart",
    "add_shipping_info": "checkout", "add_payment_info": "checkout", "refund": "order_refunded",
    "view_promotion": "promotion_view", "select_promotion": "promotion_click",
    "share": "content_share", "view_item": "product_view", "add_to_cart": "add_to_cart",
    "begin_checkout": "checkout", "purchase": "purchase", "sign_up": "account_signup",
    "generate_lead": "demo_request", "login": None,
    "view_items": "unmapped",  # near miss: not a GA4 name
}

SEGMENT_EVENTS = {
    "Products Searched": "app_product_view", "Product List Viewed": "app_product_view",
    "Product List Filtered": "app_product_view", "Product Clicked": "app_product_view",
    "Product Viewed": "app_product_view", "Product Added": "app_add_to_cart",
    "Cart Viewed": "app_add_to_cart", "Product Removed": "app_remove_from_cart",
    "Product Added to Wishlist": "app_wishlist_add", "Checkout Started": "app_checkout",
    "Checkout Step Viewed": "app_checkout", "Coupon Applied": "app_checkout",
    "Payment Info Entered": "app_checkout", "Order Completed": "app_purchase",
    "Order Refunded": "app_order_cancelled", "Promotion Viewed": "app_promotion_view",
    "Promotion Clicked": "app_promotion_click", "Product Shared": "app_share",
    "Product Reviewed": "app_review", "Order Updated": None,
    "product viewed": "unmapped",  # near miss: the spec's names are case-sensitive
}

SNOWPLOW_ACTIONS = {
    "product_view": "product_view", "list_view": "product_list_view", "list_click": "product_click",
    "add_to_cart": "add_to_cart", "remove_from_cart": "remove_from_cart", "checkout_step": "checkout",
    "transaction": "purchase", "refund": "order_refunded", "promo_view": "promotion_view",
    "promo_click": "promotion_click", "trns_error": None,
}
ACTION = "iglu:com.snowplowanalytics.snowplow.ecommerce/snowplow_ecommerce_action/jsonschema/1-0-2"


def at(n: int):
    return T0 + timedelta(minutes=n)


def segment_page(n: int, path: str | None, name: str | None) -> dict:
    call = segment_call(at(n), f"m{n}", "page", name=name, anonymous_id=f"anon{n}")
    if path is not None:
        call["context"]["page"] = {"path": path, "url": f"https://shop.example.com{path}"}
    return call


@pytest.fixture(scope="module")
def classified(tmp_path_factory) -> dict[tuple[str, str], str | None]:
    """(source, key) → touchpoint (None: ignored); key is the path, event name or action type."""
    tmp = tmp_path_factory.mktemp("default_taxonomy")
    ga4, segment, snowplow = [], [], []
    expected: dict[tuple[str, str], str | None] = {}
    n = 0
    for path, page_type in PAGES.items():
        ga4.append(ga4_event(at(n), "page_view", f"g{n}", path=path))
        snowplow.append(snowplow_tsv_line(snowplow_fields(at(n), f"p{n}", domain_userid=f"sp{n}", path=path)))
        segment.append(segment_page(n, path, None))
        for source in ("ga4", "snowplow", "segment"):
            expected[(source, path)] = page_type
        n += 1
    for name, touchpoint in GA4_EVENTS.items():
        ga4.append(ga4_event(at(n), name, f"g{n}", path="/x"))
        expected[("ga4", name)] = touchpoint
        n += 1
    for name, touchpoint in SEGMENT_EVENTS.items():
        segment.append(segment_call(at(n), f"m{n}", event=name, anonymous_id=f"anon{n}"))
        expected[("segment", name)] = touchpoint
        n += 1
    # Segment page calls without a path are classified by their name
    for name, touchpoint in (("Home", "home_page"), ("Product", None), ("Pricing", "site_page")):
        segment.append(segment_page(n, None, name))
        expected[("segment", f"Viewed {name} Page")] = touchpoint
        n += 1
    for kind, touchpoint in SNOWPLOW_ACTIONS.items():
        snowplow.append(snowplow_tsv_line(snowplow_fields(
            at(n), f"p{n}", "unstruct", domain_userid=f"sp{n}", event_name="snowplow_ecommerce_action",
            event_vendor="com.snowplowanalytics.snowplow.ecommerce", event_version="1-0-2",
            unstruct_event=snowplow_unstruct(ACTION, {"type": kind}))))
        expected[("snowplow", kind)] = touchpoint
        n += 1
    write_ga4(tmp / "input", ga4)
    write_lines(tmp / "input" / "snowplow" / "enriched-2026-06-01.tsv", snowplow)
    write_lines(tmp / "input" / "segment" / "1780300800000.ndjson", [json.dumps(c) for c in segment])
    con: duckdb.DuckDBPyConnection = open_build(tmp)
    got = rows(con, """
        SELECT e.source,
            CASE WHEN e.event_name IN ('page_view', 'Loaded a Page') THEN e.page_path
                 WHEN e.event_name = 'snowplow_ecommerce_action' THEN e.origin ELSE e.event_name END,
            t.touchpoint, t.phase
        FROM staging.events AS e LEFT JOIN core.touchpoints AS t USING (event_id)
    """)
    con.close()
    assert len(got) == len(expected)
    return {"expected": expected, "got": {(s, k): tp for s, k, tp, _ in got},
            "phases": {tp: phase for _, _, tp, phase in got if tp}}


@pytest.mark.parametrize("source", ["ga4", "snowplow", "segment"])
def test_page_views_are_classified_by_url_alike_for_every_web_source(classified, source):
    got = {path: classified["got"][(source, path)] for path in PAGES}
    assert got == PAGES


@pytest.mark.parametrize("family", ["ga4", "segment", "snowplow"])
def test_vendor_events_are_mapped_out_of_the_box(classified, family):
    names = {"ga4": GA4_EVENTS, "segment": SEGMENT_EVENTS, "snowplow": SNOWPLOW_ACTIONS}[family]
    assert {name: classified["got"][(family, name)] for name in names} == names


def test_segment_page_calls_without_a_path_go_by_their_name(classified):
    got = classified["got"]
    assert [got[("segment", f"Viewed {n} Page")] for n in ("Home", "Product", "Pricing")] == [
        "home_page", None, "site_page"]


def test_phases_follow_the_funnel(classified):
    phases = classified["phases"]
    assert {tp: phases[tp] for tp in ("home_page", "category_page", "product_list_view", "checkout",
                                      "purchase", "order_refunded", "help_article", "content_share")} == {
        "home_page": "awareness", "category_page": "consideration", "product_list_view": "consideration",
        "checkout": "acquisition", "purchase": "acquisition", "order_refunded": "service",
        "help_article": "service", "content_share": "loyalty"}
