"""`make bench`, the same-work case (issue #24): a plain event log given to journeyflow, bare DuckDB and
polars in one run, each as its own process, and the session edges compared exactly.

The log (person id, timestamp, event name; 25 event names, a year ending well before today) is
generated here as Parquet. journeyflow reads it as a custom source whose rules map every event name
to its own touchpoint; the bare engines sessionize (a new session after more than 30 minutes without
an event) and count the transitions between consecutive events of a session. Whole-process wall
time, CPU time (user + system) and peak RSS of each child are read with GNU time, and the ratios go
to benchmarks/results/<date>-same-work.md (-2, -3 ... when it exists). Nothing is asserted on time.
Usage: python -m benchmarks.same_work [--events 1000000 10000000]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb

from benchmarks.bench import DATA, machine, new_result_path

EVENT_NAMES = 25
HISTORY_START = datetime(2025, 6, 1, tzinfo=UTC)  # a year of history, ending long before today
HISTORY_DAYS = 365
GAP_SECONDS = 30 * 60

# Sessions of 1-9 generated events, one every 1-2400 s (k * 1200 s + 0..1199 s after the visit's
# start), so some gaps inside a generated visit exceed 30 minutes and split it; visits of a person
# may overlap. (person, time) is made unique: the order of a person's events is then total, and every
# engine sees the same sequence.
GENERATE_SQL = """
copy (
    with visits as (
        select
            i as visit,
            'p' || lpad(cast(i % $persons as varchar), 8, '0') as person_id,
            $start + cast(hash(i, 'start') % $span as bigint) as visit_start,
            cast(1 + hash(i, 'length') % 9 as bigint) as events
        from range($visits) as t(i)
    ),
    events as (
        select
            person_id,
            visit,
            k,
            visit_start + k * 1200 + cast(hash(visit, k, 'gap') % 1200 as bigint) as epoch_seconds,
            'ev_' || lpad(cast(1 + hash(visit, k, 'name') % $names as varchar), 2, '0') as event_name
        from visits, unnest(range(events)) as u(k)
    )
    select person_id, to_timestamp(epoch_seconds) as occurred_at, event_name
    from events
    qualify row_number() over (partition by person_id, epoch_seconds order by visit, k) = 1
    order by occurred_at, person_id
) to '{path}' (format parquet)
"""

DUCKDB_SCRIPT = """
import sys, duckdb
con = duckdb.connect()
con.execute("SET TimeZone = 'UTC'")
con.execute('''
copy (
    with events as (
        select person_id, occurred_at, event_name from read_parquet($log)
    ),
    flagged as (
        select *,
            case when epoch(occurred_at) - epoch(lag(occurred_at) over w) <= $gap then 0 else 1 end
                as new_session
        from events
        window w as (partition by person_id order by occurred_at)
    ),
    sessions as (
        select *,
            sum(new_session) over (partition by person_id order by occurred_at
                                   rows unbounded preceding) as session
        from flagged
    ),
    steps as (
        select event_name as from_event,
            lead(event_name) over (partition by person_id, session order by occurred_at) as to_event
        from sessions
    )
    select from_event, to_event, count(*) as transitions
    from steps
    where to_event is not null
    group by all
) to $out (format parquet)
''', {"log": sys.argv[1], "out": sys.argv[2], "gap": int(sys.argv[3])})
"""

POLARS_SCRIPT = """
import sys
from datetime import timedelta
import polars as pl
gap = timedelta(seconds=int(sys.argv[3]))
edges = (
    pl.scan_parquet(sys.argv[1])
    .sort("person_id", "occurred_at")
    .with_columns(
        new_session=(pl.col("occurred_at").diff().over("person_id") > gap).fill_null(True))
    .with_columns(session=pl.col("new_session").cum_sum())
    .with_columns(to_event=pl.col("event_name").shift(-1), next_session=pl.col("session").shift(-1))
    .filter(pl.col("session") == pl.col("next_session"))
    .group_by(pl.col("event_name").alias("from_event"), "to_event")
    .agg(pl.len().cast(pl.Int64).alias("transitions"))
)
edges.sink_parquet(sys.argv[2])
"""

# journeyflow's sessions are core.touchpoints.session_id: its edges are consecutive touchpoints of
# a session. (Its own transition tables are per journey and merge repeated touchpoints: not the
# work the bare engines do here.)
JOURNEYFLOW_EDGES_SQL = """
select touchpoint as from_event, to_event, count(*) as transitions
from (
    select touchpoint,
        lead(touchpoint) over (partition by session_id order by touchpoint_number) as to_event
    from core.touchpoints
)
where to_event is not null
group by all
"""


@dataclass
class Measured:
    wall_seconds: float
    cpu_seconds: float
    peak_rss_mb: float


TIME = Path("/usr/bin/time")


def run_measured(command: list[str], cwd: Path, log: Path) -> Measured:
    """Run `command` as a child; its wall time, CPU time and peak RSS.

    Through GNU time when there is one: Linux gives a child the peak RSS of the process it was
    forked from (wait4's ru_maxrss of a child of this process, which holds the generated log's
    DuckDB, never reads below this process's ~1 GB at 10M); GNU time is a small process to fork from.
    """
    usage_file = log.with_suffix(".usage")
    wrapped = [str(TIME), "-o", str(usage_file), "-f", "%U %S %M", *command] if TIME.exists() else command
    with log.open("w") as out:
        started = time.perf_counter()
        child = subprocess.Popen(wrapped, cwd=cwd, stdout=out, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(child.pid, 0)
        wall = time.perf_counter() - started
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed ({child.returncode}); see {log}")
    if TIME.exists():
        user, system, peak_kb = usage_file.read_text().split()[-3:]
        return Measured(wall, float(user) + float(system), int(peak_kb) / 1024)
    return Measured(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024)


def generate_log(events: int) -> Path:
    """The plain event log for about `events` events, made once and reused."""
    folder = DATA / f"same_work_{events}" / "custom" / "plain_log"
    log = folder / "events.parquet"
    if not log.exists():
        folder.mkdir(parents=True, exist_ok=True)
        visits = max(1, events // 5)  # 5 events per visit on average
        con = duckdb.connect()
        con.execute("SET threads = 1")  # one writer thread: the same rows give the same bytes
        con.execute("SET TimeZone = 'UTC'")
        partial = folder / "events.parquet.partial"
        con.execute(GENERATE_SQL.replace("{path}", str(partial).replace("'", "''")), {
            "persons": max(1, events // 20), "visits": visits, "names": EVENT_NAMES,
            "start": int(HISTORY_START.timestamp()), "span": HISTORY_DAYS * 86400,
        })
        con.close()
        partial.rename(log)
    (folder / "source.yaml").write_text(source_yaml(), encoding="utf-8")
    return log


def source_yaml() -> str:
    """The custom source: every event name its own touchpoint."""
    rules = "\n".join(
        f"  - {{match: {{event_name: {name}}}, touchpoint: {name}, channel: web, category: owned, "
        f"online: true, phase: consideration}}"
        for name in (f"ev_{n:02d}" for n in range(1, EVENT_NAMES + 1)))
    return ("# the same-work benchmark's plain event log (benchmarks/same_work.py)\n"
            "name: plain_log\nformat: parquet\ntimestamp: occurred_at\nevent_name: {column: event_name}\n"
            f"person_keys: {{user_id: person_id}}\nrules:\n{rules}\n")


def edges(con: duckdb.DuckDBPyConnection, query: str, params: list | None = None) -> set[tuple]:
    """(from, to, transitions) rows of an edge query, as a set to compare exactly."""
    return {(a, b, int(n)) for a, b, n in con.execute(query, params).fetchall()}


def measure(events: int) -> dict:
    log = generate_log(events)
    input_dir = log.parent.parent.parent
    work = DATA / f"same_work_{events}_run"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    # the plain 30-minute rule: no cap on a session's length (journeyflow's default cuts at 12 hours)
    (work / "journeyflow.yaml").write_text(
        f"input_dir: {input_dir}\nwarehouse: {work / 'wh' / 'jf.duckdb'}\n"
        f"session_gap_minutes: {GAP_SECONDS // 60}\nsession_max_minutes: null\n", encoding="utf-8")
    python = sys.executable
    measured = {
        "duckdb": run_measured([python, "-c", DUCKDB_SCRIPT, str(log), str(work / "duckdb.parquet"),
                                str(GAP_SECONDS)], work, work / "duckdb.log"),
        "polars": run_measured([python, "-c", POLARS_SCRIPT, str(log), str(work / "polars.parquet"),
                                str(GAP_SECONDS)], work, work / "polars.log"),
        "journeyflow": run_measured([python, "-m", "journeyflow.cli", "run", "--full"],
                                    work, work / "journeyflow.log"),
    }
    con = duckdb.connect()
    counted = con.execute("select count(*), count(distinct person_id) from read_parquet(?)",
                          [str(log)]).fetchall()[0]
    bare = edges(con, "select * from read_parquet(?)", [str(work / "duckdb.parquet")])
    polars_edges = edges(con, "select * from read_parquet(?)", [str(work / "polars.parquet")])
    con.close()
    con = duckdb.connect(str(work / "wh" / "jf.duckdb"), read_only=True)
    journeyflow_edges = edges(con, JOURNEYFLOW_EDGES_SQL)
    staged = con.execute("select count(*) from core.touchpoints").fetchall()[0][0]
    con.close()
    return {
        "events": counted[0], "persons": counted[1], "touchpoints": staged,
        "input_mb": log.stat().st_size / 2**20, "measured": measured,
        "edges": len(bare), "transitions": sum(n for _, _, n in bare),
        "polars_equal": polars_edges == bare, "journeyflow_equal": journeyflow_edges == bare,
        "journeyflow_only": sorted(journeyflow_edges - bare)[:5],
        "bare_only": sorted(bare - journeyflow_edges)[:5],
    }


def report(results: dict[int, dict]) -> str:
    load = os.getloadavg()
    title = f"# Same work: plain event log, journeyflow vs bare DuckDB vs polars ({date.today().isoformat()})"
    lines = [title,
             "", *machine(), f"- load average at the end: {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f} "
             "(1 / 5 / 15 min; the machine is shared)", "",
             "Each engine runs as its own child process, one after the other (bare DuckDB, polars, then",
             "`journeyflow run --full` with its default memory limit and threads, as a new user would);",
             "wall time, CPU time (user + system) and peak RSS are the child's whole process (GNU time).",
             "The bare engines sessionize (a new session after more than 30 minutes) and count transitions",
             "between consecutive events of a session; journeyflow's edges are the consecutive touchpoints",
             "of each of its sessions (`core.touchpoints.session_id`: its transition tables are per journey",
             "and merge repeated touchpoints, a different count). Generator and queries:",
             "benchmarks/same_work.py.", ""]
    for r in results.values():
        m = r["measured"]
        base = m["duckdb"]
        lines += [
            f"## {r['events']:,} events ({r['persons']:,} persons, {EVENT_NAMES} event names,"
            f" Parquet {r['input_mb']:.0f} MB)",
            "",
            f"- session edges: {r['edges']} edges, {r['transitions']:,} transitions; polars equal to bare "
            f"DuckDB: **{r['polars_equal']}**; journeyflow equal: **{r['journeyflow_equal']}**"
            + ("" if r["journeyflow_equal"] else
               f" (journeyflow only: {r['journeyflow_only']}; bare only: {r['bare_only']})"),
            f"- journeyflow kept {r['touchpoints']:,} of {r['events']:,} events as touchpoints",
            "", "| process | wall s | CPU s | CPU / wall | peak RSS MB | wall / DuckDB | CPU / DuckDB |"
            " RSS / DuckDB |", "|---|---:|---:|---:|---:|---:|---:|---:|",
        ]
        for name, x in m.items():
            lines.append(
                f"| {name} | {x.wall_seconds:.1f} | {x.cpu_seconds:.1f} |"
                f" {x.cpu_seconds / x.wall_seconds:.2f} |"
                f" {x.peak_rss_mb:,.0f} | {x.wall_seconds / base.wall_seconds:.1f}× |"
                f" {x.cpu_seconds / base.cpu_seconds:.1f}× | {x.peak_rss_mb / base.peak_rss_mb:.1f}× |")
        jf, pl_ = m["journeyflow"], m["polars"]
        lines += ["", f"journeyflow / polars: wall {jf.wall_seconds / pl_.wall_seconds:.1f}×,"
                  f" CPU {jf.cpu_seconds / pl_.cpu_seconds:.1f}×,"
                  f" peak RSS {jf.peak_rss_mb / pl_.peak_rss_mb:.1f}×.",
                  ""]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, nargs="+", default=[1_000_000, 10_000_000])
    args = parser.parse_args()
    end = HISTORY_START.timestamp() + HISTORY_DAYS * 86400
    if end > time.time():
        raise SystemExit("the generated history would reach into the future: move HISTORY_START back")
    results = {n: measure(n) for n in args.events}
    path = new_result_path(f"{date.today().isoformat()}-same-work")
    path.write_text(report(results), encoding="utf-8")
    print(path.read_text())


if __name__ == "__main__":
    main()
