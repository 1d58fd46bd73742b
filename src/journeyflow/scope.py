"""Which export files a run reads, by the day of each file (daily partitions).

The day comes from the file's name (`events_20260601.ndjson`), else from the nearest folder
between the source's folder and the file that carries one: exports written by cloud loaders sit in
day folders (`segment-logs/<source>/1780272000000/…`, `run=2026-06-01-00-00-00/part-00000.gz`,
`2026/06/01/…`, `events_20260601/000000000000.json.gz`, `dt=2026-06-01/…`).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path, PurePath


@dataclass(frozen=True)
class LoadScope:
    """Which export files a run looks at, by the day of the file (`file_day`).

    Files dated after `last_day` are not loaded (a run for a past day must not see later days);
    an incremental run does not look at files dated before `first_day` (what was loaded stays).
    Files without a day (CRM and support snapshots) are always in scope.
    """

    first_day: dt.date | None = None
    last_day: dt.date | None = None

    def includes(self, path: Path | str, incremental: bool, root: Path | str | None = None) -> bool:
        """`root`: the source's folder, so day folders between it and the file count too."""
        day = file_day(path, root)
        if day is None:
            return True
        if self.last_day is not None and day > self.last_day:
            return False
        return not (incremental and self.first_day is not None and day < self.first_day)


ALL_FILES = LoadScope()

# YYYYMMDD or YYYY-MM-DD anywhere in a name, not inside a longer number: `events_20260601`,
# `tickets-2026-06-05`, `run=2026-06-01-00-00-00` (Snowplow), `dt=2026-06-01` (Hive style)
_FILE_DAY = re.compile(r"(?<![0-9])(20[0-9]{2})-?([01][0-9])-?([0-3][0-9])(?![0-9])")
# Segment's S3/GCS destination: the received day as epoch milliseconds of its UTC midnight
_EPOCH_MS = re.compile(r"[0-9]{13}")
_MS_PER_DAY = 86_400_000
# `YYYY/MM/DD` as three folders (Snowplow's S3 loader `partitionFormat`, date-split archives)
_YEAR, _MONTH, _DAY = re.compile("20[0-9]{2}"), re.compile("[01][0-9]"), re.compile("[0-3][0-9]")


def file_day(path: Path | str, root: Path | str | None = None) -> dt.date | None:
    """The day of an export: the one in its file name (YYYYMMDD or YYYY-MM-DD), else (with the
    source's folder as `root`) the one of the nearest enclosing folder inside `root` that has one.

    Without `root`, or for a path outside it, only the name counts.
    """
    path = PurePath(path)
    day = _day_in(path.name)
    if day is not None or root is None:
        return day
    try:
        folders = path.parent.relative_to(root).parts
    except ValueError:
        return None
    for depth in range(len(folders) - 1, -1, -1):  # nearest folder first
        day = _folder_day(folders[: depth + 1])
        if day is not None:
            return day
    return None


def _folder_day(folders: tuple[str, ...]) -> dt.date | None:
    """The day the last of these folders stands for, if any."""
    name = folders[-1]
    if _EPOCH_MS.fullmatch(name):
        ms = int(name)
        if ms % _MS_PER_DAY:
            return None  # a timestamp, not a day folder
        return (dt.datetime(1970, 1, 1) + dt.timedelta(milliseconds=ms)).date()
    if (len(folders) >= 3 and _DAY.fullmatch(name) and _MONTH.fullmatch(folders[-2])
            and _YEAR.fullmatch(folders[-3])):
        return _date(folders[-3], folders[-2], name)
    return _day_in(name)


def _day_in(name: str) -> dt.date | None:
    match = _FILE_DAY.search(name)
    return _date(match[1], match[2], match[3]) if match else None


def _date(year: str, month: str, day: str) -> dt.date | None:
    try:
        return dt.date(int(year), int(month), int(day))
    except ValueError:
        return None
