"""Which records of a custom source are events (issue #23): without an event id every record is
one (identical rows too), and only a file's records delivered again in another file are
duplicates; with an id the id decides, and the mapping's `keep` says whether the first or the
latest record of an id wins. Expected numbers are derived by hand in the comments."""

from __future__ import annotations

from collections.abc import Iterator

import duckdb
import pytest

from builders import write_custom
from conftest import open_build, rows, settings_for
from journeyflow.pipeline import run_pipeline
from journeyflow.sources.custom import read_mapping
from test_incremental import assert_equals_full_rebuild

# a process log: case id, activity, time at minute resolution; no event id
LOG_MAPPING = """
timestamp: time
event_name: activity
person_keys: {user_id: case}
rules:
  - {match: {event_name: register}, touchpoint: register, channel: web, category: owned, phase: awareness}
  - {match: {event_name: check}, touchpoint: check, channel: web, category: owned, phase: consideration}
  - {match: {event_name: approve}, touchpoint: approve, channel: web, category: owned, phase: acquisition}
"""
LOG_HEADER = "case,activity,time\n"
LOG_ROWS = (
    "u_1,register,2026-06-01 10:00\n"
    "u_1,check,2026-06-01 10:05\n"
    "u_1,check,2026-06-01 10:05\n"      # the same check again, same minute: a second event
    "u_1,approve,2026-06-01 10:10\n"
)

# orders with an id: o1 is exported twice with another amount (a correction), o2 once
ORDER_MAPPING = """
timestamp: at
event_id: order
event_name: {{value: order}}
person_keys: {{user_id: customer}}
value: amount
{keep}
"""
ORDER_FILES = {
    "a.csv": "order,at,customer,amount\no1,2026-06-01 10:00,u_1,10\no2,2026-06-01 11:00,u_2,5\n",
    "b.csv": "order,at,customer,amount\no1,2026-06-01 10:00,u_1,12\n",
}


def custom_events(con) -> list[tuple]:  # noqa: ANN001 (a DuckDB connection)
    return rows(con, """
        SELECT event_name, strftime(occurred_at, '%H:%M'), count(*) FROM staging.events
        WHERE source = 'log' GROUP BY ALL ORDER BY 2, 1""")


def load_summary(con, source: str | None = None) -> list[tuple]:  # noqa: ANN001
    """The custom sources' files (of `source` alone, if given: custom/<source>/...)."""
    return con.execute("""
        SELECT regexp_replace(source_file, '.*/', ''), rows_read, rows_loaded, rows_rejected, rows_duplicate
        FROM quality.load_summary WHERE raw_table = 'raw.custom_events'
            AND ($source IS NULL OR source_file LIKE 'custom/' || $source || '/%')
        ORDER BY 1""", {"source": source}).fetchall()


def test_identical_rows_of_an_id_less_log_are_events(build, tmp_path):
    write_custom(tmp_path / "input", "log", LOG_MAPPING, {"log.csv": LOG_HEADER + LOG_ROWS})
    con = build()
    # 4 rows, 4 events: the repeated check is not a duplicate
    assert custom_events(con) == [("register", "10:00", 1), ("check", "10:05", 2), ("approve", "10:10", 1)]
    assert load_summary(con) == [("log.csv", 4, 4, 0, 0)]
    # four touchpoints of u_1; the two checks are alike, so their order does not matter
    assert rows(con, "SELECT touchpoint, count(*) FROM core.touchpoints WHERE source = 'log' "
                     "GROUP BY 1 ORDER BY 1") == [("approve", 1), ("check", 2), ("register", 1)]
    # the path register, check, check, approve has consecutive repeats collapsed (docs/metrics.md:
    # a page reloaded is one step): START->register, register->check, check->approve, approve->EXIT
    edges = rows(con, "SELECT from_node, to_node, transitions FROM marts.transitions ORDER BY 1, 2")
    assert edges == [("START", "register", 1), ("approve", "EXIT", 1), ("check", "approve", 1),
                     ("register", "check", 1)]


