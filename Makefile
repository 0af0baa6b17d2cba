# Two commands for a newcomer: `make run` and `make test`. Both build .venv from nothing.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export DATABASE_URL ?= sqlite:///klaxon.db

.PHONY: run demo test test-prerequisites lint security format bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# compat mode puts the project directory on sys.path, so a package added later is found
# without reinstalling.
EDITABLE := --config-settings editable_mode=compat

$(VENV)/.installed: $(BIN)/python pyproject.toml
	$(BIN)/pip install --quiet $(EDITABLE) -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed
	$(BIN)/pip install --quiet $(EDITABLE) -e '.[test]'
	touch $@

run: $(VENV)/.installed
	$(BIN)/klaxon migrate
	$(BIN)/klaxon run

# A first look without a workspace: the real daemon against the bundled Slack emulator
# (tests/emulator/, which needs the [test] extra), one incident played end to end, then
# both keep running until Ctrl-C. A fresh SQLite file in a temporary directory, unless
# DATABASE_URL was set by you (not this Makefile's default).
demo: $(VENV)/.installed-test
	$(if $(filter file,$(origin DATABASE_URL)),env -u DATABASE_URL) $(BIN)/python -m demo

# ruff, then import-linter: the arrows between packages ([tool.importlinter] in
# pyproject.toml, explained in docs/architecture.md).
lint: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-logo

# Parallel workers (pytest-xdist), each with its own emulators and PostgreSQL server. The
# end-to-end tests mostly wait on the daemon, so a 2-core machine runs 4 well (faster than
# 3: docs/performance.md); tests go out two at a time, longest first (see
# tests/conftest.py), so workers finish together.
TEST_WORKERS ?= 4

# The browser test of the status page drives Debian's Chromium and chromedriver (we run as
# root; a browser downloaded at run time would be unreachable).
test-prerequisites:
	command -v chromium >/dev/null && command -v chromedriver >/dev/null \
		|| (apt-get update -qq && apt-get install -y -qq chromium chromium-driver)

# bandit over the product code and pip-audit over the installed dependencies, judged
# against security-baseline.toml (tools/security_scan.py). A scan that could not run says
# so; SECURITY_AUDIT_REQUIRED=1 makes that a failure.
security: $(VENV)/.installed-test
	$(BIN)/python tools/security_scan.py

test: lint security test-prerequisites
	$(BIN)/pytest -n $(TEST_WORKERS) --dist load --maxschedchunk 2

format: $(VENV)/.installed-test
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# bench/status_page.py drives the page with wrk (Debian's package), installed when missing.
bench: $(VENV)/.installed-test
	command -v wrk >/dev/null || (apt-get update -qq && apt-get install -y -qq wrk)
	cd bench && ../$(BIN)/python declare.py && ../$(BIN)/python ack.py && ../$(BIN)/python scheduler.py \
		&& ../$(BIN)/python status_page.py
	cd bench && ../$(BIN)/python socket_bot.py --backend postgresql

clean:
	rm -rf $(VENV) *.egg-info .pytest_cache .ruff_cache .import_linter_cache .grimp_cache
