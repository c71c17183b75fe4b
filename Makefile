# annual-assessment: `make site` builds the website on the embedded data, `make test` runs the tests.
# Both create .venv (Python >= 3.11) and install the pinned dependencies on first use.
SHELL := /bin/bash
# The first Python >= 3.11 on PATH. The probe is silent: `command -v` also finds pyenv's shims
# for versions that are not installed, which then fail loudly, so the version check's own
# output goes to /dev/null too.
PYTHON ?= $(shell for p in python3.13 python3.12 python3.11 python3; do \
	command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 11))' >/dev/null 2>&1 && { echo $$p; break; }; done)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
NODE_STAMP := node_modules/.package-lock.json
CONFIGS ?= $(wildcard config/assessments/*.yml)

.PHONY: help env site site-england run render test unit notebooks e2e parity lint bench clean
help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-13s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	@if [ -z "$(PYTHON)" ]; then echo "error: Python >= 3.11 not found (set PYTHON=/path/to/python3.11)" >&2; exit 1; fi
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 >/dev/null
	@touch $(STAMP)

# The site's front-end files (DataTables) and the browser tests' axe-core, pinned in package-lock.json
$(NODE_STAMP): package.json package-lock.json
	@command -v npm >/dev/null 2>&1 || { echo "error: npm not found: install Node.js and npm (Debian: apt-get install nodejs npm)" >&2; exit 1; }
	npm ci --no-audit --no-fund --loglevel=error
	@touch $(NODE_STAMP)

env: $(STAMP) $(NODE_STAMP) ## create .venv and node_modules and install the pinned dependencies

site: $(STAMP) $(NODE_STAMP) ## run every assessment in config/assessments/ and render the site into _site/
	$(BIN)/assess site

site-england: $(STAMP) $(NODE_STAMP) ## the SYNTHETIC England at full scale (config/england/, several minutes)
	$(BIN)/assess site $(wildcard config/england/*.yml)

run: $(STAMP) ## run the assessment pipelines only (no site)
	$(BIN)/assess run $(CONFIGS)

render: $(STAMP) $(NODE_STAMP) ## render the site from what the last run produced
	$(BIN)/assess render

test: $(STAMP) $(NODE_STAMP) ## lint, import layers, unit tests, notebooks (nbval), parity and the browser test
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/lint-imports
	$(BIN)/python -m pytest tests
	$(BIN)/python -m pytest --nbval-lax --nbval-current-env -p no:cacheprovider notebooks

parity: $(STAMP) ## statistics against the reference implementations' vectors
	$(BIN)/python tests/parity/run.py

bench: $(STAMP) $(NODE_STAMP) ## benchmarks (the England benchmark renders the site: it needs node_modules)
	$(BIN)/python benchmarks/run.py

lint: $(STAMP) ## ruff (lint and format) and the import-layers contract (.importlinter)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/lint-imports

clean: ## remove generated outputs (keeps .venv)
	rm -rf _site _site.* reports/*/ .quarto
