"""great_expectations (2.5-3.3 s to import) is paid only by what runs a check, once per process, and
without pyspark or sqlalchemy, which the checks never use (issue #24). Each case is a fresh interpreter."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src"

RUN_ONE_CHECK = """
import sys
import duckdb
from journeyflow import checks
check = checks.Check(name="no_negatives", table="t", blocking=True, description="",
                     query="select count(*) filter (where x < 0) as negatives from t",
                     expect=({"expect_column_values_to_be_between":
                              {"column": "negatives", "min_value": 0, "max_value": 0}},))
con = duckdb.connect()
con.execute("create table t as select * from range(3) as r(x)")
first = checks.run_check(con, check, {})
module = sys.modules["great_expectations"]
second = checks.run_check(con, check, {})
print(first.passed, second.passed, checks._gx() is module, "pyspark" in sys.modules,
      "sqlalchemy" in sys.modules)
import importlib.util
for name in ("pyspark", "sqlalchemy"):  # not blocked once GX is in (pyspark: the spark extra only)
    if importlib.util.find_spec(name) is not None:
        __import__(name)
print("importable")
"""


def python(code: str) -> list[str]:
    env = {"PYTHONPATH": str(SRC), "PATH": "/usr/bin:/bin"}
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300,
                            env=env, check=False)
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout.strip().splitlines()


def test_the_cli_does_not_import_great_expectations_until_a_check_runs():
    assert python("import sys, journeyflow.cli; print('great_expectations' in sys.modules)") == ["False"]


def test_a_check_imports_great_expectations_once_and_without_unused_integrations():
    assert python(RUN_ONE_CHECK) == ["True True True False False", "importable"]
