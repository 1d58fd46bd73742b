"""A file that is read but holds no record (a CSV with only its header) is known as read, with 0 rows:
quality.load_summary has a row of zeros for it, and `journeyflow sources` lists it as read, not as
"not loaded" on every call."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from builders import CONTACT_HEADER, T0, ga4_event, write_csv, write_custom, write_ga4
from conftest import rows, settings_for
from journeyflow.cli import app
from journeyflow.connection import connect_published
from journeyflow.pipeline import run_pipeline

ORDERS_MAPPING = """
format: csv
timestamp: at
event_name: {value: store_order}
person_keys: {user_id: customer}
"""


def sources(folder: Path, warehouse: Path) -> str:
    result = CliRunner().invoke(app, ["sources", "--input", str(folder), "--warehouse", str(warehouse)],
                                env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    return result.output


def test_header_only_files_are_read_with_zero_rows(tmp_path: Path) -> None:
    folder = tmp_path / "input"
    write_ga4(folder, [ga4_event(T0, "page_view", "c1", user_id="u1", path="/blog/a")])
    write_csv(folder / "hubspot" / "contacts.csv", CONTACT_HEADER, [])  # the header, no contact
    write_custom(folder, "orders", ORDERS_MAPPING, {"orders.csv": "at,customer\n"})
    settings = settings_for(folder, tmp_path)
    for incremental in (False, True):  # the second run reads nothing again: they stay known
        run_pipeline(settings, incremental=incremental)
        con = connect_published(settings.warehouse)
        summary = rows(con, """
            SELECT source_file, rows_read, rows_loaded, rows_rejected, rows_duplicate, outcome
            FROM quality.load_summary ORDER BY source_file""")
        con.close()
        # the custom source's mapping (source.yaml) is landed too, but it is no export: no row
        assert summary == [
            ("custom/orders/orders.csv", 0, 0, 0, 0, "read"),
            ("ga4/events_20260601.ndjson", 1, 1, 0, 0, "read"),
            ("hubspot/contacts.csv", 0, 0, 0, 0, "read"),
        ]
        shown = sources(folder, settings.warehouse)
        assert "not loaded" not in shown
        cells = [[cell.strip() for cell in line.split("│")[1:-1]] for line in shown.splitlines()]
        files = {row[1]: row[2:] for row in cells if len(row) == 6}  # source, file, read … duplicate
        assert files["hubspot/contacts.csv"] == ["0", "0", "0", "0"]
        assert files["custom/orders/orders.csv"] == ["0", "0", "0", "0"]
