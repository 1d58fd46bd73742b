"""`make bench-incremental`: one nightly incremental day against a full rebuild of a year.

A year of generated history (the same data set `make bench` uses) is built in full up to its
second-to-last day; then the last day is run incrementally (its file plus the lookback days'),
and both runs' per-step seconds are recorded in benchmarks/results/<date>-incremental.md.
Target (issue #7): the incremental day costs at most 5% of the full rebuild. Never asserted on.
Usage: python -m benchmarks.incremental [--events 1000000] [--memory-limit 3GB]
"""

from __future__ import annotations

import argparse
import shutil
import time
from datetime import date, timedelta
from pathlib import Path

from benchmarks.bench import DATA, HISTORY_START, dataset, machine, new_result_path
from journeyflow.config import Settings
from journeyflow.pipeline import Step, run_pipeline
from journeyflow.run_context import Metadata
from journeyflow.scope import LoadScope

LAST_DAY = HISTORY_START + timedelta(days=364)  # the generated year's last day


def timed_run(settings: Settings, incremental: bool, scope: LoadScope) -> tuple[float, list[tuple]]:
    """Seconds for the whole run and (step, seconds, metadata) per step."""
    steps: list[tuple] = []
    last = time.perf_counter()

    def on_step(step: Step, metadata: Metadata) -> None:
        nonlocal last
        now = time.perf_counter()
        steps.append((step.name, now - last, metadata))
        last = now

    started = last = time.perf_counter()
    run_pipeline(settings, on_step=on_step, incremental=incremental, scope=scope)
    return time.perf_counter() - started, steps


def report(events: int, folder: Path, full: tuple, nightly: tuple, memory_limit: str | None) -> str:
    (full_s, full_steps), (inc_s, inc_steps) = full, nightly
    inc = {name: (seconds, meta) for name, seconds, meta in inc_steps}
    files = sum(int(m.get("files", 0)) for n, (_, m) in inc.items() if n.startswith("raw."))
    persons = inc["core.touchpoints"][1].get("persons_recomputed", "all")
    lines = [
        f"# Incremental benchmark {date.today().isoformat()}", "", *machine(),
        f"- DuckDB memory limit: {memory_limit or 'default'}",
        f"- data: {folder.name} ({(folder / '.complete').read_text().strip()}), "
        f"{HISTORY_START} .. {LAST_DAY}",
        "", "Full rebuild of every file up to the day before the last; then the nightly run of the "
        "last day (lookback 3 days), incremental. Seconds per step, in one process (the Great "
        "Expectations import is paid before timing).", "",
        f"- full rebuild: {full_s:.1f} s",
        f"- incremental day: {inc_s:.1f} s ({files} file(s) read, {persons} persons recomputed)",
        f"- **incremental / full: {inc_s / full_s:.1%}** (target: at most 5%)", "",
        "| step | full s | incremental s |", "|---|---:|---:|",
    ]
    lines += [f"| {name} | {seconds:.2f} | {inc.get(name, (0.0, {}))[0]:.2f} |"
              for name, seconds, _ in full_steps]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--memory-limit", default="3GB")
    args = parser.parse_args()
    folder = dataset(args.events)
    work = DATA / f"incremental_{args.events}"
    shutil.rmtree(work, ignore_errors=True)
    settings = Settings(input_dir=folder, warehouse=work / "jf.duckdb",
                        duckdb_memory_limit=args.memory_limit)
    import great_expectations  # noqa: F401  (its import is not the pipeline's cost)

    full = timed_run(settings, False, LoadScope(last_day=LAST_DAY - timedelta(days=1)))
    nightly = timed_run(settings, True, settings.day_scope(LAST_DAY))
    path = new_result_path(f"{date.today().isoformat()}-incremental")
    path.write_text(report(args.events, folder, full, nightly, args.memory_limit), encoding="utf-8")
    print(path.read_text())


if __name__ == "__main__":
    main()
