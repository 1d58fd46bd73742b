"""The Snowplow (help centre) and Segment (mobile app) sample exports: formats as the tools write
them, linked to the generator's people, deterministic, with exactly their defects."""

from __future__ import annotations

import gzip
import json
import re
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest

from journeyflow.generate import generate
from journeyflow.generate.web import WEB_DEFECT_ROWS, WEB_DEFECTS
from journeyflow.sources import SNOWPLOW_ENRICHED_COLUMNS

START = datetime(2026, 6, 1, tzinfo=UTC)
END = datetime(2026, 9, 29, tzinfo=UTC)  # start + 120 days
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")
COL = {name: i for i, name in enumerate(SNOWPLOW_ENRICHED_COLUMNS)}


def lines(path: Path) -> list[str]:
    data = path.read_bytes()
    return (gzip.decompress(data) if path.suffix == ".gz" else data).decode("utf-8").splitlines()


def tsv_rows(root: Path) -> list[list[str]]:
    return [line.split("\t") for line in lines(root / "snowplow" / "enriched_events.tsv.gz")]


def sdk_events(root: Path) -> list[dict]:
    return [json.loads(line) for line in lines(root / "snowplow" / "enriched_events_sdk.jsonl")]


def segment_calls(root: Path) -> list[dict]:
    return [json.loads(line) for f in sorted((root / "segment").glob("*.ndjson.gz"))
            for line in lines(f)]


def hubspot(root: Path) -> tuple[set[str], set[str]]:
    """The shop login ids and the normalised emails the CRM knows."""
    import csv

    with (root / "hubspot" / "contacts.csv").open(newline="", encoding="utf-8") as handle:
        rows = [r for r in csv.DictReader(handle) if r.get("Web User ID") is not None]
    return ({r["Web User ID"] for r in rows if r["Web User ID"]},
            {r["Email"].strip().lower() for r in rows})


def when(text: str) -> datetime:
    return datetime.fromisoformat(text.replace(" ", "T").removesuffix("Z")).replace(tzinfo=UTC)


@pytest.fixture(scope="module")
def sample(generated: tuple[Path, dict[str, int]]) -> tuple[Path, dict[str, int]]:
    return generated  # generate(out, persons=200, seed=42), once per session (conftest.py)


@pytest.fixture(scope="module")
def clean(generated_clean: Path) -> Path:
    return generated_clean  # generate(out, persons=200, seed=42, defects=False), once per session


def test_counts_files_and_size(sample: tuple[Path, dict[str, int]]) -> None:
    root, counts = sample
    assert counts["snowplow_events"] == len(tsv_rows(root)) + len(sdk_events(root))
    assert counts["segment_events"] == len(segment_calls(root))
    assert 100 <= counts["snowplow_events"] <= 600 and 100 <= counts["segment_events"] <= 600
    size = sum(p.stat().st_size for d in ("snowplow", "segment") for p in (root / d).iterdir())
    assert size < 150_000  # gzip as the tools deliver it keeps the sample small


def test_snowplow_tsv_and_sdk_json_shapes(clean: Path) -> None:
    rows = tsv_rows(clean)
    assert all(len(r) == 131 for r in rows)
    events = Counter(r[COL["event"]] for r in rows)
    assert set(events) == {"page_view", "page_ping", "struct", "unstruct", "transaction",
                           "transaction_item"}
    for r in rows:
        assert UUID.fullmatch(r[COL["event_id"]]) and UUID.fullmatch(r[COL["domain_userid"]])
        assert START <= when(r[COL["collector_tstamp"]]) < END
        assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}", r[COL["derived_tstamp"]])
        assert r[COL["page_url"]] == "https://help.example.com" + r[COL["page_urlpath"]]
        assert json.loads(r[COL["contexts"]])["data"][0]["schema"].endswith("web_page/jsonschema/1-0-0")
        if r[COL["event"]] == "struct":
            assert (r[COL["se_category"]], r[COL["se_action"]]) == ("help", "search")
        if r[COL["event"]] == "unstruct":
            inner = json.loads(r[COL["unstruct_event"]])["data"]
            assert inner["schema"].split("/")[1] == r[COL["event_name"]]
        if r[COL["event"]] == "transaction":
            assert float(r[COL["tr_total"]]) > 0 and r[COL["tr_orderid"]].startswith("HC-")
    sdk = sdk_events(clean)
    assert sdk and all(set(e) - set(SNOWPLOW_ENRICHED_COLUMNS) <= {
        "contexts_com_snowplowanalytics_snowplow_web_page_1",
        "unstruct_event_com_snowplowanalytics_snowplow_link_click_1",
        "unstruct_event_com_snowplowanalytics_snowplow_submit_form_1"} for e in sdk)
    for e in sdk:
        assert e["collector_tstamp"].endswith("Z") and isinstance(e["domain_sessionidx"], int)
        assert None not in e.values()  # the SDK leaves out what is empty
    # TSV up to 14 days before the end, SDK JSON after: no event in both
    assert max(when(r[COL["collector_tstamp"]]) for r in rows) < min(
        when(e["collector_tstamp"]) for e in sdk)
    ids = [r[COL["event_id"]] for r in rows] + [e["event_id"] for e in sdk]
    assert len(ids) == len(set(ids))


