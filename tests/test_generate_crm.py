"""The CRM sample writer (journeyflow.generate.crm): real export shapes, counts, defects, the rules."""

from __future__ import annotations

import csv
import json
from collections import Counter
from pathlib import Path

import pytest

from journeyflow.generate.crm import CRM_DEFECT_ROWS, CRM_DEFECTS, sf_id_suffix

SF_FILES = {
    "salesforce_leads": "Lead.csv",
    "salesforce_contacts": "Contact.csv",
    "salesforce_opportunities": "Opportunity.csv",
    "salesforce_opportunity_history": "OpportunityHistory.csv",
    "salesforce_opportunity_contact_roles": "OpportunityContactRole.csv",
}


def sf_rows(root: Path, kind: str) -> list[dict[str, str]]:
    with (root / "salesforce" / SF_FILES[kind]).open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def engagements(root: Path, name: str) -> list[dict]:
    body = json.loads((root / "hubspot" / f"{name}.json").read_text(encoding="utf-8"))
    assert list(body) == ["results", "paging"]
    return body["results"]


@pytest.fixture(scope="module")
def dirty(generated: tuple[Path, dict[str, int]]) -> tuple[Path, dict[str, int]]:
    return generated  # generate(out, persons=200, seed=42), once per session (conftest.py)


@pytest.fixture(scope="module")
def clean(generated_clean: Path) -> Path:
    return generated_clean  # generate(out, persons=200, seed=42, defects=False), once per session


def test_salesforce_id_checksum_matches_the_documented_algorithm() -> None:
    # chunk "00Q7Q": upper-case letters at positions 2 and 4 -> bits 4 + 16 = 20 -> "U";
    # the other two chunks are digits only -> "A", "A"
    assert sf_id_suffix("00Q7Q") == "UAA"
    assert sf_id_suffix("0037Q") == "QAA"  # Q at position 4 -> 16 -> "Q"


def test_counts_match_files_and_headers_are_api_names(dirty: tuple[Path, dict[str, int]]) -> None:
    root, counts = dirty
    assert counts["hubspot_engagements"] == sum(
        len(engagements(root, n)) for n in ("calls", "meetings", "emails"))
    for kind, name in SF_FILES.items():
        assert counts[kind] == len(sf_rows(root, kind)), name
    assert list(sf_rows(root, "salesforce_leads")[0])[:3] == ["Id", "FirstName", "LastName"]
    assert {"ConvertedContactId", "IsConverted", "ConvertedDate"} <= set(
        sf_rows(root, "salesforce_leads")[0])
    assert {"StageName", "Amount", "IsWon", "IsClosed", "CloseDate"} <= set(
        sf_rows(root, "salesforce_opportunities")[0])
    # a few hundred rows in all, not thousands
    assert 100 <= sum(counts[k] for k in CRM_DEFECT_ROWS) <= 600


def test_ids_are_18_characters_and_timestamps_salesforce_style(clean: Path) -> None:
    for kind in SF_FILES:
        for row in sf_rows(clean, kind):
            assert len(row["Id"]) == 18 and row["Id"].isalnum()
            assert row["CreatedDate"].endswith("+0000") and "T" in row["CreatedDate"]


def test_converted_leads_point_at_their_contact_and_opportunity(clean: Path) -> None:
    leads = sf_rows(clean, "salesforce_leads")
    contacts = {c["Id"]: c for c in sf_rows(clean, "salesforce_contacts")}
    opps = {o["Id"] for o in sf_rows(clean, "salesforce_opportunities")}
    converted = [lead for lead in leads if lead["IsConverted"] == "true"]
    assert converted and len(converted) < len(leads)  # some leads are still open
    for lead in converted:
        assert contacts[lead["ConvertedContactId"]]["Email"] == lead["Email"]
        assert lead["ConvertedOpportunityId"] in opps
    roles = sf_rows(clean, "salesforce_opportunity_contact_roles")
    assert {r["OpportunityId"] for r in roles} == opps
    # lead conversion does not always set the primary flag (the loader must not rely on it)
    assert {r["IsPrimary"] for r in roles} == {"true", "false"}


