# The two commands of the README: `make run` and `make test`. Everything else is a step of theirs.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000

# Django 6.1 needs Python 3.12 or newer: take the first interpreter on this machine that has it.
PYTHON ?= $(shell for p in python3.14 python3.13 python3.12 python3 $(HOME)/.pyenv/versions/3.1[2-9]*/bin/python3; do \
	  "$$p" -c 'import sys; sys.exit(sys.version_info < (3, 12))' >/dev/null 2>&1 && { echo "$$p"; break; }; done)

.PHONY: run test install migrate load serve lint test-sqlite test-postgres clean

$(VENV)/.installed: requirements.txt
	@test -n "$(PYTHON)" || { echo "error: Python 3.12 or newer is needed (Django 6.1); set PYTHON=/path/to/python3.12" >&2; exit 1; }
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	@touch $@

install: $(VENV)/.installed

migrate: install
	DATABASE_URL= $(PY) manage.py migrate --noinput

load: migrate
	DATABASE_URL= $(PY) manage.py load_fixtures

run: load
	DATABASE_URL= $(PY) manage.py runserver $(HOST):$(PORT)

test: install test-sqlite test-postgres

test-sqlite: install
	@echo "== tests on SQLite =="
	DATABASE_URL= $(PY) -m pytest

test-postgres: install
	@if [ -z "$$DATABASE_URL" ]; then \
	  if [ "$$REQUIRE_POSTGRES" = "1" ]; then echo "error: REQUIRE_POSTGRES=1 but DATABASE_URL is not set" >&2; exit 1; fi; \
	  echo "== PostgreSQL: DATABASE_URL is not set, tests ran on SQLite only =="; exit 0; \
	fi; \
	if ! $(PY) manage.py dbready; then \
	  if [ "$$REQUIRE_POSTGRES" = "1" ]; then echo "error: PostgreSQL at DATABASE_URL is unreachable and REQUIRE_POSTGRES=1" >&2; exit 1; fi; \
	  echo "== PostgreSQL unreachable: its test run was SKIPPED (set REQUIRE_POSTGRES=1 to fail instead) =="; exit 0; \
	fi; \
	echo "== tests on PostgreSQL =="; \
	$(PY) -m pytest

lint: install
	DATABASE_URL= $(PY) manage.py check
	DATABASE_URL= $(PY) manage.py makemigrations --check --dry-run
	$(VENV)/bin/ruff check .

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles .pytest_cache
