# Every target does its own set-up from a fresh clone.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: run test lint typecheck format check clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)  ## the service on its embedded default (SQLite, demo data, console SMS, simulated payments)
	$(BIN)/minuteserv serve --host $${HOST:-127.0.0.1} --port $${PORT:-8000}

test: $(STAMP)  ## the whole suite, on SQLite and on PostgreSQL
	$(BIN)/pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check src tests migrations
	$(BIN)/ruff format --check src tests migrations

typecheck: $(STAMP)
	$(BIN)/mypy

check: lint typecheck test

format: $(STAMP)
	$(BIN)/ruff format src tests migrations
	$(BIN)/ruff check --fix src tests migrations

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
