"""One measured pipeline run (a child process of bench.py, so its peak memory is its own).

Usage: python -m benchmarks.stage_run INPUT_DIR WAREHOUSE OUT_JSON [MEMORY_LIMIT] [ENGINE]
Writes per-stage seconds and peak RSS, plus the bare-DuckDB reference query's time. With ENGINE spark
the SQL steps run on Spark in local mode (local[2]); the RSS is then this Python process's only (the
JVM's is not counted).
"""

from __future__ import annotations

import contextlib
import json
import sys
import time
from pathlib import Path

from journeyflow.config import Settings
from journeyflow.connection import connect
from journeyflow.pipeline import Step, run_pipeline

# Spark local mode for the benchmark: the driver is the executor, give it room
SPARK_CONF = {"spark.driver.memory": "6g", "spark.sql.shuffle.partitions": "8"}

# The reference: what a hand-written query does for sessionization + transition counting, in one go,
# over the same staged events and the same person ids.
REFERENCE_SQL = """
with events as (
    select e.event_id, e.event_name, e.occurred_at, m.person_id
    from staging.events as e
    join core.identity_map as m
        on m.identifier = coalesce('user:' || e.user_id, 'email:' || e.email_hash, e.crm_contact_id,
                                   e.support_user_id, 'anon:' || e.anonymous_id)
),
sequenced as (
    select
        person_id, event_name, occurred_at,
        lag(occurred_at) over w as previous_at,
        lead(event_name) over w as next_event
    from events
    window w as (partition by person_id order by occurred_at, event_id)
),
sessions as (
    select *,
        sum(case when previous_at is null or epoch(occurred_at) - epoch(previous_at) > 1800
            then 1 else 0 end)
            over (partition by person_id order by occurred_at rows unbounded preceding) as session
    from sequenced
)
select event_name, coalesce(next_event, 'EXIT') as next_event, count(*) as transitions,
       count(distinct person_id) as persons, count(distinct person_id || ':' || session) as sessions
from sessions
group by all
"""


def peak_rss_mb_and_reset() -> float:
    """VmHWM (peak resident memory) since the last reset; then reset it for the next stage."""
    status = Path("/proc/self/status").read_text()
    peak_kb = int(next(line for line in status.splitlines() if line.startswith("VmHWM")).split()[1])
    with contextlib.suppress(OSError):  # not permitted: later stages report the running peak
        Path("/proc/self/clear_refs").write_text("5")
    return peak_kb / 1024


def main() -> None:
    input_dir, warehouse, out = Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3])
    memory_limit = sys.argv[4] if len(sys.argv) > 4 and sys.argv[4] else None
    engine = sys.argv[5] if len(sys.argv) > 5 else "duckdb"
    settings = Settings(input_dir=input_dir, warehouse=warehouse, duckdb_memory_limit=memory_limit,
                        duckdb_temp_directory=str(warehouse.parent / "duckdb_tmp"), engine=engine,
                        spark_conf=SPARK_CONF if engine == "spark" else {})
    stages: list[dict] = []
    clock = [time.perf_counter()]
    peak_rss_mb_and_reset()

    def on_step(step: Step, metadata: dict) -> None:
        now = time.perf_counter()
        stages.append({"stage": step.name, "seconds": now - clock[0], "peak_rss_mb": peak_rss_mb_and_reset(),
                       "rows": metadata.get("rows"), "checks_seconds": metadata.get("checks_seconds", 0.0)})
        clock[0] = now

    started = time.perf_counter()
    run_pipeline(settings, on_step=on_step)
    total = time.perf_counter() - started

    con = connect(settings.work_file, read_only=True)
    events = con.execute("SELECT count(*) FROM staging.events").fetchall()[0][0]
    if memory_limit:
        con.execute("SET memory_limit = ?", [memory_limit])
    peak_rss_mb_and_reset()
    started = time.perf_counter()
    reference_rows = len(con.execute(REFERENCE_SQL).fetchall())
    reference = time.perf_counter() - started
    reference_rss = peak_rss_mb_and_reset()
    con.close()
    out.write_text(json.dumps({
        "events": events, "engine": engine, "total_seconds": total, "stages": stages,
        "reference_seconds": reference, "reference_rows": reference_rows,
        "reference_peak_rss_mb": reference_rss,
    }, indent=1))


if __name__ == "__main__":
    main()
