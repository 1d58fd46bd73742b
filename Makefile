# journeyflow: `make demo` runs the pipeline on the shipped sample, `make test` runs lint and tests.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export DAGSTER_HOME := $(CURDIR)

.PHONY: demo test lint install dagster materialize sample clean bench bench-incremental

$(BIN)/journeyflow: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev,spark]'
	touch $@

install: $(BIN)/journeyflow

demo: install
	$(BIN)/journeyflow run --input data/sample --warehouse warehouse/journeyflow.duckdb

lint: install
	$(BIN)/ruff check src pipelines tests benchmarks docs/example.ipynb

test: lint
	$(BIN)/pytest

dagster: install
	$(BIN)/dagster dev -m pipelines.definitions

# the day partition to materialize (default: yesterday, UTC)
DAY ?= $(shell date -u -d yesterday +%F)
materialize: install
	$(BIN)/dagster asset materialize --select '*' --partition $(DAY) -m pipelines.definitions

sample: install
	rm -rf data/sample
	$(BIN)/journeyflow generate --out data/sample --persons 200 --seed 42

clean:
	rm -rf warehouse .dagster .pytest_cache .ruff_cache

# make bench BENCH_EVENTS="1000000 10000000 100000000" for the 100M run
BENCH_EVENTS ?= 1000000 10000000
bench: install
	$(BIN)/python -m benchmarks.bench --events $(BENCH_EVENTS)

# one nightly incremental day vs a full rebuild of a year of history (issue #7)
BENCH_INCREMENTAL_EVENTS ?= 1000000
bench-incremental: install
	$(BIN)/python -m benchmarks.incremental --events $(BENCH_INCREMENTAL_EVENTS)
