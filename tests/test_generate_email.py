"""The Mailchimp sample exports (journeyflow.generate.email): the API's shape, counts, the defect, and what
the pipeline makes of them."""

import json
import shutil

import pytest

from conftest import open_build, rows
from journeyflow.generate.email import EMAIL_DEFECT_ROWS


@pytest.fixture(scope="module")
def email_built(generated, tmp_path_factory):
    """The generated Mailchimp and HubSpot files (200 persons, seed 42), built once."""
    root, counts = generated
    base = tmp_path_factory.mktemp("generated_email")
    for folder in ("mailchimp", "hubspot"):
        shutil.copytree(root / folder, base / "input" / folder)
    con = open_build(base)
    yield con, root, counts
    con.close()


def test_exports_have_the_api_shape_and_counts(generated):
    root, counts = generated
    folder = root / "mailchimp"
    activity = [json.loads(p.read_text()) for p in sorted(folder.glob("email-activity_*.json"))]
    assert activity and all(set(doc) == {"emails", "campaign_id", "total_items", "_links"}
                            for doc in activity)
    assert counts["mailchimp_email_activity"] == sum(len(doc["emails"]) for doc in activity)
    first = activity[0]["emails"][0]
    assert set(first) == {"campaign_id", "list_id", "list_is_active", "email_id", "email_address",
                          "activity", "_links"}
    assert {a["action"] for doc in activity for e in doc["emails"] for a in e["activity"]} == {
        "open", "click", "bounce"}
    unsubscribed = [json.loads(p.read_text()) for p in folder.glob("unsubscribed_*.json")]
    assert counts["mailchimp_unsubscribes"] == sum(len(doc["unsubscribes"]) for doc in unsubscribed)


def test_the_pipeline_takes_every_record_but_the_defect_and_stitches_by_email(email_built):
    con, root, counts = email_built
    assert rows(con, """
        SELECT raw_table, sum(rows_read), sum(rows_rejected) FROM quality.load_summary
        WHERE raw_table LIKE 'raw.mailchimp%' GROUP BY 1 ORDER BY 1
    """) == [(f"raw.{kind}", counts[kind], EMAIL_DEFECT_ROWS[kind])
             for kind in ("mailchimp_email_activity", "mailchimp_unsubscribes")]
    # every newsletter touchpoint's person is a HubSpot contact (the list is the contacts): stitched
    # by the hashed email
    assert rows(con, """
        SELECT count(*) FILTER (WHERE NOT p.crm), count(*)
        FROM core.touchpoints AS t
        JOIN (SELECT person_id, bool_or(source = 'hubspot') AS crm
              FROM core.touchpoints GROUP BY person_id) AS p ON p.person_id = t.person_id
        WHERE t.source = 'mailchimp'
    """)[0][0] == 0
    # a campaign's events carry its links' utm_campaign; a campaign nobody clicked, its id
    expected = set()
    for path in (root / "mailchimp").glob("email-activity_*.json"):
        doc = json.loads(path.read_text())
        links = {a["url"].rpartition("utm_campaign=")[2] for e in doc["emails"]
                 for a in e["activity"] if a["action"] == "click"}
        assert len(links) <= 1
        expected.add(links.pop() if links else doc["campaign_id"])
    assert {c for (c,) in rows(con, "SELECT DISTINCT utm_campaign FROM staging.events "
                                    "WHERE source = 'mailchimp'")} == expected
    assert {"newsletter_weekly", "product_launch"} <= expected
