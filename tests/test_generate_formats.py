"""The generator's other export formats (issue #26): `--shop-format woocommerce`, `--snowplow-format
atomic` and `--linkedin-ads` write the shapes the readers accept; the same store orders and help-centre
events as the default formats make the same events, the new files' only rejects are the defects
written on purpose, and every other file stays byte for byte the same."""

from __future__ import annotations

import csv
from collections.abc import Iterator

import duckdb
import pytest

from conftest import open_build, rows
from journeyflow.generate import generate

ARGS = {"persons": 80, "seed": 7, "days": 60}
ALTERNATE = {"shop_format": "woocommerce", "snowplow_format": "atomic", "linkedin_ads": True}
REPLACED = {"shopify", "snowplow", "woocommerce", "snowplow_atomic", "linkedin_ads"}


@pytest.fixture(scope="module")
def builds(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    """The default formats and the alternate ones, with defects, generated and built."""
    base = tmp_path_factory.mktemp("formats")
    counts = {"default": generate(base / "default" / "input", **ARGS),
              "alternate": generate(base / "alternate" / "input", **ARGS, **ALTERNATE)}
    cons = {name: open_build(base / name) for name in counts}
    yield {"base": base, "counts": counts, **cons}
    for con in cons.values():
        con.close()


def test_the_alternate_formats_replace_only_their_own_files(builds) -> None:
    default, alternate = builds["base"] / "default" / "input", builds["base"] / "alternate" / "input"
    assert {p.name for p in alternate.iterdir()} - {p.name for p in default.iterdir()} == {
        "woocommerce", "snowplow_atomic", "linkedin_ads"}
    assert not (alternate / "shopify").exists() and not (alternate / "snowplow").exists()
    others = sorted(p.relative_to(default) for p in default.rglob("*")
                    if p.is_file() and p.relative_to(default).parts[0] not in REPLACED
                    and not p.name.startswith("."))
    assert others and all((default / p).read_bytes() == (alternate / p).read_bytes() for p in others)
    counts = builds["counts"]
    # one order per WooCommerce row (Shopify writes one row per line item), plus each one's defect
    assert counts["alternate"]["woocommerce_orders"] == 1 + rows(builds["default"], """
        SELECT count(*) FROM staging.events WHERE source = 'shopify' AND event_name = 'order_placed'""")[0][0]
    # the enriched files' three defects, the dump's two (a dump cannot lose a field)
    assert counts["alternate"]["snowplow_events"] == counts["default"]["snowplow_events"] - 1


def test_woocommerce_orders_make_the_shopify_orders_events(builds) -> None:
    """The same store orders: the same purchases and refunds, at the same times, of the same people."""
    query = """
        SELECT event_name, occurred_at, value, currency, email_hash, source_record_id
        FROM staging.events WHERE source = '{}' ORDER BY occurred_at, event_name"""
    shopify = rows(builds["default"], query.format("shopify"))
    woo = rows(builds["alternate"], query.format("woocommerce"))
    assert len(shopify) >= 5 and "order_placed" in {r[0] for r in shopify}
    # Shopify's Name #1001 is WooCommerce's order_number 1001 (its order_id 5001001)
    assert [r[:5] for r in woo] == [r[:5] for r in shopify]
    assert [r[5] for r in woo] == [str(5_000_000 + int(r[5].lstrip("#"))) for r in shopify]
    # the only reject is the defect: the guest order without an email
    assert rows(builds["alternate"], """
        SELECT reason FROM quality.rejected_rows WHERE raw_table = 'raw.woocommerce_orders'""") == [
        ("missing customer_email and billing_email (an order of no known customer)",)]


def test_the_atomic_events_dump_makes_the_enriched_events(builds) -> None:
    query = """
        SELECT * EXCLUDE (source_file, source_row, _load_id)
        FROM staging.events WHERE source = 'snowplow' ORDER BY event_id"""
    enriched = rows(builds["default"], query)
    assert len(enriched) > 20
    assert rows(builds["alternate"], query) == enriched
    # the only reject is the defect; the event exported twice is a duplicate, once in the events
    assert rows(builds["alternate"], """
        SELECT reason FROM quality.rejected_rows WHERE raw_table = 'raw.snowplow_atomic_events'""") == [
        ("derived_tstamp is not a timestamp: 2026-13-45 25:61:00.000",)]


def test_the_linkedin_report_lands_as_daily_costs(builds) -> None:
    path = builds["base"] / "alternate" / "input" / "linkedin_ads" / "campaign_performance_report.csv"
    with path.open(encoding="utf-8") as handle:
        table = list(csv.DictReader(handle.readlines()[3:]))  # below the report's three lines
    assert len(table) == 2 * ARGS["days"] == builds["counts"]["alternate"]["linkedin_ads_campaigns"]
    spent = sum(float(r["Total Spent"].replace(",", "")) for r in table)
    con: duckdb.DuckDBPyConnection = builds["alternate"]
    assert rows(con, """
        SELECT count(*), count(DISTINCT day), list(DISTINCT campaign ORDER BY campaign), min(channel),
               round(sum(cost), 2)
        FROM staging.ad_costs WHERE platform = 'linkedin_ads'""") == [
        (2 * ARGS["days"], ARGS["days"], ["cfo_thought_leadership", "webinar_series"], "social",
         round(spent, 2))]
    assert rows(con, """
        SELECT count(*) FROM quality.rejected_rows
        WHERE raw_table = 'raw.linkedin_ads_campaigns'""") == [(0,)]
