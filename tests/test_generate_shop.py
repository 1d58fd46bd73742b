"""The shop and ad-spend sample exports (journeyflow.generate.shop): the vendors' shapes, counts, defects,
and what the pipeline makes of them."""

import csv
import shutil
from pathlib import Path

import pytest

from conftest import open_build, rows
from journeyflow.generate.shop import SHOP_DEFECT_ROWS, SHOPIFY_HEADER


@pytest.fixture(scope="module")
def shop_built(generated, tmp_path_factory):
    """The generated shop, ad, GA4 and HubSpot files (200 persons, seed 42), built once."""
    root, counts = generated
    base = tmp_path_factory.mktemp("generated_shop")
    for folder in ("shopify", "google_ads", "meta_ads", "ga4", "hubspot"):
        shutil.copytree(root / folder, base / "input" / folder)
    con = open_build(base)
    yield con, root, counts
    con.close()


def read_csv(path: Path, skip: int = 0) -> list[list[str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        lines = list(csv.reader(handle))
    return lines[skip:]


def test_exports_have_the_vendors_headers_and_counts(generated):
    root, counts = generated
    orders = read_csv(root / "shopify" / "orders_export_1.csv")
    assert tuple(orders[0]) == SHOPIFY_HEADER
    assert counts["shopify_orders"] == len(orders) - 1
    report = read_csv(root / "google_ads" / "campaign_report.csv")
    assert report[0] == ["Campaign report"] and report[1][0].startswith("June 1, 2026 - ")
    assert report[2] == ["Campaign", "Day", "Campaign type", "Currency code", "Impr.", "Clicks", "Cost"]
    assert counts["google_ads_campaigns"] == len(report) - 3
    assert report[-1][0] == "Total: Account"


def test_the_pipeline_takes_every_order_and_cost_row_but_the_defects(shop_built):
    con, root, counts = shop_built
    assert rows(con, """
        SELECT raw_table, rows_read, rows_rejected FROM quality.load_summary
        WHERE raw_table IN ('raw.shopify_orders', 'raw.google_ads_campaigns', 'raw.meta_ads_campaigns')
        ORDER BY 1
    """) == [(f"raw.{kind}", counts[kind], SHOP_DEFECT_ROWS[kind]) for kind in (
        "google_ads_campaigns", "meta_ads_campaigns", "shopify_orders")]
    orders = read_csv(root / "shopify" / "orders_export_1.csv")[1:]
    order_names = {row[0] for row in orders if row[1]}  # the defect has no Email
    assert rows(con, "SELECT count(*) FROM staging.events WHERE event_name = 'order_placed'") == [
        (len(order_names),)]
    # every store order is a repeat purchase of a person who bought online before (GA4) and is a
    # HubSpot contact: stitched by email
    assert rows(con, """
        SELECT t.touchpoint, t.channel, count(*) FILTER (WHERE NOT p.web OR NOT p.crm)
        FROM core.touchpoints AS t
        JOIN (SELECT person_id, bool_or(source = 'ga4') AS web, bool_or(source = 'hubspot') AS crm
              FROM core.touchpoints GROUP BY person_id) AS p ON p.person_id = t.person_id
        WHERE t.source = 'shopify' AND t.event_name = 'order_placed' GROUP BY 1, 2
    """) == [("repeat_purchase", "store", 0)]
    # their refunds are the store's too (Source pos), in service
    assert rows(con, """
        SELECT DISTINCT touchpoint, channel, phase FROM core.touchpoints
        WHERE source = 'shopify' AND event_name = 'order_refunded'
    """) == [("order_refunded", "store", "service")]
    # seven campaigns in EUR (five Google Ads, two Meta), each with a cost every day of the report
    costs = rows(con, "SELECT campaign, currency, days, acquired_journeys > 0 FROM marts.channel_costs "
                      "ORDER BY campaign")
    assert [(c, cur) for c, cur, _, _ in costs] == [
        ("brand_search", "EUR"), ("gdn_prospecting", "EUR"), ("gdn_remarketing", "EUR"),
        ("generic_desks", "EUR"), ("retargeting_q3", "EUR"), ("spring_sale", "EUR"),
        ("summer_reels", "EUR")]
    assert len({days for _, _, days, _ in costs}) == 1
    assert any(acquired for *_, acquired in costs)
