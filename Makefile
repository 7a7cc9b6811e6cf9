# The two commands a newcomer needs: `make demo` and `make test`. Each sets everything up by itself.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV := .venv
PY := $(VENV)/bin/python
PYTHON ?= python3.11

export AIRFLOW_HOME ?= $(CURDIR)/.airflow
export AIRFLOW__CORE__LOAD_EXAMPLES := False
export AIRFLOW__CORE__DAGS_FOLDER := $(CURDIR)/dags
export AIRFLOW__CORE__PLUGINS_FOLDER := $(CURDIR)/plugins
export PYTHONPATH := $(CURDIR)/plugins

.PHONY: help setup demo airflow compose-up compose-down test fuzz bench lint

help:
	@echo "make demo   - set up, then build, gate and deploy the example model locally"
	@echo "make airflow - the Airflow UI with this project's DAGs (local backend, SQLite) until Ctrl-C"
	@echo "make compose-up - the docker-compose stack (CeleryExecutor, 2 workers); STANDINS=1 without a registry"
	@echo "make compose-down - remove the stack's containers, network and volumes"
	@echo "make test   - set up, then run every test tier (unit, DAG integrity, integration, e2e)"
	@echo "make fuzz   - 10,000 Hypothesis examples over the loader, schema and CLI; prints the counts"
	@echo "make bench  - DAG parse-time and task-start benchmarks"
	@echo "make bench-serve - model server vs gunicorn+Flask and MLServer (wrk), idle clients, redeploy under load"
	@echo "make bench-ui - Models view load time with 1,000 automations and 100,000 builds (PostgreSQL)"
	@echo "make bench-load - 50 automations on one minute under a real Airflow (LocalExecutor, PostgreSQL)"

setup: $(VENV)/.installed

$(VENV)/.installed: requirements.txt requirements-dev.txt
	@command -v $(PYTHON) >/dev/null || { echo "Python 3.11 is required ($(PYTHON) not found)"; exit 1; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

demo: setup
	scripts/demo.sh

airflow: setup
	@$(PY) scripts/airflow_ui.py

compose-up:
	scripts/compose/stack.sh up

compose-down:
	scripts/compose/stack.sh down

test: setup
	scripts/test.sh

fuzz: setup
	HYPOTHESIS_PROFILE=fuzz $(PY) -m pytest tests/fuzz -q -p no:cacheprovider

lint: setup
	$(VENV)/bin/ruff check plugins dags tests bench

bench: setup
	$(PY) -m bench.parse_time

.PHONY: bench-serve
bench-serve: setup
	$(PY) -m bench.serve

.PHONY: bench-ui
bench-ui: setup
	$(PY) -m bench.models_view

.PHONY: bench-load
bench-load: setup
	$(PY) -m bench.load
