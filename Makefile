# Thin wrappers over the `sosrap` CLI. `make help` lists the targets.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
SOSRAP := $(VENV)/bin/sosrap
STAMP := $(VENV)/.sosrap-installed
NODE_STAMP := node_modules/.sosrap-installed
EDITION ?= demo
# What nbstripout removes besides outputs and execution counts: Papermill's and
# nbclient's run metadata. Cell ids stay (embeds may address cells by id).
NBSTRIP_ARGS := --keep-id --extra-keys 'metadata.papermill cell.metadata.papermill cell.metadata.execution metadata.widgets'

.DEFAULT_GOAL := help
.PHONY: help setup report build status test lab doctor bench screenshots clean

help: ## List the targets
	@grep -E '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml constraints.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@echo "Installing sosrap and its pinned dependencies into $(VENV) ..." >&2
	@$(PY) -m pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[test]'
	@# cffconvert validates CITATION.cff in the tests; see pyproject.toml for why --no-deps.
	@$(PY) -m pip install --quiet --disable-pip-version-check --no-deps -c constraints.txt cffconvert
	@# Bytecode for the package, as pip writes it for an installed one: where PYTHONDONTWRITEBYTECODE
	@# is set, every `sosrap` command would otherwise compile the modules it imports (0.06 s a build).
	@$(PY) -m compileall -q lib/sosrap >/dev/null
	@# The `sosrap` Jupyter kernel lives inside the environment (not in ~/.local).
	@$(PY) -m ipykernel install --sys-prefix --name sosrap --display-name "Python 3 (sosrap)" >/dev/null
	@# Keep notebook outputs out of git (see .gitattributes): nbstripout as the clean filter.
	@if git rev-parse --git-dir >/dev/null 2>&1; then \
	  git config filter.sosrap-nbstrip.clean "$(abspath $(PY)) -m nbstripout $(NBSTRIP_ARGS)"; \
	  git config filter.sosrap-nbstrip.smudge cat; fi
	@touch $(STAMP)

$(NODE_STAMP): package.json package-lock.json
	@if command -v npm >/dev/null 2>&1; then npm ci --no-audit --no-fund --silent && touch $(NODE_STAMP); \
	else echo "npm not found: the axe-core accessibility test will be skipped" >&2; fi

setup: $(STAMP) ## Create .venv and install sosrap with pinned dependencies

report: $(STAMP) ## Build the demo report end to end; prints the HTML path last
	@$(SOSRAP) build $(EDITION)

status: $(STAMP) ## Show which stages of EDITION are fresh or stale, and why
	@$(SOSRAP) status $(EDITION)

# Test processes (pytest-xdist): one per core; a test file stays on one process, so its
# module fixtures (a build) are made once. TEST_JOBS=0 runs the suite in this process.
TEST_JOBS ?= auto

test: $(STAMP) $(NODE_STAMP) ## Run the whole test suite (TEST_JOBS=N processes, default one per core)
	@$(VENV)/bin/pytest -n $(TEST_JOBS) --dist loadfile

# Extra JupyterLab options, e.g. make lab LAB_ARGS="--no-browser --port 8899"
LAB_ARGS ?=
# Jupyter refuses to run as root (a container) without --allow-root.
LAB_ROOT := $(if $(filter 0,$(shell id -u)),--allow-root)

lab: $(STAMP) ## Start JupyterLab on notebooks/ with the sosrap kernel (LAB_ARGS="..." for more options)
	@$(VENV)/bin/jupyter lab --ServerApp.root_dir="$(CURDIR)" $(LAB_ROOT) $(LAB_ARGS) notebooks/

doctor: $(STAMP) ## Report what is available (Quarto, pandoc, typst, Chromium, kernel, snapshot)
	@$(SOSRAP) doctor

bench: $(STAMP) ## Print the benchmarks' numbers
	@for b in benchmarks/bench_*.py; do echo "== $$b"; $(PY) $$b || exit 1; done

screenshots: $(STAMP) ## Refresh docs/screenshots from the demo report (needs Chromium)
	@$(PY) scripts/screenshots.py

clean: ## Remove build outputs (keeps .venv)
	rm -rf build
