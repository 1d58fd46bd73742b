"""CPU seconds of one source's landing and staging steps alone (a full build in a fresh warehouse).

Usage: python -m benchmarks.source_steps INPUT_DIR WORK_DIR [SOURCE]   (SOURCE: default ga4_events)
Prints one JSON line: the CPU seconds (user + system of the whole process, all threads,
`time.process_time`) of `raw.<SOURCE>` and `staging.<SOURCE>`, and the raw and staged row counts.
Run it as a child process per measurement, alternating the code under test by PYTHONPATH (e.g. a
release's `src` and a branch's), so both read the same files on the same machine in one sitting:
the machine is shared, and CPU seconds, not wall seconds, are the figures to compare.
"""

from __future__ import annotations

import json
import shutil
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from journeyflow.config import Settings
from journeyflow.pipeline import STEPS_BY_NAME, open_run

AS_OF = datetime(2026, 12, 1, tzinfo=UTC)


def main() -> None:
    input_dir, work = Path(sys.argv[1]), Path(sys.argv[2])
    name = sys.argv[3] if len(sys.argv) > 3 else "ga4_events"
    shutil.rmtree(work, ignore_errors=True)
    settings = Settings(input_dir=input_dir, warehouse=work / "jf.duckdb")
    result: dict[str, object] = {}
    with open_run(settings, as_of=AS_OF) as ctx:
        for table in (f"raw.{name}", f"staging.{name}"):
            started = time.process_time()
            STEPS_BY_NAME[table].run(ctx)
            result[table] = round(time.process_time() - started, 2)
            count = f"SELECT count(*) FROM {table}"  # noqa: S608 (a registry name)
            result[f"{table} rows"] = ctx.con.execute(count).fetchall()[0][0]
    print(json.dumps(result))


if __name__ == "__main__":
    main()
