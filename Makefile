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

# --- Benchmarks (`make bench`; see "Benchmarks" in README.md) ---------------------------------
BOOKINGS ?= 1000000
USERS ?= 100000
PARTNERS ?= 500
SERVICES ?= 200
PROMOS ?= 20
CONNECTIONS ?= 32
DURATION ?= 20s
WARMUP ?=
SCENARIOS ?= catalog prepare confirm bookings_list booking_detail admin_dashboard admin_bookings
BENCH_ARGS ?=
SUDO := $(shell [ "$$(id -u)" -eq 0 ] || echo sudo)
APT_INSTALL = $(SUDO) apt-get install -y -qq $(1) || { $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq $(1); }

.PHONY: bench
bench: $(STAMP)  ## seed PostgreSQL at scale, load every scenario with wrk beside pgbench
	@command -v wrk >/dev/null || { $(call APT_INSTALL,wrk); }
	@command -v pgbench >/dev/null || { $(call APT_INSTALL,postgresql-contrib); }
	@command -v taskset >/dev/null || { $(call APT_INSTALL,util-linux); }
	$(BIN)/python -m bench --bookings $(BOOKINGS) --users $(USERS) --partners $(PARTNERS) \
	  --services $(SERVICES) --promos $(PROMOS) --connections $(CONNECTIONS) \
	  --duration $(DURATION) $(if $(WARMUP),--warmup $(WARMUP)) --scenarios "$(SCENARIOS)" \
	  $(BENCH_ARGS)
