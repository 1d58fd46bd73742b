"""Custom sources (custom/<name>/source.yaml): mapping validation, every format, column quoting,
rejects and their accounting, taxonomy from the mapping, and stitching to the built-in sources.

Expected values are worked out by hand in the comments next to each input."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime
from decimal import Decimal
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
    same_file,
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
from journeyflow.sources.landing import RAW_INSERT
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
    # the mapping named by its path in the input folder, as lineage names files (not where it lies)
    missing = ("custom/shop/source.yaml: mapping names column(s) not in this file: Summe (value); the file "
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
        assert same_file(tmp_path / name, SAMPLE / name), name
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


# --- typed landing: Parquet and CSV rows land their mapped columns, and staging reads those ------

TYPED_MAPPING = """
timestamp: {column: when, time_zone: Europe/Berlin}
event_name: {column: name, map: {Kauf: purchase}}
person_keys:
  user_id: user
  crm_contact_id: contact
value: amount
currency: cur
attributes: {flag: flag, tags: tags, detail: detail, price: price, when_again: when}
"""
TYPED_US_MAPPING = """
timestamp: {column: Zeit, format: us}
event_id: Nr
keep: first
event_name: {value: visit}
person_keys: {email: Mail, anonymous_id: Cookie}
value: Betrag
attributes: [Notiz]
"""


def _typed_parquet(when: pa.Array) -> pa.Table:
    """Eight rows that reach every branch of staging: a map rename, a quote and umlauts, an exact
    copy (row 3 of row 2), a null time, an empty name, a value beyond 10^15, lists, structs."""
    return pa.table({
        "when": when,
        "name": pa.array(["Kauf", 'say "hi"', 'say "hi"', "Grüße", "x", "x", "", "x"]),
        "user": pa.array(["u_1", "u_2", "u_2", " u_3 ", None, "u_5", "u_6", "u_7"]),
        "contact": pa.array([5101, None, None, 7, 11, None, 8, 9], pa.int64()),
        "amount": pa.array([1.5, 2.0, 2.0, -0.5, 1e300, None, 3.25, 0.1], pa.float64()),
        "price": pa.array([Decimal("1.50"), None, None, Decimal("-0.05"), Decimal("3"), None,
                           Decimal("10.10"), Decimal("0")], pa.decimal128(10, 2)),
        "cur": pa.array(["EUR", None, None, " usd ", "", "EUR", "EUR", "EUR"]),
        "flag": pa.array([True, False, False, None, True, True, False, True]),
        "tags": pa.array([["a", "b"], [], [], None, ["ü"], ["x"], ["y"], ["z"]], pa.list_(pa.string())),
        "detail": pa.array([{"k": 1}, {"k": None}, {"k": None}, None, {"k": 2}, {"k": 3}, {"k": 4},
                            {"k": 5}], pa.struct([("k", pa.int64())])),
        "unused": pa.array([1, 2, 2, 4, 5, 6, 7, 8], pa.int32()),
    })


def typed_inputs(folder: Path) -> None:
    """One custom source whose files hold the time as each Parquet type, and one CSV source."""
    copied = datetime(2026, 6, 2, 9, 30, 15, 123456, tzinfo=UTC)
    instants = [datetime(2026, 6, 1, 8, 0, tzinfo=UTC), copied, copied,
                datetime(1999, 12, 31, 23, 0, tzinfo=UTC), None, datetime(2026, 6, 3, tzinfo=UTC),
                datetime(2026, 6, 4, tzinfo=UTC), datetime(500, 1, 1, tzinfo=UTC)]
    walls = [None if t is None else t.replace(tzinfo=None) for t in instants]
    files = {
        "a_instant.parquet": pa.array(instants, pa.timestamp("us", tz="UTC")),
        "b_wall.parquet": pa.array(walls, pa.timestamp("us")),
        "c_date.parquet": pa.array([None if t is None else t.date() for t in instants], pa.date32()),
        "d_epoch.parquet": pa.array([None if t is None else int(t.timestamp()) for t in instants],
                                    pa.int64()),
        "e_text.parquet": pa.array([None if t is None else t.strftime("%d.%m.%Y %H:%M") for t in instants]),
        "f_millis.parquet": pa.array(instants, pa.timestamp("ms", tz="Europe/Berlin")),
    }
    path = write_custom(folder, "typed", TYPED_MAPPING, {})
    for name, when in files.items():
        pq.write_table(_typed_parquet(when), path / name)
    # a file without the mapped `contact` column: not typed, every row names what is missing
    pq.write_table(_typed_parquet(files["a_instant.parquet"]).drop(["contact"]), path / "g_missing.parquet")
    write_custom(folder, "visits", TYPED_US_MAPPING, {"visits.csv": (
        "Nr,Zeit,Mail,Cookie,Betrag,Notiz\r\n"
        "1,06/03/2026 14:22,Anna@Example.com,,\"1,249.50\",\"a \"\"quote\"\"\"\r\n"
        "1,06/03/2026 14:23,,c9,2,later copy of id 1\r\n"
        "2,13/03/2026 10:00,,c9,,not a US date\r\n"
        "3,06/05/2026,,,5,no person\r\n"
        "4,2026-06-05T10:00:00Z,,c8,x,value not a number\r\n"
    )})


def _stage_custom(input_dir: Path, out: Path) -> tuple[list[tuple], list[tuple], list[tuple], dict]:
    """Land and stage the custom sources only: (staged rows, raw lineage and records, typed files,
    (file name, row) → reject reason)."""
    from journeyflow.pipeline import STEPS, open_run

    settings = settings_for(input_dir, out)
    with open_run(settings, as_of=datetime(2026, 12, 1, tzinfo=UTC)) as ctx:
        for name in ("quality.unread_inputs", "raw.custom_events", "staging.custom_events"):
            next(step for step in STEPS if step.name == name).run(ctx)
        staged = rows(ctx.con, "SELECT * EXCLUDE (_load_id) FROM staging.custom_events ORDER BY ALL")
        raw = rows(ctx.con, "SELECT _source_file, _row_number, _row_hash, record FROM raw.custom_events "
                            "ORDER BY ALL")
        typed = rows(ctx.con, "SELECT _source_file, bool_and(_typed), bool_or(_typed) FROM raw.custom_events "
                              "GROUP BY ALL ORDER BY ALL")
        reasons = {(file.split("/")[-1], row): reason for file, row, reason in rows(
            ctx.con, "SELECT _source_file, _row_number, _reject_reason FROM staging.custom_events")}
    return staged, raw, typed, reasons


def test_typed_landing_gives_the_rows_the_records_give(tmp_path, monkeypatch):
    """The typed path (Parquet and CSV rows' mapped columns landed as they are) and the record path
    (every value read back from the landed JSON) stage the same rows, reject the same rows for the
    same reasons and keep the same raw records (what quality.rejected_rows shows): for timestamps
    of each Parquet type, a year outside 1000-9999, decimals, lists, structs, booleans, copies,
    a file lacking a mapped column and a US-format CSV."""
    from journeyflow.sources import custom

    typed_inputs(tmp_path / "input")
    typed = _stage_custom(tmp_path / "input", tmp_path / "typed")
    monkeypatch.setattr(custom, "TYPED_FORMATS", ())
    records = _stage_custom(tmp_path / "input", tmp_path / "records")
    assert typed[0] == records[0]
    assert typed[1] == records[1]
    # every file typed but the one missing a column; without typed formats none
    assert [(f.split("/")[-1], every) for f, every, _ in typed[2]] == [
        ("a_instant.parquet", True), ("b_wall.parquet", True), ("c_date.parquet", True),
        ("d_epoch.parquet", True), ("e_text.parquet", True), ("f_millis.parquet", True),
        ("g_missing.parquet", False), ("visits.csv", True)]
    assert not any(some for _, _, some in records[2])
    reasons = typed[3]
    # hand-checked verdicts: rows 4 (1999) and 8 (year 500) out of range, 5 no time, 7 no name;
    # row 3 is row 2's exact copy (usable, flagged as a duplicate by the step)
    assert reasons[("a_instant.parquet", 4)].startswith("when (timestamp) out of range")
    assert reasons[("a_instant.parquet", 5)] == "missing when (timestamp)"
    assert reasons[("a_instant.parquet", 7)] == "missing name (event_name)"
    assert reasons[("a_instant.parquet", 8)].startswith("when (timestamp) out of range")
    assert reasons[("a_instant.parquet", 1)] is None and reasons[("a_instant.parquet", 3)] is None
    assert reasons[("g_missing.parquet", 1)].endswith(
        "mapping names column(s) not in this file: contact (crm_contact_id); the file has: "
        "amount, cur, detail, flag, name, price, tags, unused, user, when")
    assert reasons[("visits.csv", 3)] == "Zeit (timestamp) is not a timestamp: 13/03/2026 10:00"
    assert reasons[("visits.csv", 4)] == "no person key: Cookie (anonymous_id), Mail (email) all empty"
    assert reasons[("visits.csv", 5)] == "Betrag (value) is not a number: x"



def test_a_raw_table_from_before_typed_landing_lands_again_once(tmp_path):
    """An incremental landing over raw.custom_events as an earlier release wrote it (lineage and
    record only) lands every custom file again, typed, then leaves them alone."""
    folder = tmp_path / "input"
    write_pos(folder)
    con = duckdb.connect()
    con.execute("CREATE SCHEMA raw")
    source = SOURCES_BY_TABLE["raw.custom_events"]

    def land(load_id: str):  # noqa: ANN202
        return land_source(con, folder, source, load_id, incremental=True, temp_dir=tmp_path / "tmp")

    assert land("load1").files == 1
    # the lineage and the record only, as every raw table is
    old_columns = RAW_INSERT[1:-1]
    con.execute(f"CREATE OR REPLACE TABLE raw.custom_events AS SELECT {old_columns} FROM raw.custom_events")
    again = land("load2")
    assert (again.files, again.rows) == (1, 1)
    assert rows(con, "SELECT _load_id, _typed, landed_crm_contact_id, landed_value, landed_timestamp_instant "
                     "FROM raw.custom_events") == [
        ("load2", True, "5101", "19.5", datetime(2026, 6, 6, 8, 30, tzinfo=UTC))]
    assert land("load3").files == 0


def test_a_mapping_is_named_by_its_path_in_the_input_folder_and_older_absolute_names_land_again(tmp_path):
    """raw.custom_mappings names each mapping file as lineage names files, so the same input in
    another folder gives the same rows; a table an earlier release wrote with absolute paths makes
    the next incremental landing land the custom files again once."""
    source = SOURCES_BY_TABLE["raw.custom_events"]
    named = []
    for where in ("first", "moved"):
        folder = tmp_path / where / "input"
        write_pos(folder)
        con = duckdb.connect()
        con.execute("CREATE SCHEMA raw")
        land_source(con, folder, source, "load1", incremental=True, temp_dir=tmp_path / "tmp")
        named.append(rows(con, "SELECT custom_source, mapping_file FROM raw.custom_mappings"))
    assert named[0] == named[1] == [("pos", "custom/pos/source.yaml")]

    # as an earlier release wrote it: the absolute path (then an unchanged input lands nothing)
    con.execute("UPDATE raw.custom_mappings SET mapping_file = '/home/anna/input/custom/pos/source.yaml'")
    again = land_source(con, folder, source, "load2", incremental=True, temp_dir=tmp_path / "tmp")
    assert (again.files, again.rows) == (1, 1)
    assert rows(con, "SELECT mapping_file FROM raw.custom_mappings") == [("custom/pos/source.yaml",)]
    assert land_source(con, folder, source, "load3", incremental=True, temp_dir=tmp_path / "tmp").files == 0
