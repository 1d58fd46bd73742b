"""`generate --zendesk-format fivetran|airbyte` (issue #26): the generated Zendesk tickets, users and
satisfaction ratings as Fivetran's connector tables (fivetran_zendesk/) or Airbyte's stream tables
(airbyte_zendesk/) make the default export's events (but where the readers' documented rules
differ), their only rejects are the defects written on purpose, and every other file stays byte for
byte the same."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from conftest import open_build, rows
from journeyflow.generate import generate
from test_generate_airbyte_formats import ARGS, default_build, open_read_only

FORMATS = ("export", "fivetran", "airbyte")
EVENTS = """
    SELECT * EXCLUDE (source_file, source_row, _load_id)
    FROM staging.events WHERE source = 'zendesk' ORDER BY event_id"""
REJECTS = """
    SELECT regexp_replace(raw_table, '^raw\\.(fivetran_|airbyte_)?zendesk_', ''), reason
    FROM quality.rejected_rows WHERE raw_table LIKE 'raw.%zendesk%' ORDER BY ALL"""


@pytest.fixture(scope="module")
def builds(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    """The same seed in each Zendesk format, with defects, generated and built."""
    base = tmp_path_factory.mktemp("zendesk_formats")
    # "export" is generate's default zendesk_format: the default formats' build, shared with
    # tests/test_generate_airbyte_formats.py when both run in one process
    export, export_counts = default_build(tmp_path_factory)
    folders, counts = {"export": export}, {"export": dict(export_counts)}
    for fmt in FORMATS:
        if fmt != "export":
            folders[fmt] = base / fmt
            counts[fmt] = generate(base / fmt / "input", **ARGS, zendesk_format=fmt)
    cons = {fmt: open_read_only(export) if fmt == "export" else open_build(folders[fmt]) for fmt in FORMATS}
    yield {"folders": folders, "counts": counts, **cons}
    for con in cons.values():
        con.close()


def test_only_the_zendesk_files_are_replaced(builds) -> None:
    default = builds["folders"]["export"] / "input"
    exported = {name: len(json.loads((default / "zendesk" / f"{name}.json").read_text())[name])
                for name in ("tickets", "users", "satisfaction_ratings")}
    for fmt in ("fivetran", "airbyte"):
        folder = builds["folders"][fmt] / "input"
        assert {p.name for p in folder.iterdir()} ^ {p.name for p in default.iterdir()} == {
            "zendesk", f"{fmt}_zendesk"}
        others = sorted(p.relative_to(default) for p in default.rglob("*")
                        if p.is_file() and p.relative_to(default).parts[0] != "zendesk"
                        and not p.name.startswith("."))  # but the manifest, which lists them
        assert others and all((default / p).read_bytes() == (folder / p).read_bytes() for p in others)
        # one table row per exported record
        assert {k: v for k, v in builds["counts"][fmt].items() if "zendesk" in k} == {
            f"{fmt}_zendesk_{name}": n for name, n in exported.items()}
    folders = builds["folders"]
    assert sorted(p.name for p in (folders["fivetran"] / "input" / "fivetran_zendesk").iterdir()) == [
        "satisfaction_rating.parquet", "ticket.parquet", "user.parquet"]
    assert sorted(p.name for p in (folders["airbyte"] / "input" / "airbyte_zendesk").iterdir()) == [
        "satisfaction_ratings.parquet", "tickets.parquet", "users.parquet"]


def test_airbyte_streams_make_the_exports_events_and_rejects(builds) -> None:
    export = rows(builds["export"], EVENTS)
    assert len(export) > 20
    assert rows(builds["airbyte"], EVENTS) == export
    assert rows(builds["airbyte"], REJECTS) == rows(builds["export"], REJECTS)


def test_fivetran_tables_make_the_exports_events_but_the_tickets_own_ratings(builds) -> None:
    """Fivetran's `ticket` table holds no embedded satisfaction rating (docs/sources.md "Zendesk via
    Fivetran"): a ticket rated only there in the export is not rated from the tables."""
    folder = builds["folders"]["export"] / "input" / "zendesk"
    tickets = json.loads((folder / "tickets.json").read_text())["tickets"]
    ratings = json.loads((folder / "satisfaction_ratings.json").read_text())["satisfaction_ratings"]
    # the ratings export answers a ticket with a usable good/bad rating (not the one dated 2099)
    answered = {r["ticket_id"] for r in ratings if r["score"] in ("good", "bad") and r["ticket_id"]
                and not r["created_at"].startswith("2099")}
    fallback = {str(t["id"]) for t in tickets if t["satisfaction_rating"]["score"] in ("good", "bad")
                and t["id"] not in answered and t["created_at"]}
    assert fallback  # the sample has such a ticket
    export = rows(builds["export"], EVENTS)
    columns = [d[0] for d in builds["export"].execute(EVENTS).description]
    table, record, name = (columns.index(c) for c in ("source_table", "source_record_id", "event_name"))
    expected = [r for r in export if not (r[table] == "raw.zendesk_tickets" and r[record] in fallback
                                          and r[name].startswith("ticket_rated_"))]
    assert len(export) - len(expected) == len(fallback)
    assert rows(builds["fivetran"], EVENTS) == expected
    assert rows(builds["fivetran"], REJECTS) == rows(builds["export"], REJECTS)


def test_the_rejects_are_the_defects_written(builds) -> None:
    """The ticket with a null created_at, the rating of a deleted ticket, the rating dated 2099: the
    same three in each format, and nothing else."""
    expected = [
        ("satisfaction_ratings",
         "created_at out of range (before 2000 or in the future): 2099-01-01 10:00:00+00"),
        ("satisfaction_ratings", "missing ticket_id"),
        ("tickets", "missing created_at"),
    ]
    for fmt in FORMATS:
        assert rows(builds[fmt], REJECTS) == expected, fmt
