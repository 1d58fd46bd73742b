"""Events at the same time keep export order (source, file, row), not the order of their md5 ids.

CRM exports, tickets and process logs have second or day resolution, so ties are everywhere; a
hash order would make paths, first/last touch and repeat conversions change with the ids.
"""

from __future__ import annotations

import duckdb

from builders import T0, ga4_event, write_ga4
from conftest import rows, settings_for
from journeyflow.pipeline import run_pipeline


def test_tied_events_keep_file_then_row_order_in_every_position(tmp_path):
    folder = tmp_path / "input"
    # every event of c1 at the same microsecond: first, a middle conversion, a repeat conversion last
    write_ga4(folder, [ga4_event(T0, "page_view", "c1", path="/blog/x"),
                       ga4_event(T0, "page_view", "c1", path="/pricing"),
                       ga4_event(T0, "purchase", "c1", path="/checkout", value=10.0)])
    # a second file of the same day: its name sorts after the first ('.' < '_'), so its rows follow
    write_ga4(folder, [ga4_event(T0, "add_to_cart", "c1", path="/cart"),
                       ga4_event(T0, "purchase", "c1", path="/checkout/2", value=20.0)],
              name="events_20260601_2.ndjson")
    settings = settings_for(folder, tmp_path)
    run_pipeline(settings)
    con = duckdb.connect(str(settings.warehouse), read_only=True)
    first, second = "ga4/events_20260601.ndjson", "ga4/events_20260601_2.ndjson"
    assert rows(con, """
        SELECT t.touchpoint_number, e.source_file, e.source_row, t.touchpoint
        FROM core.touchpoints AS t JOIN staging.events AS e USING (event_id)
        ORDER BY t.touchpoint_number""") == [
        (1, first, 1, "blog_article"),
        (2, first, 2, "pricing_page"),
        (3, first, 3, "purchase"),  # the first purchase: a conversion
        (4, second, 1, "add_to_cart"),
        (5, second, 2, "repeat_purchase"),  # the person converted before: a repeat
    ]
    assert rows(con, "SELECT touchpoint_path FROM core.journeys") == [
        ("blog_article > pricing_page > purchase > add_to_cart > repeat_purchase",)]
    # the path to the first conversion is blog_article, pricing_page: first touch is the blog article,
    # last touch the pricing page, each half of the one conversion under linear
    assert rows(con, """
        SELECT name, first_touch, last_touch, linear FROM marts.attribution
        WHERE level = 'touchpoint' ORDER BY name""") == [
        ("blog_article", 1.0, 0.0, 0.5), ("pricing_page", 0.0, 1.0, 0.5)]
    con.close()
