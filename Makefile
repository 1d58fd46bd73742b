# journeyflow: `make demo` runs the pipeline on the shipped sample, `make test` runs lint and tests.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# The optional dependencies installed into .venv: `make test EXTRAS=dev,spark` adds the Spark engine
# (pyspark, ~1.6 GB), which CI installs (.ci/run) and `make demo` does not need.
EXTRAS ?= dev
EXTRAS_STAMP := $(VENV)/extras
export DAGSTER_HOME := $(CURDIR)

.PHONY: demo test lint install dagster materialize sample clean bench bench-incremental screenshots FORCE

# The extras .venv was built with; rewritten (so .venv is rebuilt) only when EXTRAS differs.
$(EXTRAS_STAMP): FORCE
	@mkdir -p $(VENV)
	@[ "$$(cat $@ 2>/dev/null)" = "$(EXTRAS)" ] || echo "$(EXTRAS)" > $@

# Another EXTRAS builds a clean .venv (pip never uninstalls: a leftover pyspark would stay imported by
# great_expectations); a changed pyproject.toml only installs again.
$(BIN)/journeyflow: pyproject.toml $(EXTRAS_STAMP)
	$(PYTHON) -m venv $(if $(filter $(EXTRAS_STAMP),$?),--clear) $(VENV)
	echo "$(EXTRAS)" > $(EXTRAS_STAMP)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[$(EXTRAS)]'
	touch $@

install: $(BIN)/journeyflow

demo: install
	$(BIN)/journeyflow run --input data/sample --warehouse warehouse/journeyflow.duckdb

lint: install
	$(BIN)/ruff check src pipelines tests benchmarks docs/example.ipynb docs/screenshots.py

# Three pytest-xdist workers on two cores: a test keeps about 1.3 cores busy on average (Python, small
# DuckDB queries, subprocesses and their waits), so two workers left a fifth of the CPU idle (161% of
# 200%) and three use it (179%; 12:52 -> 10:31 on an idle 2-core machine, docs/performance.md).
# --dist loadfile: a module's tests run on one worker, so its module-scoped builds are made once;
# every Spark test (node id says "spark") is one more unit, sent first, so one worker runs all three
# Spark builds in one warm SparkSession; the other files go longest first (tests/module_seconds.json;
# tests/conftest.py, docs/performance.md "The test suite").
# (Not loadgroup: xdist 3.8 cannot rename pytest 9's node ids, so its groups are ignored.)
# pytest's own exit code is make's: 5 (no test collected) fails the target like any failure.
TEST_WORKERS ?= 3
test: lint
	$(BIN)/pytest -n $(TEST_WORKERS) --dist loadfile

dagster: install
	$(BIN)/dagster dev -m pipelines.definitions

# the day partition to materialize (default: yesterday, UTC)
DAY ?= $(shell date -u -d yesterday +%F)
materialize: install
	$(BIN)/dagster asset materialize --select '*' --partition $(DAY) -m pipelines.definitions

# docs/report.png and docs/explorer-*.png from the current sample (needs /usr/bin/chromium), plus the
# explorer's start-up and filter-change times (docs/performance.md)
screenshots: install
	$(BIN)/python docs/screenshots.py

sample: install
	rm -rf data/sample
	$(BIN)/journeyflow generate --out data/sample --persons 200 --seed 42

clean:
	rm -rf warehouse .dagster .pytest_cache .ruff_cache

# make bench BENCH_EVENTS="1000000 10000000 100000000" for the 100M run; the same-work case (a plain
# event log: journeyflow vs bare DuckDB vs polars, issue #24) at BENCH_SAME_WORK_EVENTS
BENCH_EVENTS ?= 1000000 10000000
BENCH_SAME_WORK_EVENTS ?= 1000000 10000000
bench: install
	$(BIN)/python -m benchmarks.bench --events $(BENCH_EVENTS)
	$(BIN)/python -m benchmarks.same_work --events $(BENCH_SAME_WORK_EVENTS)

# one nightly incremental day vs a full rebuild of a year of history (issue #7)
BENCH_INCREMENTAL_EVENTS ?= 1000000
bench-incremental: install
	$(BIN)/python -m benchmarks.incremental --events $(BENCH_INCREMENTAL_EVENTS)
