"""Google Ads campaign report → staging.ad_costs → marts.channel_costs and marts.attribution_costs:
a report in the shape the Google Ads UI downloads, GA4 journeys written by hand, every expected
figure derived by hand in the comments (time zone UTC, the default)."""

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest

from builders import ga4_event, write_csv, write_ga4
from conftest import open_build, rows, settings_for
from journeyflow.pipeline import run_pipeline
from test_incremental import assert_equals_full_rebuild
from test_shop_sources import SHOPIFY_HEADER, order_row, write_shop_input

# The UI's download: report title, date range, then the table; numbers with thousands separators
# quoted; the report's total rows at the end
GOOGLE_ADS_REPORT = """Campaign report
"June 1, 2026 - June 2, 2026"
Campaign,Day,Campaign type,Currency code,Impr.,Clicks,Cost
summer_sale,2026-06-01,Search,EUR,"1,000",40,100.00
summer_sale,2026-06-02,Search,EUR,500,10,50.00
summer_sale,2026-06-02,Search,USD,100,5,30.00
Brand,2026-06-01,Search,USD,200,20,"1,020.00"
summer_sale,2026-06-03,Search,EUR,100,5,abc
winter,yesterday,Search,EUR,1,1,1.00
winter,2026-06-01,Search,,1,1,1.00
winter,2026-06-01,Search,EUR,1.5,1,1.00
Total: Account,,,EUR,"1,802",82,"1,201.00"
"""


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 6, day, hour, minute, tzinfo=UTC)


def paid_click(ts: datetime, pseudo_id: str, campaign: str) -> dict:
    event = ga4_event(ts, "session_start", pseudo_id, medium="cpc", source="google")
    event["collected_traffic_source"]["manual_campaign_name"] = campaign
    return event


def write_ads_input(folder: Path) -> None:
    (folder / "google_ads").mkdir(parents=True)
    (folder / "google_ads" / "Campaign report.csv").write_text(GOOGLE_ADS_REPORT, encoding="utf-8")
    write_ga4(folder, [
        # p1: summer_sale click on June 1, purchase of 80 EUR: acquired and converted
        paid_click(at(1, 10), "p1", "summer_sale"),
        ga4_event(at(1, 10, 30), "purchase", "p1", value=80.0),
        # p2: summer_sale click on June 2 (the campaign paid in EUR and USD that day), no purchase
        paid_click(at(2, 10), "p2", "Summer_Sale "),
        # p3: summer_sale click on June 5, a day without cost: neither acquired nor credited
        paid_click(at(5, 10), "p3", "summer_sale"),
        ga4_event(at(5, 10, 30), "purchase", "p3", value=30.0),
        # p4: Brand (paid in USD) on June 1, purchase of 50 EUR: converted, but its value is in
        # another currency than the cost
        paid_click(at(1, 11), "p4", "brand"),
        ga4_event(at(1, 11, 30), "purchase", "p4", value=50.0),
        # p5: an organic visit first (not acquired by the campaign), then summer_sale an hour later
        # and a purchase of 100 EUR: a two-step path
        ga4_event(at(1, 12), "session_start", "p5", medium="organic", source="google"),
        paid_click(at(1, 13), "p5", "summer_sale"),
        ga4_event(at(1, 13, 30), "purchase", "p5", value=100.0),
    ])


@pytest.fixture(scope="module")
def ads_built(tmp_path_factory) -> Iterator[duckdb.DuckDBPyConnection]:
    base = tmp_path_factory.mktemp("ads")
    write_ads_input(base / "input")
    con = open_build(base)
    yield con
    con.close()


def test_the_report_lands_below_its_title_lines_and_bad_rows_are_quarantined(ads_built):
    assert rows(ads_built, """
        SELECT platform, channel, campaign, strftime(day, '%m-%d'), currency, impressions, clicks, cost
        FROM staging.ad_costs ORDER BY campaign, day, currency
    """) == [
        ("google_ads", "search", "Brand", "06-01", "USD", 200, 20, 1020.0),
        ("google_ads", "search", "summer_sale", "06-01", "EUR", 1000, 40, 100.0),
        ("google_ads", "search", "summer_sale", "06-02", "EUR", 500, 10, 50.0),
        ("google_ads", "search", "summer_sale", "06-02", "USD", 100, 5, 30.0),
    ]
    # rows are numbered below the header (the two title lines are not records)
    assert rows(ads_built, """
        SELECT row_number, reason FROM quality.rejected_rows
        WHERE raw_table = 'raw.google_ads_campaigns' ORDER BY row_number
    """) == [
        (5, "Cost is not a number: abc"),
        (6, "Day is not a date: yesterday"),
        (7, "missing Currency code"),
        (8, "Impr. is not a whole number: 1.5"),
        (9, "a total row of the report (Total: Account), not one campaign's day"),
    ]
    # costs are no events
    events = "SELECT count(*) FROM staging.events WHERE source_table LIKE '%google_ads%'"
    assert rows(ads_built, events) == [(0,)]


