from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest

sys.path.insert(0, str(Path(__file__).parent))
# pytest-xdist's workers inherit COLUMNS=80 from execnet, and rich fixes a console's width from
# COLUMNS when the console is made (journeyflow.cli's, at import): the tests that give the CLI
# `env={"COLUMNS": ...}` or rely on the default width would see 80 under `make test` alone
os.environ.pop("COLUMNS", None)

from journeyflow.config import Settings  # noqa: E402
from journeyflow.connection import connect  # noqa: E402
from journeyflow.pipeline import STEPS, open_run, run_pipeline  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "data" / "sample"
# The as_of of the session's builds of the sample (DuckDB and Spark): the same "now" for both
SAMPLE_AS_OF = datetime.now(UTC)
# Every test that starts Spark carries it: `pytest -m "not spark"` (a quick local run) leaves them out
SPARK = pytest.mark.spark


# -- scheduling: one worker, one SparkSession for every Spark test; the longest files first -------
# A Spark pipeline build of even a 7-event log takes minutes of CPU, nearly half of it the JVM
# warming up (start, JIT, Catalyst's generated code) on the ~120 statements of a run: 317 s of CPU
# for tests/test_units.py's build in a new JVM, 170 s for the same build again in that JVM. Under
# `make test`'s `--dist loadfile` the Spark tests of five modules ran on both workers in up to five
# JVMs, each warming up again and taking the other worker's core. So every test whose node id says
# "spark" (its module, its name or its parameter; a `spark`-marked test must say it: checked below)
# is one work unit, sent first (it is the longest): one worker runs them all in one SparkSession,
# later builds on a warm JVM, while the other worker runs the rest.
SPARK_UNIT = "spark tests (one SparkSession)"
# The other units go longest first (xdist's own order is by number of tests, which sent the
# few-test, minute-long files last and left one worker running them alone at the end): each file's
# seconds in a whole run, written by `pytest --module-seconds tests/module_seconds.json`. A file not
# in it (a new one) goes after those that are, by its number of tests.
MODULE_SECONDS = Path(__file__).with_name("module_seconds.json")


def is_spark_node(nodeid: str) -> bool:
    return "spark" in nodeid.lower()


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--module-seconds", metavar="FILE", type=Path,
                     help="write each test file's seconds (setup, call, teardown) to FILE as JSON")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    unnamed = [item.nodeid for item in items
               if item.get_closest_marker("spark") and not is_spark_node(item.nodeid)]
    if unnamed:
        raise pytest.UsageError(f"a `spark`-marked test's node id must say spark (conftest.py): {unnamed}")


_module_seconds: dict[str, float] = {}


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    """Each file's seconds, summed over its tests' phases (under xdist, from every worker's reports)."""
    module = report.nodeid.split("::")[0]
    _module_seconds[module] = _module_seconds.get(module, 0.0) + report.duration


def pytest_sessionfinish(session: pytest.Session) -> None:
    target = session.config.getoption("module_seconds")
    if target is not None and not hasattr(session.config, "workerinput"):  # the controller writes
        ordered = sorted(_module_seconds.items(), key=lambda item: -item[1])
        target.write_text(json.dumps({module: round(seconds, 1) for module, seconds in ordered}, indent=1)
                          + "\n")


def longest_first(units: dict[str, dict[str, bool]], seconds: dict[str, float]) -> list[str]:
    """The work units in the order they are sent: the Spark unit, then the files with known seconds,
    longest first, then the others by their number of tests (xdist's own order)."""
    return sorted(units, key=lambda scope: (scope != SPARK_UNIT, scope not in seconds,
                                            -seconds.get(scope, 0.0), -len(units[scope])))


