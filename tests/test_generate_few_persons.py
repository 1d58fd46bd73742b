"""`journeyflow generate --persons 1` (or 2): a run so small that some lists come out empty (no
HubSpot call, meeting or email; no Zendesk ticket without the defects) writes every format, and the
pipeline loads what it wrote."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from conftest import rows, settings_for
from journeyflow.cli import app
from journeyflow.generate import generate
from journeyflow.pipeline import run_pipeline

# every value of every --*-format option, in three runs
FORMATS = {
    "export": {},
    "fivetran": {"ga4_format": "parquet", "salesforce_format": "fivetran", "hubspot_format": "fivetran",
                 "zendesk_format": "fivetran", "shop_format": "woocommerce", "snowplow_format": "atomic",
                 "linkedin_ads": True},
    "airbyte": {"salesforce_format": "airbyte", "hubspot_format": "airbyte", "zendesk_format": "airbyte"},
}


@pytest.mark.parametrize("persons", [1, 2])
@pytest.mark.parametrize("formats", FORMATS)
def test_a_person_or_two_are_written_in_every_format(tmp_path: Path, formats: str, persons: int) -> None:
    # without the defects: the defect records are what kept some lists from being empty
    counts = generate(tmp_path, persons=persons, seed=42, defects=False, **FORMATS[formats])
    assert sum(counts.values()) > 0


def test_the_cli_writes_one_person(tmp_path: Path) -> None:
    # seed 42, one person, no defects: the person has no HubSpot engagement and no Zendesk ticket,
    # and HubSpot as Airbyte's streams goes through the Fivetran tables, so both empty lists arise
    result = CliRunner().invoke(app, ["generate", "--out", str(tmp_path), "--persons", "1", "--no-defects",
                                      "--hubspot-format", "airbyte", "--zendesk-format", "airbyte"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "airbyte_hubspot" / "engagements_calls.parquet").exists()
    assert (tmp_path / "airbyte_zendesk" / "tickets.parquet").exists()


@pytest.mark.parametrize("formats", ["fivetran", "airbyte"])
def test_the_pipeline_loads_one_persons_files(tmp_path: Path, formats: str) -> None:
    """The synced formats, where the empty lists became tables: each folder is read (a table without
    rows is read as 0 rows, not an error) and the person's web events make events."""
    generate(tmp_path / "input", persons=1, seed=42, defects=formats == "fivetran", **FORMATS[formats])
    settings = settings_for(tmp_path / "input", tmp_path)
    run_pipeline(settings)
    con = duckdb.connect(str(settings.warehouse), read_only=True)
    read = "SELECT DISTINCT split_part(source_file, '/', 1) FROM quality.load_summary"
    folders = {folder for (folder,) in rows(con, read)}
    assert {f"{formats}_hubspot", f"{formats}_salesforce", f"{formats}_zendesk"} <= folders
    assert rows(con, "SELECT count(*) > 0 FROM staging.events") == [(True,)]
    con.close()