def test_channel_costs_per_campaign_and_currency(ads_built):
    assert rows(ads_built, """
        SELECT campaign, currency, days, impressions, clicks, cost, acquired_journeys,
               converted_journeys, conversion_value, cost_per_click, cost_per_acquired_journey,
               cost_per_conversion, round(roas, 6)
        FROM marts.channel_costs ORDER BY campaign_key, currency
    """) == [
        # Brand USD: 1020 for 200 impressions and 20 clicks (51 per click); p4 acquired and
        # converted, but its 50 are EUR: no value in USD, ROAS 0
        ("Brand", "USD", 1, 200, 20, 1020.0, 1, 1, 0.0, 51.0, 1020.0, 1020.0, 0.0),
        # summer_sale EUR: 100 + 50 = 150 for 1000 + 500 impressions, 40 + 10 clicks (3 per
        # click); acquired p1 (June 1, 80 EUR) and p2 (June 2, `Summer_Sale ` is the campaign):
        # 150 / 2 = 75 per journey, 150 / 1 per conversion, ROAS 80 / 150 = 0.533333; p5 began
        # organically, p3 on a day without cost
        ("summer_sale", "EUR", 2, 1500, 50, 150.0, 2, 1, 80.0, 3.0, 75.0, 150.0, 0.533333),
        # summer_sale USD: 30 on June 2, never added to the EUR row; p2 began that day: 1 journey
        ("summer_sale", "USD", 1, 100, 5, 30.0, 1, 0, 0.0, 6.0, 30.0, None, 0.0),
    ]


def test_attribution_costs_per_model(ads_built):
    got = {(m, c, cur): (conv, val, cpc, roas) for m, c, cur, conv, val, cpc, roas in rows(ads_built, """
        SELECT model, campaign_key, currency, conversions, conversion_value, cost_per_conversion, roas
        FROM marts.attribution_costs
    """)}
    # summer_sale EUR (cost 150): p1's only step (credit 1 in every model, value 80) and p5's
    # second step (organic, then summer_sale; value 100). p5's credit for its paid step:
    # first touch 0, last touch 1, linear 1/2, position-based 1/2 (two steps), last non-direct 1;
    # time decay: the organic step an hour before the last weighs 0.5^(1 h / 7 days), so the paid
    # step's share is 1 / (1 + 0.5^(1/168))
    share = 1 / (1 + 0.5 ** (1 / 168))
    expected = {"first_touch": 1.0, "last_touch": 2.0, "linear": 1.5, "position_based": 1.5,
                "last_non_direct": 2.0, "time_decay": 1 + share}
    for model, conversions in expected.items():
        value = 80 + 100 * (conversions - 1)
        conv, val, cpc, roas = got[(model, "summer_sale", "EUR")]
        assert conv == pytest.approx(conversions), model
        assert val == pytest.approx(value), model
        assert cpc == pytest.approx(150 / conversions), model
        assert roas == pytest.approx(value / 150), model
        # Brand USD (1020): p4's single step, 1 conversion in every model; its value is EUR
        assert got[(model, "brand", "USD")] == pytest.approx((1.0, 0.0, 1020.0, 0.0)), model
        # summer_sale USD (30): p2 did not convert
        assert got[(model, "summer_sale", "USD")] == (0.0, 0.0, None, 0.0), model
    assert len(got) == 6 * 3


def test_attribution_numbers_do_not_change_with_costs(ads_built, tmp_path):
    """marts.attribution is the same with and without the ad report."""
    with_costs = rows(ads_built, "SELECT * FROM marts.attribution ORDER BY level, name")
    write_ads_input(tmp_path / "input")
    (tmp_path / "input" / "google_ads" / "Campaign report.csv").unlink()
    (tmp_path / "input" / "google_ads").rmdir()
    con = open_build(tmp_path)
    try:
        assert rows(con, "SELECT * FROM marts.attribution ORDER BY level, name") == with_costs
        assert rows(con, "SELECT count(*) FROM marts.channel_costs") == [(0,)]
    finally:
        con.close()