def test_a_log_delivered_twice_adds_no_events(build, tmp_path):
    # the same file under a second name, and a later export that repeats log.csv's rows (the second
    # check included) and adds one: copy number k of a record in one file is copy k in another
    later = LOG_HEADER + LOG_ROWS + "u_1,approve,2026-06-01 10:10\n"
    write_custom(tmp_path / "input", "log", LOG_MAPPING, {
        "log.csv": LOG_HEADER + LOG_ROWS, "log_copy.csv": LOG_HEADER + LOG_ROWS, "log_later.csv": later})
    con = build()
    # log.csv: 4 events; log_copy.csv: its 4 rows are copies 1..4 of log.csv's (duplicates);
    # log_later.csv: rows 1-4 are duplicates, row 5 is approve's second copy in that file: new
    assert custom_events(con) == [("register", "10:00", 1), ("check", "10:05", 2), ("approve", "10:10", 2)]
    assert load_summary(con) == [("log.csv", 4, 4, 0, 0), ("log_copy.csv", 4, 0, 0, 4),
                                 ("log_later.csv", 5, 1, 0, 4)]


# The same orders under three mappings, one custom source each (its name the `source` of its events
# and its folder), in one shared build: an event id is a source's own, so the sources do not meet
KEEP_SOURCES = {"": "orders", "keep: latest": "orders_latest", "keep: first": "orders_first"}


@pytest.fixture(scope="module")
def keep_built(tmp_path_factory) -> Iterator[duckdb.DuckDBPyConnection]:  # noqa: ANN001
    base = tmp_path_factory.mktemp("keep")
    for keep, source in KEEP_SOURCES.items():
        write_custom(base / "input", source, ORDER_MAPPING.format(keep=keep), ORDER_FILES)
    con = open_build(base)
    yield con
    con.close()


@pytest.mark.parametrize(("keep", "amount", "duplicates_in_b"), [
    ("", 12.0, 0),               # default latest: b.csv's o1 (the later file) replaces a.csv's
    ("keep: latest", 12.0, 0),
    ("keep: first", 10.0, 1),    # a.csv's o1 wins; b.csv's record of o1 is a duplicate
])
def test_an_event_id_decides_and_keep_says_which_record_wins(keep_built, keep, amount, duplicates_in_b):
    source = KEEP_SOURCES[keep]
    # o1 and o2: two events whatever `keep` says
    assert keep_built.execute("SELECT source_record_id, value FROM staging.events WHERE source = ? "
                              "ORDER BY 1", [source]).fetchall() == [("o1", amount), ("o2", 5.0)]
    # b.csv's row is loaded (latest wins among loaded rows) or a duplicate (first wins)
    assert load_summary(keep_built, source) == [
        ("a.csv", 2, 2, 0, 0), ("b.csv", 1, 1 - duplicates_in_b, 0, duplicates_in_b)]


@pytest.mark.parametrize(("text", "message"), [
    ("keep: first\n", "keep: needs event_id"),
    ("event_id: id\nkeep: newest\n", "keep: Input should be 'first' or 'latest'"),
])
def test_keep_is_validated(tmp_path, text, message):
    path = tmp_path / "source.yaml"
    base = "timestamp: t\nevent_name: {value: x}\nperson_keys: {email: e}\n"
    path.write_text(base + text, encoding="utf-8")
    with pytest.raises(ValueError, match="source.yaml") as caught:
        read_mapping(path)
    assert message in str(caught.value)


@pytest.mark.parametrize("keep", ["", "keep: first"])
def test_incremental_runs_equal_a_full_rebuild(tmp_path, keep):
    folder = tmp_path / "input"
    write_custom(folder, "log", LOG_MAPPING, {"log.csv": LOG_HEADER + LOG_ROWS})
    write_custom(folder, "orders", ORDER_MAPPING.format(keep=keep), {"a.csv": ORDER_FILES["a.csv"]})
    nightly = settings_for(folder, tmp_path / "nightly")
    run_pipeline(nightly, incremental=True)
    # the next day: the log delivered again with one more row, and o1's correction
    again = LOG_HEADER + LOG_ROWS + "u_2,check,2026-06-02 09:00\n"
    write_custom(folder, "log", LOG_MAPPING, {"log_copy.csv": again})
    write_custom(folder, "orders", ORDER_MAPPING.format(keep=keep), {"b.csv": ORDER_FILES["b.csv"]})
    run_pipeline(nightly, incremental=True)
    assert_equals_full_rebuild(nightly, folder, tmp_path)
