"""The Klaviyo sample exports (journeyflow.generate.klaviyo): the Get Events shape, counts, the defect, the
files generated before left as they were, and what the pipeline makes of them."""

import hashlib
import json
import shutil
from pathlib import Path

import pytest

from conftest import open_build, rows
from journeyflow.generate import MANIFEST, generate
from journeyflow.generate.klaviyo import KLAVIYO_DEFECT_ROWS, KLAVIYO_DEFECTS, PAGE_SIZE

METRIC_NAMES = {"Received Email", "Opened Email", "Clicked Email", "Bounced Email", "Unsubscribed",
                "Marked Email as Spam"}


@pytest.fixture(scope="module")
def klaviyo_built(generated, tmp_path_factory):
    """The generated Klaviyo and HubSpot files (200 persons, seed 42), built once."""
    root, counts = generated
    base = tmp_path_factory.mktemp("generated_klaviyo")
    for folder in ("klaviyo", "hubspot"):
        shutil.copytree(root / folder, base / "input" / folder)
    con = open_build(base)
    yield con, root, counts
    con.close()


def pages(root: Path) -> list[dict]:
    return [json.loads(p.read_text()) for p in sorted((root / "klaviyo").glob("events_page_*.json"))]


def test_pages_have_the_json_api_shape_and_the_counts(generated):
    root, counts = generated
    documents = pages(root)
    assert documents and all(set(doc) == {"data", "included", "links"} for doc in documents)
    assert all(len(doc["data"]) <= PAGE_SIZE for doc in documents)
    assert counts["klaviyo_events"] == sum(len(doc["data"]) for doc in documents)
    assert len(KLAVIYO_DEFECTS) == sum(KLAVIYO_DEFECT_ROWS.values()) == 1
    names = set()
    for doc in documents:
        included = {(r["type"], r["id"]): r for r in doc["included"]}
        for event in doc["data"]:
            assert event["type"] == "event"
            assert {"timestamp", "datetime", "event_properties", "uuid"} <= set(event["attributes"])
            profile = event["relationships"]["profile"]["data"]
            metric = event["relationships"]["metric"]["data"]
            # every resource an event names is in its own page's `included`
            assert (profile["type"], profile["id"]) in included
            names.add(included[(metric["type"], metric["id"])]["attributes"]["name"])
            if metric["id"] == "ClkEml":
                assert "utm_campaign=monthly_picks" in event["attributes"]["event_properties"]["URL"]
    assert {"Received Email", "Opened Email", "Clicked Email"} <= names <= METRIC_NAMES


def test_the_pipeline_takes_every_event_but_the_defect_and_stitches_by_email(klaviyo_built):
    con, root, counts = klaviyo_built
    assert rows(con, """
        SELECT sum(rows_read), sum(rows_rejected), sum(rows_duplicate) FROM quality.load_summary
        WHERE raw_table = 'raw.klaviyo_events'
    """) == [(counts["klaviyo_events"], KLAVIYO_DEFECT_ROWS["klaviyo_events"], 0)]
    assert rows(con, "SELECT reason FROM quality.rejected_rows WHERE raw_table = 'raw.klaviyo_events'"
                ) == [("profile without email (no person to attach the event to)",)]
    # every newsletter touchpoint's person is a HubSpot contact (the shop's customers are
    # contacts): stitched by the hashed email
    assert rows(con, """
        SELECT count(*) FILTER (WHERE NOT p.crm)
        FROM core.touchpoints AS t
        JOIN (SELECT person_id, bool_or(source = 'hubspot') AS crm
              FROM core.touchpoints GROUP BY person_id) AS p ON p.person_id = t.person_id
        WHERE t.source = 'klaviyo'
    """) == [(0,)]
    # a campaign's events carry its link's utm_campaign; a campaign nobody clicked, its name
    props = [e["attributes"]["event_properties"] for doc in pages(root) for e in doc["data"]]
    clicked = {p["$message"] for p in props if "URL" in p}
    expected = {"monthly_picks" if p["$message"] in clicked else p["Campaign Name"] for p in props}
    assert "monthly_picks" in expected
    assert {c for (c,) in rows(con, "SELECT DISTINCT utm_campaign FROM staging.events "
                                    "WHERE source = 'klaviyo'")} == expected


def test_the_files_generated_before_stay_byte_identical(generated, tmp_path, monkeypatch):
    """Without the Klaviyo part every other file is the same, byte for byte."""
    root, _ = generated
    monkeypatch.setattr("journeyflow.generate.klaviyo.write_klaviyo_exports", lambda *a, **k: {})
    generate(tmp_path / "without", persons=200, seed=42)

    def digests(folder: Path) -> dict[str, str]:
        return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
                for p in folder.rglob("*") if p.is_file() and p.name != MANIFEST
                and p.relative_to(folder).parts[0] != "klaviyo"}

    assert digests(tmp_path / "without") == digests(root)