def test_incremental_runs_with_shop_orders_and_ad_reports_equal_a_full_rebuild(tmp_path):
    """A later Shopify export re-exports an order with a bigger refund and adds one; a later Google
    Ads report repeats June 2 with another cost (the later file wins) and adds June 3."""
    folder = tmp_path / "input"
    write_ads_input(folder)
    write_shop_input(folder)
    report = folder / "google_ads" / "Campaign report.csv"
    report.rename(folder / "google_ads" / "campaigns_2026-06-02.csv")
    nightly = settings_for(folder, tmp_path / "nightly")
    run_pipeline(nightly, incremental=True)
    write_csv(folder / "shopify" / "orders_export_2.csv", SHOPIFY_HEADER, [
        order_row("#1002", "anna@example.com", "2026-06-03 10:00:00 +0200", status="refunded",
                  fulfilled="2026-06-04 09:00:00 +0200", total="30.00", qty="3", refunded="30.00"),
        order_row("#1009", "ben@example.com", "2026-06-04 10:00:00 +0200", total="15.00"),
    ])
    (folder / "google_ads" / "campaigns_2026-06-03.csv").write_text(
        "Campaign report\n\"June 2, 2026 - June 3, 2026\"\n"
        "Campaign,Day,Campaign type,Currency code,Impr.,Clicks,Cost\n"
        "summer_sale,2026-06-02,Search,EUR,600,12,55.00\n"
        "summer_sale,2026-06-03,Search,EUR,300,6,25.00\n", encoding="utf-8")
    results = run_pipeline(nightly, incremental=True)
    assert results["staging.events"]["event_ids_changed"] > 0
    assert_equals_full_rebuild(nightly, folder, tmp_path)
    con = duckdb.connect(str(nightly.warehouse), read_only=True)
    try:
        # June 2 from the later report (55, not 50), June 3 added: 100 + 55 + 25 = 180
        assert rows(con, "SELECT days, cost FROM marts.channel_costs "
                         "WHERE campaign_key = 'summer_sale' AND currency = 'EUR'") == [(3, 180.0)]
        # #1002's refund is now 30 (its latest export)
        assert rows(con, "SELECT value FROM staging.events WHERE source = 'shopify' "
                         "AND source_record_id = '#1002' AND event_name = 'order_refunded'") == [(30.0,)]
    finally:
        con.close()


# ---- Meta Ads Manager ----------------------------------------------------------------------------
META_REPORT = (
    # Export table data, campaign level, broken down by Day; the currency in the spend header
    "Campaign name,Day,Amount spent (EUR),Impressions,Link clicks,Reporting starts,Reporting ends\n"
    "summer_reels,2026-06-01,40.50,\"1,200\",30,2026-06-01,2026-06-01\n"
    # a report without the Day breakdown, covering one day: counts for that day
    "summer_reels,,9.50,300,5,2026-06-02,2026-06-02\n"
    # bad rows: a week without the Day breakdown, spend not a number, no campaign
    "summer_reels,,70.00,2000,50,2026-06-01,2026-06-07\n"
    "summer_reels,2026-06-03,abc,10,1,2026-06-03,2026-06-03\n"
    ",2026-06-03,1.00,10,1,2026-06-03,2026-06-03\n"
)
# the German UI's export of the same account: decimal commas, German headers, another currency
META_REPORT_DE = (
    "Kampagnenname,Tag,Ausgegebener Betrag (CHF),Impressionen,Link-Klicks,Berichtsbeginn,Berichtsende\n"
    "summer_reels,01.06.2026,\"1.234,50\",\"2.000\",12,01.06.2026,01.06.2026\n"
)


