# The first Python 3.12+ that actually runs (pyenv shims for versions that are not selected fail).
PYTHON ?= $(shell for p in python3.12 python3.13 $$HOME/.pyenv/versions/3.12*/bin/python3 \
	$$HOME/.pyenv/versions/3.13*/bin/python3 /usr/bin/python3.12 /usr/bin/python3.13; do \
	$$p -c 'import sys; assert sys.version_info >= (3, 12)' 2>/dev/null && { echo $$p; break; }; done)
VENV := .venv
PY := $(VENV)/bin/python
PYTEST_ARGS ?=

.PHONY: run test lint format venv system-packages migrate demo worker clean

## make run: the portal on http://127.0.0.1:8000 with demo data, a Celery worker and beat.
run: venv
	bash scripts/system-packages.sh
	$(PY) manage.py migrate --noinput
	$(PY) manage.py load_catalog
	$(PY) manage.py seed_demo
	$(PY) manage.py seed_demo_cases
	$(PY) manage.py seed_demo_evaluations
	$(PY) manage.py seed_demo_compliance
	$(VENV)/bin/honcho start -f Procfile.dev

## make test: the whole suite, on PostgreSQL with Redis (see README for DATABASE_URL / REDIS_URL).
test: venv system-packages
	$(PY) -m pytest $(PYTEST_ARGS)

lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: venv
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

venv: $(VENV)/.installed

$(VENV)/.installed: requirements.txt
	@test -n "$(PYTHON)" || { echo "Python 3.12 or newer is needed (python3.12 / python3.13 not found)."; exit 1; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

## Debian's Pango and CJK fonts (PDFs) and chromium (browser tests), installed with apt-get when missing.
system-packages:
	bash scripts/system-packages.sh --browser

clean:
	rm -rf $(VENV) var db.sqlite3 staticfiles
