# TrustApp developer commands. `make run` and `make test` are all a newcomer needs.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
DEV_ENV := .env.dev

# The newest Python >= 3.12 this machine can run. pyenv shims need PYENV_VERSION to reach a
# version that is installed but not selected, so each installed 3.12+ is tried that way too.
ifndef PYTHON
PYTHON := $(shell \
	for v in 3.14 3.13 3.12; do \
	  for cmd in "python$$v" ; do \
	    if command -v $$cmd >/dev/null 2>&1 && $$cmd -c 'import sys; sys.exit(sys.version_info < (3, 12))' >/dev/null 2>&1; then echo $$cmd; exit 0; fi; \
	  done; \
	  if command -v pyenv >/dev/null 2>&1; then \
	    full=$$(pyenv versions --bare 2>/dev/null | grep -E "^$$v(\.[0-9]+)?$$" | sort -V | tail -n 1); \
	    if [ -n "$$full" ] && PYENV_VERSION=$$full python$$v -c 'import sys; sys.exit(sys.version_info < (3, 12))' >/dev/null 2>&1; then echo "PYENV_VERSION=$$full python$$v"; exit 0; fi; \
	  fi; \
	done; \
	if command -v python3 >/dev/null 2>&1 && python3 -c 'import sys; sys.exit(sys.version_info < (3, 12))' >/dev/null 2>&1; then echo python3; fi)
endif

.PHONY: help run demo test lint format install dev-keys check-python clean

help:
	@echo "make run    - set up .venv, migrate SQLite and serve on http://127.0.0.1:$(PORT)"
	@echo "make demo   - add a demo couple part-way through the steps (prints two logins)"
	@echo "make test   - run the whole test suite (browser tests included)"
	@echo "make lint   - ruff check and format check"
	@echo "make format - ruff fix and format"

check-python:
	@if [ -z "$(PYTHON)" ]; then \
	  echo "TrustApp needs Python 3.12 or newer, and none was found."; \
	  echo "Install Python 3.12+ (or set PYTHON=/path/to/python3.12) and run make again."; \
	  exit 1; \
	fi

$(BIN)/python: | check-python
	@echo "Creating $(VENV) with $(PYTHON)"
	@$(PYTHON) -m venv $(VENV)
	@$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: $(BIN)/python pyproject.toml
	@echo "Installing TrustApp and its development tools into $(VENV)"
	@$(BIN)/python -m pip install --quiet -e ".[dev]"
	@touch $@

install: $(VENV)/.installed

# Development-only keys, made once, kept out of git, and added when a newer version needs more.
dev-keys: install
	@touch $(DEV_ENV)
	@grep -q '^DJANGO_SECRET_KEY=' $(DEV_ENV) || $(BIN)/python -c 'import secrets; print("DJANGO_SECRET_KEY=" + secrets.token_urlsafe(50))' >> $(DEV_ENV)
	@grep -q '^FIELD_ENCRYPTION_KEYS=' $(DEV_ENV) || $(BIN)/python -c 'from cryptography.fernet import Fernet; print("FIELD_ENCRYPTION_KEYS=" + Fernet.generate_key().decode())' >> $(DEV_ENV)
	@grep -q '^WEBPUSH_VAPID_PRIVATE_KEY=' $(DEV_ENV) || $(BIN)/python trustapp/vapid.py >> $(DEV_ENV)

run: dev-keys
	@set -a; source $(DEV_ENV); set +a; \
	export DJANGO_DEBUG=1 SITE_URL=$${SITE_URL:-http://127.0.0.1:$(PORT)}; \
	unset DATABASE_URL; \
	$(BIN)/python manage.py migrate --no-input && \
	echo "TrustApp is at http://127.0.0.1:$(PORT)/ (emails are printed here)" && \
	$(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

demo: dev-keys
	@set -a; source $(DEV_ENV); set +a; \
	export DJANGO_DEBUG=1 SITE_URL=$${SITE_URL:-http://127.0.0.1:$(PORT)}; \
	unset DATABASE_URL; \
	$(BIN)/python manage.py migrate --no-input && $(BIN)/python manage.py seed_demo

test: install
	@$(BIN)/python -m pytest $(PYTEST_ARGS)

# Throughput and latency on this machine (docs/benchmarks.md): PostgreSQL on 127.0.0.1, gunicorn,
# locust. Takes about 5 minutes (seeding, the first time: 15 s). BENCH_ARGS="--help" lists options.
.PHONY: bench
bench: install
	@$(BIN)/python bench/run.py $(BENCH_ARGS)

lint: install
	@$(BIN)/ruff check .
	@$(BIN)/ruff format --check .

format: install
	@$(BIN)/ruff check --fix .
	@$(BIN)/ruff format .

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache staticfiles
