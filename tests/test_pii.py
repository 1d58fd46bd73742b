"""PII outside raw: the scrubber's rule (sql/_fragments/scrub_pii.sql) on both sides, and a run with
emails and phone numbers planted in every text field of every source.

Every planted email has `qxzv` in its local part and every planted phone number the digits 9876543,
so one search finds any of them in any form (any case, URL-decoded, separators dropped). The
planted values must be in the raw layer and nowhere else: not in any table or view of the published
warehouse, the Parquet snapshot, the graph files or the HTML report.
"""

from __future__ import annotations

import html
import json
import re
from datetime import timedelta
from pathlib import Path
from urllib.parse import unquote, unquote_plus

import duckdb
import pytest
from plotly.offline import get_plotlyjs
from typer.testing import CliRunner

from builders import (
    CONTACT_HEADER,
    CONTACT_SF_HEADER,
    DEAL_HEADER,
    FRESHDESK_CSV_HEADER,
    LEAD_HEADER,
    NPS_HEADER,
    OPPORTUNITY_HEADER,
    ROLE_HEADER,
    SURVEY_HEADER,
    T0,
    freshdesk_csv_row,
    freshdesk_ticket,
    ga4_event,
    hubspot_contact,
    hubspot_deal,
    hubspot_engagement,
    param,
    segment_call,
    sf_id,
    sf_lead,
    snowplow_fields,
    snowplow_tsv_line,
    snowplow_unstruct,
    write_csv,
    write_custom,
    write_freshdesk,
    write_ga4,
    write_hubspot_engagements,
    write_lines,
    write_salesforce,
    write_zendesk,
    write_zendesk_ratings,
    zendesk_rating,
    zendesk_ticket,
    zendesk_user,
)
from conftest import rows, settings_for
from journeyflow.cli import app
from journeyflow.pii import scrub_text_columns
from journeyflow.pipeline import run_pipeline
from journeyflow.release import PARQUET
from journeyflow.sql_templates import expand_fragments, sql_text

# ---- the rule, both sides ----------------------------------------------------------------------
MASKED = [
    ("anna.qxzv+news@example.org", "[email]"),
    ("Mail an ANNA@Example.ORG bitte", "Mail an [email] bitte"),
    ("https://x.example.com/u/anna%40example.org/orders", "https://x.example.com/u/[email]/orders"),
    ("?ref=anna%2540example.org", "?ref=[email]"),
    ("mailto:anna@example.org?subject=Hi", "mailto:[email]?subject=Hi"),
    ("https://shop.example.com/p?email=anna&size=42", "https://shop.example.com/p?email=[redacted]&size=42"),
    ("/signup#E=anna%2Bx&Tel=%2B49&Name=Anna+Schmidt&ok=1",
     "/signup#E=[redacted]&Tel=[redacted]&Name=[redacted]&ok=1"),
    ("?phone=(030) 9876-5432&x=1", "?phone=[redacted]&x=1"),
    ('{"url": "https://x?first_name=Anna", "n": 1}', '{"url": "https://x?first_name=[redacted]", "n": 1}'),
    ("Call +49 30 1234567 now", "Call [phone] now"),
    ("+49 (0)30 123-45-67", "[phone]"),
    ("tel:+4930123456", "tel:[phone]"),
    ("q=%2B49%2030%201234567", "q=[phone]"),
    ("Hotline 030 1234567", "Hotline [phone]"),
    ("Fax: 089/1234567", "Fax: [phone]"),
    ("(030) 123 4567", "[phone]"),
    ("mobil 0171-1234567", "mobil [phone]"),
    ("0049 30 1234567", "[phone]"),
    ("Tel.%20030%201234567", "Tel.%20[phone]"),
    ("call (800) 555-0199.", "call [phone]."),
    ("202.555.0147", "[phone]"),
    ('{"a": "+49 30 1234567", "b": "x@y.de"}', '{"a": "[phone]", "b": "[email]"}'),
    # the words a visitor searched for: a site search, a search engine's referrer URL
    ("https://shop.example.com/search?q=anna+schmidt&page=2",
     "https://shop.example.com/search?q=[redacted]&page=2"),
    ("https://www.bing.com/search?Q=Anna%20Weber%20Praxis&form=QBLH",
     "https://www.bing.com/search?Q=[redacted]&form=QBLH"),
    ("/?s=Anna#search=Weber;keyword=Dr+Weber&size=42",
     "/?s=[redacted]#search=[redacted];keyword=[redacted]&size=42"),
    ("?query=a&search_term=b&searchterm=c&search_query=d&keywords=e&term=f",
     "?query=[redacted]&search_term=[redacted]&searchterm=[redacted]&search_query=[redacted]"
     "&keywords=[redacted]&term=[redacted]"),
    ("https://yandex.ru/search/?text=anna&lr=213", "https://yandex.ru/search/?text=[redacted]&lr=213"),
    ("https://www.baidu.com/s?wd=anna&word=weber", "https://www.baidu.com/s?wd=[redacted]&word=[redacted]"),
]
KEPT = [
    "https://shop.example.com/product/sd-100?size=42&color=oak&utm_source=newsletter&product_name=desk",
    "ORD-2026-000123", "T-2026-000123", "order 0815-4711", "EUR 1,234.56", "1.200,50", "-1200", "2026",
    "2026-06-01 09:00:00", "2026-06-01T09:15:00.000+0000", "2026-06-01T11:00:00+02:00", "01.06.2026 10:00",
    "06/01/2026 9:00 AM", "1780304400000000", "1780304400", "01711234567", "+2026-06-01", "203.0.113.7",
    "version 4.2.0", "5e5510f1-0000-4000-8000-000000000001", "Desk Lamp DL-1 | Example Shop", "@home",
    "https://medium.com/@author/post-1", "utm_campaign=summer_sale_2026", "",
    # the advertiser's keyword (utm_term) and parameters whose names only begin like a search one
    "https://shop.example.com/lp?utm_source=google&utm_medium=cpc&utm_term=standing+desk&gclid=x1",
    "https://shop.example.com/p?size=42&sort=price&query_id=7&qty=2&sq=1&terms_ok=1",
]


