"""One atomic publish: a run's warehouse, journey graph and Parquet snapshot appear together or not at all.

Each run writes its files into a release folder of its own, which no reader sees, and publishes it by
switching one symlink (a rename, atomic on POSIX):

    <warehouse folder>/
      releases/<load id>/             one run's journeyflow.duckdb, journey_graph.graphml|json, parquet/
      current -> releases/<load id>   the published release
      previous -> releases/<load id>  the one before, kept for readers that still have it open
      journeyflow.duckdb -> current/journeyflow.duckdb          the paths README and docs/bi.md name,
      journey_graph.graphml -> current/journey_graph.graphml    symlinks through `current`, so the one
      journey_graph.json -> current/journey_graph.json          switch moves all of them at once
      parquet -> current/parquet

A reader of one path sees one release, whole. A reader of several files resolves the folder once
(`Path("warehouse/journeyflow.duckdb").resolve().parent`) and reads them all from there: a switch
in between cannot mix two runs. Older releases are deleted, never the current or the previous one.
A published release is never written again. The working file gets into its release by
`copy_working_file` (flushed to disk, beside the Parquet snapshot being written).
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

RELEASES = "releases"
CURRENT = "current"
PREVIOUS = "previous"
PARQUET = "parquet"
GRAPH_FILES = ("journey_graph.graphml", "journey_graph.json")
# a warehouse published by an earlier release (plain files, no `current`) becomes this release
LEGACY = "legacy"
# what an earlier release left behind when it was killed while publishing
OLD_LEFTOVERS = ("parquet.tmp", "journey_graph.graphml.tmp", "journey_graph.json.tmp")
_LOAD_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,127}")


class ReleaseError(RuntimeError):
    """A release cannot be prepared or published (e.g. it is already published)."""


def user_paths(warehouse: Path) -> list[Path]:
    """The published paths readers know: the warehouse file, the graph files, the Parquet folder."""
    folder = warehouse.parent
    return [warehouse, *(folder / name for name in GRAPH_FILES), folder / PARQUET]


def release_dir(warehouse: Path, load_id: str) -> Path:
    """The folder run `load_id` publishes: every step of a run (a Dagster run's assets too) finds it."""
    if not _LOAD_ID.fullmatch(load_id) or load_id == LEGACY:
        raise ValueError(f"load id {load_id!r} cannot name a release folder "
                         "(letters, digits, '_', '-' and '.', at most 128)")
    return warehouse.parent / RELEASES / load_id


def published(warehouse: Path) -> tuple[str | None, str | None]:
    """The names of the current and the previous release (None: there is none)."""
    return _release_of(warehouse.parent / CURRENT), _release_of(warehouse.parent / PREVIOUS)


def prepare(warehouse: Path, load_id: str) -> Path:
    """The release folder of run `load_id`, created; releases of runs that never published go first.

    Raises ReleaseError when that release is already published: readers may have its files open.
    """
    folder = release_dir(warehouse, load_id)
    if folder.name in published(warehouse):
        raise ReleaseError(f"release {folder} is already published: a new run publishes a new release")
    prune(warehouse, keep=folder.name)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def switch(warehouse: Path, folder: Path) -> None:
    """Publish the finished release `folder`: one atomic rename makes it `current`."""
    base = warehouse.parent
    if folder.parent != base / RELEASES or folder.name in published(warehouse):
        raise ReleaseError(f"{folder} is not an unpublished release of {base}")
    link_user_paths(warehouse)
    make_current(warehouse, folder)


def link_user_paths(warehouse: Path) -> None:
    """Make each user path a symlink through `current`, still showing what it showed.

    A warehouse published by an earlier release (plain files, no `current`) first becomes release
    `legacy`; nothing to do once every path is a symlink.
    """
    _adopt_plain_files(warehouse)
    for path in user_paths(warehouse):
        _link_through_current(path)


def make_current(warehouse: Path, folder: Path) -> None:
    """The switch itself: `previous` names the current release, then `current` is renamed to `folder`.

    The release's files are flushed to disk first, so not even a power cut publishes half of one.
    """
    base = warehouse.parent
    current, _ = published(warehouse)
    if current is not None:  # first: the release readers may still be in is never left unnamed (and pruned)
        _replace_with_symlink(base / PREVIOUS, Path(RELEASES, current))
    _fsync_tree(folder)
    _replace_with_symlink(base / CURRENT, Path(RELEASES, folder.name))
    _fsync(base)


def prune(warehouse: Path, keep: str | None = None) -> list[str]:
    """Delete every release but the current, the previous and `keep`, and temporary leftovers.

    Best effort (a folder that cannot be deleted now is tried again at the next publish): by the
    time this runs after a switch, the run has published. Returns the names deleted.
    """
    base = warehouse.parent
    kept = {*published(warehouse), keep}
    deleted = []
    releases = base / RELEASES
    for entry in sorted(releases.iterdir()) if releases.is_dir() else []:
        if entry.name not in kept:
            _remove(entry)
            deleted.append(entry.name)
    for name in (warehouse.name, *GRAPH_FILES, PARQUET, CURRENT, PREVIOUS):
        _remove(base / f".{name}.tmp")
    for name in (f".{PARQUET}.old", f"{warehouse.name}.tmp", *OLD_LEFTOVERS):
        _remove(base / name)
    return deleted


def _release_of(link: Path) -> str | None:
    """The release a `current`/`previous` symlink names (None: no such symlink)."""
    if not link.is_symlink():
        return None
    target = Path(os.readlink(link))
    return target.name if target.parent == Path(RELEASES) else None


def _adopt_plain_files(warehouse: Path) -> None:
    """A warehouse published by an earlier release, plain files, becomes release `legacy`.

    Hard links, so nothing is copied and an open reader keeps its file; `current` then points to
    it, and `_link_through_current` can swap each plain path for a symlink to the same bytes.
    """
    base = warehouse.parent
    for link in (base / CURRENT, base / PREVIOUS):
        if link.exists() and not link.is_symlink():  # copied with `cp -r`: a folder, not a pointer
            _remove(link)
    if (base / CURRENT).is_symlink() or warehouse.is_symlink() or not warehouse.is_file():
        return
    legacy = base / RELEASES / LEGACY
    _remove(legacy)  # a conversion killed halfway; nothing points to it yet
    legacy.mkdir(parents=True)
    for path in user_paths(warehouse):
        if path.is_symlink() or not path.exists():
            continue
        if path.is_dir():
            (legacy / path.name).mkdir()
            for file in path.glob("*.parquet"):
                _link_or_copy(file, legacy / path.name / file.name)
        else:
            _link_or_copy(path, legacy / path.name)
    _replace_with_symlink(base / CURRENT, Path(RELEASES, LEGACY))


def _link_through_current(path: Path) -> None:
    """Make `path` the symlink `current/<name>` (nothing to do when it is one already)."""
    target = Path(CURRENT, path.name)
    if path.is_symlink() and Path(os.readlink(path)) == target:
        return
    if path.is_dir() and not path.is_symlink():
        # a plain Parquet folder (earlier release): no rename puts a symlink over a folder, so the
        # folder moves aside and the symlink takes its place right after (once, at the upgrade)
        aside = path.with_name(f".{path.name}.old")
        _remove(aside)
        tmp = path.with_name(f".{path.name}.tmp")
        tmp.unlink(missing_ok=True)
        tmp.symlink_to(target)
        path.rename(aside)
        os.replace(tmp, path)
        _remove(aside)
        return
    _replace_with_symlink(path, target)


def _replace_with_symlink(path: Path, target: Path) -> None:
    """Point `path` at `target` atomically: a new symlink renamed over the old symlink or file."""
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.unlink(missing_ok=True)
    tmp.symlink_to(target)
    os.replace(tmp, path)


def _link_or_copy(source: Path, target: Path) -> None:
    try:
        os.link(source, target)
    except OSError:  # a file system without hard links
        shutil.copy2(source, target)


def _remove(path: Path) -> None:
    """Delete a file, symlink or folder if it is there; what cannot be deleted now stays."""
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    elif path.is_symlink() or path.exists():
        with contextlib.suppress(OSError):
            path.unlink()


def _fsync_tree(folder: Path) -> None:
    """Flush every file and folder of a release to disk (the working file's copy already is)."""
    for path in folder.rglob("*"):
        _fsync(path)
    _fsync(folder)


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def copy_working_file(work_file: Path, target: Path, while_copying: Callable[[], object]) -> None:
    """Copy the finished working file into the run's release folder, flushed to disk.

    The release is not published yet (journeyflow.release switches it in whole), so the copy is
    the only one the release needs: nothing is renamed afterwards. The raw layer is not in the
    working file (see `connect`), so it is never published. `while_copying` runs during the copy,
    which mostly waits on the disk (the Parquet snapshot, which mostly keeps DuckDB's threads busy:
    55 s one after the other at 10M events, 28 s side by side); nothing may write to the working
    file meanwhile. Should both fail, the error of `while_copying` is the one raised; a failed copy
    leaves no partial file.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        with ThreadPoolExecutor(max_workers=1) as pool:  # leaving the block waits for the copy
            copied = pool.submit(_copy_synced, work_file, target)
            while_copying()
            copied.result()  # the copy's error, if it failed
    except BaseException:
        target.unlink(missing_ok=True)
        raise


def _copy_synced(source: Path, target: Path) -> None:
    shutil.copyfile(source, target)
    with open(target, "rb") as handle:
        os.fsync(handle.fileno())
