"""`make bench`: generate N events, run the pipeline stage by stage, compare with bare DuckDB.

Results go to benchmarks/results/<date>.md (<date>-2.md etc. when that exists; never asserted on:
these machines are shared and noisy).
Usage: python -m benchmarks.bench [--events 1000000 10000000] [--memory-limit 3GB] [--engines duckdb spark]
(the Spark engine in local mode, local[2], beside DuckDB; docs/scaling.md reads these results)
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import duckdb

from journeyflow.generate import generate

ROOT = Path(__file__).resolve().parent
DATA = ROOT / "data"
RESULTS = ROOT / "results"
HISTORY_START = date(2025, 6, 1)
EVENTS_PER_PERSON = 19.8  # staging events per generated person (measured on the sample)
# stages doing the work the reference query does: classify/sessionize and count transitions
COMPARABLE = ("core.touchpoints", "core.sessions", "core.journey_transitions", "marts.transitions_by_scope",
              "marts.transitions")


def generator_stamp() -> str:
    """A digest of the generator's modules (journeyflow/generate/*.py): a data set another generator
    made (one without the sources added since, e.g. the shop, ads, lead forms and Mailchimp of
    issue #26) is not reused."""
    modules = sorted(Path(generate.__code__.co_filename).parent.glob("*.py"))
    return hashlib.sha256(b"".join(m.name.encode() + m.read_bytes() for m in modules)).hexdigest()[:12]


def dataset(events: int) -> Path:
    """Generated exports for about `events` events, made once per generator and reused."""
    folder = DATA / f"events_{events}"
    done = folder / ".complete"
    stamp = f"generator {generator_stamp()}"
    if not done.exists() or stamp not in done.read_text():
        shutil.rmtree(folder, ignore_errors=True)
        persons = max(1, round(events / EVENTS_PER_PERSON))
        started = time.perf_counter()
        # a year of history that ends before today (events in the future are rejected)
        generate(folder, persons=persons, seed=7, start=HISTORY_START, days=365)
        done.write_text(f"{persons} persons, generated in {time.perf_counter() - started:.1f} s, {stamp}\n")
    return folder


def measure(events: int, memory_limit: str | None, engine: str = "duckdb") -> dict:
    folder = dataset(events)
    work = DATA / (f"warehouse_{events}" if engine == "duckdb" else f"warehouse_{events}_{engine}")
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    out = work / "result.json"
    command = [sys.executable, "-m", "benchmarks.stage_run", str(folder), str(work / "jf.duckdb"), str(out),
               memory_limit or "", engine]
    subprocess.run(command, check=True, cwd=ROOT.parent)
    result = json.loads(out.read_text())
    result["generated"] = (folder / ".complete").read_text().strip()
    result["input_mb"] = sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) / 2**20
    return result


def new_result_path(stem: str) -> Path:
    """benchmarks/results/<stem>.md, or <stem>-2.md, -3.md, ... : a later run never overwrites one."""
    RESULTS.mkdir(exist_ok=True)
    path, n = RESULTS / f"{stem}.md", 1
    while path.exists():
        n += 1
        path = RESULTS / f"{stem}-{n}.md"
    return path


def machine() -> list[str]:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    mem_gb = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return [f"- CPU: {cpu}, {os.cpu_count()} cores; memory {mem_gb:.0f} GiB",
            f"- Python {platform.python_version()}, DuckDB {duckdb.__version__}, {platform.platform()}"]


def engines_table(results: dict[str, dict[int, dict]]) -> list[str]:
    """Whole-pipeline seconds per engine (columns) and size (rows)."""
    sizes = sorted({n for by_size in results.values() for n in by_size})
    lines = ["## Engines side by side (whole pipeline, seconds)", "",
             "| events | " + " | ".join(results) + " |", "|---:|" + "---:|" * len(results)]
    for n in sizes:
        cells = [f"{by_size[n]['total_seconds']:.1f}" if n in by_size else "not run"
                 for by_size in results.values()]
        lines.append(f"| {n:,} | " + " | ".join(cells) + " |")
    return [*lines, ""]


def report(results: dict[int, dict], memory_limit: str | None) -> str:
    lines = [f"# Benchmark {date.today().isoformat()}", "", *machine(),
             f"- DuckDB memory limit: {memory_limit or 'default (80% of RAM)'}", "",
             "Times in seconds; peak RSS in MB per stage (the process's own peak while the stage ran).",
             "The reference is one bare DuckDB query over the same staged events and person ids that",
             "sessionizes and counts transitions (benchmarks/stage_run.py, REFERENCE_SQL).", ""]
    for events, r in results.items():
        comparable = sum(s["seconds"] - s["checks_seconds"] for s in r["stages"] if s["stage"] in COMPARABLE)
        peak = max(s["peak_rss_mb"] for s in r["stages"])
        lines += [
            f"## {r['events']:,} events (target {events:,}; {r['generated']}; input {r['input_mb']:.0f} MB)",
            "",
            f"- whole pipeline: {r['total_seconds']:.1f} s, {r['events'] / r['total_seconds']:,.0f} events/s,"
            f" peak RSS {peak:,.0f} MB",
            f"- reference query: {r['reference_seconds']:.2f} s"
            f" (peak RSS {r['reference_peak_rss_mb']:,.0f} MB)",
            f"- comparable stages ({', '.join(COMPARABLE)}): {comparable:.2f} s,"
            f" ratio pipeline/reference {comparable / r['reference_seconds']:.2f}",
            f"- whole pipeline / reference: {r['total_seconds'] / r['reference_seconds']:.1f}",
            f"- of which quality checks (GX): {sum(s['checks_seconds'] for s in r['stages']):.1f} s",
            "", "| stage | seconds | of which checks | share | peak RSS MB | rows |",
            "|---|---:|---:|---:|---:|---:|",
        ]
        lines += [
            f"| {s['stage']} | {s['seconds']:.2f} | {s['checks_seconds']:.2f} |"
            f" {s['seconds'] / r['total_seconds']:.0%} |"
            f" {s['peak_rss_mb']:,.0f} | {s['rows'] if s['rows'] is not None else ''} |"
            for s in r["stages"]
        ]
        lines.append("")
    if len(results) > 1:
        (small, a), (large, b) = list(results.items())[0], list(results.items())[-1]
        growth = b["total_seconds"] / a["total_seconds"]
        lines.append(f"Scaling {small:,} → {large:,} events: {growth:.1f}× time"
                     f" for {b['events'] / a['events']:.1f}× events.")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, nargs="+", default=[1_000_000, 10_000_000])
    parser.add_argument("--memory-limit", default="3GB", help="DuckDB memory_limit for the run")
    parser.add_argument("--engines", nargs="+", default=["duckdb", "spark"], choices=["duckdb", "spark"],
                        help="spark: local mode, local[2] (needs pyspark and Java 17)")
    args = parser.parse_args()
    results = {engine: {n: measure(n, args.memory_limit, engine) for n in args.events}
               for engine in args.engines}
    suffix = "" if set(args.engines) == {"duckdb", "spark"} else "-" + "-".join(args.engines)
    path = new_result_path(f"{date.today().isoformat()}{suffix}")
    text = "\n".join(engines_table(results)) + "\n"
    for engine, by_size in results.items():
        text += "\n" + report(by_size, args.memory_limit).replace("# Benchmark", f"# Benchmark ({engine})", 1)
    path.write_text(text, encoding="utf-8")
    print(path.read_text())


if __name__ == "__main__":
    main()
