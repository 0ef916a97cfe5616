# Molyte: `make up` runs the platform on this machine; `make test` runs the whole suite.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
UI_STAMP := src/molyte/web/static/index.html
# Debian packages (installed only when missing): what the engines need, and the browser and
# environment-modules tests (Lmod; it conflicts with Debian's environment-modules package).
APT_RUNTIME := xtb
APT_TEST := chromium lmod

.PHONY: up test test-unit lint bench ui install system-deps test-deps apt-install postgres-up services-up services-down clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install -q -U pip
	$(VENV)/bin/pip install -q -e '.[dev,engines]'
	touch $(STAMP)

install: $(STAMP)

system-deps:
	@$(MAKE) --no-print-directory apt-install PACKAGES="$(APT_RUNTIME)"

test-deps:
	@$(MAKE) --no-print-directory apt-install PACKAGES="$(APT_RUNTIME) $(APT_TEST)"

apt-install:
	@missing=""; for p in $(PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:$$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi

ui:
	@if [ -f frontend/package.json ]; then \
	  cd frontend && npm ci --no-audit --no-fund --loglevel=error && npm run build; \
	fi

up: install system-deps ui
	$(VENV)/bin/molyte up

postgres-up:
	@pg_isready -q -h 127.0.0.1 -p 5432 || pg_ctlcluster --skip-systemctl-redirect $$(ls /etc/postgresql) main start

services-up: test-deps postgres-up
	@if [ -x scripts/slurm.sh ]; then scripts/slurm.sh start; fi
	@if [ -x scripts/sge.sh ]; then scripts/sge.sh start; fi

services-down:
	@if [ -x scripts/slurm.sh ]; then scripts/slurm.sh stop; fi
	@if [ -x scripts/sge.sh ]; then scripts/sge.sh stop; fi

test: install ui services-up
	@set -o pipefail; status=0; \
	$(PY) -m pytest tests -q --timeout=600 -ra --durations=15 || status=$$?; \
	$(MAKE) --no-print-directory services-down; \
	if [ -f frontend/package.json ]; then (cd frontend && npm test) || status=1; fi; \
	exit $$status

test-unit: install
	$(PY) -m pytest tests/unit -q

lint: install
	$(VENV)/bin/ruff check src tests bench
	$(VENV)/bin/ruff format --check src tests bench
	$(VENV)/bin/mypy
	@if [ -d frontend/node_modules ]; then cd frontend && npm run lint; fi

# The benchmarks need PostgreSQL (S3 is moto, Slurm commands are recorded or faked) and wrk.
bench: install postgres-up
	@$(MAKE) --no-print-directory apt-install PACKAGES="wrk"
	$(PY) bench/run_all.py

clean:
	rm -rf $(VENV) .molyte frontend/node_modules src/molyte/web/static