def scrub(values: list[str | None]) -> list[str | None]:
    con = duckdb.connect()
    con.execute("CREATE TABLE t AS SELECT * FROM unnest(?) WITH ORDINALITY AS u(s, n)", [values])
    query = f"SELECT {expand_fragments('{{ scrub_pii(s) }}')} FROM t ORDER BY n"
    return [r[0] for r in con.execute(query).fetchall()]


def test_emails_phones_and_person_parameters_are_masked_anywhere_in_the_text():
    assert scrub([text for text, _ in MASKED]) == [masked for _, masked in MASKED]


def test_ordinary_values_stay_as_they_are():
    assert scrub(KEPT + [None]) == KEPT + [None]


@pytest.mark.spark
def test_the_scrubber_gives_the_same_text_on_spark():
    pytest.importorskip("pyspark", reason="no pyspark: the Spark engine is the `spark` extra")
    from journeyflow.engines.spark import spark_session
    from journeyflow.engines.transpile import to_spark

    spark = spark_session("local[2]")
    values = [text for text, _ in MASKED] + KEPT
    rows_sql = ", ".join(f"({n}, '" + v.replace("'", "''") + "')" for n, v in enumerate(values))
    query = (f"select n, {expand_fragments('{{ scrub_pii(s) }}')} as scrubbed "
             f"from (values {rows_sql}) as t(n, s) order by n")
    duck = [r[1] for r in duckdb.connect().execute(query).fetchall()]
    assert duck == [masked for _, masked in MASKED] + KEPT
    assert [r[1] for r in spark.sql(to_spark(query)).collect()] == duck


def test_every_text_column_but_the_keys_is_scrubbed_in_order():
    con = duckdb.connect()
    query = ("select 'a@x.org' as user_id, 'a@x.org' as page_title, 42 as n, "
             "json_object('t', '+49 30 1234567') as properties, 'a@x.org' as _source_file")
    scrubbed = con.execute(scrub_text_columns(con, query, {}))
    names = ["user_id", "page_title", "n", "properties", "_source_file"]
    assert [d[0] for d in scrubbed.description] == names
    assert scrubbed.fetchall() == [("a@x.org", "[email]", 42, '{"t":"[phone]"}', "a@x.org")]
    with pytest.raises(ValueError, match="labels .* holds text the PII scrubber cannot read"):
        scrub_text_columns(con, "select ['a@x.org'] as labels", {})


# ---- a run with PII planted everywhere ---------------------------------------------------------
EMAIL_MARK = "qxzv"  # in the local part of every planted email (and in a planted name)
PHONE_MARK = "9876543"  # in every planted phone number
ANNA, BERT, CARL = "anna.qxzv@example.org", "bert.qxzv+news@example.org", "Carl.Qxzv@Example.ORG"
PHONE, PHONE_DE, PHONE_US = "+49 30 98765432", "(030) 9876-5432", "(212) 987-6543"
PRODUCT_URL = "https://shop.example.com/product/sd-100?size=42&color=oak"
SEARCHED = "Zora Qxzv Praxis"  # a visitor's search words (a name)
ORDINARY_TITLE = "Order ORD-2026-000123 of 01.06.2026: EUR 1,234.56 (item 0815-4711, 2026)"


def iso(minutes: int) -> str:
    return (T0 + timedelta(minutes=minutes)).strftime("%Y-%m-%dT%H:%M:%SZ")


def local(minutes: int) -> str:
    return (T0 + timedelta(minutes=minutes)).strftime("%Y-%m-%d %H:%M")