@pytest.hookimpl(optionalhook=True)  # pytest-xdist's hook
def pytest_xdist_make_scheduler(config: pytest.Config, log: object) -> object | None:
    """`--dist loadfile`, with every Spark test in one work unit sent first (see SPARK_UNIT), then
    the files longest first (MODULE_SECONDS)."""
    if config.getvalue("dist") != "loadfile":
        return None
    from xdist.scheduler import LoadFileScheduling

    seconds = json.loads(MODULE_SECONDS.read_text()) if MODULE_SECONDS.exists() else {}

    class LongestFirst(LoadFileScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return SPARK_UNIT if is_spark_node(nodeid) else super()._split_scope(nodeid)

        def _assign_work_unit(self, node: object) -> None:
            for scope in longest_first(self.workqueue, seconds):
                self.workqueue.move_to_end(scope)
            super()._assign_work_unit(node)

    return LongestFirst(config, log)


def settings_for(input_dir: Path, out: Path, **overrides: object) -> Settings:
    """Settings for a test run; an override of None is a value (e.g. no session cap)."""
    return replace(Settings(input_dir=input_dir, warehouse=out / "warehouse" / "jf.duckdb"), **overrides)


@pytest.fixture(scope="session")
def sample_run(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """The whole pipeline on the shipped sample with the default settings, run once per test session.

    test_end_to_end, test_incremental and test_spark_parity (its DuckDB side) all need exactly this
    build (~30 s); they only read it. A test that runs the pipeline again copies it first.
    """
    settings = settings_for(SAMPLE, tmp_path_factory.mktemp("sample"))
    run_pipeline(settings, as_of=SAMPLE_AS_OF)
    return settings


@pytest.fixture(scope="session")
def spark_sample_run(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """The whole pipeline on the shipped sample on the Spark engine (local[2]), once per test session
    (the suite's longest setup): every Spark test reads this one build (under `make test` every
    Spark test runs on one worker: SPARK_UNIT). Skipped without pyspark or Java 17+."""
    pytest.importorskip(
        "pyspark", reason="no pyspark: the Spark engine is the `spark` extra (make test EXTRAS=dev,spark)"
    )
    if shutil.which("java") is None or subprocess.run(["java", "-version"], capture_output=True).returncode:
        pytest.skip("the Spark engine needs Java 17+")
    settings = settings_for(SAMPLE, tmp_path_factory.mktemp("spark_sample"), engine="spark")
    run_pipeline(settings, as_of=SAMPLE_AS_OF)
    return settings


@pytest.fixture(scope="session")
def generated(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, int]]:
    """`generate` with the shipped sample's arguments (200 persons, seed 42), written once per test
    session: the four test_generate* modules only read it. (folder, rows written per file kind)."""
    from journeyflow.generate import generate

    out = tmp_path_factory.mktemp("generated")
    return out, generate(out, persons=200, seed=42)


@pytest.fixture(scope="session")
def generated_clean(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The same without the deliberate defect rows, written once per test session."""
    from journeyflow.generate import generate

    out = tmp_path_factory.mktemp("generated_clean")
    generate(out, persons=200, seed=42, defects=False)
    return out


def copy_build(built: Settings, out: Path, input_copy: Path | None = None) -> Settings:
    """`built`'s warehouse folder copied into `out/warehouse` (and its input folder into `input_copy`,
    when given; otherwise the copy reads the shared input, which the test must not change), as if
    built there, with `built`'s other settings.

    The published paths and `current` are relative symlinks (current/jf.duckdb, releases/<load id>),
    so copied as symlinks they point into the copy; copytree keeps the modification times the file
    ledger compares, and the ledger names files by their path inside the input folder, so a copied
    input is the same landed files (docs/performance.md "Shared first builds").
    """
    folder = built.input_dir
    if input_copy is not None:
        shutil.copytree(built.input_dir, input_copy, symlinks=True)
        folder = input_copy
    shutil.copytree(built.warehouse.parent, out / "warehouse", symlinks=True)
    settings = replace(built, input_dir=folder, warehouse=out / "warehouse" / built.warehouse.name)
    assert settings.warehouse.resolve().is_relative_to(out)  # not into the shared build
    return settings


def open_build(base: Path, **overrides: object) -> duckdb.DuckDBPyConnection:
    """Run the whole pipeline on `base/input` and open the published warehouse read-only."""
    settings = settings_for(base / "input", base, **overrides)
    (base / "input").mkdir(exist_ok=True)
    run_pipeline(settings)
    con = duckdb.connect(str(settings.warehouse), read_only=True)
    con.execute("SET TimeZone = 'UTC'")
    return con


LOAD_LAYERS = ("raw", "staging", "quality")
CORE_LAYERS = (*LOAD_LAYERS, "core")


def run_layers(input_dir: Path, out: Path, layers: tuple[str, ...] = LOAD_LAYERS,
               **overrides: object) -> duckdb.DuckDBPyConnection:
    """Run only the steps of `layers` on `input_dir` and open the working file read-only: for a test
    of what is staged, quarantined or stitched, which the later steps (marts, exports, the checks
    at the end of a run, publishing) never read back. Each file keeps whole runs too."""
    settings = settings_for(input_dir, out, **overrides)
    input_dir.mkdir(parents=True, exist_ok=True)
    with open_run(settings) as ctx:
        for step in STEPS:
            if step.layer in layers:
                step.run(ctx)
    return connect(settings.work_file, read_only=True, raw_file=settings.raw_file)


@pytest.fixture
def build_core(tmp_path: Path) -> Iterator[Callable[..., duckdb.DuckDBPyConnection]]:
    """`run_layers` up to the core layer on `tmp_path/input`, each call in a new output folder."""
    opened: list[duckdb.DuckDBPyConnection] = []

    def _build(**overrides: object) -> duckdb.DuckDBPyConnection:
        opened.append(run_layers(tmp_path / "input", tmp_path / f"run_{len(opened)}", CORE_LAYERS,
                                 **overrides))
        return opened[-1]

    yield _build
    for con in opened:
        con.close()


@pytest.fixture
def build(tmp_path: Path) -> Iterator[Callable[..., duckdb.DuckDBPyConnection]]:
    """Run the whole pipeline on `tmp_path/input` and open the published warehouse read-only."""
    opened: list[duckdb.DuckDBPyConnection] = []

    def _build(**overrides: object) -> duckdb.DuckDBPyConnection:
        con = open_build(tmp_path, **overrides)
        opened.append(con)
        return con

    yield _build
    for con in opened:
        con.close()


def rows(con: duckdb.DuckDBPyConnection, query: str) -> list[tuple]:
    return con.execute(query).fetchall()
