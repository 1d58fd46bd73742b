"""Custom sources (custom/<name>/source.yaml): mapping validation, every format, column quoting,
rejects and their accounting, taxonomy from the mapping, and stitching to the built-in sources.

Expected values are worked out by hand in the comments next to each input."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from builders import (
    CONTACT_HEADER,
    T0,
    ga4_event,
    hubspot_contact,
    write_csv,
    write_custom,
    write_ga4,
)
from conftest import SAMPLE, rows, settings_for
from journeyflow.checks import QualityGateFailed
from journeyflow.cli import app
from journeyflow.generate.custom import CUSTOM_DEFECT_ROWS
from journeyflow.pipeline import run_pipeline
from journeyflow.sources import SOURCES_BY_TABLE
from journeyflow.sources.custom import discover, read_mapping
from journeyflow.sources.readers import land_source

UTC_TS = "%Y-%m-%d %H:%M:%S"

SHOP_MAPPING = """
timestamp: {column: Datum, time_zone: Europe/Berlin}
event_id: Bestell-Nr.          # the header as exported
event_name: {value: store_order}
person_keys:
  email: E-Mail
  user_id: kunde               # the header as landing normalises it (Kunde)
value: Summe
currency: Währung
attributes: [Filiale]
rules:
  - match: {}
    touchpoint: store_purchase
    channel: store
    category: owned
    online: false
    phase: acquisition
    is_conversion: true
"""
# German Excel: ';', Windows-1252, decimal comma, DD.MM.YYYY HH:MM in Berlin summer time (UTC+2)
SHOP_CSV = (
    "Bestell-Nr.;Datum;E-Mail;Kunde;Summe;Währung;Filiale\r\n"
    "A1;03.06.2026 14:22;Anna.Schmidt@Example.com ;;1.249,50;EUR;München\r\n"
    "A2;04.06.2026 09:00;;u_1;89,90;EUR;Köln\r\n"
).encode("cp1252")

CALLS_MAPPING = """
format: ndjson
timestamp: started at
event_id: call
event_name:
  column: topic
  map: {Rechnung: call_billing}
person_keys:
  user_id: Kunde "ID"
attributes: {outcome: "Ergebnis (final)"}
rules:
  - match: {event_name: call_billing}
    touchpoint: support_call
    channel: phone
    category: managed
    online: false
    phase: service
"""
# keys with a space, quotes and parentheses; `Sonstiges` is not in the map and stays as it is
CALLS_NDJSON = "\n".join(json.dumps(r) for r in [
    {"call": "c1", "started at": "2026-06-05T10:00:00Z", 'Kunde "ID"': "u_1", "topic": "Rechnung",
     "Ergebnis (final)": "gelöst"},
    {"call": "c2", "started at": "1780221600", 'Kunde "ID"': "u_2", "topic": "Sonstiges",
     "Ergebnis (final)": None},
]) + "\n"

POS_MAPPING = """
timestamp: ts
event_name: {value: pos_sale}
person_keys:
  email: email
  crm_contact_id: contact       # system defaults to hubspot: hubspot:5101