def plant_web(folder: Path) -> None:
    view = ga4_event(T0, "page_view", "c1", user_id="u1", path="/account/anna.qxzv@example.org/orders"
                     "?email=bert.qxzv%2Bnews%40example.org&tel=%2B49%2030%2098765432&size=42")
    view["event_params"] += [
        param("page_referrer", f"https://mail.example.com/read?q={ANNA.replace('@', '%40')}&n={PHONE}"),
        param("page_title", f"Hello {CARL}, call {PHONE}"),
        param("search_term", PHONE_US),
    ]
    view["collected_traffic_source"] = {"manual_source": f"newsletter {ANNA}", "manual_medium": "email",
                                        "manual_campaign_name": f"call {PHONE_DE}"}
    view["user_properties"] = [{"key": "mail", "value": {"string_value": BERT}}]
    purchase = ga4_event(T0 + timedelta(minutes=2), "purchase", "c1", user_id="u1", value=1234.56,
                         path="/product/sd-100?size=42&color=oak")
    purchase["event_params"] += [param("transaction_id", "T-2026-000123")]
    bad_time = ga4_event(T0, "page_view", "c1") | {"event_timestamp": ANNA}
    # a site search: the words in the page's URL and in GA4's own search_term parameter
    search = ga4_event(T0 + timedelta(minutes=3), "view_search_results", "c1", user_id="u1",
                       path=f"/search?q={SEARCHED.replace(' ', '+')}&s={SEARCHED.replace(' ', '%20')}")
    search["event_params"] += [param("search_term", SEARCHED)]
    write_ga4(folder, [view, ga4_event(T0 + timedelta(minutes=1), f"signup_{ANNA}", "c1", user_id="u1"),
                       purchase, bad_time, search])

    click = snowplow_unstruct("iglu:com.snowplowanalytics.snowplow/link_click/jsonschema/1-0-1",
                              {"targetUrl": f"mailto:{ANNA}", "elementContent": f"Call {PHONE}"})
    form = snowplow_unstruct("iglu:com.snowplowanalytics.snowplow/submit_form/jsonschema/1-0-0",
                             {"formId": "contact", "elements": [{"name": "email", "value": BERT}]})
    write_lines(folder / "snowplow" / "enriched.tsv", [
        snowplow_tsv_line(snowplow_fields(
            T0 + timedelta(minutes=5), "sp1", user_id="u1", path=f"/hc/u/{ANNA}",
            page_url=f"https://help.example.com/hc/u/{ANNA}?q={BERT.replace('@', '%40')}&phone={PHONE_DE}",
            page_title=f"Ticket of {CARL} {PHONE_DE}", page_referrer=f"https://mail.example.com/?e={ANNA}",
            refr_urlpath=f"/u/{ANNA}", refr_medium=f"email {ANNA}", mkt_campaign=f"win {PHONE}")),
        snowplow_tsv_line(snowplow_fields(
            T0 + timedelta(minutes=6), "sp2", "struct", user_id="u1", se_category=f"form {ANNA}",
            se_action="submit", se_label=f"{BERT} / {PHONE}", se_property=PHONE_US)),
        snowplow_tsv_line(snowplow_fields(T0 + timedelta(minutes=7), "sp3", "unstruct", user_id="u1",
                                          unstruct_event=click, event_name="link_click")),
        snowplow_tsv_line(snowplow_fields(T0 + timedelta(minutes=8), "sp4", "unstruct", user_id="u1",
                                          unstruct_event=form, event_name="submit_form")),
        # from a search engine: the referer parser's refr_term and the referrer URL's query
        snowplow_tsv_line(snowplow_fields(
            T0 + timedelta(minutes=9), "sp5", user_id="u1", page_title=ORDINARY_TITLE,
            page_referrer=f"https://www.bing.com/search?q={SEARCHED.replace(' ', '+')}&form=QBLH",
            refr_urlhost="www.bing.com", refr_medium="search", refr_source="Bing", refr_term=SEARCHED)),
    ])

    page = segment_call(T0 + timedelta(minutes=10), "m1", "page", user_id="u2", name=f"Profile {ANNA}")
    page["context"]["page"] = {"url": f"https://app.example.com/profile?email={ANNA}&x=1&search=Zora+Qxzv",
                               "path": f"/profile/{ANNA}", "referrer": f"https://mail.example.com/?e={BERT}",
                               "title": f"Profile of {CARL}", "search": f"?phone={PHONE}&search=Zora+Qxzv"}
    page["context"]["campaign"] = {"source": f"mail {ANNA}", "medium": "email", "name": f"call {PHONE_US}"}
    track = segment_call(T0 + timedelta(minutes=11), "m2", event=f"Clicked call {PHONE}", user_id="u2",
                         properties={"email": BERT, "phone": PHONE, "note": f"{ANNA} {PHONE_DE}"})
    identify = segment_call(T0 + timedelta(minutes=12), "m3", "identify", user_id="u2",
                            traits={"email": CARL, "phone": PHONE, "name": "Zora Qxzv"})
    write_lines(folder / "segment" / "calls.ndjson", [json.dumps(c) for c in (page, track, identify)])


def plant_crm(folder: Path) -> None:
    contact = hubspot_contact("5101", BERT, local(20), user_id="u1")
    contact[CONTACT_HEADER.index("Phone Number")] = PHONE
    contact[CONTACT_HEADER.index("Original Source")] = f"Referral {ANNA}"
    bad_date = hubspot_contact("5102", "x@example.com", local(20))
    bad_date[CONTACT_HEADER.index("Create Date")] = PHONE_DE
    surplus = hubspot_contact("5103", "y@example.com", local(20)) + [f"{ANNA} {PHONE}"]
    write_csv(folder / "hubspot" / "contacts.csv", CONTACT_HEADER, [contact, bad_date, surplus])
    deal = hubspot_deal("9001", "5101", local(21))
    deal[DEAL_HEADER.index("Deal Name")] = f"Deal for {ANNA}"
    deal[DEAL_HEADER.index("Pipeline")] = f"Pipeline {PHONE}"
    write_csv(folder / "hubspot" / "deals.csv", DEAL_HEADER, [deal])
    write_hubspot_engagements(folder, "calls", [hubspot_engagement(
        "7001", iso(22), ["5101"], hs_call_body=f"Called {PHONE}, wrote {ANNA}", hs_call_title=PHONE_DE,
        hs_call_direction="OUTBOUND", hs_call_disposition=f"callback {PHONE_US}")])
    write_hubspot_engagements(folder, "emails", [hubspot_engagement(
        "7002", iso(23), ["5101"], hs_email_subject=f"Re: {ANNA}", hs_email_text=f"Call {PHONE}",
        hs_email_direction="EMAIL")])

    lead, contact_id, opportunity = sf_id("00Q", 1), sf_id("003", 1), sf_id("006", 1)
    lead_row = sf_lead(lead, ANNA, iso(24))
    lead_row[LEAD_HEADER.index("Company")] = f"{ANNA} GmbH"
    lead_row[LEAD_HEADER.index("LeadSource")] = f"Web {PHONE}"
    write_salesforce(folder, "Lead", LEAD_HEADER, [lead_row])
    write_salesforce(folder, "Contact", CONTACT_SF_HEADER, [
        [contact_id, sf_id("001", 1), "Zora", "Qxzv", ANNA, f"Phone {PHONE_DE}", iso(25)]])
    write_salesforce(folder, "Opportunity", OPPORTUNITY_HEADER, [
        [opportunity, sf_id("001", 1), f"Opp {ANNA}", f"Prospecting {PHONE}", "1000", "2026-06-30",
         "false", "false", f"Referral {ANNA}", iso(26)]])
    write_salesforce(folder, "OpportunityContactRole", ROLE_HEADER, [
        [sf_id("00K", 1), opportunity, contact_id, f"Decision Maker {ANNA} {PHONE}", "true", iso(26)]])


