# pinterest-pipeline: the two commands are `make demo` (whole pipeline) and `make test`.
# Every target installs what it needs first; the work itself is done by Python modules.

SHELL := /bin/bash
PYTHON_BOOT ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cat requirements.lock pyproject.toml | sha256sum | cut -c1-12)
DEMO_ROWS ?= 11154
# The project's Python packages, each importing only those to its left (tests/test_layout.py).
PACKAGES := core ingestion warehouse streaming orchestration standins
# dbt with the stack's settings (DBT_PROFILES_DIR and the rest) from .local/stack.env.
DBT := set -a && . .local/stack.env && set +a && $(VENV)/bin/dbt

.PHONY: help install browser up down status demo live report screenshots test lint bench bench-full bench-scale chaos mutants

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/:.*## /\t/' | expand -t 14

install: $(STAMP)  ## create .venv from requirements.lock (and the stack's packages and jars)

browser:  ## install Chromium, which only the browser tests drive (make test and screenshots)
	@# Debian's Chromium (Playwright downloads no browser here); make demo does without it.
	@if ! command -v chromium >/dev/null; then \
		echo "installing chromium with apt-get for the browser tests (about a minute)"; \
		apt-get update -qq && apt-get install -y --no-install-recommends chromium \
		|| { echo "error: run: sudo apt-get install -y chromium"; exit 1; }; \
	fi

$(STAMP): requirements.lock pyproject.toml
	@test -n "$(PYTHON_BOOT)" || { echo "error: Python 3.11 is required (python3.11 not found)"; exit 1; }
	@# mysqlclient (the emulator's database driver) builds from source against these.
	@if ! pkg-config --exists libmariadb 2>/dev/null || ! command -v gcc >/dev/null; then \
		echo "installing libmariadb-dev, pkg-config and gcc with apt-get (mysqlclient builds against them; about a minute)"; \
		apt-get update -qq && apt-get install -y --no-install-recommends libmariadb-dev pkg-config gcc \
		|| { echo "error: run: sudo apt-get install -y libmariadb-dev pkg-config gcc"; exit 1; }; \
	fi
	@echo "creating $(VENV) with pip 26.3 (a few seconds)"
	$(PYTHON_BOOT) -m venv $(VENV)
	$(PY) -m pip install --quiet pip==26.3
	@# Not --quiet: a line per package, so the minutes of a first install show their progress.
	@echo "installing the Python packages of requirements.lock (a first install: 2-5 minutes)"
	$(PY) -m pip install --progress-bar on -r requirements.lock
	@echo "installing this project into $(VENV) (editable; a few seconds)"
	$(PY) -m pip install --quiet --no-deps --no-build-isolation -e .
	rm -f $(VENV)/.installed-* && touch $@

up: install  ## start MariaDB, Kafka, SeaweedFS, Spark Thrift and the ingestion API (harmless when running)
	$(PY) -m standins.stack up

down:  ## stop the stack's processes; data stays in .local/
	@if [ -x $(PY) ]; then $(PY) -m standins.stack down; else echo "nothing to stop (no .venv)"; fi

status: install  ## show each service of the stack
	$(PY) -m standins.stack status

demo: up  ## run the pipeline end to end on the local stack
	$(PY) -m standins.generate --rows $(DEMO_ROWS) --truncate
	@# The checkpoint makes a rerun send only what is new: nothing, for the same data.
	$(PY) -m ingestion.emulate --checkpoint .local/demo/emulate-$(DEMO_ROWS).checkpoint --resume
	$(PY) -m ingestion.sink --until-idle 5
	@# dbt build stages the landing itself (its on-run-start hook), and reads only what is new.
	@# Its unit tests test the project's SQL, not the data: they run in make test.
	$(DBT) build --exclude-resource-type unit_test
	$(PY) -m warehouse.answers
	@# Every stage counted against the last: exits 1 if any lost a record.
	$(PY) -m warehouse.reconcile
	$(PY) -m warehouse.report
	@echo
	@echo "Demo finished: $(DEMO_ROWS) posts went MariaDB -> Kafka -> S3 -> dbt on Spark."
	@set -a && . .local/stack.env && set +a && \
	echo "  source:  database pinterest_data on 127.0.0.1:$$PINTEREST_MYSQL_PORT" && \
	echo "  landing: s3://$$S3_BUCKET/topics/ on $$S3_ENDPOINT_URL" && \
	echo "  marts:   pinterest_marts.* on the Spark Thrift Server, 127.0.0.1:$$SPARK_THRIFT_PORT"
	@echo "  counts:  output/reconcile.json (python -m warehouse.reconcile)"
	@echo "  report:  output/report/index.html (charts of the answers; opens offline)"
	@echo "  lineage: .venv/bin/dbt docs generate && .venv/bin/dbt docs serve  (after sourcing .local/stack.env)"
	@echo "  settings (URLs, keys): .local/stack.env  (source it to use them in a shell)"

