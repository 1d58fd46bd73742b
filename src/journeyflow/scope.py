"""Which export files a run reads, by the day in their file names (daily partitions)."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class LoadScope:
    """Which export files a run looks at, by the day in their name (`events_20260601.ndjson`).

    Files dated after `last_day` are not loaded (a run for a past day must not see later days);
    an incremental run does not look at files dated before `first_day` (what was loaded stays).
    Files without a date in their name (CRM and support snapshots) are always in scope.
    """

    first_day: dt.date | None = None
    last_day: dt.date | None = None

    def includes(self, path: Path | str, incremental: bool) -> bool:
        day = file_day(path)
        if day is None:
            return True
        if self.last_day is not None and day > self.last_day:
            return False
        return not (incremental and self.first_day is not None and day < self.first_day)


ALL_FILES = LoadScope()

_FILE_DAY = re.compile(r"(?<![0-9])(20[0-9]{2})-?([01][0-9])-?([0-3][0-9])(?![0-9])")


def file_day(path: Path | str) -> dt.date | None:
    """The day in an export's file name (YYYYMMDD or YYYY-MM-DD), if it has one."""
    match = _FILE_DAY.search(Path(path).name)
    if not match:
        return None
    try:
        return dt.date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        return None