def plant_support_surveys_custom(folder: Path) -> None:
    ticket = zendesk_ticket(11, 901, iso(30), channel=f"email {ANNA}") | {
        "subject": f"Call me at {PHONE}", "description": f"I am {ANNA}", "type": f"question {PHONE_DE}"}
    # Carl's only link to Segment's u2 is his email, written in another case there
    write_zendesk(folder, [ticket], [zendesk_user(901, CARL.lower()) | {"phone": PHONE, "name": "Zora Qxzv"}])
    write_zendesk_ratings(folder, [zendesk_rating(21, 11, 901, "bad", iso(31), comment=f"{ANNA} {PHONE}")
                                   | {"reason": f"Call {PHONE_US}"}])
    write_freshdesk(folder, [freshdesk_ticket(41, 77001, iso(32), email=BERT) | {
        "subject": f"Mail {ANNA}", "description_text": PHONE, "type": f"Question {ANNA}"}])
    exported = freshdesk_csv_row("42", local(33), email=ANNA)
    exported[FRESHDESK_CSV_HEADER.index("Subject")] = f"Call {PHONE}"
    write_csv(folder / "freshdesk" / "tickets_export.csv", FRESHDESK_CSV_HEADER, [exported])
    write_csv(folder / "surveys" / "nps.csv", NPS_HEADER, [["n1", BERT, "9", f"{ANNA} {PHONE}", iso(34)]])
    write_csv(folder / "surveys" / "csat.csv", SURVEY_HEADER,
              [["c1", "", "u1", "5", f"{PHONE_US} {BERT}", iso(35)]])
    write_csv(folder / "surveys" / "ces.csv", SURVEY_HEADER, [["e1", ANNA, "", "2", PHONE_DE, iso(36)]])
    write_custom(folder, "calls", (
        "timestamp: Zeit\nevent_name: Art\nperson_keys: {user_id: Kunde}\nvalue: Betrag\n"
        "attributes: [Notiz, Kontakt, Bestellung]\n"
    ), {"calls.csv": (
        "Zeit,Art,Kunde,Betrag,Notiz,Kontakt,Bestellung\n"
        f"{local(40)},Rückruf {PHONE},u1,1234.56,bitte {PHONE_DE},{ANNA},ORD-2026-000123\n"
        f'{local(41)},Mail an {BERT},u1,,"{ORDINARY_TITLE}",https://x.example.com/?e={ANNA},{PRODUCT_URL}\n'
    )})


# every raw table that the plantings above reach: each must hold a planted email and phone number
RAW_TABLES = (
    "raw.ga4_events", "raw.snowplow_events", "raw.segment_events", "raw.hubspot_contacts",
    "raw.hubspot_deals", "raw.hubspot_engagements", "raw.salesforce_leads", "raw.salesforce_contacts",
    "raw.salesforce_opportunities", "raw.salesforce_opportunity_contact_roles", "raw.zendesk_tickets",
    "raw.zendesk_users", "raw.zendesk_satisfaction_ratings", "raw.freshdesk_tickets",
    "raw.freshdesk_tickets_csv", "raw.survey_nps", "raw.survey_csat", "raw.survey_ces",
    "raw.custom_events", "raw.ingest_errors",
)


def leaks(text: str) -> list[str]:
    """The planted marks in `text`, in any case, HTML- or URL-encoded, phone separators dropped."""
    plain = unquote_plus(unquote(html.unescape(text))).lower()
    digits = re.sub(r"[\s\-./()+]", "", plain)
    return [mark for mark, where in ((EMAIL_MARK, plain), (PHONE_MARK, digits)) if mark in where]


def texts_of(con: duckdb.DuckDBPyConnection, relation: str) -> list[str]:
    return [r[0] for r in con.execute(f"SELECT CAST(t AS VARCHAR) FROM {relation} AS t").fetchall()]


@pytest.fixture(scope="module")
def planted_run(tmp_path_factory: pytest.TempPathFactory):
    base = tmp_path_factory.mktemp("pii")
    folder = base / "input"
    plant_web(folder)
    plant_crm(folder)
    plant_support_surveys_custom(folder)
    settings = settings_for(folder, base)
    run_pipeline(settings)
    report = base / "report.html"
    result = CliRunner().invoke(app, ["report", "--warehouse", str(settings.warehouse), "--out", str(report)])
    assert result.exit_code == 0, result.output
    con = duckdb.connect(str(settings.warehouse), read_only=True)
    yield settings, con, report
    con.close()


