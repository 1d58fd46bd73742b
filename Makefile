# journeyflow: `make demo` runs the pipeline on the shipped sample, `make test` runs lint and tests.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export DAGSTER_HOME := $(CURDIR)

.PHONY: demo test lint install dagster materialize sample clean bench bench-small

$(BIN)/journeyflow: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

install: $(BIN)/journeyflow

demo: install
	$(BIN)/journeyflow run --input data/sample --warehouse warehouse/journeyflow.duckdb

lint: install
	$(BIN)/ruff check src pipelines tests benchmarks

test: lint
	$(BIN)/pytest

dagster: install
	$(BIN)/dagster dev -m pipelines.definitions

materialize: install
	$(BIN)/dagster asset materialize --select '*' -m pipelines.definitions

sample: install
	rm -rf data/sample
	$(BIN)/journeyflow generate --out data/sample --persons 200 --seed 42

clean:
	rm -rf warehouse .dagster .pytest_cache .ruff_cache

bench: install
	$(BIN)/python -m benchmarks.bench --events 1000000 10000000

bench-small: install
	$(BIN)/python -m benchmarks.bench --events 100000 1000000
