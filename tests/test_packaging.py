"""The wheel holds everything a run reads, and an installed journeyflow runs outside the repository.

The wheel is built offline (`pip wheel --no-build-isolation`, setuptools and wheel come with the dev
extra), installed without its dependencies into a fresh venv that borrows them from this one through
a .pth file, and `journeyflow run` on the sample must work there with a temporary folder as its
working directory. About 20 s.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import tomllib
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "data" / "sample"
PACKAGE = REPO / "src" / "journeyflow"


def pip(*args: str | Path) -> subprocess.CompletedProcess[str]:
    """This venv's pip, offline: no index, so a missing build or install requirement fails here."""
    command = [sys.executable, "-m", "pip", "--disable-pip-version-check", *map(str, args)]
    return subprocess.run(command, check=True, capture_output=True, text=True, timeout=300)


def clean_env(**extra: str) -> dict[str, str]:
    """The environment without anything that could point Python at the repository."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP", "JOURNEYFLOW_SQL_DIR", "VIRTUAL_ENV")}
    return env | {"COLUMNS": "80"} | extra


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel, built from a copy of what packaging reads (pyproject.toml, README.md, src/, sql/):
    building in the work tree would leave build/ behind, whose stale copies setuptools packs again."""
    source = tmp_path_factory.mktemp("source")
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(REPO / name, source / name)
    skip = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info")
    for folder in ("src", "sql"):
        shutil.copytree(REPO / folder, source / folder, ignore=skip)
    out = tmp_path_factory.mktemp("dist")
    pip("wheel", "--no-deps", "--no-build-isolation", "--no-index", "--wheel-dir", out, source)
    (built,) = out.glob("journeyflow-*.whl")
    return built


@pytest.fixture(scope="module")
def venv_python(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv with only the wheel installed; the dependencies are this venv's site-packages,
    added by a path line in a .pth file (the .pth files in that folder, among them this venv's
    editable install of journeyflow, are not processed, so the repository's src/ is not seen)."""
    root = tmp_path_factory.mktemp("venv")
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", root], check=True, timeout=120)
    python = root / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    purelib = subprocess.run([python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
                             check=True, capture_output=True, text=True).stdout.strip()
    Path(purelib, "journeyflow_test_dependencies.pth").write_text(
        sysconfig.get_path("purelib") + "\n", encoding="utf-8")
    pip("--python", python, "install", "--no-deps", "--no-index", wheel)
    return python


def test_wheel_holds_the_modules_the_taxonomy_and_every_sql_file(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    sql = {f"journeyflow/sql/{p.relative_to(REPO / 'sql').as_posix()}"
           for p in (REPO / "sql").rglob("*") if p.suffix in (".sql", ".yaml")}
    assert {"journeyflow/sql/checks.yaml", "journeyflow/sql/bi/contract.yaml",
            "journeyflow/sql/staging/events.sql"} <= sql
    assert sorted(sql - names) == []
    # every module of every sub-package (pyproject.toml lists the packages) and the shipped taxonomy
    package = {f"journeyflow/{p.relative_to(PACKAGE).as_posix()}" for p in PACKAGE.rglob("*")
               if p.is_file() and "__pycache__" not in p.parts}
    assert "journeyflow/touchpoints.yaml" in package
    assert sorted(package - names) == []


def test_installed_wheel_runs_the_sample_outside_the_repository(venv_python: Path, tmp_path: Path) -> None:
    where = subprocess.run(
        [venv_python, "-c", "import journeyflow, journeyflow.sql_templates as t; "
                            "print(journeyflow.__file__); print(t.SQL_DIR)"],
        cwd=tmp_path, env=clean_env(), check=True, capture_output=True, text=True, timeout=120,
    ).stdout.split("\n")
    venv = venv_python.parents[1]
    module, sql_dir = Path(where[0]), Path(where[1])
    assert module.is_relative_to(venv) and not module.is_relative_to(REPO), module
    assert sql_dir.is_relative_to(venv) and (sql_dir / "checks.yaml").is_file(), sql_dir

    script = venv_python.with_name("journeyflow.exe" if os.name == "nt" else "journeyflow")
    version = subprocess.run([script, "--version"], cwd=tmp_path, env=clean_env(), capture_output=True,
                             text=True, timeout=120)
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert (version.returncode, version.stdout) == (0, f"journeyflow {project['version']}\n")

    warehouse = tmp_path / "wh" / "jf.duckdb"
    run = subprocess.run([script, "run", "--input", SAMPLE, "--warehouse", warehouse], cwd=tmp_path,
                         env=clean_env(), capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "journeyflow run" in run.stdout and "conversion rate" in run.stdout
    assert warehouse.is_file()

    # installed, there is no data/sample next to the code: without --input, a clear error, no traceback
    bare = subprocess.run([script, "run", "--warehouse", tmp_path / "other.duckdb"], cwd=tmp_path,
                          env=clean_env(), capture_output=True, text=True, timeout=120)
    assert bare.returncode == 1
    message = " ".join(bare.stderr.split())  # wrapped at 80 columns, where the temporary path falls
    assert "input folder" in message and "does not exist" in message
    assert "Traceback" not in bare.stdout + bare.stderr