def test_the_planted_values_are_in_raw_and_were_used(planted_run):
    settings, con, _ = planted_run
    raw = duckdb.connect(str(settings.raw_file), read_only=True)
    for table in RAW_TABLES:
        column = "raw_text" if table == "raw.ingest_errors" else "record"
        texts = [r[0] for r in raw.execute(f"SELECT {column} FROM {table}").fetchall()]
        assert {EMAIL_MARK, PHONE_MARK} <= {m for t in texts for m in leaks(t)}, table
    raw.close()
    # the rows carrying them were loaded, not dropped: events of every source
    sources = dict(rows(con, "SELECT source, count(*) FROM staging.events GROUP BY 1"))
    assert set(sources) == {"ga4", "snowplow", "segment", "hubspot", "salesforce", "zendesk", "freshdesk",
                            "survey", "calls"}
    assert rows(con, "SELECT count(*) FROM quality.rejected_rows") == [(3,)]  # timestamp, date, CSV line


def test_no_planted_value_outside_raw(planted_run):
    settings, con, report = planted_run
    found: dict[str, list[str]] = {}
    relations = rows(con, "SELECT table_schema || '.' || table_name FROM information_schema.tables")
    assert {"staging.ga4_events", "core.touchpoints", "marts.unmapped_events", "bi.rejected_rows"} <= {
        r[0] for r in relations}
    for (relation,) in relations:
        for text in texts_of(con, relation):
            if leaks(text):
                found.setdefault(relation, []).append(text[:300])
    snapshot = sorted((settings.warehouse.parent / PARQUET).glob("*.parquet"))
    assert len(snapshot) >= 10
    reader = duckdb.connect()
    for path in snapshot:
        for text in texts_of(reader, f"read_parquet('{path}')"):
            if leaks(text):
                found.setdefault(path.name, []).append(text[:300])
    graphs = [settings.warehouse.parent / name for name in ("journey_graph.graphml", "journey_graph.json")]
    plotly_js = get_plotlyjs()  # inlined in the report: its digits are not ours to judge
    for path in [*graphs, report]:
        text = path.read_text(encoding="utf-8")
        assert len(text) > 1000, path
        if path == report:
            assert plotly_js in text and "[email]" in text  # e.g. the unmapped event names
            text = text.replace(plotly_js, "")
        if leaks(text):
            found[path.name] = [m.group(0) for m in re.finditer(r".{60}(qxzv|9876).{60}", text, re.I)][:5]
    assert found == {}


def test_scrubbed_text_keeps_its_place_and_ordinary_values(planted_run):
    _, con, _ = planted_run
    [(location, referrer, campaign)] = rows(con, """
        SELECT page_location, page_referrer, utm_campaign FROM staging.ga4_events
        WHERE event_name = 'page_view' AND _reject_reason IS NULL""")
    assert location == ("https://shop.example.com/account/[email]/orders"
                        "?email=[redacted]&tel=[redacted]&size=42")
    # `q` holds the searched words (here an email): the parameter's whole value goes
    assert referrer == "https://mail.example.com/read?q=[redacted]&n=[phone]" and campaign == "call [phone]"
    assert rows(con, "SELECT page_location FROM staging.ga4_events "
                     "WHERE event_name = 'view_search_results'") == [
        ("https://shop.example.com/search?q=[redacted]&s=[redacted]",)]
    # Snowplow's refr_term is not staged; the referrer keeps its host, origin and medium
    columns = [c for (c,) in rows(con, "SELECT column_name FROM information_schema.columns "
                                       "WHERE table_schema = 'staging' AND table_name LIKE 'snowplow%'")]
    assert "page_referrer" in columns and not [c for c in columns if c.endswith("_term")]
    assert rows(con, "SELECT page_referrer, refr_medium, refr_source FROM staging.snowplow_events "
                     "WHERE event_id = 'sp5'") == [("https://www.bing.com/search?q=[redacted]&form=QBLH",
                                                    "search", "Bing")]
    assert rows(con, "SELECT origin, referrer_medium, referrer_source FROM staging.events "
                     "WHERE source = 'snowplow' AND source_record_id = 'sp5'") == [
        ("bing.com", "search", "bing")]
    assert rows(con, "SELECT reason FROM quality.rejected_rows WHERE raw_table = 'raw.ga4_events'") == [
        ("event_timestamp is not an integer: [email]",)]
    assert rows(con, "SELECT event_name FROM marts.unmapped_events WHERE source = 'ga4'") == [
        ("[email]",)]  # signup_anna…: _ may be part of an email
    # ordinary values: a product URL, an order id, a price, dates and numbers in free text
    assert rows(con, "SELECT page_location, transaction_id FROM staging.ga4_events "
                     "WHERE event_name = 'purchase'") == [(PRODUCT_URL, "T-2026-000123")]
    assert rows(con, "SELECT value FROM staging.events WHERE source_record_id = 'T-2026-000123'") == [
        (1234.56,)]
    assert rows(con, "SELECT page_title FROM staging.snowplow_events WHERE event_id = 'sp5'") == [
        (ORDINARY_TITLE,)]
    attributes = [json.loads(p) for (p,) in rows(con, """
        SELECT properties FROM staging.events WHERE source = 'calls' ORDER BY occurred_at""")]
    assert attributes == [
        {"Notiz": "bitte [phone]", "Kontakt": "[email]", "Bestellung": "ORD-2026-000123"},
        {"Notiz": ORDINARY_TITLE, "Kontakt": "https://x.example.com/?e=[redacted]",
         "Bestellung": PRODUCT_URL},
    ]
    assert rows(con, "SELECT event_name, value FROM staging.events WHERE source = 'calls' "
                     "ORDER BY occurred_at") == [("Rückruf [phone]", 1234.56), ("Mail an [email]", None)]


