# Every target installs what it needs into .venv first, so each works on a fresh clone.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
MANAGE := $(PY) manage.py
INSTALLED := $(VENV)/.installed

# The second test pass: PostgreSQL for the data, Redis as django-q2's broker.
TEST_POSTGRES_URL ?= postgres://postgres@127.0.0.1:5432/test
TEST_REDIS_URL ?= redis://127.0.0.1:6379/15

.PHONY: help install browser promtool node-tools container-tools image image-test run test test-fast test-sqlite test-services test-newest lint typecheck wheel reuse-test bench openapi clean

help:
	@echo "make run    start the service on http://127.0.0.1:8000 (admin at /admin/)"
	@echo "make test   lint, type-check and run the suite (SQLite, then PostgreSQL + Redis)"
	@echo "make test-fast  the inner loop: lint, types, unit tests on SQLite (~1 min)"
	@echo "make bench  the benchmark on SQLite and PostgreSQL + Redis (~35 min: the log figure seeds ten million deliveries)"
	@echo "make lint   ruff, and the architecture rules (import-linter contracts in pyproject.toml)"
	@echo "make openapi  regenerate docs/openapi.yaml (a test fails while it is out of date)"

# The encryption key goes into .env when it has none: a checkout from before keys were
# written there kept its key in var/webhooks-encryption.key, and keeps using it.
install: $(INSTALLED) .env
	@grep -q '^WEBHOOKS_ENCRYPTION_KEYS=' .env || { \
	  key=$$(cat var/webhooks-encryption.key 2>/dev/null || $(PY) -c \
	    'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())') && \
	  echo "WEBHOOKS_ENCRYPTION_KEYS=$$key" >> .env && chmod 600 .env && \
	  echo "Wrote this checkout's webhook encryption key into .env."; }

# This checkout's development settings. Without them the service starts as production
# does, refusing its insecure defaults; a file that exists is never overwritten.
.env:
	@printf '%s\n' \
	  '# Development settings of this checkout, written by make install (never deploy it).' \
	  '# Settings read it unless DJANGO_ENV_FILE names another file; the environment wins.' \
	  'DJANGO_DEBUG=true' > $@
	@chmod 600 $@
	@echo "Wrote .env: this checkout runs with development settings (DJANGO_DEBUG=true)."

$(INSTALLED): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	@touch $@

