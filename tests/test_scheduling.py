"""The test suite's own scheduling (tests/conftest.py): Spark first, the longest files next, and the
per-file seconds that order them written by `--module-seconds`."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from conftest import REPO, SPARK_UNIT, longest_first


def test_units_go_spark_first_then_longest_then_by_number_of_tests():
    units = {
        "tests/test_small.py": {"a": False},
        "tests/test_new_many.py": {"a": False, "b": False, "c": False},
        "tests/test_long.py": {"a": False},
        SPARK_UNIT: {"a": False},
        "tests/test_new_few.py": {"a": False, "b": False},
        "tests/test_medium.py": {"a": False, "b": False},
    }
    seconds = {"tests/test_long.py": 290.0, "tests/test_medium.py": 60.0, "tests/test_small.py": 0.4,
               "tests/test_gone.py": 100.0}
    # Spark; then 290 > 60 > 0.4 s; then the two files without a figure, 3 tests before 2
    assert longest_first(units, seconds) == [
        SPARK_UNIT, "tests/test_long.py", "tests/test_medium.py", "tests/test_small.py",
        "tests/test_new_many.py", "tests/test_new_few.py",
    ]


def test_module_seconds_sums_each_files_phases(tmp_path: Path):
    (tmp_path / "test_slow.py").write_text(
        "import time\n\n"
        "def test_one():\n    time.sleep(0.4)\n\n"
        "def test_two():\n    time.sleep(0.4)\n"
    )
    (tmp_path / "test_quick.py").write_text("def test_nothing():\n    pass\n")
    out = tmp_path / "seconds.json"
    # the suite's conftest as a plugin, over two files of its own
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO / "tests"), str(REPO / "src")])}
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "conftest", "-p", "no:cacheprovider",
         "--rootdir", str(tmp_path), "-c", os.devnull, "--module-seconds", str(out), str(tmp_path)],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    written = json.loads(out.read_text())
    assert list(written) == ["test_slow.py", "test_quick.py"]  # longest first
    assert written["test_slow.py"] >= 0.8  # two sleeps of 0.4 s
    assert written["test_quick.py"] < written["test_slow.py"]