def test_identity_is_stitched_from_the_original_emails(planted_run):
    _, con, _ = planted_run

    def person(identifier: str) -> str:
        return rows(con, f"SELECT person_id FROM core.identity_map WHERE identifier = '{identifier}'")[0][0]

    # u1 (GA4, Snowplow, custom) ↔ HubSpot 5101 by login; 5101's email (bert) is the NPS answer's
    assert person("user:u1") == person("hubspot:5101")
    nps = rows(con, "SELECT email_hash FROM staging.events WHERE event_name = 'nps_response'")
    assert person("email:" + nps[0][0]) == person("user:u1")
    # u2 (Segment) ↔ Zendesk user 901 by Carl's email in any case; Anna's email is another person:
    # hashed after scrubbing, all three emails would be `[email]` and one person
    assert person("user:u2") == person("zendesk:901")
    assert person("salesforce:" + sf_id("003", 1)) != person("user:u1")
    assert person("salesforce:" + sf_id("003", 1)) != person("user:u2")
    hashes = rows(con, "SELECT count(DISTINCT email_hash) FROM staging.events WHERE email_hash IS NOT NULL")
    assert hashes == [(3,)]  # anna, bert, carl


# keys under which the sources added with issue #26 write names, addresses or free text
NEW_SOURCE_PII_KEYS = ("full_name", "company_name", "job_title", "street_address", "city", "zip_code",
                       "billing_name", "shipping_name", "shipping_street", "billing_first_name",
                       "billing_last_name", "billing_address_1", "customer_note", "notes",
                       "property_firstname", "property_lastname", "property_company", "FNAME", "LNAME",
                       "address1", "ip", "organization", "title", "Subject", "reason")


def test_rejected_raw_text_redacts_the_names_and_addresses_of_every_source():
    # the sample's Meta lead without email (generate/social.py's defect) carries a full name
    record = json.dumps({"id": "l:1", "full_name": "Lucas Peters", "email": None, "FNAME": "Anna",
                         "location": {"address1": "Hauptstr. 1", "city": "Köln", "ip": "198.51.100.7"},
                         "event_properties": {"Subject": "Anna, your cart", "Campaign Name": "july"},
                         "billing_name": "Lucas Peters", "Shipping Street": "Hauptstr. 1",
                         "property_firstname": "Lucas", "campaign_name": "retargeting_q3"},
                        separators=(",", ":"))  # as landing writes a record
    text = rejected_raw_text(record)
    for value in ("Lucas", "Peters", "Anna", "Hauptstr", "Köln", "198.51.100.7"):
        assert value not in text
    # what explains the row stays
    assert '"campaign_name":"retargeting_q3"' in text and '"Campaign Name":"july"' in text


def rejected_raw_text(record: str) -> str:
    """The masked raw text quality.rejected_rows keeps of one rejected record (its masking step)."""
    sql = expand_fragments((Path(__file__).parents[1] / "sql" / "quality" / "rejected_rows.sql")
                           .read_text(encoding="utf-8"))
    pattern, replacement = re.search(r"regexp_replace\(\s*raw_text,\s*(.*?),\s*('[^']*'), 'g'", sql,
                                     re.S).groups()
    con = duckdb.connect()
    return con.execute(f"SELECT regexp_replace($text, {pattern}, {replacement}, 'g')",
                       {"text": record}).fetchall()[0][0]


def test_no_rejected_row_of_the_sample_shows_a_name(sample_run):
    con = duckdb.connect(str(sample_run.warehouse), read_only=True)
    texts = [t for (t,) in con.execute("SELECT raw_text FROM quality.rejected_rows").fetchall() if t]
    assert any('"full_name":"[redacted]"' in t for t in texts)  # the Meta lead without email
    keys = "|".join(NEW_SOURCE_PII_KEYS)
    shown = [m.group(0) for t in texts for m in re.finditer(rf'"({keys})":"(?!\[redacted\])[^"]+"', t)]
    assert shown == []