def test_meta_ads_reports_in_english_and_german(build, tmp_path):
    folder = tmp_path / "input"
    (folder / "meta_ads").mkdir(parents=True)
    (folder / "meta_ads" / "summer_reels_en.csv").write_text(META_REPORT, encoding="utf-8")
    (folder / "meta_ads" / "summer_reels_de.csv").write_text(META_REPORT_DE, encoding="utf-8")
    event = ga4_event(at(1, 10), "session_start", "m1", medium="paid_social", source="facebook")
    event["collected_traffic_source"]["manual_campaign_name"] = "summer_reels"
    write_ga4(folder, [event, ga4_event(at(1, 10, 30), "purchase", "m1", value=81.0)])
    con = build()
    assert rows(con, """
        SELECT platform, channel, campaign, strftime(day, '%m-%d'), currency, impressions, clicks, cost
        FROM staging.ad_costs ORDER BY day, currency
    """) == [
        # "1.234,50" CHF = 1234.5, "2.000" impressions = 2000
        ("meta_ads", "social", "summer_reels", "06-01", "CHF", 2000, 12, 1234.5),
        ("meta_ads", "social", "summer_reels", "06-01", "EUR", 1200, 30, 40.5),
        ("meta_ads", "social", "summer_reels", "06-02", "EUR", 300, 5, 9.5),
    ]
    assert rows(con, """
        SELECT regexp_extract(source_file, '[^/]+$'), row_number, reason FROM quality.rejected_rows
        WHERE raw_table = 'raw.meta_ads_campaigns' ORDER BY 1, 2
    """) == [
        ("summer_reels_en.csv", 3,
         "the row covers 2026-06-01 to 2026-06-07, not one day (export the report broken down by Day)"),
        ("summer_reels_en.csv", 4, "Amount spent is not a number: abc"),
        ("summer_reels_en.csv", 5, "missing Campaign name"),
    ]
    # CHF and EUR never added: m1 (June 1, paid social, 81 EUR) is acquired on both rows of June
    # 1; its value counts on the EUR row only. EUR: 40.5 + 9.5 = 50, ROAS 81 / 50 = 1.62
    assert rows(con, """
        SELECT currency, cost, acquired_journeys, conversion_value, roas FROM marts.channel_costs
        ORDER BY currency
    """) == [("CHF", 1234.5, 1, 0.0, 0.0), ("EUR", 50.0, 1, 81.0, 1.62)]


# ---- LinkedIn Campaign Manager -------------------------------------------------------------------
LINKEDIN_REPORT = (
    # report lines above the table, as Campaign Manager writes them
    "Campaign Performance Report (in UTC)\n"
    "\"Report Start: 6/1/2026, 12:00 AM\"\n"
    "\"Report End: 6/2/2026, 11:59 PM\"\n"
    "\"Date Generated: 6/3/2026, 9:00 AM\"\n"
    "Start Date (in UTC),Account Name,Campaign Group Name,Campaign Name,Campaign ID,Campaign Status,"
    "Currency,Total Spent,Impressions,Clicks\n"
    "6/1/2026,Example GmbH,Q2,cfo_webinar,512345,Active,EUR,\"1,200.00\",\"10,000\",80\n"
    "6/2/2026,Example GmbH,Q2,cfo_webinar,512345,Active,EUR,300.00,2500,20\n"
    "6/2/2026,Example GmbH,Q2,cfo_webinar,512345,Active,EUR,-5.00,10,1\n"
    "2026-13-01,Example GmbH,Q2,cfo_webinar,512345,Active,EUR,5.00,10,1\n"
    "6/2/2026,Example GmbH,Q2,cfo_webinar,512345,Active,,5.00,10,1\n"
)


def test_linkedin_campaign_manager_report(build, tmp_path):
    folder = tmp_path / "input"
    (folder / "linkedin_ads").mkdir(parents=True)
    (folder / "linkedin_ads" / "campaign_performance_report.csv").write_text(LINKEDIN_REPORT, "utf-8")
    event = ga4_event(at(2, 10), "session_start", "l1", medium="paid_social", source="linkedin")
    event["collected_traffic_source"]["manual_campaign_name"] = "CFO_Webinar"
    write_ga4(folder, [event])
    con = build()
    assert rows(con, """
        SELECT platform, channel, campaign, strftime(day, '%m-%d'), currency, impressions, clicks, cost
        FROM staging.ad_costs ORDER BY day
    """) == [
        ("linkedin_ads", "social", "cfo_webinar", "06-01", "EUR", 10000, 80, 1200.0),
        ("linkedin_ads", "social", "cfo_webinar", "06-02", "EUR", 2500, 20, 300.0),
    ]
    assert rows(con, """
        SELECT row_number, reason FROM quality.rejected_rows
        WHERE raw_table = 'raw.linkedin_ads_campaigns' ORDER BY row_number
    """) == [
        (3, "Total Spent is negative: -5.00"),
        (4, "Start Date (in UTC) is not a date: 2026-13-01"),
        (5, "missing Currency"),
    ]
    # l1 began on June 2 with the campaign (case aside): 1 journey for 1200 + 300 = 1500
    costs = "SELECT cost, acquired_journeys, cost_per_acquired_journey FROM marts.channel_costs"
    assert rows(con, costs) == [(1500.0, 1, 1500.0)]
