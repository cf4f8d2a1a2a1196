# The two commands of the README: `make run` and `make test`. Everything else is a step of theirs.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
WORKERS ?= 4
VNU_VERSION := 26.9.27
VNU_JAR := $(VENV)/node/node_modules/vnu-jar/build/dist/vnu.jar
CHROMIUM ?= /usr/bin/chromium

# Django 6.1 needs Python 3.12 or newer: take the first interpreter on this machine that has it.
PYTHON ?= $(shell for p in python3.14 python3.13 python3.12 python3 $(HOME)/.pyenv/versions/3.1[2-9]*/bin/python3; do \
	  "$$p" -c 'import sys; sys.exit(sys.version_info < (3, 12))' >/dev/null 2>&1 && { echo "$$p"; break; }; done)

.PHONY: run dev test install tools system-tools migrate load serve loadtest lint test-sqlite test-postgres clean

$(VENV)/.installed: requirements.txt
	@test -n "$(PYTHON)" || { echo "error: Python 3.12 or newer is needed (Django 6.1); set PYTHON=/path/to/python3.12" >&2; exit 1; }
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	@touch $@

install: $(VENV)/.installed

# The test tools that are not Python packages: the Nu Html Checker (npm, run with Java), and chromium
# for Playwright. As root with apt (CI), missing system packages are installed; otherwise the tests
# that need them fail and say what to install.
$(VNU_JAR):
	@command -v npm >/dev/null || { echo "error: npm is needed to install the Nu Html Checker (apt-get install npm)" >&2; exit 1; }
	npm install --prefix $(VENV)/node --no-audit --no-fund --loglevel=error vnu-jar@$(VNU_VERSION)
	@test -f $@ && touch $@

system-tools:
	@missing=""; \
	test -x "$(CHROMIUM)" || missing="$$missing chromium"; \
	command -v java >/dev/null || missing="$$missing default-jre-headless"; \
	command -v wrk >/dev/null || missing="$$missing wrk"; \
	command -v nginx >/dev/null || test -x /usr/sbin/nginx || missing="$$missing nginx"; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "== installing$$missing with apt =="; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
	  else \
	    echo "warning: missing$$missing (not root or no apt): the tests that need them will fail" >&2; \
	  fi; \
	fi

tools: install system-tools $(VNU_JAR)

migrate: install
	DATABASE_URL= $(PY) manage.py migrate --noinput

load: migrate
	DATABASE_URL= $(PY) manage.py load_fixtures

# `make run` serves the archive as readers see it: DEBUG off (the archive's own 404 and 500 pages,
# static files from staticfiles/ through whitenoise). DEBUG=0 needs a SECRET_KEY (a local one is made
# once in .local-secret-key, gitignored) and ALLOWED_HOSTS (loopback); plain HTTP on loopback, so no
# HTTPS redirect, HSTS or secure-only cookies. `make dev` keeps Django's debug pages instead.
LOCAL_KEY := .local-secret-key
RUN_ENV = DATABASE_URL= DEBUG=0 SECRET_KEY="$$(cat $(LOCAL_KEY))" ALLOWED_HOSTS="$${ALLOWED_HOSTS:-localhost,127.0.0.1,[::1]}" \
	SECURE_SSL_REDIRECT=0 SECURE_HSTS_SECONDS=0 SESSION_COOKIE_SECURE=0 CSRF_COOKIE_SECURE=0

$(LOCAL_KEY):
	@umask 077 && $(PY) -c 'import secrets; print(secrets.token_urlsafe(50))' > $@

run: load $(LOCAL_KEY)
	$(RUN_ENV) $(PY) manage.py collectstatic --noinput -v0
	$(RUN_ENV) $(PY) manage.py runserver $(HOST):$(PORT)

dev: load
	DATABASE_URL= DEBUG=1 $(PY) manage.py runserver $(HOST):$(PORT)

test: install tools test-sqlite test-postgres

test-sqlite: install tools
	@echo "== tests on SQLite =="
	DATABASE_URL= $(PY) -m pytest

test-postgres: install tools
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

# Production serving: gunicorn behind whitenoise, DEBUG off. Needs SECRET_KEY and ALLOWED_HOSTS (and
# DATABASE_URL); see README "Serving in production". Plain HTTP on loopback: SECURE_SSL_REDIRECT=0.
serve: install
	DEBUG=0 $(PY) manage.py collectstatic --noinput -v0
	DEBUG=0 $(PY) -m gunicorn archive.wsgi --config deploy/gunicorn.conf.py --bind $(HOST):$(PORT) --workers $(WORKERS) --access-logfile -

# Load test (gunicorn + wrk) against DATABASE_URL: `make loadtest DURATION=60 CONNECTIONS=32`.
DURATION ?= 60
CONNECTIONS ?= 32
loadtest: install
	$(PY) manage.py loadtest --duration $(DURATION) --connections $(CONNECTIONS) --workers $(WORKERS)

lint: install
	DATABASE_URL= $(PY) manage.py check
	DATABASE_URL= $(PY) manage.py makemigrations --check --dry-run
	$(VENV)/bin/ruff check .

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles .pytest_cache artifacts .local-secret-key