live: up  ## run the pipeline continuously under Dagster (UI on 127.0.0.1:3000) until Ctrl-C
	@# The runner starts the orchestrator once, with the settings it runs with (LIVE_ARGS'
	@# --schema too), and leaves it running for its runs to be looked at.
	$(PY) -m standins.live --keep-orchestrator $(LIVE_ARGS)

report: up  ## the answers as charts in output/report/index.html (after `make demo`)
	@# A shortfall does not stop the report: it shows it.
	$(PY) -m warehouse.reconcile || echo "reconcile found shortfalls; the report lists them"
	$(PY) -m warehouse.report

screenshots: up browser  ## regenerate docs/img/report.png and docs/img/lineage.png (browser tests)
	@rm -rf output/screenshots
	$(PY) -m pytest -q tests/warehouse/report/test_report.py -k "renders or lineage"
	mkdir -p docs/img && cp output/screenshots/report.png output/screenshots/lineage.png docs/img/

lint: install  ## ruff, formatting, sqlfluff and a scan for committed secrets
	$(VENV)/bin/ruff check $(PACKAGES) tests bench
	$(VENV)/bin/ruff format --check $(PACKAGES) tests bench
	$(PY) -m standins.stack profile
	$(VENV)/bin/sqlfluff lint models
	@# Every file git would commit; a false positive gets a `pragma: allowlist secret` comment.
	git ls-files -z --cached --others --exclude-standard | xargs -0 $(VENV)/bin/detect-secrets-hook

bench: up  ## benchmarks against the components' own ceilings: 11,154 and 100,000 posts
	$(PY) bench/run.py

bench-full: up  ## the same up to 1,000,000 posts
	$(PY) bench/run.py --full

bench-scale: up  ## the sink with 1, 2, 3 processes and the emulator against 1 and 3 brokers
	$(PY) bench/scale.py

chaos: up  ## the fault tests at full size (100,000 posts) and the cluster's tests on Spark workers; figures in output/faults/
	@rm -rf output/faults
	@# The cluster's tests all run here: Spark on its master and workers is a chaos-size shape.
	@$(PY) -m pytest -m fault --chaos tests/faults; rc=$$?; \
	$(PY) -m pytest --chaos tests/cluster; rc2=$$?; [ $$rc -ne 0 ] || rc=$$rc2; \
	if [ $$rc -eq 5 ]; then echo "error: pytest collected no fault tests"; exit 1; fi; \
	for f in output/faults/*.json; do echo "$$f:"; cat "$$f"; done; exit $$rc

mutants: demo  ## break each cleaning and analysis rule of the dbt project in turn; exit 1 if a test lets one through
	$(PY) tests/mutants/mutate.py $(MUTANTS_ARGS)

# The cluster's sink group (a 40 s trial of 10 kills, ~150 s on CI's 2 cores) runs only in
# `make chaos`, which keeps CI under an hour; every other fault test runs here at small size.
CHAOS_ONLY := --deselect tests/cluster/test_sink_group.py

test: up lint browser  ## run the tests against the local stack (starts it if needed), all but the cluster's sink group (make chaos)
	@$(PY) -m pytest --durations=30 $(CHAOS_ONLY); rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "error: pytest collected no tests"; exit 1; fi; exit $$rc

