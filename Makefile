# The two commands: `make run` (set up and serve the demo) and `make test` (set up, lint, test).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
# `make run PORT=8080` serves on another port; e-mail links follow it through SITE_URL.
PORT ?= 8000
SITE_URL ?= http://127.0.0.1:$(PORT)
# The demo institution's help desk, shown in every page's footer (a deployment sets its own).
SUPPORT_EMAIL ?= help@riverside.example
RUN_ENV := DEBUG=1 CHARTER_INSECURE_COOKIES=1 SITE_URL=$(SITE_URL) SUPPORT_EMAIL=$(SUPPORT_EMAIL)
PYTEST_ARGS ?=

.PHONY: screenshots run run-sso test setup lint migrations-check typecheck pytest pytest-pg format clean bench bench-small bench-load bench-faults bench-cluster bench-sitting system-deps

$(STAMP): requirements/base.txt requirements/dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements/dev.txt
	touch $(STAMP)

setup: $(STAMP)

system-deps:
	@bash scripts/system-deps.sh || echo "Could not install system packages; PDF and browser tests may be skipped."

run: setup
	$(RUN_ENV) $(PY) manage.py migrate --noinput
	$(RUN_ENV) $(PY) manage.py load_demo
	@echo "Charter is at http://127.0.0.1:$(PORT)/ (Ctrl+C stops it)"
	$(RUN_ENV) $(PY) manage.py runserver 127.0.0.1:$(PORT)

# The demo with a DEMO identity provider on loopback (port 8800, or IDP_PORT): "Sign in with
# your hospital account" for Riverside's demo people. Password logins work as with `make run`.
IDP_PORT ?= 8800
run-sso: setup
	$(RUN_ENV) $(PY) manage.py migrate --noinput
	$(RUN_ENV) $(PY) manage.py load_demo
	$(RUN_ENV) $(PY) manage.py demo_idp --port $(PORT) --idp-port $(IDP_PORT)

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

# A model change without its migration fails here, before the tests run.
migrations-check: setup
	CHARTER_TESTING=1 $(PY) manage.py makemigrations --check --dry-run

typecheck: setup
	CHARTER_TESTING=1 $(VENV)/bin/mypy .

pytest: setup
	$(VENV)/bin/pytest -n 2 --dist loadfile -q -rR $(PYTEST_ARGS)

test: setup system-deps lint migrations-check typecheck pytest

format: setup
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

# Benchmarks (bench/README.md). BENCH_ARGS passes options, e.g. BENCH_ARGS="--employees 10000".
BENCH_STAMP := $(VENV)/.bench-installed
LOAD_VENV := .locust.venv
BENCH_ARGS ?=

$(BENCH_STAMP): $(STAMP) requirements/bench.txt
	$(PY) -m pip install -q -r requirements/bench.txt
	touch $(BENCH_STAMP)

bench: $(BENCH_STAMP)
	$(PY) bench/run.py $(BENCH_ARGS)
	$(PY) -m bench.directory $(BENCH_DIRECTORY_ARGS)
	$(PY) -m bench.reminders $(BENCH_REMINDERS_ARGS)
	$(PY) -m bench.search $(BENCH_SEARCH_ARGS)
	$(PY) -m bench.export_copy $(BENCH_EXPORT_ARGS)
	$(PY) -m bench.audit_chain $(BENCH_AUDIT_ARGS)

bench-small: setup
	$(VENV)/bin/pytest -q -p no:randomly tests/bench

$(LOAD_VENV)/bin/locust: requirements/load.txt
	test -x $(LOAD_VENV)/bin/python || $(PYTHON) -m venv $(LOAD_VENV)
	$(LOAD_VENV)/bin/pip install -q -r requirements/load.txt
	touch $@

bench-load: $(BENCH_STAMP) $(LOAD_VENV)/bin/locust
	$(PY) bench/load.py $(BENCH_ARGS)

bench-faults: $(BENCH_STAMP)
	$(PY) bench/faults.py $(BENCH_ARGS)

# Two app servers behind HAProxy (a Debian package: make system-deps), Redis and a Celery worker.
bench-cluster: $(BENCH_STAMP)
	$(PY) bench/cluster.py $(BENCH_ARGS)

# All of the above in one sitting, with `make test` running beside them from a clone of the same
# commit and the load average sampled throughout (bench/README.md). Its own database names.
bench-sitting: $(BENCH_STAMP) $(LOAD_VENV)/bin/locust
	$(PY) bench/sitting.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) charter.sqlite3 staticfiles test-artifacts

# Refresh the pictures in docs/images/ (needs Chromium; never part of `make test`).
screenshots: setup
	$(PY) scripts/screenshots.py
