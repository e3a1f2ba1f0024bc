# Thin wrappers over the `sosrap` CLI. `make help` lists the targets.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
SOSRAP := $(VENV)/bin/sosrap
STAMP := $(VENV)/.sosrap-installed
EDITION ?= demo

.DEFAULT_GOAL := help
.PHONY: help setup report build status test clean

help: ## List the targets
	@grep -E '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml constraints.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@echo "Installing sosrap and its pinned dependencies into $(VENV) ..." >&2
	@$(PY) -m pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[test]'
	@touch $(STAMP)

setup: $(STAMP) ## Create .venv and install sosrap with pinned dependencies

report: $(STAMP) ## Build the demo report end to end; prints the HTML path last
	@$(SOSRAP) build $(EDITION)

status: $(STAMP) ## Show which stages of EDITION are fresh or stale
	@$(SOSRAP) status $(EDITION)

test: $(STAMP) ## Run the whole test suite
	@$(VENV)/bin/pytest

clean: ## Remove build outputs (keeps .venv)
	rm -rf build