def test_salesforce_persons_have_no_hubspot_deal(clean: Path) -> None:
    """No purchase counted twice: a Salesforce lead is a HubSpot contact without a HubSpot deal."""
    with (clean / "hubspot" / "contacts.csv").open(newline="", encoding="utf-8") as fh:
        email_to_id = {c["Email"].strip().lower(): c["Record ID"] for c in csv.DictReader(fh)}
    with (clean / "hubspot" / "deals.csv").open(newline="", encoding="utf-8") as fh:
        deal_contacts = {d["Associated Contact IDs"].split(";")[0] for d in csv.DictReader(fh)}
    leads = sf_rows(clean, "salesforce_leads")
    linked = [email_to_id.get(lead["Email"]) for lead in leads]
    assert all(linked)  # every lead is a known HubSpot contact (same email)
    assert not set(linked) & deal_contacts


def test_engagements_link_to_contacts_and_have_hubspot_properties(clean: Path) -> None:
    with (clean / "hubspot" / "contacts.csv").open(newline="", encoding="utf-8") as fh:
        contact_ids = {c["Record ID"] for c in csv.DictReader(fh)}
    calls = engagements(clean, "calls")
    meetings = engagements(clean, "meetings")
    emails = engagements(clean, "emails")
    assert calls and meetings and emails
    for item in calls + meetings + emails:
        assert item["properties"]["hs_timestamp"].endswith("Z")
        ids = {c["id"] for c in item["associations"]["contacts"]["results"]}
        assert ids and ids <= contact_ids
    assert {c["properties"]["hs_call_direction"] for c in calls} == {"INBOUND", "OUTBOUND"}
    assert {m["properties"]["hs_meeting_outcome"] for m in meetings} >= {"COMPLETED"}
    assert {e["properties"]["hs_email_direction"] for e in emails} == {"EMAIL", "INCOMING_EMAIL"}


def test_every_crm_defect_is_one_extra_record(dirty: tuple[Path, dict[str, int]],
                                              clean: Path) -> None:
    root, counts = dirty
    assert len(CRM_DEFECTS) == sum(CRM_DEFECT_ROWS.values()) == 13
    for kind in SF_FILES:
        a, b = sf_rows(root, kind), sf_rows(clean, kind)
        assert len(a) == len(b) + CRM_DEFECT_ROWS[kind], kind
        assert not Counter(map(str, b)) - Counter(map(str, a)), kind  # clean rows all still there
    a_all = [e for n in ("calls", "meetings", "emails") for e in engagements(root, n)]
    b_all = [e for n in ("calls", "meetings", "emails") for e in engagements(clean, n)]
    assert len(a_all) == len(b_all) + CRM_DEFECT_ROWS["hubspot_engagements"]
    assert not Counter(map(json.dumps, b_all)) - Counter(map(json.dumps, a_all))
    # the defects themselves
    calls = engagements(root, "calls")
    assert sum(c["associations"] is None for c in calls) == 1
    assert sum(m["properties"]["hs_timestamp"].startswith("2099")
               for m in engagements(root, "meetings")) == 1
    emails = engagements(root, "emails")
    assert len(emails) - len({json.dumps(e) for e in emails}) == 1
    leads = sf_rows(root, "salesforce_leads")
    assert [lead["CreatedDate"] for lead in leads if "." in lead["CreatedDate"][:3]] == [
        "31.02.2026 10:00"]
    assert sum(lead["IsConverted"] == "true" and not lead["ConvertedContactId"]
               for lead in leads) == 1
    assert [o["Amount"] for o in sf_rows(root, "salesforce_opportunities")
            if not o["Amount"].isdigit()] == ["n/a"]
    assert sum(not h["CreatedDate"] for h in sf_rows(root, "salesforce_opportunity_history")) == 1
    assert sum(not r["ContactId"] for r in sf_rows(root, "salesforce_opportunity_contact_roles")) == 1