def test_segment_calls_shape(clean: Path) -> None:
    calls = segment_calls(clean)
    types = Counter(c["type"] for c in calls)
    assert set(types) == {"track", "screen", "identify"}
    names = Counter(c.get("event") for c in calls if c["type"] == "track")
    assert {"Application Installed", "Application Opened", "Product Viewed", "Product Added",
            "Checkout Started", "Order Completed"} <= set(names)
    for c in calls:
        assert UUID.fullmatch(c["messageId"]) and UUID.fullmatch(c["anonymousId"])
        assert START <= when(c["timestamp"]) < END
        assert when(c["timestamp"]) <= when(c["sentAt"]) <= when(c["receivedAt"])
        assert c["context"]["app"]["name"] == "Example Shop" and c["integrations"] == {}
        if c["event" if c["type"] == "track" else "type"] == "Order Completed":
            assert c["properties"]["revenue"] > 0 and c["properties"]["currency"] == "EUR"
        if c["type"] == "identify":
            assert c["userId"] and "@" in c["traits"]["email"]
    assert len({c["messageId"] for c in calls}) == len(calls)
    orders = [c["properties"]["order_id"] for c in calls if c.get("event") == "Order Completed"]
    assert len(orders) == len(set(orders))


def test_web_sources_link_to_the_same_people(clean: Path) -> None:
    user_ids, emails = hubspot(clean)
    calls = segment_calls(clean)
    app_users = {c["userId"] for c in calls if c.get("userId")}
    assert app_users and app_users <= user_ids
    assert {c["traits"]["email"].strip().lower() for c in calls if c["type"] == "identify"} <= emails
    # some installs never log in; every logged-in app user was identified
    anon_only = {c["anonymousId"] for c in calls} - {c["anonymousId"] for c in calls if c.get("userId")}
    assert anon_only
    identified = {c["userId"] for c in calls if c["type"] == "identify"}
    assert identified == app_users
    help_users = {r[COL["user_id"]] for r in tsv_rows(clean) if r[COL["user_id"]]}
    assert help_users and help_users <= user_ids
    cookies_logged = {r[COL["domain_userid"]] for r in tsv_rows(clean) if r[COL["user_id"]]}
    assert len(cookies_logged) < len({r[COL["domain_userid"]] for r in tsv_rows(clean)})


def test_every_web_defect_present_exactly_once(sample: tuple[Path, dict[str, int]],
                                               clean: Path) -> None:
    root, _ = sample
    assert len(WEB_DEFECTS) == sum(WEB_DEFECT_ROWS.values()) == 6
    rows = tsv_rows(root)
    assert Counter(len(r) for r in rows) == Counter({131: len(rows) - 1, 130: 1})
    assert [r[COL["derived_tstamp"]] for r in rows if len(r) == 131
            and r[COL["derived_tstamp"]].startswith("2026-13")] == ["2026-13-45 25:61:00.000"]
    ids = Counter(r[COL["event_id"]] for r in rows if len(r) == 131)
    assert sorted(ids.values())[-2:] == [1, 2]  # one event delivered twice
    calls = segment_calls(root)
    messages = Counter(c["messageId"] for c in calls)
    assert sorted(messages.values())[-2:] == [1, 2]
    assert sum(c["type"] == "track" and "event" not in c for c in calls) == 1
    assert sum(c["timestamp"].startswith("1999") for c in calls) == 1
    # defects are extra lines only: every clean line is still there
    assert len(tsv_rows(root)) == len(tsv_rows(clean)) + 3
    assert not Counter(map(tuple, tsv_rows(clean))) - Counter(map(tuple, rows))
    dirty_calls = Counter(json.dumps(c, sort_keys=True) for c in calls)
    clean_calls = Counter(json.dumps(c, sort_keys=True) for c in segment_calls(clean))
    assert len(calls) == len(segment_calls(clean)) + 3 and not clean_calls - dirty_calls


@pytest.mark.parametrize("persons", [1, 3])
def test_tiny_generation_without_app_or_help_centre_users(tmp_path: Path, persons: int) -> None:
    counts = generate(tmp_path, persons=persons, seed=1)
    assert counts["snowplow_events"] == sum(
        len(lines(p)) for p in (tmp_path / "snowplow").iterdir())
    assert counts["segment_events"] == sum(len(lines(p)) for p in (tmp_path / "segment").iterdir())