value: total
currency: {value: EUR}
origin: {value: store}
"""


def write_pos(folder: Path) -> None:
    table = pa.table({
        "ts": pa.array([datetime(2026, 6, 6, 8, 30, tzinfo=UTC)], pa.timestamp("us", tz="UTC")),
        "email": pa.array([None], pa.string()),
        "contact": pa.array([5101], pa.int64()),
        "total": pa.array([19.5], pa.float64()),
    })
    path = folder / "custom" / "pos"
    path.mkdir(parents=True, exist_ok=True)
    (path / "source.yaml").write_text(POS_MAPPING, encoding="utf-8")
    pq.write_table(table, path / "sales.parquet")


def three_formats(folder: Path) -> None:
    # the same person on the web (cookie c1 logs in as u_1) and in the CRM (contact 5101: Anna's
    # email and login u_1): every custom event below must join that one person
    write_ga4(folder, [ga4_event(T0, "page_view", "c1", user_id="u_1", path="/pricing")])
    write_csv(folder / "hubspot" / "contacts.csv", CONTACT_HEADER,
              [hubspot_contact("5101", "anna.schmidt@example.com", "2026-06-01 08:00", "u_1")])
    write_custom(folder, "shop", SHOP_MAPPING, {"orders.csv": SHOP_CSV})
    write_custom(folder, "calls", CALLS_MAPPING, {"calls.ndjson": CALLS_NDJSON})
    write_pos(folder)


def test_csv_ndjson_and_parquet_become_events(build, tmp_path):
    three_formats(tmp_path / "input")
    con = build()
    events = [
        (source, event_name, occurred_at.strftime(UTC_TS), value, currency, user_id,
         email_hash is not None, crm_contact_id, json.loads(properties))
        for source, event_name, occurred_at, value, currency, user_id, email_hash, crm_contact_id,
        properties in rows(con, """
            SELECT source, event_name, occurred_at, value, currency, user_id, email_hash,
                   crm_contact_id, properties
            FROM staging.events WHERE source_table = 'raw.custom_events' ORDER BY occurred_at""")
    ]
    assert events == [
        # 1780221600 s = 20604 days + 36000 s after 1970-01-01 = 2026-05-31 10:00 UTC
        ("calls", "Sonstiges", "2026-05-31 10:00:00", None, None, "u_2", False, None,
         {"outcome": None}),
        # 03.06.2026 14:22 Berlin (CEST, UTC+2) = 12:22 UTC; `1.249,50` = 1249.5
        ("shop", "store_order", "2026-06-03 12:22:00", 1249.5, "EUR", None, True, None,
         {"Filiale": "München"}),
        ("shop", "store_order", "2026-06-04 07:00:00", 89.9, "EUR", "u_1", False, None,
         {"Filiale": "Köln"}),
        ("calls", "call_billing", "2026-06-05 10:00:00", None, None, "u_1", False, None,
         {"outcome": "gelöst"}),
        # a Parquet timestamp keeps its zone; the int64 contact id gets the hubspot: prefix
        ("pos", "pos_sale", "2026-06-06 08:30:00", 19.5, "EUR", None, False, "hubspot:5101", {}),
    ]
    assert rows(con, "SELECT count(*) FROM quality.rejected_rows") == [(0,)]


def test_mapped_touchpoints_and_stitching_to_web_and_crm(build, tmp_path):
    three_formats(tmp_path / "input")
    con = build()
    touchpoints = rows(con, """
        SELECT source, event_name, touchpoint, channel, phase, is_conversion
        FROM core.touchpoints WHERE source IN ('shop', 'calls', 'pos')
        ORDER BY occurred_at""")
    assert touchpoints == [
        ("calls", "Sonstiges", "unmapped", "unknown", None, False),  # no rule: shows as unmapped
        ("shop", "store_order", "store_purchase", "store", "acquisition", True),
        ("shop", "store_order", "store_purchase", "store", "acquisition", True),
        ("calls", "call_billing", "support_call", "phone", "service", False),
        ("pos", "pos_sale", "unmapped", "unknown", None, False),
    ]
    # email (A1), login u_1 (A2, c1) and CRM id 5101 (pos) all reach the GA4 cookie's person;
    # c2's login u_2 is seen nowhere else, so it is a person of its own
    web_person = rows(con, "SELECT person_id FROM core.touchpoints WHERE source = 'ga4'")[0][0]
    persons = rows(con, """
        SELECT source, event_name, person_id = $web FROM core.touchpoints
        WHERE source IN ('shop', 'calls', 'pos') ORDER BY occurred_at""".replace("$web", repr(web_person)))
    assert persons == [
        ("calls", "Sonstiges", False), ("shop", "store_order", True), ("shop", "store_order", True),
        ("calls", "call_billing", True), ("pos", "pos_sale", True),
    ]
    unmapped = rows(con, "SELECT source, event_name FROM marts.unmapped_events ORDER BY 1, 2")
    assert unmapped == [("calls", "Sonstiges"), ("pos", "pos_sale")]


def test_rejects_name_the_column_and_every_row_is_accounted(build, tmp_path):
    folder = tmp_path / "input"
    write_ga4(folder, [ga4_event(T0, "page_view", "c1")])
    mapping = SHOP_MAPPING.replace("rules:", "rules_unused:").split("rules_unused:")[0]
    good = (
        "Bestell-Nr.;Datum;E-Mail;Kunde;Summe;Währung;Filiale\r\n"
        "B1;03.06.2026 14:22;a@example.com;;10,00;EUR;X\r\n"    # loaded
        "B1;03.06.2026 14:22;a@example.com;;10,00;EUR;X\r\n"    # exact copy: duplicate
        "B2;;a@example.com;;10,00;EUR;X\r\n"                    # missing Datum
        "B3;31.02.2026 10:00;a@example.com;;10,00;EUR;X\r\n"    # not a date
        "B4;03.06.2026 14:22;;;10,00;EUR;X\r\n"                 # no person key
        ";03.06.2026 14:22;a@example.com;;10,00;EUR;X\r\n"      # no event id
        "B5;03.06.2026 14:22;a@example.com;;zehn;EUR;X\r\n"     # value not a number
        "B6;01.01.1999 10:00;a@example.com;;10,00;EUR;X\r\n"    # out of range
    ).encode("cp1252")
    # a second file without the Summe column: the mapping does not fit it, both rows rejected
    other = b"Bestell-Nr.;Datum;E-Mail;Kunde;Waehrung;Filiale\nC1;03.06.2026 14:22;a@example.com;;EUR;X\n" \
            b"C2;03.06.2026 14:23;a@example.com;;EUR;X\n"
    write_custom(folder, "shop", mapping.replace("Währung", "{value: EUR}"),
                 {"a.csv": good, "b.csv": other})
    write_custom(folder, "calls", CALLS_MAPPING, {"calls.ndjson": CALLS_NDJSON + '{"call": "c3", "start\n'})
    con = build()
    reasons = rows(con, """
        SELECT regexp_replace(source_file, '.*/', ''), row_number, reason
        FROM quality.rejected_rows WHERE raw_table = 'raw.custom_events' ORDER BY 1, 2""")
    mapping_file = str(folder / "custom" / "shop" / "source.yaml")
    missing = (f"{mapping_file}: mapping names column(s) not in this file: Summe (value); the file "
               "has: bestell_nr, datum, e_mail, filiale, kunde, waehrung")
    assert reasons == [
        ("a.csv", 3, "missing Datum (timestamp)"),
        ("a.csv", 4, "Datum (timestamp) is not a timestamp: 31.02.2026 10:00"),
        ("a.csv", 5, "no person key: E-Mail (email), kunde (user_id) all empty"),
        ("a.csv", 6, "missing Bestell-Nr. (event_id)"),
        ("a.csv", 7, "Summe (value) is not a number: zehn"),
        ("a.csv", 8, "Datum (timestamp) out of range (before 2000 or in the future): "
                     "1999-01-01 09:00:00+00"),
        ("b.csv", 1, missing),
        ("b.csv", 2, missing),
        ("calls.ndjson", 3, "line is not a JSON object (truncated or invalid JSON)"),
    ]
    summary = rows(con, """
        SELECT regexp_replace(source_file, '.*/', ''), rows_read, rows_loaded, rows_rejected, rows_duplicate
        FROM quality.load_summary WHERE raw_table = 'raw.custom_events' ORDER BY 1""")
    # a.csv: 8 rows = 1 loaded + 6 rejected + 1 duplicate; b.csv: 2 rejected; calls: 2 + 1 broken line
    assert summary == [("a.csv", 8, 1, 6, 1), ("b.csv", 2, 0, 2, 0), ("calls.ndjson", 3, 2, 1, 0)]


def test_invalid_mapping_is_one_reject_the_rest_loads_and_nothing_is_published(tmp_path):
    folder = tmp_path / "input"
    write_ga4(folder, [ga4_event(T0, "page_view", "c1")])
    write_custom(folder, "broken", "timestamp: at\nevent_name: {value: x}\nperson_keys: {}\n",
                 {"data.csv": "at,email\n2026-06-01 10:00,a@example.com\n"})
    write_custom(folder, "calls", CALLS_MAPPING, {"calls.ndjson": CALLS_NDJSON})
    settings = settings_for(folder, tmp_path)
    # a typo in a mapping must not publish the warehouse without that source
    with pytest.raises(QualityGateFailed, match=r"custom_sources_usable(.|\n)*custom/broken/source.yaml"):
        run_pipeline(settings)
    assert not settings.warehouse.exists()
    # the rest of the load went on: the other mapping's rows landed, the broken one is one reject
    con = duckdb.connect(str(settings.raw_file), read_only=True)
    rejected = rows(con, """
        SELECT source_file, row_number, reason FROM raw.ingest_errors
        WHERE raw_table = 'raw.custom_events'""")
    assert len(rejected) == 1
    source_file, row_number, reason = rejected[0]
    assert source_file == "custom/broken/source.yaml" and row_number is None
    assert "person_keys" in reason and "name at least one person key" in reason
    assert rows(con, "SELECT _source_file, count(*) FROM raw.custom_events GROUP BY 1") == [
        ("custom/calls/calls.ndjson", 2)]
    con.close()


def test_custom_files_land_again_only_when_a_mapping_or_a_file_changed(tmp_path):
    folder = tmp_path / "input"
    calls = write_custom(folder, "calls", CALLS_MAPPING, {"calls.ndjson": CALLS_NDJSON})
    write_custom(folder, "broken", "timestamp: at\nevent_name: {value: x}\nperson_keys: {}\n",
                 {"data.csv": "at,email\n2026-06-01 10:00,a@example.com\n"})
    con = duckdb.connect()
    con.execute("CREATE SCHEMA raw")
    source = SOURCES_BY_TABLE["raw.custom_events"]

    def land(load_id: str):  # noqa: ANN202
        return land_source(con, folder, source, load_id, incremental=True, temp_dir=tmp_path / "tmp")

    first, second = land("load1"), land("load2")
    assert (first.files, second.files, second.errors) == (1, 1, 1)  # a broken mapping: every run
    shutil.rmtree(folder / "custom" / "broken")
    fixed = land("load3")
    assert (fixed.files, fixed.errors) == (1, 0)  # its error goes with it
    unchanged = land("load4")
    assert (unchanged.files, unchanged.unchanged, unchanged.rows) == (0, 1, 2)
    assert rows(con, "SELECT DISTINCT _load_id FROM raw.custom_events") == [("load3",)]
    (calls / "source.yaml").write_text(CALLS_MAPPING + "# edited\n", encoding="utf-8")
    assert land("load5").files == 1
    assert rows(con, "SELECT DISTINCT _load_id FROM raw.custom_events") == [("load5",)]


@pytest.mark.parametrize(("text", "message"), [
    ("event_name: {value: x}\nperson_keys: {email: e}\n", "timestamp: Field required"),
    ("timestamp: t\nevent_name: {value: x, column: y}\nperson_keys: {email: e}\n",
     "event_name: Value error, give either column or value"),
    ("timestamp: {column: t, time_zone: Mars/Base}\nevent_name: {value: x}\nperson_keys: {email: e}\n",
     "unknown time zone 'Mars/Base'"),
    ("timestamp: t\nevent_name: {value: x}\nperson_keys: {email: e}\nformat: xlsx\n",
     "format: Input should be"),
    ("timestamp: t\nevent_name: {value: x}\nperson_keys: {phone: p}\n", "person_keys.phone: Extra inputs"),
    ("timestamp: t\nevent_name: {value: x}\nperson_keys: {email: e}\nrules: [{match: {source: ga4}}]\n",
     "leave out match.source"),
    ("timestamp: t\nevent_name: {value: x}\nperson_keys: {email: Mail}\nattributes: [Mail]\n",
     "emails leave raw only hashed"),
    ("timestamp: [t\n", "not valid YAML"),
])
def test_mapping_errors_name_file_and_field(tmp_path, text, message):
    path = tmp_path / "source.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ValueError, match="source.yaml") as caught:
        read_mapping(path)
    assert message in str(caught.value)


def test_names_and_rules_are_checked_when_found(tmp_path):
    ok = "timestamp: t\nevent_name: {value: x}\nperson_keys: {email: e}\n"
    write_custom(tmp_path, "ga4", ok, {})  # a built-in source's name
    write_custom(tmp_path, "Shop Orders", ok, {})  # not a valid name
    write_custom(tmp_path, "calls", ok + "rules: [{touchpoint: t, channel: phone, category: owned, "
                                          "phase: nowhere}]\n", {})
    errors = {c.folder.name: c.error for c in discover(tmp_path, phases={"service"})}
    assert "is a built-in source" in errors["ga4"]
    assert "must be lower case" in errors["Shop Orders"]
    assert "rules.1: unknown phase 'nowhere'" in errors["calls"]


def test_sources_command_lists_custom_sources(build, tmp_path):
    three_formats(tmp_path / "input")
    build().close()  # `sources` opens the file in its sandbox, which a plain connection would block
    write_custom(tmp_path / "input", "zz_broken", "timestamp: t\n", {})  # a run would stop on it
    result = CliRunner().invoke(app, [
        "sources", "--warehouse", str(tmp_path / "warehouse" / "jf.duckdb"),
        "--input", str(tmp_path / "input")], env={"COLUMNS": "250"})
    assert result.exit_code == 0, result.output
    assert "custom sources in" in result.output
    assert "shop" in result.output and "orders.csv" in result.output and "time=Datum" in result.output
    assert "not loaded" in result.output and "zz_broken" in result.output


def test_sample_custom_sources_carry_their_defects(tmp_path):
    from journeyflow.generate import generate

    counts = generate(tmp_path, persons=200, seed=42)
    clean = generate(tmp_path / "clean", persons=200, seed=42, defects=False)
    for name, extra in CUSTOM_DEFECT_ROWS.items():
        assert counts[name] == clean[name] + extra
    for name in ("custom/shop_orders/bestellungen.csv", "custom/call_centre/calls.parquet",
                 "custom/shop_orders/source.yaml", "custom/call_centre/source.yaml"):
        assert (tmp_path / name).read_bytes() == (SAMPLE / name).read_bytes(), name
    orders = (tmp_path / "custom/shop_orders/bestellungen.csv").read_bytes()
    assert b"W\xe4hrung" in orders and b";" in orders.splitlines()[0]  # Windows-1252, German Excel
    assert sum(len(p.read_bytes()) for p in (SAMPLE / "custom").rglob("*")
               if p.is_file()) < 50_000


def test_docs_examples_are_the_sample_mappings():
    """docs/sources.md shows both sample mappings in full; they must stay valid and the same."""
    import re

    import yaml

    from journeyflow.sources.custom import Mapping

    docs = (SAMPLE.parents[1] / "docs" / "sources.md").read_text(encoding="utf-8")
    section = docs.split("## Custom sources (YAML mapping)")[1].split("\n## ")[0]
    blocks = [Mapping.model_validate(yaml.safe_load(b))
              for b in re.findall(r"```yaml\n(.*?)```", section, flags=re.S)]
    samples = {n: read_mapping(SAMPLE / "custom" / n / "source.yaml")
               for n in ("shop_orders", "call_centre")}
    by_name = {b.name: b for b in blocks}
    assert by_name["shop_orders"] == samples["shop_orders"]
    # the docs leave out the call-centre description only
    assert by_name["call_centre"] == samples["call_centre"].model_copy(update={"description": ""})


def test_doctor_reports_an_unusable_mapping(tmp_path):
    from journeyflow.cli import custom_sources_check

    write_custom(tmp_path, "calls", CALLS_MAPPING, {"calls.ndjson": CALLS_NDJSON})
    assert custom_sources_check(tmp_path) == ("custom sources", True, "calls (1 file(s))")
    write_custom(tmp_path, "shop", SHOP_MAPPING.replace("timestamp:", "zeitstempel:"), {})
    name, ok, detail = custom_sources_check(tmp_path)
    assert not ok and "custom/shop/source.yaml" in detail and "timestamp: Field required" in detail