# rejected records whose text is masked member by member: a Snowplow SDK line, a Zendesk export's
# ticket (custom fields, a subject with escaped quotes), an Airbyte dump's ticket (custom_fields and
# via as JSON text, escaped again), an enriched TSV line that could not be keyed
REJECTED_TEXTS = [
    (json.dumps({"user_ipaddress": "203.0.113.77", "geo_latitude": 52.4456, "geo_zipcode": "12555",
                 "useragent": "Mozilla/5.0", "geo_country": "DE"}),
     '{"user_ipaddress": "[redacted]", "geo_latitude": "[redacted]", "geo_zipcode": "[redacted]", '
     '"useragent": "[redacted]", "geo_country": "DE"}'),
    (json.dumps({"id": 7, "subject": 'Re: "Wo?" \u2013 Anna', "custom_fields": [
        {"id": 1, "value": 'Anna "A" W\nx \\ y'}, {"id": 2, "value": ["a]b", "c"]}, {"id": 3, "value": 4},
        {"id": 4, "value": None}]}, separators=(",", ":")),
     '{"id":7,"subject":"[redacted]","custom_fields":[{"id":1,"value":"[redacted]"},'
     '{"id":2,"value":"[redacted]"},{"id":3,"value":"[redacted]"},{"id":4,"value":null}]}'),
    (json.dumps({"custom_fields": json.dumps([{"id": 1, "value": 'Anna "A"\nW'}]),
                 "via": json.dumps({"source": {"from": {"name": 'Anna "A"\nW', "address": "a"}}})}),
     '{"custom_fields": "[{\\"id\\": 1, \\"value\\": \\"[redacted]\\"}]", "via": "{\\"source\\": '
     '{\\"from\\": {\\"name\\": \\"[redacted]\\", \\"address\\": \\"[redacted]\\"}}}"}'),
    ("web\t203.0.113.7\tsp\t10.0.0.1", "web\t[ip]\tsp\t[ip]"),
    # a Freshdesk ticket's custom fields (cf_<name>), a Zendesk user's user_fields as an object
    # (the API export) and as JSON text (an Airbyte dump)
    (json.dumps({"id": 4, "custom_fields": {"cf_order_note": 'Weber, "Praxis"', "cf_count": 2,
                                             "cf_empty": None}}, separators=(",", ":")),
     '{"id":4,"custom_fields":{"cf_order_note":"[redacted]","cf_count":"[redacted]","cf_empty":null}}'),
    (json.dumps({"id": 9, "user_fields": {"employer": "Praxis {Weber}", "vip": True}, "role": "end-user"},
                separators=(",", ":")),
     '{"id":9,"user_fields":"[redacted]","role":"end-user"}'),
    (json.dumps({"id": 9, "user_fields": json.dumps({"employer": "Praxis Weber"})}),
     '{"id": 9, "user_fields": "[redacted]"}'),
    # a visitor's search words: Snowplow's referrer and marketing terms, Segment's query string,
    # GA4's search_term event parameter (the other parameters and utm_term stay)
    (json.dumps({"refr_term": "divorce lawyer anna", "mkt_term": "anna weber", "refr_source": "Google",
                 "utm_term": "running shoes"}, separators=(",", ":")),
     '{"refr_term":"[redacted]","mkt_term":"[redacted]","refr_source":"Google","utm_term":"running shoes"}'),
    (json.dumps({"context": {"page": {"search": "?q=anna+weber", "path": "/s"}}}, separators=(",", ":")),
     '{"context":{"page":{"search":"[redacted]","path":"/s"}}}'),
    (json.dumps({"event_name": "view_search_results", "event_params": [
        {"key": "search_term", "value": {"string_value": 'hiv test "anna"', "int_value": None}},
        {"key": "page_title", "value": {"string_value": "Search"}},
        {"key": "ga_session_id", "value": {"int_value": 17}}]}, separators=(",", ":")),
     '{"event_name":"view_search_results","event_params":[{"key":"search_term","value":'
     '{"string_value":"[redacted]","int_value":null}},{"key":"page_title","value":{"string_value":"Search"}},'
     '{"key":"ga_session_id","value":{"int_value":17}}]}'),
    # custom fields written value first, as plain JSON and as JSON text
    (json.dumps({"id": 7, "custom_fields": [
        {"value": 'Anna "A" W', "id": 1}, {"value": ["a]b", "c"], "id": "2"}, {"value": 4, "id": 3},
        {"value": True, "id": 5}, {"value": None, "id": 4}]}, separators=(",", ":")),
     '{"id":7,"custom_fields":[{"value":"[redacted]","id":1},{"value":"[redacted]","id":"2"},'
     '{"value":"[redacted]","id":3},{"value":"[redacted]","id":5},{"value":null,"id":4}]}'),
    (json.dumps({"custom_fields": json.dumps([{"value": 'Anna "A"\nW', "id": 1}, {"value": 2, "id": 3}])}),
     '{"custom_fields": "[{\\"value\\": \\"[redacted]\\", \\"id\\": 1}, '
     '{\\"value\\": \\"[redacted]\\", \\"id\\": 3}]"}'),
    # IPv6 anywhere, full or shortened, bracketed with a port, with a zone; the IPv4 after ::ffff:
    ("web\t2001:db8:85a3::8a2e:370:7334\tsp\t2001:0DB8:0000:0000:0000:FF00:0042:8329\t[2001:db8::1]:443"
     "\tfe80::1%eth0\t::ffff:203.0.113.9",
     "web\t[ip]\tsp\t[ip]\t[[ip]]:443\t[ip]%eth0\t::ffff:[ip]"),
    # addresses right behind each other (a forwarded-for list), at the end of a sentence
    ("for=203.0.113.7,198.51.100.7,2001:db8::1,2001:db8::2; from 2001:db8::3. ip:2001:db8::4",
     "for=[ip],[ip],[ip],[ip]; from [ip]. ip:[ip]"),
    # what looks a little like one stays: times, a timestamp, a UUID, colon-joined hex, a MAC
    # address, a C++ name, the loopback, a time range, a version
    ("at 12:30:45 on 2026-06-01T09:15:00.000+0000 id 5e5510f1-0000-4000-8000-000000000001 dead:beef:cafe"
     " 00:1a:2b:3c:4d:5e std::vector ::1 09:00-17:30 v4.2.0.1",
     "at 12:30:45 on 2026-06-01T09:15:00.000+0000 id 5e5510f1-0000-4000-8000-000000000001 dead:beef:cafe"
     " 00:1a:2b:3c:4d:5e std::vector ::1 09:00-17:30 v4.2.0.1"),
]


