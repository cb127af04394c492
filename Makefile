# Two commands matter: `make run` (try the app) and `make test` (the whole suite).
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/receivables
TEST_REDIS_URL ?= redis://127.0.0.1:6379/15
# The second pass of `make test`: SQLite, configured as `make run` configures it (pytest-django
# keeps the test database in memory; the file is never written). It runs every test not marked
# `postgresql` but the `make run` smoke test, a subprocess on SQLite whatever the pass, and the
# schema fuzz as a clerk of one entity (its refusals are the same code on both databases; the
# admin's fuzz reaches every backend branch).
TEST_SQLITE_URL ?= sqlite:///$(CURDIR)/var/test.sqlite3
SQLITE_PASS_ARGS ?= -m "not postgresql" -k "not for_a_clerk_of_one_entity" \
	--deselect=tests/test_demo.py::test_make_run_steps_on_sqlite_and_embedded_broker

.PHONY: install run test lint format messages bench fuzz chromium migrate demo worker clean

$(STAMP): pyproject.toml constraints.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade "pip>=24"
	$(PY) -m pip install --quiet -c constraints.txt -e ".[dev]"
	@touch $(STAMP)

install: $(STAMP)

# Debian's Chromium for the browser tests (Playwright cannot download its own browser here).
chromium:
	@if [ ! -x /usr/bin/chromium ]; then \
	  if command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ]; then \
	    echo "Installing Debian chromium for the browser tests"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else \
	    echo "chromium is missing and cannot be installed here: browser tests will be skipped (failed under CI=true)"; \
	  fi; \
	fi

migrate: install
	@mkdir -p var/celery-broker/processed var/celery-broker/control
	DEBUG=$${DEBUG:-true} $(PY) manage.py migrate --noinput

demo: migrate
	DEBUG=$${DEBUG:-true} $(PY) manage.py load_demo
	DEBUG=$${DEBUG:-true} $(PY) manage.py demo_aging
	DEBUG=$${DEBUG:-true} $(PY) manage.py demo_admin
	DEBUG=$${DEBUG:-true} $(PY) manage.py demo_collections
	DEBUG=$${DEBUG:-true} $(PY) manage.py demo_statement --out var/demo-statement.xml

# Serves http://127.0.0.1:8000 with a Celery worker (and its beat) beside it. Without
# DATABASE_URL / REDIS_URL: SQLite under var/ and kombu's filesystem broker.
run: demo
	@export DEBUG=$${DEBUG:-true}; \
	$(VENV)/bin/celery -A config worker -B --loglevel=WARNING --concurrency=1 \
	  >var/celery.log 2>&1 & \
	worker=$$!; trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	echo "Celery worker and beat running (log: var/celery.log)"; \
	$(PY) manage.py runserver $(HOST):$(PORT)

worker: install
	$(VENV)/bin/celery -A config worker -B --loglevel=INFO

# Two passes, both always run: the whole suite on PostgreSQL, then the suite on SQLite (the
# database `make run` serves) without what needs PostgreSQL. Fails if either fails or collects
# no test (pytest's exit code 5).
test: install chromium
	@export REDIS_URL=$${REDIS_URL:-$(TEST_REDIS_URL)}; failed=""; \
	echo "== make test, pass 1 of 2: PostgreSQL, the whole suite"; \
	DATABASE_URL=$${DATABASE_URL:-$(TEST_DATABASE_URL)} $(VENV)/bin/pytest $(PYTEST_ARGS); rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "pytest collected no tests on PostgreSQL"; fi; \
	if [ $$rc -ne 0 ]; then failed="PostgreSQL (exit $$rc)"; fi; \
	echo "== make test, pass 2 of 2: SQLite, every test not marked postgresql"; \
	DATABASE_URL=$(TEST_SQLITE_URL) $(VENV)/bin/pytest $(SQLITE_PASS_ARGS) $(PYTEST_ARGS); rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "pytest collected no tests on SQLite"; fi; \
	if [ $$rc -ne 0 ]; then failed="$${failed:+$$failed, }SQLite (exit $$rc)"; fi; \
	if [ -n "$$failed" ]; then echo "make test failed: $$failed"; exit 1; fi; \
	echo "make test passed on PostgreSQL and SQLite"

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

# The French and Norwegian translations: the texts marked in code and templates gathered into
# locale/*/LC_MESSAGES/django.po, then compiled to the .mo files that are committed (running the
# app needs no gettext tools; editing translations does).
messages: install
	$(PY) manage.py makemessages -l fr -l nb --ignore=var --ignore=bench --ignore=tests \
	  --ignore=docker --add-location=file
	$(PY) manage.py compilemessages -l fr -l nb --ignore=.venv --ignore=var

bench: install
	@export DATABASE_URL=$${DATABASE_URL:-$(TEST_DATABASE_URL)}; \
	for script in bench/bench_*.py; do echo "== $$script"; $(PY) $$script || exit 1; done

# The OpenAPI fuzz of the suite with many random examples per operation (no 5xx anywhere).
fuzz: install
	@export DATABASE_URL=$${DATABASE_URL:-$(TEST_DATABASE_URL)} REDIS_URL=$${REDIS_URL:-$(TEST_REDIS_URL)} \
	  API_FUZZ_EXAMPLES=$${API_FUZZ_EXAMPLES:-100} API_FUZZ_RANDOM=true; \
	$(VENV)/bin/pytest -q tests/test_api_schema.py

clean:
	rm -rf var/db.sqlite3 var/celery-broker var/celerybeat-schedule* var/static
