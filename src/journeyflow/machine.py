"""What the machine (or container) gives a run: usable cores and memory, and the DuckDB defaults made
from them, so that a run on a shared box neither idles a core nor takes all the memory."""

from __future__ import annotations

import math
import os
from pathlib import Path

# DuckDB's own guidance is 1-4 GB of memory per thread for joins and aggregations; the pipeline's
# window sorts and joins ran at 10M events in 3 GB on two threads (docs/performance.md), so each
# thread gets this much, and never more than MEMORY_SHARE of what the machine has.
MEMORY_PER_THREAD = 1.5 * 2**30
MEMORY_SHARE = 0.5

CGROUP = Path("/sys/fs/cgroup")


def usable_cores(cgroup: Path = CGROUP) -> int:
    """Cores this process may run on: its CPU affinity, lowered by a cgroup CPU quota (a container's
    `--cpus`), at least 1."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    quota = _cpu_quota(cgroup)
    if quota is not None:
        cores = min(cores, math.ceil(quota))
    return max(1, cores)


def _cpu_quota(cgroup: Path) -> float | None:
    """The cgroup's CPU quota in cores (v2 `cpu.max`, v1 `cpu.cfs_quota_us`), None when unlimited."""
    try:
        quota, period = (cgroup / "cpu.max").read_text().split()[:2]
        return None if quota == "max" else int(quota) / int(period)
    except (OSError, ValueError):
        pass
    try:
        quota_us = int((cgroup / "cpu" / "cpu.cfs_quota_us").read_text())
        period_us = int((cgroup / "cpu" / "cpu.cfs_period_us").read_text())
        return quota_us / period_us if quota_us > 0 and period_us > 0 else None
    except (OSError, ValueError):
        return None


def usable_memory(cgroup: Path = CGROUP) -> int:
    """Bytes of memory this process may use: physical memory, lowered by a cgroup memory limit (a
    container's `--memory`; v2 `memory.max`, v1 `memory.limit_in_bytes`)."""
    physical = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    for limit_file in (cgroup / "memory.max", cgroup / "memory" / "memory.limit_in_bytes"):
        try:
            text = limit_file.read_text().strip()
        except OSError:
            continue
        if text.isdigit():  # "max" (v2) is no limit; v1 writes a huge number instead
            return min(physical, int(text))
    return physical


def default_threads() -> int:
    """DuckDB threads when `duckdb_threads` is not set: every usable core."""
    return usable_cores()


def default_memory_limit(threads: int, memory: int | None = None) -> str:
    """DuckDB memory_limit when `duckdb_memory_limit` is not set: MEMORY_PER_THREAD per thread, at
    most MEMORY_SHARE of the usable memory; in MiB, the form DuckDB and the settings check take."""
    memory = usable_memory() if memory is None else memory
    limit = min(threads * MEMORY_PER_THREAD, MEMORY_SHARE * memory)
    return f"{max(1, int(limit // 2**20))}MiB"
