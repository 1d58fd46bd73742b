"""`generate --hubspot-format airbyte` and `--salesforce-format airbyte` (issue #26): the generated
HubSpot and Salesforce records as Airbyte's streams' final tables (airbyte_hubspot/,
airbyte_salesforce/) make the default export's events (but where the
readers' documented rules differ, derived by hand from the export's files), their only rejects are
the defects a table can hold, and every other file stays byte for byte the same."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from conftest import open_build, rows, settings_for
from journeyflow.generate import generate
from journeyflow.pipeline import run_pipeline
from test_generate_formats import assert_hubspot_tables_make_the_exports_events

ARGS = {"persons": 80, "seed": 7, "days": 60}
FORMATS = {"default": {}, "hubspot": {"hubspot_format": "airbyte"},
           "salesforce": {"salesforce_format": "airbyte"}}


# The default formats' build, per test process and session (keyed by the session's base temporary
# folder): this module and tests/test_generate_zendesk_formats.py (whose "export" formats are these
# same ARGS and defaults) each built exactly this before; both only read it
_DEFAULT_BUILDS: dict[Path, tuple[Path, dict[str, int]]] = {}


def default_build(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, int]]:
    """The default formats (ARGS, with defects) generated and built once per test process; returns
    the build's folder (`input` and `warehouse` in it) and generate's counts. Read only."""
    key = tmp_path_factory.getbasetemp()
    if key not in _DEFAULT_BUILDS:
        base = tmp_path_factory.mktemp("default_formats")
        counts = generate(base / "input", **ARGS)
        run_pipeline(settings_for(base / "input", base))
        _DEFAULT_BUILDS[key] = (base, counts)
    return _DEFAULT_BUILDS[key]


def open_read_only(base: Path) -> duckdb.DuckDBPyConnection:
    """The published warehouse of a build in `base`, as open_build opens it."""
    con = duckdb.connect(str(settings_for(base / "input", base).warehouse), read_only=True)
    con.execute("SET TimeZone = 'UTC'")
    return con


@pytest.fixture(scope="module")
def builds(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    """The default formats and each Airbyte format, with defects, generated and built."""
    base = tmp_path_factory.mktemp("airbyte_formats")
    default, default_counts = default_build(tmp_path_factory)
    folders, counts = {"default": default}, {"default": dict(default_counts)}
    for name, kwargs in FORMATS.items():
        if name != "default":
            folders[name] = base / name
            counts[name] = generate(base / name / "input", **ARGS, **kwargs)
    cons = {name: open_read_only(default) if name == "default" else open_build(folders[name])
            for name in FORMATS}
    yield {"folders": folders, "counts": counts, **cons}
    for con in cons.values():
        con.close()


def same_other_files(builds, name: str, replaced: str, written: str) -> None:
    default, folder = builds["folders"]["default"] / "input", builds["folders"][name] / "input"
    assert {p.name for p in folder.iterdir()} ^ {p.name for p in default.iterdir()} == {replaced, written}
    others = sorted(p.relative_to(default) for p in default.rglob("*")
                    if p.is_file() and p.relative_to(default).parts[0] != replaced
                    and not p.name.startswith("."))  # but the manifest, which lists the files
    assert others and all((default / p).read_bytes() == (folder / p).read_bytes() for p in others)


def test_airbyte_hubspot_streams_replace_only_the_hubspot_files(builds) -> None:
    same_other_files(builds, "hubspot", "hubspot", "airbyte_hubspot")
    assert sorted(p.name for p in (builds["folders"]["hubspot"] / "input" / "airbyte_hubspot").iterdir()) == [
        "contacts.parquet", "deals.parquet", "engagements_calls.parquet", "engagements_emails.parquet",
        "engagements_meetings.parquet"]
    default, airbyte = builds["counts"]["default"], builds["counts"]["hubspot"]
    # the export's rows but the contacts row with a field too many and the email exported twice
    assert airbyte["airbyte_hubspot_contacts"] == default["hubspot_contacts"] - 1
    assert airbyte["airbyte_hubspot_deals"] == default["hubspot_deals"]
    assert airbyte["airbyte_hubspot_engagements"] == default["hubspot_engagements"] - 1


def test_airbyte_hubspot_streams_make_the_exports_events(builds) -> None:
    assert_hubspot_tables_make_the_exports_events(
        builds["default"], builds["hubspot"], builds["folders"]["default"] / "input")


def test_airbyte_hubspot_rejects_are_the_defects_a_table_holds(builds) -> None:
    """The contact whose Create Date is no date, the call without a contact, the meeting in 2099."""
    assert rows(builds["hubspot"], """
        SELECT raw_table, reason FROM quality.rejected_rows WHERE raw_table LIKE 'raw.airbyte_hubspot%'
        ORDER BY ALL""") == [
        ("raw.airbyte_hubspot_contacts", "missing properties_createdate"),
        ("raw.airbyte_hubspot_engagements", "no associated contact (contacts is empty)"),
        ("raw.airbyte_hubspot_engagements",
         "properties_hs_timestamp out of range (before 2000 or in the future): 2099-03-01 10:00:00+00"),
    ]


def test_airbyte_salesforce_streams_replace_only_the_salesforce_files(builds) -> None:
    same_other_files(builds, "salesforce", "salesforce", "airbyte_salesforce")
    folder = builds["folders"]["salesforce"] / "input" / "airbyte_salesforce"
    assert sorted(p.name for p in folder.iterdir()) == [
        "Contact.parquet", "Lead.parquet", "Opportunity.parquet", "OpportunityContactRole.parquet",
        "OpportunityHistory.parquet"]
    schema = pq.read_schema(folder / "Lead.parquet")
    assert schema.field("CreatedDate").type == pa.timestamp("us", tz="UTC")
    assert schema.names[:4] == ["_airbyte_raw_id", "_airbyte_extracted_at", "_airbyte_meta",
                                "_airbyte_generation_id"]
    default, airbyte = builds["counts"]["default"], builds["counts"]["salesforce"]
    # one row per Id: the Contact and OpportunityContactRole rows repeated right after themselves
    # are one row of a deduplicated table
    assert airbyte == {**{k: v for k, v in default.items() if not k.startswith("salesforce_")},
                       "airbyte_salesforce_leads": default["salesforce_leads"],
                       "airbyte_salesforce_contacts": default["salesforce_contacts"] - 1,
                       "airbyte_salesforce_opportunities": default["salesforce_opportunities"],
                       "airbyte_salesforce_opportunity_history": default["salesforce_opportunity_history"],
                       "airbyte_salesforce_opportunity_contact_roles":
                           default["salesforce_opportunity_contact_roles"] - 1}


def test_airbyte_salesforce_streams_make_the_exports_events(builds) -> None:
    query = """
        SELECT * EXCLUDE (source_file, source_row, _load_id)
        FROM staging.events WHERE source = 'salesforce' ORDER BY event_id"""
    export = rows(builds["default"], query)
    assert len(export) > 20
    assert rows(builds["salesforce"], query) == export


def test_airbyte_salesforce_rejects_are_the_exports_defects(builds) -> None:
    """The same eight rows as the export's; two typed columns cannot hold the text, so two reasons
    change: the lead's CreatedDate 31.02.2026 is no value (missing), and the opportunity's Amount
    n/a is none either, which leaves its other fault: no contact role names it (it is a copy of a
    real opportunity under a new Id)."""
    query = """
        SELECT replace(raw_table, 'raw.airbyte_', 'raw.'), reason FROM quality.rejected_rows
        WHERE raw_table LIKE 'raw.%salesforce%' ORDER BY ALL"""
    no_contact = "no contact: no OpportunityContactRole names this opportunity (and no ContactId column)"
    common = [
        ("raw.salesforce_contacts",
         "CreatedDate out of range (before 2000 or in the future): 2099-01-01 00:00:00+00"),
        ("raw.salesforce_leads", "IsConverted is true but ConvertedContactId is empty"),
        ("raw.salesforce_opportunities", no_contact),
        ("raw.salesforce_opportunity_contact_roles", "missing ContactId"),
        ("raw.salesforce_opportunity_history",
         "OpportunityId 0067Q0009000099QAA is not a usable row of the Opportunity export"),
        ("raw.salesforce_opportunity_history", "missing CreatedDate"),
    ]
    assert rows(builds["default"], query) == sorted([
        *common, ("raw.salesforce_leads", "CreatedDate is not a date: 31.02.2026 10:00"),
        ("raw.salesforce_opportunities", "Amount is not a number: n/a")])
    assert rows(builds["salesforce"], query) == sorted([
        *common, ("raw.salesforce_leads", "missing CreatedDate"),
        ("raw.salesforce_opportunities", no_contact)])
