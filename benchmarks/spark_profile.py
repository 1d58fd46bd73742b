"""Where a Spark pipeline build of a test input spends its time: per step and per Spark statement.

    PYTHONPATH=src:.:tests python -m benchmarks.spark_profile --case units --builds 2 [--conf k=v ...]

Builds the input of `tests/test_units.py` (`units`), the tracker-session cases of
`tests/test_tracker_sessions.py` (`tracker`) or the shipped sample (`sample`) with `engine: spark`,
`--builds` times in one process (the first in a new JVM, the next on a warm one). For each build it
prints wall seconds and CPU seconds (this process, DuckDB's threads included, plus the JVM and every
other child: read from /proc while they run, since the JVM outlives the build), per step, and the
slowest Spark statements. CPU is the number to compare on a shared machine.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

TICK = os.sysconf("SC_CLK_TCK")


def _tree_cpu() -> float:
    """CPU seconds (user + system) of this process and every live descendant (the JVM)."""
    parents: dict[int, int] = {}
    cpu: dict[int, float] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents[int(entry)] = int(fields[1])
        cpu[int(entry)] = (int(fields[11]) + int(fields[12])) / TICK
    mine, frontier = {os.getpid()}, [os.getpid()]
    while frontier:
        pid = frontier.pop()
        for child, parent in parents.items():
            if parent == pid and child not in mine:
                mine.add(child)
                frontier.append(child)
    return sum(cpu.get(pid, 0.0) for pid in mine)


class Clock:
    def __init__(self) -> None:
        self.wall, self.cpu = time.perf_counter(), _tree_cpu()

    def lap(self) -> tuple[float, float]:
        wall, cpu = time.perf_counter(), _tree_cpu()
        lapped = (wall - self.wall, cpu - self.cpu)
        self.wall, self.cpu = wall, cpu
        return lapped


def write_case(case: str, folder: Path) -> tuple[Path, dict]:
    """The input folder and the settings overrides of `case`."""
    if case == "sample":
        from conftest import SAMPLE

        return SAMPLE, {}
    if case == "units":
        from builders import write_ga4
        from test_units import units_log

        write_ga4(folder, units_log())
        return folder, {"min_path_journeys": 1, "units": ["journey", "session", "person"]}
    if case == "tracker":
        from builders import write_lines
        from test_tracker_sessions import SNOWPLOW_RULES, _sp_referred, write_divergence_cases

        write_divergence_cases(folder)
        write_lines(folder / "snowplow" / "enriched-2026-06-02.tsv", [
            _sp_referred(0, "r0", refr_urlhost="www.google.com", refr_medium="search", refr_source="Google"),
            _sp_referred(2, "r2", refr_urlhost="mail.yahoo.com", refr_medium="email")])
        return folder, dict(SNOWPLOW_RULES)
    raise SystemExit(f"unknown case {case}")


def instrument(statements: list[tuple[str, str, float, float]]) -> None:
    """Time every SparkEngine call (the call, the table)."""
    from journeyflow.engines import spark as spark_module

    engine = spark_module.SparkEngine
    for method in ("create_table", "create_view", "fetch_arrow", "register", "_import_from_warehouse"):
        original = getattr(engine, method)

        def timed(self, *args, _original=original, _method=method, **kwargs):
            clock = Clock()
            try:
                return _original(self, *args, **kwargs)
            finally:
                wall, cpu = clock.lap()
                what = args[0] if args and isinstance(args[0], str) and len(args[0]) < 80 else "(query)"
                statements.append((_method, what, wall, cpu))

        setattr(engine, method, timed)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--case", choices=("units", "tracker", "sample"), nargs="+", default=["units"],
                        help="one or more inputs, built in this order in one process (one JVM)")
    parser.add_argument("--builds", type=int, default=1)
    parser.add_argument("--conf", action="append", default=[], help="a spark_conf key=value")
    parser.add_argument("--top", type=int, default=15)
    parser.add_argument("--rejected-rows", type=int, default=0, metavar="N",
                        help="after the builds, time quality.rejected_rows alone N times per variant "
                             "(this SQL, the SQL before commit 71980b6, no masking), alternated")
    args = parser.parse_args()

    from conftest import SAMPLE_AS_OF, settings_for
    from journeyflow.pipeline import run_pipeline

    conf = dict(item.split("=", 1) for item in args.conf)
    statements: list[tuple[str, str, float, float]] = []
    instrument(statements)
    with tempfile.TemporaryDirectory(prefix="spark_profile_") as tmp:
        for number, case in enumerate([c for c in args.case for _ in range(args.builds)]):
            out = Path(tmp) / f"build_{number}"
            folder, overrides = write_case(case, out / "input")
            settings = settings_for(folder, out, engine="spark", spark_conf=conf, **overrides)
            steps: list[tuple[str, float, float]] = []
            statements.clear()
            build = Clock()
            step_clock = Clock()

            def on_step(step, _metadata, _steps=steps, _clock=step_clock) -> None:
                wall, cpu = _clock.lap()
                _steps.append((step.name, wall, cpu))

            run_pipeline(settings, on_step=on_step, as_of=SAMPLE_AS_OF)
            wall, cpu = build.lap()
            print(f"\n== build {number + 1}, {case}: wall {wall:.1f} s, CPU {cpu:.1f} s "
                  f"(conf {conf or 'default'})")
            by_layer: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0, 0])
            for name, step_wall, step_cpu in steps:
                layer = by_layer[name.split(".")[0]]
                layer[0] += step_wall
                layer[1] += step_cpu
                layer[2] += 1
            for layer, (layer_wall, layer_cpu, count) in sorted(by_layer.items(), key=lambda kv: -kv[1][1]):
                print(f"  layer {layer:10s} {count:3d} steps  wall {layer_wall:7.1f}  CPU {layer_cpu:7.1f}")
            print("  slowest steps (CPU):")
            for name, step_wall, step_cpu in sorted(steps, key=lambda s: -s[2])[:args.top]:
                print(f"    {name:40s} wall {step_wall:6.1f}  CPU {step_cpu:6.1f}")
            kinds: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0, 0])
            for method, _, st_wall, st_cpu in statements:
                kinds[method][0] += st_wall
                kinds[method][1] += st_cpu
                kinds[method][2] += 1
            print("  Spark calls:", ", ".join(f"{m} {n} ({c:.1f} CPU s, {w:.1f} s)"
                                              for m, (w, c, n) in kinds.items()))
            print("  slowest Spark calls (CPU):")
            for method, what, st_wall, st_cpu in sorted(statements, key=lambda s: -s[3])[:args.top]:
                print(f"    {method:22s} {what:40s} wall {st_wall:6.1f}  CPU {st_cpu:6.1f}")
            sys.stdout.flush()
        if args.rejected_rows:
            time_rejected_rows(settings, args.rejected_rows)


def rejected_rows_variants() -> dict[str, str]:
    """quality.rejected_rows as it is, as it was before the longer redactions, and without masking."""
    import re
    import subprocess

    from journeyflow.sql_templates import SQL_DIR, expand_sql, sql_text

    old = subprocess.run(["git", "show", "71980b6^:sql/quality/rejected_rows.sql"], cwd=SQL_DIR,
                         capture_output=True, text=True, check=True).stdout
    now = (SQL_DIR / "quality" / "rejected_rows.sql").read_text()
    unmasked = re.sub(r"masked_members as \(.*?\n\)\n\nselect",
                      "masked as (select * from all_rejects)\n\nselect", now, flags=re.S)
    assert unmasked != now
    return {"now": sql_text("quality.rejected_rows"), "before 71980b6": expand_sql(old),
            "no masking": expand_sql(unmasked)}


def time_rejected_rows(settings, repeats: int) -> None:
    from journeyflow.pipeline import open_run

    variants = rejected_rows_variants()
    with open_run(settings) as ctx:
        for query in variants.values():  # imports the tables it reads; compiles once
            ctx.engine.create_table("quality.rejected_rows_probe", query, ctx.params, temp=True)
        times: dict[str, list[tuple[float, float]]] = defaultdict(list)
        for _ in range(repeats):
            for name, query in variants.items():
                clock = Clock()
                ctx.engine.create_table("quality.rejected_rows_probe", query, ctx.params, temp=True)
                times[name].append(clock.lap())
    for name, laps in times.items():
        print(f"  quality.rejected_rows {name:16s} wall " + " ".join(f"{w:5.1f}" for w, _ in laps)
              + "  CPU " + " ".join(f"{c:5.1f}" for _, c in laps))


if __name__ == "__main__":
    main()
