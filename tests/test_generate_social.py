"""The social lead-form sample export (journeyflow.generate.social): Meta's columns, counts, the defect,
and what the pipeline makes of it."""

import csv
import shutil

import pytest

from conftest import open_build, rows
from journeyflow.generate.social import (
    LINKEDIN_LEADS_HEADER,
    META_LEADS_HEADER,
    SOCIAL_DEFECT_ROWS,
    SOCIAL_DEFECTS,
)


@pytest.fixture(scope="module")
def social_built(generated, tmp_path_factory):
    """The generated lead download with the GA4 and HubSpot files (200 persons, seed 42)."""
    root, counts = generated
    base = tmp_path_factory.mktemp("generated_social")
    for folder in ("meta_leads", "linkedin_leads", "ga4", "hubspot"):
        shutil.copytree(root / folder, base / "input" / folder)
    con = open_build(base)
    yield con, root, counts
    con.close()


def read_leads(root):
    with (root / "meta_leads" / "Demo_request_leads.csv").open(newline="", encoding="utf-8") as handle:
        return list(csv.reader(handle))


def test_the_download_has_metas_columns_and_the_counts(generated):
    root, counts = generated
    leads = read_leads(root)
    assert tuple(leads[0]) == META_LEADS_HEADER
    assert counts["meta_leads"] == len(leads) - 1 > SOCIAL_DEFECT_ROWS["meta_leads"]
    assert len(SOCIAL_DEFECTS) == sum(SOCIAL_DEFECT_ROWS.values()) == 1
    body = leads[1:]
    # both kinds of lead: from an ad (campaign named) and organic (no ad)
    assert {row[10] for row in body} == {"0", "1"}
    assert all(row[7] in ("summer_reels", "retargeting_q3") for row in body if row[10] == "0")
    assert all(row[2] == row[7] == "" for row in body if row[10] == "1")


def test_every_lead_but_the_defect_is_a_touchpoint_of_a_hubspot_contact(social_built):
    con, root, counts = social_built
    assert rows(con, """
        SELECT rows_read, rows_rejected FROM quality.load_summary WHERE raw_table = 'raw.meta_leads'
    """) == [(counts["meta_leads"], SOCIAL_DEFECT_ROWS["meta_leads"])]
    body = read_leads(root)[1:]
    paid = sum(1 for row in body if row[10] == "0" and row[12])
    organic = sum(1 for row in body if row[10] == "1" and row[12])
    # each lead's email is its person's HubSpot email: every lead is on a person with a contact
    assert rows(con, """
        SELECT t.touchpoint, count(*), count(*) FILTER (WHERE NOT p.crm)
        FROM core.touchpoints AS t
        JOIN (SELECT person_id, bool_or(source = 'hubspot') AS crm FROM core.touchpoints
              GROUP BY person_id) AS p ON p.person_id = t.person_id
        WHERE t.source = 'meta_leads' GROUP BY 1 ORDER BY 1
    """) == [("paid_social_lead_form", paid, 0), ("social_lead_form", organic, 0)]


def test_linkedin_leads_are_touchpoints_of_hubspot_contacts(social_built):
    con, root, counts = social_built
    with (root / "linkedin_leads" / "leads_webinar.csv").open(newline="", encoding="utf-8") as handle:
        leads = list(csv.reader(handle))
    assert tuple(leads[0]) == LINKEDIN_LEADS_HEADER and counts["linkedin_leads"] == len(leads) - 1 > 0
    sponsored = sum(1 for row in leads[1:] if row[10] == "SPONSORED")
    assert rows(con, """
        SELECT rows_read, rows_rejected FROM quality.load_summary WHERE raw_table = 'raw.linkedin_leads'
    """) == [(counts["linkedin_leads"], 0)]
    assert rows(con, """
        SELECT t.touchpoint, count(*), count(*) FILTER (WHERE NOT p.crm)
        FROM core.touchpoints AS t
        JOIN (SELECT person_id, bool_or(source = 'hubspot') AS crm FROM core.touchpoints
              GROUP BY person_id) AS p ON p.person_id = t.person_id
        WHERE t.source = 'linkedin_leads' GROUP BY 1 ORDER BY 1
    """) == [(touchpoint, n, 0) for touchpoint, n in (
        ("paid_social_lead_form", sponsored), ("social_lead_form", counts["linkedin_leads"] - sponsored))
        if n]