def rejected_rows_masking_query() -> str:
    """quality.rejected_rows' masking steps (every CTE from masked_members to masked) over
    REJECTED_TEXTS, ordered as listed."""
    sql = expand_fragments((Path(__file__).parents[1] / "sql" / "quality" / "rejected_rows.sql")
                           .read_text(encoding="utf-8"))
    masking = sql[sql.index("masked_members as ("):sql.index("\n\nselect\n    raw_table,")]
    values = ", ".join(f"({n}, '" + text.replace("'", "''") + "')"
                       for n, (text, _) in enumerate(REJECTED_TEXTS))
    return (f"with all_rejects as (select 'raw.t' as raw_table, 'f' as source_file, n as row_number, "
            f"'r' as reason, s as raw_text, 'l' as _load_id from (values {values}) as v(n, s)),\n"
            f"{masking}\nselect row_number, raw_text from masked order by row_number")


def test_rejected_rows_masking_redacts_whole_strings_custom_fields_and_places():
    duck = [r[1] for r in duckdb.connect().execute(rejected_rows_masking_query()).fetchall()]
    assert duck == [masked for _, masked in REJECTED_TEXTS]


@pytest.mark.spark
def test_the_rejected_rows_masking_gives_the_same_text_on_spark():
    """Spark's Java regular expressions redact exactly what DuckDB's do."""
    pytest.importorskip("pyspark", reason="no pyspark: the Spark engine is the `spark` extra")
    from journeyflow.engines.spark import spark_session
    from journeyflow.engines.transpile import to_spark

    query = rejected_rows_masking_query()
    duck = [r[1] for r in duckdb.connect().execute(query).fetchall()]
    assert [r[1] for r in spark_session("local[2]").sql(to_spark(query)).collect()] == duck


# exports with a column per custom field, named after its label: only the documented members a
# source lists keep their values (a name, a phone number that the phone rule misses, a flag, a
# number, a list, an object); a member whose text quotes a documented name is no member
DOCUMENTED_ONLY = [
    (json.dumps({"ticket_id": "42", "subject": "Call Anna", "status": "Open", "agent": "Sven Support",
                 "customer_phone": "01719876543", "referring_practice": "Praxis Dr. Weber, \"Mitte\"",
                 "created_time": "2026-06-01 10:00", "status_note": "Anna", "empty": None},
                separators=(",", ":")),
     '{"ticket_id":"42","subject":"[redacted]","status":"Open","agent":"[redacted]",'
     '"customer_phone":"[redacted]","referring_practice":"[redacted]","created_time":"2026-06-01 10:00",'
     '"status_note":"[redacted]","empty":null}'),
    (json.dumps({"id": 5, "requester_id": None, "custom_vip": True, "custom_score": -4.5e1,
                 "custom_tags": ["weber", "a]\"b"], "custom_object": {"name": "Anna", "n": 1},
                 "custom_note": 'say ,"status":"x"', "status": "open"}),
     '{"id": 5, "requester_id": null, "custom_vip": "[redacted]", "custom_score": "[redacted]", '
     '"custom_tags": "[redacted]", "custom_object": "[redacted]", "custom_note": "[redacted]", '
     '"status": "open"}'),
]


def test_only_the_documented_members_of_an_export_with_custom_columns_are_shown():
    fragment = expand_fragments(
        "{{ documented_members_only(s, 'ticket_id|id|requester_id|status|created_time') }}")
    con = duckdb.connect()
    shown = [con.execute(f"SELECT {fragment} FROM (SELECT $s AS s)", {"s": record}).fetchall()[0][0]
             for record, _ in DOCUMENTED_ONLY]
    assert shown == [masked for _, masked in DOCUMENTED_ONLY]
    # quality.rejected_rows reads the records of these sources through it, the others' as they are
    branches = {re.search(r"'(raw\.[a-z0-9_]+)' as raw_table", branch)[1]: branch
                for branch in sql_text("quality.rejected_rows").split("union all")
                if "' as raw_table, _source_file, _row_number," in branch}
    shown = {table for table, branch in branches.items() if "[redacted]" in branch}
    assert shown == {"raw.freshdesk_tickets_csv", "raw.fivetran_zendesk_tickets",
                     "raw.fivetran_zendesk_users"}
    assert "'ticket_id|contact_id|" in branches["raw.freshdesk_tickets_csv"]
    assert ", record as record" in branches["raw.zendesk_tickets"]


@pytest.mark.spark
def test_only_the_documented_members_are_shown_on_spark_too():
    """Spark's Java regular expressions keep and redact exactly the members DuckDB's do."""
    pytest.importorskip("pyspark", reason="no pyspark: the Spark engine is the `spark` extra")
    from journeyflow.engines.spark import spark_session
    from journeyflow.engines.transpile import to_spark

    fragment = expand_fragments(
        "{{ documented_members_only(s, 'ticket_id|id|requester_id|status|created_time') }}")
    values = ", ".join(f"({n}, '" + record.replace("'", "''") + "')"
                       for n, (record, _) in enumerate(DOCUMENTED_ONLY))
    query = f"SELECT n, {fragment} AS shown FROM (VALUES {values}) AS v(n, s) ORDER BY n"
    duck = [row[1] for row in duckdb.connect().execute(query).fetchall()]
    assert duck == [masked for _, masked in DOCUMENTED_ONLY]
    assert [row[1] for row in spark_session("local[2]").sql(to_spark(query)).collect()] == duck