# The admin's browser test drives Debian's Chromium: install it where we can (root with
# apt-get); elsewhere that one test skips and says how to get it.
CHROMIUM ?= /usr/bin/chromium
browser:
	@if [ ! -x "$(CHROMIUM)" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "== installing Debian's chromium for the browser test"; \
	    apt-get install -y -q chromium >/dev/null \
	      || { apt-get update -q >/dev/null && apt-get install -y -q chromium >/dev/null; }; \
	  else \
	    echo "No $(CHROMIUM), and no root apt-get to install it: the browser test will skip."; \
	  fi; \
	fi

# The alert rules of docs/operations.md are checked with promtool, from Debian's
# prometheus package (the server is installed, never started).
PROMTOOL ?= promtool
promtool:
	@if ! command -v "$(PROMTOOL)" >/dev/null; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "== installing Debian's prometheus for promtool"; \
	    apt-get install -y -q --no-install-recommends prometheus >/dev/null \
	      || { apt-get update -q >/dev/null \
	           && apt-get install -y -q --no-install-recommends prometheus >/dev/null; }; \
	  else \
	    echo "No promtool, and no root apt-get to install it: the rules test will skip."; \
	  fi; \
	fi

# The npm tools of the tests, each pinned by its package-lock.json: tools/openapi checks
# docs/openapi.yaml (Redocly CLI) and builds clients from it; tools/browser holds axe-core
# for the portal's accessibility checks. Without npm the tests that need them skip and
# say so.
NODE_TOOLS := tools/openapi/node_modules/.installed tools/browser/node_modules/.installed
node-tools: $(NODE_TOOLS)
tools/%/node_modules/.installed: tools/%/package-lock.json
	@if command -v npm >/dev/null; then \
	  echo "== installing the npm tools of tools/$*"; \
	  (cd tools/$* && npm ci --silent --no-audit --no-fund >/dev/null 2>&1) && touch $@; \
	else \
	  echo "No npm: the tests that need tools/$* will skip."; \
	fi

# The container image (Dockerfile), built with podman from a base made locally
# (container/base.sh: no registry is needed). IMAGE names the result.
IMAGE ?= testimonial-webhooks:latest
CONTAINER_TOOLS := podman buildah debootstrap runc
container-tools:
	@missing=""; for tool in $(CONTAINER_TOOLS); do command -v $$tool >/dev/null || missing="$$missing $$tool"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "== installing$$missing"; \
	    apt-get install -y -q $(CONTAINER_TOOLS) >/dev/null \
	      || { apt-get update -q >/dev/null && apt-get install -y -q $(CONTAINER_TOOLS) >/dev/null; }; \
	  else \
	    echo "Missing:$$missing (apt-get install $(CONTAINER_TOOLS) as root)."; exit 1; \
	  fi; \
	fi

# pip inside the build gets the host's CA bundle (package traffic may be TLS-inspected):
# mounted for the build only, never copied into the image.
HOST_CA ?= /etc/ssl/certs/ca-certificates.crt
image: container-tools
	@export CONTAINERS_CONF=$$(container/containers.conf.sh); \
	container/base.sh && \
	podman build --pull=never --format docker \
	  $$( [ -r "$(HOST_CA)" ] && echo "--secret id=pip-ca,src=$(HOST_CA)" ) \
	  -t $(IMAGE) . && \
	podman image ls $(IMAGE)

# Without the tools (and no root to install them) it skips and says why, unless
# REQUIRE_CONTAINER is set (.ci/run): then that is a failure.
image-test: install
	@if ! $(MAKE) --no-print-directory container-tools; then \
	  if [ -n "$$REQUIRE_CONTAINER" ]; then echo "REQUIRE_CONTAINER is set: failing."; exit 1; fi; \
	  echo "SKIPPED the image smoke test: no container tools here."; exit 0; \
	fi; \
	$(MAKE) --no-print-directory image && \
	echo "== smoke test of $(IMAGE): migrate, web, worker, a signed delivery" && \
	CONTAINERS_CONF=$$(container/containers.conf.sh) IMAGE=$(IMAGE) RUN_IMAGE_TEST=1 \
	  $(BIN)/pytest -p no:cacheprovider -q tests/end_to_end/test_container_image.py

run: install
	$(MANAGE) migrate --noinput
	@$(MANAGE) ensure_admin
	$(BIN)/honcho start -f Procfile.dev

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

typecheck: install
	$(BIN)/mypy .

# The two passes run side by side (they share no database, broker, port or data file):
# most of their time is spent waiting on worker and server subprocesses. Each keeps its
# own coverage data; the report combines both.
test: lint typecheck browser promtool node-tools
	@rm -f .coverage .coverage-sqlite .coverage-services
	@$(MAKE) --no-print-directory -j2 --output-sync=target test-sqlite test-services
	$(BIN)/coverage combine --quiet $$(ls .coverage-sqlite .coverage-services 2>/dev/null)
	$(BIN)/coverage report

# The inner loop: lint, types and the unit tests on SQLite (no subprocess), in about a minute.
test-fast: lint typecheck
	env -u DATABASE_URL -u REDIS_URL $(BIN)/pytest -q -m "not slow"

test-sqlite: install
	@echo "== suite on SQLite + django-q2 ORM broker"
	env -u DATABASE_URL -u REDIS_URL COVERAGE_FILE=.coverage-sqlite \
	  $(BIN)/pytest --cov --cov-report= --cov-fail-under=0

# The tests that never touch the database ran in the SQLite pass; only the rest run again.
test-services: install
	@echo "== suite on PostgreSQL + django-q2 Redis broker"
	@if $(PY) -m tests.support.services "$(TEST_POSTGRES_URL)" "$(TEST_REDIS_URL)"; then \
	  DATABASE_URL="$(TEST_POSTGRES_URL)" REDIS_URL="$(TEST_REDIS_URL)" COVERAGE_FILE=.coverage-services \
	    $(BIN)/pytest --cov --cov-report= --cov-fail-under=0 --database-tests-only; \
	elif [ -n "$$REQUIRE_SERVICES" ]; then \
	  echo "REQUIRE_SERVICES is set and PostgreSQL/Redis are not reachable: failing."; exit 1; \
	else \
	  echo "SKIPPED the PostgreSQL + Redis pass: the services above are not reachable."; \
	fi

# The unit tests once more on the newest releases of httpx, Django and django-q2 that this
# Python can install, past the ranges in pyproject.toml (.ci/run runs it): code on their
# public APIs only should take an upgrade as a version bump, and this says so before the
# bump. A venv of its own, so .venv keeps the ranges.
NEWEST := .venv-newest
NEWEST_OF := httpx django django-q2
test-newest: install
	@test -x $(NEWEST)/bin/python || $(PYTHON) -m venv $(NEWEST)
	@$(NEWEST)/bin/python -m pip install --quiet --upgrade pip
	@$(NEWEST)/bin/python -m pip install --quiet -e '.[dev]'
	@$(NEWEST)/bin/python -m pip install --quiet --upgrade $(NEWEST_OF) 2>&1 \
	  | grep -v "dependency resolver\|but you have\|incompatible" || true
	@echo "== unit tests on the newest:" $$($(NEWEST)/bin/python -m pip list 2>/dev/null \
	  | awk 'tolower($$1) ~ /^(httpx|httpcore|django|django-q2)$$/ {printf "%s %s, ", $$1, $$2}')
	env -u DATABASE_URL -u REDIS_URL $(NEWEST)/bin/pytest -q -p no:cacheprovider -m "not slow"

# On the default database: column ranges in the document come from it.
openapi: install
	env -u DATABASE_URL -u REDIS_URL $(MANAGE) spectacular --validate --fail-on-warn --file docs/openapi.yaml

# webhooks as a wheel of its own, for any Django project (docs/reuse.md).
wheel: install
	$(PY) reuse/build_wheel.py dist

# docs/reuse.md step by step: the wheel into a new virtualenv beside a new
# `django-admin startproject`, one signal declared, a signed delivery at a receiver.
reuse-test: install
	RUN_REUSE_TEST=1 env -u DATABASE_URL -u REDIS_URL \
	  $(BIN)/pytest -q -p no:cacheprovider tests/end_to_end/test_reuse.py

bench: install
	$(PY) -m bench.run

clean:
	rm -rf $(VENV) $(NEWEST) .coverage .coverage-* .pytest_cache .mypy_cache .ruff_cache *.egg-info
